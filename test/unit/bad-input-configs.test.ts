import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configWith } from '../support/repo-config';
import { drctl } from '../support/drctl';

/**
 * A matrix of invalid configs through the real CLI (`drctl plan --config FILE`, run in this process: the
 * exit code is what `run()` returns): each is refused with exit code 2 and a message naming the field,
 * without a stack trace. The same schema guards synth and drill
 * (test/failure-modes/17-bad-config-and-bad-event.test.ts).
 */
const dir = mkdtempSync(join(tmpdir(), 'bad-configs-'));
const valid = configWith({ traffic: 'route53-weighted', stores: ['dynamodb', 'aurora'] });
const arc = configWith({ traffic: 'arc-routing-control', stores: ['dynamodb'] });
const [primary, standby] = [valid.regions.primary.name, valid.regions.standby.name];

type Case = readonly [label: string, field: string, rule: string, contents: string];
const json = (v: unknown) => JSON.stringify(v, null, 2);
const cases: Case[] = [
  [
    'standby region equal to the primary',
    'regions.standby.name',
    'must differ from regions.primary.name',
    json({ ...valid, regions: { ...valid.regions, standby: { ...valid.regions.standby, name: primary } } }),
  ],
  [
    'a hosted zone id of the wrong shape',
    'traffic.hostedZoneId',
    'must be a Route 53 hosted zone id',
    json({ ...valid, traffic: { ...valid.traffic, hostedZoneId: 'example.com' } }),
  ],
  [
    'an Aurora store without the standby cluster',
    'dataStores[1].clusterArns',
    `needs an entry for region ${standby}`,
    json({
      ...valid,
      dataStores: valid.dataStores.map((s) => (s.kind === 'aurora-global' ? { ...s, clusterArns: { [primary]: s.clusterArns[primary] } } : s)),
    }),
  ],
  [
    'ARC without a routing control for the standby',
    'traffic.routingControlArns',
    `needs an entry for region ${standby}`,
    json({
      ...arc,
      traffic: { ...arc.traffic, routingControlArns: { [primary]: 'arn:aws:route53-recovery-control::111122223333:controlpanel/p/routingcontrol/a' } },
    }),
  ],
  ['a quorum of one', 'detection.quorum', 'one signal alone never fails over', json({ ...valid, detection: { ...valid.detection, quorum: 1 } })],
  [
    'an approval timeout under a minute',
    'approval.timeoutSeconds',
    'expected number to be >=60',
    json({ ...valid, approval: { ...valid.approval, timeoutSeconds: 10 } }),
  ],
  ['a misspelled field', 'objectives', 'unknown field(s) "rpoSecs"', json({ ...valid, objectives: { ...valid.objectives, rpoSecs: 5 } })],
  ['not JSON at all', 'is not valid JSON', 'Expected', '{ "application": "orders", '],
];

type Result = { code: number; stdout: string; stderr: string };
const results = new Map<string, Result>();
beforeAll(async () => {
  const files = new Map(cases.map(([label, , , contents]) => [label, contents]));
  files.set('valid', json(valid));
  for (const [label, contents] of files) {
    const file = join(dir, `${label.replace(/\W+/g, '-')}.json`);
    writeFileSync(file, contents);
    const { code, out, err, strayOut, strayErr } = await drctl(['plan', '--config', file]);
    results.set(label, { code, stdout: out + strayOut, stderr: err + strayErr });
  }
});

describe('drctl plan --config FILE refuses a bad config', () => {
  it.each(cases)('%s: exit 2, names %s', (label, field, rule) => {
    const { code, stdout, stderr } = results.get(label)!;
    expect(code).toBe(2);
    expect(stderr).toContain(field);
    expect(stderr).toContain(rule);
    expect(stderr).toMatch(/^drctl: /);
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(stdout).toBe('');
  });

  it('the valid config they were made from plans fine (exit 0): each refusal is about its one field', () => {
    const { code, stderr } = results.get('valid')!;
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
