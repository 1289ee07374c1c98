import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { loadConfig } from '../../config/load';
import { LAMBDA_TIMEOUT_SECONDS } from '../../config/lambda-timeouts';
import { LAMBDA_ENV } from '../../config/lambda-environment';
import { ControlPlaneStack } from '../../infra/stacks/control-plane-stack';
import { actionsOf, logicalIdOf, placeholdersIn, render, resourcesFor, roleOf, statementsOfRole, type Statement } from './template-helpers';
import { testApp } from '../support/cdk';
import { WORKFLOW_STEPS } from '../../config/steps';

// One app for the whole file, bundling skipped: synthesizing is what costs time, not asserting.
const root = resolve(__dirname, '..', '..');
const config = loadConfig(resolve(root, 'examples', 'configs', 'aurora-route53.config.json'));
const aslPath = resolve(root, 'state-machines', 'failover.asl.json');
const aslText = readFileSync(aslPath, 'utf8');
const PRIMARY = config.regions.primary.name;
const STANDBY = config.regions.standby.name;
const APP = config.application;

const app = testApp();
const stacks: Record<'primary' | 'standby', Stack> = {
  primary: new ControlPlaneStack(app, `${APP}-dr-${PRIMARY}`, { env: { region: PRIMARY }, config }),
  standby: new ControlPlaneStack(app, `${APP}-dr-${STANDBY}`, { env: { region: STANDBY }, config }),
};
const templates = { primary: Template.fromStack(stacks.primary), standby: Template.fromStack(stacks.standby) };
const roles = ['primary', 'standby'] as const;

const FUNCTION_IDS = ['HealthChecker', 'TrafficRouter', 'FailoverOrchestrator', 'DataConsistencyValidator', 'ApprovalRequest', 'ApprovalCallback'] as const;
type FunctionId = (typeof FUNCTION_IDS)[number];

function functionLogicalId(role: (typeof roles)[number], id: FunctionId): string {
  const stack = stacks[role];
  return logicalIdOf(stack, stack.node.findChild('Functions').node.findChild(id));
}

function statementsOf(role: (typeof roles)[number], id: FunctionId): Statement[] {
  const template = templates[role];
  return statementsOfRole(template, roleOf(template, functionLogicalId(role, id)));
}

function stateMachineLogicalId(role: (typeof roles)[number]): string {
  const stack = stacks[role];
  return logicalIdOf(stack, stack.node.findChild('Failover').node.findChild('StateMachine'));
}

function envOf(role: (typeof roles)[number], id: FunctionId): Record<string, unknown> {
  return templates[role].toJSON().Resources[functionLogicalId(role, id)].Properties.Environment.Variables;
}

const partitionArn = (rest: string) => `arn:\${AWS::Partition}:${rest}`;

describe('the app', () => {
  test('has one control-plane stack per region, each pinned to its region', () => {
    expect(stacks.primary.region).toBe(PRIMARY);
    expect(stacks.standby.region).toBe(STANDBY);
    expect(stacks.primary.stackName).toBe(`${APP}-dr-${PRIMARY}`);
    expect(stacks.standby.stackName).toBe(`${APP}-dr-${STANDBY}`);
  });
});

