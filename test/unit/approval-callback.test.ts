import {
  handleApprovalRequest,
  isApproverPrincipal,
  MAX_CODE_ATTEMPTS,
  MAX_CODES_PER_ADDRESS,
  type HttpRequest,
  type HttpResponse,
} from '../../functions/approval-callback/approval-callback';
import { requestApproval } from '../../functions/approval-request/approval-request';
import { TransientError } from '../../functions/shared/errors';
import { TaskNoLongerWaitingError } from '../../functions/shared/ports';
import { signLink } from '../../functions/shared/signing';
import { InMemoryApproverChallenges } from '../../local/approver-state';
import {
  ACCOUNT,
  APPROVER,
  APPROVER_ROLE,
  APPROVER_SESSION,
  approvalEvent,
  callbackDeps,
  challengeOf,
  EXECUTION_ARN,
  FakeApprovalStore,
  linkParts,
  mailedCode,
  OTHER_KEY,
  requestDeps,
  TASK_TOKEN,
} from '../support/approval-fixtures';
import { FakeClock, T0 } from '../support/virtual-time';

/** Issues a real request (record + signed link) the way RequestApproval does, and returns what the endpoint needs. */
async function issued(opts: { rpoWithinTarget?: boolean; estimatedRpoMs?: number | null; trigger?: Record<string, unknown>; timeoutSeconds?: number } = {}) {
  const clock = new FakeClock();
  const approvals = new FakeApprovalStore();
  const challenges = new InMemoryApproverChallenges();
  const out = await requestApproval(approvalEvent(opts), requestDeps({ approvals, clock, challenges }));
  const deps = callbackDeps(approvals, clock, { challenges });
  const { path, query } = linkParts(out.url);
  const record = () => approvals.records.get(out.approvalId)!;
  const get = (method = 'GET', q: Record<string, string | undefined> = query, p = path): Promise<HttpResponse> =>
    handleApprovalRequest({ method, path: p, query: q, form: {} }, deps);
  const post = (form: Record<string, string>, q: Record<string, string | undefined> = query): Promise<HttpResponse> =>
    handleApprovalRequest({ method: 'POST', path, query: q, form }, deps);
  /** Step 1: ask for a code for `address`; returns the page and what the address's mailbox received. */
  const askCode = async (address = APPROVER) => {
    const res = await post({ csrf: record().csrfToken, step: 'code', approver: address });
    return { res, challenge: challengeOf(res.body), mail: mailedCode(deps.notifier, address) };
  };
  /** Step 2 with a code from the approver's own mailbox (a fresh one unless given). */
  const decideForm = async (extra: Record<string, string> = {}, address = APPROVER) => {
    const { challenge, mail } = await askCode(address);
    return { csrf: record().csrfToken, step: 'decide', challenge: challenge ?? '', code: mail?.code ?? '', decision: 'approve', reason: '', ...extra };
  };
  const iam = (body: unknown, principalArn: string | null = APPROVER_SESSION): Promise<HttpResponse> =>
    handleApprovalRequest(
      {
        method: 'POST',
        path: '/decisions',
        query: {},
        form: {},
        body: typeof body === 'string' ? body : JSON.stringify(body),
        accountId: ACCOUNT,
        ...(principalArn ? { principalArn } : {}),
      },
      deps,
    );
  return { out, clock, approvals, deps, path, query, record, get, post, askCode, decideForm, iam };
}

type Issued = Awaited<ReturnType<typeof issued>>;

const nothingDecided = (t: Issued) => {
  expect(t.record().status).toBe('PENDING');
  expect(t.deps.callbacks.calls).toHaveLength(0);
};

