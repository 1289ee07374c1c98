import { Harness, PRIMARY, STANDBY, configWith, failoverInput, outcomeOf } from './harness';
import { useVirtualTime } from '../support/virtual-time';

// Retry intervals, Waits and timeouts take virtual time only: nothing here waits on the real clock.
useVirtualTime();

/**
 * Failure mode 3: one signal failing alone (a broken network path, one observer's region dark) is an
 * alert, never a failover: the quorum needs two independent observers (source + vantage).
 */
const config = configWith({ traffic: 'route53-weighted', stores: ['dynamodb', 'aurora'], detection: { quorum: 2 } });

describe('FM3 one signal fails alone', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(config);
  });
  afterEach(() => h.dispose());

  it.each([
    ['the standby canary view of the primary', () => h.world.alarmName('canary', STANDBY, PRIMARY)],
    ["the primary's own canary", () => h.world.alarmName('canary', PRIMARY, PRIMARY)],
    ['the Route 53 health check', () => h.world.alarmName('route53-health-check', 'global', PRIMARY)],
  ])('%s alone: an alert saying 1 of 2, no execution, even when its events repeat', async (_label, alarm) => {
    for (let i = 0; i < 3; i++) await h.alarm(alarm(), 'ALARM', [STANDBY], 2);
    expect(h.executions).toHaveLength(0);
    expect(h.deliveries.every((d) => d.result?.action === 'below-quorum')).toBe(true);
    const alerts = h.world.outbox.filter((m) => m.topic === 'alert');
    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts[0].subject).toContain('(1 of 2 signals)');
    expect(alerts[0].body).toContain('One signal alone never fails over');
  });

  it('silence from an observer outside the primary (its region dark) does not count against the primary', async () => {
    await h.alarm(h.world.alarmName('canary', PRIMARY, PRIMARY), 'ALARM', [STANDBY]);
    await h.alarm(h.world.alarmName('route53-health-check', 'global', PRIMARY), 'INSUFFICIENT_DATA', [STANDBY]);
    expect(h.executions).toHaveLength(0);
  });

  it('an execution that finds one failing signal at decision time alerts and ends NO_ACTION without touching anything', async () => {
    h.world.alarms.set(h.world.alarmName('canary', STANDBY, PRIMARY), 'ALARM');
    const ex = h.start(failoverInput({ approvalMode: 'auto-when-safe' }), 'inc-one-signal');
    const result = await h.result(ex);
    expect(outcomeOf(result)).toBe('NO_ACTION');
    expect((result.output as { health: { verdict: string } }).health.verdict).toBe('INSUFFICIENT_SIGNALS');
    expect(h.smAlerts).toEqual([
      expect.objectContaining({ topic: 'alert', Subject: 'DR: no failover needed', Message: expect.stringContaining('Only 1 independent signal(s)') }),
    ]);
    expect(h.world.effects.timeline).toEqual([]);
    expect(h.world.approvals.records.size).toBe(0);
  });
});
