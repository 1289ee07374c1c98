import { DescribeExecutionCommand, DescribeStateMachineForExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { type ExecutionFailureContext, reportExecutionFailure } from '../../functions/failure-reporter/failure-reporter';
import { createHandler } from '../../functions/failure-reporter/handler';
import { SfnFailureReader } from '../../functions/failure-reporter/aws-failure-reader';
import { createLogger } from '../../functions/shared/middleware';
import type { AuditEntry } from '../../functions/shared/ports';
import { fakeLambdaContext } from '../../local/world/approval-server';
import { config } from './aws/fixtures';

const ARN = 'arn:aws:states:us-west-2:111122223333:execution:orders-dr-failover:inc-7';
const event = (status: string) => ({
  source: 'aws.states',
  'detail-type': 'Step Functions Execution Status Change',
  detail: { executionArn: ARN, name: 'inc-7', status },
});
const state = (steps: Record<string, unknown>) => ({ incidentId: 'inc-7', direction: 'failover', fromRegion: 'us-east-1', toRegion: 'us-west-2', steps });

function deps(ctx: Partial<ExecutionFailureContext>) {
  const published: Array<{ topic: string; subject: string; body: string }> = [];
  const audit: AuditEntry[] = [];
  return {
    published,
    audit,
    d: {
      config,
      reader: { read: async () => ({ status: 'FAILED' as const, redriveCount: 0, ...ctx }) },
      notifier: { publish: async (m: { topic: string; subject: string; body: string }) => void published.push(m) },
      audit: { record: async (e: AuditEntry) => void audit.push(e) },
      clock: { now: () => Date.UTC(2026, 11, 1) },
    },
  };
}

describe('the failure reporter (EventBridge: Step Functions Execution Status Change)', () => {
  it('a step that failed for good: INCOMPLETE with done and remaining steps and the redrive command, escalated and audited', async () => {
    const { d, published, audit } = deps({
      error: 'StepFailedError',
      cause: 'promotion failed',
      failedState: 'PromoteData',
      failedStateType: 'Map',
      stateInput: state({ fence: { fenced: true } }),
    });
    const r = await reportExecutionFailure(event('FAILED'), d);
    expect(r).toMatchObject({
      kind: 'incomplete',
      failedState: 'PromoteData',
      completedSteps: ['FenceOldPrimary'],
      remainingSteps: ['PromoteData', 'ShiftTraffic', 'ActivateStandby', 'VerifyRecovery', 'ValidateData'],
    });
    expect(published).toEqual([expect.objectContaining({ topic: 'escalation', subject: 'DR orders: failover INCOMPLETE at PromoteData, action needed' })]);
    expect(published[0].body).toContain('drctl redrive inc-7 (it resumes at PromoteData');
    expect(audit).toEqual([expect.objectContaining({ step: 'FailureReporter', outcome: 'INCOMPLETE', incidentId: 'inc-7', executionId: ARN })]);
  });

  it('a failure before any change (or a timeout, or a stop): said so, escalated', async () => {
    const { d, published } = deps({ status: 'TIMED_OUT', failedState: 'AssessDataRisk', failedStateType: 'Task', stateInput: state({}) });
    expect(await reportExecutionFailure(event('TIMED_OUT'), d)).toMatchObject({ kind: 'failed', error: 'States.Timeout' });
    expect(published[0].subject).toBe('DR orders: failover TIMED_OUT before any change');
    expect(published[0].body).toContain('Nothing was changed');
  });

  it('an end in a Fail state the workflow alerted on itself (refused, rejected, aborted) adds no second alert', async () => {
    const { d, published, audit } = deps({ error: 'FailoverRefused', failedState: 'Refused', failedStateType: 'Fail', stateInput: state({}) });
    expect(await reportExecutionFailure(event('FAILED'), d)).toMatchObject({ kind: 'notified', failedState: 'Refused' });
    expect(published).toEqual([]);
    expect(audit[0]).toMatchObject({ outcome: 'NOTIFIED' });
  });

  it('a succeeded or running status is not reported; a malformed event is refused naming the field', async () => {
    const { d, published } = deps({});
    expect(await reportExecutionFailure(event('SUCCEEDED'), d)).toMatchObject({ kind: 'ignored' });
    expect(published).toEqual([]);
    await expect(
      reportExecutionFailure({ source: 'aws.states', 'detail-type': 'Step Functions Execution Status Change', detail: { name: 'x', status: 'FAILED' } }, d),
    ).rejects.toThrow(/detail\.executionArn/);
  });

  it('through the Middy chain: the handler returns the report', async () => {
    const { d } = deps({ error: 'Sandbox.Timedout', failedState: 'ShiftTraffic', failedStateType: 'Task', stateInput: state({ fence: {}, promote: [] }) });
    const handler = createHandler({ ...d, logger: createLogger('failure-reporter', 'SILENT') });
    expect(await handler(event('FAILED'), fakeLambdaContext('failure-reporter'))).toMatchObject({
      kind: 'incomplete',
      failedState: 'ShiftTraffic',
      completedSteps: ['FenceOldPrimary', 'PromoteData'],
    });
  });
});

describe('SfnFailureReader (GetExecutionHistory, newest first)', () => {
  const client = new SFNClient({ region: 'us-west-2' });
  const sfn = mockClient(client);
  beforeEach(() => sfn.reset());

  it('finds the last top-level state entered, its input and type, across pages, and the redrive count', async () => {
    sfn
      .on(DescribeExecutionCommand)
      .resolves({ executionArn: ARN, status: 'FAILED', error: 'StepFailedError', cause: 'no', redriveCount: 2, startDate: new Date(), stateMachineArn: 'sm' });
    sfn.on(DescribeStateMachineForExecutionCommand).resolves({
      definition: JSON.stringify({ StartAt: 'FenceOldPrimary', States: { FenceOldPrimary: {}, PromoteData: {} } }),
      stateMachineArn: 'sm',
      name: 'x',
      roleArn: 'r',
      updateDate: new Date(),
    });
    sfn
      .on(GetExecutionHistoryCommand)
      .resolvesOnce({
        events: [
          { id: 9, type: 'ExecutionFailed', timestamp: new Date() },
          { id: 8, type: 'TaskStateEntered', timestamp: new Date(), stateEnteredEventDetails: { name: 'PromoteStore', input: '{}' } },
        ],
        nextToken: 'p2',
      })
      .resolves({
        events: [
          {
            id: 7,
            type: 'MapStateEntered',
            timestamp: new Date(),
            stateEnteredEventDetails: { name: 'PromoteData', input: JSON.stringify(state({ fence: {} })) },
          },
        ],
      });
    const ctx = await new SfnFailureReader(client).read(ARN);
    expect(ctx).toMatchObject({
      status: 'FAILED',
      error: 'StepFailedError',
      failedState: 'PromoteData',
      failedStateType: 'Map',
      redriveCount: 2,
      stateInput: { steps: { fence: {} } },
    });
    expect(sfn).toHaveReceivedCommandWith(GetExecutionHistoryCommand, { executionArn: ARN, reverseOrder: true, nextToken: 'p2' });
  });
});
