import {
  RedriveExecutionCommand,
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
  type HistoryEvent as SfnHistoryEvent,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { parseConfig } from '../../../config/load';
import { failoverRequestSchema } from '../../../functions/shared/workflow';
import type { AwsClients } from '../../../cli/aws/clients';
import { CliError } from '../../../cli/aws/errors';
import { getExecutionHistory, toHistoryEvents } from '../../../cli/aws/history';
import { planStart, startExecution } from '../../../cli/aws/start-execution';
import { getStatus } from '../../../cli/aws/status';
import { run } from '../../../cli/main';
import { EAST, WEST, ACCOUNT, shopConfigInput } from '../../support/shop-config';
import { capturedIo, drctlFolder } from '../../support/drctl';

const input = shopConfigInput;
const config = parseConfig(input);
const smArn = (region: string, wf: 'failover' | 'failback') => `arn:aws:states:${region}:${ACCOUNT}:stateMachine:shop-dr-${wf}`;
const exArn = (region: string, wf: 'failover' | 'failback', name: string) => `arn:aws:states:${region}:${ACCOUNT}:execution:shop-dr-${wf}:${name}`;

// One client per region, each mocked on its own, so a test can tell which region was called.
const sfnClients: Record<string, SFNClient> = { [EAST]: new SFNClient({ region: EAST }), [WEST]: new SFNClient({ region: WEST }) };
const ssmClients: Record<string, SSMClient> = { [EAST]: new SSMClient({ region: EAST }), [WEST]: new SSMClient({ region: WEST }) };
const sfn = Object.fromEntries([EAST, WEST].map((r) => [r, mockClient(sfnClients[r])]));
const ssm = Object.fromEntries([EAST, WEST].map((r) => [r, mockClient(ssmClients[r])]));
const clients: AwsClients = { sfn: (r) => sfnClients[r], ssm: (r) => ssmClients[r] };
const NOW = new Date('2026-11-22T03:04:05.000Z');

const sdkError = (name: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(`${name} happened`), { name, $metadata: {}, ...extra });

const folder = drctlFolder('drctl-aws-', { 'dr.config.json': input });

beforeEach(() => {
  for (const r of [EAST, WEST]) {
    sfn[r].reset();
    ssm[r].reset();
    sfn[r].on(ListStateMachinesCommand).resolves({
      stateMachines: [
        { name: 'other', stateMachineArn: 'x', type: 'STANDARD', creationDate: NOW },
        ...(['failover', 'failback'] as const).map((wf) => ({
          name: `shop-dr-${wf}`,
          stateMachineArn: smArn(r, wf),
          type: 'STANDARD' as const,
          creationDate: NOW,
        })),
      ],
    });
  }
});

/** Runs drctl in-process and returns what an operator would see. */
async function drctl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const captured = capturedIo();
  const code = await run([...args, '--config', folder.path('dr.config.json')], {
    io: captured.io,
    clients: () => clients,
    now: () => NOW,
  });
  const { out, err } = captured.text();
  process.exitCode = undefined;
  return { code, out, err };
}

