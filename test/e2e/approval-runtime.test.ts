import { readFileSync } from 'node:fs';
import { createHandler as approvalCallback } from '../../functions/approval-callback/handler';
import { createHandler as approvalRequest } from '../../functions/approval-request/handler';
import { createLogger } from '../../functions/shared/middleware';
import { FAILOVER_ASL } from '../../local/control-plane';
import { allStates, LocalStateMachine } from '../../local/runtime/local-state-machine';
import { TaskTokenBroker } from '../../local/runtime/task-token-broker';
import { InMemoryApprovalStore, InMemoryAuditLog, LocalNotifier, type OutboxMessage } from '../../local/world/adapters';
import { fakeLambdaContext, toApiGatewayEvent } from '../../local/world/approval-server';
import { answerApproval } from '../../local/approver';
import { InMemoryApproverChallenges, LocalApprovalTaskReader, LocalExecutions } from '../../local/approver-state';
import { SimNetwork } from '../../local/sim/network';
import { createRng } from '../../local/sim/random';
import { approvalEvent, APPROVER, testConfig } from '../support/approval-fixtures';
import { useVirtualTime } from '../support/virtual-time';

// TimeoutSecondsPath runs on the virtual clock: the 60 s timeout costs no real time.
useVirtualTime();

const FN = 'arn:aws:lambda:us-east-1:000000000000:function:orders-approval-request-local';
type States = Record<string, Record<string, unknown>>;
const definition = JSON.parse(readFileSync(FAILOVER_ASL, 'utf8')) as { States: States };
const prepare = definition.States.PrepareStandby as {
  Branches: Array<{ StartAt: string; States: States }>;
  Catch: Array<{ ErrorEquals: string[]; Next: string }>;
};
const approvalBranch = prepare.Branches.find((b) => JSON.stringify(b).includes('RequestApproval'))!;

/**
 * The approval branch of the real definition on the local runtime, with the real approval-request and
 * approval-callback handlers (behind API Gateway's event shape, on the drill's simulated network) and the
 * task-token broker. No Parallel, no world: only what decides whether the link still works. The handlers' clock
 * stands still, so the link never expires by itself here: only the task's own timeout can end the wait.
 */
function approvalRuntime() {
  const config = testConfig();
  const approvals = new InMemoryApprovalStore();
  const notifier = new LocalNotifier();
  const audit = new InMemoryAuditLog();
  const broker = new TaskTokenBroker();
  const frozen = Date.now();
  const clock = { now: () => frozen };
  const key = Buffer.from('approval-runtime-test-key-32-bytes!');
  const signingKey = async () => key;
  const challenges = new InMemoryApproverChallenges();
  const executions = new LocalExecutions();
  const callback = approvalCallback({
    config,
    approvals,
    callbacks: broker,
    audit,
    clock,
    signingKey,
    challenges,
    notifier,
    tasks: new LocalApprovalTaskReader((id) => executions.get(id)),
    approverRoleNames: [],
    logger: createLogger('approval-callback', 'SILENT'),
  });
  const net = new SimNetwork(createRng(1), ['us-east-1', 'us-west-2']);
  const base = net.host('approvals.test', 'us-west-2', async (req) => {
    const r = await callback(
      toApiGatewayEvent(req.method, `${req.url.pathname}${req.url.search}`, req.body, { ...req.headers }),
      fakeLambdaContext('approval-callback'),
    );
    return { status: r.statusCode, headers: {}, body: req.method === 'HEAD' ? '' : r.body };
  });
  const request = approvalRequest({
    config,
    approvals,
    challenges,
    notifier,
    audit,
    clock,
    signingKey,
    approvalBaseUrl: base,
    logger: createLogger('approval-request', 'SILENT'),
  });
  const machine = new LocalStateMachine(
    JSON.stringify({ StartAt: approvalBranch.StartAt, States: approvalBranch.States }),
    { ApprovalRequestFunctionArn: FN },
    { lambdas: { [FN]: (p) => request(p, fakeLambdaContext('approval-request')) }, snsPublish: async () => undefined },
    { broker },
  );
  executions.watch(machine);
  const email = new Promise<OutboxMessage>((resolve) => notifier.on((m) => m.topic === 'approval' && resolve(m)));
  return { machine, approvals, broker, net, base, email, audit, notifier };
}

