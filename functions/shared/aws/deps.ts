import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { RDSClient } from '@aws-sdk/client-rds';
import { Route53Client } from '@aws-sdk/client-route-53';
import { Route53RecoveryClusterClient } from '@aws-sdk/client-route53-recovery-cluster';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DrConfig } from '../../../config/schema';
import type { AlarmTriggerDeps } from '../../alarm-trigger/alarm-trigger';
import type { DataConsistencyValidatorDeps } from '../../data-consistency-validator/data-consistency-validator';
import type { FailoverOrchestratorDeps } from '../../failover-orchestrator/failover-orchestrator';
import type { HealthCheckerDeps } from '../../health-checker/health-checker';
import type { TrafficRouterDeps } from '../../traffic-router/traffic-router';
import { ConfigurationError, InvalidInputError } from '../errors';
import { systemClock, type RegionName } from '../ports';
import { ArcRoutingControlTraffic } from './arc-routing-control-traffic';
import { AwsDataStores } from './aws-data-stores';
import { CloudWatchAlarmMirror } from './cloudwatch-alarm-mirror';
import { CloudWatchHealthSignals } from './cloudwatch-health-signals';
import { DynamoDbIncidentLock } from './dynamodb-incident-lock';
import { SfnFailoverStarter } from './sfn-failover-starter';
import { DynamoDbAuditLog } from './dynamodb-audit-log';
import { DynamoDbComparisonStore } from './dynamodb-comparison-store';
import { LAMBDA_ENV } from '../../../config/lambda-environment';
import { configFromEnv, requireEnv } from './environment';
import type { StepIdempotencyOptions } from './idempotency';
import { Route53WeightedTraffic } from './route53-weighted-traffic';
import { SnsNotifier } from './sns-notifier';
import { AwsStandbyScaler } from './scaling-standby';
import { SsmSiteState } from './ssm-site-state';

/**
 * The real dependencies of each Lambda, built once per container from the environment the
 * control-plane stack sets (see LAMBDA_ENV). Every variable is read up front so a missing one fails the
 * first invocation with its name, not some later step halfway through a failover.
 */

type Env = NodeJS.ProcessEnv;

/**
 * Bounded timeouts on every client: a call into a dark region must fail within seconds (and be
 * handled as unreachable) rather than hang until the Lambda or the task times out.
 */
export function clientConfig(region: RegionName) {
  return {
    region,
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000 },
  };
}

/** One client per configured region, created on first use; any other region is refused. */
export function perRegion<C>(config: DrConfig, make: (region: RegionName) => C): (region: RegionName) => C {
  const allowed = [config.regions.primary.name, config.regions.standby.name];
  const clients = new Map<RegionName, C>();
  return (region) => {
    if (!allowed.includes(region)) throw new InvalidInputError(`Region ${region} is not one of the configured regions (${allowed.join(', ')})`);
    let client = clients.get(region);
    if (!client) {
      client = make(region);
      clients.set(region, client);
    }
    return client;
  };
}

export function documentClient(region: RegionName): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(region)), { marshallOptions: { removeUndefinedValues: true } });
}

function dataStores(config: DrConfig): AwsDataStores {
  return new AwsDataStores({
    regions: [config.regions.primary.name, config.regions.standby.name],
    cloudWatchFor: perRegion(config, (r) => new CloudWatchClient(clientConfig(r))),
    rdsFor: perRegion(config, (r) => new RDSClient(clientConfig(r))),
    dynamoDbFor: perRegion(config, (r) => new DynamoDBClient(clientConfig(r))),
    s3For: perRegion(config, (r) => new S3Client(clientConfig(r))),
  });
}

export function healthCheckerAwsDeps(env: Env = process.env): HealthCheckerDeps {
  const config = configFromEnv(env);
  const region = requireEnv(LAMBDA_ENV.controlPlaneRegion, env);
  const alarmNamePrefix = requireEnv(LAMBDA_ENV.alarmNamePrefix, env);
  const auditTable = requireEnv(LAMBDA_ENV.auditTable, env);
  return {
    config,
    signals: new CloudWatchHealthSignals({
      cloudWatch: new CloudWatchClient(clientConfig(region)),
      alarmNamePrefix,
      globalDomainName: config.globalDomain.name,
      probeTimeoutMs: config.detection.probeTimeoutMs,
    }),
    audit: new DynamoDbAuditLog({ documentClient: documentClient(region), tableName: auditTable }),
    clock: systemClock,
  };
}

