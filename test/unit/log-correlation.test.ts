/**
 * Every Lambda log line carries incidentId, executionId and the state name, so one CloudWatch Logs
 * Insights query (`filter incidentId = "..."`) finds a whole incident across functions and regions.
 * Through the real Middy chains of the handlers, with Powertools writing to a captured stdout.
 */
import type { Context } from 'aws-lambda';
import { createHandler as approvalCallbackHandler, APPROVAL_STATE_NAME } from '../../functions/approval-callback/handler';
import { requestApproval } from '../../functions/approval-request/approval-request';
import { createHandler as orchestratorHandler } from '../../functions/failover-orchestrator/handler';
import { InMemoryIdempotencyStore } from '../../functions/shared/aws/idempotency';
import { InvalidInputError } from '../../functions/shared/errors';
import { correlationKeysOf, createLogger, wrapTask } from '../../functions/shared/middleware';
import type { SiteStateValue } from '../../functions/shared/ports';
import { InMemoryApproverChallenges } from '../../local/approver-state';
import {
  APPROVER,
  apiGatewayEvent,
  approvalEvent,
  callbackDeps,
  captureOutput,
  challengeOf,
  FakeApprovalStore,
  form,
  linkParts,
  mailedCode,
  requestDeps,
} from '../support/approval-fixtures';
import { FakeClock } from '../support/virtual-time';
import { config, fixedClock } from './aws/fixtures';
import { fakeDataStores } from '../support/data-stores';