/** Opens the link, then decides as the approver does: a code to the listed address, read from the outbox, and Approve. */
async function submit(rt: { net: SimNetwork; notifier: LocalNotifier }, url: string) {
  const page = await rt.net.request(url, { from: 'clients', timeoutMs: 10_000 });
  return { page, res: await answerApproval(rt, url, 'approve', APPROVER) };
}

describe('the approval branch of failover.asl.json on the local runtime', () => {
  it('an unanswered request fails the branch with ApprovalTimedOut after TimeoutSecondsPath', async () => {
    const rt = approvalRuntime();
    const state = { ...approvalEvent({ timeoutSeconds: 60 }).state };
    const started = Date.now();
    const result = await rt.machine.start(state, 'inc-timeout').result;
    expect(result).toMatchObject({ status: 'FAILED', error: 'ApprovalTimedOut' });
    // By the runtime's own timer, after exactly the 60 s (plus the Lambda's own time): virtual time, no real wait.
    expect(Date.now() - started).toBeGreaterThanOrEqual(60_000);
    expect(rt.broker.pending).toBe(0);
  });

  it('a click after Step Functions stopped waiting gets the 410 page and the record ends EXPIRED', async () => {
    const rt = approvalRuntime();
    const state = { ...approvalEvent({ timeoutSeconds: 60 }).state };
    const ex = rt.machine.start(state, 'inc-late');
    const url = (await rt.email).body.split('\n').find((l) => l.startsWith(rt.base))!;
    await ex.result;
    const { page, res } = await submit(rt, url);
    // The link itself is still within its own expiry (the handlers' clock stands still), so only the task knows.
    expect(page.status).toBe(200);
    expect(res.status).toBe(410);
    expect(res.body).toContain('Too late');
    expect([...rt.approvals.records.values()][0]).toMatchObject({ status: 'EXPIRED', decidedBy: APPROVER });
    expect(rt.audit.entries.map((e) => e.outcome)).toContain('LATE');
  });

  it('a click in time settles the branch with the decision, and the second click gets 409', async () => {
    const rt = approvalRuntime();
    const state = { ...approvalEvent({ timeoutSeconds: 3_600 }).state };
    const ex = rt.machine.start(state, 'inc-ok');
    const url = (await rt.email).body.split('\n').find((l) => l.startsWith(rt.base))!;
    expect((await submit(rt, url)).res.status).toBe(200);
    const result = await ex.result;
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { decision: 'APPROVED', approver: APPROVER } });
    expect((await submit(rt, url)).page.status).toBe(409);
  });
});

describe('the definition routes only an unanswered approval to the timeout policy', () => {
  it('ApprovalTimedOut comes only from RequestApproval\'s own States.Timeout, so a slow ScaleStandby cannot "proceed on timeout"', () => {
    const all = allStates(definition as never);
    const producers = all.filter(([, s]) => s.Type === 'Fail' && s.Error === 'ApprovalTimedOut').map(([n]) => n);
    expect(producers.sort()).toEqual(['ApprovalExpired', 'TimedOut']);
    const toTimeout = prepare.Catch.find((c) => c.Next === 'NotifyApprovalTimedOut');
    expect(toTimeout?.ErrorEquals).toEqual(['ApprovalTimedOut']);
    const requestApproval = approvalBranch.States.RequestApproval as { Catch: Array<{ ErrorEquals: string[]; Next: string }>; TimeoutSecondsPath: string };
    expect(requestApproval.Catch).toEqual([expect.objectContaining({ ErrorEquals: ['States.Timeout'], Next: 'ApprovalExpired' })]);
    expect(requestApproval.TimeoutSecondsPath).toBe('$.dataRisk.approval.timeoutSeconds');
  });
});
