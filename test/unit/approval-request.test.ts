import { APPROVAL_ACTION, requestApproval } from '../../functions/approval-request/approval-request';
import { createHandler } from '../../functions/approval-request/handler';
import { InvalidInputError } from '../../functions/shared/errors';
import { createLogger } from '../../functions/shared/middleware';
import { verifyLink } from '../../functions/shared/signing';
import { fakeLambdaContext } from '../../local/world/approval-server';
import { approvalEvent, captureOutput, KEY, OTHER_KEY, requestDeps, TASK_TOKEN, testConfig } from '../support/approval-fixtures';
import { T0 } from '../support/virtual-time';

describe('approval-request: the emailed link', () => {
  it('keeps the task token in the store under a random id; the link carries only id, exp and sig', async () => {
    // Prepare
    const deps = requestDeps();
    // Act
    const out = await requestApproval(approvalEvent(), deps);
    // Assess
    const record = deps.approvals.records.get(out.approvalId);
    expect(record).toMatchObject({
      taskToken: TASK_TOKEN,
      status: 'PENDING',
      action: APPROVAL_ACTION,
      executionId: 'arn:aws:states:us-west-2:111122223333:execution:failover:inc42',
    });
    const url = new URL(out.url);
    expect(url.origin + url.pathname).toBe(`https://abc123.execute-api.us-west-2.amazonaws.com/prod/approvals/${out.approvalId}`);
    expect([...url.searchParams.keys()]).toEqual(['exp', 'sig']);
    expect(out.url).not.toContain(TASK_TOKEN);
    expect(out.url).not.toContain(encodeURIComponent(TASK_TOKEN));
  });

  it('signs id, expiry and action with the signing key, so another key or action does not verify', async () => {
    const deps = requestDeps();
    const out = await requestApproval(approvalEvent(), deps);
    const sig = new URL(out.url).searchParams.get('sig')!;
    expect(verifyLink(KEY, out.approvalId, out.expiresAt, APPROVAL_ACTION, sig)).toBe(true);
    expect(verifyLink(OTHER_KEY, out.approvalId, out.expiresAt, APPROVAL_ACTION, sig)).toBe(false);
    expect(verifyLink(KEY, out.approvalId, out.expiresAt, 'regional-failback', sig)).toBe(false);
    expect(verifyLink(KEY, out.approvalId, out.expiresAt + 1, APPROVAL_ACTION, sig)).toBe(false);
  });

  it('expires the link exactly when the task stops waiting: now + state.dataRisk.approval.timeoutSeconds', async () => {
    const deps = requestDeps();
    const out = await requestApproval(approvalEvent({ timeoutSeconds: 600 }), deps);
    expect(out.expiresAt).toBe(T0 + 600_000);
    expect(new URL(out.url).searchParams.get('exp')).toBe(String(T0 + 600_000));
    expect(deps.approvals.records.get(out.approvalId)?.expiresAt).toBe(T0 + 600_000);
  });

  it('falls back to approval.timeoutSeconds from the config when the state carries none', async () => {
    const deps = requestDeps({ config: testConfig({ timeoutSeconds: 1_800 }) });
    const out = await requestApproval(approvalEvent({ timeoutSeconds: undefined }), deps);
    expect(out.expiresAt).toBe(T0 + 1_800_000);
  });

  it('refuses a timeout that is not a whole number of seconds in range, naming the field', async () => {
    const deps = requestDeps();
    await expect(requestApproval(approvalEvent({ timeoutSeconds: '900' }), deps)).rejects.toThrow(/state\.dataRisk\.approval\.timeoutSeconds/);
    await expect(requestApproval(approvalEvent({ timeoutSeconds: 0 }), deps)).rejects.toBeInstanceOf(InvalidInputError);
    await expect(requestApproval(approvalEvent({ timeoutSeconds: 90_000 }), deps)).rejects.toBeInstanceOf(InvalidInputError);
    expect(deps.approvals.records.size).toBe(0);
  });

  it('gives every request its own CSRF token, which appears neither in the link nor in the email', async () => {
    const deps = requestDeps();
    const a = await requestApproval(approvalEvent(), deps);
    const b = await requestApproval(approvalEvent(), deps);
    const csrfA = deps.approvals.records.get(a.approvalId)!.csrfToken;
    const csrfB = deps.approvals.records.get(b.approvalId)!.csrfToken;
    expect(csrfA).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(csrfA).not.toBe(csrfB);
    expect(a.approvalId).not.toBe(b.approvalId);
    expect(a.url).not.toContain(csrfA);
    expect(deps.notifier.sent[0].body).not.toContain(csrfA);
  });
});

