import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  type DescribeExecutionOutput,
  DescribeStateMachineForExecutionCommand,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  ListStateMachinesCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { AwsClients } from '../../../cli/aws/clients';
import { type AuditItem, awsRecord, historyRows } from '../../../cli/aws/execution-record';
import { run } from '../../../cli/main';
import type { LayoutMachine } from '../../../local/report/graph-layout';
import { describeFor, FIXTURE_STATE_MACHINE, type HistoryFixture, loadHistory } from '../../support/history-fixtures';
import { capturedIo, drctlFolder } from '../../support/drctl';

const ROOT = join(__dirname, '..', '..', '..');
const CONFIG = join(ROOT, 'dr.config.json');
const EAST = 'us-east-1' as const;
const WEST = 'us-west-2' as const;
const definitionText = readFileSync(join(ROOT, 'state-machines', 'failover.asl.json'), 'utf8');
const definition = JSON.parse(definitionText) as LayoutMachine;
const AUDIT_TABLE = 'orders-dr-us-west-2-AuditTable-1Q2W3E4R5T6Y';

const sfnClients = { [EAST]: new SFNClient({ region: EAST }), [WEST]: new SFNClient({ region: WEST }) };
const ddbClients = { [EAST]: new DynamoDBClient({ region: EAST }), [WEST]: new DynamoDBClient({ region: WEST }) };
const sfn = { [EAST]: mockClient(sfnClients[EAST]), [WEST]: mockClient(sfnClients[WEST]) };
const ddb = { [EAST]: mockClient(ddbClients[EAST]), [WEST]: mockClient(ddbClients[WEST]) };
const doc = mockClient(DynamoDBDocumentClient);
const clients: AwsClients = {
  sfn: (r) => sfnClients[r as keyof typeof sfnClients],
  ssm: (r) => new SSMClient({ region: r }),
  dynamodb: (r) => ddbClients[r as keyof typeof ddbClients],
};

const folder = drctlFolder('drctl-report-');

beforeEach(() => {
  doc.reset();
  for (const r of [EAST, WEST] as const) {
    sfn[r].reset();
    ddb[r].reset();
    sfn[r].on(ListStateMachinesCommand).resolves({
      stateMachines: ['failover', 'failback'].map((wf) => ({
        name: `orders-dr-${wf}`,
        stateMachineArn: `arn:aws:states:${r}:111122223333:stateMachine:orders-dr-${wf}`,
        type: 'STANDARD' as const,
        creationDate: new Date(0),
      })),
    });
    sfn[r].on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} }));
    ddb[r].on(ListTablesCommand).resolves({ TableNames: ['other-table', `orders-dr-${r}-AuditTable-1Q2W3E4R5T6Y`, `orders-dr-${r}-ApprovalsTable-9Z8X7C`] });
  }
  doc.on(QueryCommand).resolves({ Items: [] });
});

/** The recorded execution, served by the mocked us-west-2 Step Functions in two pages, as the API pages it. */
function serve(name: HistoryFixture) {
  const events = loadHistory(name);
  const d = describeFor(events);
  sfn[WEST].on(DescribeExecutionCommand, { executionArn: d.executionArn }).resolves(d as unknown as DescribeExecutionOutput);
  const half = Math.ceil(events.length / 2);
  sfn[WEST]
    .on(GetExecutionHistoryCommand, { executionArn: d.executionArn, nextToken: undefined })
    .resolves({ events: events.slice(0, half), nextToken: 'page-2' });
  sfn[WEST].on(GetExecutionHistoryCommand, { executionArn: d.executionArn, nextToken: 'page-2' }).resolves({ events: events.slice(half) });
  sfn[WEST].on(DescribeStateMachineForExecutionCommand).resolves({
    stateMachineArn: FIXTURE_STATE_MACHINE,
    name: 'orders-dr-failover',
    definition: definitionText,
    roleArn: 'arn:aws:iam::111122223333:role/x',
    updateDate: new Date(0),
  });
  return { events, d };
}

