import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../config/load';
import { runDrill, type DrillEvent, type DrillSummary } from '../../local/drill';

// Detection end to end: local canaries, M-of-N alarms and the real alarm-trigger handler decide whether
// (and how often) the failover state machine starts. Nothing here is scripted past the fault itself.
const ROOT = join(__dirname, '..', '..');
const config = loadConfig(join(ROOT, 'dr.config.json'));
const PRIMARY = config.regions.primary.name;
const STANDBY = config.regions.standby.name;
const PREFIX = `${config.application}-dr-`;

async function drill(scenario: string): Promise<{ summary: DrillSummary; events: DrillEvent[] }> {
  const events: DrillEvent[] = [];
  const summary = await runDrill({
    config,
    scenario,
    approve: 'auto',
    outDir: mkdtempSync(join(tmpdir(), `outbox-${scenario}-`)),
    onEvent: (e) => events.push(e),
  });
  return { summary, events };
}

const afterFault = (events: DrillEvent[]) => events.slice(events.findIndex((e) => e.type === 'fault-injected'));
const alarms = (events: DrillEvent[], state: string, alarm?: string) =>
  afterFault(events).filter((e) => e.type === 'alarm' && e.state === state && (!alarm || e.alarm === alarm));
const triggers = (events: DrillEvent[], region?: string) => events.filter((e) => e.type === 'alarm-trigger' && (!region || e.region === region));

