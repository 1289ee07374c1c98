import { Route53Client } from '@aws-sdk/client-route-53';
import { Route53RecoveryClusterClient } from '@aws-sdk/client-route53-recovery-cluster';
import { LAMBDA_ENV } from '../../config/lambda-environment';
import type { DrConfig } from '../../config/schema';
import { ArcRoutingControlTraffic } from '../shared/aws/arc-routing-control-traffic';
import { clientConfig, documentClient } from '../shared/aws/clients';
import { DynamoDbAuditLog } from '../shared/aws/dynamodb-audit-log';
import { configFromEnv, requireEnv } from '../shared/aws/environment';
import type { StepIdempotencyOptions } from '../shared/aws/idempotency';
import { idempotencyTable } from '../shared/aws/idempotency-table';
import { Route53WeightedTraffic } from '../shared/aws/route53-weighted-traffic';
import { systemClock, type RegionName } from '../shared/ports';
import type { TrafficRouterDeps } from './traffic-router';

/** The adapter `traffic.strategy` names: ARC routing controls, or Route 53 weighted records (active-active drains the source only). */
function trafficControl(config: DrConfig, region: RegionName): TrafficRouterDeps['traffic'] {
  const traffic = config.traffic;
  const regions = [config.regions.primary, config.regions.standby].map((r) => ({ name: r.name, host: new URL(r.apiEndpoint).hostname }));
  switch (traffic.strategy) {
    case 'arc-routing-control':
      return new ArcRoutingControlTraffic({
        endpoints: traffic.clusterEndpoints,
        // One attempt per endpoint: rotating to the next endpoint beats retrying a dark one.
        clientFor: (e) => new Route53RecoveryClusterClient({ ...clientConfig(e.region), maxAttempts: 1, endpoint: e.endpoint }),
        routingControlArns: traffic.routingControlArns,
      });
    case 'route53-weighted':
    case 'active-active':
      return new Route53WeightedTraffic({
        // Route 53 is a global service: the SDK resolves its one endpoint whatever region the client names.
        route53: new Route53Client(clientConfig(region)),
        hostedZoneId: traffic.hostedZoneId,
        recordName: config.globalDomain.name,
        ttlSeconds: config.globalDomain.ttlSeconds,
        regions,
        mode: traffic.strategy === 'active-active' ? 'drain-source' : 'all-to-target',
      });
  }
}

/** The traffic router's real dependencies, from the environment the control-plane stack sets (every variable read up front). */
export function trafficRouterAwsDeps(env: NodeJS.ProcessEnv = process.env): TrafficRouterDeps & { idempotency: StepIdempotencyOptions } {
  const config = configFromEnv(env);
  const region = requireEnv(LAMBDA_ENV.controlPlaneRegion, env);
  const auditTable = requireEnv(LAMBDA_ENV.auditTable, env);
  return {
    config,
    traffic: trafficControl(config, region),
    audit: new DynamoDbAuditLog({ documentClient: documentClient(region), tableName: auditTable }),
    clock: systemClock,
    idempotency: idempotencyTable(region, env),
  };
}
