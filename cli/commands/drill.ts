import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_CONFIG_FILE } from '../../config/load';
import { DEFAULT_SEED, runDrill, type DrillEvent, type DrillSummary } from '../../local/drill';
import { runSeeds, type SeedResult } from '../../local/many-seeds';
import { scenarioToFile } from '../../local/random-schedule';
import { renderDrillReport } from '../../local/report/report';
import { builtInScenarios, loadScenario, ScenarioError } from '../../local/scenario-file';
import { CliError } from '../aws/errors';
import { action, readConfig, type CliIo } from '../io';
import { buildPlan, loadFailoverDefinition } from '../plan/plan';
import { humanSummary } from '../print';
import { DrillProgress } from '../progress';

type DrillFlags = {
  scenario: string;
  seed?: number;
  seeds?: { from: number; to: number };
  random: boolean;
  approve?: 'auto' | 'cli' | 'manual' | 'reject' | 'none';
  approvalMode?: 'required' | 'auto-when-safe';
  dryRun: boolean;
  json: boolean;
  report?: string;
  config: string;
};

const MAX_SEED = 2 ** 31 - 1;

function seedArg(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > MAX_SEED) throw new InvalidArgumentError(`must be a whole number from 0 to ${MAX_SEED}.`);
  return Number(value);
}

/** `A..B` (inclusive), at most 100,000 seeds. */
function seedRange(value: string): { from: number; to: number } {
  const m = /^(\d+)\.\.(\d+)$/.exec(value);
  if (!m) throw new InvalidArgumentError('must be a range A..B of whole numbers, e.g. 1..200.');
  const from = Number(m[1]);
  const to = Number(m[2]);
  if (to < from) throw new InvalidArgumentError(`the range ${value} is empty (B must be at least A).`);
  if (to - from >= 100_000 || to > MAX_SEED) throw new InvalidArgumentError('at most 100,000 seeds at a time, each at most 2^31-1.');
  return { from, to };
}

/** Fails before a long drill if the report could not be written afterwards. */
function checkReportPath(file: string): string {
  const path = resolve(file);
  if (!/\.html?$/i.test(path)) throw new CliError(`--report ${file}: the report is an HTML page; give a file name ending in .html`);
  const dir = dirname(path);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  else if (!statSync(dir).isDirectory()) throw new CliError(`--report ${file}: ${dir} is not a directory`);
  return path;
}

/** Scenario and config errors are the user's input: exit 2 with the message that names the field. */
async function asUsage<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ScenarioError) throw new CliError(err.message, 2);
    throw err;
  }
}

export function registerDrill(program: Command, io: CliIo): void {
  program
    .command('drill')
    .description(
      'Run a failover drill in a simulated two-region world, with the same state machine and handlers as AWS, on a virtual clock: the same seed gives the same run on any machine.',
    )
    .option('--scenario <name|file>', `a built-in scenario (${builtInScenarios().join(', ')}) or a scenario file (JSON)`, 'primary-down')
    .option('--seed <n>', `seed of everything random in the run (default ${DEFAULT_SEED}; printed in the summary)`, seedArg)
    .option('--seeds <A..B>', 'run the scenario once per seed in the range and print a table; exit 1 if any seed missed', seedRange)
    .option('--random', 'random fault schedules drawn from the scenario grammar, one per seed, checked against the invariants', false)
    .addOption(
      new Option(
        '--approve <who>',
        "override the scenario's approver: auto approves on the emailed page with a mailed code, cli approves as drctl approve does (IAM), manual waits for you, reject rejects, none never answers",
      ).choices(['auto', 'cli', 'manual', 'reject', 'none']),
    )
    .addOption(new Option('--approval-mode <mode>', "override the config's approval mode").choices(['required', 'auto-when-safe']))
    .option('--dry-run', 'run every check and report the planned changes without making them', false)
    .option('--json', 'one JSON object per line; the last is the summary', false)
    .option('--report <file.html>', 'also write a self-contained HTML report: state graph, timeline, RTO measured vs projected, data')
    .option('--config <file>', 'config file', DEFAULT_CONFIG_FILE)
    .addHelpText(
      'after',
      [
        '',
        "All figures are AWS time, measured on the drill's virtual clock. `--json` output is identical for the same seed,",
        'scenario and config, apart from the fields under "wall" (real elapsed time).',
        '',
        "Exit codes: 0 the run met its scenario's expect and every invariant held; 1 it did not (the summary names what",
        'differed); 2 bad input (options, config, scenario file).',
      ].join('\n'),
    )
    .action(
      action(io, async (o: DrillFlags) => {
        const config = readConfig(o.config);
        if (o.seeds && o.seed !== undefined) throw new CliError('--seed and --seeds: give one seed or a range, not both', 2);
        if (o.seeds || o.random) {
          if (o.approve === 'manual') throw new CliError('--approve manual needs a person for every run; it does not go with --seeds or --random', 2);
          if (o.report) throw new CliError('--report writes one run; it does not go with --seeds or --random', 2);
          return manySeeds(io, config, o);
        }
        const scenario = await asUsage(() => loadScenario(o.scenario));
        const reportPath = o.report ? checkReportPath(o.report) : undefined;
        const definition = loadFailoverDefinition();
        const events: DrillEvent[] = [];
        const progress = o.json ? undefined : new DrillProgress({ write: (s) => io.out(s) }, { tty: io.isTTY, definition, quorum: config.detection.quorum });
        let displayFailed = false;
        const onEvent = (e: DrillEvent) => {
          events.push(e);
          if (o.json) return io.out(`${JSON.stringify(e)}\n`);
          try {
            progress!.onEvent(e);
          } catch (err) {
            // The drill calls this from inside the world and the engine: a display bug must not change its outcome.
            if (!displayFailed) io.err(`drctl: could not display a ${e.type} event: ${(err as Error).message}\n`);
            displayFailed = true;
          }
        };
        let summary: DrillSummary;
        try {
          summary = await asUsage(() =>
            runDrill({ config, scenario, seed: o.seed, approve: o.approve, approvalMode: o.approvalMode, dryRun: o.dryRun, onEvent }),
          );
        } finally {
          progress?.stop();
        }
        if (o.json) {
          const { history, ...rest } = summary;
          io.out(`${JSON.stringify({ ...rest, historyEvents: history.length })}\n`);
        } else io.out(`${humanSummary(summary)}\n`);
        if (reportPath) {
          const plan = buildPlan(config, definition, { approvalMode: o.approvalMode });
          const html = renderDrillReport({
            summary,
            events,
            definition,
            projection: {
              rtoSeconds: plan.rtoSeconds,
              rtoTargetSeconds: plan.rto.targetSeconds,
              rpoSeconds: plan.rpoSeconds,
              rpoTargetSeconds: plan.rpo.targetSeconds,
              terms: plan.rto.terms.map((t) => ({ key: t.key, label: t.label, seconds: t.seconds })),
              approvalNote: plan.rto.approval.note,
            },
          });
          writeFileSync(reportPath, html);
          // Keep stdout one JSON object per line; the path goes where people look.
          (o.json ? io.err : io.out)(`report written to ${reportPath}\n`);
        }
        return summary.matched && summary.invariantsHeld ? 0 : 1;
      }),
    );
}

