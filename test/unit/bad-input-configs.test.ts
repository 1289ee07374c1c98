import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { configWith } from '../failure-modes/harness';

/**
 * A matrix of invalid configs through the real CLI (`drctl plan --config FILE`): each is refused with exit
 * code 2 and a message naming the field, without a stack trace. The same schema guards synth and drill
 * (test/failure-modes/17-bad-config-and-bad-event.test.ts).
 */
const ROOT = resolve(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'bad-configs-'));
const valid = configWith({ traffic: 'route53-weighted', stores: ['dynamodb', 'aurora'] });
const arc = configWith({ traffic: 'arc-routing-control', stores: ['dynamodb'] });
const [primary, standby] = [valid.regions.primary.name, valid.regions.standby.name];

type Case = readonly [label: string, field: string, rule: string, contents: string];
const json = (v: unknown) => JSON.stringify(v, null, 2);
const cases: Case[] = [
  ['standby region equal to the primary', 'regions.standby.name', 'must differ from regions.primary.name', json({ ...valid, regions: { ...valid.regions, standby: { ...valid.regions.standby, name: primary } } })],
  ['a hosted zone id of the wrong shape', 'traffic.hostedZoneId', 'must be a Route 53 hosted zone id', json({ ...valid, traffic: { ...valid.traffic, hostedZoneId: 'example.com' } })],
  [
    'an Aurora store without the standby cluster',
    'dataStores[1].clusterArns',
    `needs an entry for region ${standby}`,
    json({ ...valid, dataStores: valid.dataStores.map((s) => (s.kind === 'aurora-global' ? { ...s, clusterArns: { [primary]: s.clusterArns[primary] } } : s)) }),
  ],
  [
    'ARC without a routing control for the standby',
    'traffic.routingControlArns',
    `needs an entry for region ${standby}`,
    json({ ...arc, traffic: { ...arc.traffic, routingControlArns: { [primary]: 'arn:aws:route53-recovery-control::111122223333:controlpanel/p/routingcontrol/a' } } }),
  ],
  ['a quorum of one', 'detection.quorum', 'one signal alone never fails over', json({ ...valid, detection: { ...valid.detection, quorum: 1 } })],
  ['an approval timeout under a minute', 'approval.timeoutSeconds', 'expected number to be >=60', json({ ...valid, approval: { ...valid.approval, timeoutSeconds: 10 } })],
  ['a misspelled field', 'objectives', 'unknown field(s) "rpoSecs"', json({ ...valid, objectives: { ...valid.objectives, rpoSecs: 5 } })],
  ['not JSON at all', 'is not valid JSON', 'Expected', '{ "application": "orders", '],
];

function plan(file: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(join(ROOT, 'node_modules', '.bin', 'tsx'), ['cli/main.ts', 'plan', '--config', file], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

// Two at a time: each run is a fresh tsx process, and the machine has two cores.
const results = new Map<string, Promise<{ code: number | null; stdout: string; stderr: string }>>();
beforeAll(async () => {
  const queue = [...cases.map((c) => c[0]), 'valid'];
  const files = new Map(cases.map(([label, , , contents]) => [label, contents]));
  files.set('valid', json(valid));
  const worker = async () => {
    for (let label = queue.shift(); label !== undefined; label = queue.shift()) {
      const file = join(dir, `${label.replace(/\W+/g, '-')}.json`);
      writeFileSync(file, files.get(label)!);
      const run = plan(file);
      results.set(label, run);
      await run;
    }
  };
  await Promise.all([worker(), worker()]);
}, 120_000);

describe('drctl plan --config FILE refuses a bad config', () => {
  it.each(cases)('%s: exit 2, names %s', async (label, field, rule) => {
    const { code, stdout, stderr } = await results.get(label)!;
    expect(code).toBe(2);
    expect(stderr).toContain(field);
    expect(stderr).toContain(rule);
    expect(stderr).toMatch(/^drctl: /);
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(stdout).toBe('');
  });

  it('the valid config they were made from plans fine (exit 0): each refusal is about its one field', async () => {
    const { code, stderr } = await results.get('valid')!;
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