async function drctl(...args: string[]) {
  const captured = capturedIo();
  const code = await run([...args, '--config', CONFIG], {
    io: captured.io,
    clients: () => clients,
    now: () => new Date('2026-12-01T00:00:00Z'),
  });
  const { out, err } = captured.text();
  process.exitCode = undefined;
  return { code, out, err };
}

describe('the recorded histories as execution records', () => {
  const statusOf = (name: HistoryFixture) => {
    const events = loadHistory(name);
    const r = awsRecord({
      region: WEST,
      name: describeFor(events).name,
      describe: describeFor(events),
      history: events,
      definition,
      audit: [],
      auditSource: 'none',
      auditReadable: true,
    });
    return { r, st: (s: string) => r.states.get(s)?.status };
  };

  test('every event of a Lambda task, Retry included, belongs to its state; Map items keep their index', () => {
    const rows = historyRows(loadHistory('incomplete'));
    expect(rows.filter((e) => e.type === 'LambdaFunctionFailed').map((e) => [e.stateName, e.index])).toEqual([['PromoteStore', 1]]);
    expect(rows.find((e) => e.type === 'MapStateFailed')?.stateName).toBe('PromoteData');
    expect(rows.find((e) => e.type === 'ParallelStateStarted')?.stateName).toBe('PrepareStandby');
  });

  test('success: every state on the path succeeded, VerifyRecovery retried once, the incomplete branch never ran', () => {
    const { r, st } = statusOf('succeeded');
    expect(r.execution).toMatchObject({ status: 'SUCCEEDED', outcome: 'FAILED_OVER', redriveCount: 0 });
    for (const s of [
      'Init',
      'AssessHealth',
      'PrepareStandby',
      'RequestApproval',
      'ScaleStandby',
      'FenceOldPrimary',
      'PromoteData',
      'PromoteStore',
      'ShiftTraffic',
      'ValidateData',
      'FailedOver',
    ])
      expect([s, st(s)]).toEqual([s, 'succeeded']);
    expect(st('VerifyRecovery')).toBe('caught');
    expect(r.states.get('VerifyRecovery')?.retries).toBe(1);
    for (const s of ['NotifyRejected', 'HandleAbort', 'ApprovedByPolicy']) expect(st(s)).toBe('not-reached');
    expect(r.figures.approvalWaitMs).toBeGreaterThan(60_000);
    expect(r.figures.controlPlaneMs).toBeLessThan(r.execution.stoppedAt! - r.execution.startedAt!);
    expect(r.data).toMatchObject({ lostWrites: 0, estimatedRpoMs: 1800 });
    expect(r.alerts.map((a) => a.subject)).toEqual(['DR orders: failover us-east-1 -> us-west-2 starting', 'DR orders: traffic now served by us-west-2']);
  });

  test('INCOMPLETE: the failed store and the Map it failed are red (the execution stopped there, where a redrive resumes), nothing after ran', () => {
    const { r, st } = statusOf('incomplete');
    expect(r.execution).toMatchObject({ status: 'FAILED', outcome: 'INCOMPLETE', error: 'StepFailedError' });
    expect([st('FenceOldPrimary'), st('PromoteStore'), st('PromoteData'), st('ShiftTraffic')]).toEqual(['succeeded', 'failed', 'failed', 'not-reached']);
    expect(r.states.get('PromoteStore')?.errors[0]).toContain('StepFailedError');
  });

  test('redriven: the step that failed shows both attempts, and the redrive is counted and placed on the timeline', () => {
    const { r, st } = statusOf('redriven');
    expect(r.execution).toMatchObject({ status: 'SUCCEEDED', outcome: 'FAILED_OVER', redriveCount: 1 });
    expect(st('ShiftTraffic')).toBe('caught');
    expect(r.states.get('ShiftTraffic')?.spans.map((s) => [s.attempt, s.status])).toEqual([
      [0, 'failed'],
      [1, 'succeeded'],
    ]);
    expect(st('ActivateStandby')).toBe('succeeded');
    expect(r.markers.map((m) => m.label)).toEqual(expect.arrayContaining(['redrive 1', 'execution failed: States.DataLimitExceeded']));
    // Two hours of standing still between the attempts are nobody's control-plane time.
    expect(r.figures.controlPlaneMs).toBeLessThan(10 * 60_000);
  });

  test('rejected: the approval failed, the Parallel caught it, the notification ran, the Fail state ended it', () => {
    const { r, st } = statusOf('rejected');
    expect(r.execution).toMatchObject({ status: 'FAILED', outcome: 'REJECTED' });
    expect([st('RequestApproval'), st('ScaleStandby'), st('PrepareStandby'), st('NotifyRejected'), st('Rejected'), st('FenceOldPrimary')]).toEqual([
      'failed',
      'succeeded',
      'caught',
      'succeeded',
      'failed',
      'not-reached',
    ]);
    expect(r.transitions.has('PrepareStandby->NotifyRejected')).toBe(true);
  });
});

