import { writeFileSync } from 'node:fs';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, DescribeAlarmsCommand, type DescribeAlarmsCommandInput } from '@aws-sdk/client-cloudwatch';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RDSClient } from '@aws-sdk/client-rds';
import { ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { GetRoutingControlStateCommand, Route53RecoveryClusterClient } from '@aws-sdk/client-route53-recovery-cluster';
import { S3Client } from '@aws-sdk/client-s3';
import { DescribeStateMachineCommand, ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { parseConfig } from '../../../config/load';
import type { DrConfigInput } from '../../../config/schema';
import type { AwsClients } from '../../../cli/aws/clients';
import { type DoctorCheck, expectedAlarms } from '../../../cli/aws/doctor';
import { run } from '../../../cli/main';
import { EAST, WEST, ACCOUNT, ZONE, shopConfigInput } from '../../support/shop-config';
import { capturedIo, drctlFolder } from '../../support/drctl';

const input = shopConfigInput;
const ARC_ARN = (r: string) => `arn:aws:route53-recovery-control::${ACCOUNT}:controlpanel/0123/routingcontrol/${r}`;
const arcInput: DrConfigInput = {
  ...input,
  traffic: {
    strategy: 'arc-routing-control',
    clusterEndpoints: [
      { region: EAST, endpoint: 'https://host-a.route53-recovery-cluster.us-east-1.amazonaws.com/v1' },
      { region: WEST, endpoint: 'https://host-b.route53-recovery-cluster.us-west-2.amazonaws.com/v1' },
    ],
    routingControlArns: { [EAST]: ARC_ARN(EAST), [WEST]: ARC_ARN(WEST) },
  },
};
const config = parseConfig(input);
const smArn = (region: string, wf: string) => `arn:aws:states:${region}:${ACCOUNT}:stateMachine:shop-dr-${wf}`;
const topicArn = (region: string, id: string) => `arn:aws:sns:${region}:${ACCOUNT}:shop-dr-${region}-${id}A1B2C3D4-XyZ123`;

const regions = [EAST, WEST];
const perRegion = <C extends object>(make: (region: string) => C) => Object.fromEntries(regions.map((r) => [r, make(r)])) as Record<string, C>;
const cfnClients = perRegion((region) => new CloudFormationClient({ region }));
const sfnClients = perRegion((region) => new SFNClient({ region }));
const ssmClients = perRegion((region) => new SSMClient({ region }));
const cwClients = perRegion((region) => new CloudWatchClient({ region }));
const snsClients = perRegion((region) => new SNSClient({ region }));
const ddbClients = perRegion((region) => new DynamoDBClient({ region }));
const route53Client = new Route53Client({ region: EAST });
const arcClients: Record<string, Route53RecoveryClusterClient> = perRegion((region) => new Route53RecoveryClusterClient({ region }));
const cfn = perRegion((r) => mockClient(cfnClients[r]));
const sfn = perRegion((r) => mockClient(sfnClients[r]));
const ssm = perRegion((r) => mockClient(ssmClients[r]));
const cw = perRegion((r) => mockClient(cwClients[r]));
const sns = perRegion((r) => mockClient(snsClients[r]));
const ddb = perRegion((r) => mockClient(ddbClients[r]));
const route53 = mockClient(route53Client);
const arc = perRegion((r) => mockClient(arcClients[r]));
const clients: AwsClients = {
  cloudformation: (r) => cfnClients[r],
  sfn: (r) => sfnClients[r],
  ssm: (r) => ssmClients[r],
  cloudwatch: (r) => cwClients[r],
  sns: (r) => snsClients[r],
  dynamodb: (r) => ddbClients[r],
  route53: () => route53Client,
  rds: (region) => new RDSClient({ region }),
  s3: (region) => new S3Client({ region }),
  arc: (e) => arcClients[e.region],
};

const sdkError = (name: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(`${name} happened`), { name, $metadata: {}, ...extra });

/** Every alarm the region's stacks create, as DescribeAlarms returns them, each notifying the alert topic. */
function alarmsAnswer(region: string, input: DescribeAlarmsCommandInput, drop: readonly string[] = [], noActions: readonly string[] = []) {
  const names = (input.AlarmNames ?? []).filter((n) => !drop.includes(n));
  const alarm = (n: string) => ({ AlarmName: n, AlarmActions: noActions.includes(n) ? [] : [topicArn(region, 'TopicsAlert')] });
  return { MetricAlarms: names.filter((n) => !n.includes('impaired')).map(alarm), CompositeAlarms: names.filter((n) => n.includes('impaired')).map(alarm) };
}

/** The outputs a region's control-plane stack has (infra/stacks/control-plane-stack.ts). */
const stackOutputs = (r: string) => [
  { OutputKey: 'FailoverStateMachineArn', OutputValue: smArn(r, 'failover') },
  { OutputKey: 'FailbackStateMachineArn', OutputValue: smArn(r, 'failback') },
  { OutputKey: 'AlertTopicArn', OutputValue: topicArn(r, 'TopicsAlert') },
  { OutputKey: 'EscalationTopicArn', OutputValue: topicArn(r, 'TopicsEscalation') },
  { OutputKey: 'ApprovalTopicArn', OutputValue: topicArn(r, 'TopicsApproval') },
  { OutputKey: 'ApproverCodeTopicArn', OutputValue: topicArn(r, 'ApprovalApiApproverCodes') },
  { OutputKey: 'ApprovalApiUrl', OutputValue: `https://abc.execute-api.${r}.amazonaws.com/prod/` },
  { OutputKey: 'SiteStateParameterName', OutputValue: `/dr/shop/site-state/${r}` },
];

/** Prepare: an account where every prerequisite is in place. */
function fullyPresent(): void {
  for (const r of regions) {
    cfn[r]
      .on(DescribeStacksCommand, { StackName: `shop-dr-${r}` })
      .resolves({ Stacks: [{ StackName: `shop-dr-${r}`, StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date(0), Outputs: stackOutputs(r) }] });
    sfn[r].on(ListStateMachinesCommand).resolves({
      stateMachines: ['failover', 'failback'].map((wf) => ({
        name: `shop-dr-${wf}`,
        stateMachineArn: smArn(r, wf),
        type: 'STANDARD' as const,
        creationDate: new Date(0),
      })),
    });
    sfn[r].on(DescribeStateMachineCommand).resolves({ status: 'ACTIVE' } as never);
    ssm[r].on(GetParameterCommand).resolves({ Parameter: { Value: r === EAST ? 'ACTIVE' : 'PASSIVE' } });
    cw[r].on(DescribeAlarmsCommand).callsFake((i: DescribeAlarmsCommandInput) => alarmsAnswer(r, i));
    sns[r]
      .on(ListSubscriptionsByTopicCommand)
      .resolves({ Subscriptions: [{ SubscriptionArn: `arn:aws:sns:${r}:${ACCOUNT}:x:1`, Protocol: 'email', Endpoint: 'oncall@example.com' }] });
    ddb[r]
      .on(DescribeTableCommand)
      .resolves({ Table: { TableName: 'orders', TableStatus: 'ACTIVE', Replicas: regions.map((RegionName) => ({ RegionName })) } });
    arc[r].on(GetRoutingControlStateCommand).callsFake((i: { RoutingControlArn: string }) => ({
      RoutingControlArn: i.RoutingControlArn,
      RoutingControlState: i.RoutingControlArn === ARC_ARN(EAST) ? 'On' : 'Off',
    }));
  }
  route53.on(ListResourceRecordSetsCommand).resolves({
    ResourceRecordSets: [
      { Name: 'api.shop.example.com.', Type: 'CNAME', SetIdentifier: EAST, Weight: 100, TTL: 15, ResourceRecords: [{ Value: 'e.shop.example.com' }] },
      { Name: 'api.shop.example.com.', Type: 'CNAME', SetIdentifier: WEST, Weight: 0, TTL: 15, ResourceRecords: [{ Value: 'w.shop.example.com' }] },
      { Name: 'www.shop.example.com.', Type: 'CNAME', TTL: 300, ResourceRecords: [{ Value: 'x' }] },
    ],
    IsTruncated: false,
  } as never);
}

const folder = drctlFolder('drctl-doctor-', { 'weighted.json': input, 'arc.json': arcInput });
beforeEach(() => {
  for (const m of [
    ...Object.values(cfn),
    ...Object.values(sfn),
    ...Object.values(ssm),
    ...Object.values(cw),
    ...Object.values(sns),
    ...Object.values(ddb),
    ...Object.values(arc),
    route53,
  ])
    m.reset();
  fullyPresent();
});

async function doctor(...args: string[]): Promise<{ code: number; out: string; err: string; checks: DoctorCheck[] }> {
  const captured = capturedIo();
  const file = args.includes('--arc') ? 'arc.json' : 'weighted.json';
  const rest = args.filter((a) => a !== '--arc');
  const code = await run(['doctor', ...rest, '--config', folder.path(file)], {
    io: captured.io,
    clients: () => clients,
  });
  const { out, err } = captured.text();
  process.exitCode = undefined;
  let checks: DoctorCheck[] = [];
  if ((rest.includes('json') || rest.includes('--json')) && out) checks = JSON.parse(out) as DoctorCheck[];
  return { code, out, err, checks };
}

const find = (checks: DoctorCheck[], name: string | RegExp, region?: string) =>
  checks.filter((c) => (typeof name === 'string' ? c.name === name : name.test(c.name)) && (region === undefined || c.region === region));

describe('drctl doctor', () => {
  test('a fully present account: every check ok, exit 0', async () => {
    const { code, checks, err } = await doctor('--output', 'json');
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(checks.filter((c) => c.status !== 'ok')).toEqual([]);
    expect(find(checks, /^control-plane stack /).map((c) => [c.name, c.status])).toEqual([
      ['control-plane stack shop-dr-us-east-1', 'ok'],
      ['control-plane stack shop-dr-us-west-2', 'ok'],
    ]);
    // The topics are the ones the stack's outputs name.
    expect(sns[WEST]).toHaveReceivedCommandWith(ListSubscriptionsByTopicCommand, { TopicArn: topicArn(WEST, 'ApprovalApiApproverCodes') });
    // Both regions were read for each kind of prerequisite.
    for (const r of regions) {
      expect(find(checks, 'state machine shop-dr-failover', r)).toHaveLength(1);
      expect(find(checks, `site state /dr/shop/site-state/${r}`, r)[0].detail).toBe(r === EAST ? 'ACTIVE' : 'PASSIVE');
      expect(find(checks, /^alarm /, r).length).toBe(expectedAlarms(config).filter((a) => a.region === r).length);
      expect(find(checks, /^(alert|escalation|approval|approver code) topic /, r)).toHaveLength(4);
      expect(find(checks, 'DynamoDB table orders', r)[0].status).toBe('ok');
      expect(sfn[r]).toHaveReceivedCommandWith(DescribeStateMachineCommand, { stateMachineArn: smArn(r, 'failover') });
    }
    expect(find(checks, 'site state: exactly one region ACTIVE')[0]).toMatchObject({ status: 'ok', region: 'both' });
    expect(find(checks, /^weighted record /).map((c) => c.status)).toEqual(['ok', 'ok']);
    expect(route53).toHaveReceivedCommandWith(ListResourceRecordSetsCommand, {
      HostedZoneId: ZONE,
      StartRecordName: 'api.shop.example.com.',
      StartRecordType: 'CNAME',
    });
  });

  test('the human output is a table with a summary line', async () => {
    const { code, out } = await doctor();
    expect(code).toBe(0);
    expect(out.split('\n')[0]).toMatch(/^STATUS\s+REGION\s+CHECK\s+DETAIL \/ FIX$/);
    expect(out).toMatch(/^ok\s+us-west-2\s+state machine shop-dr-failback\s+arn:aws:states:us-west-2:/m);
    expect(out).toMatch(/\d+ ok, 0 missing, 0 could not be checked, 0 not checked by this drctl/);
  });

  test('missing pieces: exit 1, and each is named with a fix', async () => {
    // Prepare: no failback state machine in the standby, no site state there, the composite alarm gone and one without actions.
    sfn[WEST]
      .on(ListStateMachinesCommand)
      .resolves({ stateMachines: [{ name: 'shop-dr-failover', stateMachineArn: smArn(WEST, 'failover'), type: 'STANDARD', creationDate: new Date(0) }] });
    ssm[WEST].on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));
    cw[EAST]
      .on(DescribeAlarmsCommand)
      .callsFake((i: DescribeAlarmsCommandInput) => alarmsAnswer(EAST, i, ['shop-dr-impaired--us-west-2'], ['shop-dr-canary--us-east-1--us-west-2']));
    ddb[WEST].on(DescribeTableCommand).resolves({ Table: { TableName: 'orders', TableStatus: 'ACTIVE', Replicas: [{ RegionName: WEST }] } });
    // Act
    const { code, checks } = await doctor('--output', 'json');
    const text = await doctor();
    // Assess
    expect(code).toBe(1);
    const missing = checks.filter((c) => c.status === 'missing').map((c) => `${c.region} ${c.name}`);
    expect(missing).toEqual([
      'us-east-1 alarm shop-dr-impaired--us-west-2',
      'us-east-1 alarm shop-dr-canary--us-east-1--us-west-2',
      'us-west-2 state machine shop-dr-failback',
      'us-west-2 site state /dr/shop/site-state/us-west-2',
      'us-west-2 DynamoDB table orders',
    ]);
    expect(find(checks, 'alarm shop-dr-canary--us-east-1--us-west-2', EAST)[0].detail).toContain('no alarm actions');
    expect(find(checks, 'DynamoDB table orders', WEST)[0]).toMatchObject({ detail: 'no replica in us-east-1 (replicas: us-west-2)' });
    for (const c of checks.filter((c) => c.status === 'missing')) expect(c.fix).not.toBe('');
    expect(text.code).toBe(1);
    expect(text.out).toMatch(/^missing\s+us-west-2\s+state machine shop-dr-failback\s+no state machine named shop-dr-failback$/m);
    expect(text.out).toMatch(/^\s+fix: deploy the control plane: npx cdk deploy --all/m);
  });

  test('a stack that is not there, rolled back, or deployed by an older version without its outputs is missing', async () => {
    cfn[EAST].on(DescribeStacksCommand).rejects(sdkError('ValidationError', { message: 'Stack with id shop-dr-us-east-1 does not exist' }));
    cfn[WEST]
      .on(DescribeStacksCommand)
      .resolves({ Stacks: [{ StackName: 'shop-dr-us-west-2', StackStatus: 'ROLLBACK_COMPLETE', CreationTime: new Date(0), Outputs: [] }] });
    const { code, checks } = await doctor('--output', 'json');
    expect(code).toBe(1);
    expect(find(checks, 'control-plane stack shop-dr-us-east-1')[0]).toMatchObject({ status: 'missing', detail: 'no such stack' });
    expect(find(checks, 'control-plane stack shop-dr-us-west-2')[0]).toMatchObject({ status: 'missing', detail: 'the stack is ROLLBACK_COMPLETE' });
    expect(find(checks, 'control-plane stack shop-dr-us-west-2')[0].fix).toContain('describe-stack-events');
    // Without outputs the topics cannot be found: each is said to be missing, pointing at the stack row.
    expect(find(checks, 'alert topic', EAST)[0]).toMatchObject({ status: 'missing', detail: 'the stack has no AlertTopicArn output (see the stack row)' });

    cfn[EAST].reset();
    cfn[EAST].on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'shop-dr-us-east-1',
          StackStatus: 'CREATE_COMPLETE',
          CreationTime: new Date(0),
          Outputs: stackOutputs(EAST).filter((o) => o.OutputKey !== 'ApproverCodeTopicArn'),
        },
      ],
    });
    const older = await doctor('--output', 'json');
    expect(find(older.checks, 'control-plane stack shop-dr-us-east-1')[0]).toMatchObject({
      status: 'missing',
      detail: 'CREATE_COMPLETE, but without the outputs ApproverCodeTopicArn: deployed by an older version',
    });
  });

  test('two ACTIVE switches are a missing prerequisite (split brain), though each switch reads fine', async () => {
    ssm[WEST].on(GetParameterCommand).resolves({ Parameter: { Value: 'ACTIVE' } });
    const { code, checks } = await doctor('--json');
    expect(code).toBe(1);
    expect(find(checks, 'site state: exactly one region ACTIVE')[0]).toMatchObject({ status: 'missing', detail: 'ACTIVE: us-east-1, us-west-2' });
  });

  test('a topic whose only subscription is PendingConfirmation counts as missing', async () => {
    const escalation = topicArn(WEST, 'TopicsEscalation');
    sns[WEST]
      .on(ListSubscriptionsByTopicCommand, { TopicArn: escalation })
      .resolves({ Subscriptions: [{ SubscriptionArn: 'PendingConfirmation', Protocol: 'email', Endpoint: 'leads@example.com' }] });
    const { code, checks } = await doctor('--output', 'json');
    expect(code).toBe(1);
    const bad = checks.filter((c) => c.status !== 'ok');
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatchObject({ region: WEST, status: 'missing', detail: 'no confirmed subscription (1 pending confirmation)' });
    expect(bad[0].name).toBe(`escalation topic ${escalation.split(':').pop()}`);
    expect(bad[0].fix).toContain('Confirm subscription');
  });

  test('a weighted record whose SetIdentifier is not the region name is missing, and the found identifier is shown', async () => {
    route53.on(ListResourceRecordSetsCommand).resolves({
      ResourceRecordSets: [
        { Name: 'api.shop.example.com.', Type: 'CNAME', SetIdentifier: EAST, Weight: 100, TTL: 15, ResourceRecords: [{ Value: 'e.shop.example.com' }] },
        { Name: 'api.shop.example.com.', Type: 'CNAME', SetIdentifier: 'west', Weight: 0, TTL: 15, ResourceRecords: [{ Value: 'w.shop.example.com' }] },
      ],
      IsTruncated: false,
    } as never);
    const { code, checks } = await doctor('--output', 'json');
    expect(code).toBe(1);
    expect(find(checks, 'weighted record api.shop.example.com. us-east-1')[0].status).toBe('ok');
    expect(find(checks, 'weighted record api.shop.example.com. us-west-2')[0]).toMatchObject({
      region: 'global',
      status: 'missing',
      detail: 'no weighted CNAME with SetIdentifier us-west-2 (found: us-east-1, west)',
    });
  });

  test('AccessDenied is "cannot check: <permission> denied" on the rows it hides, exit 1, and the other checks still run', async () => {
    cw[WEST].on(DescribeAlarmsCommand).rejects(sdkError('AccessDenied', { $metadata: { httpStatusCode: 403 } }));
    sns[EAST].on(ListSubscriptionsByTopicCommand).rejects(sdkError('AuthorizationError', { $metadata: { httpStatusCode: 403 } }));
    const { code, checks, err } = await doctor('--output', 'json');
    expect(err).toBe('');
    expect(code).toBe(1);
    const denied = checks.filter((c) => c.status === 'error');
    expect(new Set(denied.map((c) => c.detail))).toEqual(
      new Set(['cannot check: cloudwatch:DescribeAlarms denied', 'cannot check: sns:ListSubscriptionsByTopic denied']),
    );
    expect(find(checks, /^alarm /, WEST).every((c) => c.status === 'error')).toBe(true);
    expect(find(checks, /^alarm /, EAST).every((c) => c.status === 'ok')).toBe(true);
    expect(find(checks, 'DynamoDB table orders', WEST)[0].status).toBe('ok');
  });

  test.each([
    ['missing credentials', sdkError('CredentialsProviderError'), /^drctl: No AWS credentials found: pass --profile NAME/],
    ['expired credentials', sdkError('ExpiredTokenException'), /^drctl: The AWS credentials have expired/],
    [
      'an unreachable endpoint',
      Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' }),
      /^drctl: Cannot reach the AWS endpoint in us-west-2 \(ECONNREFUSED\)/,
    ],
  ])('%s: exit 2, one line on stderr, no table', async (_what, error, line) => {
    sfn[WEST].on(ListStateMachinesCommand).rejects(error);
    const { code, out, err } = await doctor('--output', 'json');
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(line);
    expect(err.trim().split('\n')).toHaveLength(1);
  });

  test('a bad config file is exit 2 before any AWS call', async () => {
    const file = folder.path('bad.json');
    writeFileSync(file, JSON.stringify({ ...input, application: 'Bad Name' }));
    let err = '';
    const code = await run(['doctor', '--config', file], {
      io: {
        out: () => {},
        err: (t) => {
          err += t;
        },
        isTTY: false,
      },
      clients: () => clients,
    });
    process.exitCode = undefined;
    expect(code).toBe(2);
    expect(err).toContain('application');
    expect(sfn[EAST]).not.toHaveReceivedAnyCommand();
  });

  test('arc-routing-control: routing controls read through the cluster; a down endpoint is skipped; an unknown control is missing', async () => {
    arc[EAST].on(GetRoutingControlStateCommand).rejects(sdkError('EndpointTemporarilyUnavailableException'));
    const ok = await doctor('--arc', '--output', 'json');
    expect(ok.code).toBe(0);
    expect(find(ok.checks, /^routing control for /).map((c) => [c.status, c.detail])).toEqual([
      ['ok', `${ARC_ARN(EAST)} is On`],
      ['ok', `${ARC_ARN(WEST)} is Off`],
    ]);
    expect(find(ok.checks, 'ARC control panel and safety rules')[0].status).toBe('not-checked');
    expect(route53).not.toHaveReceivedAnyCommand();

    arc[WEST].on(GetRoutingControlStateCommand, { RoutingControlArn: ARC_ARN(WEST) }).rejects(sdkError('ResourceNotFoundException'));
    const bad = await doctor('--arc', '--output', 'json');
    expect(bad.code).toBe(1);
    expect(find(bad.checks, `routing control for ${WEST}`)[0]).toMatchObject({ status: 'missing', region: 'global' });
  });
});