const EXECUTION = 'arn:aws:states:us-west-2:111122223333:execution:orders-dr-failover:inc-42';
/** The execution approvalEvent() (test/support/approval-fixtures.ts) asks an approval for. */
const APPROVAL_EXECUTION = 'arn:aws:states:us-west-2:111122223333:execution:failover:inc42';
const context = (name: string): Context =>
  ({
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-west-2:111122223333:function:${name}`,
    memoryLimitInMB: '256',
    awsRequestId: 'req-1',
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 's',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  }) as Context;

const taskState = (incidentId: string, executionId: string) => ({
  incidentId,
  direction: 'failover',
  fromRegion: 'us-east-1',
  toRegion: 'us-west-2',
  trigger: { source: 'manual', at: '2025-01-02T03:04:05.000Z' },
  execution: { id: executionId, name: incidentId, startedAt: '2025-01-02T03:04:05.000Z' },
  health: { verdict: 'FAILOVER_WARRANTED' },
});

/** The JSON log lines Powertools wrote while `run` ran. */
async function logLines(run: () => Promise<void>): Promise<Array<Record<string, unknown>>> {
  const chunks = await captureOutput(run);
  return chunks
    .join('')
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function orchestrator() {
  const sites: Record<string, SiteStateValue> = { 'us-east-1': 'ACTIVE', 'us-west-2': 'PASSIVE' };
  const logger = createLogger('failover-orchestrator', 'INFO');
  const handler = orchestratorHandler({
    config,
    siteState: {
      get: async (r) => sites[r],
      set: async (r, v) => {
        sites[r] = v;
      },
    },
    dataStores: fakeDataStores(),
    scaler: { scale: async () => Promise.reject(new Error('not used')) },
    audit: { record: async () => undefined },
    clock: fixedClock(),
    logger,
    idempotency: { persistenceStore: new InMemoryIdempotencyStore() },
  });
  return { handler, logger };
}

describe('a workflow task (failover-orchestrator, with its idempotency middleware)', () => {
  test('every line of the invocation carries incidentId, executionId and stateName from the payload', async () => {
    const { handler } = orchestrator();
    const lines = await logLines(async () => {
      await handler({ stateName: 'FenceOldPrimary', action: 'fence', state: taskState('inc-42', EXECUTION) }, context('failover-orchestrator'));
    });
    expect(lines.map((l) => l.message)).toContain('task succeeded');
    for (const line of lines)
      expect(line).toMatchObject({ incidentId: 'inc-42', executionId: EXECUTION, stateName: 'FenceOldPrimary', service: 'failover-orchestrator' });
  });

  test('the failure line carries them too, and the typed error reaches Step Functions unchanged', async () => {
    const { handler } = orchestrator();
    let thrown: unknown;
    const lines = await logLines(async () => {
      // An unknown action is the use case's InvalidInputError (the ASL's Catch matches on its name).
      thrown = await handler({ stateName: 'PromoteStore', action: 'teleport', state: taskState('inc-43', EXECUTION) }, context('failover-orchestrator')).catch(
        (e: unknown) => e,
      );
    });
    expect(thrown).toBeInstanceOf(InvalidInputError);
    const failed = lines.find((l) => l.message === 'task failed');
    expect(failed).toMatchObject({ level: 'ERROR', incidentId: 'inc-43', executionId: EXECUTION, stateName: 'PromoteStore' });
  });

  test("a warm container never carries one invocation's keys into the next", async () => {
    const { handler } = orchestrator();
    const ctx = context('failover-orchestrator');
    const lines = await logLines(async () => {
      await handler({ stateName: 'FenceOldPrimary', action: 'fence', state: taskState('inc-1', `${EXECUTION}-1`) }, ctx);
      await handler({ stateName: 'ActivateStandby', action: 'activate', state: taskState('inc-2', `${EXECUTION}-2`) }, ctx);
      await handler({ action: 'no-such-action' }, ctx).catch(() => undefined);
    });
    const byIncident = (id: string) => lines.filter((l) => l.incidentId === id);
    expect(byIncident('inc-1').every((l) => l.stateName === 'FenceOldPrimary' && l.executionId === `${EXECUTION}-1`)).toBe(true);
    expect(byIncident('inc-2').every((l) => l.stateName === 'ActivateStandby' && l.executionId === `${EXECUTION}-2`)).toBe(true);
    const last = lines.at(-1)!;
    expect(last.message).toBe('task failed');
    expect(last).not.toHaveProperty('incidentId');
    expect(last).not.toHaveProperty('stateName');
  });
});

describe('wrapTask (the chain every task handler uses)', () => {
  test('what the use case and its adapters log during the invocation is correlated as well', async () => {
    const logger = createLogger('health-checker', 'DEBUG');
    const handler = wrapTask(logger, async (event: { action: string }) => {
      logger.warn('probe slow', { target: 'us-east-1' });
      return event.action;
    });
    const lines = await logLines(async () => {
      await handler({ stateName: 'VerifyRecovery', action: 'verify', state: taskState('inc-7', EXECUTION) } as never, context('health-checker'));
    });
    expect(lines.map((l) => l.message)).toEqual(['probe slow', 'task succeeded']);
    for (const l of lines) expect(l).toMatchObject({ incidentId: 'inc-7', executionId: EXECUTION, stateName: 'VerifyRecovery' });
  });

  test.each([
    ['null', null, {}],
    ['a string', 'hello', {}],
    ['an array', [1, 2], {}],
    ['state not an object', { stateName: 'X', state: 'nope' }, { stateName: 'X' }],
    ['execution without id', { state: { incidentId: 'i', execution: { name: 'n' } } }, { incidentId: 'i' }],
    ['numbers instead of strings', { stateName: 5, state: { incidentId: 7, execution: { id: 9 } } }, {}],
    ['an oversized value', { stateName: 'x'.repeat(5_000), state: { incidentId: 'i' } }, { incidentId: 'i' }],
    ['keys at the top level (no state)', { incidentId: 'i', execution: { id: 'e' } }, { incidentId: 'i', executionId: 'e' }],
  ])('a malformed event (%s) keeps only the keys it really has, and never throws', (_what, event, expected) => {
    expect(correlationKeysOf(event)).toEqual(expected);
  });

  test('the Map iteration payload (store items) finds the keys under state', () => {
    expect(correlationKeysOf({ stateName: 'PromoteStore', action: 'promote', store: 'orders', state: taskState('inc-9', EXECUTION) })).toEqual({
      incidentId: 'inc-9',
      executionId: EXECUTION,
      stateName: 'PromoteStore',
    });
  });
});

describe('approval-callback (API Gateway, outside the workflow)', () => {
  test('once the link verifies, its lines carry the incident and execution of the RequestApproval task it answers', async () => {
    const clock = new FakeClock();
    const approvals = new FakeApprovalStore();
    const event = approvalEvent();
    const challenges = new InMemoryApproverChallenges();
    const out = await requestApproval(event, requestDeps({ approvals, clock, challenges }));
    const deps = callbackDeps(approvals, clock, { challenges });
    const handler = approvalCallbackHandler({ ...deps, logger: createLogger('approval-callback', 'INFO') });
    const { path, query } = linkParts(out.url);
    const csrf = approvals.records.get(out.approvalId)!.csrfToken;
    // The approver asks for a code (quietly: only the decision's lines are looked at) and reads it from their mailbox.
    const asked = await approvalCallbackHandler({ ...deps, logger: createLogger('approval-callback', 'SILENT') })(
      apiGatewayEvent('POST', path, query, form({ csrf, step: 'code', approver: APPROVER })),
      context('approval-callback'),
    );
    const { code } = mailedCode(deps.notifier, APPROVER)!;
    const decideForm = { csrf, step: 'decide', challenge: challengeOf(asked.body)!, code, decision: 'approve', reason: '' };
    let statusCode = 0;
    let responseKeys: string[] = [];
    const lines = await logLines(async () => {
      const res = await handler(apiGatewayEvent('POST', path, query, form(decideForm)), context('approval-callback'));
      statusCode = res.statusCode;
      responseKeys = Object.keys(res);
    });
    expect(statusCode).toBe(200);
    // The ids are for the log only: API Gateway gets the proxy response fields and nothing else.
    expect(responseKeys.sort()).toEqual(['body', 'headers', 'statusCode']);
    const answered = lines.find((l) => l.message === 'approval request answered');
    expect(answered).toMatchObject({
      incidentId: event.state.incidentId,
      executionId: APPROVAL_EXECUTION,
      stateName: APPROVAL_STATE_NAME,
      outcome: 'approved',
    });
    expect(lines.find((l) => l.message === 'task succeeded')).toMatchObject({ incidentId: event.state.incidentId, stateName: 'RequestApproval' });
  });

  test('a forged link gets no incident: the ids come only from a record whose signature checked out', async () => {
    const clock = new FakeClock();
    const approvals = new FakeApprovalStore();
    const out = await requestApproval(approvalEvent(), requestDeps({ approvals, clock }));
    const handler = approvalCallbackHandler({ ...callbackDeps(approvals, clock), logger: createLogger('approval-callback', 'INFO') });
    const { path, query } = linkParts(out.url);
    const lines = await logLines(async () => {
      await handler(apiGatewayEvent('GET', path, { ...query, sig: `${query.sig.slice(0, -2)}AA` }), context('approval-callback'));
    });
    expect(lines.find((l) => l.message === 'approval request answered')).toMatchObject({ outcome: 'bad-signature' });
    for (const l of lines) expect(l).not.toHaveProperty('incidentId');
  });
});