describe('drctl failover / failback', () => {
  test('starts the failover in the region being activated, with a deterministic name and a valid workflow input', async () => {
    sfn[WEST].on(StartExecutionCommand).resolves({ executionArn: exArn(WEST, 'failover', 'manual-failover-us-west-2-20261122'), startDate: NOW });
    const r = await startExecution(clients, config, { direction: 'failover', to: WEST, reason: 'us-east-1 API errors', now: NOW });
    expect(r.outcome).toBe('started');
    expect(sfn[WEST]).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: smArn(WEST, 'failover'),
      name: 'manual-failover-us-west-2-20261122',
    });
    expect(sfn[EAST]).not.toHaveReceivedCommand(StartExecutionCommand);
    const sent = failoverRequestSchema.parse(JSON.parse(sfn[WEST].commandCalls(StartExecutionCommand)[0].args[0].input.input!));
    expect(sent).toMatchObject({
      incidentId: 'manual-failover-us-west-2-20261122',
      direction: 'failover',
      fromRegion: EAST,
      toRegion: WEST,
      trigger: { source: 'manual', at: NOW.toISOString(), reason: 'us-east-1 API errors' },
      dryRun: false,
    });
  });

  test('the same incident asked twice on one day gets the same execution name', () => {
    const later = new Date('2026-11-22T21:59:00Z');
    expect(planStart(config, { direction: 'failover', to: WEST, now: NOW }).executionName).toBe(
      planStart(config, { direction: 'failover', to: WEST, now: later }).executionName,
    );
    expect(planStart(config, { direction: 'failover', to: WEST, now: new Date('2026-11-23T00:00:01Z') }).executionName).not.toBe(
      planStart(config, { direction: 'failover', to: WEST, now: NOW }).executionName,
    );
  });

  test('ExecutionAlreadyExists on a running execution means "already running for this incident" (exit 0)', async () => {
    const name = 'manual-failover-us-west-2-20261122';
    sfn[WEST].on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));
    sfn[WEST].on(DescribeExecutionCommand).resolves({
      executionArn: exArn(WEST, 'failover', name),
      status: 'RUNNING',
      startDate: new Date('2026-11-22T03:00:00Z'),
      stateMachineArn: smArn(WEST, 'failover'),
    });
    const { code, out } = await drctl('failover', '--to', WEST);
    expect(code).toBe(0);
    expect(out).toContain('Already running for this incident');
    expect(sfn[WEST]).toHaveReceivedCommandWith(DescribeExecutionCommand, { executionArn: exArn(WEST, 'failover', name) });
  });

  test('an incident whose execution already finished exits 1 and says how to start another', async () => {
    sfn[WEST].on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));
    sfn[WEST]
      .on(DescribeExecutionCommand)
      .resolves({ executionArn: 'a', status: 'SUCCEEDED', startDate: NOW, stopDate: NOW, stateMachineArn: smArn(WEST, 'failover') });
    const { code, out } = await drctl('failover', '--to', WEST, '--json');
    expect(code).toBe(1);
    expect(JSON.parse(out)).toMatchObject({ outcome: 'already-ran', status: 'SUCCEEDED' });
    const text = await drctl('failover', '--to', WEST);
    expect(text.out).toContain('--incident');
  });

  test('a dry run has its own name, so it never blocks the real failover', async () => {
    sfn[WEST].on(StartExecutionCommand).resolves({ executionArn: 'x', startDate: NOW });
    const { code, out } = await drctl('failover', '--to', WEST, '--dry-run');
    expect(code).toBe(0);
    expect(out).toContain('dry run');
    const sent = sfn[WEST].commandCalls(StartExecutionCommand)[0].args[0].input;
    expect(sent.name).toBe('manual-failover-us-west-2-20261122-dryrun-030405');
    expect(JSON.parse(sent.input!)).toMatchObject({ dryRun: true, incidentId: sent.name });
  });

  test('failback runs the failback state machine in the primary region it returns to', async () => {
    sfn[EAST].on(StartExecutionCommand).resolves({ executionArn: 'x', startDate: NOW });
    const { code } = await drctl('failback', '--to', EAST, '--incident', 'INC-4711');
    expect(code).toBe(0);
    expect(sfn[EAST]).toHaveReceivedCommandWith(StartExecutionCommand, { stateMachineArn: smArn(EAST, 'failback'), name: 'INC-4711' });
    expect(JSON.parse(sfn[EAST].commandCalls(StartExecutionCommand)[0].args[0].input.input!)).toMatchObject({
      direction: 'failback',
      fromRegion: WEST,
      toRegion: EAST,
    });
    expect(sfn[WEST]).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  test.each([
    [['failover', '--to', 'eu-west-1'], /--to eu-west-1 is not one of the configured regions \(us-east-1, us-west-2\)/],
    [['failover', '--to', EAST], /us-east-1 is the primary region: .*drctl failback --to us-east-1/],
    [['failback', '--to', WEST], /a failback returns to the primary region us-east-1/],
    [['failover', '--to', WEST, '--incident', 'has spaces'], /--incident: must be 1-64 letters, digits, _ or -/],
    [['failover', '--to', WEST, '--reason', 'x'.repeat(501)], /--reason: /],
  ])('bad input %j: one clear line, exit 2, nothing sent', async (args, message) => {
    const { code, err, out } = await drctl(...args);
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(out).toBe('');
    expect(sfn[WEST]).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  test('a region without the state machine says what to deploy', async () => {
    sfn[WEST].on(ListStateMachinesCommand).resolves({ stateMachines: [] });
    const { code, err } = await drctl('failover', '--to', WEST);
    expect(code).toBe(2);
    expect(err).toContain('No state machine named shop-dr-failover in us-west-2');
  });

  test.each([
    ['CredentialsProviderError', /No AWS credentials found: pass --profile NAME or set AWS_PROFILE/],
    ['ExpiredTokenException', /credentials have expired/],
    ['UnrecognizedClientException', /AWS rejected the credentials/],
  ])('%s becomes a one-line hint with exit 2, no stack trace', async (name, hint) => {
    sfn[WEST].on(ListStateMachinesCommand).rejects(sdkError(name));
    const { code, err } = await drctl('failover', '--to', WEST);
    expect(code).toBe(2);
    expect(err).toMatch(hint);
    expect(err).not.toMatch(/\n\s+at /);
  });

  test('--region must be the region being activated: the copy there runs the change', async () => {
    const { code, err } = await drctl('failover', '--to', WEST, '--region', EAST);
    expect(code).toBe(2);
    expect(err).toContain('--region us-east-1 contradicts --to us-west-2');
    expect(sfn[EAST]).not.toHaveReceivedAnyCommand();
    expect(sfn[WEST]).not.toHaveReceivedAnyCommand();
    sfn[WEST].on(StartExecutionCommand).resolves({ executionArn: 'x', startDate: NOW });
    expect((await drctl('failover', '--to', WEST, '--region', WEST)).code).toBe(0);
    expect(sfn[WEST]).toHaveReceivedCommand(StartExecutionCommand);
  });

  test('--output json is --json', async () => {
    sfn[WEST].on(StartExecutionCommand).resolves({ executionArn: 'x', startDate: NOW });
    const { code, out } = await drctl('failover', '--to', WEST, '--output', 'json');
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ outcome: 'started', region: WEST, executionName: 'manual-failover-us-west-2-20261122' });
  });

  test.each([
    [
      'ThrottlingException',
      sdkError('ThrottlingException', { $fault: 'client', $metadata: { httpStatusCode: 400 } }),
      /AWS answered ThrottlingException in us-west-2: ThrottlingException happened/,
    ],
    ['a 500', sdkError('InternalServerError', { $fault: 'server', $metadata: { httpStatusCode: 500 } }), /AWS answered InternalServerError in us-west-2/],
    ['a timeout', Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }), /Cannot reach the AWS endpoint in us-west-2 \(no answer in time\)/],
  ])('any other AWS error (%s) is one line and exit 2, never a stack trace', async (_what, error, message) => {
    sfn[WEST].on(StartExecutionCommand).rejects(error);
    const { code, err } = await drctl('failover', '--to', WEST);
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(err.trim().split('\n')).toHaveLength(1);
  });

  test('paginates ListStateMachines to find the state machine', async () => {
    sfn[WEST]
      .on(ListStateMachinesCommand)
      .resolvesOnce({ stateMachines: [{ name: 'a', stateMachineArn: 'a', type: 'STANDARD', creationDate: NOW }], nextToken: 'p2' })
      .resolves({
        stateMachines: [{ name: 'shop-dr-failover', stateMachineArn: smArn(WEST, 'failover'), type: 'STANDARD', creationDate: NOW }],
      });
    sfn[WEST].on(StartExecutionCommand).resolves({ executionArn: 'x', startDate: NOW });
    await startExecution(clients, config, { direction: 'failover', to: WEST, now: NOW });
    expect(sfn[WEST]).toHaveReceivedCommandWith(ListStateMachinesCommand, { nextToken: 'p2' });
    expect(sfn[WEST]).toHaveReceivedCommandWith(StartExecutionCommand, { stateMachineArn: smArn(WEST, 'failover') });
  });
});

