import { readFileSync } from 'node:fs';
import type { DrConfig } from '../config/schema';
import { FAILOVER_ASL } from '../local/control-plane';
import { runDrill, type DrillSummary } from '../local/drill';
import { runSeeds } from '../local/many-seeds';
import type { HistoryEvent } from '../local/runtime/history';
import { loadScenario } from '../local/scenario-file';
import { measurement, median, progress, round, type Measurement } from './lib';

/** States on the path from the alarm to the traffic change, in workflow order. */
const PATH_TO_SHIFT = ['AssessHealth', 'AssessDataRisk', 'NotifyFailoverStarting', 'PrepareStandby', 'FenceOldPrimary', 'PromoteData', 'ShiftTraffic'] as const;

/**
 * A drill in auto-when-safe mode, which must fail over and meet its expect. With the primary dark its replication
 * heartbeat stops, so the data at risk is unknown and the drill's approver (answering at once) is asked: that wait is
 * a person's, reported and taken out of the ratio below.
 */
async function drill(config: DrConfig, scenario: string, seed: number): Promise<DrillSummary> {
  const s = await runDrill({ config, scenario, seed, approvalMode: 'auto-when-safe', outDir: null });
  if (s.outcome !== 'FAILED_OVER' || !s.invariantsHeld) {
    const broken = s.invariants.filter((i) => !i.held).map((i) => `${i.name}: ${i.detail}`);
    throw new Error(
      `drill ${scenario} seed ${seed} ended ${s.outcome}${broken.length ? `; invariants broken: ${broken.join('; ')}` : ''}${s.cause ? ` (${s.cause})` : ''}`,
    );
  }
  return s;
}

/** How long each state took (entered -> exited), first occurrence, top level only. */
function stateDurations(history: readonly HistoryEvent[], states: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of states) {
    const entered = history.find((e) => e.stateName === name && e.type.endsWith('StateEntered'));
    const exited = history.find((e) => e.stateName === name && e.type.endsWith('StateExited'));
    if (entered && exited) out[name] = exited.timestamp - entered.timestamp;
  }
  return out;
}

function medianOfRecords(records: ReadonlyArray<Record<string, number>>): Record<string, number> {
  const keys = [...new Set(records.flatMap((r) => Object.keys(r)))];
  return Object.fromEntries(keys.map((k) => [k, round(median(records.map((r) => r[k]).filter((v) => v !== undefined)), 1)]));
}

/**
 * RTO against the physical limit, per seed: client-observed downtime in `primary-down` divided by the floor of
 * that seed's own fault phase (quorum of alarm datapoints + record sync + TTL), and where the rest goes. Every
 * figure is AWS time from the virtual clock, so the same seeds give the same figures on any machine.
 */
export async function benchRto(config: DrConfig, runs: number): Promise<Measurement[]> {
  const rows: Array<Record<string, number>> = [];
  const states: Array<Record<string, number>> = [];
  for (let seed = 1; seed <= runs; seed++) {
    const s = await drill(config, 'primary-down', seed);
    const floor = s.theoreticalMinMs ?? NaN;
    // The machine's downtime: what the clients saw, less the (immediate) approver's time, which is a person's.
    const machineDowntime = s.downtimeMs - s.approvalWaitMs;
    rows.push({
      downtimeMs: s.downtimeMs,
      approvalWaitMs: s.approvalWaitMs,
      theoreticalMinMs: floor,
      ratio: machineDowntime / floor,
      faultPhaseMs: s.faultPhaseMs ?? NaN,
      detectionMs: s.detectionMs ?? NaN,
      controlPlaneMs: s.controlPlaneMs ?? NaN,
      // What the control plane and the clients add over the floor.
      overFloorMs: machineDowntime - floor,
      lostWrites: s.lostWrites,
    });
    states.push(stateDurations(s.history, PATH_TO_SHIFT));
    progress(
      `rto seed ${seed}/${runs}: downtime ${s.downtimeMs} ms (approver ${s.approvalWaitMs} ms) / floor ${floor} ms = ${round(machineDowntime / floor, 3)}`,
    );
  }
  const med = medianOfRecords(rows);
  const perSeed = rows.map((r, i) => ({
    seed: i + 1,
    downtimeMs: r.downtimeMs,
    approvalWaitMs: r.approvalWaitMs,
    floorMs: r.theoreticalMinMs,
    ratio: round(r.ratio, 3),
    faultPhaseMs: r.faultPhaseMs,
  }));
  const common = { seeds: `1..${runs}`, writeIntervalMs: config.drill.writeIntervalMs, unit: 'AWS time (virtual clock)' };
  return [
    measurement(
      'downtimeRatio',
      round(median(rows.map((r) => r.ratio)), 3),
      'x',
      { max: 1.25 },
      {
        ...common,
        medianDowntimeMs: med.downtimeMs,
        medianApprovalWaitMs: med.approvalWaitMs,
        ratioOf: '(downtimeMs - approvalWaitMs) / floor: a dark primary cannot show its data at risk, so the approver is asked (and answers at once)',
        medianFloorMs: med.theoreticalMinMs,
        medianOverFloorMs: med.overFloorMs,
        medianDetectionMs: med.detectionMs,
        medianStateMs: medianOfRecords(states),
        medianLostWrites: med.lostWrites,
        perSeed,
      },
    ),
    measurement(
      'controlPlaneMs',
      med.controlPlaneMs,
      'ms (AWS)',
      { max: 5_000 },
      { ...common, what: 'execution start to traffic change made, approval excluded' },
    ),
  ];
}

