import { performance } from 'node:perf_hooks';
import { comparisonTime, SCAN_BYTES_PER_READ_UNIT, tablePassSeconds } from '../cli/plan/comparison';
import { parseConfig } from '../config/load';
import type { DrConfig } from '../config/schema';
import { hashValue } from '../functions/data-consistency-validator/compare';
import {
  PLAN_FIELD,
  runDataConsistencyValidator,
  type DataConsistencyValidatorDeps,
  type DataReport,
} from '../functions/data-consistency-validator/data-consistency-validator';
import {
  MAX_SEGMENT_INVOCATIONS,
  SEGMENT_TIME_BOX_MS,
  type ComparisonPlan,
  type ComparisonProgress,
  type SegmentProgress,
} from '../functions/data-consistency-validator/segmented-comparison';
import type { ComparisonWorkStore, DataStores, SegmentPage } from '../functions/shared/ports';
import { measurement, progress, round, type Measurement } from './lib';

/**
 * `validator10MProjectedSeconds`: how long ValidateData's segmented comparison takes for 10,000,000 items per region
 * at the configured concurrency and read budget. Reads, not CPU, bound it in AWS; so the projection is the read time
 * at the budget (cli/plan/comparison.ts, the planner's own segment and lane rules), checked against the CPU time
 * measured here: the real comparison code (plan, lanes, digests, merges, the missing-writes report) over an in-memory
 * table, items per second per lane, scaled to 10 million.
 */

const PROJECTED_ITEMS = 10_000_000;
/** What the projection assumes an item weighs: the DynamoDB item size that decides the read units. */
const ITEM_BYTES = 1_024;
/** A Scan page: 1 MB of 1 KiB items. */
const PAGE_ITEMS = 1_000;
/** Every DIFF_EVERY-th item is missing in the region being activated: 0.1 % lost writes, so pass 2 runs. */
const DIFF_EVERY = 1_000;
/** Lambda init of a Node.js function with an SDK v3 client, p50 (what the local runtime models, docs/local-runtime.md). */
const COLD_START_SECONDS = 0.375;
/** A Standard transition, and an invocation's own overhead (assumptions, as drctl plan's). */
const PER_INVOCATION_SECONDS = 0.25;

const EAST = 'us-east-1';
const WEST = 'us-west-2';

/** One table of `n` items in each region, paged in key order per segment; the target lacks every DIFF_EVERY-th item. */
function memoryTable(n: number): DataStores {
  const keys = Array.from({ length: n }, (_, i) => `order-${String(i).padStart(9, '0')}`);
  const hashes = keys.map((k) => hashValue(`{"id":"${k}","amount":17,"currency":"USD"}`));
  const segmentKeys = new Map<string, number[]>();
  const indexesOf = (segment: number, total: number) => {
    const id = `${segment}/${total}`;
    let list = segmentKeys.get(id);
    if (!list) {
      list = [];
      for (let i = 0; i < n; i++) if (i % total === segment) list.push(i);
      segmentKeys.set(id, list);
    }
    return list;
  };
  const unused = () => Promise.reject(new Error('not used by the projection'));
  return {
    replicationLagMs: async () => 100,
    newestHeartbeat: async () => ({ writtenAt: Date.now(), readable: true, detail: 'bench' }),
    promote: unused,
    comparisonLayout: async () => ({ sizeBytes: n * ITEM_BYTES, detail: 'bench table' }),
    scanSegment: async (_store, region, segment, total, cursor): Promise<SegmentPage> => {
      const list = indexesOf(segment, total);
      const from = cursor === null ? 0 : Number(cursor);
      const items: Array<readonly [string, number]> = [];
      let i = from;
      for (; i < list.length && items.length < PAGE_ITEMS; i++) {
        const k = list[i];
        if (region === WEST && k % DIFF_EVERY === 0) continue;
        items.push([keys[k], hashes[k]]);
      }
      return { items, cursor: i < list.length ? String(i) : null, readUnits: (items.length * ITEM_BYTES) / SCAN_BYTES_PER_READ_UNIT };
    },
  };
}

function memoryWork(): ComparisonWorkStore {
  const parts = new Map<string, Uint8Array>();
  return {
    put: async (id, part, body) => void parts.set(`${id}\n${part}`, body),
    list: async (id, prefix) =>
      [...parts.entries()]
        .filter(([k]) => k.startsWith(`${id}\n${prefix}`))
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, body]) => ({ part: k.slice(id.length + 1), body })),
  };
}

/** The comparison as the ASL runs it (lanes one after the other here: one process), timed. */
async function timedComparison(config: DrConfig, items: number): Promise<{ seconds: number; report: DataReport; lanes: number; invocations: number }> {
  const deps: DataConsistencyValidatorDeps = {
    config,
    dataStores: memoryTable(items),
    work: memoryWork(),
    audit: { record: async () => undefined },
    clock: { now: () => Date.now() },
    sleep: async () => undefined,
  };
  const state: Record<string, unknown> = {
    incidentId: 'bench',
    fromRegion: EAST,
    toRegion: WEST,
    trigger: { source: 'drill', at: new Date().toISOString() },
    execution: { id: 'bench', name: 'bench', startedAt: new Date().toISOString() },
  };
  const t = performance.now();
  let invocations = 1;
  const plan = (await runDataConsistencyValidator({ action: 'compare-plan', purpose: 'validate', state }, deps)) as ComparisonPlan;
  let current: Record<string, unknown> = { ...state, [PLAN_FIELD.validate]: plan };
  for (;;) {
    const p = current[PLAN_FIELD.validate] as ComparisonPlan;
    if (p.progress.next === 'scan') {
      for (const lane of p.lanes) {
        let prog: SegmentProgress | undefined;
        do {
          invocations++;
          prog = (await runDataConsistencyValidator(
            {
              action: 'compare-segment',
              state: { comparisonId: p.comparisonId, pass: p.progress.pass, fromRegion: EAST, toRegion: WEST, lane, ...(prog ? { progress: prog } : {}) },
            },
            deps,
          )) as SegmentProgress;
        } while (!prog.done && prog.invocation < MAX_SEGMENT_INVOCATIONS);
      }
    }
    invocations++;
    const next = (await runDataConsistencyValidator({ action: 'compare-merge', purpose: 'validate', state: current }, deps)) as ComparisonProgress;
    current = { ...current, [PLAN_FIELD.validate]: { ...p, progress: next } };
    if (next.remainingGroups === 0) break;
  }
  const report = (await runDataConsistencyValidator({ action: 'post', state: current }, deps)) as DataReport;
  return { seconds: (performance.now() - t) / 1000, report, lanes: plan.lanes.length, invocations: invocations + 1 };
}

