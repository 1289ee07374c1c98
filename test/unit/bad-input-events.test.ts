import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { createHandler as alarmTrigger } from '../../functions/alarm-trigger/handler';
import { createHandler as approvalCallback } from '../../functions/approval-callback/handler';
import { createHandler as approvalRequest } from '../../functions/approval-request/handler';
import { createHandler as dataConsistencyValidator } from '../../functions/data-consistency-validator/handler';
import { createHandler as failoverOrchestrator } from '../../functions/failover-orchestrator/handler';
import { createHandler as healthChecker } from '../../functions/health-checker/handler';
import { InMemoryIdempotencyStore } from '../../functions/shared/aws/idempotency';
import { createLogger } from '../../functions/shared/middleware';
import { createHandler as trafficRouter } from '../../functions/traffic-router/handler';
import { InMemoryApproverChallenges, LocalApprovalTaskReader } from '../../local/approver-state';
import { InMemoryIncidentLock } from '../../local/detection/adapters';
import { TaskTokenBroker } from '../../local/runtime/task-token-broker';
import { fakeLambdaContext } from '../../local/world/approval-server';
import { FakeWorld } from '../support/failure-modes/fake-world';
import { SIGNING_KEY, failoverInput } from '../support/failure-modes/harness';
import { apiEvent } from '../support/http';
import { PRIMARY, STANDBY, configWith } from '../support/repo-config';
import { FakeClock } from '../support/virtual-time';

/**
 * Malformed events to every handler, through its Middy chain as Lambda runs it: each is refused with
 * InvalidInputError (a task: the execution then fails with that cause) or a 4xx page (the approval
 * endpoint), never an unhandled TypeError or a 500.
 */
const config = configWith({ traffic: 'route53-weighted', stores: ['dynamodb', 'aurora'] });
const world = new FakeWorld(config);
const clock = new FakeClock();
const common = { config, audit: world.audit, clock };
const quiet = (name: string) => createLogger(name, 'SILENT');
const ctx = fakeLambdaContext('bad-input');
const state = {
  ...failoverInput(),
  execution: { id: 'arn:aws:states:local:000000000000:execution:failover:x', name: 'x', startedAt: new Date().toISOString() },
};

type Task = (event: unknown) => Promise<unknown>;
const asTask =
  (h: (e: never, c: typeof ctx) => Promise<unknown>): Task =>
  (e) =>
    h(e as never, ctx);

const tasks: Record<string, { run: Task; valid: Record<string, unknown> }> = {
  'alarm-trigger': {
    run: asTask(
      alarmTrigger({
        ...common,
        region: STANDBY,
        alarmNamePrefix: world.prefix,
        signals: world.triggerSignals,
        lock: new InMemoryIncidentLock(),
        starter: { start: async () => ({ executionId: 'x', started: true }) },
        notifier: world.notifier,
        siteState: world.ownSiteState,
        logger: quiet('alarm-trigger'),
      }),
    ),
    valid: {
      id: 'e1',
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      time: new Date(clock.now()).toISOString(),
      region: STANDBY,
      detail: { alarmName: 'x', state: { value: 'ALARM' } },
    },
  },
  'health-checker': { run: asTask(healthChecker({ ...common, signals: world.signals, logger: quiet('health-checker') })), valid: { action: 'assess', state } },
  'traffic-router': {
    run: asTask(
      trafficRouter({ ...common, traffic: world.traffic, idempotency: { persistenceStore: new InMemoryIdempotencyStore() }, logger: quiet('traffic-router') }),
    ),
    valid: { action: 'shift', state },
  },
  'failover-orchestrator': {
    run: asTask(
      failoverOrchestrator({
        ...common,
        siteState: world.siteState,
        dataStores: world.dataStores,
        scaler: world.scaler,
        idempotency: { persistenceStore: new InMemoryIdempotencyStore() },
        logger: quiet('failover-orchestrator'),
      }),
    ),
    valid: { action: 'fence', state },
  },
  'data-consistency-validator': {
    run: asTask(dataConsistencyValidator({ ...common, dataStores: world.dataStores, work: world.comparisons, logger: quiet('data-consistency-validator') })),
    valid: { action: 'preflight', state },
  },
  'approval-request': {
    run: asTask(
      approvalRequest({
        ...common,
        approvals: world.approvals,
        challenges: new InMemoryApproverChallenges(),
        notifier: world.notifier,
        approvalBaseUrl: 'https://a.example.test/prod',
        signingKey: async () => SIGNING_KEY,
        logger: quiet('approval-request'),
      }),
    ),
    valid: { taskToken: 'AQtoken', state: { ...state, dataRisk: { approval: { timeoutSeconds: 900 } } } },
  },
};

