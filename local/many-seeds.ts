import type { DrConfig } from '../config/schema';
import { runDrill, type Approver, type DrillSummary } from './drill';
import { randomScenario, shrinkCandidates } from './random-schedule';
import { loadScenario, type Scenario } from './scenario-file';

/** One seed's result, as the many-seeds table shows it. */
export interface SeedResult {
  readonly seed: number;
  readonly scenario: string;
  readonly outcome: string;
  readonly matched: boolean;
  readonly invariantsHeld: boolean;
  readonly failed: string[];
  readonly detectionMs: number | null;
  readonly downtimeMs: number;
  readonly theoreticalMinMs: number | null;
  readonly lostWrites: number;
  /** For a failing random schedule: the smallest schedule found that still fails the same way. */
  readonly shrunk?: Scenario;
}

export interface ManySeedsOptions {
  readonly config: DrConfig;
  /** A scenario (name or path), or `random` for a random fault schedule per seed (invariants only). */
  readonly scenario: string;
  readonly from: number;
  readonly to: number;
  readonly approve?: Approver;
  readonly approvalMode?: 'required' | 'auto-when-safe';
  /** Try to shrink a failing random schedule. @default true */
  readonly shrink?: boolean;
  readonly onResult?: (r: SeedResult) => void;
}

/** What failed in a run, by name: missed expectations and broken invariants. */
export function failures(s: DrillSummary): string[] {
  return [...s.expectations.filter((c) => !c.matched).map((c) => `expect.${c.key}`), ...s.invariants.filter((i) => !i.held).map((i) => i.name)];
}

function toResult(s: DrillSummary, shrunk?: Scenario): SeedResult {
  return {
    seed: s.seed,
    scenario: s.scenario,
    outcome: s.outcome,
    matched: s.matched,
    invariantsHeld: s.invariantsHeld,
    failed: failures(s),
    detectionMs: s.detectionMs,
    downtimeMs: s.downtimeMs,
    theoreticalMinMs: s.theoreticalMinMs,
    lostWrites: s.lostWrites,
    ...(shrunk ? { shrunk } : {}),
  };
}

/**
 * Shrinks a failing schedule: keeps taking the first smaller candidate that still breaks one of the same rules,
 * until none does (a local minimum; at most `budget` drills).
 */
export async function shrink(config: DrConfig, seed: number, sc: Scenario, broken: readonly string[], budget = 40): Promise<Scenario> {
  let best = sc;
  let tries = 0;
  for (let improved = true; improved && tries < budget; ) {
    improved = false;
    for (const candidate of shrinkCandidates(best)) {
      if (++tries > budget) break;
      const s = await runDrill({ config, scenario: candidate, seed, outDir: null });
      if (failures(s).some((f) => broken.includes(f))) {
        best = candidate;
        improved = true;
        break;
      }
    }
  }
  return best;
}

/** Runs a scenario (or random schedules) over a seed range, one drill after another. */
export async function runSeeds(opts: ManySeedsOptions): Promise<SeedResult[]> {
  const fixed = opts.scenario === 'random' ? undefined : loadScenario(opts.scenario);
  const out: SeedResult[] = [];
  for (let seed = opts.from; seed <= opts.to; seed++) {
    const sc = fixed ?? randomScenario(seed, opts.config);
    const s = await runDrill({ config: opts.config, scenario: sc, seed, approve: opts.approve, approvalMode: opts.approvalMode, outDir: null });
    const failed = failures(s);
    const shrunk = !fixed && failed.length > 0 && opts.shrink !== false ? await shrink(opts.config, seed, sc, failed) : undefined;
    const r = toResult(s, shrunk);
    out.push(r);
    opts.onResult?.(r);
  }
  return out;
}
