import { APPROVAL_ACTION } from '../../functions/approval-request/approval-request';
import { signLink } from '../../functions/shared/signing';
import { Harness, SIGNING_KEY, configWith, csrfOf, failoverInput, outcomeOf, primaryImpaired } from './harness';
import { useVirtualTime } from '../support/virtual-time';

// Retry intervals, Waits and timeouts take virtual time only: nothing here waits on the real clock.
useVirtualTime();

/**
 * Failure mode 13: links are HMAC-signed over the approval id, the expiry and the action, expire, and
 * work once. A forged or altered link is refused (403); a replayed submission gets 409; a link decides
 * only the execution it was issued for.
 */
const config = configWith({ traffic: 'route53-weighted', stores: ['dynamodb'], approval: { mode: 'required' } });

describe('FM13 forged or replayed link', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(config);
    primaryImpaired(h.world);
  });
  afterEach(() => h.dispose());

  it('altered signature, expiry, id, action or key: 403 without a decision; the genuine link still works once, a replay gets 409', async () => {
    const ex = h.start(failoverInput(), 'inc-forged');
    await h.quiesce();
    const record = h.waitingApproval(ex)!;
    const genuine = new URL(h.linkOf(record.approvalId)!);
    const sig = genuine.searchParams.get('sig')!;
    const exp = Number(genuine.searchParams.get('exp'));
    const withQuery = (q: Record<string, string>, path = genuine.pathname) => `${genuine.origin}${path}?${new URLSearchParams(q)}`;
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    const forgeries = {
      'signature altered': withQuery({ exp: String(exp), sig: flip(sig) }),
      'expiry extended': withQuery({ exp: String(exp + 86_400_000), sig }),
      'another id, same signature': withQuery({ exp: String(exp), sig }, genuine.pathname.replace(record.approvalId, 'x'.repeat(22))),
      'signed for another action': withQuery({ exp: String(exp), sig: signLink(SIGNING_KEY, record.approvalId, exp, 'regional-failback') }),
      'signed with another key': withQuery({
        exp: String(exp),
        sig: signLink(Buffer.from('somebody-elses-key-of-32-bytes!!!'), record.approvalId, exp, APPROVAL_ACTION),
      }),
      'a valid signature over a later expiry': withQuery({ exp: String(exp + 1), sig: signLink(SIGNING_KEY, record.approvalId, exp + 1, APPROVAL_ACTION) }),
    };
    const page = await h.request('other', record.approvalId, 'GET', genuine.toString());
    const form = { csrf: csrfOf(page.body)!, decision: 'approve', approver: 'oncall@example.com', reason: '', acceptDataLoss: 'yes' };
    for (const [label, url] of Object.entries(forgeries)) {
      const get = await h.request('forged', record.approvalId, 'GET', url);
      const post = await h.request('forged', record.approvalId, 'POST', url, form);
      expect({ label, get: get.status, post: post.status }).toEqual({ label, get: expect.any(Number), post: expect.any(Number) });
      expect([403, 404]).toContain(get.status);
      expect([403, 404]).toContain(post.status);
    }
    expect(h.broker.answered).toEqual([]);
    expect(h.world.approvals.records.get(record.approvalId)!.status).toBe('PENDING');

    // The genuine link, decided by a listed approver with the code from their mailbox; then the same POST again.
    expect((await h.decide(record, 'approve')).status).toBe(200);
    const replay = await h.request('replay', record.approvalId, 'POST', genuine.toString(), h.lastForm!.form);
    expect(replay.status).toBe(409);
    expect(outcomeOf(await h.result(ex))).toBe('FAILED_OVER');
    expect(h.broker.answered).toHaveLength(1);
  });

  it("a link answers only its own execution: approving one incident's request leaves another's waiting", async () => {
    const a = h.start(failoverInput({ incidentId: 'inc-a' }), 'inc-a');
    const b = h.start(failoverInput({ incidentId: 'inc-b' }), 'inc-b');
    await h.quiesce();
    const ra = h.waitingApproval(a)!;
    const rb = h.waitingApproval(b)!;
    // B's token and form are useless on A's link, and A's form on B's.
    const pageB = await h.request('other', rb.approvalId, 'GET', h.linkOf(rb.approvalId)!);
    const crossed = await h.request('forged', ra.approvalId, 'POST', h.linkOf(ra.approvalId)!, {
      csrf: csrfOf(pageB.body)!,
      decision: 'approve',
      approver: 'oncall@example.com',
      reason: '',
      acceptDataLoss: 'yes',
    });
    expect(crossed.status).toBe(403);
    expect((await h.decide(ra, 'reject')).status).toBe(200);
    expect(outcomeOf(await h.result(a))).toBe('REJECTED');
    await h.quiesce();
    expect(h.waitingApproval(b)).toBeDefined();
    expect(h.world.approvals.records.get(rb.approvalId)!.status).toBe('PENDING');
  });
});
