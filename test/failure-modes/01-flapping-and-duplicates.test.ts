import { incidentIdFor } from '../../functions/alarm-trigger/alarm-trigger';
import { Harness, PRIMARY, STANDBY, T0, configWith, outcomeOf } from './harness';
import { useVirtualTime } from '../support/virtual-time';

// Retry intervals, Waits and timeouts take virtual time only: nothing here waits on the real clock.
useVirtualTime();

/**
 * Failure mode 1: a flapping alarm and duplicate events (EventBridge delivers at least once, and both
 * regions' copies of the trigger receive them) start exactly one execution per incident: the regional
 * incident lock plus an execution name derived from the incident.
 */
const config = configWith({ traffic: 'route53-weighted', stores: ['dynamodb'] });

describe('FM1 flapping alarm / duplicate events', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(config);
  });
  afterEach(() => h.dispose());

  const standbyView = () => h.world.alarmName('canary', STANDBY, PRIMARY);
  const ownView = () => h.world.alarmName('canary', PRIMARY, PRIMARY);
  const both = [PRIMARY, STANDBY];

  it('three copies of every event to both regions, while the alarm flaps for minutes: one execution, named after the incident', async () => {
    await h.alarm(ownView(), 'ALARM', both, 3);
    await h.alarm(standbyView(), 'ALARM', both, 3);
    const startedAt = h.world.clock.now();
    for (let flap = 0; flap < 6; flap++) {
      h.world.clock.advance(20_000);
      await h.alarm(standbyView(), 'OK', both, 3);
      h.world.clock.advance(20_000);
      await h.alarm(standbyView(), 'ALARM', both, 3);
      await h.quiesce();
    }

    expect(h.executions).toHaveLength(1);
    const name = incidentIdFor(config.application, PRIMARY, startedAt);
    expect(h.executions[0].name).toBe(name);
    const fromStandby = h.deliveries.filter((d) => d.region === STANDBY).map((d) => d.result?.action);
    expect(fromStandby.filter((a) => a === 'started')).toHaveLength(1);
    // Every later quorum landed on the lock and the same name, not on a new execution.
    expect(fromStandby.filter((a) => a === 'duplicate').length).toBeGreaterThanOrEqual(10);
    expect(new Set(h.deliveries.filter((d) => d.result?.incidentId).map((d) => d.result!.incidentId))).toEqual(new Set([name]));
    // The primary's own copy only ever fails over TO the primary: alarms about itself are not its business.
    expect(h.deliveries.filter((d) => d.region === PRIMARY).every((d) => d.result?.action === 'ignored')).toBe(true);
  });

  it('a late duplicate after the execution ended, and after the event-age window, still starts nothing', async () => {
    await h.alarm(ownView(), 'ALARM', [STANDBY]);
    const [event] = await h.alarm(standbyView(), 'ALARM', [STANDBY]);
    await h.quiesce();
    const [ex] = h.executions;
    const approval = h.waitingApproval(ex)!;
    await h.decide(approval, 'reject');
    expect(outcomeOf(await h.result(ex))).toBe('REJECTED');

    // EventBridge redelivers the same event; the execution it started is over (rejected).
    expect(await h.deliver(STANDBY, event)).toMatchObject({ action: 'duplicate', incidentId: ex.name });
    h.world.clock.advance(config.detection.maxEventAgeSeconds * 1000 + 1_000);
    // A fresh event about the same incident, after the event-age window but inside the cooldown.
    expect(await h.deliver(STANDBY, h.alarmEvent(standbyView(), 'ALARM', STANDBY))).toMatchObject({ action: 'cooldown', incidentId: ex.name });
    expect(h.executions).toHaveLength(1);
  });

  it('a trigger that took the lock but died before StartExecution: the next duplicate starts the same incident, once', async () => {
    const starter = h.starters[STANDBY];
    const realStart = starter.start.bind(starter);
    let calls = 0;
    jest.spyOn(starter, 'start').mockImplementation(async (name, input) => {
      if (++calls === 1) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      return realStart(name, input);
    });
    await h.alarm(ownView(), 'ALARM', [STANDBY]);
    h.world.alarms.set(standbyView(), 'ALARM');
    const event = h.alarmEvent(standbyView(), 'ALARM', STANDBY);
    expect(await h.deliver(STANDBY, event)).toBeUndefined();
    expect(h.deliveries.at(-1)?.error).toMatch(/ThrottlingException/);
    expect(h.executions).toHaveLength(0);

    h.world.clock.advance(30_000);
    const retried = await h.deliver(STANDBY, event);
    await h.deliver(STANDBY, event);
    expect(retried).toMatchObject({ action: 'started', incidentId: incidentIdFor(config.application, PRIMARY, T0) });
    expect(h.executions.map((e) => e.name)).toEqual([incidentIdFor(config.application, PRIMARY, T0)]);
  });
});
