import { Harness, configWith, csrfOf, failoverInput, outcomeOf, primaryImpaired } from './harness';
import { useVirtualTime } from '../support/virtual-time';

// Retry intervals, Waits and timeouts take virtual time only: nothing here waits on the real clock.
useVirtualTime();

/**
 * Failure mode 12: mail scanners fetch every link (GET, HEAD), and some even submit the forms they find,
 * without the page's one-time CSRF token. None of that may decide: only the person's own form does.
 */
const config = configWith({ traffic: 'route53-weighted', stores: ['dynamodb'], approval: { mode: 'required' } });

describe('FM12 email scanner prefetch', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(config);
    primaryImpaired(h.world);
  });
  afterEach(() => h.dispose());

  it('GETs, HEADs, a token-less auto-submit and a token from another request decide nothing; the human form then does', async () => {
    const ex = h.start(failoverInput(), 'inc-scanner');
    await h.quiesce();
    const record = h.waitingApproval(ex)!;
    const url = h.linkOf(record.approvalId)!;

    for (let i = 0; i < 3; i++) expect((await h.request('scanner-get', record.approvalId, 'GET', url)).status).toBe(200);
    const head = await h.request('scanner-head', record.approvalId, 'HEAD', url);
    expect(head).toMatchObject({ status: 200, body: '' });
    // A scanner that submits the form it found, with every visible field but not the token.
    const auto = await h.request('auto-post', record.approvalId, 'POST', url, {
      decision: 'approve',
      approver: 'oncall@example.com',
      reason: '',
      acceptDataLoss: 'yes',
    });
    expect(auto.status).toBe(403);
    const wrong = await h.request('auto-post', record.approvalId, 'POST', url, {
      csrf: 'A'.repeat(22),
      decision: 'approve',
      approver: 'oncall@example.com',
      reason: '',
    });
    expect(wrong.status).toBe(403);
    for (const method of ['PUT', 'DELETE', 'OPTIONS']) expect((await h.request('other', record.approvalId, method, url)).status).toBe(405);

    await h.quiesce();
    expect(h.world.approvals.records.get(record.approvalId)!.status).toBe('PENDING');
    expect(h.broker.answered).toEqual([]);
    expect(h.waitingApproval(ex)).toBeDefined();
    expect(h.world.effects.timeline).toEqual([]);
    // What the scanner saw rendered a page with a fresh form, and it still works for the person.
    expect(csrfOf((await h.request('scanner-get', record.approvalId, 'GET', url)).body)).toBe(record.csrfToken);
    expect((await h.decide(record, 'approve')).status).toBe(200);
    expect(outcomeOf(await h.result(ex))).toBe('FAILED_OVER');
  });
});
