import { resolve } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { loadConfig } from '../../config/load';
import { alarmNamePrefix, compositeAlarmName, GLOBAL, parseDetectionAlarmName, signalAlarmName } from '../../config/resource-names';
import { HealthCheckStack } from '../../infra/stacks/health-check-stack';
import { ControlPlaneStack } from '../../infra/stacks/control-plane-stack';
import { testApp } from '../support/cdk';

// One app for the file, bundling skipped (test/infra convention): what `cdk synth` deploys for dr.config.json.
const config = loadConfig(resolve(__dirname, '..', '..', 'dr.config.json'));
const PREFIX = alarmNamePrefix(config.application);
const regions = [config.regions.primary.name, config.regions.standby.name];
const app = testApp();
const stacks = [
  new HealthCheckStack(app, 'health-checks', { env: { region: 'us-east-1' }, config }),
  ...regions.map((region) => new ControlPlaneStack(app, `control-plane-${region}`, { env: { region }, config })),
];

/** `<stack region> <alarm name>` of every metric and composite alarm the stacks synthesize. */
const synthesized = stacks.flatMap((stack) =>
  ['AWS::CloudWatch::Alarm', 'AWS::CloudWatch::CompositeAlarm'].flatMap((type) =>
    Object.values(Template.fromStack(stack).findResources(type)).map((r) => ({ region: stack.region, name: r.Properties.AlarmName as unknown })),
  ),
);

describe('the alarm names the stacks synthesize (config/resource-names.ts)', () => {
  test('are all literal names under the application prefix', () => {
    expect(synthesized.length).toBeGreaterThan(20);
    for (const { name } of synthesized) expect({ name, literal: typeof name === 'string' && name.startsWith(PREFIX) }).toEqual({ name, literal: true });
  });

  test('the detection alarms parse back to exactly the signals and quorum of each region, and nothing else does', () => {
    const parsed = synthesized.flatMap(({ region, name }) => {
      const alarm = parseDetectionAlarmName(name as string, PREFIX);
      return alarm ? [`${region} ${JSON.stringify(alarm)}`] : [];
    });
    const expected: string[] = [];
    for (const region of regions) {
      const peer = regions.find((r) => r !== region)!;
      expected.push(`${region} ${JSON.stringify({ kind: 'composite', target: peer })}`);
      for (const vantage of regions)
        for (const target of [...regions, GLOBAL]) expected.push(`${region} ${JSON.stringify({ kind: 'signal', source: 'canary', vantage, target })}`);
      // Outside us-east-1 a mirror holds each forwarded Route 53 state; in us-east-1 the health-check stack's alarm is the real one.
      if (region !== 'us-east-1')
        for (const target of regions) expected.push(`${region} ${JSON.stringify({ kind: 'signal', source: 'route53-health-check', vantage: GLOBAL, target })}`);
    }
    for (const target of regions) expected.push(`us-east-1 ${JSON.stringify({ kind: 'signal', source: 'route53-health-check', vantage: GLOBAL, target })}`);
    expect(parsed.sort()).toEqual(expected.sort());
  });

  test('the built names are the synthesized ones (spot check of each kind)', () => {
    const names = new Set(synthesized.map(({ region, name }) => `${region} ${name as string}`));
    const [primary, standby] = regions;
    expect(names).toContain(`${standby} ${compositeAlarmName(PREFIX, primary)}`);
    expect(names).toContain(`${standby} ${signalAlarmName(PREFIX, 'canary', standby, primary)}`);
    expect(names).toContain(`us-east-1 ${signalAlarmName(PREFIX, 'route53-health-check', GLOBAL, primary)}`);
  });

  test('the control plane alarms (dead letters, stalled schedules, failed executions) never read as detection alarms', () => {
    const others = synthesized.filter(({ name }) => parseDetectionAlarmName(name as string, PREFIX) === undefined).map(({ name }) => name as string);
    expect(others.length).toBeGreaterThanOrEqual(2 * 5);
    for (const name of others) expect(name.slice(PREFIX.length)).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });
});
