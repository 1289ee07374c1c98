import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeGlobalClustersCommand, RDSClient } from '@aws-sdk/client-rds';
import { ChangeResourceRecordSetsCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { DynamoDbComparisonStore } from '../../../functions/shared/aws/dynamodb-comparison-store';
import { AwsDataStores } from '../../../functions/shared/aws/aws-data-stores';
import { CloudWatchHealthSignals } from '../../../functions/shared/aws/cloudwatch-health-signals';
import { approvalCallbackAwsDeps } from '../../../functions/approval-callback/aws-deps';
import { approvalRequestAwsDeps } from '../../../functions/approval-request/aws-deps';
import { DynamoDbApproverChallenges } from '../../../functions/shared/aws/dynamodb-approver-challenges';
import { SfnApprovalTaskReader } from '../../../functions/shared/aws/sfn-approval-task-reader';
import {
  dataConsistencyValidatorAwsDeps,
  failoverOrchestratorAwsDeps,
  healthCheckerAwsDeps,
  trafficRouterAwsDeps,
} from '../../../functions/shared/aws/deps';
import { DynamoDbApprovalStore } from '../../../functions/shared/aws/dynamodb-approval-store';
import { DynamoDbAuditLog } from '../../../functions/shared/aws/dynamodb-audit-log';
import { LAMBDA_ENV } from '../../../config/lambda-environment';
import { Route53WeightedTraffic } from '../../../functions/shared/aws/route53-weighted-traffic';
import { ArcRoutingControlTraffic } from '../../../functions/shared/aws/arc-routing-control-traffic';
import { AwsStandbyScaler } from '../../../functions/shared/aws/scaling-standby';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { SfnTaskCallbacks } from '../../../functions/shared/aws/sfn-task-callbacks';
import { SnsNotifier } from '../../../functions/shared/aws/sns-notifier';
import { SsmSiteState } from '../../../functions/shared/aws/ssm-site-state';
import { ConfigurationError, InvalidInputError } from '../../../functions/shared/errors';
import { systemClock } from '../../../functions/shared/ports';
import { bundledConfigEnv, config, configInput, store } from './fixtures';

const fullEnv = (): NodeJS.ProcessEnv => ({
  ...bundledConfigEnv(),
  [LAMBDA_ENV.controlPlaneRegion]: 'us-west-2',
  [LAMBDA_ENV.alertTopicArn]: 'arn:aws:sns:us-west-2:111122223333:alert',
  [LAMBDA_ENV.escalationTopicArn]: 'arn:aws:sns:us-west-2:111122223333:escalation',
  [LAMBDA_ENV.approvalTopicArn]: 'arn:aws:sns:us-west-2:111122223333:approval',
  [LAMBDA_ENV.approvalsTable]: 'approvals-table',
  [LAMBDA_ENV.auditTable]: 'audit-table',
  [LAMBDA_ENV.incidentLockTable]: 'lock-table',
  [LAMBDA_ENV.signingSecretArn]: 'arn:aws:secretsmanager:us-west-2:111122223333:secret:signing',
  [LAMBDA_ENV.approvalBaseUrl]: 'https://abc.execute-api.us-west-2.amazonaws.com/prod',
  [LAMBDA_ENV.siteStateParameterPrefix]: '/orders/dr/site-state',
  [LAMBDA_ENV.alarmNamePrefix]: 'orders-dr-',
  [LAMBDA_ENV.stateMachineArn]: 'arn:aws:states:us-west-2:111122223333:stateMachine:failover',
  [LAMBDA_ENV.idempotencyTable]: 'idempotency-table',
  [LAMBDA_ENV.approverCodeTopicArn]: 'arn:aws:sns:us-west-2:111122223333:approver-codes',
  [LAMBDA_ENV.approverRoleNames]: 'orders-dr-approver-us-west-2',
  [LAMBDA_ENV.comparisonTable]: 'comparison-table',
});

const factories = {
  healthCheckerAwsDeps: { make: healthCheckerAwsDeps, needs: ['LAMBDA_TASK_ROOT', LAMBDA_ENV.controlPlaneRegion, LAMBDA_ENV.alarmNamePrefix, LAMBDA_ENV.auditTable] },
  trafficRouterAwsDeps: { make: trafficRouterAwsDeps, needs: ['LAMBDA_TASK_ROOT', LAMBDA_ENV.controlPlaneRegion, LAMBDA_ENV.auditTable, LAMBDA_ENV.idempotencyTable] },
  failoverOrchestratorAwsDeps: { make: failoverOrchestratorAwsDeps, needs: ['LAMBDA_TASK_ROOT', LAMBDA_ENV.controlPlaneRegion, LAMBDA_ENV.siteStateParameterPrefix, LAMBDA_ENV.auditTable, LAMBDA_ENV.idempotencyTable] },
  dataConsistencyValidatorAwsDeps: { make: dataConsistencyValidatorAwsDeps, needs: ['LAMBDA_TASK_ROOT', LAMBDA_ENV.controlPlaneRegion, LAMBDA_ENV.auditTable, LAMBDA_ENV.comparisonTable] },
  approvalRequestAwsDeps: {
    make: approvalRequestAwsDeps,
    needs: ['LAMBDA_TASK_ROOT', LAMBDA_ENV.controlPlaneRegion, LAMBDA_ENV.approvalsTable, LAMBDA_ENV.auditTable, LAMBDA_ENV.approvalTopicArn, LAMBDA_ENV.signingSecretArn, LAMBDA_ENV.approvalBaseUrl],
  },
  approvalCallbackAwsDeps: {
    make: approvalCallbackAwsDeps,
    needs: ['LAMBDA_TASK_ROOT', LAMBDA_ENV.controlPlaneRegion, LAMBDA_ENV.approvalsTable, LAMBDA_ENV.auditTable, LAMBDA_ENV.signingSecretArn, LAMBDA_ENV.alertTopicArn, LAMBDA_ENV.approverCodeTopicArn, LAMBDA_ENV.approverRoleNames],
  },
} as const;

const cases = Object.entries(factories).flatMap(([name, f]) => f.needs.map((variable) => [name, variable] as const));

/** The region a mocked call went to: the client instance the adapter used is `thisValue`. */
const regionOf = async (client: unknown) => (client as { config: { region: () => Promise<string> } }).config.region();

describe('AWS deps factories with a full environment', () => {
  it('healthCheckerAwsDeps', () => {
    const deps = healthCheckerAwsDeps(fullEnv());
    expect(Object.keys(deps).sort()).toEqual(['audit', 'clock', 'config', 'signals']);
    expect(deps.config).toEqual(config);
    expect(deps.signals).toBeInstanceOf(CloudWatchHealthSignals);
    expect(deps.audit).toBeInstanceOf(DynamoDbAuditLog);
    expect(deps.clock).toBe(systemClock);
  });

  it('trafficRouterAwsDeps', () => {
    const deps = trafficRouterAwsDeps(fullEnv());
    expect(Object.keys(deps).sort()).toEqual(['audit', 'clock', 'config', 'idempotency', 'traffic']);
    expect(deps.traffic).toBeInstanceOf(Route53WeightedTraffic);
    expect(deps.idempotency.persistenceStore).toBeInstanceOf(DynamoDBPersistenceLayer);
    expect(deps.traffic.strategy).toBe('route53-weighted');
  });

  it('failoverOrchestratorAwsDeps', () => {
    const deps = failoverOrchestratorAwsDeps(fullEnv());
    expect(Object.keys(deps).sort()).toEqual(['audit', 'clock', 'config', 'dataStores', 'idempotency', 'scaler', 'siteState']);
    expect(deps.siteState).toBeInstanceOf(SsmSiteState);
    expect(deps.scaler).toBeInstanceOf(AwsStandbyScaler);
    expect(deps.idempotency.persistenceStore).toBeInstanceOf(DynamoDBPersistenceLayer);
    expect(deps.dataStores).toBeInstanceOf(AwsDataStores);
  });

  it('dataConsistencyValidatorAwsDeps', () => {
    const deps = dataConsistencyValidatorAwsDeps(fullEnv());
    expect(Object.keys(deps).sort()).toEqual(['audit', 'clock', 'config', 'dataStores', 'work']);
    expect(deps.dataStores).toBeInstanceOf(AwsDataStores);
    expect(deps.work).toBeInstanceOf(DynamoDbComparisonStore);
  });

  it('approvalRequestAwsDeps', () => {
    const deps = approvalRequestAwsDeps(fullEnv());
    expect(Object.keys(deps).sort()).toEqual(['approvalBaseUrl', 'approvals', 'audit', 'challenges', 'clock', 'config', 'notifier', 'signingKey']);
    expect(deps.approvals).toBeInstanceOf(DynamoDbApprovalStore);
    expect(deps.challenges).toBeInstanceOf(DynamoDbApproverChallenges);
    expect(deps.notifier).toBeInstanceOf(SnsNotifier);
    expect(deps.approvalBaseUrl).toBe('https://abc.execute-api.us-west-2.amazonaws.com/prod');
    expect(typeof deps.signingKey).toBe('function');
  });

  it('approvalCallbackAwsDeps', () => {
    const deps = approvalCallbackAwsDeps(fullEnv());
    expect(Object.keys(deps).sort()).toEqual(['approvals', 'approverRoleNames', 'audit', 'callbacks', 'challenges', 'clock', 'config', 'notifier', 'signingKey', 'tasks']);
    expect(deps.callbacks).toBeInstanceOf(SfnTaskCallbacks);
    expect(deps.approvals).toBeInstanceOf(DynamoDbApprovalStore);
    expect(deps.challenges).toBeInstanceOf(DynamoDbApproverChallenges);
    expect(deps.tasks).toBeInstanceOf(SfnApprovalTaskReader);
    expect(deps.approverRoleNames).toEqual(['orders-dr-approver-us-west-2']);
  });

  it('approvalCallbackAwsDeps refuses approver role names that are not role names', () => {
    expect(() => approvalCallbackAwsDeps({ ...fullEnv(), [LAMBDA_ENV.approverRoleNames]: 'arn:aws:iam::111122223333:role/x' })).toThrow(ConfigurationError);
  });
});

describe('AWS deps factories with a missing variable', () => {
  it.each(cases)('%s fails with ConfigurationError naming %s', (name, variable) => {
    const env = fullEnv();
    delete env[variable];
    const make = factories[name as keyof typeof factories].make;
    expect(() => make(env)).toThrow(ConfigurationError);
    expect(() => make(env)).toThrow(variable);
    expect(() => make({ ...env, [variable]: '' })).toThrow(variable);
  });

  it('an invalid bundled config fails naming the field', () => {
    const env = { ...fullEnv(), ...bundledConfigEnv({ ...configInput, globalDomain: { name: 'not a name' } }) };
    expect(() => healthCheckerAwsDeps(env)).toThrow(ConfigurationError);
    expect(() => healthCheckerAwsDeps(env)).toThrow(/globalDomain\.name/);
  });
});

describe('trafficRouterAwsDeps picks the adapter from traffic.strategy', () => {
  it.each([
    [
      'arc-routing-control',
      { strategy: 'arc-routing-control', clusterEndpoints: [{ region: 'us-west-2', endpoint: 'https://host.example.com' }], routingControlArns: { 'us-east-1': 'arn:aws:route53-recovery-control::1:rc/a', 'us-west-2': 'arn:aws:route53-recovery-control::1:rc/b' } },
      ArcRoutingControlTraffic,
    ],
    ['active-active', { strategy: 'active-active', hostedZoneId: 'Z0123456789ABCDEFGHIJ' }, Route53WeightedTraffic],
  ] as const)('%s', (strategy, traffic, adapter) => {
    const env = { ...fullEnv(), ...bundledConfigEnv({ ...configInput, traffic }) };
    const deps = trafficRouterAwsDeps(env);
    expect(deps.traffic).toBeInstanceOf(adapter);
    expect(deps.traffic.strategy).toBe(strategy);
  });
});

describe('wiring: what the built adapters call, and where', () => {
  const cw = mockClient(CloudWatchClient);
  const r53 = mockClient(Route53Client);
  const ssm = mockClient(SSMClient);
  const rds = mockClient(RDSClient);
  const doc = mockClient(DynamoDBDocumentClient);
  const sns = mockClient(SNSClient);
  const sfn = mockClient(SFNClient);
  const sm = mockClient(SecretsManagerClient);

  beforeEach(() => {
    for (const m of [cw, r53, ssm, rds, doc, sns, sfn, sm]) m.reset();
  });

  it('health checker reads alarms under ALARM_NAME_PREFIX in the control-plane region, with bounded retries', async () => {
    cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
    await healthCheckerAwsDeps(fullEnv()).signals.read(['us-east-1']);
    expect(cw).toHaveReceivedCommandWith(DescribeAlarmsCommand, { AlarmNamePrefix: 'orders-dr-' });
    const client = cw.call(0).thisValue as CloudWatchClient;
    expect(await regionOf(client)).toBe('us-west-2');
    expect(await client.config.maxAttempts()).toBe(3);
  });

  it('traffic router upserts the config’s zone, name, TTL and each region’s API host', async () => {
    r53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [], IsTruncated: false, MaxItems: 300 });
    r53.on(ChangeResourceRecordSetsCommand).resolves({ ChangeInfo: { Id: '/change/C1', Status: 'INSYNC', SubmittedAt: new Date() } });
    await trafficRouterAwsDeps(fullEnv()).traffic.shiftTo('us-west-2', 'us-east-1');
    const change = r53.commandCalls(ChangeResourceRecordSetsCommand)[0].args[0].input;
    expect(change.HostedZoneId).toBe('Z0123456789ABCDEFGHIJ');
    expect(change.ChangeBatch!.Changes!.map((c) => c.ResourceRecordSet)).toEqual([
      expect.objectContaining({ Name: 'api.orders.example.com', SetIdentifier: 'us-west-2', Weight: 100, TTL: 15, ResourceRecords: [{ Value: 'usw2.api.orders.example.com' }] }),
      expect.objectContaining({ Name: 'api.orders.example.com', SetIdentifier: 'us-east-1', Weight: 0, TTL: 15, ResourceRecords: [{ Value: 'use1.api.orders.example.com' }] }),
    ]);
  });

  it('orchestrator reads site state in the region it concerns and refuses unconfigured regions', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'ACTIVE' } });
    const deps = failoverOrchestratorAwsDeps(fullEnv());
    await deps.siteState.get('us-east-1');
    await deps.siteState.get('us-west-2');
    expect(ssm).toHaveReceivedNthCommandWith(1, GetParameterCommand, { Name: '/orders/dr/site-state/us-east-1' });
    expect(await regionOf(ssm.call(0).thisValue)).toBe('us-east-1');
    expect(await regionOf(ssm.call(1).thisValue)).toBe('us-west-2');
    await expect(deps.siteState.get('eu-west-1')).rejects.toBeInstanceOf(InvalidInputError);
    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 2);
  });

  it('orchestrator promotes Aurora through the target region’s RDS client', async () => {
    rds.on(DescribeGlobalClustersCommand).resolves({
      GlobalClusters: [{ GlobalClusterIdentifier: 'ledger-global', GlobalClusterMembers: [{ DBClusterArn: store('aurora-global').clusterArns['us-west-2'], IsWriter: true }] }],
    });
    const result = await failoverOrchestratorAwsDeps(fullEnv()).dataStores.promote(store('aurora-global'), 'us-west-2', { planned: false });
    expect(result.action).toBe('none');
    expect(await regionOf(rds.call(0).thisValue)).toBe('us-west-2');
  });

  it('audit goes to AUDIT_TABLE through a document client that drops undefined values', async () => {
    doc.on(PutCommand).resolves({});
    await dataConsistencyValidatorAwsDeps(fullEnv()).audit.record({ incidentId: 'i', executionId: 'e', step: 's', outcome: 'o', detail: {}, at: 'now' });
    expect(doc).toHaveReceivedCommandWith(PutCommand, { TableName: 'audit-table' });
    const client = doc.call(0).thisValue as DynamoDBDocumentClient;
    expect(await regionOf(client)).toBe('us-west-2');
    expect(client.config.translateConfig?.marshallOptions?.removeUndefinedValues).toBe(true);
  });

  it('approval request uses APPROVALS_TABLE, APPROVAL_TOPIC_ARN and SIGNING_SECRET_ARN', async () => {
    doc.on(GetCommand).resolves({});
    sns.on(PublishCommand).resolves({});
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'k'.repeat(32) });
    const deps = approvalRequestAwsDeps(fullEnv());
    await deps.approvals.get('ap-0123456789');
    await deps.notifier.publish({ topic: 'approval', subject: 's', body: 'b' });
    await deps.signingKey();
    expect(doc).toHaveReceivedCommandWith(GetCommand, { TableName: 'approvals-table' });
    expect(sns).toHaveReceivedCommandWith(PublishCommand, { TopicArn: 'arn:aws:sns:us-west-2:111122223333:approval' });
    expect(sm).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: 'arn:aws:secretsmanager:us-west-2:111122223333:secret:signing' });
  });

  it('approval callback mails codes to APPROVER_CODE_TOPIC_ARN and announces approvals on ALERT_TOPIC_ARN', async () => {
    sns.on(PublishCommand).resolves({});
    const deps = approvalCallbackAwsDeps(fullEnv());
    await deps.notifier.publish({ topic: 'approver-code', subject: 's', body: 'b', attributes: { recipient: 'oncall@example.com' } });
    await deps.notifier.publish({ topic: 'alert', subject: 's', body: 'b' });
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: 'arn:aws:sns:us-west-2:111122223333:approver-codes',
      MessageAttributes: { recipient: { DataType: 'String', StringValue: 'oncall@example.com' } },
    });
    expect(sns).toHaveReceivedCommandWith(PublishCommand, { TopicArn: 'arn:aws:sns:us-west-2:111122223333:alert' });
  });

  it('approval callback answers Step Functions in the control-plane region', async () => {
    sfn.on(SendTaskSuccessCommand).resolves({});
    await approvalCallbackAwsDeps(fullEnv()).callbacks.sendSuccess('token', { ok: true });
    expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, { taskToken: 'token' });
    expect(await regionOf(sfn.call(0).thisValue)).toBe('us-west-2');
  });
});
