import { handleApprovalRequest, type HttpRequest, type HttpResponse } from '../../functions/approval-callback/approval-callback';
import { requestApproval } from '../../functions/approval-request/approval-request';
import { TransientError } from '../../functions/shared/errors';
import { TaskNoLongerWaitingError } from '../../functions/shared/ports';
import { signLink } from '../../functions/shared/signing';
import { APPROVER, approvalEvent, callbackDeps, FakeApprovalStore, FakeClock, linkParts, OTHER_KEY, requestDeps, T0, TASK_TOKEN } from './approval-fixtures';

/** Issues a real request (record + signed link) the way RequestApproval does, and returns what the endpoint needs. */
async function issued(opts: { rpoWithinTarget?: boolean; estimatedRpoMs?: number | null } = {}) {
  const clock = new FakeClock();
  const approvals = new FakeApprovalStore();
  const out = await requestApproval(approvalEvent(opts), requestDeps({ approvals, clock }));
  const deps = callbackDeps(approvals, clock);
  const { path, query } = linkParts(out.url);
  const record = () => approvals.records.get(out.approvalId)!;
  const get = (method = 'GET', q: Record<string, string | undefined> = query, p = path): Promise<HttpResponse> => handleApprovalRequest({ method, path: p, query: q, form: {} }, deps);
  const post = (form: Record<string, string>, q: Record<string, string | undefined> = query): Promise<HttpResponse> => handleApprovalRequest({ method: 'POST', path, query: q, form }, deps);
  const validForm = (extra: Record<string, string> = {}) => ({ csrf: record().csrfToken, decision: 'approve', approver: APPROVER, reason: '', ...extra });
  return { out, clock, approvals, deps, path, query, record, get, post, validForm };
}

const nothingDecided = (t: Awaited<ReturnType<typeof issued>>) => {
  expect(t.record().status).toBe('PENDING');
  expect(t.deps.callbacks.calls).toHaveLength(0);
};

describe('approval-callback: opening the link (what a mail scanner does) decides nothing', () => {
  it('GET renders the request: verdict, regions, estimated data loss, and a form with the CSRF token', async () => {
    const t = await issued();
    const res = await t.get();
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<strong id="verdict">FAILOVER_WARRANTED</strong>');
    expect(res.body).toContain('from us-east-1 to us-west-2');
    expect(res.body).toMatch(/id="rpo">Estimated data loss <strong>1\.2 s<\/strong>, within the RPO target of 5\.0 s/);
    expect(res.body).toContain(`name="csrf" value="${t.record().csrfToken}"`);
    nothingDecided(t);
  });

  it('GET any number of times writes nothing to the store', async () => {
    const t = await issued();
    const before = [...t.approvals.writes];
    for (let i = 0; i < 5; i++) expect((await t.get()).statusCode).toBe(200);
    expect(t.approvals.writes).toEqual(before);
    nothingDecided(t);
  });

  it('the form posts back to the same link: its action keeps exp and sig', async () => {
    const t = await issued();
    const action = /<form method="post" action="([^"]*)"/.exec((await t.get()).body)?.[1]?.replace(/&amp;/g, '&');
    const resolved = new URL(action!, t.out.url);
    expect(resolved.toString()).toBe(t.out.url);
  });

  it('HEAD answers with the GET headers and no body, and decides nothing', async () => {
    const t = await issued();
    const res = await t.get('HEAD');
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    nothingDecided(t);
  });

  it('pages are never cached, framed or leaked through Referer', async () => {
    const t = await issued();
    const { headers } = await t.get();
    expect(headers).toMatchObject({ 'cache-control': 'no-store', 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer', 'x-content-type-options': 'nosniff' });
    expect(headers['content-security-policy']).toContain("form-action 'self'");
  });

  it('no response ever contains the task token', async () => {
    const t = await issued();
    const bodies = [(await t.get()).body, (await t.post({})).body, (await t.post(t.validForm())).body, (await t.get()).body];
    for (const b of bodies) expect(b).not.toContain(TASK_TOKEN);
  });

  it('an unknown method gets 405 with Allow, and decides nothing', async () => {
    const t = await issued();
    for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const res = await t.get(method);
      expect(res.statusCode).toBe(405);
      expect(res.headers.allow).toBe('GET, HEAD, POST');
    }
    nothingDecided(t);
  });
});