/** Step results live in this region's table: each copy of the control plane keeps its own. */
function idempotencyStore(region: RegionName, env: Env): StepIdempotencyOptions {
  const tableName = requireEnv(LAMBDA_ENV.idempotencyTable, env);
  return { persistenceStore: new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: new DynamoDBClient(clientConfig(region)) }) };
}

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

export function trafficRouterAwsDeps(env: Env = process.env): TrafficRouterDeps & { idempotency: StepIdempotencyOptions } {
  const config = configFromEnv(env);
  const region = requireEnv(LAMBDA_ENV.controlPlaneRegion, env);
  const auditTable = requireEnv(LAMBDA_ENV.auditTable, env);
  return {
    config,
    traffic: trafficControl(config, region),
    audit: new DynamoDbAuditLog({ documentClient: documentClient(region), tableName: auditTable }),
    clock: systemClock,
    idempotency: idempotencyStore(region, env),
  };
}

export function failoverOrchestratorAwsDeps(env: Env = process.env): FailoverOrchestratorDeps & { idempotency: StepIdempotencyOptions } {
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
    dataStores: dataStores(config),
    scaler: new AwsStandbyScaler({
      ecsFor: ownRegionOnly((r) => new ECSClient(clientConfig(r))),
      autoScalingFor: ownRegionOnly((r) => new AutoScalingClient(clientConfig(r))),
      lambdaFor: ownRegionOnly((r) => new LambdaClient(clientConfig(r))),
    }),
    audit: new DynamoDbAuditLog({ documentClient: documentClient(region), tableName: auditTable }),
    clock: systemClock,
    idempotency: idempotencyStore(region, env),
  };
}

export function dataConsistencyValidatorAwsDeps(env: Env = process.env): DataConsistencyValidatorDeps {
  const config = configFromEnv(env);
  const region = requireEnv(LAMBDA_ENV.controlPlaneRegion, env);
  const auditTable = requireEnv(LAMBDA_ENV.auditTable, env);
  const comparisonTable = requireEnv(LAMBDA_ENV.comparisonTable, env);
  return {
    config,
    dataStores: dataStores(config),
    // The comparison's parts stay in this region: the copy activating it runs the whole comparison.
    work: new DynamoDbComparisonStore({ dynamoDb: new DynamoDBClient(clientConfig(region)), tableName: comparisonTable }),
    audit: new DynamoDbAuditLog({ documentClient: documentClient(region), tableName: auditTable }),
    clock: systemClock,
  };
}

export function alarmTriggerAwsDeps(env: Env = process.env): AlarmTriggerDeps {
  const config = configFromEnv(env);
  const region = requireEnv(LAMBDA_ENV.controlPlaneRegion, env);
  const alarmNamePrefix = requireEnv(LAMBDA_ENV.alarmNamePrefix, env);
  const starter = new SfnFailoverStarter({ sfn: new SFNClient(clientConfig(region)), stateMachineArn: requireEnv(LAMBDA_ENV.stateMachineArn, env) });
  // Static stability: this copy may only ever start the state machine that activates its own region.
  if (starter.region !== region) {
    throw new ConfigurationError(`${LAMBDA_ENV.stateMachineArn} is in ${starter.region}, but this copy runs in ${region}; each region's trigger starts its own state machine only`);
  }
  const cloudWatch = new CloudWatchClient(clientConfig(region));
  const parameterPrefix = requireEnv(LAMBDA_ENV.siteStateParameterPrefix, env);
  const ssm = new SSMClient(clientConfig(region));
  return {
    config,
    region,
    alarmNamePrefix,
    signals: new CloudWatchHealthSignals({ cloudWatch, alarmNamePrefix, globalDomainName: config.globalDomain.name, probeTimeoutMs: config.detection.probeTimeoutMs }),
    lock: new DynamoDbIncidentLock({ dynamoDb: new DynamoDBClient(clientConfig(region)), tableName: requireEnv(LAMBDA_ENV.incidentLockTable, env) }),
    starter,
    notifier: new SnsNotifier({ sns: new SNSClient(clientConfig(region)), topicArns: { alert: requireEnv(LAMBDA_ENV.alertTopicArn, env) } }),
    // Only this region's parameter is ever read: nothing on the trigger path calls the other region.
    siteState: new SsmSiteState({
      ssmFor: (r) => {
        if (r !== region) throw new InvalidInputError(`The alarm trigger in ${region} reads only its own site state, not ${r}`);
        return ssm;
      },
      parameterPrefix,
    }),
    audit: new DynamoDbAuditLog({ documentClient: documentClient(region), tableName: requireEnv(LAMBDA_ENV.auditTable, env) }),
    clock: systemClock,
    mirror: new CloudWatchAlarmMirror({ cloudWatch, alarmNamePrefix }),
  };
}