describe('approval-request: the email', () => {
  it('shows the verdict, regions, evidence, estimated data loss against the target, the link and the timeout policy', async () => {
    const deps = requestDeps();
    const out = await requestApproval(approvalEvent({ estimatedRpoMs: 1_200 }), deps);
    const mail = deps.notifier.sent[0];
    expect(mail.topic).toBe('approval');
    expect(mail.subject).toBe('[DR] Approve failover of orders us-east-1 -> us-west-2?');
    expect(mail.body).toContain('Health verdict: FAILOVER_WARRANTED');
    expect(mail.body).toContain('FAIL canary:us-west-2->us-east-1: alarm orders-dr-canary in ALARM since 2025-01-02T03:02:05.000Z: timeout');
    expect(mail.body).toContain('moves from us-east-1 to us-west-2');
    expect(mail.body).toContain('Estimated data loss (replication lag): 1.2 s; RPO target 5.0 s.');
    expect(mail.body).toContain(out.url);
    expect(mail.body).toContain('opening it decides nothing');
    expect(mail.body).toContain('the failover is aborted and traffic stays where it is, and sre-leads@example.com are alerted');
    expect(mail.attributes).toEqual({ incidentId: 'orders-us-east-1-inc42', approvalId: out.approvalId });
  });

  it('flags an estimated loss over the target (or unknown) in the email', async () => {
    const deps = requestDeps();
    await requestApproval(approvalEvent({ estimatedRpoMs: null, rpoWithinTarget: false }), deps);
    expect(deps.notifier.sent[0].body).toContain('Estimated data loss (replication lag): unknown; RPO target 5.0 s  <-- OVER TARGET OR UNKNOWN.');
  });

  it('says the failover proceeds on timeout when the config says so', async () => {
    const deps = requestDeps({ config: testConfig({ onTimeout: 'proceed' }) });
    await requestApproval(approvalEvent(), deps);
    expect(deps.notifier.sent[0].body).toContain('the failover proceeds without a human decision');
  });

  it('never puts the task token in the email, the return value or the audit entry', async () => {
    const deps = requestDeps();
    const out = await requestApproval(approvalEvent(), deps);
    expect(JSON.stringify(deps.notifier.sent)).not.toContain(TASK_TOKEN);
    expect(JSON.stringify(out)).not.toContain(TASK_TOKEN);
    expect(deps.audit.entries).toHaveLength(1);
    expect(deps.audit.entries[0]).toMatchObject({ step: 'RequestApproval', outcome: 'REQUESTED', incidentId: 'orders-us-east-1-inc42' });
    expect(JSON.stringify(deps.audit.entries)).not.toContain(TASK_TOKEN);
  });
});

