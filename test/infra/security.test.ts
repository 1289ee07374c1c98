import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { ControlPlaneStack } from '../../infra/stacks/control-plane-stack';
import { PRIMARY, STANDBY, configWith } from '../support/repo-config';
import { logicalIdOf, roleOf, statementsOfRole, type Statement } from './template-helpers';
import { testApp } from '../support/cdk';

/**
 * Security posture of the control plane, for both traffic strategies: customer managed keys for the
 * topics and the workflow logs, execution logs without execution data, least-privilege roles (a table of
 * what each function may do), and a throttled approval endpoint.
 */
const variants = {
  // ARC, DynamoDB only, hot standby.
  arc: configWith({ traffic: 'arc-routing-control', stores: ['dynamodb'] }),
  // Route 53 with every store kind and a pilot-light standby: every grant the code can make.
  route53: configWith({
    traffic: 'route53-weighted',
    stores: ['dynamodb', 'aurora', 's3'],
    standby: {
      mode: 'pilot-light',
      scaling: [
        { kind: 'ecs-service', cluster: 'orders', service: 'api', desiredCount: 6 },
        { kind: 'asg', name: 'orders-workers', minSize: 2, desiredCapacity: 4 },
        { kind: 'lambda-provisioned-concurrency', functionName: 'orders-checkout', qualifier: 'live', concurrency: 20 },
      ],
    },
  }),
};
const app = testApp();
const built = Object.entries(variants).flatMap(([variant, config]) =>
  [PRIMARY, STANDBY].map((region) => ({ variant, region, stack: new ControlPlaneStack(app, `sec-${variant}-${region}`, { env: { region }, config }) })),
);
// Every stack first, then the (single) synthesis.
const cases = built.map((c) => ({ ...c, template: Template.fromStack(c.stack) }));

const child = (stack: Stack, path: string): IConstruct => path.split('/').reduce<IConstruct>((c, p) => c.node.findChild(p), stack);
const statementsOf = (stack: Stack, template: Template, path: string): Statement[] =>
  statementsOfRole(template, roleOf(template, logicalIdOf(stack, child(stack, path))));

const XRAY = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'];
const AUDIT = ['dynamodb:PutItem'];
const IDEMPOTENCY = ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];
const PUBLISH = ['sns:Publish', 'kms:Decrypt', 'kms:GenerateDataKey*'];
const SIGNING_KEY = ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'];

/** Everything each function may be allowed to do, whatever the config; anything else fails the test. */
const ALLOWED: Record<string, readonly string[]> = {
  AlarmTrigger: [
    ...XRAY,
    ...AUDIT,
    ...PUBLISH,
    'dynamodb:GetItem',
    'states:StartExecution',
    'cloudwatch:DescribeAlarms',
    'cloudwatch:SetAlarmState',
    'ssm:GetParameter',
    'sqs:SendMessage',
    'sqs:GetQueueAttributes',
    'sqs:GetQueueUrl',
  ],
  HealthChecker: [...XRAY, ...AUDIT, 'cloudwatch:DescribeAlarms'],
  TrafficRouter: [
    ...XRAY,
    ...IDEMPOTENCY,
    'route53:ChangeResourceRecordSets',
    'route53:ListResourceRecordSets',
    'route53:GetChange',
    'route53-recovery-cluster:GetRoutingControlState',
    'route53-recovery-cluster:UpdateRoutingControlState',
    'route53-recovery-cluster:UpdateRoutingControlStates',
  ],
  FailoverOrchestrator: [
    ...XRAY,
    ...IDEMPOTENCY,
    'ssm:GetParameter',
    'ssm:PutParameter',
    'rds:FailoverGlobalCluster',
    'rds:SwitchoverGlobalCluster',
    'rds:DescribeGlobalClusters',
    'ecs:DescribeServices',
    'ecs:UpdateService',
    'autoscaling:UpdateAutoScalingGroup',
    'autoscaling:DescribeAutoScalingGroups',
    'lambda:GetProvisionedConcurrencyConfig',
    'lambda:PutProvisionedConcurrencyConfig',
  ],
  DataConsistencyValidator: [
    ...XRAY,
    ...AUDIT,
    'cloudwatch:GetMetricData',
    'dynamodb:DescribeTable',
    'dynamodb:Scan',
    'dynamodb:GetItem',
    'dynamodb:Query',
    's3:GetReplicationConfiguration',
    's3:ListBucket',
    's3:GetObject',
  ],
  ApprovalRequest: [...XRAY, ...AUDIT, ...PUBLISH, ...SIGNING_KEY],
  ApprovalCallback: [
    ...XRAY,
    ...AUDIT,
    ...SIGNING_KEY,
    ...PUBLISH,
    'dynamodb:GetItem',
    'dynamodb:UpdateItem',
    'states:SendTaskSuccess',
    'states:SendTaskFailure',
    'states:SendTaskHeartbeat',
    'states:DescribeExecution',
    'states:GetExecutionHistory',
  ],
  SiteStateReconciler: [...XRAY, ...AUDIT, ...PUBLISH, 'ssm:GetParameter', 'ssm:PutParameter'],
  // No audit: it records nothing, it writes heartbeats.
  ReplicationHeartbeat: [...XRAY, 'dynamodb:DescribeTable', 'dynamodb:PutItem', 's3:PutObject'],
};