describe('drctl report', () => {
  test('reads the whole history (every page), the deployed definition and the audit table, and writes the page', async () => {
    const { d } = serve('redriven');
    const audit: AuditItem[] = [
      {
        incidentId: d.name,
        sk: `2026-11-15T19:03:46.000Z#AssessHealth#ab12cd34`,
        executionId: d.executionArn,
        step: 'AssessHealth',
        outcome: 'FAILOVER_WARRANTED',
        at: '2026-11-15T19:03:46.000Z',
        detail: '{"summary":"us-east-1 failed"}',
      },
    ];
    doc.on(QueryCommand, { TableName: AUDIT_TABLE }).resolves({ Items: audit });
    const file = folder.path('redriven.html');
    const { code, out, err } = await drctl('report', d.name, '-o', file, '--output', 'json');
    expect([code, err]).toEqual([0, '']);
    expect(sfn[WEST]).toHaveReceivedCommandTimes(GetExecutionHistoryCommand, 2);
    expect(sfn[WEST]).toHaveReceivedCommandWith(DescribeStateMachineForExecutionCommand, { executionArn: d.executionArn });
    expect(doc).toHaveReceivedCommandWith(QueryCommand, {
      TableName: AUDIT_TABLE,
      KeyConditionExpression: 'incidentId = :id',
      ExpressionAttributeValues: { ':id': d.name },
    });
    const summary = JSON.parse(out);
    expect(summary).toMatchObject({ file, name: d.name, region: WEST, status: 'SUCCEEDED', outcome: 'FAILED_OVER', redriveCount: 1, auditEntries: 1 });
    expect(summary.states.ShiftTraffic).toBe('caught');
    const html = readFileSync(file, 'utf8');
    expect(html).toContain('id="redrive-count">redriven 1×');
    expect(html).toMatch(/class="state status-caught[^"]*" data-state="ShiftTraffic"/);
  });

  test('an ARN goes straight to its region; text output names the file and what the page cannot show', async () => {
    const { d } = serve('rejected');
    const file = folder.path('rejected.html');
    const { code, out } = await drctl('report', d.executionArn, '-o', file);
    expect(code).toBe(0);
    expect(sfn[EAST]).not.toHaveReceivedCommand(DescribeExecutionCommand);
    expect(out).toContain(`report written to ${file}`);
    expect(out).toContain('not in it: Detection time and client-observed downtime');
    expect(existsSync(file)).toBe(true);
  });

  // Audit steps are the ASL state names (config/steps.ts); entries written before that use the orchestrator's actions.
  test.each([
    ['as written now', { approval: 'ApprovalCallback', fence: 'FenceOldPrimary', promote: 'PromoteStore' }],
    ['as written before config/steps.ts', { approval: 'ApprovalDecision', fence: 'fence', promote: 'promote' }],
  ])(
    'an execution Step Functions has forgotten (over 90 days) is reported from the audit table alone, saying what is missing (step names %s)',
    async (_when, steps) => {
      const name = 'orders-us-east-1-20260701T101500Z';
      const arn = `arn:aws:states:us-west-2:111122223333:execution:orders-dr-failover:${name}`;
      const entry = (at: string, step: string, outcome: string, detail: unknown): AuditItem => ({
        incidentId: name,
        sk: `${at}#${step}#0000`,
        executionId: arn,
        step,
        outcome,
        at,
        detail: JSON.stringify(detail),
      });
      doc.on(QueryCommand, { TableName: AUDIT_TABLE }).resolves({
        Items: [
          entry('2026-07-01T10:15:01.000Z', 'AlarmTrigger', 'EXECUTION_STARTED', { alarm: 'orders-dr-us-east-1-quorum' }),
          entry('2026-07-01T10:15:02.000Z', 'AssessHealth', 'FAILOVER_WARRANTED', { summary: 'us-east-1 failed' }),
          entry('2026-07-01T10:15:03.000Z', 'AssessDataRisk', 'RPO_OK', { estimatedRpoMs: 900, rpoTargetMs: 5000, lagByStore: { orders: 900 } }),
          entry('2026-07-01T10:15:04.000Z', 'RequestApproval', 'REQUESTED', { approvalId: 'a1' }),
          entry('2026-07-01T10:17:00.000Z', steps.approval, 'APPROVED', { approver: 'oncall@example.com' }),
          entry('2026-07-01T10:17:02.000Z', steps.fence, 'DONE', { summary: 'us-east-1 set PASSIVE' }),
          entry('2026-07-01T10:17:05.000Z', steps.promote, 'ALREADY_DONE', { store: 'orders' }),
          entry('2026-07-01T10:17:07.000Z', 'FailureReporter', 'INCOMPLETE', {
            completedSteps: ['FenceOldPrimary', 'PromoteData'],
            remainingSteps: ['ShiftTraffic'],
          }),
        ],
      });
      const file = folder.path(`old-${steps.fence}.html`);
      const { code, out } = await drctl('report', name, '-o', file, '--output', 'json');
      expect(code).toBe(0);
      expect(sfn[WEST]).not.toHaveReceivedCommand(GetExecutionHistoryCommand);
      const summary = JSON.parse(out);
      expect(summary).toMatchObject({ status: 'EXPIRED', outcome: 'INCOMPLETE', historyEvents: 0, auditEntries: 8, region: WEST });
      expect(summary.states).toMatchObject({ AssessHealth: 'succeeded', FenceOldPrimary: 'succeeded', PromoteStore: 'succeeded' });
      expect(summary.missing.join(' ')).toContain('90 days');
      expect(summary.missing.join(' ')).toContain('state-machines/failover.asl.json');
      const html = readFileSync(file, 'utf8');
      expect(html).toContain('id="missing"');
      expect(html).toContain('Audit trail');
    },
  );

  test("--audit-table names the table when it is not the stack's", async () => {
    const { d } = serve('succeeded');
    await drctl('report', d.name, '-o', folder.path('s.html'), '--audit-table', 'my-audit');
    expect(ddb[WEST]).not.toHaveReceivedCommand(ListTablesCommand);
    expect(doc).toHaveReceivedCommandWith(QueryCommand, { TableName: 'my-audit' });
  });

  test('a table that cannot be read leaves a gap in the report, not a failed command', async () => {
    const { d } = serve('succeeded');
    doc
      .on(QueryCommand)
      .rejects(
        Object.assign(new Error('User is not authorized to perform: dynamodb:Query'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }),
      );
    const { code, out } = await drctl('report', d.name, '-o', folder.path('s2.html'), '--output', 'json');
    expect(code).toBe(0);
    expect(JSON.parse(out).missing.join(' ')).toContain('could not be read (Access denied in us-west-2');
  });

  test('no execution and no audit entry anywhere: exit 2 with one line', async () => {
    const { code, err, out } = await drctl('report', 'no-such-incident');
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toContain('No execution named no-such-incident in us-west-2 or us-east-1');
  });

  test('bad input is exit 2 before any AWS call', async () => {
    for (const args of [
      ['report', 'arn:aws:states:us-west-2:1:stateMachine:x'],
      ['report', 'has spaces'],
      ['report', 'x', '--region', 'eu-west-1'],
      ['report', 'x', '--json', '--output', 'text'],
    ]) {
      const { code, err } = await drctl(...args);
      expect([args.join(' '), code]).toEqual([args.join(' '), 2]);
      expect(err.trim().split('\n')).toHaveLength(1);
    }
    expect(sfn[WEST]).not.toHaveReceivedCommand(DescribeExecutionCommand);
  });
});