/**
 * How many drills a minute this machine runs: `primary-down` over a seed range, and random fault schedules
 * (the invariant search). Wall time, so it is the one figure here that depends on the machine and its load.
 */
export async function benchThroughput(config: DrConfig, seeds: number): Promise<Measurement[]> {
  const timed = async (scenario: string) => {
    // One run first, so module loading and the engine's schema compile are not counted.
    await runDrill({ config, scenario: scenario === 'random' ? 'primary-down' : scenario, seed: 0, outDir: null });
    const t = performance.now();
    const results = await runSeeds({ config, scenario, from: 1, to: seeds, shrink: false });
    const minutes = (performance.now() - t) / 60_000;
    return {
      perMinute: round(seeds / minutes, 0),
      missed: results.filter((r) => r.failed.length > 0).map((r) => r.seed),
      outcomes: countBy(results.map((r) => r.outcome)),
    };
  };
  const fixed = await timed('primary-down');
  progress(`primary-down: ${fixed.perMinute} seeds/min`);
  const random = await timed('random');
  progress(`random schedules: ${random.perMinute} schedules/min`);
  return [
    measurement('seedsPerMinute', fixed.perMinute, 'runs/min', { min: 600 }, { scenario: 'primary-down', seeds: `1..${seeds}`, missed: fixed.missed }),
    measurement(
      'randomSchedulesPerMinute',
      random.perMinute,
      'runs/min',
      { min: 300 },
      { seeds: `1..${seeds}`, missed: random.missed, outcomes: random.outcomes },
    ),
  ];
}

function countBy(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

/** The Map's bound, read from the definition the drill runs. */
function promoteMaxConcurrency(): number | null {
  const asl = JSON.parse(readFileSync(FAILOVER_ASL, 'utf8')) as { States: Record<string, { MaxConcurrency?: number }> };
  return asl.States.PromoteData?.MaxConcurrency ?? null;
}

/**
 * Control-plane time (start -> traffic change made) with 50 data stores against 1, every simulated store call
 * taking `callMs` AWS ms: what bounded parallel promotion costs.
 */
export async function benchManyStores(base: DrConfig, runs: number, callMs = 200): Promise<Measurement[]> {
  // One store that really is promoted (single writer), so the 1-store run does the same kind of work.
  const fiftyScenario = loadScenario('many-stores');
  const single = base.dataStores.find((s) => s.kind === 'aurora-global') ?? base.dataStores[0];
  const oneStore: DrConfig = { ...base, dataStores: [single], drill: { ...base.drill, storeCallLatencyMs: callMs } };
  const times: Record<'one' | 'fifty', number[]> = { one: [], fifty: [] };
  const states: Record<'one' | 'fifty', Array<Record<string, number>>> = { one: [], fifty: [] };
  let storesInFifty = 0;
  for (let seed = 1; seed <= runs; seed++) {
    const one = await drill(oneStore, 'primary-down', seed);
    const fifty = await runDrill({
      config: base,
      scenario: { ...fiftyScenario, config: { ...fiftyScenario.config, drill: { storeCallLatencyMs: callMs } } },
      seed,
      approvalMode: 'auto-when-safe',
      outDir: null,
    });
    if (fifty.outcome !== 'FAILED_OVER') throw new Error(`many-stores seed ${seed} ended ${fifty.outcome}`);
    storesInFifty = new Set(fifty.history.filter((e) => e.stateName === 'PromoteStore' && e.type.endsWith('StateEntered')).map((e) => e.index)).size;
    times.one.push(one.controlPlaneMs ?? NaN);
    times.fifty.push(fifty.controlPlaneMs ?? NaN);
    states.one.push(stateDurations(one.history, ['AssessDataRisk', 'PromoteData', 'ShiftTraffic']));
    states.fifty.push(stateDurations(fifty.history, ['AssessDataRisk', 'PromoteData', 'ShiftTraffic']));
    progress(`many-stores seed ${seed}/${runs}: control plane ${one.controlPlaneMs} ms (1 store) vs ${fifty.controlPlaneMs} ms (50)`);
  }
  const one = median(times.one);
  const fifty = median(times.fifty);
  const maxConcurrency = promoteMaxConcurrency();
  return [
    measurement(
      'manyStoresRatio',
      round(fifty / one, 3),
      'x',
      { max: 1.5 },
      {
        seeds: `1..${runs}`,
        storeCallLatencyMs: callMs,
        medianControlPlaneMs: { oneStore: one, fiftyStores: fifty },
        storesPromotedInFiftyRun: storesInFifty,
        promoteDataMaxConcurrency: maxConcurrency,
        promotionWaves: maxConcurrency ? Math.ceil(storesInFifty / maxConcurrency) : 1,
        medianStateMs: { oneStore: medianOfRecords(states.one), fiftyStores: medianOfRecords(states.fifty) },
        perSeed: times,
      },
    ),
  ];
}