describe('drctl status', () => {
  const param = (region: string) => `/dr/shop/site-state/${region}`;

  test("reads each region's switch in that region and lists both workflows' executions, newest first", async () => {
    ssm[EAST].on(GetParameterCommand, { Name: param(EAST) }).resolves({ Parameter: { Name: param(EAST), Value: 'PASSIVE' } });
    ssm[WEST].on(GetParameterCommand, { Name: param(WEST) }).resolves({ Parameter: { Name: param(WEST), Value: 'ACTIVE' } });
    sfn[WEST].on(ListExecutionsCommand, { stateMachineArn: smArn(WEST, 'failover') }).resolves({
      executions: [
        {
          name: 'inc-1',
          status: 'SUCCEEDED',
          executionArn: exArn(WEST, 'failover', 'inc-1'),
          stateMachineArn: smArn(WEST, 'failover'),
          startDate: new Date('2026-11-20T00:00:00Z'),
        },
      ],
    });
    sfn[WEST].on(ListExecutionsCommand, { stateMachineArn: smArn(WEST, 'failback') }).resolves({
      executions: [
        {
          name: 'back-1',
          status: 'RUNNING',
          executionArn: exArn(WEST, 'failback', 'back-1'),
          stateMachineArn: smArn(WEST, 'failback'),
          startDate: new Date('2026-11-21T00:00:00Z'),
        },
      ],
    });
    sfn[EAST].on(ListExecutionsCommand).resolves({ executions: [] });
    const s = await getStatus(clients, config, { limit: 3 });
    expect(s.activeRegion).toBe(WEST);
    expect(s.warning).toBeUndefined();
    const west = s.regions.find((r) => r.region === WEST)!;
    expect(west.executions.map((e) => `${e.workflow}:${e.name}`)).toEqual(['failback:back-1', 'failover:inc-1']);
    expect(ssm[EAST]).toHaveReceivedCommandWith(GetParameterCommand, { Name: param(EAST) });
    expect(ssm[WEST]).toHaveReceivedCommandWith(GetParameterCommand, { Name: param(WEST) });
    expect(sfn[WEST]).toHaveReceivedCommandWith(ListExecutionsCommand, { stateMachineArn: smArn(WEST, 'failover'), maxResults: 3 });

    const { code, out } = await drctl('status', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ application: 'shop', activeRegion: WEST });
  });

  test('a dark region is reported, not fatal: the other region still answers', async () => {
    ssm[EAST].on(GetParameterCommand).rejects(sdkError('TimeoutError', { code: 'ETIMEDOUT' }));
    sfn[EAST].on(ListStateMachinesCommand).rejects(sdkError('TimeoutError', { code: 'ETIMEDOUT' }));
    ssm[WEST].on(GetParameterCommand).resolves({ Parameter: { Value: 'ACTIVE' } });
    sfn[WEST].on(ListExecutionsCommand).resolves({ executions: [] });
    const { code, out } = await drctl('status');
    expect(code).toBe(0);
    expect(out).toContain('serving region us-west-2');
    expect(out).toMatch(/us-east-1 \(primary\)\s+site state UNKNOWN/);
    expect(out).toContain('Cannot reach the AWS endpoint in us-east-1 (ETIMEDOUT)');
  });

  test('both regions ACTIVE is called out as a possible split brain, exit 1', async () => {
    for (const r of [EAST, WEST]) {
      ssm[r].on(GetParameterCommand).resolves({ Parameter: { Value: 'ACTIVE' } });
      sfn[r].on(ListExecutionsCommand).resolves({ executions: [] });
    }
    const s = await getStatus(clients, config);
    expect(s.activeRegion).toBeNull();
    expect(s.warning).toMatch(/split brain/);
    const { code, out } = await drctl('status');
    expect(code).toBe(1);
    expect(out).toContain('warning: both regions say ACTIVE');
  });

  test('no region ACTIVE (fenced, not yet activated) exits 1', async () => {
    for (const r of [EAST, WEST]) {
      ssm[r].on(GetParameterCommand).resolves({ Parameter: { Value: 'PASSIVE' } });
      sfn[r].on(ListExecutionsCommand).resolves({ executions: [] });
    }
    const { code, out } = await drctl('status', '--output', 'json');
    expect(code).toBe(1);
    expect(JSON.parse(out)).toMatchObject({ activeRegion: null, warning: expect.stringMatching(/no region says ACTIVE/) });
  });

  test('nothing readable in either region exits 2 instead of printing UNKNOWNs', async () => {
    for (const r of [EAST, WEST]) {
      ssm[r].on(GetParameterCommand).rejects(sdkError('TimeoutError', { code: 'ETIMEDOUT' }));
      sfn[r].on(ListStateMachinesCommand).rejects(sdkError('TimeoutError', { code: 'ETIMEDOUT' }));
    }
    const { code, out, err } = await drctl('status');
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(
      /^drctl: Nothing could be read: us-east-1: .*Cannot reach the AWS endpoint in us-east-1 \(ETIMEDOUT\).*; us-west-2: .*Cannot reach the AWS endpoint in us-west-2/,
    );
    expect(err.trim().split('\n')).toHaveLength(1);
  });

  test('--region reads that region only; a region outside the config is refused', async () => {
    ssm[WEST].on(GetParameterCommand).resolves({ Parameter: { Value: 'PASSIVE' } });
    sfn[WEST].on(ListExecutionsCommand).resolves({ executions: [] });
    const { code, out } = await drctl('status', '--region', WEST, '--json');
    expect(code).toBe(0);
    const s = JSON.parse(out);
    expect(s.regions.map((r: { region: string }) => r.region)).toEqual([WEST]);
    expect(s.warning).toBeUndefined();
    expect(ssm[EAST]).not.toHaveReceivedAnyCommand();
    expect(sfn[EAST]).not.toHaveReceivedAnyCommand();
    const bad = await drctl('status', '--region', 'eu-west-1');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--region eu-west-1 is not one of the configured regions (us-east-1, us-west-2)');
  });

  test('a missing switch says the control plane may not be deployed', async () => {
    ssm[EAST].on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));
    ssm[WEST].on(GetParameterCommand).resolves({ Parameter: { Value: 'ACTIVE' } });
    for (const r of [EAST, WEST]) sfn[r].on(ListExecutionsCommand).resolves({ executions: [] });
    const s = await getStatus(clients, config);
    expect(s.regions.find((r) => r.region === EAST)!.problems.join()).toContain('does not exist: is the control plane deployed in us-east-1?');
  });

  test('no credentials anywhere is one hint, exit 2', async () => {
    for (const r of [EAST, WEST]) {
      ssm[r].on(GetParameterCommand).rejects(sdkError('CredentialsProviderError'));
      sfn[r].on(ListStateMachinesCommand).rejects(sdkError('CredentialsProviderError'));
    }
    await expect(getStatus(clients, config)).rejects.toThrow(CliError);
    const { code, err } = await drctl('status');
    expect(code).toBe(2);
    expect(err.trim()).toMatch(/^drctl: No AWS credentials found/);
  });
});

