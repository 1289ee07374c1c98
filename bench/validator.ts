import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { lastJsonLine, measurement, median, progress, round, run, type Measurement } from './lib';

const ROOT = resolve(__dirname, '..');
const COMPARE = join(ROOT, 'functions', 'data-consistency-validator', 'compare.ts');

interface ChildReport {
  readonly variant: 'generate' | 'bucketed' | 'naive';
  readonly items: number;
  readonly seconds: number;
  readonly peakRssMB: number;
  readonly baselineRssMB: number;
  readonly injected: number;
  readonly found: number | null;
  readonly correct: boolean | null;
  readonly differingBuckets?: number;
  readonly rounds?: number;
}

async function runChild(script: string, variant: ChildReport['variant'], items: number): Promise<ChildReport> {
  const r = await run(process.execPath, [script, variant, String(items)], { timeoutMs: 300_000 });
  const report = lastJsonLine<ChildReport>(r.stdout);
  if (r.code !== 0 || !report) throw new Error(`validator child ${variant} failed (exit ${r.code}): ${r.stderr.trim().slice(-500)}`);
  return report;
}

/**
 * The post-failover comparison at 1M items per region with 0.1% differences: the bucketed-checksum
 * module against the naive sort-and-walk, each in a fresh process (time median of `repeats`, peak RSS max).
 */
export async function benchValidator(items: number, repeats = 3): Promise<Measurement[]> {
  if (!existsSync(COMPARE)) throw new Error(`${COMPARE} does not exist yet`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-validator-'));
  try {
    const script = join(dir, 'validator-child.js');
    // Bundled and run with plain node, so no TypeScript loader sits in the measured RSS.
    await build({
      entryPoints: [join(__dirname, 'validator-child.ts')],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      outfile: script,
      logLevel: 'silent',
    });
    const reports: Record<ChildReport['variant'], ChildReport[]> = { generate: [], bucketed: [], naive: [] };
    for (let i = 0; i < repeats; i++) {
      for (const variant of ['generate', 'bucketed', 'naive'] as const) {
        const r = await runChild(script, variant, items);
        reports[variant].push(r);
        progress(
          `validator ${variant} ${i + 1}/${repeats}: ${round(r.seconds, 2)} s, peak ${round(r.peakRssMB)} MB${r.found !== null ? `, found ${r.found}/${r.injected}` : ''}`,
        );
      }
    }
    const wrong = [...reports.bucketed, ...reports.naive].filter((r) => r.correct !== true);
    if (wrong.length) {
      const w = wrong[0];
      throw new Error(
        `${w.variant} found ${w.found} differences, injected ${w.injected}${w.found === w.injected ? ' (same count, different keys)' : ''}: FAILED`,
      );
    }
    const t = (v: ChildReport['variant']) => median(reports[v].map((r) => r.seconds));
    const peak = (v: ChildReport['variant']) => Math.max(...reports[v].map((r) => r.peakRssMB));
    const bucketedS = t('bucketed');
    const naiveS = t('naive');
    const common = { items, injectedDifferences: reports.bucketed[0].injected, repeats, isolation: 'one fresh node process per variant and repeat' };
    return [
      measurement(
        'validator1MSeconds',
        round(bucketedS, 3),
        's',
        { max: 3 },
        {
          ...common,
          found: reports.bucketed[0].found,
          differingBuckets: reports.bucketed[0].differingBuckets,
          pass2Rounds: reports.bucketed[0].rounds,
          // Both passes regenerate the items (as two scans would); this much of the time is producing them.
          itemGenerationSecondsPerPass: round(t('generate'), 3),
          perRun: reports.bucketed.map((r) => round(r.seconds, 3)),
        },
      ),
      measurement(
        'validator1MPeakMB',
        round(peak('bucketed'), 1),
        'MB',
        { max: 300 },
        {
          ...common,
          baselineRssMB: round(median(reports.bucketed.map((r) => r.baselineRssMB)), 1),
          generateOnlyPeakMB: round(peak('generate'), 1),
        },
      ),
      measurement('validatorNaiveSeconds', round(naiveS, 3), 's', undefined, { ...common, perRun: reports.naive.map((r) => round(r.seconds, 3)) }),
      measurement('validatorNaivePeakMB', round(peak('naive'), 1), 'MB', undefined, common),
      measurement('validatorNaiveRatio', round(naiveS / bucketedS, 2), 'x', undefined, { meaning: 'naive seconds / bucketed seconds, medians of this run' }),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