describe.each(roles)('%s stack: failover state machine', (role) => {
  const template = templates[role];

  test('is STANDARD, logs ALL without execution data to an encrypted group, and traces', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: `${APP}-dr-failover`,
      StateMachineType: 'STANDARD',
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false, Destinations: Match.anyValue() },
      TracingConfiguration: { Enabled: true },
    });
    // Named after the state machine and this stack instance (test/infra/recreatable-stacks.test.ts pins the name).
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup')).filter((g) =>
      render(g.Properties.LogGroupName ?? '').startsWith(`/aws/vendedlogs/states/${APP}-dr-failover-`),
    );
    expect(groups).toHaveLength(1);
    expect(groups[0].Properties).toMatchObject({ KmsKeyId: expect.anything(), RetentionInDays: expect.any(Number) });
  });

  test('is the ASL file verbatim, with a substitution for exactly the placeholders the file uses', () => {
    const sm = template.toJSON().Resources[stateMachineLogicalId(role)].Properties;
    expect(sm.DefinitionString).toBe(aslText);
    const placeholders = placeholdersIn(JSON.parse(aslText));
    expect(placeholders.size).toBeGreaterThan(0);
    expect(new Set(Object.keys(sm.DefinitionSubstitutions))).toEqual(placeholders);
  });

  test('substitutes each function placeholder with the matching function and the topics with their topics', () => {
    const subs = template.toJSON().Resources[stateMachineLogicalId(role)].Properties.DefinitionSubstitutions;
    for (const id of WORKFLOW_STEPS.map((s) => s.constructId as FunctionId)) {
      expect(render(subs[`${id}FunctionArn`])).toBe(`\${${functionLogicalId(role, id)}.Arn}`);
    }
    const topics = stacks[role].node.findChild('Topics').node;
    expect(render(subs.AlertTopicArn)).toBe(`\${${logicalIdOf(stacks[role], topics.findChild('Alert'))}}`);
    expect(render(subs.EscalationTopicArn)).toBe(`\${${logicalIdOf(stacks[role], topics.findChild('Escalation'))}}`);
  });

  test('its role may invoke the five task functions and publish to alert + escalation (with the key), nothing else', () => {
    const statements = statementsOfRole(template, roleOf(template, stateMachineLogicalId(role)));
    const invokable = resourcesFor(statements, 'lambda:InvokeFunction');
    for (const id of WORKFLOW_STEPS.map((s) => s.constructId as FunctionId)) {
      expect(invokable).toContain(`\${${functionLogicalId(role, id)}.Arn}`);
    }
    expect(invokable.join()).not.toContain(functionLogicalId(role, 'ApprovalCallback'));
    const topics = stacks[role].node.findChild('Topics').node;
    const id = (c: string) => `\${${logicalIdOf(stacks[role], topics.findChild(c))}}`;
    expect(resourcesFor(statements, 'sns:Publish').sort()).toEqual([id('Alert'), id('Escalation')].sort());
    expect(resourcesFor(statements, 'kms:GenerateDataKey*')).toContain(`\${${logicalIdOf(stacks[role], topics.findChild('Key'))}.Arn}`);
  });
});