export async function benchValidatorProjection(config: DrConfig, measuredItems = 200_000): Promise<Measurement[]> {
  const { dataRisk } = config;
  const table = config.dataStores.find((s) => s.kind === 'dynamodb-global-table');
  // The configured budget and concurrency, on one table of 10 million items of ITEM_BYTES.
  const projectedConfig = parseConfig({
    ...config,
    dataStores: [
      {
        kind: 'dynamodb-global-table',
        name: table?.name ?? 'orders',
        tableName: table?.kind === 'dynamodb-global-table' ? table.tableName : 'orders',
        sizeGiB: (PROJECTED_ITEMS * ITEM_BYTES) / 1024 ** 3,
      },
    ],
  });
  const time = comparisonTime(projectedConfig);
  const segments = time.stores[0].segments ?? 1;
  const lanes = Math.min(segments, dataRisk.comparisonMaxConcurrency);
  const readPassSeconds = tablePassSeconds(PROJECTED_ITEMS * ITEM_BYTES, dataRisk.comparisonReadUnitsPerSecond);

  // CPU: the real code over an in-memory table, in one process (so one lane at a time), scaled to 10 million items.
  progress(`validator projection: the segmented comparison over ${measuredItems} items per region in memory…`);
  const measured = await timedComparison(parseConfig({ ...config, dataStores: projectedConfig.dataStores }), measuredItems);
  const expectedMissing = Math.ceil(measuredItems / DIFF_EVERY);
  if (measured.report.missingWrites !== expectedMissing)
    throw new Error(`the segmented comparison found ${measured.report.missingWrites} missing writes, ${expectedMissing} injected: FAILED`);
  // Two passes read every item of both regions: items handled per second of CPU, over both passes.
  const itemsPerCpuSecond = (measuredItems * 2 * 2) / measured.seconds;
  // In AWS each lane is its own Lambda: the CPU of one pass splits over the lanes.
  const cpuPassSeconds = (PROJECTED_ITEMS * 2) / itemsPerCpuSecond / lanes;
  const passSeconds = Math.max(readPassSeconds, cpuPassSeconds);
  const invocationsPerLanePerPass = Math.max(1, Math.ceil(passSeconds / (SEGMENT_TIME_BOX_MS / 1000)));
  const overheadSeconds = 2 * (COLD_START_SECONDS + invocationsPerLanePerPass * PER_INVOCATION_SECONDS) + 3 * PER_INVOCATION_SECONDS;
  const projected = round(2 * passSeconds + overheadSeconds, 0);
  return [
    measurement('validator10MProjectedSeconds', projected, 's (AWS, projected)', undefined, {
      items: PROJECTED_ITEMS,
      assumptions: [
        `${PROJECTED_ITEMS.toLocaleString('en-US')} items per region of ${ITEM_BYTES} bytes each (${round((PROJECTED_ITEMS * ITEM_BYTES) / 1024 ** 3, 2)} GiB per replica)`,
        `0.1 % of the writes missing in the region being activated, so pass 2 (keys of the differing buckets) reads everything again: 2 passes`,
        `read budget ${dataRisk.comparisonReadUnitsPerSecond} read units/s per table and region (dataRisk.comparisonReadUnitsPerSecond), eventually consistent: ${SCAN_BYTES_PER_READ_UNIT} bytes per unit`,
        `${segments} parallel-scan segments in ${lanes} lane(s) (dataRisk.comparisonMaxConcurrency ${dataRisk.comparisonMaxConcurrency}, comparisonMaxSegmentsPerTable ${dataRisk.comparisonMaxSegmentsPerTable}), both regions read at once`,
        `CPU measured here (${measured.lanes} lane(s) run one after the other in this process), each lane a Lambda of its own in AWS`,
        `per pass and lane ${invocationsPerLanePerPass} invocation(s) of ${SEGMENT_TIME_BOX_MS / 60_000} min; ${COLD_START_SECONDS} s cold start, ${PER_INVOCATION_SECONDS} s per invocation and transition (assumptions)`,
        'DynamoDB serves the budget without throttling; the merges and ValidateData take the seconds measured here, scaled',
      ],
      readBoundSecondsPerPass: round(readPassSeconds, 1),
      cpuBoundSecondsPerPass: round(cpuPassSeconds, 1),
      overheadSeconds: round(overheadSeconds, 1),
      projectedHours: round(projected / 3600, 2),
      measured: {
        itemsPerRegion: measuredItems,
        seconds: round(measured.seconds, 2),
        itemsPerCpuSecond: Math.round(itemsPerCpuSecond),
        invocations: measured.invocations,
        missingWritesFound: measured.report.missingWrites,
      },
      planPassSeconds: time.passSeconds,
    }),
  ];
}