describe('drctl doctor --region', () => {
  test('reads only that region (and the global records), without the rule over both switches', async () => {
    const { code, checks } = await doctor('--region', WEST, '--output', 'json');
    expect(code).toBe(0);
    expect(new Set(checks.map((c) => c.region))).toEqual(new Set([WEST, 'global']));
    expect(find(checks, /^site state: /)).toEqual([]);
    for (const m of [sfn[EAST], ssm[EAST], cw[EAST], sns[EAST], ddb[EAST]]) expect(m).not.toHaveReceivedAnyCommand();
  });

  test('a region outside the config is exit 2 before any AWS call', async () => {
    const { code, err } = await doctor('--region', 'eu-west-1');
    expect(code).toBe(2);
    expect(err).toContain('--region eu-west-1 is not one of the configured regions');
    expect(sfn[WEST]).not.toHaveReceivedAnyCommand();
  });
});

describe('the alarm names doctor expects', () => {
  test('are the names the detection constructs give them (config/resource-names.ts; test/infra/resource-names.test.ts holds the synthesized ones to it)', async () => {
    const { compositeAlarmName, GLOBAL, signalAlarmName } = await import('../../../config/resource-names');
    const prefix = 'shop-dr-';
    const names = new Set(expectedAlarms(config).map((a) => `${a.region} ${a.name}`));
    for (const region of regions) {
      const peer = regions.find((r) => r !== region)!;
      expect(names).toContain(`${region} ${compositeAlarmName(prefix, peer)}`);
      for (const v of regions) for (const t of [...regions, GLOBAL]) expect(names).toContain(`${region} ${signalAlarmName(prefix, 'canary', v, t)}`);
      for (const t of regions) expect(names).toContain(`${region} ${signalAlarmName(prefix, 'route53-health-check', GLOBAL, t)}`);
    }
    expect(names.size).toBe(2 * (1 + 6 + 2));
  });
});
