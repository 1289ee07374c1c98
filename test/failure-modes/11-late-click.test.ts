import { Harness, configWith, csrfOf, failoverInput, outcomeOf, primaryImpaired } from './harness';
import { useVirtualTime } from '../support/virtual-time';

// Retry intervals, Waits and timeouts take virtual time only: nothing here waits on the real clock.
useVirtualTime();

/**
 * Failure mode 11: the approver clicks late: the link was already used, it expired, or Step Functions
 * stopped waiting a moment before the click. Each gets a page that says so (409 / 410), never a 500,
 * and the record never claims a decision that did nothing.
 */
const config = configWith({ traffic: 'route53-weighted', stores: ['dynamodb'], approval: { mode: 'required', timeoutSeconds: 900 } });

describe('FM11 late click, used link, expired link', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(config);
    primaryImpaired(h.world);
  });
  afterEach(() => h.dispose());

  async function waiting() {
    const ex = h.start(failoverInput(), 'inc-late');
    await h.quiesce();
    return { ex, record: h.waitingApproval(ex)! };
  }

  it('a used link: opening or submitting it again says "already decided" (409), the failover ran once', async () => {
    const { ex, record } = await waiting();
    expect((await h.decide(record, 'approve')).status).toBe(200);
    expect(outcomeOf(await h.result(ex))).toBe('FAILED_OVER');
    const url = h.linkOf(record.approvalId)!;
    const again = await h.request('late', record.approvalId, 'GET', url);
    expect(again.status).toBe(409);
    expect(again.body).toContain('Already decided');
    expect(again.body).toContain(`already approved by oncall@example.com`);
    const repost = await h.request('replay', record.approvalId, 'POST', url, h.lastForm!.form);
    expect(repost.status).toBe(409);
    expect(h.broker.answered).toHaveLength(1);
  });

  it('an expired link: the page says it expired (410); a submit then changes nothing, and the wait still ends in the fail-safe', async () => {
    const { ex, record } = await waiting();
    const url = h.linkOf(record.approvalId)!;
    const page = await h.request('other', record.approvalId, 'GET', url);
    h.world.clock.t = record.expiresAt;
    const get = await h.request('late', record.approvalId, 'GET', url);
    expect(get.status).toBe(410);
    expect(get.body).toContain('Link expired');
    const post = await h.request('late', record.approvalId, 'POST', url, {
      csrf: csrfOf(page.body)!,
      decision: 'approve',
      approver: 'oncall@example.com',
      reason: '',
      acceptDataLoss: 'yes',
    });
    expect(post.status).toBe(410);
    expect(h.world.approvals.records.get(record.approvalId)!.status).toBe('EXPIRED');
    expect(h.broker.answered).toEqual([]);
    await h.settle();
    expect(outcomeOf(h.results.get(ex)!)).toBe('TIMED_OUT');
  });

  it('Step Functions stopped waiting just before the click (the link not yet expired): "too late" (410), the record says EXPIRED, not APPROVED', async () => {
    const { ex, record } = await waiting();
    const url = h.linkOf(record.approvalId)!;
    h.broker.timeOut(record.taskToken);
    expect(outcomeOf(await h.result(ex))).toBe('TIMED_OUT');
    // A listed approver, with a valid code, just too late: the execution's history says why.
    const post = await h.decide(record, 'approve', { kind: 'late' });
    expect(post.status).toBe(410);
    expect(post.body).toContain('Too late');
    expect(post.body).toContain('the approval step timed out');
    expect(h.world.approvals.records.get(record.approvalId)).toMatchObject({ status: 'EXPIRED' });
    const after = await h.request('late', record.approvalId, 'GET', url);
    expect(after.status).toBe(410);
    expect(h.world.effects.timeline).toEqual([]);
    expect(h.http.every((c) => c.status < 500)).toBe(true);
  });
});