describe.each(roles)('%s stack: task functions', (role) => {
  const template = templates[role];

  test('six task functions plus the alarm trigger (test/infra/detection.test.ts), the site-state reconciler (test/infra/site-state-reconciler.test.ts), the failure reporter and the heartbeat writer (test/infra/replication-heartbeat.test.ts): arm64, active tracing, own log group with retention', () => {
    template.resourceCountIs('AWS::Lambda::Function', 10);
    for (const id of FUNCTION_IDS) {
      const fn = template.toJSON().Resources[functionLogicalId(role, id)].Properties;
      expect({ id, runtime: fn.Runtime, arch: fn.Architectures, tracing: fn.TracingConfig }).toEqual({
        id,
        runtime: 'nodejs24.x',
        arch: ['arm64'],
        tracing: { Mode: 'Active' },
      });
      const logGroupId = fn.LoggingConfig.LogGroup.Ref as string;
      expect(template.toJSON().Resources[logGroupId].Properties.RetentionInDays).toBeGreaterThan(0);
    }
  });

  test('set exactly the names of the Lambda environment contract (config/lambda-environment.ts), which the handlers read', () => {
    const expected = new Set(Object.values(LAMBDA_ENV));
    const union = new Set<string>();
    for (const id of FUNCTION_IDS) {
      const names = Object.keys(envOf(role, id));
      for (const n of names) {
        expect(expected).toContain(n);
        union.add(n);
      }
    }
    expect(union).toEqual(expected);
    // Only approval-request builds links; approval-callback would form a cycle through the API. Only approval-callback
    // mails codes and checks IAM deciders (set by infra/constructs/approval-api.ts). Only the validator uses the
    // comparison table.
    const callbackOnly: string[] = [LAMBDA_ENV.approverCodeTopicArn, LAMBDA_ENV.approverRoleNames];
    for (const id of FUNCTION_IDS) {
      const want = [...expected]
        .filter(
          (n) =>
            (id === 'ApprovalRequest' || n !== LAMBDA_ENV.approvalBaseUrl) &&
            (id === 'ApprovalCallback' || !callbackOnly.includes(n)) &&
            (id === 'DataConsistencyValidator' || n !== LAMBDA_ENV.comparisonTable),
        )
        .sort();
      expect({ id, names: Object.keys(envOf(role, id)).sort() }).toEqual({ id, names: want });
    }
  });

  test('pass this region and the shared names, and not the config (it is bundled with the code: test/infra/task-functions.test.ts)', () => {
    const env = envOf(role, 'HealthChecker');
    expect(Object.keys(env)).not.toContain('DR_CONFIG');
    expect(env[LAMBDA_ENV.controlPlaneRegion]).toBe(stacks[role].region);
    expect(env[LAMBDA_ENV.siteStateParameterPrefix]).toBe(`/dr/${APP}/site-state`);
    expect(env[LAMBDA_ENV.alarmNamePrefix]).toBe(`${APP}-dr-`);
    expect(render(env[LAMBDA_ENV.stateMachineArn])).toBe(partitionArn(`states:${stacks[role].region}:\${AWS::AccountId}:stateMachine:${APP}-dr-failover`));
    expect(render(env[LAMBDA_ENV.auditTable])).toBe('${AuditTable}');
    expect(render(env[LAMBDA_ENV.approvalsTable])).toBe('${ApprovalsTable}');
    expect(render(env[LAMBDA_ENV.incidentLockTable])).toBe('${IncidentLockTable}');
    const apiId = logicalIdOf(stacks[role], stacks[role].node.findChild('ApprovalApi').node.findChild('Api'));
    expect(render(envOf(role, 'ApprovalRequest')[LAMBDA_ENV.approvalBaseUrl])).toMatch(new RegExp(`^https://\\$\\{${apiId}\\}\\.execute-api\\.`));
  });
});

