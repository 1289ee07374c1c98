import { readFileSync } from 'node:fs';
import { createHandler as approvalCallback } from '../../functions/approval-callback/handler';
import { createHandler as approvalRequest } from '../../functions/approval-request/handler';
import { createLogger } from '../../functions/shared/middleware';
import { FAILOVER_ASL } from '../../local/control-plane';
import { allStates, LocalStateMachine } from '../../local/runtime/local-state-machine';
import { TaskTokenBroker } from '../../local/runtime/task-token-broker';
import { InMemoryApprovalStore, InMemoryAuditLog, LocalNotifier, type OutboxMessage } from '../../local/world/adapters';
import { ApprovalServer, fakeLambdaContext } from '../../local/world/approval-server';
import { httpCall } from '../../local/world/http';
import { approvalEvent, APPROVER, testConfig } from '../unit/approval-fixtures';

const FN = 'arn:aws:lambda:us-east-1:000000000000:function:orders-approval-request-local';
type States = Record<string, Record<string, unknown>>;
const definition = JSON.parse(readFileSync(FAILOVER_ASL, 'utf8')) as { States: States };
const prepare = definition.States.PrepareStandby as { Branches: Array<{ StartAt: string; States: States }>; Catch: Array<{ ErrorEquals: string[]; Next: string }> };
const approvalBranch = prepare.Branches.find((b) => JSON.stringify(b).includes('RequestApproval'))!;

/**
 * The approval branch of the real definition on the local runtime, with the real approval-request and
 * approval-callback handlers, the task-token broker and the drill's approval server. No Parallel, no world:
 * only what decides whether the link still works.
 */
async function approvalRuntime() {
  const config = testConfig();
  const approvals = new InMemoryApprovalStore();
  const notifier = new LocalNotifier();
  const audit = new InMemoryAuditLog();
  const broker = new TaskTokenBroker();
  const clock = { now: () => Date.now() };
  const key = Buffer.from('approval-runtime-test-key-32-bytes!');
  const signingKey = async () => key;
  const server = new ApprovalServer(approvalCallback({ config, approvals, callbacks: broker, audit, clock, signingKey, logger: createLogger('approval-callback', 'SILENT') }));
  await server.start();
  const request = approvalRequest({ config, approvals, notifier, audit, clock, signingKey, approvalBaseUrl: server.url, logger: createLogger('approval-request', 'SILENT') });
  const machine = new LocalStateMachine(
    JSON.stringify({ StartAt: approvalBranch.StartAt, States: approvalBranch.States }),
    { ApprovalRequestFunctionArn: FN },
    { lambdas: { [FN]: (p) => request(p, fakeLambdaContext('approval-request')) }, snsPublish: async () => undefined },
    { timeScale: 600, broker },
  );
  const email = new Promise<OutboxMessage>((resolve) => notifier.on(resolve));
  return { machine, approvals, broker, server, email, audit };
}

async function submit(url: string) {
  const page = await httpCall(url);
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
  const body = new URLSearchParams({ csrf, decision: 'approve', approver: APPROVER }).toString();
  return { page, res: await httpCall(url, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } }) };
}

describe('the approval branch of failover.asl.json on the local runtime', () => {
  it('an unanswered request fails the branch with ApprovalTimedOut after TimeoutSecondsPath (scaled)', async () => {
    const rt = await approvalRuntime();
    try {
      // 60 AWS seconds at 600x: the branch gives up after 100 ms of real time, by the runtime's own timer.
      const state = { ...approvalEvent({ timeoutSeconds: 60 }).state };
      const result = await rt.machine.start(state, 'inc-timeout').result;
      expect(result).toMatchObject({ status: 'FAILED', error: 'ApprovalTimedOut' });
      expect(rt.broker.pending).toBe(0);
    } finally {
      await rt.server.stop();
    }
  });

  it('a click after Step Functions stopped waiting gets the 410 page and the record ends EXPIRED', async () => {
    const rt = await approvalRuntime();
    try {
      const state = { ...approvalEvent({ timeoutSeconds: 60 }).state };
      const ex = rt.machine.start(state, 'inc-late');
      const url = (await rt.email).body.split('\n').find((l) => l.startsWith(rt.server.url))!;
      await ex.result;
      const { page, res } = await submit(url);
      // The link itself is still within its own expiry (AWS time is not scaled for the record), so only the task knows.
      expect(page.status).toBe(200);
      expect(res.status).toBe(410);
      expect(res.body).toContain('Too late');
      expect([...rt.approvals.records.values()][0]).toMatchObject({ status: 'EXPIRED', decidedBy: APPROVER });
      expect(rt.audit.entries.map((e) => e.outcome)).toContain('LATE');
    } finally {
      await rt.server.stop();
    }
  });

  it('a click in time settles the branch with the decision, and the second click gets 409', async () => {
    const rt = await approvalRuntime();
    try {
      const state = { ...approvalEvent({ timeoutSeconds: 3_600 }).state };
      const ex = rt.machine.start(state, 'inc-ok');
      const url = (await rt.email).body.split('\n').find((l) => l.startsWith(rt.server.url))!;
      expect((await submit(url)).res.status).toBe(200);
      const result = await ex.result;
      expect(result).toMatchObject({ status: 'SUCCEEDED', output: { decision: 'APPROVED', approver: APPROVER } });
      expect((await submit(url)).page.status).toBe(409);
    } finally {
      await rt.server.stop();
    }
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