describe('drctl history', () => {
  const name = 'inc-42';
  const t = (s: number) => new Date(Date.UTC(2026, 10, 22, 3, 0, s));
  const page1: SfnHistoryEvent[] = [
    { id: 1, type: 'ExecutionStarted', timestamp: t(0) },
    { id: 2, previousEventId: 1, type: 'TaskStateEntered', timestamp: t(1), stateEnteredEventDetails: { name: 'AssessHealth' } },
    { id: 3, previousEventId: 2, type: 'LambdaFunctionScheduled', timestamp: t(1) },
  ];
  const page2: SfnHistoryEvent[] = [
    {
      id: 4,
      previousEventId: 3,
      type: 'LambdaFunctionFailed',
      timestamp: t(2),
      lambdaFunctionFailedEventDetails: { error: 'TransientError', cause: 'throttled' },
    },
    { id: 5, previousEventId: 4, type: 'MapIterationStarted', timestamp: t(3), mapIterationStartedEventDetails: { name: 'PromoteData', index: 1 } },
    { id: 6, previousEventId: 5, type: 'ExecutionSucceeded', timestamp: t(4) },
  ];

  /** The standby has neither workflow's execution; the primary's failover ran it, with a two-page history. */
  function primaryRanIt() {
    for (const wf of ['failover', 'failback'] as const) {
      sfn[WEST].on(DescribeExecutionCommand, { executionArn: exArn(WEST, wf, name) }).rejects(new ExecutionDoesNotExist({ message: 'no', $metadata: {} }));
    }
    sfn[EAST].on(DescribeExecutionCommand, { executionArn: exArn(EAST, 'failover', name) }).resolves({
      executionArn: exArn(EAST, 'failover', name),
      name,
      status: 'SUCCEEDED',
      startDate: t(0),
      stopDate: t(4),
      stateMachineArn: smArn(EAST, 'failover'),
    });
    sfn[EAST].on(GetExecutionHistoryCommand).resolvesOnce({ events: page1, nextToken: 'page-2' }).resolves({ events: page2 });
  }

  test('finds a name in whichever region ran it and reads every page of the history', async () => {
    primaryRanIt();
    const h = await getExecutionHistory(clients, config, name);
    expect(h.region).toBe(EAST);
    expect(h.events.map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(sfn[EAST]).toHaveReceivedCommandWith(GetExecutionHistoryCommand, { executionArn: exArn(EAST, 'failover', name), nextToken: 'page-2' });
    expect(h.events[3]).toMatchObject({ type: 'LambdaFunctionFailed', stateName: 'AssessHealth', error: 'TransientError', cause: 'throttled' });
    expect(h.events[4]).toMatchObject({ stateName: 'PromoteData', index: 1 });
    expect(h.events[5].stateName).toBeUndefined();
  });

  test("prints the history as a table like the console's events", async () => {
    primaryRanIt();
    const { code, out } = await drctl('history', name);
    expect(code).toBe(0);
    expect(out).toContain('inc-42  SUCCEEDED  in us-east-1');
    expect(out).toMatch(/LambdaFunctionFailed\s+AssessHealth\s+2000 ms\s+TransientError: throttled/);
    expect(out).toMatch(/ExecutionSucceeded\s+4000 ms/);
  });

  test('an execution ARN goes straight to its region', async () => {
    const arn = exArn(WEST, 'failback', name);
    sfn[WEST].on(DescribeExecutionCommand).resolves({ executionArn: arn, name, status: 'RUNNING', startDate: t(0), stateMachineArn: smArn(WEST, 'failback') });
    sfn[WEST].on(GetExecutionHistoryCommand).resolves({ events: page1 });
    const { code, out } = await drctl('history', arn, '--json');
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ region: WEST, status: 'RUNNING', events: [{ id: 1 }, { id: 2 }, { id: 3 }] });
    expect(sfn[EAST]).not.toHaveReceivedAnyCommand();
  });

  test('an unknown name names both regions it looked in', async () => {
    for (const r of [EAST, WEST]) sfn[r].on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'no', $metadata: {} }));
    const { code, err } = await drctl('history', 'nope');
    expect(code).toBe(2);
    expect(err).toContain('No execution named nope in us-west-2 or us-east-1');
  });

  test('task events inherit the state name of the event they follow', () => {
    const events = toHistoryEvents(page1);
    expect(events[2]).toMatchObject({ type: 'LambdaFunctionScheduled', stateName: 'AssessHealth' });
    expect(events[0].stateName).toBeUndefined();
  });
});

