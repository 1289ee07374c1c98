import fc from 'fast-check';
import {
  alarmNamePrefix,
  compositeAlarmName,
  controlPlaneAlarmName,
  DETECTION_SOURCES,
  type DetectionAlarm,
  detectionAlarmName,
  GLOBAL,
  parseDetectionAlarmName,
  signalAlarmName,
  signalAlarmNamePrefix,
} from '../../config/resource-names';
import { parseAlarmName } from '../../functions/shared/aws/cloudwatch-health-signals';
import { alarmSubject } from '../../functions/alarm-trigger/alarm-trigger';

// Replay a failure: FC_SEED=<seed> npx jest test/unit/resource-names.test.ts
const seed = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : 20_261_201;
const numRuns = 500;

/** Lower-case words joined by single dashes: what a region name, `global` or a source looks like. */
const word = fc.stringMatching(/^[a-z0-9]{1,8}$/);
const part = fc.array(word, { minLength: 1, maxLength: 4 }).map((w) => w.join('-'));
const region = fc.oneof(fc.constantFrom('us-east-1', 'us-west-2', 'eu-central-1', 'ap-southeast-2'), part);
/** Application names as the config allows them, and so the prefixes the stacks give alarms. */
const prefix = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/).map(alarmNamePrefix);
const alarm: fc.Arbitrary<DetectionAlarm> = fc.oneof(
  fc.record({
    kind: fc.constant('signal' as const),
    source: fc.constantFrom(...DETECTION_SOURCES),
    vantage: fc.oneof(region, fc.constant(GLOBAL)),
    target: fc.oneof(region, fc.constant(GLOBAL)),
  }),
  fc.record({ kind: fc.constant('composite' as const), target: region }),
);

describe('detection alarm names', () => {
  test('build then parse gives back what was built, for any prefix, source, vantage and target', () => {
    fc.assert(
      fc.property(prefix, alarm, (p, a) => {
        expect(parseDetectionAlarmName(detectionAlarmName(p, a), p)).toEqual(a);
      }),
      { seed, numRuns },
    );
  });

  test('parse then build gives back the name, for any name that parses', () => {
    fc.assert(
      fc.property(prefix, fc.array(fc.oneof(part, fc.constantFrom(...DETECTION_SOURCES, 'impaired')), { minLength: 1, maxLength: 4 }), (p, parts) => {
        const name = `${p}${parts.join('--')}`;
        const parsed = parseDetectionAlarmName(name, p);
        if (parsed) expect(detectionAlarmName(p, parsed)).toBe(name);
      }),
      { seed, numRuns },
    );
  });

  test('the two readers in functions/ agree with it: the health checker sees the signals, the alarm trigger every detection alarm', () => {
    fc.assert(
      fc.property(prefix, alarm, (p, a) => {
        const name = detectionAlarmName(p, a);
        expect(alarmSubject(name, p)).toEqual(a);
        expect(parseAlarmName(name, p)).toEqual(a.kind === 'signal' ? { source: a.source, vantage: a.vantage, target: a.target } : undefined);
      }),
      { seed, numRuns },
    );
  });

  test('the documented examples', () => {
    expect(signalAlarmName('orders-dr-', 'canary', 'us-west-2', 'us-east-1')).toBe('orders-dr-canary--us-west-2--us-east-1');
    expect(signalAlarmName('orders-dr-', 'route53-health-check', GLOBAL, 'us-east-1')).toBe('orders-dr-route53-health-check--global--us-east-1');
    expect(compositeAlarmName('orders-dr-', 'us-east-1')).toBe('orders-dr-impaired--us-east-1');
    expect(signalAlarmNamePrefix('orders-dr-', 'route53-health-check')).toBe('orders-dr-route53-health-check--');
    expect(alarmNamePrefix('orders')).toBe('orders-dr-');
  });

  test.each([
    ['another prefix', 'payments-dr-canary--us-west-2--us-east-1'],
    ['no prefix', 'canary--us-west-2--us-east-1'],
    ['a control-plane alarm', 'orders-dr-detection-dead-letters'],
    ['an execution alarm', 'orders-dr-failover-executions-failed'],
    ['an unknown source', 'orders-dr-latency--us-west-2--us-east-1'],
    ['a missing part', 'orders-dr-canary--us-west-2'],
    ['an extra part', 'orders-dr-canary--us-west-2--us-east-1--x'],
    ['a composite with a vantage', 'orders-dr-impaired--us-west-2--us-east-1'],
    ['an empty part', 'orders-dr-canary----us-east-1'],
    ['a triple dash', 'orders-dr-canary---us-west-2--us-east-1'],
    ['upper case', 'orders-dr-canary--US-WEST-2--us-east-1'],
    ['a trailing dash', 'orders-dr-canary--us-west-2--us-east-1-'],
    ['a space', 'orders-dr-canary--us-west-2--us east-1'],
    ['the prefix alone', 'orders-dr-'],
  ])('parse rejects %s: %s', (_what, name) => {
    expect(parseDetectionAlarmName(name, 'orders-dr-')).toBeUndefined();
  });

  test('parse rejects any name built without the prefix it is given', () => {
    fc.assert(
      fc.property(prefix, prefix, alarm, (p, other, a) => {
        fc.pre(!detectionAlarmName(other, a).startsWith(p));
        expect(parseDetectionAlarmName(detectionAlarmName(other, a), p)).toBeUndefined();
      }),
      { seed, numRuns },
    );
  });

  test('build refuses a part the parser could not read back, so no alarm gets a name the functions would ignore', () => {
    expect(() => signalAlarmName('orders-dr-', 'canary', 'us--west-2', 'us-east-1')).toThrow(/vantage "us--west-2"/);
    expect(() => signalAlarmName('orders-dr-', 'canary', 'us-west-2', 'US-EAST-1')).toThrow(/target "US-EAST-1"/);
    expect(() => compositeAlarmName('orders-dr-', '')).toThrow(/target ""/);
  });
});

describe('control-plane alarm names', () => {
  test('are the name under the prefix and never parse as a detection alarm', () => {
    fc.assert(
      fc.property(prefix, part, (p, name) => {
        const built = controlPlaneAlarmName(p, name);
        expect(built).toBe(`${p}${name}`);
        expect(parseDetectionAlarmName(built, p)).toBeUndefined();
      }),
      { seed, numRuns },
    );
  });

  test('refuse a name with `--`, which marks detection alarms', () => {
    expect(() => controlPlaneAlarmName('orders-dr-', 'canary--us-west-2--us-east-1')).toThrow(/--/);
    expect(() => controlPlaneAlarmName('orders-dr-', 'Dead Letters')).toThrow(/single dashes/);
  });
});
