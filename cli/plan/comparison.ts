import type { DataStoreConfig, DrConfig } from '../../config/schema';
import {
  capSegments,
  dealToLanes,
  MAX_COMPARISON_SEGMENTS,
  SEGMENT_TIME_BOX_MS,
  segmentsFor,
} from '../../functions/data-consistency-validator/segmented-comparison';

/**
 * How long the post-failover comparison (and the failback's) takes at the configured read budget: what `drctl plan`
 * shows and `npm run bench` projects for 10 million items. The planner's own functions cut the tables and deal the
 * segments to lanes, so the projection follows the code.
 */

/** Bytes one read capacity unit reads in a Scan with eventually consistent reads (4 KB per half unit). */
export const SCAN_BYTES_PER_READ_UNIT = 8_192;
const GIB = 1024 ** 3;

export interface StoreComparisonTime {
  readonly store: string;
  readonly kind: DataStoreConfig['kind'];
  readonly sizeGiB: number | null;
  readonly segments: number | null;
  /** One pass over both regions (they read at the same time, each on its own budget). */
  readonly passSeconds: number | null;
  readonly note: string;
}

export interface ComparisonTime {
  readonly readUnitsPerSecond: number;
  readonly maxConcurrency: number;
  readonly maxSegmentsPerTable: number;
  /** One GiB of one table, all its segments at once, at the read budget. */
  readonly secondsPerGiBPerPass: number;
  readonly stores: readonly StoreComparisonTime[];
  /** Pass 1 over every table of known size: the longest lane as the planner deals the segments. */
  readonly passSeconds: number | null;
  /** Both passes: pass 2 reads every segment again when any bucket differs (after a failover that lost writes). */
  readonly withDifferencesSeconds: number | null;
  readonly assumptions: readonly string[];
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** The time of one pass of one table of `bytes`, read in `segments` segments that share the table's budget. */
export function tablePassSeconds(bytes: number, readUnitsPerSecond: number): number {
  // Each segment reads bytes/k at budget/k: as long as the whole table at the whole budget.
  return bytes / (readUnitsPerSecond * SCAN_BYTES_PER_READ_UNIT);
}

export function comparisonTime(config: DrConfig): ComparisonTime {
  const r = config.dataRisk.comparisonReadUnitsPerSecond;
  const concurrency = config.dataRisk.comparisonMaxConcurrency;
  const maxSegments = Math.min(config.dataRisk.comparisonMaxSegmentsPerTable, concurrency);
  const sized = config.dataStores.filter((s) => s.kind === 'dynamodb-global-table' && s.sizeGiB !== undefined) as Array<
    Extract<DataStoreConfig, { kind: 'dynamodb-global-table' }>
  >;
  const counts = capSegments(
    sized.map((s) => segmentsFor((s.sizeGiB as number) * GIB, maxSegments)),
    MAX_COMPARISON_SEGMENTS,
  );
  const segmentsOf = new Map(sized.map((s, i) => [s.name, counts[i]]));
  const seconds = new Map(sized.map((s) => [s.name, tablePassSeconds((s.sizeGiB as number) * GIB, r)]));
  const lanes = dealToLanes(
    sized.flatMap((s) =>
      Array.from({ length: segmentsOf.get(s.name) ?? 1 }, (_, segment) => ({
        store: s.name,
        segment,
        total: segmentsOf.get(s.name) ?? 1,
        bytes: ((s.sizeGiB as number) * GIB) / (segmentsOf.get(s.name) ?? 1),
      })),
    ),
    concurrency,
  );
  // A lane reads its segments one after the other; each segment takes as long as its whole table at the whole budget.
  const laneSeconds = lanes.map((l) => l.segments.reduce((sum, seg) => sum + (seconds.get(seg.store) ?? 0), 0));
  const passSeconds = sized.length > 0 ? round1(Math.max(...laneSeconds)) : null;
  const stores = config.dataStores.map((s): StoreComparisonTime => {
    if (s.kind === 'aurora-global')
      return {
        store: s.name,
        kind: s.kind,
        sizeGiB: null,
        segments: null,
        passSeconds: null,
        note: 'not compared item by item (that needs database credentials); its lag metric is the evidence',
      };
    if (s.kind === 's3-replicated') {
      return {
        store: s.name,
        kind: s.kind,
        sizeGiB: s.sizeGiB ?? null,
        segments: 1,
        passSeconds: null,
        note: 'one listing of keys and sizes: its time depends on the number of objects (1,000 per ListObjectsV2 page), not on the read budget',
      };
    }
    if (s.sizeGiB === undefined)
      return {
        store: s.name,
        kind: s.kind,
        sizeGiB: null,
        segments: null,
        passSeconds: null,
        note: 'size unknown: set dataStores[].sizeGiB (DescribeTable TableSizeBytes) to project it',
      };
    return {
      store: s.name,
      kind: s.kind,
      sizeGiB: s.sizeGiB,
      segments: segmentsOf.get(s.name) ?? 1,
      passSeconds: round1(seconds.get(s.name) ?? 0),
      note: 'parallel-scan segments, both regions at once',
    };
  });
  return {
    readUnitsPerSecond: r,
    maxConcurrency: concurrency,
    maxSegmentsPerTable: config.dataRisk.comparisonMaxSegmentsPerTable,
    secondsPerGiBPerPass: round1(tablePassSeconds(GIB, r)),
    stores,
    passSeconds,
    withDifferencesSeconds: passSeconds === null ? null : round1(2 * passSeconds),
    assumptions: [
      `eventually consistent Scan: one read unit reads ${SCAN_BYTES_PER_READ_UNIT} bytes (DynamoDB developer guide, "Read and write operations")`,
      `${r} read units per second on each table in each region (dataRisk.comparisonReadUnitsPerSecond), shared by its segments; the two regions read at the same time`,
      `segments: one per GiB, at most min(dataRisk.comparisonMaxSegmentsPerTable, dataRisk.comparisonMaxConcurrency) = ${maxSegments} per table, dealt to at most ${concurrency} lanes`,
      `each invocation reads for ${SEGMENT_TIME_BOX_MS / 60_000} minutes and hands its cursors on; invocation and transition overheads (seconds) are left out`,
      'pass 2 (keys of the buckets that differ) reads every segment again; the merges in between take seconds',
    ],
  };
}