describe('approval-request: bad input', () => {
  it('refuses a payload without a task token', async () => {
    const deps = requestDeps();
    await expect(requestApproval(approvalEvent({ taskToken: undefined }), deps)).rejects.toThrow('approval-request needs a "taskToken"');
    expect(deps.notifier.sent).toHaveLength(0);
  });

  it('refuses a task token longer than Step Functions ever issues', async () => {
    const deps = requestDeps();
    await expect(requestApproval(approvalEvent({ taskToken: 'x'.repeat(1025) }), deps)).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('never asks a human about a dry run: nothing stored, nothing emailed', async () => {
    const deps = requestDeps();
    await expect(requestApproval(approvalEvent({ dryRun: true }), deps)).rejects.toThrow(/dry runs are never sent for approval/);
    expect(deps.approvals.records.size).toBe(0);
    expect(deps.notifier.sent).toHaveLength(0);
  });

  it('refuses a state without the execution id the link is bound to', async () => {
    const deps = requestDeps();
    await expect(requestApproval(approvalEvent({ execution: undefined }), deps)).rejects.toThrow(/state\.execution\.id is missing/);
  });

  it('names the bad field of a malformed request', async () => {
    const deps = requestDeps();
    const event = approvalEvent();
    (event.state as Record<string, unknown>).incidentId = 'has spaces';
    await expect(requestApproval(event, deps)).rejects.toThrow(/incidentId/);
  });
});

describe('approval-request handler (Middy chain)', () => {
  it('runs the use case and rethrows typed errors untouched, so the ASL Retry/Catch sees their name', async () => {
    const deps = requestDeps();
    const handler = createHandler({ ...deps, logger: createLogger('approval-request', 'SILENT') });
    const ok = await handler(approvalEvent(), fakeLambdaContext('approval-request'));
    expect(ok.url).toMatch(/\/approvals\/[A-Za-z0-9_-]{22}\?exp=\d+&sig=[A-Za-z0-9_-]{43}$/);
    await expect(handler({ state: {} }, fakeLambdaContext('approval-request'))).rejects.toMatchObject({ name: 'InvalidInputError' });
  });

  it('logs neither the event nor the task token, even when publishing fails', async () => {
    const deps = requestDeps();
    deps.notifier.fail = Object.assign(new Error('SNS Publish throttled'), { name: 'TransientError' });
    const lines = await captureOutput(async () => {
      const handler = createHandler({ ...deps, logger: createLogger('approval-request', 'DEBUG') });
      await expect(handler(approvalEvent(), fakeLambdaContext('approval-request'))).rejects.toMatchObject({ name: 'TransientError' });
    });
    expect(lines.join('')).toContain('task failed');
    expect(lines.join('')).not.toContain(TASK_TOKEN);
  });
});

describe('approval-request: who started it, the loss per store, and where to look', () => {
  it('drctl failover --reason reaches the email (cleaned, quoted) and the audit trail', async () => {
    const deps = requestDeps();
    const reason = 'game day: region evacuation drill\r\nApproved: yes\u202E';
    await requestApproval(approvalEvent({ trigger: { source: 'manual', at: new Date(T0 - 60_000).toISOString(), reason } }), deps);
    const mail = deps.notifier.sent[0];
    expect(mail.body).toContain('Started by: an operator (drctl failover)');
    expect(mail.body).toContain(`Operator's reason, quoted as typed: "game day: region evacuation drill Approved: yes"`);
    expect(mail.body).not.toMatch(/\r|\u202e/);
    expect(deps.audit.entries[0]).toMatchObject({
      outcome: 'REQUESTED',
      detail: { trigger: { source: 'manual', reason: 'game day: region evacuation drill Approved: yes' } },
    });
    expect([...deps.approvals.records.values()][0].summary.trigger).toEqual({
      source: 'manual',
      at: new Date(T0 - 60_000).toISOString(),
      reason: 'game day: region evacuation drill Approved: yes',
    });
  });

  it('the email lists the estimated loss per store, links to the execution and the dashboard, and names drctl approve', async () => {
    const deps = requestDeps();
    await requestApproval(approvalEvent({ estimatedRpoMs: 30_000, rpoWithinTarget: false }), deps);
    const body = deps.notifier.sent[0].body;
    expect(body).toContain('  orders: 30.0 s  (over target or unknown)');
    expect(body).toContain('  customers: 300 ms');
    expect(body).toContain(
      'Execution: https://us-west-2.console.aws.amazon.com/states/home?region=us-west-2#/v2/executions/details/arn%3Aaws%3Astates%3Aus-west-2%3A111122223333%3Aexecution%3Afailover%3Ainc42',
    );
    expect(body).toContain('Dashboard: https://us-west-2.console.aws.amazon.com/cloudwatch/home?region=us-west-2#dashboards/dashboard/orders-dr-us-west-2');
    expect(body).toContain('drctl approve inc42');
  });

  it('points the execution at this request, so drctl approve EXECUTION finds it', async () => {
    const deps = requestDeps();
    const out = await requestApproval(approvalEvent(), deps);
    expect(await deps.challenges.approvalOf('arn:aws:states:us-west-2:111122223333:execution:failover:inc42')).toBe(out.approvalId);
  });
});
