import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../config/load';
import { runDrill, type DrillEvent, type DrillSummary } from '../../local/drill';
import { builtInScenarios, loadScenario } from '../../local/scenario-file';
import { drctl } from '../support/drctl';

const ROOT = join(__dirname, '..', '..');
const config = loadConfig(join(ROOT, 'dr.config.json'));

/** A run as `--json` prints it: every event, then the summary without the `wall` fields (real time). */
async function recorded(seed: number, scenario = 'primary-down'): Promise<{ text: string; summary: DrillSummary }> {
  const events: DrillEvent[] = [];
  const summary = await runDrill({ config, scenario, seed, outDir: null, onEvent: (e) => events.push(e) });
  const { wall, ...rest } = summary;
  expect(wall.elapsedMs).toBeGreaterThanOrEqual(0);
  return { text: [...events, rest].map((e) => JSON.stringify(e)).join('\n'), summary };
}

describe('the drill is deterministic: the same seed gives the same run', () => {
  it('seed 42 twice: byte-identical events and summary (apart from wall time)', async () => {
    const a = await recorded(42);
    const b = await recorded(42);
    expect(a.text).toBe(b.text);
    expect(a.summary.outcome).toBe('FAILED_OVER');
    expect(a.text.length).toBeGreaterThan(10_000);
  });

  it('another seed lands the fault at another phase of the canaries, and detection measures it', async () => {
    const phases = new Set<number | null>();
    const detections = new Set<number | null>();
    for (const seed of [1, 2, 3]) {
      const { summary } = await recorded(seed);
      phases.add(summary.faultPhaseMs);
      detections.add(summary.detectionMs);
      // Detection and the floor follow the phase: both within the M-of-N window of one probe interval each way.
      expect(summary.detectionMs).toBeGreaterThan(0);
      expect(summary.theoreticalMinMs).toBeGreaterThan(summary.detectionMs! - 2 * config.detection.probeIntervalSeconds * 1000);
    }
    expect(phases.size).toBe(3);
    expect(detections.size).toBe(3);
  });
});

describe('every built-in scenario meets its own expect', () => {
  const names = builtInScenarios();
  it('there are scenario files for every failure the design names', () => {
    expect(names).toEqual(
      expect.arrayContaining([
        'primary-down',
        'primary-slow',
        'false-alarm',
        'flapping',
        'duplicate-events',
        'standby-down',
        'replication-lag',
        'promotion-fails',
        'approval-timeout',
        'dns-api-down',
        'many-stores',
      ]),
    );
  });

  it.each(names)('%s (seed 1)', async (name) => {
    const summary = await runDrill({ config, scenario: name, seed: 1, outDir: null });
    const missed = summary.expectations.filter((c) => !c.matched);
    const broken = summary.invariants.filter((i) => !i.held);
    expect({ missed, broken }).toEqual({ missed: [], broken: [] });
    expect(summary.matched).toBe(true);
    expect(summary.outcome).toBe(loadScenario(name).expect.outcome);
  });
});

describe('drctl drill checks the outcome', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'drill-expect-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a scenario file with a wrong expect exits 1 and names what differed', async () => {
    const file = join(dir, 'wrong.json');
    const scenario = { ...JSON.parse(JSON.stringify(loadScenarioFile('primary-down'))), name: 'wrong-expect', expect: { outcome: 'NO_ACTION', executions: 0 } };
    writeFileSync(file, JSON.stringify(scenario));
    const { code, out } = await drctl(['drill', '--scenario', file, '--config', join(ROOT, 'dr.config.json'), '--json']);
    expect(code).toBe(1);
    const summary = JSON.parse(out.trim().split('\n').at(-1)!) as DrillSummary;
    expect(summary).toMatchObject({ type: 'summary', outcome: 'FAILED_OVER', matched: false, invariantsHeld: true });
    expect(summary.expectations.filter((c) => !c.matched)).toEqual([
      { key: 'outcome', expected: 'NO_ACTION', actual: 'FAILED_OVER', matched: false },
      { key: 'executions', expected: 0, actual: 1, matched: false },
    ]);
    const human = await drctl(['drill', '--scenario', file, '--config', join(ROOT, 'dr.config.json')]);
    expect(human.code).toBe(1);
    expect(human.out).toContain('expected               MISSED');
    expect(human.out).toContain('✗ outcome: expected "NO_ACTION", got "FAILED_OVER"');
  });

  it('a bad scenario file is a usage error (exit 2) naming the field', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ name: 'bad', description: 'x', faults: [{ at: 'soon', kind: 'region-down', region: 'primary' }] }));
    const { code, err } = await drctl(['drill', '--scenario', file, '--config', join(ROOT, 'dr.config.json')]);
    expect(code).toBe(2);
    expect(err).toMatch(/faults\[0\]\.at: "soon" is not a duration/);
    expect(err).not.toMatch(/\n\s+at /);
  });

  it('--seeds runs a range and prints the command that replays each seed', async () => {
    const { code, out } = await drctl(['drill', '--scenario', 'false-alarm', '--seeds', '1..3', '--config', join(ROOT, 'dr.config.json')]);
    expect(code).toBe(0);
    expect(out).toContain('scenario false-alarm, seeds 1..3');
    expect(out).toContain('3 run(s): 3 NO_ACTION; every seed met its expect and every invariant held');
  });
});

/** The file as written, not as parsed (durations stay strings). */
function loadScenarioFile(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(ROOT, 'scenarios', `${name}.json`), 'utf8')) as Record<string, unknown>;
}
