/**
 * `npm run bench [-- --json] [--only rto,throughput,stores,validator,projection,bundles,plan] [--runs N] [--seeds N]`
 *
 * Measures, in this run: RTO against the physical limit, failover scaling with data stores, the
 * post-failover validator at 1M items and its segmented comparison projected to 10M items at the configured read
 * budget, Lambda bundle size and cold load, and drctl's projected AWS RTO.
 * Not a test: nothing here asserts timing; figures are printed next to their goals.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { loadConfig } from '../config/load';
import { benchBundles } from './bundles';
import { benchManyStores, benchRto, benchThroughput } from './drill';
import { measurement, progress, round, type Measurement } from './lib';
import { benchPlan } from './plan';
import { benchValidator } from './validator';
import { benchValidatorProjection } from './validator-projection';

const SECTIONS = ['rto', 'throughput', 'stores', 'validator', 'projection', 'bundles', 'plan'] as const;
type Section = (typeof SECTIONS)[number];

interface Args {
  json: boolean;
  only: Set<Section>;
  runs: number;
  storeRuns: number;
  samples: number;
  items: number;
  seeds: number;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { json: false, only: new Set(SECTIONS), runs: 15, storeRuns: 3, samples: 10, items: 1_000_000, seeds: 200 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const int = (min: number) => {
      const n = Number(value());
      if (!Number.isInteger(n) || n < min) throw new Error(`${a.split('=')[0]} must be an integer >= ${min}`);
      return n;
    };
    if (a === '--json') args.json = true;
    else if (a.startsWith('--only')) {
      const names = value()
        .split(',')
        .map((s) => s.trim());
      const bad = names.filter((n) => !(SECTIONS as readonly string[]).includes(n));
      if (bad.length) throw new Error(`unknown section(s) ${bad.join(', ')}; known: ${SECTIONS.join(', ')}`);
      args.only = new Set(names as Section[]);
    } else if (a.startsWith('--runs')) args.runs = int(5);
    else if (a.startsWith('--store-runs')) args.storeRuns = int(1);
    else if (a.startsWith('--samples')) args.samples = int(1);
    else if (a.startsWith('--items')) args.items = int(1_000);
    else if (a.startsWith('--seeds')) args.seeds = int(10);
    else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

function machine() {
  let cpu = 'unknown';
  try {
    cpu = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu;
  } catch {
    // not Linux
  }
  return {
    nproc: availableParallelism(),
    cpu,
    memoryGB: round(totalmem() / 1024 ** 3, 1),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

const load = () => loadavg().map((l) => round(l, 2));

function printTable(ms: readonly Measurement[]): void {
  const rows = ms.map((m) => [
    m.name,
    m.value === null ? 'n/a' : `${m.value} ${m.unit}`,
    m.goal ?? '',
    m.met === undefined ? '' : m.met === null ? 'n/a' : m.met ? 'yes' : 'NO',
  ]);
  const head = ['figure', 'value', 'goal', 'met'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(w[i])).join(' | ')} |`;
  process.stdout.write(`${line(head)}\n|${w.map((n) => '-'.repeat(n + 2)).join('|')}|\n${rows.map(line).join('\n')}\n`);
  for (const m of ms) {
    if (m.detail) process.stdout.write(`\n${m.name}: ${JSON.stringify(m.detail)}\n`);
  }
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const config = loadConfig(resolve(__dirname, '..', 'dr.config.json'));
  const startedAt = new Date();
  const loadAtStart = load();
  const all: Measurement[] = [];
  const failures: string[] = [];
  const emit = (ms: Measurement[]) => {
    all.push(...ms);
    if (args.json) for (const m of ms) process.stdout.write(`${JSON.stringify(m)}\n`);
  };
  const section = async (name: Section, metricNames: string[], fn: () => Promise<Measurement[]>) => {
    if (!args.only.has(name)) return;
    progress(`${name}…`);
    const t = Date.now();
    try {
      emit(await fn());
    } catch (err) {
      const message = (err as Error).message;
      failures.push(`${name}: ${message}`);
      emit(metricNames.map((n) => measurement(n, null, '', undefined, { error: message })));
    }
    progress(`${name} done in ${round((Date.now() - t) / 1000, 1)} s`);
  };

  // Drills first: they are the most sensitive to other work on the machine, and nothing else is running yet.
  await section('rto', ['downtimeRatio', 'controlPlaneMs'], () => benchRto(config, args.runs));
  await section('throughput', ['seedsPerMinute', 'randomSchedulesPerMinute'], () => benchThroughput(config, args.seeds));
  await section('stores', ['manyStoresRatio'], () => benchManyStores(config, args.storeRuns));
  await section('validator', ['validator1MSeconds', 'validator1MPeakMB'], () => benchValidator(args.items));
  await section('projection', ['validator10MProjectedSeconds'], () => benchValidatorProjection(config));
  await section('bundles', ['bundleMaxKB', 'coldInitMaxMs'], () => benchBundles(args.samples));
  await section('plan', ['projectedAwsRtoSeconds'], () => benchPlan());

  const value = (name: string) => all.find((m) => m.name === name)?.value ?? null;
  const goals = Object.fromEntries(all.filter((m) => m.goal).map((m) => [m.name, { goal: m.goal, met: m.met }]));
  const summary = {
    type: 'summary',
    date: startedAt.toISOString(),
    downtimeRatio: value('downtimeRatio'),
    controlPlaneMs: value('controlPlaneMs'),
    seedsPerMinute: value('seedsPerMinute'),
    randomSchedulesPerMinute: value('randomSchedulesPerMinute'),
    manyStoresRatio: value('manyStoresRatio'),
    validator1MSeconds: value('validator1MSeconds'),
    validator1MPeakMB: value('validator1MPeakMB'),
    validatorNaiveRatio: value('validatorNaiveRatio'),
    validatorNaivePeakMB: value('validatorNaivePeakMB'),
    validator10MProjectedSeconds: value('validator10MProjectedSeconds'),
    bundleMaxKB: value('bundleMaxKB'),
    coldInitMaxMs: value('coldInitMaxMs'),
    projectedAwsRtoSeconds: value('projectedAwsRtoSeconds'),
    goals,
    allGoalsMet: Object.values(goals).every((g) => g.met === true),
    machine: { ...machine(), loadAverageAtStart: loadAtStart, loadAverageAtEnd: load() },
    durationSeconds: round((Date.now() - startedAt.getTime()) / 1000, 1),
    failures,
  };
  if (args.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else {
    printTable(all);
    process.stdout.write(`\nmachine: ${JSON.stringify(summary.machine)}\n${failures.length ? `failures:\n  ${failures.join('\n  ')}\n` : ''}`);
  }
  return failures.length ? 1 : 0;
}

main().then(
  // The figures are out: don't let a handle some drill left open hold the process.
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`bench: ${err.message}\n`);
    process.exit(2);
  },
);
