import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { ECSClient } from '@aws-sdk/client-ecs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { RDSClient } from '@aws-sdk/client-rds';
import { SSMClient } from '@aws-sdk/client-ssm';
import { LAMBDA_ENV } from '../../config/lambda-environment';
import { AuroraGlobalPromotion } from '../shared/aws/aurora-global-promotion';
import { clientConfig, documentClient, perRegion } from '../shared/aws/clients';
import { DynamoDbAuditLog } from '../shared/aws/dynamodb-audit-log';
import { configFromEnv, requireEnv } from '../shared/aws/environment';
import type { StepIdempotencyOptions } from '../shared/aws/idempotency';
import { idempotencyTable } from '../shared/aws/idempotency-table';
import { AwsStandbyScaler } from '../shared/aws/scaling-standby';
import { SsmSiteState } from '../shared/aws/ssm-site-state';
import { InvalidInputError } from '../shared/errors';
import { systemClock, type RegionName } from '../shared/ports';
import type { FailoverOrchestratorDeps } from './failover-orchestrator';

/** The orchestrator's real dependencies, from the environment the control-plane stack sets (every variable read up front). */
export function failoverOrchestratorAwsDeps(env: NodeJS.ProcessEnv = process.env): FailoverOrchestratorDeps & { idempotency: StepIdempotencyOptions } {
  const config = configFromEnv(env);
  const region = requireEnv(LAMBDA_ENV.controlPlaneRegion, env);
  const parameterPrefix = requireEnv(LAMBDA_ENV.siteStateParameterPrefix, env);
  const auditTable = requireEnv(LAMBDA_ENV.auditTable, env);
  // Capacity is only ever raised in the region this copy activates: its own.
  const ownRegionOnly = <C>(make: (r: RegionName) => C) => {
    let client: C | undefined;
    return (r: RegionName): C => {
      if (r !== region) throw new InvalidInputError(`The control plane in ${region} scales only its own region, not ${r}`);
      client ??= make(r);
      return client;
    };
  };
  return {
    config,
    siteState: new SsmSiteState({ ssmFor: perRegion(config, (r) => new SSMClient(clientConfig(r))), parameterPrefix }),
    // Promotion is all it asks of the data stores: RDS only, in the region being activated (no S3, CloudWatch or item readers).
    dataStores: new AuroraGlobalPromotion({ rdsFor: perRegion(config, (r) => new RDSClient(clientConfig(r))) }),
    scaler: new AwsStandbyScaler({
      ecsFor: ownRegionOnly((r) => new ECSClient(clientConfig(r))),
      autoScalingFor: ownRegionOnly((r) => new AutoScalingClient(clientConfig(r))),
      lambdaFor: ownRegionOnly((r) => new LambdaClient(clientConfig(r))),
    }),
    audit: new DynamoDbAuditLog({ documentClient: documentClient(region), tableName: auditTable }),
    clock: systemClock,
    idempotency: idempotencyTable(region, env),
  };
}