/** `dispatch`: handlers that choose what to do from `action` (approval-request has one job). */
type Kind = 'task' | 'dispatch' | 'alarm';
/** Shapes a broken caller, a misconfigured rule or a hand-written StartExecution input could send, and whom each breaks. */
const malformed = (valid: Record<string, unknown>): Array<[string, unknown, readonly Kind[]]> => [
  ['null', null, ['task', 'alarm']],
  ['undefined', undefined, ['task', 'alarm']],
  ['a number', 42, ['task', 'alarm']],
  ['a string', 'hello', ['task', 'alarm']],
  ['an array', [valid], ['task', 'alarm']],
  ['an empty object', {}, ['task', 'alarm']],
  ['state: null', { ...valid, state: null }, ['task']],
  ['state: a string', { ...valid, state: 'nope' }, ['task']],
  ['state: an array', { ...valid, state: [] }, ['task']],
  ['state without incidentId', { ...valid, state: { ...state, incidentId: undefined } }, ['task']],
  ['incidentId a number', { ...valid, state: { ...state, incidentId: 42 } }, ['task']],
  ['regions not strings', { ...valid, state: { ...state, fromRegion: { name: PRIMARY }, toRegion: null } }, ['task']],
  ['trigger missing', { ...valid, state: { ...state, trigger: undefined } }, ['task']],
  ['trigger.at not a date', { ...valid, state: { ...state, trigger: { source: 'alarm', at: 'soon' } } }, ['task']],
  ['an unknown action', { ...valid, action: 'explode' }, ['dispatch']],
  ['an action of the wrong type', { ...valid, action: { toString: 1 } }, ['dispatch']],
  ['an action as an array', { ...valid, action: ['fence'] }, ['dispatch']],
  ['alarm detail missing', { ...valid, detail: undefined }, ['alarm']],
  ['alarm state value unknown', { ...valid, detail: { alarmName: 'x', state: { value: 'MAYBE' } } }, ['alarm']],
  ['time not ISO', { ...valid, time: 'yesterday' }, ['alarm']],
  ['a prototype-polluting key', JSON.parse(`{"__proto__": {"polluted": true}, "state": ${JSON.stringify({ ...state, incidentId: '' })}}`), ['task', 'alarm']],
];

describe.each(Object.entries(tasks))('%s refuses malformed events with InvalidInputError', (name, { run, valid }) => {
  const kinds: readonly Kind[] = name === 'alarm-trigger' ? ['alarm'] : name === 'approval-request' ? ['task'] : ['task', 'dispatch'];
  it.each(malformed(valid))('%s', async (_label, event, breaks) => {
    const outcome = await run(event).then(
      (value) => ({ ok: true as const, value }),
      (err: Error) => ({ ok: false as const, name: err.name, message: err.message }),
    );
    if (breaks.some((k) => kinds.includes(k))) {
      expect(outcome).toMatchObject({ ok: false, name: 'InvalidInputError' });
      if (!outcome.ok) expect(outcome.message.length).toBeGreaterThan(10);
    } else {
      // Fields this handler does not read: handled as the valid event, not crashed on.
      expect(outcome).toMatchObject({ ok: true });
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('the valid event of the same shape is accepted (the refusals above are about the malformation)', async () => {
    await expect(run(valid)).resolves.toBeDefined();
  });
});

describe('approval-callback answers malformed HTTP requests with a 4xx page, never a throw or a 500', () => {
  const handler = approvalCallback({
    ...common,
    approvals: world.approvals,
    callbacks: new TaskTokenBroker(),
    signingKey: async () => SIGNING_KEY,
    challenges: new InMemoryApproverChallenges(),
    notifier: world.notifier,
    tasks: new LocalApprovalTaskReader(() => undefined),
    approverRoleNames: [],
    logger: quiet('approval-callback'),
  }) as unknown as (e: APIGatewayProxyEvent, c: typeof ctx) => Promise<APIGatewayProxyResult>;
  const base = apiEvent('GET', 'https://a.example.test/prod/approvals/AAAAAAAAAAAAAAAAAAAAAA?exp=1&sig=x');
  const cases: Array<[string, Partial<APIGatewayProxyEvent> | Record<string, unknown>, number]> = [
    ['no method, no path', { httpMethod: undefined, path: undefined }, 404],
    ['a path outside /approvals', { path: '/../../etc/passwd' }, 404],
    ['an id with odd characters', { path: '/approvals/%00%ff<script>' }, 404],
    ['no query at all', { queryStringParameters: null }, 400],
    ['a non-numeric expiry', { queryStringParameters: { exp: '1e12', sig: 'x'.repeat(43) } }, 400],
    ['an enormous query string', { queryStringParameters: { exp: '1', sig: 'x'.repeat(10_000) } }, 414],
    ['a POST with no body', { httpMethod: 'POST', body: null }, 400],
    ['a POST with a body that is not a form', { httpMethod: 'POST', body: '{"decision":"approve"}' }, 400],
    ['a POST with broken percent-encoding', { httpMethod: 'POST', body: 'csrf=%E0%A4%A&decision=%' }, 400],
    ['a POST with a huge body', { httpMethod: 'POST', body: `csrf=${'a'.repeat(20_000)}` }, 413],
    ['a POST whose base64 body is garbage', { httpMethod: 'POST', body: '!!!not-base64!!!', isBase64Encoded: true }, 400],
    ['an unknown method', { httpMethod: 'PATCH' }, 405],
    ['a lower-case method', { httpMethod: 'post', body: 'decision=approve' }, 400],
  ];
  it.each(cases)('%s -> %s page', async (_label, patch, status) => {
    const res = await handler({ ...base, ...patch } as APIGatewayProxyEvent, ctx);
    expect(res.statusCode).toBe(status);
    expect(res.headers?.['content-type']).toMatch(/^text\/html/);
  });
});