describe.each(roles)('%s stack: least-privilege IAM', (role) => {
  const region = () => stacks[role].region;
  const common = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'dynamodb:PutItem'];
  // Powertools idempotency records of the state-changing steps.
  const idempotency = ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];
  const expectedActions: Record<FunctionId, string[]> = {
    HealthChecker: [...common, 'cloudwatch:DescribeAlarms'],
    TrafficRouter: [...common, ...idempotency, 'route53:ChangeResourceRecordSets', 'route53:ListResourceRecordSets', 'route53:GetChange'],
    FailoverOrchestrator: [
      ...common,
      ...idempotency,
      'ssm:GetParameter',
      'ssm:PutParameter',
      'rds:FailoverGlobalCluster',
      'rds:SwitchoverGlobalCluster',
      'rds:DescribeGlobalClusters',
    ],
    // GetItem: heartbeat items only; Query: the comparison table's parts.
    DataConsistencyValidator: [...common, 'cloudwatch:GetMetricData', 'dynamodb:DescribeTable', 'dynamodb:Scan', 'dynamodb:GetItem', 'dynamodb:Query'],
    ApprovalRequest: [...common, 'sns:Publish', 'kms:Decrypt', 'kms:GenerateDataKey*', 'secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
    ApprovalCallback: [
      ...common,
      'dynamodb:GetItem',
      'dynamodb:UpdateItem',
      'secretsmanager:GetSecretValue',
      'secretsmanager:DescribeSecret',
      'states:SendTaskSuccess',
      'states:SendTaskFailure',
      'states:SendTaskHeartbeat',
      // Codes to the code topic, approvals to the alert topic (both encrypted), and reading an execution whose answer was lost.
      'sns:Publish',
      'kms:Decrypt',
      'kms:GenerateDataKey*',
      'states:DescribeExecution',
      'states:GetExecutionHistory',
    ],
  };
  // Actions AWS cannot scope to a resource (or, for DescribeAlarms, only returns composite alarms for `*`).
  const allowedOnStar: Record<FunctionId, string[]> = {
    HealthChecker: ['cloudwatch:DescribeAlarms'],
    TrafficRouter: [],
    FailoverOrchestrator: [],
    DataConsistencyValidator: ['cloudwatch:GetMetricData'],
    ApprovalRequest: [],
    ApprovalCallback: [],
  };

  test.each(FUNCTION_IDS)('%s has exactly its own actions, no wildcards, `*` only where AWS requires it', (id) => {
    const statements = statementsOf(role, id);
    expect([...actionsOf(statements)].sort()).toEqual([...new Set(expectedActions[id])].sort());
    for (const s of statements) {
      expect(s.effect).toBe('Allow');
      for (const a of s.actions) expect(a).not.toMatch(/^\*$|:\*$/);
      if (s.resources.includes('*')) {
        expect(s.actions.filter((a) => !a.startsWith('xray:') && !allowedOnStar[id].includes(a))).toEqual([]);
      }
    }
  });

  test('every function may write the audit table, and only approval-request may create approvals', () => {
    for (const id of FUNCTION_IDS) {
      expect(resourcesFor(statementsOf(role, id), 'dynamodb:PutItem')).toContain('${AuditTable.Arn}');
    }
    const approvalWriters = FUNCTION_IDS.filter((id) => resourcesFor(statementsOf(role, id), 'dynamodb:PutItem').includes('${ApprovalsTable.Arn}'));
    expect(approvalWriters).toEqual(['ApprovalRequest']);
    expect(resourcesFor(statementsOf(role, 'ApprovalCallback'), 'dynamodb:UpdateItem')).toEqual(['${ApprovalsTable.Arn}']);
  });

  test('traffic-router changes records only in the configured hosted zone, and only the global name', () => {
    if (config.traffic.strategy === 'arc-routing-control') throw new Error('the Aurora + Route 53 example config is expected to use Route 53 here');
    const statements = statementsOf(role, 'TrafficRouter');
    const zone = partitionArn(`route53:::hostedzone/${config.traffic.hostedZoneId}`);
    expect(resourcesFor(statements, 'route53:ChangeResourceRecordSets')).toEqual([zone]);
    expect(resourcesFor(statements, 'route53:ListResourceRecordSets')).toEqual([zone]);
    expect(resourcesFor(statements, 'route53:GetChange')).toEqual([partitionArn('route53:::change/*')]);
    const change = statements.find((s) => s.actions.includes('route53:ChangeResourceRecordSets'))!;
    expect(change.condition).toEqual({
      'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': [config.globalDomain.name] },
    });
  });

  test('failover-orchestrator toggles only the two site-state parameters and promotes only the configured global clusters', () => {
    const statements = statementsOf(role, 'FailoverOrchestrator');
    const params = [PRIMARY, STANDBY].map((r) => partitionArn(`ssm:${r}:\${AWS::AccountId}:parameter/dr/${APP}/site-state/${r}`)).sort();
    expect(resourcesFor(statements, 'ssm:GetParameter').sort()).toEqual(params);
    expect(resourcesFor(statements, 'ssm:PutParameter').sort()).toEqual(params);
    const aurora = config.dataStores.filter((s) => s.kind === 'aurora-global');
    expect(aurora.length).toBeGreaterThan(0);
    const globals = aurora.map((s) => partitionArn(`rds::${Object.values(s.clusterArns)[0].split(':')[4]}:global-cluster:${s.globalClusterIdentifier}`));
    const clusters = aurora.flatMap((s) => Object.values(s.clusterArns));
    for (const action of ['rds:FailoverGlobalCluster', 'rds:SwitchoverGlobalCluster']) {
      expect(resourcesFor(statements, action).sort()).toEqual([...globals, ...clusters].sort());
    }
    expect(resourcesFor(statements, 'rds:DescribeGlobalClusters')).toEqual(globals);
  });

  test('data-consistency-validator reads only the configured DynamoDB tables, in both regions', () => {
    const statements = statementsOf(role, 'DataConsistencyValidator');
    const tables = config.dataStores.flatMap((s) => (s.kind === 'dynamodb-global-table' ? [s.tableName] : []));
    const arns = tables.flatMap((t) => [PRIMARY, STANDBY].map((r) => partitionArn(`dynamodb:${r}:\${AWS::AccountId}:table/${t}`))).sort();
    expect(resourcesFor(statements, 'dynamodb:Scan').sort()).toEqual(arns);
    expect(resourcesFor(statements, 'dynamodb:DescribeTable').sort()).toEqual(arns);
    expect(resourcesFor(statements, 'cloudwatch:GetMetricData')).toEqual(['*']);
  });

  test('approval-request publishes only to the approval topic and reads the signing secret', () => {
    const statements = statementsOf(role, 'ApprovalRequest');
    const topics = stacks[role].node.findChild('Topics').node;
    expect(resourcesFor(statements, 'sns:Publish')).toEqual([`\${${logicalIdOf(stacks[role], topics.findChild('Approval'))}}`]);
    expect(resourcesFor(statements, 'secretsmanager:GetSecretValue')).toEqual([expectedSecretResource(role)]);
  });

  test("approval-callback answers task tokens of this region's failover and failback state machines only", () => {
    const statements = statementsOf(role, 'ApprovalCallback');
    const sm = ['failover', 'failback'].map((n) => partitionArn(`states:${region()}:\${AWS::AccountId}:stateMachine:${APP}-dr-${n}`));
    expect(resourcesFor(statements, 'states:SendTaskSuccess').sort()).toEqual(sm.sort());
    expect(resourcesFor(statements, 'states:SendTaskFailure').sort()).toEqual(sm.sort());
    expect(resourcesFor(statements, 'secretsmanager:GetSecretValue')).toEqual([expectedSecretResource(role)]);
  });
});

