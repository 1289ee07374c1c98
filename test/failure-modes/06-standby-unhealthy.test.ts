import type { AlarmStateValue } from '../../functions/shared/ports';
import { Harness, PRIMARY, STANDBY, configWith, outcomeOf, primaryImpaired } from './harness';
import { useVirtualTime } from '../support/virtual-time';

// Retry intervals, Waits and timeouts take virtual time only: nothing here waits on the real clock.
useVirtualTime();

/**
 * Failure mode 6: the primary is impaired but the standby is not healthy on every signal that can see
 * it: the failover is refused and escalated, and traffic never moves onto the standby.
 */
const config = configWith({ traffic: 'route53-weighted', stores: ['dynamodb', 'aurora'], approval: { mode: 'auto-when-safe' } });

describe('FM6 standby unhealthy', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(config);
  });
  afterEach(() => h.dispose());

  const standbyCases: Array<[string, Array<[source: 'canary' | 'route53-health-check', vantage: 'primary' | 'standby' | 'global', state: AlarmStateValue]>]> = [
    ['the primary canary sees the standby fail', [['canary', 'primary', 'ALARM']]],
    ['Route 53 sees the standby fail', [['route53-health-check', 'global', 'ALARM']]],
    ["the standby's own canary went silent (its region is dark)", [['canary', 'standby', 'INSUFFICIENT_DATA']]],
    [
      'nothing at all sees the standby healthy',
      [
        ['canary', 'primary', 'INSUFFICIENT_DATA'],
        ['canary', 'standby', 'INSUFFICIENT_DATA'],
        ['route53-health-check', 'global', 'INSUFFICIENT_DATA'],
      ],
    ],
  ];

  it.each(standbyCases)('%s: REFUSED with an escalation, no traffic, site-state or data change', async (_label, standbySignals) => {
    primaryImpaired(h.world);
    for (const [source, vantage, state] of standbySignals) {
      const v = vantage === 'primary' ? PRIMARY : vantage === 'standby' ? STANDBY : 'global';
      h.world.alarms.set(h.world.alarmName(source, v, STANDBY), state);
    }
    // Started by the real trigger, which sees the quorum on the primary (it does not judge the standby).
    expect(await h.deliver(STANDBY, h.alarmEvent(h.world.alarmName('canary', STANDBY, PRIMARY), 'ALARM', STANDBY))).toMatchObject({ action: 'started' });
    const [ex] = h.executions;
    const result = await h.result(ex);

    expect(outcomeOf(result)).toBe('REFUSED');
    expect(result).toMatchObject({ status: 'FAILED', error: 'FailoverRefused' });
    expect(h.smAlerts).toEqual([expect.objectContaining({ topic: 'escalation', Subject: 'DR: failover refused, standby unhealthy' })]);
    expect(h.world.effects.shifts).toEqual([]);
    expect(h.world.effects.timeline).toEqual([]);
    expect(h.world.serving()).toBe(PRIMARY);
    expect(h.world.approvals.records.size).toBe(0);
    expect(h.entered(ex, 'ShiftTraffic')).toBe(false);
  });
});
