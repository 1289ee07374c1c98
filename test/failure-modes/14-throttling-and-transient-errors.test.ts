import { FUNCTIONS, Harness, PRIMARY, STANDBY, configWith, failoverInput, outcomeOf, primaryImpaired, type Op } from './harness';
import { useVirtualTime } from '../support/virtual-time';

// Retry intervals, Waits and timeouts take virtual time only: nothing here waits on the real clock.
useVirtualTime();

/**
 * Failure mode 14: Lambda throttled, SDK calls throttled or answered with 5xx. Each step's Retry (with
 * backoff) absorbs it, and no side effect happens twice, not even when the change was made and only its
 * answer got lost.
 */
const config = configWith({ traffic: 'route53-weighted', stores: ['dynamodb', 'aurora'], approval: { mode: 'auto-when-safe' } });
const EXPECTED_CHANGES = [`site:${PRIMARY}=PASSIVE`, 'promote:ledger:failover', `shift:${STANDBY}`, `site:${STANDBY}=ACTIVE`];

describe('FM14 throttling and transient errors', () => {
  let h: Harness;
  afterEach(() => h.dispose());

  it('every dependency throttled on its first calls: the Retries absorb it, each change made exactly once', async () => {
    h = new Harness(config);
    primaryImpaired(h.world);
    const ops: Op[] = [
      'signals.read',
      'data.lag',
      'siteState.get',
      'data.promote',
      'traffic.describe',
      'traffic.shiftTo',
      'signals.probeGlobal',
      'data.compare',
    ];
    for (const op of ops) h.world.faults.plan(op, ['transient', 'transient']);
    const ex = h.start(failoverInput(), 'inc-throttled');
    expect(outcomeOf(await h.result(ex))).toBe('FAILED_OVER');
    expect(h.world.effects.timeline).toEqual(EXPECTED_CHANGES);
    expect(h.world.faults.injected.length).toBeGreaterThanOrEqual(ops.length * 2);
    // Retried, not caught: the history shows the retries on the steps that met the errors.
    const retried = new Set(ex.events.filter((e) => e.type === 'TaskRetryScheduled').map((e) => e.stateName));
    // The comparison's reads happen in its segments (CompareSegment, inside CompareSegments), before ValidateData reports.
    for (const s of ['AssessHealth', 'AssessDataRisk', 'FenceOldPrimary', 'ShiftTraffic', 'VerifyRecovery', 'CompareSegment']) expect(retried).toContain(s);
  });

  it('the change is made but its answer is lost (timeout after success): the retry finds it done and does not repeat it', async () => {
    h = new Harness(config);
    primaryImpaired(h.world);
    h.world.faults.plan('siteState.set', ['transient-after', 'transient-after']);
    h.world.faults.plan('traffic.shiftTo', ['transient-after']);
    h.world.faults.plan('data.promote', ['transient-after']);
    const result = await h.result(h.start(failoverInput(), 'inc-lost-answers'));
    expect(outcomeOf(result)).toBe('FAILED_OVER');
    expect(h.world.effects.timeline).toEqual(EXPECTED_CHANGES);
    const steps = (result.output as { steps: { shift: { alreadyShifted: boolean }; activate: { changed: boolean } } }).steps;
    expect(steps.shift.alreadyShifted).toBe(true);
    expect(steps.activate.changed).toBe(false);
  });

  it('Lambda itself throttled (TooManyRequests, service errors) on every function: retried, FAILED_OVER, changes made once', async () => {
    h = new Harness(config, {
      lambdaFaults: Object.fromEntries(FUNCTIONS.map((f) => [f, ['Lambda.TooManyRequestsException', 'Lambda.ServiceException']])),
    });
    primaryImpaired(h.world);
    expect(outcomeOf(await h.result(h.start(failoverInput(), 'inc-lambda-throttled')))).toBe('FAILED_OVER');
    expect(h.world.effects.timeline).toEqual(EXPECTED_CHANGES);
  });

  it('the approval request Lambda throttled, then its email throttled: retried, one link works, the failover goes on', async () => {
    h = new Harness(configWith({ traffic: 'route53-weighted', stores: ['dynamodb', 'aurora'], approval: { mode: 'required' } }), {
      lambdaFaults: { 'approval-request': ['Lambda.TooManyRequestsException'] },
    });
    primaryImpaired(h.world);
    h.world.faults.plan('notifier.approval', ['transient']);
    const ex = h.start(failoverInput(), 'inc-approval-throttled');
    await h.quiesce();
    expect(h.world.outbox.filter((m) => m.topic === 'approval')).toHaveLength(1);
    expect((await h.decide(h.waitingApproval(ex)!, 'approve')).status).toBe(200);
    expect(outcomeOf(await h.result(ex))).toBe('FAILED_OVER');
    expect(h.world.effects.timeline).toEqual(EXPECTED_CHANGES);
  });

  it('throttling that outlasts the retries: INCOMPLETE after 1 + MaxAttempts tries, the remaining steps listed', async () => {
    h = new Harness(config);
    primaryImpaired(h.world);
    h.world.faults.set('traffic.shiftTo', 'transient');
    const ex = h.start(failoverInput(), 'inc-throttled-for-good');
    const result = await h.result(ex);
    expect(outcomeOf(result, ex.events)).toBe('INCOMPLETE');
    expect(result).toMatchObject({ status: 'FAILED', error: 'TransientError', cause: expect.stringContaining('traffic.shiftTo: ThrottlingException') });
    expect(h.failureReports.get(ex)).toMatchObject({
      failedState: 'ShiftTraffic',
      remainingSteps: ['ShiftTraffic', 'ActivateStandby', 'VerifyRecovery', 'ValidateData'],
    });
    expect(h.world.faults.calls.get('traffic.shiftTo')).toBe(5);
    expect(h.world.effects.shifts).toEqual([]);
  });
});
