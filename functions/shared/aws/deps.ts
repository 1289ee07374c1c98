import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RDSClient } from '@aws-sdk/client-rds';
import { Route53Client } from '@aws-sdk/client-route-53';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DrConfig } from '../../../config/schema';
import type { ApprovalCallbackDeps } from '../../approval-callback/approval-callback';
import type { ApprovalRequestDeps } from '../../approval-request/approval-request';
import type { DataConsistencyValidatorDeps } from '../../data-consistency-validator/data-consistency-validator';
import type { FailoverOrchestratorDeps } from '../../failover-orchestrator/failover-orchestrator';
import type { HealthCheckerDeps } from '../../health-checker/health-checker';
import type { TrafficRouterDeps } from '../../traffic-router/traffic-router';
import { ConfigurationError, InvalidInputError } from '../errors';
import { systemClock, type RegionName } from '../ports';
import { AwsDataStores } from './aws-data-stores';
import { CloudWatchHealthSignals } from './cloudwatch-health-signals';
import { DynamoDbApprovalStore } from './dynamodb-approval-store';
import { DynamoDbAuditLog } from './dynamodb-audit-log';
import { configFromEnv, ENV, requireEnv } from './environment';
import { Route53WeightedTraffic } from './route53-weighted-traffic';
import { secretsSigningKey } from './secrets-signing-key';
import { SfnTaskCallbacks } from './sfn-task-callbacks';
import { SnsNotifier } from './sns-notifier';
import { SsmSiteState } from './ssm-site-state';

/**
 * The real dependencies of each Lambda, built once per container from the environment the
 * control-plane stack sets (see ENV). Every variable is read up front so a missing one fails the
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
function perRegion<C>(config: DrConfig, make: (region: RegionName) => C): (region: RegionName) => C {
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

function documentClient(region: RegionName): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(region)), { marshallOptions: { removeUndefinedValues: true } });
}

function dataStores(config: DrConfig): AwsDataStores {
  return new AwsDataStores({
    cloudWatchFor: perRegion(config, (r) => new CloudWatchClient(clientConfig(r))),
    rdsFor: perRegion(config, (r) => new RDSClient(clientConfig(r))),
    dynamoDbFor: perRegion(config, (r) => new DynamoDBClient(clientConfig(r))),
    s3For: perRegion(config, (r) => new S3Client(clientConfig(r))),
  });
}

export function healthCheckerAwsDeps(env: Env = process.env): HealthCheckerDeps {
  const config = configFromEnv(env);
  const region = requireEnv(ENV.controlPlaneRegion, env);
  const alarmNamePrefix = requireEnv(ENV.alarmNamePrefix, env);
  const auditTable = requireEnv(ENV.auditTable, env);
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

export function trafficRouterAwsDeps(env: Env = process.env): TrafficRouterDeps {
  const config = configFromEnv(env);
  const region = requireEnv(ENV.controlPlaneRegion, env);
  const auditTable = requireEnv(ENV.auditTable, env);
  const traffic = config.traffic;
  if (traffic.strategy !== 'route53-weighted') {
    throw new ConfigurationError(`Traffic strategy ${traffic.strategy} not implemented yet (traffic.strategy in ${ENV.config})`);
  }
  return {
    config,
    traffic: new Route53WeightedTraffic({
      // Route 53 is a global service: the SDK resolves its one endpoint whatever region the client names.
      route53: new Route53Client(clientConfig(region)),
      hostedZoneId: traffic.hostedZoneId,
      recordName: config.globalDomain.name,
      ttlSeconds: config.globalDomain.ttlSeconds,
      regions: [config.regions.primary, config.regions.standby].map((r) => ({ name: r.name, host: new URL(r.apiEndpoint).hostname })),
    }),
    audit: new DynamoDbAuditLog({ documentClient: documentClient(region), tableName: auditTable }),
    clock: systemClock,
  };
}

export function failoverOrchestratorAwsDeps(env: Env = process.env): FailoverOrchestratorDeps {
  const config = configFromEnv(env);
  const region = requireEnv(ENV.controlPlaneRegion, env);
  const parameterPrefix = requireEnv(ENV.siteStateParameterPrefix, env);
  const auditTable = requireEnv(ENV.auditTable, env);
  return {
    config,
    siteState: new SsmSiteState({ ssmFor: perRegion(config, (r) => new SSMClient(clientConfig(r))), parameterPrefix }),
    dataStores: dataStores(config),
    audit: new DynamoDbAuditLog({ documentClient: documentClient(region), tableName: auditTable }),
    clock: systemClock,
  };
}

export function dataConsistencyValidatorAwsDeps(env: Env = process.env): DataConsistencyValidatorDeps {
  const config = configFromEnv(env);
  const region = requireEnv(ENV.controlPlaneRegion, env);
  const auditTable = requireEnv(ENV.auditTable, env);
  return {
    config,
    dataStores: dataStores(config),
    audit: new DynamoDbAuditLog({ documentClient: documentClient(region), tableName: auditTable }),
    clock: systemClock,
  };
}

export function approvalRequestAwsDeps(env: Env = process.env): ApprovalRequestDeps {
  const config = configFromEnv(env);
  const region = requireEnv(ENV.controlPlaneRegion, env);
  const approvalsTable = requireEnv(ENV.approvalsTable, env);
  const auditTable = requireEnv(ENV.auditTable, env);
  const approvalTopicArn = requireEnv(ENV.approvalTopicArn, env);
  const signingSecretArn = requireEnv(ENV.signingSecretArn, env);
  const approvalBaseUrl = requireEnv(ENV.approvalBaseUrl, env);
  const ddb = documentClient(region);
  return {
    config,
    approvals: new DynamoDbApprovalStore({ documentClient: ddb, tableName: approvalsTable }),
    notifier: new SnsNotifier({ sns: new SNSClient(clientConfig(region)), topicArns: { approval: approvalTopicArn } }),
    audit: new DynamoDbAuditLog({ documentClient: ddb, tableName: auditTable }),
    clock: systemClock,
    approvalBaseUrl,
    signingKey: secretsSigningKey(new SecretsManagerClient(clientConfig(region)), signingSecretArn),
  };
}

export function approvalCallbackAwsDeps(env: Env = process.env): ApprovalCallbackDeps {
  const config = configFromEnv(env);
  const region = requireEnv(ENV.controlPlaneRegion, env);
  const approvalsTable = requireEnv(ENV.approvalsTable, env);
  const auditTable = requireEnv(ENV.auditTable, env);
  const signingSecretArn = requireEnv(ENV.signingSecretArn, env);
  const ddb = documentClient(region);
  return {
    config,
    approvals: new DynamoDbApprovalStore({ documentClient: ddb, tableName: approvalsTable }),
    callbacks: new SfnTaskCallbacks({ sfn: new SFNClient(clientConfig(region)) }),
    audit: new DynamoDbAuditLog({ documentClient: ddb, tableName: auditTable }),
    clock: systemClock,
    signingKey: secretsSigningKey(new SecretsManagerClient(clientConfig(region)), signingSecretArn),
  };
}
