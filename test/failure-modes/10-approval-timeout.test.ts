import { Harness, PRIMARY, STANDBY, configWith, failoverInput, outcomeOf, primaryImpaired } from './harness';
import { useVirtualTime } from '../support/virtual-time';

// Retry intervals, Waits and timeouts take virtual time only: nothing here waits on the real clock.
useVirtualTime();

/**
 * Failure mode 10: nobody answers the approval. TimeoutSecondsPath (the config's approval.timeoutSeconds)
 * ends the wait on the engine's own (scaled) timer, the escalation list is alerted, and the fail-safe
 * default aborts; `onTimeout: proceed` is the explicit opt-in to fail over anyway.
 */
const make = (onTimeout: 'abort' | 'proceed') =>
  // 120 AWS seconds at 6000x: the engine's timer fires after 20 real ms.
  new Harness(configWith({ traffic: 'route53-weighted', stores: ['dynamodb'], approval: { mode: 'required', timeoutSeconds: 120, onTimeout } }), {
    approvalTimer: 'virtual',
  });

describe('FM10 approval never answered', () => {
  let h: Harness;
  afterEach(() => h.dispose());

  it('fail-safe default: TIMED_OUT, escalation alert, traffic and site states untouched, the link dead afterwards', async () => {
    h = make('abort');
    primaryImpaired(h.world);
    const ex = h.start(failoverInput(), 'inc-unanswered');
    await h.waitFor(() => h.done(ex));
    const result = h.results.get(ex)!;

    expect(outcomeOf(result)).toBe('TIMED_OUT');
    expect(result).toMatchObject({ status: 'FAILED', error: 'ApprovalTimedOut', cause: expect.stringContaining('fail-safe default is to abort') });
    const escalation = h.smAlerts.find((a) => a.Subject === 'DR: approval not answered');
    expect(escalation).toMatchObject({ topic: 'escalation', Message: expect.stringContaining('within 120 s. Policy on timeout: abort') });
    expect(h.world.effects.timeline).toEqual([]);
    expect(h.world.serving()).toBe(PRIMARY);

    const record = [...h.world.approvals.records.values()][0];
    expect(record.expiresAt).toBe(h.world.clock.now() + 120_000);
    h.world.clock.t = record.expiresAt;
    const late = await h.request('late', record.approvalId, 'GET', h.linkOf(record.approvalId)!);
    expect(late.status).toBe(410);
  });

  it('onTimeout "proceed": the same silence fails over, recorded as approved by the timeout policy', async () => {
    h = make('proceed');
    primaryImpaired(h.world);
    const ex = h.start(failoverInput(), 'inc-unanswered-proceed');
    await h.waitFor(() => h.done(ex));
    const result = h.results.get(ex)!;
    expect(outcomeOf(result)).toBe('FAILED_OVER');
    expect(h.smAlerts.map((a) => a.Subject)).toEqual(expect.arrayContaining(['DR: approval not answered', 'DR: failover complete']));
    expect(h.entered(ex, 'ConfirmStandbyScaled')).toBe(true);
    expect(h.world.writerRegions()).toEqual([STANDBY]);
  });
});
