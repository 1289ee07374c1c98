import { POST_APPROVAL_STEPS } from '../../functions/shared/workflow';
import { Harness, PRIMARY, STANDBY, configWith, failoverInput, outcomeOf, primaryImpaired, type Op } from './harness';
import { useVirtualTime } from '../support/virtual-time';

// Retry intervals, Waits and timeouts take virtual time only: nothing here waits on the real clock.
useVirtualTime();

/**
 * Failure mode 7: a step fails for good midway. The execution ends INCOMPLETE, and the escalation lists
 * what was done and what remains. Every step is idempotent, so running the same execution again (what a
 * redrive amounts to for the handlers: same execution id, same idempotency keys) finishes the job
 * without repeating a single side effect.
 */
const config = configWith({ traffic: 'route53-weighted', stores: ['dynamodb', 'aurora'], approval: { mode: 'auto-when-safe' } });
const ALL = POST_APPROVAL_STEPS.map((s) => s.state);

type Breakage = { readonly step: (typeof ALL)[number]; readonly break: (h: Harness) => void };
const breakages: Breakage[] = [
  { step: 'PromoteData', break: (h) => h.world.faults.set('data.promote', 'fatal') },
  { step: 'ShiftTraffic', break: (h) => h.world.faults.set('traffic.shiftTo', 'fatal') },
  // The first write is the fence; the second, the activation.
  { step: 'ActivateStandby', break: (h) => h.world.faults.plan('siteState.set', ['ok', 'fatal', 'fatal']) },
  { step: 'VerifyRecovery', break: (h) => h.world.appDown.add(STANDBY) },
  { step: 'ValidateData', break: (h) => h.world.faults.set('data.compare', 'fatal') },
];

describe('FM7 a step fails midway', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(config);
    primaryImpaired(h.world);
  });
  afterEach(() => h.dispose());

  it.each(breakages)('$step fails: INCOMPLETE listing done and remaining steps; a redrive completes without repeating any change', async ({ step, break: breakIt }) => {
    breakIt(h);
    const first = await h.result(h.start(failoverInput({ incidentId: 'inc-midway' }), 'inc-midway'));

    const done = ALL.slice(0, ALL.indexOf(step));
    const remaining = ALL.slice(ALL.indexOf(step));
    expect(outcomeOf(first)).toBe('INCOMPLETE');
    expect(first.cause).toContain(`Stopped at ${step}`);
    expect(first.cause).toContain(`Completed: ${done.join(', ')}. Remaining: ${remaining.join(', ')}.`);
    const alert = h.smAlerts.find((a) => a.Subject === 'DR: failover INCOMPLETE, action needed');
    expect(alert).toMatchObject({ topic: 'escalation', Message: expect.stringContaining(`Remaining: ${remaining.join(', ')}`) });
    expect(alert!.Message).toContain('redrive');
    expect(h.world.effects.writerViolations).toEqual([]);
    const changesBefore = [...h.world.effects.timeline];

    // The cause is fixed; the execution is redriven.
    h.world.faults.clear();
    h.world.appDown.clear();
    const second = await h.result(h.start(failoverInput({ incidentId: 'inc-midway' }), 'inc-midway'));
    expect(outcomeOf(second)).toBe('FAILED_OVER');
    const all = h.world.effects.timeline;
    expect(all.slice(0, changesBefore.length)).toEqual(changesBefore);
    // Each change happened exactly once over both runs.
    expect([...all].sort()).toEqual([`site:${PRIMARY}=PASSIVE`, `promote:ledger:failover`, `shift:${STANDBY}`, `site:${STANDBY}=ACTIVE`].sort());
    expect(h.world.writerRegions()).toEqual([STANDBY]);
  });

  it('a failure before any change (AssessDataRisk) aborts with the cause and an escalation, nothing changed', async () => {
    h.world.faults.set('data.lag' as Op, 'fatal');
    const result = await h.result(h.start(failoverInput(), 'inc-abort'));
    expect(outcomeOf(result)).toBe('REFUSED');
    expect(result).toMatchObject({ status: 'FAILED', error: 'Error', cause: expect.stringContaining('data.lag: failed') });
    expect(h.smAlerts.at(-1)).toMatchObject({ topic: 'escalation', Subject: 'DR: failover aborted, traffic and data unchanged' });
    expect(h.world.effects.timeline).toEqual([]);
  });
});