describe('drctl redrive', () => {
  const name = 'inc-redrive-7';
  const arn = exArn(WEST, 'failover', name);
  const stopped = {
    executionArn: arn,
    name,
    status: 'FAILED' as const,
    error: 'StepFailedError',
    cause: 'Promotion of aurora-global ledger failed',
    startDate: NOW,
    stateMachineArn: smArn(WEST, 'failover'),
  };

  test('redrives the execution in its own region with RedriveExecution and says where it stopped', async () => {
    sfn[WEST]
      .on(DescribeExecutionCommand)
      .resolvesOnce(stopped)
      .resolves({ ...stopped, status: 'RUNNING', redriveCount: 1 });
    sfn[WEST].on(RedriveExecutionCommand).resolves({ redriveDate: NOW });
    const { code, out } = await drctl('redrive', arn);
    expect(code).toBe(0);
    expect(sfn[WEST]).toHaveReceivedCommandWith(RedriveExecutionCommand, { executionArn: arn });
    expect(sfn[EAST]).not.toHaveReceivedCommand(RedriveExecutionCommand);
    expect(out).toContain(`Redriven ${name} in ${WEST} (redrive 1): it had stopped FAILED with StepFailedError`);
  });

  test('--output json gives one object with the redrive count and the previous failure', async () => {
    sfn[WEST]
      .on(DescribeExecutionCommand)
      .resolvesOnce(stopped)
      .resolves({ ...stopped, status: 'RUNNING', redriveCount: 2 });
    sfn[WEST].on(RedriveExecutionCommand).resolves({ redriveDate: NOW });
    const { code, out } = await drctl('redrive', arn, '--output', 'json');
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ name, region: WEST, redriveCount: 2, previous: { status: 'FAILED', error: 'StepFailedError' } });
  });

  test('a succeeded execution is not redriven (exit 1); a running one is refused before any call (exit 2)', async () => {
    sfn[WEST].on(DescribeExecutionCommand).resolves({ ...stopped, status: 'SUCCEEDED' });
    expect(await drctl('redrive', arn)).toMatchObject({ code: 1, err: expect.stringContaining('SUCCEEDED: there is nothing to redrive') });
    sfn[WEST].on(DescribeExecutionCommand).resolves({ ...stopped, status: 'RUNNING' });
    expect(await drctl('redrive', arn)).toMatchObject({ code: 2, err: expect.stringContaining('still RUNNING') });
    expect(sfn[WEST]).not.toHaveReceivedCommand(RedriveExecutionCommand);
  });

  test("AWS's ExecutionNotRedrivable (more than 14 days, say) is one line and exit 1", async () => {
    sfn[WEST].on(DescribeExecutionCommand).resolves(stopped);
    sfn[WEST].on(RedriveExecutionCommand).rejects(sdkError('ExecutionNotRedrivable', { message: 'Execution is not redrivable' }));
    const r = await drctl('redrive', arn);
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toContain('cannot be redriven');
  });
});