describe('approval-callback: opening the link (what a mail scanner does) decides nothing', () => {
  it('GET renders the request: verdict, regions, per-store loss, evidence with "since" times, console links, and only the ask-for-a-code form', async () => {
    const t = await issued();
    const res = await t.get();
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<strong id="verdict">FAILOVER_WARRANTED</strong>');
    expect(res.body).toContain('from us-east-1 to us-west-2');
    expect(res.body).toMatch(/id="rpo">Estimated data loss <strong>1\.2 s<\/strong>, within the RPO target of 5\.0 s/);
    expect(res.body).toMatch(/<table id="stores">.*<td>orders<\/td><td>1\.2 s<\/td>.*<td>customers<\/td><td>300 ms<\/td>/s);
    expect(res.body).toContain(
      '<code>FAIL canary:us-west-2-&gt;us-east-1: alarm orders-dr-canary in ALARM since 2025-01-02T03:02:05.000Z: timeout</code><span class="since">since 03:02:05 UTC, 2 Jan</span>',
    );
    expect(res.body).toContain('<span class="since">seen at the check, 03:03:10 UTC, 2 Jan</span>');
    expect(res.body).toContain(
      `href="https://us-west-2.console.aws.amazon.com/states/home?region=us-west-2#/v2/executions/details/${encodeURIComponent(EXECUTION_ARN)}"`,
    );
    expect(res.body).toContain('href="https://us-west-2.console.aws.amazon.com/cloudwatch/home?region=us-west-2#dashboards/dashboard/orders-dr-us-west-2"');
    expect(res.body).toContain(`name="csrf" value="${t.record().csrfToken}"`);
    expect(res.body).toContain('id="send-code"');
    // Deciding is a later step: the first page has no button that could approve.
    expect(res.body).not.toContain('value="approve"');
    expect(res.body).not.toContain('id="approve"');
    nothingDecided(t);
  });

  it('GET any number of times writes nothing to the store and sends nothing', async () => {
    const t = await issued();
    const before = [...t.approvals.writes];
    for (let i = 0; i < 5; i++) expect((await t.get()).statusCode).toBe(200);
    expect(t.approvals.writes).toEqual(before);
    expect(t.deps.notifier.sent).toEqual([]);
    nothingDecided(t);
  });

  it('the form posts back to the same link: its action keeps exp and sig', async () => {
    const t = await issued();
    const action = /<form method="post" action="([^"]*)"/.exec((await t.get()).body)?.[1]?.replace(/&amp;/g, '&');
    expect(new URL(action!, t.out.url).toString()).toBe(t.out.url);
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
    expect(headers).toMatchObject({
      'cache-control': 'no-store',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
    });
    expect(headers['content-security-policy']).toContain("form-action 'self'");
  });

  it('no response, mail or audit entry ever contains the task token', async () => {
    const t = await issued();
    const bodies = [(await t.get()).body, (await t.post({})).body, (await t.post(await t.decideForm())).body, (await t.get()).body];
    for (const b of bodies) expect(b).not.toContain(TASK_TOKEN);
    expect(JSON.stringify(t.deps.notifier.sent)).not.toContain(TASK_TOKEN);
    expect(JSON.stringify(t.deps.audit.entries)).not.toContain(TASK_TOKEN);
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
    expect((await t.get('GET', { ...t.query, exp: String(Number(t.query.exp) + 3_600_000) })).statusCode).toBe(403);
  });

  it('another approval id with this signature gets 403 (the id is signed)', async () => {
    const t = await issued();
    expect((await t.get('GET', t.query, '/approvals/AAAAAAAAAAAAAAAAAAAAAA')).statusCode).toBe(403);
  });

  it('a link signed with another key gets 403', async () => {
    const t = await issued();
    const sig = signLink(OTHER_KEY, t.out.approvalId, t.out.expiresAt, 'regional-failover');
    expect((await t.get('GET', { ...t.query, sig })).statusCode).toBe(403);
  });

  it("a validly signed link whose expiry is not the record's gets 403 (expiry checked against the record too)", async () => {
    const t = await issued();
    const exp = t.out.expiresAt + 60_000;
    const sig = signLink(Buffer.from('unit-test-signing-key-of-32-bytes!!'), t.out.approvalId, exp, 'regional-failover');
    const res = await handleApprovalRequest({ method: 'GET', path: t.path, query: { exp: String(exp), sig }, form: {} }, t.deps);
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

describe('approval-callback: step 1, a code for the typed address', () => {
  it('a listed approver gets a one-time code by mail, addressed to them alone; the page asks for it', async () => {
    const t = await issued();
    const { res, challenge, mail } = await t.askCode('  OnCall@Example.com ');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('If oncall@example.com is on the approver list, a one-time code is on its way');
    expect(challenge).toBeDefined();
    expect(mail).toEqual({ code: expect.stringMatching(/^\d{4} \d{4}$/), challengeId: challenge });
    const sent = t.deps.notifier.sent.find((m) => m.topic === 'approver-code')!;
    expect(sent.attributes).toEqual({ recipient: APPROVER, approvalId: t.out.approvalId, challengeId: challenge });
    // Only an HMAC of the code is stored.
    const stored = t.deps.challenges.challenges.get(challenge!)!;
    expect(JSON.stringify(stored)).not.toContain(mail!.code.replace(' ', ''));
    expect(stored).toMatchObject({ address: APPROVER, approvalId: t.out.approvalId, expiresAt: T0 + 10 * 60_000, attempts: 0 });
    expect(res.body).toContain('id="decide-form"');
    nothingDecided(t);
  });

  it('an address not on the list gets the same status, the same page and the same work: no oracle', async () => {
    const t = await issued();
    const listed = await t.askCode(APPROVER);
    const stranger = await t.askCode('mallory@example.com');
    expect(stranger.res.statusCode).toBe(listed.res.statusCode);
    const normalize = (body: string, address: string, challenge: string | undefined) =>
      body.replaceAll(address, 'ADDRESS').replaceAll(challenge ?? '?', 'CHALLENGE');
    expect(normalize(stranger.res.body, 'mallory@example.com', stranger.challenge)).toBe(normalize(listed.res.body, APPROVER, listed.challenge));
    // A message is published for both (SNS delivers it only where a subscription filters on that address).
    expect(t.deps.notifier.sent.filter((m) => m.topic === 'approver-code').map((m) => m.attributes?.recipient)).toEqual([APPROVER, 'mallory@example.com']);
    // ...but no code exists for the stranger: whatever they type fails like a wrong code.
    expect(t.deps.challenges.challenges.get(stranger.challenge!)!.codeHash).toBeUndefined();
  });

  it('without an address, or with one that is not an email address, gets 400 and the form again', async () => {
    const t = await issued();
    for (const approver of ['', '   ', 'not-an-address', `${'a'.repeat(250)}@example.com`]) {
      const res = await t.post({ csrf: t.record().csrfToken, step: 'code', approver });
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain('id="code-form"');
    }
    expect(t.deps.notifier.sent).toEqual([]);
  });

  it(`at most ${MAX_CODES_PER_ADDRESS} codes per address and request, listed or not, with the same answer`, async () => {
    const t = await issued();
    for (const address of [APPROVER, 'mallory@example.com']) {
      for (let i = 0; i < MAX_CODES_PER_ADDRESS; i++) expect((await t.askCode(address)).res.statusCode).toBe(200);
    }
    const a = await t.askCode(APPROVER);
    const b = await t.askCode('mallory@example.com');
    expect([a.res.statusCode, b.res.statusCode]).toEqual([429, 429]);
    expect(a.res.body).toBe(b.res.body);
    // Another listed approver is unaffected.
    expect((await t.askCode('second.approver@example.com')).res.statusCode).toBe(200);
  });

  it("a code request without the page's CSRF token gets 403 and sends nothing", async () => {
    const t = await issued();
    expect((await t.post({ step: 'code', approver: APPROVER })).statusCode).toBe(403);
    expect(t.deps.notifier.sent).toEqual([]);
  });
});

describe('approval-callback: step 2, deciding needs the emailed code', () => {
  it('approve with the code: 200, the verified address in the record, the task output, the audit and an alert', async () => {
    const t = await issued();
    const res = await t.post(await t.decideForm());
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Failover approved');
    expect(t.record()).toMatchObject({ status: 'APPROVED', decidedBy: APPROVER, decidedAt: T0 });
    expect(t.deps.callbacks.calls).toEqual([
      {
        kind: 'success',
        token: TASK_TOKEN,
        output: expect.objectContaining({ decision: 'APPROVED', approver: APPROVER, verifiedBy: 'email-code', approvalId: t.out.approvalId }),
      },
    ]);
    expect(t.deps.audit.entries.at(-1)).toMatchObject({
      step: 'ApprovalCallback',
      outcome: 'APPROVED',
      detail: { decidedBy: APPROVER, verifiedBy: 'email-code' },
    });
    const alert = t.deps.notifier.sent.find((m) => m.topic === 'alert')!;
    expect(alert.subject).toBe(`DR: failover us-east-1 -> us-west-2 approved by ${APPROVER}`);
    expect(alert.body).toContain(`approved by ${APPROVER} (verified by a one-time code emailed to that address)`);
  });

  it('reject with a reason: SendTaskFailure names the verified approver and quotes the cleaned reason', async () => {
    const t = await issued();
    const reason = 'false alarm\r\nApproved-By: ceo@example.com\u202E gnp.exe\u200B';
    const res = await t.post(await t.decideForm({ decision: 'reject', reason }));
    expect(res.statusCode).toBe(200);
    const cleaned = 'false alarm Approved-By: ceo@example.com gnp.exe';
    expect(t.record()).toMatchObject({ status: 'REJECTED', decidedBy: APPROVER, reason: cleaned });
    expect(t.deps.callbacks.calls).toEqual([
      {
        kind: 'failure',
        token: TASK_TOKEN,
        error: 'ApprovalRejected',
        cause: `Rejected by ${APPROVER} (verified by a one-time code emailed to that address) (approval ${t.out.approvalId}). Their reason, quoted as typed: "${cleaned}"`,
      },
    ]);
    expect(t.deps.callbacks.calls[0].cause).not.toMatch(/[\r\n\u202e\u200b]/);
  });

  it("a scanner that types the recipient's address into every field, ticks every box and presses every button decides nothing", async () => {
    const t = await issued({ estimatedRpoMs: 30_000, rpoWithinTarget: false });
    // It even asks for a code for the recipient (a real mail goes to them), but it cannot read that mailbox.
    const { challenge } = await t.askCode(APPROVER);
    for (const decision of ['approve', 'reject']) {
      const res = await t.post({
        csrf: t.record().csrfToken,
        step: 'decide',
        challenge: challenge!,
        code: APPROVER,
        approver: APPROVER,
        reason: APPROVER,
        acceptDataLoss: 'yes',
        decision,
      });
      expect(res.statusCode).toBe(403);
      expect(res.body).toContain('Code not accepted');
    }
    nothingDecided(t);
  });

  it('every refusal of an unverified person has one status and one message: no code, wrong code, expired, used up, not listed', async () => {
    const t = await issued({ timeoutSeconds: 900 });
    const refusals: HttpResponse[] = [];
    const form = await t.decideForm();
    refusals.push(await t.post({ ...form, code: '' }));
    refusals.push(await t.post({ ...form, code: '0000 0000' === form.code ? '1111 1111' : '0000 0000' }));
    refusals.push(await t.post({ ...form, challenge: 'AAAAAAAAAAAAAAAAAAAAAA' }));
    const stranger = await t.decideForm({}, 'mallory@example.com');
    refusals.push(await t.post({ ...stranger, code: form.code }));
    const expiring = await t.decideForm();
    t.clock.advance(10 * 60_000);
    refusals.push(await t.post(expiring));
    const messages = new Set(refusals.map((r) => /<p class="error" id="error">([^<]*)</.exec(r.body)?.[1] ?? /<p id="message">([^<]*)</.exec(r.body)?.[1]));
    expect(refusals.map((r) => r.statusCode)).toEqual([403, 403, 403, 403, 403]);
    expect(messages.size).toBe(1);
    nothingDecided(t);
    expect(t.deps.audit.entries.filter((e) => e.outcome === 'REFUSED').map((e) => (e.detail as { why: string }).why)).toEqual([
      'no-code',
      'wrong-code',
      'unknown-challenge',
      'not-an-approver',
      'code-expired',
    ]);
  });

  it(`a code allows ${MAX_CODE_ATTEMPTS} tries; after that even the right code fails, and a new code works`, async () => {
    const t = await issued();
    const form = await t.decideForm();
    const wrong = form.code === '1234 5678' ? '8765 4321' : '1234 5678';
    for (let i = 0; i < MAX_CODE_ATTEMPTS; i++) expect((await t.post({ ...form, code: wrong })).statusCode).toBe(403);
    expect((await t.post(form)).statusCode).toBe(403);
    nothingDecided(t);
    expect((await t.post(await t.decideForm())).statusCode).toBe(200);
  });

  it('a code is bound to its request: a code from another approval request is refused', async () => {
    const a = await issued();
    const b = await issued();
    const fromB = await b.decideForm();
    expect((await a.post({ ...fromB, csrf: a.record().csrfToken })).statusCode).toBe(403);
    nothingDecided(a);
  });

  it('Enter-style submits without a decision (no button pressed) get 400, and cost no try', async () => {
    const t = await issued();
    const form = await t.decideForm({ decision: '' });
    const res = await t.post(form);
    expect(res.statusCode).toBe(400);
    // The form comes back, with the same challenge, and the code still has all its tries.
    expect(challengeOf(res.body)).toBe(form.challenge);
    expect(t.deps.challenges.challenges.get(form.challenge)!.attempts).toBe(0);
    nothingDecided(t);
  });

  it('reject without a reason gets 400 and decides nothing', async () => {
    const t = await issued();
    const res = await t.post(await t.decideForm({ decision: 'reject', reason: ' \u200B\r\n ' }));
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Say why you reject');
    nothingDecided(t);
  });

  it('a POST without the CSRF token (an auto-submitted form), or without a step, decides nothing', async () => {
    const t = await issued();
    const form = await t.decideForm();
    expect((await t.post({ ...form, csrf: '' })).statusCode).toBe(403);
    expect((await t.post({ ...form, csrf: t.query.sig })).statusCode).toBe(403);
    expect((await t.post({ ...form, step: '' })).statusCode).toBe(400);
    expect((await t.post({})).statusCode).toBe(403);
    nothingDecided(t);
  });

  it('a long reason is capped, not refused', async () => {
    const t = await issued();
    expect((await t.post(await t.decideForm({ decision: 'reject', reason: 'x'.repeat(5_000) }))).statusCode).toBe(200);
    expect(Array.from(t.record().reason!)).toHaveLength(500);
  });

  it('over the RPO target, approving needs the data-loss box ticked (checked before the code, so no try is lost)', async () => {
    const t = await issued({ estimatedRpoMs: 30_000, rpoWithinTarget: false });
    const form = await t.decideForm();
    const page = (await t.askCode()).res.body;
    expect(page).toContain('name="acceptDataLoss"');
    expect(page).toContain('Approve failover, accepting the loss');
    const res = await t.post(form);
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('tick the box');
    nothingDecided(t);
    expect((await t.post({ ...form, acceptDataLoss: 'yes' })).statusCode).toBe(200);
  });

  it("Enter cannot approve: the form's default (first) button is a hidden one that carries no decision, and Reject comes before Approve", async () => {
    const t = await issued();
    const page = (await t.askCode()).res.body;
    const form = /<form method="post" action="[^"]*" id="decide-form">([\s\S]*?)<\/form>/.exec(page)![1];
    const buttons = [...form.matchAll(/<button[^>]*>/g)].map((m) => m[0]);
    expect(buttons[0]).toMatch(/type="submit".*name="decision" value="enter".*hidden/);
    expect(buttons.findIndex((b) => b.includes('value="reject"'))).toBeLessThan(buttons.findIndex((b) => b.includes('value="approve"')));
    // What Enter sends: a reminder, the form back with the reason kept, and no try used.
    const enter = await t.post(await t.decideForm({ decision: 'enter', reason: 'typing a reason' }));
    expect(enter.statusCode).toBe(400);
    expect(enter.body).toContain('Enter does not decide');
    expect(enter.body).toContain('>typing a reason</textarea>');
    expect([...t.deps.challenges.challenges.values()].every((c) => c.attempts === 0)).toBe(true);
    nothingDecided(t);
  });

  it("the operator's reason (drctl failover --reason) is on the page, cleaned and quoted", async () => {
    const t = await issued({ trigger: { source: 'manual', at: new Date(T0 - 60_000).toISOString(), reason: 'game day\n<script>x</script>' } });
    const body = (await t.get()).body;
    expect(body).toContain('reason, quoted as typed: <q id="trigger-reason">game day &lt;script&gt;x&lt;/script&gt;</q>');
  });
});

describe('approval-callback: single use, expiry, late answers and lost answers', () => {
  it('a second submit of the same form gets 409 and does not call Step Functions again', async () => {
    const t = await issued();
    const form = await t.decideForm();
    expect((await t.post(form)).statusCode).toBe(200);
    const again = await t.post(form);
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain(`already approved by ${APPROVER}`);
    expect(t.deps.callbacks.calls).toHaveLength(1);
  });

  it('after a decision, opening the link shows 409 "already decided" with a link to the execution', async () => {
    const t = await issued();
    await t.post(await t.decideForm());
    const res = await t.get();
    expect(res.statusCode).toBe(409);
    expect(res.body).toContain('id="execution-link"');
  });

  it('two racing submits: exactly one wins, the other gets 409', async () => {
    const t = await issued();
    const approve = await t.decideForm();
    const reject = await t.decideForm({ decision: 'reject', reason: 'not needed' });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let waiting = 0;
    let bothWaiting!: () => void;
    const both = new Promise<void>((r) => (bothWaiting = r));
    t.approvals.beforeDecide = async () => {
      if (++waiting === 2) bothWaiting();
      await gate;
    };
    const a = t.post(approve);
    const b = t.post(reject);
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
    const form = await t.decideForm();
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

  it('a late click after TaskTimedOut: the execution says the task timed out, 410, the record ends EXPIRED, not APPROVED', async () => {
    const t = await issued();
    t.deps.callbacks.fail = new TaskNoLongerWaitingError('TaskTimedOut');
    t.deps.tasks.state = { task: 'timed-out', executionStatus: 'FAILED' };
    const res = await t.post(await t.decideForm());
    expect(res.statusCode).toBe(410);
    expect(res.body).toContain('Too late');
    expect(res.body).toContain('the approval step timed out (the execution is FAILED)');
    expect(t.record()).toMatchObject({ status: 'EXPIRED', decidedBy: APPROVER });
    expect(t.record().reason).toContain('after Step Functions stopped waiting');
    expect(t.deps.audit.entries.at(-1)).toMatchObject({ outcome: 'LATE' });
    expect((await t.get()).statusCode).toBe(410);
  });

  it('SendTaskSuccess reached Step Functions but its answer was lost: the history says approved, so the person is told it was applied', async () => {
    const t = await issued();
    t.deps.callbacks.fail = new TransientError('SendTaskSuccess: socket hang up');
    t.deps.tasks.state = { task: 'succeeded', output: { decision: 'APPROVED', approver: APPROVER, approvalId: t.out.approvalId }, executionStatus: 'RUNNING' };
    const res = await t.post(await t.decideForm());
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Failover approved');
    expect(res.body).toContain('confirmed from the execution&#39;s history');
    expect(res.body).not.toContain('Nothing was decided');
    expect(t.record()).toMatchObject({ status: 'APPROVED', decidedBy: APPROVER });
    expect(t.deps.tasks.reads).toEqual([EXECUTION_ARN]);
    expect(t.deps.audit.entries.at(-1)).toMatchObject({ outcome: 'APPROVED', detail: { confirmedFrom: 'execution history' } });
  });

  it('SendTaskSuccess failed and the execution still waits: nothing applied, the record reopens, and a retry with the same code succeeds', async () => {
    const t = await issued();
    t.deps.callbacks.fail = new TransientError('SendTaskSuccess throttled');
    const form = await t.decideForm();
    const res = await t.post(form);
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('Step Functions is still waiting for this decision');
    expect(res.body).toContain('id="decide-form"');
    expect(t.record().status).toBe('PENDING');
    expect(t.deps.audit.entries.at(-1)).toMatchObject({ outcome: 'NOT_APPLIED' });
    t.deps.callbacks.fail = undefined;
    expect((await t.post(form)).statusCode).toBe(200);
    expect(t.record().status).toBe('APPROVED');
  });

  it('neither the answer nor the execution can be read: "outcome unknown", never "nothing was decided"; the next try learns what happened', async () => {
    const t = await issued();
    t.deps.callbacks.fail = new TransientError('SendTaskSuccess: timeout');
    t.deps.tasks.fail = new TransientError('DescribeExecution: timeout');
    const form = await t.decideForm();
    const res = await t.post(form);
    expect(res.statusCode).toBe(502);
    expect(res.body).toContain('Outcome unknown');
    expect(res.body).toContain('may or may not have been applied');
    expect(res.body).not.toContain('Nothing was decided');
    expect(t.deps.audit.entries.at(-1)).toMatchObject({ outcome: 'UNCONFIRMED' });
    // It had been applied: Step Functions now refuses the token, and the history says so.
    t.deps.callbacks.fail = new TaskNoLongerWaitingError('InvalidToken');
    t.deps.tasks.fail = undefined;
    t.deps.tasks.state = { task: 'succeeded', output: { approvalId: t.out.approvalId, approver: APPROVER }, executionStatus: 'RUNNING' };
    const again = await t.post(form);
    expect(again.statusCode).toBe(200);
    expect(t.record()).toMatchObject({ status: 'APPROVED', decidedBy: APPROVER });
  });

  it('an earlier rejection was applied though its answer was lost; a later approve is told so, and the record says REJECTED', async () => {
    const t = await issued();
    t.deps.callbacks.fail = new TaskNoLongerWaitingError('InvalidToken');
    t.deps.tasks.state = {
      task: 'failed',
      error: 'ApprovalRejected',
      cause: `Rejected by second.approver@example.com (verified ...) (approval ${t.out.approvalId}).`,
      executionStatus: 'FAILED',
    };
    const res = await t.post(await t.decideForm());
    expect(res.statusCode).toBe(409);
    expect(res.body).toContain('already rejected by second.approver@example.com');
    expect(t.record()).toMatchObject({ status: 'REJECTED', decidedBy: 'second.approver@example.com' });
  });
});

describe('approval-callback: POST /decisions, an IAM principal (drctl approve|reject)', () => {
  it('a session of the approver role approves: 200, its ARN recorded as the decider, in the task output, the audit and the alert', async () => {
    const t = await issued();
    const res = await t.iam({ execution: EXECUTION_ARN, decision: 'approve' });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ outcome: 'approved', decidedBy: APPROVER_SESSION, approvalId: t.out.approvalId });
    expect(res.headers['content-type']).toBe('application/json');
    expect(t.record()).toMatchObject({ status: 'APPROVED', decidedBy: APPROVER_SESSION });
    expect(t.deps.callbacks.calls[0].output).toMatchObject({ approver: APPROVER_SESSION, verifiedBy: 'iam' });
    expect(t.deps.audit.entries.at(-1)).toMatchObject({ outcome: 'APPROVED', detail: { decidedBy: APPROVER_SESSION, verifiedBy: 'iam' } });
    expect(t.deps.notifier.sent.find((m) => m.topic === 'alert')!.body).toContain('(AWS IAM principal, verified from its SigV4-signed request)');
  });

  it('a principal outside the policy is refused, and the refusal is audited with its ARN', async () => {
    const t = await issued();
    for (const principal of [
      'arn:aws:sts::111122223333:assumed-role/Admin/bob',
      'arn:aws:iam::111122223333:user/alice',
      'arn:aws:sts::999999999999:assumed-role/orders-dr-approver-us-west-2/eve',
    ]) {
      const res = await t.iam({ execution: EXECUTION_ARN, decision: 'approve' }, principal);
      expect(res.statusCode).toBe(403);
      expect(JSON.parse(res.body)).toMatchObject({ outcome: 'not-an-approver', principal });
    }
    nothingDecided(t);
    expect(t.deps.audit.entries.filter((e) => e.outcome === 'REFUSED')).toHaveLength(3);
  });

  it('an unsigned request (no verified caller) is refused', async () => {
    const t = await issued();
    expect((await t.iam({ execution: EXECUTION_ARN, decision: 'approve' }, null)).statusCode).toBe(403);
    nothingDecided(t);
  });

  it('bad bodies, an unknown execution, a reject without reason and an unaccepted loss are refused with what to fix', async () => {
    const t = await issued();
    expect((await t.iam('not json')).statusCode).toBe(400);
    expect((await t.iam({ execution: 'inc42', decision: 'approve' })).statusCode).toBe(400);
    expect((await t.iam({ execution: `${EXECUTION_ARN}x`, decision: 'approve' })).statusCode).toBe(404);
    expect((await t.iam({ execution: EXECUTION_ARN, decision: 'maybe' })).statusCode).toBe(400);
    expect(JSON.parse((await t.iam({ execution: EXECUTION_ARN, decision: 'reject', reason: '\n' })).body)).toMatchObject({ outcome: 'no-reason' });
    nothingDecided(t);
    const over = await issued({ estimatedRpoMs: 30_000, rpoWithinTarget: false });
    const refused = await over.iam({ execution: EXECUTION_ARN, decision: 'approve' });
    expect(refused.statusCode).toBe(400);
    expect(JSON.parse(refused.body)).toMatchObject({ outcome: 'data-loss-not-accepted', estimatedRpoMs: 30_000, rpoTargetMs: 5_000 });
    expect((await over.iam({ execution: EXECUTION_ARN, decision: 'approve', acceptDataLoss: true })).statusCode).toBe(200);
  });

  it('reject with a reason; then the page and a second IAM call both see it decided (409)', async () => {
    const t = await issued();
    const res = await t.iam({ execution: EXECUTION_ARN, decision: 'reject', reason: 'primary recovering' });
    expect(res.statusCode).toBe(200);
    expect(t.deps.callbacks.calls[0].cause).toContain(`Rejected by ${APPROVER_SESSION} (AWS IAM principal`);
    expect((await t.iam({ execution: EXECUTION_ARN, decision: 'approve' })).statusCode).toBe(409);
    expect((await t.get()).statusCode).toBe(409);
  });

  it('GET on /decisions is 405; the route is never reachable from the page routes', async () => {
    const t = await issued();
    const res = await handleApprovalRequest(
      { method: 'GET', path: '/decisions', query: {}, form: {}, principalArn: APPROVER_SESSION, accountId: ACCOUNT },
      t.deps,
    );
    expect(res.statusCode).toBe(405);
  });
});

describe('isApproverPrincipal', () => {
  it("accepts the named roles and their sessions in the API's own account, nothing else", () => {
    const roles = [APPROVER_ROLE];
    expect(isApproverPrincipal(APPROVER_SESSION, roles, ACCOUNT)).toBe(true);
    expect(isApproverPrincipal(`arn:aws:iam::${ACCOUNT}:role/${APPROVER_ROLE}`, roles, ACCOUNT)).toBe(true);
    expect(isApproverPrincipal(`arn:aws:iam::${ACCOUNT}:role/team/${APPROVER_ROLE}`, roles, ACCOUNT)).toBe(true);
    expect(isApproverPrincipal(APPROVER_SESSION, roles, '999999999999')).toBe(false);
    expect(isApproverPrincipal(APPROVER_SESSION, roles, undefined)).toBe(false);
    expect(isApproverPrincipal(`arn:aws:sts::${ACCOUNT}:assumed-role/${APPROVER_ROLE}/`, roles, ACCOUNT)).toBe(false);
    expect(isApproverPrincipal(`arn:aws:sts::${ACCOUNT}:assumed-role/${APPROVER_ROLE}x/alice`, roles, ACCOUNT)).toBe(false);
    expect(isApproverPrincipal(`arn:aws:sts::${ACCOUNT}:assumed-role/${APPROVER_ROLE}/alice/extra`, roles, ACCOUNT)).toBe(false);
    expect(isApproverPrincipal(`arn:aws:sts::${ACCOUNT}:federated-user/alice`, roles, ACCOUNT)).toBe(false);
    expect(isApproverPrincipal(`arn:aws:iam::${ACCOUNT}:user/${APPROVER_ROLE}`, roles, ACCOUNT)).toBe(false);
  });
});

describe('approval-callback: request shapes', () => {
  it('accepts the method in any case', async () => {
    const t = await issued();
    const req: HttpRequest = { method: 'get', path: t.path, query: t.query, form: {} };
    expect((await handleApprovalRequest(req, t.deps)).statusCode).toBe(200);
  });
});