describe('approval-callback: a forged, tampered or broken link gets a 4xx page', () => {
  it('a changed signature gets 403', async () => {
    const t = await issued();
    const sig = t.query.sig;
    const res = await t.get('GET', { ...t.query, sig: `${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}` });
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('Invalid link');
  });

  it('a later expiry with the old signature gets 403 (the expiry is signed)', async () => {
    const t = await issued();
    const res = await t.get('GET', { ...t.query, exp: String(Number(t.query.exp) + 3_600_000) });
    expect(res.statusCode).toBe(403);
  });

  it('another approval id with this signature gets 403 (the id is signed)', async () => {
    const t = await issued();
    const res = await t.get('GET', t.query, '/approvals/AAAAAAAAAAAAAAAAAAAAAA');
    expect(res.statusCode).toBe(403);
  });

  it('a link signed with another key gets 403', async () => {
    const t = await issued();
    const sig = signLink(OTHER_KEY, t.out.approvalId, t.out.expiresAt, 'regional-failover');
    expect((await t.get('GET', { ...t.query, sig })).statusCode).toBe(403);
  });

  it('a validly signed link whose expiry is not the record\'s gets 403 (expiry checked against the record too)', async () => {
    const t = await issued();
    const exp = t.out.expiresAt + 60_000;
    const { deps } = t;
    const sig = signLink(Buffer.from('unit-test-signing-key-of-32-bytes!!'), t.out.approvalId, exp, 'regional-failover');
    const res = await handleApprovalRequest({ method: 'GET', path: t.path, query: { exp: String(exp), sig }, form: {} }, deps);
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('does not match');
  });

  it('a missing signature or expiry gets 400', async () => {
    const t = await issued();
    expect((await t.get('GET', { exp: t.query.exp })).statusCode).toBe(400);
    expect((await t.get('GET', { sig: t.query.sig })).statusCode).toBe(400);
    expect((await t.get('GET', {})).statusCode).toBe(400);
  });

  it('an expiry that is not plain digits gets 400 rather than being coerced', async () => {
    const t = await issued();
    for (const exp of ['1e15', '0x1F', ' 1735787045000', '-1', '1735787045000.5', '9'.repeat(400)]) {
      expect((await t.get('GET', { ...t.query, exp })).statusCode).toBe(400);
    }
  });

  it('a huge or garbled signature gets 400', async () => {
    const t = await issued();
    expect((await t.get('GET', { ...t.query, sig: 'A'.repeat(100_000) })).statusCode).toBe(400);
    expect((await t.get('GET', { ...t.query, sig: '%E0%A4%A' })).statusCode).toBe(400);
  });

  it('a path that is not an approval gets 404', async () => {
    const t = await issued();
    expect((await t.get('GET', t.query, '/approvals/../../etc/passwd')).statusCode).toBe(404);
    expect((await t.get('GET', t.query, '/')).statusCode).toBe(404);
    expect((await t.get('GET', t.query, '/approvals/%E0%A4%A')).statusCode).toBe(404);
  });

  it('a well-signed link for a record that does not exist gets 404', async () => {
    const t = await issued();
    t.approvals.records.clear();
    expect((await t.get()).statusCode).toBe(404);
  });
});