function expectedSecretResource(role: (typeof roles)[number]): string {
  return `\${${logicalIdOf(stacks[role], stacks[role].node.findChild('SigningSecret').node.findChild('Secret'))}}`;
}

describe.each(roles)('%s stack: topics and key', (role) => {
  const template = templates[role];

  test('one rotating CMK whose policy lets CloudWatch alarms use it', () => {
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: Match.arrayWith(['kms:Decrypt', 'kms:GenerateDataKey*']),
          }),
        ]),
      },
    });
  });

  test('four topics (the three of Topics and the approval codes), all encrypted with that key and refusing plain HTTP', () => {
    const keyId = logicalIdOf(stacks[role], stacks[role].node.findChild('Topics').node.findChild('Key'));
    const topics = template.findResources('AWS::SNS::Topic');
    expect(Object.keys(topics)).toHaveLength(4);
    for (const t of Object.values(topics)) expect(render(t.Properties.KmsMasterKeyId)).toBe(`\${${keyId}.Arn}`);
    const policies = Object.values(template.findResources('AWS::SNS::TopicPolicy'));
    for (const topicId of Object.keys(topics)) {
      const policy = policies.find((p) => p.Properties.Topics.some((t: unknown) => render(t) === `\${${topicId}}`));
      expect(policy?.Properties.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      );
    }
  });

  test('alarm actions may publish to the alert and escalation topics', () => {
    const topics = stacks[role].node.findChild('Topics').node;
    for (const name of ['Alert', 'Escalation']) {
      const topicId = logicalIdOf(stacks[role], topics.findChild(name));
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: topicId }],
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish' })]),
        },
      });
    }
  });

  test('approvers get approval requests and alerts, the escalation list gets escalations', () => {
    const topics = stacks[role].node.findChild('Topics').node;
    const subs = Object.values(template.findResources('AWS::SNS::Subscription')).map((s) => ({
      topic: render(s.Properties.TopicArn),
      protocol: s.Properties.Protocol,
      endpoint: s.Properties.Endpoint,
    }));
    const ref = (name: string) => `\${${logicalIdOf(stacks[role], topics.findChild(name))}}`;
    const expected = [
      ...config.approval.approvers.flatMap((e) => [
        { topic: ref('Approval'), protocol: 'email', endpoint: e },
        { topic: ref('Alert'), protocol: 'email', endpoint: e },
      ]),
      ...config.approval.escalation.map((e) => ({ topic: ref('Escalation'), protocol: 'email', endpoint: e })),
      // One-time codes: each approver's subscription filters on its own address (test/infra/approval-api.test.ts).
      ...config.approval.approvers.map((e) => ({
        topic: `\${${logicalIdOf(stacks[role], stacks[role].node.findChild('ApprovalApi').node.findChild('ApproverCodes'))}}`,
        protocol: 'email',
        endpoint: e,
      })),
    ];
    const key = (s: { topic: string; endpoint: string }) => `${s.topic} ${s.endpoint}`;
    expect(subs.sort((a, b) => key(a).localeCompare(key(b)))).toEqual(expected.sort((a, b) => key(a).localeCompare(key(b))));
  });
});

