import { ROUTE53_CHECK, Route53HealthCheckers } from '../../../local/detection/route53-health-checkers';

const P = 'us-east-1';
const S = 'us-west-2';

describe("the drill's Route 53 health checkers", () => {
  it('flip after the failure threshold, and the alarm follows only when the metric period closes', () => {
    const checkers = new Route53HealthCheckers('orders-dr-', [P, S]);
    for (let i = 1; i < ROUTE53_CHECK.failureThreshold; i++)
      checkers.record([
        [P, true],
        [S, false],
      ]);
    expect(checkers.evaluate(1)).toEqual([]);

    checkers.record([
      [P, true],
      [S, false],
    ]);
    expect(checkers.signals([P, S], 'now').map((s) => s.state)).toEqual(['ok', 'ok']);
    const [t, ...more] = checkers.evaluate(2);
    expect(more).toEqual([]);
    expect(t).toMatchObject({
      alarmName: `orders-dr-route53-health-check--global--${P}`,
      signalId: `route53:${P}`,
      target: P,
      state: 'ALARM',
      previous: 'OK',
      at: 2,
    });
    expect(checkers.signals([P], 'now')).toEqual([
      {
        id: `route53:${P}`,
        source: 'route53-health-check',
        vantage: 'global',
        target: P,
        healthy: false,
        state: 'alarm',
        detail: `alarm orders-dr-route53-health-check--global--${P} ALARM`,
        observedAt: 'now',
      },
    ]);
  });

  it('a success between failures starts the count again; recovery takes the threshold in successes', () => {
    const checkers = new Route53HealthCheckers('orders-dr-', [P, S]);
    checkers.record([[P, true]]);
    checkers.record([[P, true]]);
    checkers.record([[P, false]]);
    checkers.record([[P, true]]);
    expect(checkers.evaluate(1)).toEqual([]);

    for (let i = 0; i < ROUTE53_CHECK.failureThreshold; i++) checkers.record([[P, true]]);
    expect(checkers.evaluate(2).map((t) => t.state)).toEqual(['ALARM']);
    for (let i = 1; i < ROUTE53_CHECK.failureThreshold; i++) checkers.record([[P, false]]);
    expect(checkers.evaluate(3)).toEqual([]);
    checkers.record([[P, false]]);
    expect(checkers.evaluate(4).map((t) => [t.state, t.previous])).toEqual([['OK', 'ALARM']]);
  });
});
