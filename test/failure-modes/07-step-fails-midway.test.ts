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

/** `at`: the state the execution stops at, when a helper state of the step fails (ValidateData's comparison before it). */
type Breakage = { readonly step: (typeof ALL)[number]; readonly at?: string; readonly break: (h: Harness) => void };
const breakages: Breakage[] = [
  { step: 'PromoteData', break: (h) => h.world.faults.set('data.promote', 'fatal') },
  { step: 'ShiftTraffic', break: (h) => h.world.faults.set('traffic.shiftTo', 'fatal') },
  // The first write is the fence; the second, the activation.
  { step: 'ActivateStandby', break: (h) => h.world.faults.plan('siteState.set', ['ok', 'fatal', 'fatal']) },
  { step: 'VerifyRecovery', break: (h) => h.world.appDown.add(STANDBY) },
  // Reading the region being activated fails for good (the first read, of the region being left, works): the segmented
  // comparison before ValidateData stops. A region being left that cannot be read only makes the check incomplete.
  { step: 'ValidateData', at: 'CompareSegments', break: (h) => h.world.faults.plan('data.compare', ['ok']).set('data.compare', 'fatal') },
];

describe('FM7 a step fails midway', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(config);
    primaryImpaired(h.world);
  });
  afterEach(() => h.dispose());

  it.each(breakages)(
    '$step fails: the execution stops AT that step, the report lists done and remaining steps; a redrive resumes there and repeats no change',
    async ({ step, at = step, break: breakIt }) => {
      breakIt(h);
      const ex = h.start(failoverInput({ incidentId: 'inc-midway' }), 'inc-midway');
      const first = await h.result(ex);

      const done = ALL.slice(0, ALL.indexOf(step));
      const remaining = ALL.slice(ALL.indexOf(step));
      expect(first.status).toBe('FAILED');
      expect(outcomeOf(first, ex.events)).toBe('INCOMPLETE');
      // No Catch routes it elsewhere: the last top-level state entered is the step itself, where a redrive resumes.
      expect(h.failureReports.get(ex)).toMatchObject({ kind: 'incomplete', failedState: at, completedSteps: done, remainingSteps: remaining });
      const alert = h.world.outbox.find((m) => m.subject.includes(`failover INCOMPLETE at ${at}`));
      expect(alert).toMatchObject({
        topic: 'escalation',
        body: expect.stringContaining(`Completed: ${done.join(', ') || 'none'}. Remaining: ${remaining.join(', ')}.`),
      });
      expect(alert!.body).toContain(`drctl redrive inc-midway (it resumes at ${at}`);
      expect(h.world.effects.writerViolations).toEqual([]);
      const changesBefore = [...h.world.effects.timeline];

      // The cause is fixed; the same execution (same ARN, same name) is redriven.
      h.world.faults.clear();
      h.world.appDown.clear();
      ex.redrive();
      const second = await h.result(ex);
      expect(outcomeOf(second, ex.events)).toBe('FAILED_OVER');
      expect(ex.redriveCount).toBe(1);
      const redriven = ex.events.find((e) => e.type === 'ExecutionRedriven');
      expect(redriven).toMatchObject({ redriveCount: 1, stateName: at });
      // Nothing before the failed step ran again.
      const after = ex.events.slice(ex.events.indexOf(redriven!));
      for (const s of done) expect(after.some((e) => e.stateName === s && e.type.endsWith('StateEntered'))).toBe(false);
      // A finished execution cannot be redriven again, nor started again under its name.
      expect(() => ex.redrive()).toThrow(expect.objectContaining({ name: 'ExecutionNotRedrivable' }));
      expect(() => h.start(failoverInput({ incidentId: 'inc-midway' }), 'inc-midway')).toThrow(expect.objectContaining({ name: 'ExecutionAlreadyExists' }));
      const all = h.world.effects.timeline;
      expect(all.slice(0, changesBefore.length)).toEqual(changesBefore);
      // Each change happened exactly once over both runs.
      expect([...all].sort()).toEqual([`site:${PRIMARY}=PASSIVE`, `promote:ledger:failover`, `shift:${STANDBY}`, `site:${STANDBY}=ACTIVE`].sort());
      expect(h.world.writerRegions()).toEqual([STANDBY]);
    },
  );

  it('a failure before any change (AssessDataRisk) aborts with the cause and an escalation, nothing changed', async () => {
    h.world.faults.set('data.lag' as Op, 'fatal');
    const ex = h.start(failoverInput(), 'inc-abort');
    const result = await h.result(ex);
    expect(outcomeOf(result, ex.events)).toBe('REFUSED');
    // It ended in a Fail state the workflow had alerted on: the reporter adds no second alert.
    expect(h.failureReports.get(ex)).toMatchObject({ kind: 'notified', failedState: 'Aborted' });
    expect(result).toMatchObject({ status: 'FAILED', error: 'Error', cause: expect.stringContaining('data.lag: failed') });
    expect(h.smAlerts.at(-1)).toMatchObject({ topic: 'escalation', Subject: 'DR: failover aborted, traffic and data unchanged' });
    expect(h.world.effects.timeline).toEqual([]);
  });
});