describe.each(roles)('%s stack: approval API', (role) => {
  const template = templates[role];

  test('regional REST API with GET, HEAD and POST on /approvals/{approvalId} and an IAM-authorized POST /decisions, no API key', () => {
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { EndpointConfiguration: { Types: ['REGIONAL'] } });
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'approvals' });
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{approvalId}' });
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'decisions' });
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method')).map((m) => m.Properties);
    expect(methods.map((m) => m.HttpMethod).sort()).toEqual(['GET', 'HEAD', 'POST', 'POST']);
    for (const m of methods) {
      expect(m.AuthorizationType).toBe(m.AuthorizationType === 'AWS_IAM' ? 'AWS_IAM' : 'NONE');
      expect(m.ApiKeyRequired ?? false).toBe(false);
      expect(render(m.Integration.Uri)).toContain(`\${${functionLogicalId(role, 'ApprovalCallback')}.Arn}`);
    }
    template.resourceCountIs('AWS::ApiGateway::ApiKey', 0);
    template.resourceCountIs('AWS::ApiGateway::UsagePlan', 0);
  });

  test('the stage is throttled and access-logged', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: Match.arrayWith([Match.objectLike({ HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 })]),
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('resourcePath') },
    });
  });
});

describe.each(roles)('%s stack: state tables', (role) => {
  const template = templates[role];
  const resources = () => template.toJSON().Resources;

  test('keep their pinned logical ids', () => {
    const tableIds = Object.keys(template.findResources('AWS::DynamoDB::Table')).sort();
    expect(tableIds).toEqual(['ApprovalsTable', 'AuditTable', 'ComparisonTable', 'IdempotencyTable', 'IncidentLockTable']);
  });

  test('are pay-per-request and encrypted', () => {
    for (const id of ['ApprovalsTable', 'AuditTable', 'IncidentLockTable']) {
      expect(resources()[id].Properties).toMatchObject({ BillingMode: 'PAY_PER_REQUEST', SSESpecification: { SSEEnabled: true } });
    }
  });

  test('approvals and locks expire through ttl', () => {
    expect(resources().ApprovalsTable.Properties).toMatchObject({
      KeySchema: [{ AttributeName: 'approvalId', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
    });
    expect(resources().IncidentLockTable.Properties).toMatchObject({
      KeySchema: [{ AttributeName: 'lockId', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
    });
  });

  test('the audit trail is retained, recoverable to a point in time and protected from deletion', () => {
    expect(resources().AuditTable).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        KeySchema: [
          { AttributeName: 'incidentId', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      },
    });
  });
});

describe('signing secret and site state across the two stacks', () => {
  test.each(roles)('%s: its own 64-character secret, named by CloudFormation, not replicated, deleted with the stack', (role) => {
    templates[role].resourceCountIs('AWS::SecretsManager::Secret', 1);
    const [secret] = Object.values(templates[role].findResources('AWS::SecretsManager::Secret'));
    expect(secret).toMatchObject({ DeletionPolicy: 'Delete', Properties: { GenerateSecretString: expect.objectContaining({ PasswordLength: 64 }) } });
    expect(secret.Properties.Name).toBeUndefined();
    expect(secret.Properties.ReplicaRegions).toBeUndefined();
  });

  test.each(roles)("%s: the approval functions read this region's secret, which signs and verifies this region's links", (role) => {
    for (const id of ['ApprovalRequest', 'ApprovalCallback'] as const)
      expect(render(envOf(role, id)[LAMBDA_ENV.signingSecretArn])).toBe(expectedSecretResource(role));
  });

  test('each region creates its own site-state switch: ACTIVE in the primary, PASSIVE in the standby', () => {
    for (const [role, region, value] of [
      ['primary', PRIMARY, 'ACTIVE'],
      ['standby', STANDBY, 'PASSIVE'],
    ] as const) {
      expect(templates[role].toJSON().Resources.SiteStateParameter.Properties).toMatchObject({
        Name: `/dr/${APP}/site-state/${region}`,
        Type: 'String',
        Value: value,
      });
    }
  });
});

describe('function timeouts', () => {
  it('every deployed function has the timeout the local runtime enforces (config/lambda-timeouts.ts)', () => {
    const functions = stacks.standby.node.findChild('Functions').node.children;
    const deployed: Record<string, number> = {};
    for (const fn of functions) {
      const resource = templates.standby.toJSON().Resources[logicalIdOf(stacks.standby, fn)] as
        | { Type: string; Properties: { Timeout?: number; Handler?: string } }
        | undefined;
      if (resource?.Type !== 'AWS::Lambda::Function') continue;
      deployed[fn.node.id] = resource.Properties.Timeout ?? 3;
    }
    const byId = Object.fromEntries(
      Object.entries(LAMBDA_TIMEOUT_SECONDS).map(([dir, s]) => [dir.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase()), s]),
    );
    expect(deployed).toEqual(byId);
  });
});

describe('failure reporter IAM', () => {
  it("reads only this region's failover and failback executions, publishes only to the escalation topic, writes the audit", () => {
    for (const role of roles) {
      const stack = stacks[role];
      const template = templates[role];
      const fnId = logicalIdOf(stack, stack.node.findChild('Functions').node.findChild('FailureReporter'));
      const statements = statementsOfRole(template, roleOf(template, fnId));
      const region = role === 'primary' ? PRIMARY : STANDBY;
      const read = statements.find((s) => s.sid === 'ReadStoppedExecutions');
      expect(read).toBeDefined();
      expect([...read!.actions].sort()).toEqual(['states:DescribeExecution', 'states:DescribeStateMachineForExecution', 'states:GetExecutionHistory']);
      expect(read!.resources).toHaveLength(2);
      for (const r of read!.resources) expect(r).toContain(`:states:${region}:`);
      expect(read!.resources.join(' ')).toContain(`execution:${APP}-dr-failover:*`);
      expect(read!.resources.join(' ')).toContain(`execution:${APP}-dr-failback:*`);
      expect(resourcesFor(statements, 'sns:Publish').join(' ')).toMatch(/Escalation/);
      expect(resourcesFor(statements, 'sns:Publish').join(' ')).not.toMatch(/TopicsAlert/);
      expect(actionsOf(statements).has('dynamodb:PutItem')).toBe(true);
      expect(actionsOf(statements).has('states:StartExecution')).toBe(false);
    }
  });
});
