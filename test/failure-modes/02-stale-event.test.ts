import { Harness, PRIMARY, STANDBY, configWith, outcomeOf } from './harness';
import { useVirtualTime } from '../support/virtual-time';

// Retry intervals, Waits and timeouts take virtual time only: nothing here waits on the real clock.
useVirtualTime();

/**
 * Failure mode 2: EventBridge retries a delivery for up to 24 h, so an event may describe a world that
 * has moved on. The trigger drops events older than detection.maxEventAgeSeconds, never acts on the
 * event's word alone (it re-reads the alarms), and the state machine re-checks health at decision time.
 */
const config = configWith({ traffic: 'route53-weighted', stores: ['dynamodb'], detection: { maxEventAgeSeconds: 300 } });

describe('FM2 stale events', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(config);
  });
  afterEach(() => h.dispose());

  const standbyView = () => h.world.alarmName('canary', STANDBY, PRIMARY);
  const ownView = () => h.world.alarmName('canary', PRIMARY, PRIMARY);

  it('an event older than maxEventAgeSeconds is dropped even though the alarms it names still hold a quorum', async () => {
    h.world.alarms.set(ownView(), 'ALARM');
    h.world.alarms.set(standbyView(), 'ALARM');
    const old = h.alarmEvent(standbyView(), 'ALARM', STANDBY, { at: h.world.clock.now() - 301_000 });
    expect(await h.deliver(STANDBY, old)).toMatchObject({ action: 'stale', reason: expect.stringContaining('over detection.maxEventAgeSeconds (300 s)') });
    expect(h.executions).toHaveLength(0);
    // The same event inside the window starts the failover: age is the only difference.
    const fresh = { ...old, time: new Date(h.world.clock.now() - 299_000).toISOString() };
    expect(await h.deliver(STANDBY, fresh)).toMatchObject({ action: 'started' });
  });

  it('an ALARM event whose alarm has since returned to OK starts nothing: the trigger re-reads the alarm states', async () => {
    h.world.alarms.set(ownView(), 'ALARM');
    const event = h.alarmEvent(standbyView(), 'ALARM', STANDBY);
    // Delivered late (but within the age window): by now the standby's canary sees the primary healthy again.
    h.world.alarms.set(standbyView(), 'OK');
    expect(await h.deliver(STANDBY, event)).toMatchObject({ action: 'below-quorum', independentFailures: 1 });
    expect(h.executions).toHaveLength(0);
  });

  it('health is assessed again when the execution runs: a primary that recovered meanwhile means NO_ACTION, nothing changed', async () => {
    h.world.alarms.set(ownView(), 'ALARM');
    h.world.alarms.set(standbyView(), 'ALARM');
    // The primary recovers right after the trigger counted its quorum, before AssessHealth reads the alarms.
    const read = h.world.triggerSignals.read;
    jest.spyOn(h.world.triggerSignals, 'read').mockImplementation(async (regions) => {
      const seen = await read(regions);
      for (const name of h.world.alarmNames()) h.world.alarms.set(name, 'OK');
      return seen;
    });
    expect(await h.deliver(STANDBY, h.alarmEvent(standbyView(), 'ALARM', STANDBY))).toMatchObject({ action: 'started' });
    const [ex] = h.executions;
    const result = await h.result(ex);
    expect(outcomeOf(result)).toBe('NO_ACTION');
    expect((result.output as { health: { verdict: string } }).health.verdict).toBe('PRIMARY_HEALTHY');
    expect(h.smAlerts.map((a) => a.Subject)).toEqual(['DR: no failover needed']);
    expect(h.world.effects.timeline).toEqual([]);
    expect(h.world.serving()).toBe(PRIMARY);
  });
});
