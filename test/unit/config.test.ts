import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, parseConfig } from '../../config/load';

const good = () => JSON.parse(JSON.stringify(loadConfig('examples/configs/aurora-route53.config.json'))) as Record<string, any>;

function issuesOf(raw: unknown): string[] {
  try {
    parseConfig(raw, 'test.json');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues as string[];
  }
  throw new Error('expected the config to be rejected');
}

describe('config', () => {
  it('accepts the shipped dr.config.json and fills defaults', () => {
    const c = loadConfig('dr.config.json');
    expect(c.regions.primary.name).not.toBe(c.regions.standby.name);
    expect(c.approval.mode).toBe('required');
    expect(c.detection.quorum).toBeGreaterThanOrEqual(2);
  });

  it.each([
    ['regions.primary.name', (c: any) => (c.regions.primary.name = 'moon-1'), 'must be an AWS region name'],
    ['regions.standby.name', (c: any) => (c.regions.standby.name = c.regions.primary.name), 'must differ from regions.primary.name'],
    ['regions.standby.healthUrl', (c: any) => (c.regions.standby.healthUrl = 'ftp://x'), 'must be an http(s) URL'],
    ['detection.quorum', (c: any) => (c.detection.quorum = 1), 'one signal alone never fails over'],
    ['detection.datapointsToAlarm', (c: any) => (c.detection.datapointsToAlarm = 5), 'must not exceed detection.evaluationPeriods'],
    ['approval.approvers', (c: any) => (c.approval.approvers = []), 'needs at least one approver'],
    ['approval.approvers[0]', (c: any) => (c.approval.approvers = ['not-an-email']), 'must be an email address'],
    ['approval.timeoutSeconds', (c: any) => (c.approval.timeoutSeconds = 5), ''],
    ['dataStores[1].name', (c: any) => (c.dataStores[1].name = c.dataStores[0].name), 'duplicate data store name'],
    ['dataStores[1].clusterArns', (c: any) => delete c.dataStores[1].clusterArns['us-west-2'], 'needs an entry for region us-west-2'],
    ['traffic.hostedZoneId', (c: any) => (c.traffic.hostedZoneId = 'zone'), 'hosted zone id'],
    ['(root)', (c: any) => (c.surprise = true), 'unknown field(s) "surprise"'],
  ])('rejects a bad %s naming the field', (field, mutate, message) => {
    const c = good();
    mutate(c);
    const issues = issuesOf(c);
    const hit = issues.find((i) => i.startsWith(`${field}:`));
    expect(hit).toBeDefined();
    expect(hit).toContain(message);
  });

  it('names the file when it is not JSON or cannot be read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{ not json');
    expect(() => loadConfig(file)).toThrow(/broken\.json is not valid JSON/);
    expect(() => loadConfig(join(dir, 'missing.json'))).toThrow(/Cannot read config file .*missing\.json/);
  });
});
