import { Harness, STANDBY, configWith, failoverInput, outcomeOf, primaryImpaired } from './harness';
import { useVirtualTime } from '../support/virtual-time';

// Retry intervals, Waits and timeouts take virtual time only: nothing here waits on the real clock.
useVirtualTime();

/**
 * Failure mode 9: replication lags beyond the RPO target when the primary fails. The approval email shows
 * the estimated loss against the target; auto-when-safe does not approve on its own; a human may still
 * accept the loss, but only by saying so explicitly.
 */
const config = (mode: 'required' | 'auto-when-safe') =>
  configWith({ traffic: 'route53-weighted', stores: ['dynamodb', 'aurora'], approval: { mode }, objectives: { rtoSeconds: 60, rpoSeconds: 5 } });

describe('FM9 replication lag above the RPO target', () => {
  let h: Harness;
  afterEach(() => h.dispose());

  function start(mode: 'required' | 'auto-when-safe', lagMs: number | null) {
    h = new Harness(config(mode));
    h.world.lagMs = lagMs;
    primaryImpaired(h.world);
    return h.start(failoverInput(), 'inc-lag');
  }

  it('the approval email shows the estimated loss against the target, flagged over target', async () => {
    const ex = start('required', 30_000);
    await h.quiesce();
    const record = h.waitingApproval(ex)!;
    expect(record.summary).toMatchObject({ estimatedRpoMs: 30_000, rpoTargetMs: 5_000, rpoWithinTarget: false });
    const email = h.world.outbox.find((m) => m.topic === 'approval')!;
    expect(email.body).toContain('Estimated data loss (replication lag): 30.0 s; RPO target 5.0 s  <-- OVER TARGET OR UNKNOWN.');
    const page = await h.request('other', record.approvalId, 'GET', h.linkOf(record.approvalId)!);
    expect(page.body).toContain('<strong>over</strong> the RPO target');
  });

  it.each([
    ['over target', 30_000],
    ['unknown (no lag metric)', null],
  ])('auto-when-safe with the lag %s: a human is asked instead of the policy approving; unanswered, nothing moves', async (_label, lag) => {
    const ex = start('auto-when-safe', lag);
    await h.quiesce();
    expect(h.waitingApproval(ex)).toBeDefined();
    expect(h.world.outbox.filter((m) => m.topic === 'approval')).toHaveLength(1);
    await h.settle();
    expect(outcomeOf(h.results.get(ex)!)).toBe('TIMED_OUT');
    expect(h.entered(ex, 'ApprovedByPolicy')).toBe(false);
    expect(h.world.effects.timeline).toEqual([]);
  });

  it('auto-when-safe within target: approved by policy, nobody emailed (the contrast)', async () => {
    const ex = start('auto-when-safe', 1_000);
    expect(outcomeOf(await h.result(ex))).toBe('FAILED_OVER');
    expect(h.entered(ex, 'ApprovedByPolicy')).toBe(true);
    expect(h.world.outbox.filter((m) => m.topic === 'approval')).toEqual([]);
  });

  it('a human approving without accepting the loss is refused (400) and nothing moves; ticking the box fails over', async () => {
    const ex = start('auto-when-safe', 30_000);
    await h.quiesce();
    const record = h.waitingApproval(ex)!;
    const refused = await h.decide(record, 'approve', { acceptDataLoss: false });
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('tick the box that accepts it');
    await h.quiesce();
    expect(h.waitingApproval(ex)).toBeDefined();
    expect(h.world.effects.timeline).toEqual([]);

    expect((await h.decide(record, 'approve', { acceptDataLoss: true })).status).toBe(200);
    expect(outcomeOf(await h.result(ex))).toBe('FAILED_OVER');
    expect(h.world.writerRegions()).toEqual([STANDBY]);
  });
});