describe('approval-callback: submitting the form', () => {
  it('approve: 200, the record says who approved, and Step Functions gets SendTaskSuccess with the token', async () => {
    const t = await issued();
    const res = await t.post(t.validForm());
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Failover approved');
    expect(t.record()).toMatchObject({ status: 'APPROVED', decidedBy: APPROVER, decidedAt: T0 });
    expect(t.deps.callbacks.calls).toEqual([{ kind: 'success', token: TASK_TOKEN, output: expect.objectContaining({ decision: 'APPROVED', approver: APPROVER, approvalId: t.out.approvalId }) }]);
    expect(t.deps.audit.entries.at(-1)).toMatchObject({ step: 'ApprovalDecision', outcome: 'APPROVED' });
  });

  it('reject with a reason: 200 and SendTaskFailure ApprovalRejected carrying the reason', async () => {
    const t = await issued();
    const res = await t.post(t.validForm({ decision: 'reject', reason: 'false alarm: the canary host was patched' }));
    expect(res.statusCode).toBe(200);
    expect(t.record()).toMatchObject({ status: 'REJECTED', reason: 'false alarm: the canary host was patched' });
    expect(t.deps.callbacks.calls).toEqual([{ kind: 'failure', token: TASK_TOKEN, error: 'ApprovalRejected', cause: `Rejected by ${APPROVER}: false alarm: the canary host was patched` }]);
  });

  it('reject without a reason gets 400 and decides nothing', async () => {
    const t = await issued();
    const res = await t.post(t.validForm({ decision: 'reject', reason: '   ' }));
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Reason needed');
    nothingDecided(t);
  });

  it('an auto-posted form without the CSRF token (a scanner) gets 403 and decides nothing', async () => {
    const t = await issued();
    const res = await t.post({ decision: 'approve', approver: APPROVER });
    expect(res.statusCode).toBe(403);
    nothingDecided(t);
  });

  it('a wrong CSRF token gets 403 and decides nothing', async () => {
    const t = await issued();
    expect((await t.post(t.validForm({ csrf: `${t.record().csrfToken}x` }))).statusCode).toBe(403);
    expect((await t.post(t.validForm({ csrf: t.query.sig }))).statusCode).toBe(403);
    nothingDecided(t);
  });

  it('a POST with none of the form fields gets a 4xx and decides nothing', async () => {
    const t = await issued();
    expect((await t.post({})).statusCode).toBe(403);
    nothingDecided(t);
  });

  it('the form submitted without pressing a button (no decision) gets 400', async () => {
    const t = await issued();
    const res = await t.post(t.validForm({ decision: '' }));
    expect(res.statusCode).toBe(400);
    nothingDecided(t);
  });

  it('without an approver email gets 400; an email not on the list gets 403', async () => {
    const t = await issued();
    expect((await t.post(t.validForm({ approver: '' }))).statusCode).toBe(400);
    expect((await t.post(t.validForm({ approver: 'mallory@example.com' }))).statusCode).toBe(403);
    expect((await t.post(t.validForm({ approver: `${APPROVER}.evil.com` }))).statusCode).toBe(403);
    nothingDecided(t);
    expect(t.deps.audit.entries.filter((e) => e.outcome === 'REFUSED').map((e) => (e.detail as { why: string }).why)).toEqual(['no-approver', 'not-approver', 'not-approver']);
  });

  it('the approver email is matched without regard to case or surrounding spaces', async () => {
    const t = await issued();
    const res = await t.post(t.validForm({ approver: '  second.approver@EXAMPLE.com ' }));
    expect(res.statusCode).toBe(200);
    expect(t.record().decidedBy).toBe('second.approver@example.com');
  });

  it('a reason over 500 characters gets 400', async () => {
    const t = await issued();
    expect((await t.post(t.validForm({ decision: 'reject', reason: 'x'.repeat(501) }))).statusCode).toBe(400);
    nothingDecided(t);
  });

  it('over the RPO target, approving needs the data-loss box ticked', async () => {
    const t = await issued({ estimatedRpoMs: 30_000, rpoWithinTarget: false });
    const page = (await t.get()).body;
    expect(page).toContain('name="acceptDataLoss"');
    expect(page).toContain('<strong>over</strong> the RPO target');
    expect((await t.post(t.validForm())).statusCode).toBe(400);
    nothingDecided(t);
    expect((await t.post(t.validForm({ acceptDataLoss: 'yes' }))).statusCode).toBe(200);
  });

  it('within the RPO target the page has no data-loss box', async () => {
    const t = await issued();
    expect((await t.get()).body).not.toContain('acceptDataLoss');
  });
});