/** Actions without resource-level permissions (or, for DescribeAlarms, documented in infra/constructs/task-functions/health-checker-grants.ts): the only ones allowed on `*`. */
const STAR_OK = new Set([...XRAY, 'cloudwatch:DescribeAlarms', 'cloudwatch:GetMetricData', 'autoscaling:DescribeAutoScalingGroups']);

/** Wildcards inside an ARN, each for a name part that only exists at run time. */
const PARTIAL_WILDCARDS: Array<[action: string, pattern: RegExp]> = [
  ['route53:GetChange', /:route53:::change\/\*$/],
  ['cloudwatch:SetAlarmState', /:alarm:[a-z0-9-]+-dr-route53-health-check--\*$/],
  ['autoscaling:UpdateAutoScalingGroup', /:autoScalingGroup:\*:autoScalingGroupName\/[A-Za-z0-9_-]+$/],
  // A lost SendTaskSuccess: approval-callback reads the execution of its own two workflows, named per incident.
  ['states:DescribeExecution', /:states:[a-z0-9-]+:(\$\{AWS::AccountId\}|\d{12}):execution:[a-z0-9-]+-dr-fail(over|back):\*$/],
  ['states:GetExecutionHistory', /:states:[a-z0-9-]+:(\$\{AWS::AccountId\}|\d{12}):execution:[a-z0-9-]+-dr-fail(over|back):\*$/],
  // The heartbeat objects of the replicated buckets, under their reserved prefix.
  ['s3:GetObject', /^arn:\$\{AWS::Partition\}:s3:::[a-z0-9.-]+\/\.regionflip\/heartbeat\/\*$/],
];

