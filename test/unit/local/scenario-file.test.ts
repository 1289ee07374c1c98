import { join } from 'node:path';
import { loadConfig } from '../../../config/load';
import { checkFaults } from '../../../local/fault-schedule';
import {
  builtInScenarios,
  deepMerge,
  formatDuration,
  loadScenario,
  parseDuration,
  parseScenario,
  scenarioConfig,
  ScenarioError,
} from '../../../local/scenario-file';

const config = loadConfig(join(__dirname, '..', '..', '..', 'dr.config.json'));
const base = { name: 'x', description: 'd' };
const STATES = new Set(['PromoteStore', 'ShiftTraffic']);

describe('durations are AWS time strings', () => {
  it.each([
    ['250ms', 250],
    ['90s', 90_000],
    ['1.5m', 90_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
  ])('%s = %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
  it('refuses anything else, saying how to write one', () => {
    for (const bad of ['90', '2 minutes', '-1s', 's', '']) expect(() => parseDuration(bad)).toThrow(/is not a duration \(use a number and a unit/);
  });
  it('formats back to the shortest exact unit', () => {
    expect([3_600_000, 120_000, 90_000, 1_500].map(formatDuration)).toEqual(['1h', '2m', '90s', '1500ms']);
  });
});

describe('the scenario schema names every bad field', () => {
  const bad = (raw: Record<string, unknown>) => {
    try {
      parseScenario({ ...base, ...raw }, 'test.json');
    } catch (err) {
      expect(err).toBeInstanceOf(ScenarioError);
      return (err as Error).message;
    }
    throw new Error('accepted');
  };
  it('an unknown fault kind', () => expect(bad({ faults: [{ at: '1m', kind: 'meteor' }] })).toMatch(/faults\[0\]\.kind/));
  it('a missing region', () => expect(bad({ faults: [{ at: '1m', kind: 'region-down' }] })).toMatch(/faults\[0\]\.region/));
  it('a bad duration', () =>
    expect(bad({ faults: [{ at: 'later', kind: 'region-down', region: 'primary' }] })).toMatch(/faults\[0\]\.at: "later" is not a duration/));
  it('a rate over 1', () => expect(bad({ faults: [{ at: '1m', kind: 'region-errors', region: 'primary', rate: 2 }] })).toMatch(/faults\[0\]\.rate/));
  it('an unknown party', () => expect(bad({ faults: [{ at: '1m', kind: 'partition', between: ['primary', 'moon'] }] })).toMatch(/faults\[0\]\.between\[1\]/));
  it('an unknown key in expect', () => expect(bad({ expect: { outcom: 'FAILED_OVER' } })).toMatch(/expect: unknown field\(s\) "outcom"/));
  it('an unknown operator action', () => expect(bad({ operator: [{ at: '1m', do: 'panic' }] })).toMatch(/operator\[0\]\.do/));
  it('an unknown service', () => expect(bad({ faults: [{ at: '1m', kind: 'aws-api-down', service: 'ec2' }] })).toMatch(/faults\[0\]\.service/));
});

describe('references are checked against the config and the definition before anything runs', () => {
  const check = (fault: Record<string, unknown>) => () => checkFaults(parseScenario({ ...base, faults: [fault] }, 't').faults, config, STATES);
  it('a region that is neither primary nor standby', () =>
    expect(check({ at: '1m', kind: 'region-down', region: 'eu-north-1' })).toThrow(/faults\[0\] \(region-down\)\.region: region eu-north-1 is neither/));
  it('a store that does not exist', () => expect(check({ at: '1m', kind: 'replication-stall', store: 'payments' })).toThrow(/no data store named "payments"/));
  it('a state the definition does not have', () =>
    expect(check({ at: '1m', kind: 'step-fails', state: 'PromoteDatabase' })).toThrow(/has no state "PromoteDatabase"/));
  it('a partition of a party from itself', () =>
    expect(check({ at: '1m', kind: 'partition', between: ['primary', config.regions.primary.name] })).toThrow(/cannot be partitioned from itself/));
  it('a well-formed fault passes', () => expect(check({ at: '1m', kind: 'step-fails', state: 'ShiftTraffic', times: 2 })).not.toThrow());
});

describe('a scenario config is merged over the drill config, then validated again', () => {
  it('objects merge, arrays replace, a different strategy replaces the whole traffic block', () => {
    expect(deepMerge({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { c: 3 }, l: [9] })).toEqual({ a: { b: 1, c: 3 }, l: [9] });
    expect(deepMerge({ t: { strategy: 'x', zone: 'Z' } }, { t: { strategy: 'y', ep: 1 } })).toEqual({ t: { strategy: 'y', ep: 1 } });
  });
  it('${primary} and ${standby} stand for the configured regions', () => {
    const merged = scenarioConfig(config, loadScenario('promotion-fails'));
    const ledger = merged.dataStores.find((s) => s.name === 'ledger');
    expect(ledger).toMatchObject({ clusterArns: { [config.regions.primary.name]: expect.stringContaining(`:rds:${config.regions.primary.name}:`) } });
  });
  it('a merge that breaks the config names the field', () => {
    const sc = parseScenario({ ...base, config: { detection: { quorum: 0 } } }, 't');
    expect(() => scenarioConfig(config, sc)).toThrow(/detection\.quorum/);
  });
});

describe('the built-in scenario files', () => {
  it.each(builtInScenarios())('%s is valid and states what a correct control plane ends with', (name) => {
    const sc = loadScenario(name);
    expect(sc.name).toBe(name);
    expect(sc.expect.outcome).toBeDefined();
    expect(sc.description.length).toBeGreaterThan(40);
  });
  it('an unknown name lists the known ones', () => {
    expect(() => loadScenario('meteor')).toThrow(/Unknown scenario "meteor": not a file, and not one of .*primary-down/);
  });
});