describe('approval-callback: single use, expiry and late answers', () => {
  it('a second submit of the same form gets 409 and does not call Step Functions again', async () => {
    const t = await issued();
    const form = t.validForm();
    expect((await t.post(form)).statusCode).toBe(200);
    const again = await t.post(form);
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain(`already approved by ${APPROVER}`);
    expect(t.deps.callbacks.calls).toHaveLength(1);
  });

  it('after a decision, opening the link shows 409 "already decided"', async () => {
    const t = await issued();
    await t.post(t.validForm());
    expect((await t.get()).statusCode).toBe(409);
  });

  it('two racing submits: exactly one wins, the other gets 409', async () => {
    const t = await issued();
    // Both requests pass the link checks before either writes: the conditional decide is the only guard left.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let waiting = 0;
    let bothWaiting!: () => void;
    const both = new Promise<void>((r) => (bothWaiting = r));
    t.approvals.beforeDecide = async () => {
      if (++waiting === 2) bothWaiting();
      await gate;
    };
    const a = t.post(t.validForm());
    const b = t.post(t.validForm({ decision: 'reject', reason: 'not needed' }));
    await both;
    release();
    const codes = (await Promise.all([a, b])).map((r) => r.statusCode).sort();
    expect(codes).toEqual([200, 409]);
    expect(t.deps.callbacks.calls).toHaveLength(1);
  });

  it('after the expiry, GET shows 410 and leaves the record alone', async () => {
    const t = await issued();
    t.clock.t = t.out.expiresAt;
    const res = await t.get();
    expect(res.statusCode).toBe(410);
    expect(res.body).toContain('Link expired');
    expect(t.record().status).toBe('PENDING');
  });

  it('after the expiry, POST gets 410 and marks the record EXPIRED without calling Step Functions', async () => {
    const t = await issued();
    const form = t.validForm();
    t.clock.t = t.out.expiresAt + 1;
    expect((await t.post(form)).statusCode).toBe(410);
    expect(t.record().status).toBe('EXPIRED');
    expect(t.deps.callbacks.calls).toHaveLength(0);
  });

  it('a record marked EXPIRED shows 410 even before its time', async () => {
    const t = await issued();
    t.approvals.records.set(t.out.approvalId, { ...t.record(), status: 'EXPIRED' });
    expect((await t.get()).statusCode).toBe(410);
  });

  it('a late click after TaskTimedOut gets 410 and the record ends EXPIRED, not APPROVED', async () => {
    const t = await issued();
    t.deps.callbacks.fail = new TaskNoLongerWaitingError('TaskTimedOut');
    const res = await t.post(t.validForm());
    expect(res.statusCode).toBe(410);
    expect(res.body).toContain('Too late');
    expect(t.record()).toMatchObject({ status: 'EXPIRED', decidedBy: APPROVER });
    expect(t.record().reason).toContain('after Step Functions stopped waiting');
    expect(t.deps.audit.entries.at(-1)).toMatchObject({ outcome: 'LATE' });
    expect((await t.get()).statusCode).toBe(410);
  });

  it('a failed delivery reopens the request, so the approver can simply retry', async () => {
    const t = await issued();
    t.deps.callbacks.fail = new TransientError('SendTaskSuccess throttled');
    await expect(t.post(t.validForm())).rejects.toBeInstanceOf(TransientError);
    expect(t.record().status).toBe('PENDING');
    t.deps.callbacks.fail = undefined;
    expect((await t.post(t.validForm())).statusCode).toBe(200);
    expect(t.record().status).toBe('APPROVED');
  });
});

describe('approval-callback: request shapes', () => {
  it('accepts the method in any case', async () => {
    const t = await issued();
    const req: HttpRequest = { method: 'get', path: t.path, query: t.query, form: {} };
    expect((await handleApprovalRequest(req, t.deps)).statusCode).toBe(200);
  });
});