const pad = (v: unknown, n: number) => String(v ?? 'n/a').padEnd(n);

async function manySeeds(io: CliIo, config: ReturnType<typeof readConfig>, o: DrillFlags): Promise<number> {
  const range = o.seeds ?? { from: o.seed ?? DEFAULT_SEED, to: o.seed ?? DEFAULT_SEED };
  const scenario = o.random ? 'random' : o.scenario;
  if (!o.random) await asUsage(() => loadScenario(scenario));
  const label = o.random ? 'random fault schedules' : `scenario ${scenario}`;
  if (!o.json)
    io.out(
      `${label}, seeds ${range.from}..${range.to}\n${pad('seed', 8)}${pad('outcome', 13)}${pad('detection', 11)}${pad('downtime', 10)}${pad('floor', 10)}${pad('lost', 6)}result\n`,
    );
  const started = Date.now();
  const results = await asUsage(() =>
    runSeeds({
      config,
      scenario,
      from: range.from,
      to: range.to,
      approve: o.approve,
      approvalMode: o.approvalMode,
      onResult: (r) => {
        if (o.json) return io.out(`${JSON.stringify({ type: 'seed', ...r, ...(r.shrunk ? { shrunk: scenarioToFile(r.shrunk) } : {}) })}\n`);
        const ok = r.failed.length === 0;
        io.out(
          `${pad(r.seed, 8)}${pad(r.outcome, 13)}${pad(r.detectionMs, 11)}${pad(r.downtimeMs, 10)}${pad(r.theoreticalMinMs, 10)}${pad(r.lostWrites, 6)}${ok ? 'ok' : `MISSED: ${r.failed.join(', ')}`}\n`,
        );
      },
    }),
  );
  const bad = results.filter((r) => r.failed.length > 0);
  const replay = (r: SeedResult) => `drctl drill ${o.random ? '--random' : `--scenario ${scenario}`} --seed ${r.seed}`;
  const lines: string[] = [];
  for (const r of bad) {
    lines.push(`seed ${r.seed}: ${r.failed.join(', ')} — replay: ${replay(r)}`);
    if (r.shrunk) {
      const dir = join(process.cwd(), '.drill');
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `failing-${r.seed}.json`);
      writeFileSync(file, `${JSON.stringify(scenarioToFile(r.shrunk), null, 2)}\n`);
      lines.push(`  shrunk to ${r.shrunk.faults.length} fault(s): ${file} — replay: drctl drill --scenario ${file} --seed ${r.seed}`);
    }
  }
  const counts = new Map<string, number>();
  for (const r of results) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1);
  const summary = {
    type: 'seeds-summary',
    scenario,
    from: range.from,
    to: range.to,
    runs: results.length,
    missed: bad.map((r) => r.seed),
    outcomes: Object.fromEntries([...counts].sort()),
    wall: { elapsedMs: Date.now() - started },
  };
  if (o.json) io.out(`${JSON.stringify(summary)}\n`);
  else {
    io.out(
      `\n${results.length} run(s): ${[...counts].map(([k, v]) => `${v} ${k}`).join(', ')}; ${bad.length === 0 ? 'every seed met its expect and every invariant held' : `${bad.length} seed(s) missed`}\n`,
    );
    if (lines.length) io.out(`${lines.join('\n')}\n`);
  }
  return bad.length === 0 ? 0 : 1;
}
