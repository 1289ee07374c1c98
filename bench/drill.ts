import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DrConfig } from '../config/schema';
import { FAILOVER_ASL } from '../local/control-plane';
import { runDrill, type DrillEvent, type DrillSummary } from '../local/drill';
import type { HistoryEvent } from '../local/runtime/history';
import { measurement, median, progress, round, type Measurement } from './lib';

/** States on the path from the alarm to the traffic change, in workflow order. */
const PATH_TO_SHIFT = ['AssessHealth', 'AssessDataRisk', 'NotifyFailoverStarting', 'PrepareStandby', 'FenceOldPrimary', 'PromoteData', 'ShiftTraffic'] as const;

interface DrillRun {
  readonly summary: DrillSummary;
  readonly events: DrillEvent[];
}

async function drill(config: DrConfig, scenario: string, outDir: string, storeCallLatencyMs?: number): Promise<DrillRun> {
  const events: DrillEvent[] = [];
  const summary = await runDrill({
    config,
    scenario,
    // Auto-approval in auto-when-safe mode: no human in the loop, so no approval wait to subtract.
    approve: 'auto',
    approvalMode: 'auto-when-safe',
    outDir,
    onEvent: (e) => events.push(e),
    ...(storeCallLatencyMs !== undefined ? { storeCallLatencyMs } : {}),
  });
  if (summary.outcome !== 'FAILED_OVER' || !summary.invariantsHeld) {
    const broken = summary.invariants.filter((i) => !i.held).map((i) => `${i.name}: ${i.detail}`);
    throw new Error(`drill ${scenario} ended ${summary.outcome}${broken.length ? `; invariants broken: ${broken.join('; ')}` : ''}${summary.cause ? ` (${summary.cause})` : ''}`);
  }
  return { summary, events };
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
 * RTO against the physical limit: client-observed downtime in `primary-down` divided by the drill's own
 * theoretical minimum (M datapoints x probe interval + DNS sync + TTL, scaled), and where the rest goes.
 */
export async function benchRto(config: DrConfig, runs: number): Promise<Measurement[]> {
  const outDir = mkdtempSync(join(tmpdir(), 'bench-rto-'));
  const scale = (awsSeconds: number) => (awsSeconds * 1000) / config.drill.timeScale;
  const d = config.detection;
  const detectionFloorMs = scale(d.datapointsToAlarm * d.probeIntervalSeconds);
  const switchFloorMs = scale(config.drill.dnsSyncSeconds + config.globalDomain.ttlSeconds);
  const rows: Array<Record<string, number>> = [];
  const states: Array<Record<string, number>> = [];
  try {
    for (let i = 0; i < runs; i++) {
      const { summary: s, events } = await drill(config, 'primary-down', outDir);
      if (s.approvalWaitMs !== 0) throw new Error(`primary-down waited ${s.approvalWaitMs} ms for an approval in auto-when-safe mode`);
      const tFault = events.find((e) => e.type === 'fault-injected')!.at;
      const shiftedAfter = Number(events.find((e) => e.type === 'traffic-shifted')?.afterMs);
      const activated = s.history.find((e) => e.stateName === 'ActivateStandby' && e.type.endsWith('StateExited'));
      const detectionMs = s.detectionMs ?? NaN;
      const controlPlaneMs = s.controlPlaneMs ?? NaN;
      // Canaries run on their own grid, so the fault lands at a random phase of it: the round that
      // completed the quorum is this run's own detection floor, between (M-1) and M probe intervals.
      const startedAt = events.find((e) => e.type === 'execution-started')?.at ?? NaN;
      const quorumAt = Math.max(...events.filter((e) => e.type === 'alarm' && e.state === 'ALARM' && e.at >= tFault && e.at <= startedAt).map((e) => e.at));
      rows.push({
        downtimeMs: s.downtimeMs,
        theoreticalMinMs: s.theoreticalMinMs,
        ratio: s.downtimeMs / s.theoreticalMinMs,
        phaseAdjustedMinMs: quorumAt - tFault + switchFloorMs,
        phaseAdjustedRatio: s.downtimeMs / (quorumAt - tFault + switchFloorMs),
        alarmToExecutionMs: startedAt - quorumAt,
        detectionMs,
        controlPlaneMs,
        // Against the M x interval floor; negative when the fault landed mid-interval.
        detectionVsFloorMs: detectionMs - detectionFloorMs,
        // The control plane's own work: controlPlaneMs includes the DNS sync and TTL floor.
        orchestrationMs: controlPlaneMs - switchFloorMs,
        // Fault -> first failed write and traffic applied -> first successful write: the client's resolution.
        clientResolutionMs: s.downtimeMs - detectionMs - controlPlaneMs,
        // > 0 means clients reached the standby before it was ACTIVE (writes refused meanwhile).
        activationAfterShiftMs: activated ? activated.timestamp - (tFault + shiftedAfter) : NaN,
        lostWrites: s.lostWrites,
      });
      states.push(stateDurations(s.history, PATH_TO_SHIFT));
      progress(`rto run ${i + 1}/${runs}: downtime ${s.downtimeMs} ms / min ${s.theoreticalMinMs} ms = ${round(s.downtimeMs / s.theoreticalMinMs)}`);
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
  const med = medianOfRecords(rows);
  const perRun = rows.map((r) => ({ downtimeMs: r.downtimeMs, ratio: round(r.ratio, 3), phaseAdjustedRatio: round(r.phaseAdjustedRatio, 3), detectionMs: r.detectionMs, controlPlaneMs: r.controlPlaneMs }));
  const common = { runs, timeScale: config.drill.timeScale, writeIntervalMs: config.drill.writeIntervalMs };
  return [
    measurement('downtimeRatio', round(median(rows.map((r) => r.ratio)), 3), 'x', { max: 1.25 }, {
      ...common,
      medianDowntimeMs: med.downtimeMs,
      theoreticalMinMs: med.theoreticalMinMs,
      floors: { detectionMs: round(detectionFloorMs, 1), switchMs: round(switchFloorMs, 1) },
      medianPhaseAdjustedRatio: round(med.phaseAdjustedRatio, 3),
      medianPhaseAdjustedMinMs: med.phaseAdjustedMinMs,
      medianBreakdownMs: {
        detectionVsFloor: med.detectionVsFloorMs,
        alarmToExecution: med.alarmToExecutionMs,
        orchestration: med.orchestrationMs,
        clientResolution: med.clientResolutionMs,
        activationAfterShift: med.activationAfterShiftMs,
      },
      medianStateMs: medianOfRecords(states),
      medianLostWrites: med.lostWrites,
      perRun,
    }),
    measurement('controlPlaneMs', med.controlPlaneMs, 'ms', { max: 100 }, { ...common, medianDetectionMs: med.detectionMs, includesSwitchFloorMs: round(switchFloorMs, 1) }),
  ];
}

/** The Map's bound, read from the definition the drill runs. */
function promoteMaxConcurrency(): number | null {
  const asl = JSON.parse(readFileSync(FAILOVER_ASL, 'utf8')) as { States: Record<string, { MaxConcurrency?: number }> };
  return asl.States.PromoteData?.MaxConcurrency ?? null;
}

/**
 * Failover time (alarm -> traffic shifted) with 50 data stores against 1, every simulated store call
 * taking `callMs` real ms. Runs alternate so both see the same machine load.
 */
export async function benchManyStores(base: DrConfig, runs: number, callMs = 200): Promise<Measurement[]> {
  const outDir = mkdtempSync(join(tmpdir(), 'bench-stores-'));
  // One store that really is promoted (single writer), so the 1-store run does the same kind of work.
  const single = base.dataStores.find((s) => s.kind === 'aurora-global') ?? base.dataStores[0];
  const oneStore: DrConfig = { ...base, dataStores: [single] };
  const times: Record<'one' | 'fifty', number[]> = { one: [], fifty: [] };
  const states: Record<'one' | 'fifty', Array<Record<string, number>>> = { one: [], fifty: [] };
  let storesInFifty = 0;
  try {
    for (let i = 0; i < runs; i++) {
      for (const which of ['one', 'fifty'] as const) {
        const { summary: s } = which === 'one' ? await drill(oneStore, 'primary-down', outDir, callMs) : await drill(base, 'many-stores', outDir, callMs);
        if (which === 'fifty') storesInFifty = new Set(s.history.filter((e) => e.stateName === 'PromoteStore' && e.type.endsWith('StateEntered')).map((e) => e.index)).size;
        times[which].push(s.controlPlaneMs ?? NaN);
        states[which].push(stateDurations(s.history, ['AssessDataRisk', 'PromoteData', 'ShiftTraffic']));
        progress(`many-stores run ${i + 1}/${runs} (${which === 'one' ? 1 : 50} store(s)): alarm -> traffic shifted ${s.controlPlaneMs} ms`);
      }
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
  const one = median(times.one);
  const fifty = median(times.fifty);
  const maxConcurrency = promoteMaxConcurrency();
  return [
    measurement('manyStoresRatio', round(fifty / one, 3), 'x', { max: 1.5 }, {
      runs,
      storeCallLatencyMs: callMs,
      medianFailoverMs: { oneStore: one, fiftyStores: fifty },
      storesPromotedInFiftyRun: storesInFifty,
      promoteDataMaxConcurrency: maxConcurrency,
      promotionWaves: maxConcurrency ? Math.ceil(storesInFifty / maxConcurrency) : 1,
      medianStateMs: { oneStore: medianOfRecords(states.one), fiftyStores: medianOfRecords(states.fifty) },
      perRun: times,
    }),
  ];
}