describe('detection scenarios', () => {
  it('false-alarm: one signal fails alone -> an alert, no execution at all (NO_ACTION, executions 0)', async () => {
    const { summary, events } = await drill('false-alarm');
    expect(summary).toMatchObject({ outcome: 'NO_ACTION', executions: 0, executionName: null, detectionMs: null, activeRegion: PRIMARY, invariantsHeld: true });
    // Only the broken path alarmed (the standby canary's view of the primary, and of the global name, which
    // answers from the primary): one vantage. The primary's own canary kept seeing it healthy.
    expect(
      alarms(events, 'ALARM')
        .map((e) => e.alarm)
        .sort(),
    ).toEqual([`${PREFIX}canary--${STANDBY}--global`, `${PREFIX}canary--${STANDBY}--${PRIMARY}`].sort());
    expect(triggers(events, STANDBY).filter((e) => e.action === 'below-quorum')).toHaveLength(1);
    expect(summary.matched).toBe(true);
    expect(triggers(events).some((e) => e.action === 'started')).toBe(false);
    const alert = events.find((e) => e.type === 'alert' && String(e.subject).includes('no failover'));
    expect(alert).toMatchObject({ topic: 'alert', subject: expect.stringContaining('(1 of 2 signals)') });
  });

  it('flapping: the primary fails and recovers repeatedly -> exactly one execution', async () => {
    const { summary, events } = await drill('flapping');
    expect(summary.executions).toBe(1);
    // The decision is re-read at decision time, so a flap can land either way; what never happens is a second execution.
    expect(['FAILED_OVER', 'NO_ACTION']).toContain(summary.outcome);
    expect(summary.invariants.find((i) => i.name === 'one-execution-per-incident')?.held).toBe(true);
    expect(summary.invariantsHeld).toBe(true);
    // It did flap: the standby's view of the primary alarmed, cleared and alarmed again.
    const view = `${PREFIX}canary--${STANDBY}--${PRIMARY}`;
    expect(alarms(events, 'ALARM', view).length).toBeGreaterThanOrEqual(2);
    expect(alarms(events, 'OK', view).length).toBeGreaterThanOrEqual(1);
    const fromStandby = triggers(events, STANDBY).filter((e) => String(e.alarm).includes(`--${PRIMARY}`) && !String(e.alarm).includes('global'));
    expect(fromStandby.filter((e) => e.action === 'started')).toHaveLength(1);
    // Every later quorum was absorbed (lock, cooldown, or the standby already ACTIVE), none started anything.
    const later = fromStandby.slice(fromStandby.findIndex((e) => e.action === 'started') + 1).filter((e) => e.action !== 'below-quorum');
    expect(later.length).toBeGreaterThanOrEqual(1);
    for (const e of later) expect(['duplicate', 'cooldown', 'ignored']).toContain(e.action);
  });

  it("duplicate-events: every event delivered three times and again later, both regions' triggers firing -> exactly one execution", async () => {
    const { summary, events } = await drill('duplicate-events');
    expect(summary).toMatchObject({ outcome: 'FAILED_OVER', executions: 1, activeRegion: STANDBY, invariantsHeld: true });
    const started = triggers(events).filter((e) => e.action === 'started');
    expect(started).toHaveLength(1);
    expect(started[0].region).toBe(STANDBY);
    // The event that started it reached the standby's trigger at least four times (3 copies + a late retry):
    // its twins landed on the lock, the retry on the lock or on the standby already ACTIVE.
    const sameEvent = triggers(events, STANDBY).filter((e) => e.eventId === started[0].eventId);
    expect(sameEvent.length).toBeGreaterThanOrEqual(4);
    expect(sameEvent.filter((e) => e.action === 'duplicate').length).toBeGreaterThanOrEqual(2);
    for (const e of sameEvent) expect(['started', 'duplicate', 'ignored']).toContain(e.action);
    // The primary's copy ran too (its region is up) and, seeing alarms about itself, never started anything.
    const primaryCopy = triggers(events, PRIMARY).filter((e) => String(e.alarm).endsWith(`--${PRIMARY}`));
    expect(primaryCopy.length).toBeGreaterThan(0);
    for (const e of primaryCopy) expect(e.action).toBe('ignored');
    expect(events.filter((e) => e.type === 'execution-started')).toHaveLength(1);
  });

  it('standby-down: a quorum on the primary, but the standby is unhealthy -> REFUSED with escalation, traffic stays on the primary', async () => {
    const { summary, events } = await drill('standby-down');
    expect(summary).toMatchObject({ outcome: 'REFUSED', executions: 1, activeRegion: PRIMARY, error: 'FailoverRefused', invariantsHeld: true });
    expect(summary.history.some((e) => e.stateName === 'NotifyRefused' && e.type.endsWith('StateEntered'))).toBe(true);
    expect(summary.history.some((e) => e.stateName === 'ShiftTraffic')).toBe(false);
    expect(events.find((e) => e.type === 'alert' && e.topic === 'escalation')).toBeDefined();
  });

  it('primary-down: detection is measured from the canaries (the dark region goes silent) and reported', async () => {
    const { summary, events } = await drill('primary-down');
    expect(summary).toMatchObject({ outcome: 'FAILED_OVER', executions: 1 });
    expect(summary.detectionMs).toEqual(expect.any(Number));
    expect(summary.detectionMs!).toBeGreaterThan(0);
    const startedAt = events.findIndex((e) => e.type === 'execution-started');
    const before = afterFault(events.slice(0, startedAt + 1));
    const alarmed = before.filter((e) => e.type === 'alarm' && e.state === 'ALARM').map((e) => e.alarm);
    // The standby's canary saw the primary fail; the primary's own canary fell silent, which breaches.
    expect(alarmed).toEqual(expect.arrayContaining([`${PREFIX}canary--${STANDBY}--${PRIMARY}`, `${PREFIX}canary--${PRIMARY}--${PRIMARY}`]));
    // A dark region's silence never counts against the standby.
    expect(alarms(events, 'ALARM', `${PREFIX}canary--${PRIMARY}--${STANDBY}`)).toEqual([]);
    // The dark region's copy of the trigger received nothing after the fault.
    const faultAt = events.find((e) => e.type === 'fault-injected')!.at;
    expect(triggers(events, PRIMARY).filter((e) => e.at > faultAt)).toEqual([]);
  });
});
