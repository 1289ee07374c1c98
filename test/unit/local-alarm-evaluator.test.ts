import { InMemoryIncidentLock } from '../../local/detection/adapters';
import { AlarmEvaluator } from '../../local/detection/alarm-evaluator';

const P = 'us-east-1';
const S = 'us-west-2';
const detection = {
  probeIntervalSeconds: 10 as const,
  datapointsToAlarm: 2,
  evaluationPeriods: 3,
  quorum: 2,
  probeTimeoutMs: 2000,
  maxEventAgeSeconds: 300,
  cooldownSeconds: 1800,
};

/** Feeds rounds of datapoints (`undefined` = the vantage published nothing) and returns each alarm's state after each. */
function run(rounds: Array<Record<string, boolean | undefined>>, alarm: string) {
  const ev = new AlarmEvaluator(detection, 'orders-dr-', [P, S]);
  return rounds.map((r, i) => {
    const points = new Map(Object.entries(r).filter(([, v]) => v !== undefined) as Array<[string, boolean]>);
    ev.observe(points, i + 1, i);
    return ev.state(`orders-dr-canary--${alarm}`);
  });
}

describe('AlarmEvaluator (the deployed alarms, locally)', () => {
  it('M of N: 2 failing of the last 3 rounds alarm, and it clears when they age out', () => {
    const k = `${S}->${P}`;
    expect(run([{ [k]: false }, { [k]: true }, { [k]: false }, { [k]: true }, { [k]: true }, { [k]: false }, { [k]: false }], `${S}--${P}`)).toEqual([
      'OK',
      'OK',
      'OK',
      'ALARM',
      'ALARM',
      'ALARM',
      'OK',
    ]);
  });

  it('a silent canary breaches for its own region (it is dark) but is INSUFFICIENT_DATA for the other', () => {
    const silent = [{}, {}, {}];
    expect(run(silent, `${P}--${P}`)).toEqual(['OK', 'ALARM', 'ALARM']);
    expect(run(silent, `${P}--${S}`)).toEqual(['INSUFFICIENT_DATA', 'INSUFFICIENT_DATA', 'INSUFFICIENT_DATA']);
  });

  it('reports alarm states as signals with their state, like the CloudWatch adapter', () => {
    const ev = new AlarmEvaluator(detection, 'orders-dr-', [P, S]);
    ev.observe(new Map([[`${S}->${P}`, true]]), 1, 0);
    ev.observe(
      new Map([
        [`${S}->${P}`, true],
        [`${S}->${S}`, false],
      ]),
      2,
      0,
    );
    const byId = Object.fromEntries(ev.signals([P, S], 'now').map((s) => [s.id, s.state]));
    expect(byId).toEqual({
      [`canary:${P}->${P}`]: 'alarm',
      [`canary:${P}->${S}`]: 'no-data',
      [`canary:${S}->${P}`]: 'alarm',
      [`canary:${S}->${S}`]: 'ok',
    });
  });
});

describe('InMemoryIncidentLock', () => {
  it('one holder until it expires', async () => {
    const lock = new InMemoryIncidentLock();
    const a = { incidentId: 'a', acquiredAt: 0, expiresAt: 100 };
    const b = { incidentId: 'b', acquiredAt: 50, expiresAt: 150 };
    expect(await lock.acquire('k', a, 0)).toEqual({ acquired: true, holder: a });
    expect(await lock.acquire('k', b, 50)).toEqual({ acquired: false, holder: a });
    expect(await lock.acquire('k', b, 100)).toEqual({ acquired: true, holder: b });
  });
});
