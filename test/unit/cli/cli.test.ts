import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DrConfigInput } from '../../../config/schema';
import { run } from '../../../cli/main';
import { capturedIo } from '../../support/drctl';

const valid: DrConfigInput = {
  application: 'shop',
  regions: {
    primary: { name: 'us-east-1', healthUrl: 'https://e.shop.example.com/health', apiEndpoint: 'https://e.shop.example.com' },
    standby: { name: 'us-west-2', healthUrl: 'https://w.shop.example.com/health', apiEndpoint: 'https://w.shop.example.com' },
  },
  globalDomain: { name: 'api.shop.example.com', ttlSeconds: 15 },
  traffic: {
    strategy: 'arc-routing-control',
    clusterEndpoints: [{ region: 'us-west-2', endpoint: 'https://host-a.us-west-2.example.com/v1' }],
    routingControlArns: {
      'us-east-1': 'arn:aws:route53-recovery-control::111122223333:controlpanel/abc/routingcontrol/e',
      'us-west-2': 'arn:aws:route53-recovery-control::111122223333:controlpanel/abc/routingcontrol/w',
    },
  },
  dataStores: [{ kind: 'dynamodb-global-table', name: 'orders', tableName: 'orders' }],
  approval: { mode: 'auto-when-safe', approvers: ['oncall@example.com'], escalation: ['leads@example.com'] },
  detection: { probeIntervalSeconds: 10, datapointsToAlarm: 2, evaluationPeriods: 3 },
  objectives: { rtoSeconds: 60, rpoSeconds: 5 },
};

let dir: string;
const file = (name: string, content: unknown) => {
  const p = join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
};
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'drctl-cli-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function drctl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const captured = capturedIo();
  const code = await run(args, {
    io: captured.io,
    clients: () => {
      throw new Error('no AWS call expected in these tests');
    },
  });
  const { out, err } = captured.text();
  process.exitCode = undefined;
  return { code, out, err };
}

describe('drctl --help', () => {
  test.each([
    ['drill', ['--scenario', '--approve', '--approval-mode', '--dry-run', '--json', '--report', '--config']],
    ['plan', ['--config', '--json', '--drills', '--strict']],
    ['failover', ['--to', '--dry-run', '--reason', '--incident', '--json']],
    ['failback', ['--to', '--dry-run', '--reason', '--json']],
    ['status', ['--json', '--limit']],
    ['history', ['<execution>', '--json', '--region']],
  ])('%s explains itself and its flags', async (command, flags) => {
    const { code, out } = await drctl(command, '--help');
    expect(code).toBe(0);
    expect(out).toContain(`Usage: drctl ${command}`);
    for (const f of flags) expect(out).toContain(f);
  });

  test('the top level lists every command', async () => {
    const { code, out } = await drctl('--help');
    expect(code).toBe(0);
    for (const c of ['drill', 'plan', 'failover', 'failback', 'status', 'history']) expect(out).toMatch(new RegExp(`\\n  ${c}\\b`));
  });
});

describe('drctl plan', () => {
  test('--json carries rtoSeconds, rpoSeconds, monthlyCostUsd and the breakdowns', async () => {
    const { code, out } = await drctl('plan', '--json', '--config', file('arc.json', valid));
    expect(code).toBe(0);
    const plan = JSON.parse(out);
    expect(typeof plan.rtoSeconds).toBe('number');
    expect(plan.rpoSeconds).toBe(1);
    expect(plan.monthlyCostUsd).toBeGreaterThan(1825);
    expect(plan.rto.terms.map((t: { key: string }) => t.key)).toEqual(['detection', 'orchestration', 'promotion', 'traffic', 'dnsTtl']);
    expect(plan.cost.lines.find((l: { item: string }) => l.item.startsWith('Route 53 ARC cluster')).monthlyUsd).toBe(1825);
    expect(plan.meetsTargets).toBe(true);
  });

  test('the text shows each term with its source, the total and the cost', async () => {
    const { code, out } = await drctl('plan', '--config', file('arc.json', valid));
    expect(code).toBe(0);
    expect(out).toMatch(/projected RTO\s+\d+\.\d s\s+target 60 s/);
    expect(out).toContain('[aws-sdk-js-v3 issue 6914, PR 6027 (SDK team benchmarks)]');
    expect(out).toMatch(/Monthly cost of the control plane, both regions/);
    expect(out).toContain('The config can meet its RTO and RPO targets.');
  });

  test('--strict exits 1 when a target cannot be met, and says which', async () => {
    const slow = { ...valid, objectives: { rtoSeconds: 30, rpoSeconds: 5 } };
    const { code, out } = await drctl('plan', '--strict', '--config', file('slow.json', slow));
    expect(code).toBe(1);
    expect(out).toMatch(/CANNOT MEET TARGET: projected RTO [\d.]+ s exceeds objectives\.rtoSeconds 30 s/);
  });
});

describe('bad input is one clear line and exit 2', () => {
  test('an invalid config names the field', async () => {
    const bad = { ...valid, detection: { quorum: 1 } };
    const { code, err, out } = await drctl('plan', '--config', file('bad.json', bad));
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain('detection.quorum: must be at least 2');
    expect(err).not.toMatch(/\n\s+at /);
  });

  test('a missing config file says which file', async () => {
    const { code, err } = await drctl('plan', '--config', join(dir, 'nope.json'));
    expect(code).toBe(2);
    expect(err).toMatch(/Cannot read config file .*nope\.json/);
  });

  test('an unknown scenario is refused before anything starts, listing the known ones', async () => {
    const { code, err } = await drctl('drill', '--scenario', 'meteor');
    expect(code).toBe(2);
    expect(err).toMatch(/Unknown scenario "meteor": not a file, and not one of .*primary-down/s);
  });

  test('--report must name an HTML file, checked before the drill runs', async () => {
    const target = join(dir, 'report.txt');
    const { code, err } = await drctl('drill', '--report', target, '--config', file('arc.json', valid));
    expect(code).toBe(2);
    expect(err).toContain('--report');
    expect(existsSync(target)).toBe(false);
  });

  test('an unknown command exits 2', async () => {
    const { code, err } = await drctl('explode');
    expect(code).toBe(2);
    expect(err).toMatch(/unknown command 'explode'/);
  });

  test('a non-numeric --drills names the option', async () => {
    const { code, err } = await drctl('plan', '--drills', 'many', '--config', file('arc.json', valid));
    expect(code).toBe(2);
    expect(err).toMatch(/option '--drills <n>' argument 'many' is invalid/);
  });
});