describe.each(cases)('least privilege: $variant strategy, $region stack', ({ variant, stack, template }) => {
  it.each(Object.keys(ALLOWED))('%s: only its listed actions, no action wildcards, `*` only for API-limited actions', (fn) => {
    const statements = statementsOf(stack, template, `Functions/${fn}`);
    expect(statements.length).toBeGreaterThan(0);
    for (const s of statements) {
      expect(s.effect).toBe('Allow');
      for (const action of s.actions) {
        expect({ fn, action, allowed: ALLOWED[fn].includes(action) }).toEqual({ fn, action, allowed: true });
        expect({ fn, action, wildcard: action.includes('*') && action !== 'kms:GenerateDataKey*' }).toEqual({ fn, action, wildcard: false });
      }
      for (const resource of s.resources) {
        if (resource === '*') {
          for (const action of s.actions) expect({ fn, action, onStar: STAR_OK.has(action) }).toEqual({ fn, action, onStar: true });
        } else if (/[*?]/.test(resource)) {
          for (const action of s.actions) {
            const ok = PARTIAL_WILDCARDS.some(([a, p]) => a === action && p.test(resource));
            expect({ fn, action, resource, documented: ok }).toEqual({ fn, action, resource, documented: true });
          }
        }
      }
    }
  });

  it('with ARC the traffic router has no Route 53 rights at all; with Route 53 no ARC rights, and record changes only for the global name', () => {
    const actions = statementsOf(stack, template, 'Functions/TrafficRouter').flatMap((s) => s.actions);
    if (variant === 'arc') {
      expect(actions.filter((a) => a.startsWith('route53:'))).toEqual([]);
      expect(actions).toContain('route53-recovery-cluster:UpdateRoutingControlStates');
    } else {
      expect(actions.filter((a) => a.startsWith('route53-recovery-cluster:'))).toEqual([]);
      const change = statementsOf(stack, template, 'Functions/TrafficRouter').find((s) => s.actions.includes('route53:ChangeResourceRecordSets'))!;
      expect(change.condition).toEqual({
        'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': [variants.route53.globalDomain.name] },
      });
    }
  });

  it("the heartbeat: the writer puts only its own region's heartbeat item and object; the validator reads only heartbeat items", () => {
    const region = stack.region;
    const writer = statementsOf(stack, template, 'Functions/ReplicationHeartbeat');
    const put = writer.find((s) => s.actions.includes('dynamodb:PutItem'))!;
    expect(put.condition).toEqual({
      'ForAllValues:StringEquals': {
        'dynamodb:LeadingKeys': [`regionflip#heartbeat#${region}`, region === PRIMARY ? '-9007199254740990' : '-9007199254740991'],
      },
    });
    expect(put.resources.every((r) => r.includes(`:dynamodb:${region}:`))).toBe(true);
    for (const r of writer.find((s) => s.actions.includes('s3:PutObject'))?.resources ?? [])
      expect(r).toMatch(new RegExp(`/\\.regionflip/heartbeat/${region}$`));
    const read = statementsOf(stack, template, 'Functions/DataConsistencyValidator').find((s) => s.actions.includes('dynamodb:GetItem'))!;
    expect(read.condition).toEqual({
      'ForAllValues:StringEquals': {
        'dynamodb:LeadingKeys': [`regionflip#heartbeat#${PRIMARY}`, '-9007199254740990', `regionflip#heartbeat#${STANDBY}`, '-9007199254740991'],
      },
    });
    expect(read.resources.every((r) => r.includes(`:dynamodb:${region}:`))).toBe(true);
  });

  it('the state machines may invoke their five functions and publish alerts, nothing else', () => {
    for (const sm of ['Failover/StateMachine', 'Failback/StateMachine']) {
      const statements = statementsOf(stack, template, sm);
      const allowed = new Set([
        ...XRAY,
        'xray:GetSamplingRules',
        'xray:GetSamplingTargets',
        'lambda:InvokeFunction',
        ...PUBLISH,
        'logs:CreateLogDelivery',
        'logs:GetLogDelivery',
        'logs:UpdateLogDelivery',
        'logs:DeleteLogDelivery',
        'logs:ListLogDeliveries',
        'logs:PutResourcePolicy',
        'logs:DescribeResourcePolicies',
        'logs:DescribeLogGroups',
      ]);
      for (const s of statements) for (const a of s.actions) expect({ sm, a, ok: allowed.has(a) }).toEqual({ sm, a, ok: true });
      const invokable = statements.filter((s) => s.actions.includes('lambda:InvokeFunction')).flatMap((s) => s.resources);
      expect(invokable.join(' ')).not.toContain(logicalIdOf(stack, child(stack, 'Functions/ApprovalCallback')));
      expect(invokable.join(' ')).not.toContain(logicalIdOf(stack, child(stack, 'Functions/AlarmTrigger')));
    }
  });
});

describe.each(cases)('encryption, logging and throttling: $variant strategy, $region stack', ({ stack, template }) => {
  const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any> }>;
  const keyId = logicalIdOf(stack, child(stack, 'Topics/Key'));

  it('every topic is encrypted with the rotating customer managed key', () => {
    const topics = Object.values(resources).filter((r) => r.Type === 'AWS::SNS::Topic');
    expect(topics).toHaveLength(4);
    for (const t of topics) expect(t.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    expect(resources[keyId].Properties).toMatchObject({ EnableKeyRotation: true });
  });

  it('both workflows log ALL events without execution data, to log groups encrypted with that key, whose policy is scoped to them', () => {
    const machines = Object.values(resources).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine');
    expect(machines).toHaveLength(2);
    for (const m of machines) {
      expect(m.Properties.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
      const groupId = m.Properties.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0];
      expect(resources[groupId].Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    }
    const forLogs = (resources[keyId].Properties.KeyPolicy.Statement as Array<Record<string, any>>).filter((s) =>
      String(s.Principal?.Service ?? '').startsWith('logs.'),
    );
    expect(forLogs).toHaveLength(2);
    for (const s of forLogs) expect(Object.keys(s.Condition.ArnEquals)).toEqual(['kms:EncryptionContext:aws:logs:arn']);
  });

  it('the approval endpoint is throttled on every method, without data tracing', () => {
    const stages = Object.values(resources).filter((r) => r.Type === 'AWS::ApiGateway::Stage');
    expect(stages).toHaveLength(1);
    expect(stages[0].Properties.MethodSettings).toEqual([
      expect.objectContaining({ HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20, DataTraceEnabled: false }),
    ]);
  });

  it('the state tables are encrypted at rest, and the audit trail survives deletion with point-in-time recovery', () => {
    const tables = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::DynamoDB::Table');
    expect(tables.length).toBe(5);
    for (const [, t] of tables) expect(t.Properties.SSESpecification).toEqual({ SSEEnabled: true });
    expect(resources.AuditTable.Properties).toMatchObject({
      DeletionProtectionEnabled: true,
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });
});
