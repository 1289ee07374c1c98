import type { DrConfig } from '../../config/schema';
import { clip } from '../shared/bounded';
import { InvalidInputError, StepFailedError, ThrottledError } from '../shared/errors';
import type { AuditLog, Clock, ComparisonWorkStore, ItemValue, RegionName, ReplicaItems, SegmentPage, StoreComparison } from '../shared/ports';
import { comparisonShape, itemHash } from './comparable-stores';
import { BucketDigest, BucketedComparison } from './compare';
import { MissingWritesReportWriter } from './missing-writes-report';

/**
 * The comparison of two replicas of any size (docs/adr/0019-data-at-risk-measured.md), as Step Functions runs it:
 *
 *   plan   - each DynamoDB table is split into parallel-scan segments (TotalSegments from its size), each S3 bucket is
 *            one listing; the segments are dealt to at most `comparisonMaxConcurrency` lanes, the items of an inline
 *            Map (a lane reads its segments one after the other: a lane per segment would cost the execution history
 *            a dozen events per segment, which 50 small tables would feel).
 *   pass 1 - each lane scans its segments in both regions into bucket digests (compare.ts), time-boxed: an
 *            invocation stops after SEGMENT_TIME_BOX_MS and hands the Map its cursors (LastEvaluatedKey,
 *            ContinuationToken), and the next invocation resumes there. Reads are paced to the configured read budget.
 *   merge  - the digests of every segment and invocation add up to the digest of the whole replica (they are sums
 *            and XORs over disjoint items, so how the table was cut does not matter: DynamoDB does not promise that
 *            segment 3 holds the same keys in both regions). Buckets that differ are grouped (each group's items fit
 *            in memory), as compare.ts plans its rounds.
 *   pass 2 - only when buckets differ: each segment is read again and the keys in differing buckets go to the work
 *            store, by group.
 *   merge  - group by group: the exact key-level diff, each key streamed to the missing-writes report in the audit
 *            log. Time-boxed: a merge whose time runs out saves where it stopped and throws ComparisonUnfinishedError,
 *            which the ASL retries. The result is the one the single-invocation comparison computed.
 *
 * What the invocations hand each other goes through the work store (a DynamoDB table with a TTL in AWS), never the
 * workflow state, which stays small whatever the table size.
 */

/** Buckets of a segmented digest: 4096 × 5 × 4 bytes = 80 KiB per side, so one invocation's digest fits a DynamoDB item. */
export const SEGMENT_BUCKETS = 4096;
/** An invocation stops reading after this long (the function's timeout is 840 s): time to write its part and return. */
export const SEGMENT_TIME_BOX_MS = 600_000;
/** Invocations of one segment at most; the ASL's SegmentProgress Choice gives up past it (a bounded history). */
export const MAX_SEGMENT_INVOCATIONS = 200;
/** Map items at most, over all stores: the Map's history stays far below 25,000 events. */
export const MAX_COMPARISON_SEGMENTS = 256;
/** A table gets one segment per this much data, up to the configured maximum. */
export const BYTES_PER_SEGMENT = 1024 ** 3;
/** Items of one group of differing buckets (both sides): what one merge holds in memory at once. */
export const MAX_ITEMS_PER_GROUP = 200_000;
/** JSON bytes of keys per work-store part (DynamoDB items stop at 400 KB). */
export const KEY_PART_MAX_BYTES = 300 * 1024;
/** A merge invocation stops starting new groups after this long. */
export const MERGE_TIME_BOX_MS = 600_000;
/**
 * Merges of one pass at most: the first and, through the ASL's Retry on ComparisonUnfinishedError (MaxAttempts 10),
 * ten more. Past them the execution stops at the merge, and a redrive continues where the work store says.
 */
export const MAX_MERGES = 11;

/**
 * The merge's time box ran out with groups of keys left. Thrown on purpose, after the merge saved where it stopped in
 * the work store: the ASL retries the task, which picks up there. Retrying is the whole point, so it is safe.
 */
export class ComparisonUnfinishedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ComparisonUnfinishedError';
  }
}
/** Sample keys kept per group and list for the bounded result (every key is in the audit report). */
const SAMPLES_PER_GROUP = 5;

export type ComparisonPurpose = 'validate' | 'resync';

export interface SegmentItem {
  readonly store: string;
  readonly segment: number;
  readonly total: number;
}

/** One Map item: segments read one after the other by one chain of invocations. */
export interface Lane {
  readonly lane: number;
  readonly segments: SegmentItem[];
}

export interface ComparisonProgress {
  /** 1: digests; 2: keys of differing buckets. */
  readonly pass: 1 | 2;
  /** What the workflow runs next: the segments' Map (`scan`, pass 2) or nothing (`done`). */
  readonly next: 'scan' | 'done';
  /** Groups of differing buckets not merged yet; 0 once the comparison is complete (the ASL's exit). */
  readonly remainingGroups: number;
  readonly nextGroup: number;
  readonly groups: number;
  /** Parts and keys of the missing-writes report written so far (validate only). */
  readonly reportParts: number;
  readonly reportKeys: number;
  /** Invocations of the merge of the last pass. */
  readonly merges: number;
}

export interface ComparisonPlan {
  readonly comparisonId: string;
  readonly purpose: ComparisonPurpose;
  readonly fromRegion: RegionName;
  readonly toRegion: RegionName;
  /** The comparison's time: the missing-writes report's parts and index all carry it. */
  readonly at: string;
  /** The Map's MaxConcurrencyPath. */
  readonly maxConcurrency: number;
  /** The Map's items: every segment of every compared store, dealt to lanes. */
  readonly lanes: Lane[];
  /** Stores that are not compared item by item, and why (Aurora). */
  readonly notCompared: Array<{ store: string; detail: string }>;
  readonly progress: ComparisonProgress;
}

export interface SegmentProgress {
  readonly invocation: number;
  /** Every segment of the lane is read in both regions. */
  readonly done: boolean;
  /** The lane's segment being read (index into `segments`). */
  readonly at: number;
  /** Cursors to resume the current segment from; null with `*Done` false means "from the start". */
  readonly sourceCursor: string | null;
  readonly targetCursor: string | null;
  readonly sourceDone: boolean;
  readonly targetDone: boolean;
  /** Items read so far in the current segment, per region. */
  readonly sourceItems: number;
  readonly targetItems: number;
  /** Why the region being left could not be read in the current segment (the store is then not fully compared). */
  readonly sourceUnreadable?: string;
  /** Read units the lane consumed so far, both regions. */
  readonly readUnits: number;
}

export interface SegmentedComparisonDeps {
  readonly config: DrConfig;
  readonly dataStores: ReplicaItems;
  readonly work: ComparisonWorkStore;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly sleep: (ms: number) => Promise<void>;
  /** @default SEGMENT_TIME_BOX_MS */
  readonly segmentTimeBoxMs?: number;
  /** @default MERGE_TIME_BOX_MS */
  readonly mergeTimeBoxMs?: number;
  /** @default MAX_ITEMS_PER_GROUP */
  readonly maxItemsPerGroup?: number;
  /** @default KEY_PART_MAX_BYTES */
  readonly keyPartMaxBytes?: number;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const jsonPart = (value: unknown) => encoder.encode(JSON.stringify(value));
const fromJson = <T>(body: Uint8Array): T => JSON.parse(decoder.decode(body)) as T;
const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const partNames = {
  digest: (store: string, segment: number, invocation: number) => `d/${store}/${pad(segment, 4)}/${pad(invocation, 4)}`,
  digests: (store: string) => `d/${store}/`,
  status: (pass: number, store: string, segment: number) => `s${pass}/${store}/${pad(segment, 4)}`,
  statuses: (pass: number, store: string) => `s${pass}/${store}/`,
  groups: (store: string) => `g/${store}`,
  groupIndex: 'gi',
  keys: (group: number, store: string, segment: number, invocation: number, n: number) =>
    `k/${pad(group, 5)}/${store}/${pad(segment, 4)}/${pad(invocation, 4)}/${pad(n, 4)}`,
  groupKeys: (group: number) => `k/${pad(group, 5)}/`,
  storeResult: (store: string) => `r/${store}`,
  storeResults: 'r/',
  groupResult: (group: number) => `m/${pad(group, 5)}`,
  groupResults: 'm/',
  /** Where the key merge stopped: its next group and the report's parts and keys so far. */
  mergeProgress: 'mp',
};

// --- plan ----------------------------------------------------------------------------------------

/** Segments of a table of `sizeBytes`: one per BYTES_PER_SEGMENT, between 1 and `max`. */
export function segmentsFor(sizeBytes: number | null, max: number): number {
  if (sizeBytes === null || !(sizeBytes > 0)) return 1;
  return Math.max(1, Math.min(max, Math.ceil(sizeBytes / BYTES_PER_SEGMENT)));
}

/**
 * Scales per-store segment counts down so their sum stays within `cap` (every store keeps at least one), in
 * proportion; what rounding down leaves of the cap goes to the largest remainders.
 */
export function capSegments(counts: readonly number[], cap: number): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total <= cap) return [...counts];
  const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
  const out = counts.map((n) => Math.max(1, Math.floor((n * cap) / total)));
  for (let i = 0; sum(out) > cap && i < out.length * 64; i++) {
    const j = out.indexOf(Math.max(...out));
    if (out[j] <= 1) break;
    out[j]--;
  }
  const byRemainder = counts.map((n, i) => ({ i, rest: (n * cap) / total - out[i] })).sort((a, b) => b.rest - a.rest || a.i - b.i);
  for (const { i } of byRemainder) {
    if (sum(out) >= cap) break;
    if (out[i] < counts[i]) out[i]++;
  }
  return out;
}

/** Deals segments to at most `lanes` lanes, the biggest first onto the least loaded lane (by bytes, or one unit each). */
export function dealToLanes(segments: ReadonlyArray<SegmentItem & { bytes: number }>, lanes: number): Lane[] {
  const n = Math.max(1, Math.min(lanes, segments.length));
  const out = Array.from({ length: n }, (_, lane) => ({ lane, segments: [] as SegmentItem[], load: 0 }));
  const order = segments.map((seg, i) => ({ seg, i })).sort((a, b) => b.seg.bytes - a.seg.bytes || a.i - b.i);
  for (const { seg } of order) {
    const target = out.reduce((min, l) => (l.load < min.load ? l : min), out[0]);
    target.segments.push({ store: seg.store, segment: seg.segment, total: seg.total });
    target.load += Math.max(1, seg.bytes);
  }
  return segments.length === 0 ? [] : out.map(({ lane, segments: s }) => ({ lane, segments: s }));
}

export async function planComparison(
  args: { purpose: ComparisonPurpose; fromRegion: RegionName; toRegion: RegionName; incidentId: string },
  deps: Pick<SegmentedComparisonDeps, 'config' | 'dataStores' | 'clock'>,
): Promise<ComparisonPlan> {
  const { config } = deps;
  const concurrency = config.dataRisk.comparisonMaxConcurrency;
  const maxSegments = Math.min(config.dataRisk.comparisonMaxSegmentsPerTable, concurrency);
  // Only the stores compared item by item are asked for their size; the others are listed as not compared, and why.
  const shapes = config.dataStores.map((store) => ({ store, shape: comparisonShape(store) }));
  const compared = await Promise.all(
    shapes.flatMap(({ store, shape }) =>
      shape.compared
        ? [
            deps.dataStores
              .comparisonLayout(store, args.toRegion)
              .then((layout) => ({ store, splittable: shape.splittable, sizeBytes: layout?.sizeBytes ?? null })),
          ]
        : [],
    ),
  );
  const counts = capSegments(
    compared.map(({ splittable, sizeBytes }) => (splittable ? segmentsFor(sizeBytes, maxSegments) : 1)),
    MAX_COMPARISON_SEGMENTS,
  );
  const segments = compared.flatMap(({ store, sizeBytes }, i) =>
    Array.from({ length: counts[i] }, (_, segment) => ({ store: store.name, segment, total: counts[i], bytes: (sizeBytes ?? 0) / counts[i] })),
  );
  const notCompared = shapes.flatMap(({ store, shape }) => (shape.compared ? [] : [{ store: store.name, detail: shape.detail }]));
  const now = deps.clock.now();
  const lanes = dealToLanes(segments, concurrency);
  return {
    comparisonId: `${args.incidentId}/${args.purpose}/${now}`,
    purpose: args.purpose,
    fromRegion: args.fromRegion,
    toRegion: args.toRegion,
    at: new Date(now).toISOString(),
    maxConcurrency: Math.max(1, lanes.length),
    lanes,
    notCompared,
    progress: { pass: 1, next: 'scan', remainingGroups: 0, nextGroup: 0, groups: 0, reportParts: 0, reportKeys: 0, merges: 0 },
  };
}

// --- one lane, one invocation --------------------------------------------------------------------

export interface SegmentTask {
  readonly comparisonId: string;
  readonly pass: 1 | 2;
  readonly fromRegion: RegionName;
  readonly toRegion: RegionName;
  readonly lane: Lane;
  /** The previous invocation's answer; absent on the first. */
  readonly progress?: SegmentProgress;
}

/** Validates a CompareSegment payload's `state`, naming the bad field. */
export function parseSegmentTask(state: Record<string, unknown>, config: DrConfig): SegmentTask {
  const bad = (field: string, why: string): never => {
    throw new InvalidInputError(`compare-segment: ${field} ${why}`);
  };
  const str = (v: unknown, field: string) => (typeof v === 'string' && v.length > 0 ? v : bad(field, 'must be a non-empty string'));
  const lane = (state.lane ?? {}) as Record<string, unknown>;
  if (!Array.isArray(lane.segments) || lane.segments.length === 0) bad('lane.segments', 'must be a non-empty array');
  const segments = (lane.segments as unknown[]).map((raw, i) => {
    const item = (raw ?? {}) as Record<string, unknown>;
    const store = str(item.store, `lane.segments[${i}].store`);
    const configured = config.dataStores.find((s) => s.name === store);
    if (!configured) bad(`lane.segments[${i}].store`, `names no configured data store (${JSON.stringify(store)})`);
    else if (!comparisonShape(configured).compared)
      bad(`lane.segments[${i}].store`, `names a store that is not compared item by item (${JSON.stringify(store)})`);
    const { total, segment } = item;
    if (typeof total !== 'number' || !Number.isInteger(total) || total < 1 || total > 1_000_000)
      bad(`lane.segments[${i}].total`, 'must be an integer from 1 to 1000000');
    if (typeof segment !== 'number' || !Number.isInteger(segment) || segment < 0 || segment >= (total as number))
      bad(`lane.segments[${i}].segment`, `must be an integer from 0 to ${(total as number) - 1}`);
    return { store, segment: segment as number, total: total as number };
  });
  const pass = state.pass;
  if (pass !== 1 && pass !== 2) bad('pass', 'must be 1 or 2');
  const progress = state.progress as SegmentProgress | undefined;
  if (
    progress !== undefined &&
    (typeof progress !== 'object' || progress === null || typeof progress.invocation !== 'number' || typeof progress.at !== 'number')
  ) {
    bad('progress', 'must be the previous CompareSegment result');
  }
  return {
    comparisonId: str(state.comparisonId, 'comparisonId'),
    pass: pass as 1 | 2,
    fromRegion: str(state.fromRegion, 'fromRegion'),
    toRegion: str(state.toRegion, 'toRegion'),
    lane: { lane: typeof lane.lane === 'number' ? lane.lane : 0, segments },
    ...(progress ? { progress } : {}),
  };
}

interface GroupMap {
  readonly buckets: number[];
  readonly groupOf: number[];
}

const freshSegment = { sourceCursor: null, targetCursor: null, sourceDone: false, targetDone: false, sourceItems: 0, targetItems: 0 } as const;

/**
 * Reads the lane's segments, one after the other, in both regions for at most the time box, paced to the read budget,
 * and leaves what it found in the work store. Returns where to resume; `done` when every segment is read.
 */
export async function compareSegment(task: SegmentTask, deps: SegmentedComparisonDeps): Promise<SegmentProgress> {
  const prev = task.progress;
  if (prev?.done) return prev;
  const invocation = prev?.invocation ?? 0;
  const timeBox = deps.segmentTimeBoxMs ?? SEGMENT_TIME_BOX_MS;
  const started = deps.clock.now();
  let at = prev?.at ?? 0;
  let state: Omit<SegmentProgress, 'invocation' | 'done' | 'at' | 'readUnits'> = prev ?? freshSegment;
  let readUnits = prev?.readUnits ?? 0;
  const groupCache = new Map<string, Map<number, number>>();
  while (at < task.lane.segments.length) {
    const item = task.lane.segments[at];
    const r = await readSegment(task, item, invocation, state, started, timeBox, deps, groupCache);
    readUnits += r.units;
    if (!r.done) return { invocation: invocation + 1, done: false, at, ...r.state, readUnits };
    at++;
    state = freshSegment;
    // Another segment may start only while the time box lasts: the first page of each goes out within it.
    if (at < task.lane.segments.length && deps.clock.now() - started >= timeBox) return { invocation: invocation + 1, done: false, at, ...state, readUnits };
  }
  return { invocation: invocation + 1, done: true, at, ...freshSegment, readUnits };
}

type SegmentState = Omit<SegmentProgress, 'invocation' | 'done' | 'at' | 'readUnits'>;

/** One segment from where it stopped, until it is read or the time box ends; writes its digest part (and status). */
async function readSegment(
  task: SegmentTask,
  item: SegmentItem,
  invocation: number,
  prev: SegmentState,
  started: number,
  timeBox: number,
  deps: SegmentedComparisonDeps,
  groupCache: Map<string, Map<number, number>>,
): Promise<{ done: boolean; state: SegmentState; units: number }> {
  const store = deps.config.dataStores.find((s) => s.name === item.store);
  if (!store) throw new InvalidInputError(`compare-segment: no data store named ${item.store}`);
  // Every segment of a table may be read at once: each gets its share of the table's budget, in each region.
  const unitsPerSecond = deps.config.dataRisk.comparisonReadUnitsPerSecond / item.total;
  const sides = {
    source: { region: task.fromRegion, cursor: prev.sourceCursor, done: prev.sourceDone, items: 0, units: 0 },
    target: { region: task.toRegion, cursor: prev.targetCursor, done: prev.targetDone, items: 0, units: 0 },
  };
  let sourceUnreadable = prev.sourceUnreadable;
  const digest = task.pass === 1 ? new BucketedComparison({ buckets: SEGMENT_BUCKETS }) : undefined;
  let collector: KeyCollector | undefined;
  if (task.pass === 2) {
    let groups = groupCache.get(store.name);
    if (!groups) {
      groups = await loadGroups(deps.work, task.comparisonId, store.name);
      groupCache.set(store.name, groups);
    }
    // Pass 2 reads only the stores whose buckets differ; the others are done already.
    if (groups.size === 0) return { done: true, state: { ...freshSegment, sourceDone: true, targetDone: true }, units: 0 };
    collector = new KeyCollector(task.comparisonId, item, invocation, groups, deps);
  }
  const segmentStart = deps.clock.now();
  let pages = 0;
  while (!(sides.source.done && sides.target.done)) {
    // The side that has used less of its budget goes next; both regions have a budget of their own.
    const name: 'source' | 'target' = sides.source.done
      ? 'target'
      : sides.target.done
        ? 'source'
        : sides.source.units <= sides.target.units
          ? 'source'
          : 'target';
    const side = sides[name];
    const due = segmentStart + (side.units / unitsPerSecond) * 1000;
    const now = deps.clock.now();
    if (pages > 0 && Math.max(now, due) - started >= timeBox) break;
    if (due > now) await deps.sleep(due - now);
    let page: SegmentPage;
    try {
      page = await deps.dataStores.scanSegment(store, side.region, item.segment, item.total, side.cursor);
    } catch (err) {
      // The region being left is often still dark: that store is then not compared (and says so), the step goes on.
      // A region that answers "slow down" is not dark, and a failure reading the region being activated is a real
      // error: both are for the Retry.
      if (name === 'target' || err instanceof ThrottledError) throw err;
      sourceUnreadable = clip(`could not read ${store.name} in ${side.region} (${(err as Error).name}: ${(err as Error).message})`, 300);
      sides.source.done = true;
      sides.target.done = true;
      break;
    }
    pages++;
    side.units += page.readUnits;
    side.items += page.items.length;
    if (digest) {
      const into = name === 'source' ? digest.source : digest.target;
      for (const [key, value] of page.items) into.addItem(key, itemHash(value));
    }
    if (collector) await collector.add(name, page.items);
    side.cursor = page.cursor;
    if (page.cursor === null) side.done = true;
  }
  if (digest && (digest.source.items > 0 || digest.target.items > 0)) {
    const cells = new Uint32Array(2 + digest.source.cells.length * 2);
    cells[0] = digest.source.items;
    cells[1] = digest.target.items;
    cells.set(digest.source.cells, 2);
    cells.set(digest.target.cells, 2 + digest.source.cells.length);
    await deps.work.put(task.comparisonId, partNames.digest(store.name, item.segment, invocation), new Uint8Array(cells.buffer));
  }
  await collector?.flush();
  const done = sides.source.done && sides.target.done;
  const state: SegmentState = {
    sourceCursor: sides.source.cursor,
    targetCursor: sides.target.cursor,
    sourceDone: sides.source.done,
    targetDone: sides.target.done,
    sourceItems: prev.sourceItems + sides.source.items,
    targetItems: prev.targetItems + sides.target.items,
    ...(sourceUnreadable ? { sourceUnreadable } : {}),
  };
  if (done) {
    await deps.work.put(
      task.comparisonId,
      partNames.status(task.pass, store.name, item.segment),
      jsonPart({ sourceItems: state.sourceItems, targetItems: state.targetItems, ...(sourceUnreadable ? { sourceUnreadable } : {}) }),
    );
  }
  return { done, state, units: sides.source.units + sides.target.units };
}

async function loadGroups(work: ComparisonWorkStore, comparisonId: string, store: string): Promise<Map<number, number>> {
  const [part] = await work.list(comparisonId, partNames.groups(store));
  const map = new Map<number, number>();
  if (!part) return map;
  const g = fromJson<GroupMap>(part.body);
  for (const [i, b] of g.buckets.entries()) map.set(b, g.groupOf[i]);
  return map;
}

/** Pass 2: the keys of one segment that fall into differing buckets, buffered per group and written in parts. */
class KeyCollector {
  private readonly buffers = new Map<number, { s: Array<[string, number]>; t: Array<[string, number]>; bytes: number }>();
  private readonly parts = new Map<number, number>();
  private readonly bucketOf = new BucketDigest(SEGMENT_BUCKETS);

  constructor(
    private readonly comparisonId: string,
    private readonly item: SegmentItem,
    private readonly invocation: number,
    private readonly groupOf: Map<number, number>,
    private readonly deps: SegmentedComparisonDeps,
  ) {}

  async add(side: 'source' | 'target', items: ReadonlyArray<readonly [string, ItemValue]>): Promise<void> {
    if (this.groupOf.size === 0) return;
    const max = this.deps.keyPartMaxBytes ?? KEY_PART_MAX_BYTES;
    for (const [key, value] of items) {
      const group = this.groupOf.get(this.bucketOf.bucketOf(key));
      if (group === undefined) continue;
      let buf = this.buffers.get(group);
      if (!buf) {
        buf = { s: [], t: [], bytes: 16 };
        this.buffers.set(group, buf);
      }
      (side === 'source' ? buf.s : buf.t).push([key, itemHash(value)]);
      buf.bytes += key.length * 3 + 24;
      if (buf.bytes >= max) await this.write(group);
    }
  }

  async flush(): Promise<void> {
    for (const group of [...this.buffers.keys()]) await this.write(group);
  }

  private async write(group: number): Promise<void> {
    const buf = this.buffers.get(group);
    if (!buf || (buf.s.length === 0 && buf.t.length === 0)) return;
    this.buffers.delete(group);
    const n = this.parts.get(group) ?? 0;
    this.parts.set(group, n + 1);
    await this.deps.work.put(
      this.comparisonId,
      partNames.keys(group, this.item.store, this.item.segment, this.invocation, n),
      jsonPart({ s: buf.s, t: buf.t }),
    );
  }
}

// --- merges --------------------------------------------------------------------------------------

interface StoreResult {
  readonly store: string;
  readonly complete: boolean;
  readonly compared: number;
  readonly targetItems: number;
  readonly differingBuckets: number;
  readonly groups: number;
  readonly detail: string;
}

interface GroupResult {
  readonly store: string;
  readonly missing: number;
  readonly differing: number;
  readonly extra: number;
  readonly sampleMissing: string[];
  readonly sampleDiffering: string[];
  /** Set when the store could not be read in pass 2: its groups are skipped. */
  readonly skipped?: string;
}

/**
 * After a Map pass: pass 1 adds the digests up and plans the groups of differing buckets; pass 2 (and each merge
 * after it) diffs groups' keys until the time box, streaming keys to the report. Returns the next progress.
 */
export async function mergeComparison(
  plan: ComparisonPlan,
  deps: SegmentedComparisonDeps & { incidentId: string; executionId: string },
): Promise<ComparisonProgress> {
  if (plan.progress.pass === 1) return mergeDigests(plan, deps);
  return mergeGroups(plan, deps);
}

const segmentsOf = (plan: ComparisonPlan): SegmentItem[] => plan.lanes.flatMap((l) => l.segments);

async function statusesOf(deps: SegmentedComparisonDeps, plan: ComparisonPlan, pass: number, store: string) {
  const expected = segmentsOf(plan).filter((s) => s.store === store).length;
  const parts = await deps.work.list(plan.comparisonId, partNames.statuses(pass, store));
  if (parts.length !== expected) {
    throw new StepFailedError(`Comparison ${plan.comparisonId}: ${store} has ${parts.length} of ${expected} segment(s) finished in pass ${pass}`);
  }
  return parts.map((part) => fromJson<{ sourceItems: number; targetItems: number; sourceUnreadable?: string }>(part.body));
}

async function mergeDigests(plan: ComparisonPlan, deps: SegmentedComparisonDeps): Promise<ComparisonProgress> {
  const stores = [...new Set(segmentsOf(plan).map((s) => s.store))];
  const groupIndex: string[] = [];
  const maxItems = deps.maxItemsPerGroup ?? MAX_ITEMS_PER_GROUP;
  for (const store of stores) {
    const statuses = await statusesOf(deps, plan, 1, store);
    const unreadable = statuses.find((s) => s.sourceUnreadable)?.sourceUnreadable;
    const result = (r: Omit<StoreResult, 'store'>) => deps.work.put(plan.comparisonId, partNames.storeResult(store), jsonPart({ store, ...r }));
    if (unreadable) {
      await result({
        complete: false,
        compared: 0,
        targetItems: 0,
        differingBuckets: 0,
        groups: 0,
        detail: `${unreadable}; not compared. Run the comparison again when ${plan.fromRegion} is reachable.`,
      });
      continue;
    }
    const cmp = new BucketedComparison({ buckets: SEGMENT_BUCKETS });
    const cellsPerSide = cmp.source.cells.length;
    for (const part of await deps.work.list(plan.comparisonId, partNames.digests(store))) {
      const cells = new Uint32Array(part.body.buffer.slice(part.body.byteOffset, part.body.byteOffset + part.body.byteLength));
      cmp.source.absorb(cells.subarray(2, 2 + cellsPerSide), cells[0]);
      cmp.target.absorb(cells.subarray(2 + cellsPerSide), cells[1]);
    }
    const differing = cmp.diffBuckets();
    const rounds = cmp.planRounds(differing, maxItems);
    if (rounds.length > 0) {
      const buckets: number[] = [];
      const groupOf: number[] = [];
      for (const round of rounds) {
        for (const b of round) {
          buckets.push(b);
          groupOf.push(groupIndex.length);
        }
        groupIndex.push(store);
      }
      await deps.work.put(plan.comparisonId, partNames.groups(store), jsonPart({ buckets, groupOf } satisfies GroupMap));
    }
    await result({
      complete: true,
      compared: cmp.source.items,
      targetItems: cmp.target.items,
      differingBuckets: differing.length,
      groups: rounds.length,
      detail: `Compared ${cmp.source.items} items in ${plan.fromRegion} with ${cmp.target.items} in ${plan.toRegion} in ${statuses.length} segment(s) by bucketed checksums (${differing.length} of ${SEGMENT_BUCKETS} buckets differed, ${rounds.length} key-level group(s))`,
    });
  }
  await deps.work.put(plan.comparisonId, partNames.groupIndex, jsonPart(groupIndex));
  const groups = groupIndex.length;
  return {
    ...plan.progress,
    pass: groups > 0 ? 2 : 1,
    next: groups > 0 ? 'scan' : 'done',
    remainingGroups: groups,
    nextGroup: 0,
    groups,
    merges: plan.progress.merges + 1,
  };
}

interface MergeProgress {
  readonly nextGroup: number;
  readonly reportParts: number;
  readonly reportKeys: number;
  readonly merges: number;
}

async function mergeGroups(plan: ComparisonPlan, deps: SegmentedComparisonDeps & { incidentId: string; executionId: string }): Promise<ComparisonProgress> {
  // A merge retried after its time box ran out goes on where the last one saved it was (the state is the same input).
  const [saved] = await deps.work.list(plan.comparisonId, partNames.mergeProgress);
  const resumed = saved ? fromJson<MergeProgress>(saved.body) : undefined;
  const p = { ...plan.progress, merges: 0, ...(resumed ?? {}) };
  if (p.merges >= MAX_MERGES)
    throw new StepFailedError(
      `Comparison ${plan.comparisonId}: the keys of differing buckets were not merged in ${MAX_MERGES} invocations; a redrive continues where it stopped`,
    );
  const [indexPart] = await deps.work.list(plan.comparisonId, partNames.groupIndex);
  const groupIndex = indexPart ? fromJson<string[]>(indexPart.body) : [];
  // A store whose old primary went dark between the passes cannot be diffed: its groups are skipped, and it is incomplete.
  const unreadable = new Map<string, string>();
  for (const store of new Set(groupIndex)) {
    const u = (await statusesOf(deps, plan, 2, store)).find((s) => s.sourceUnreadable)?.sourceUnreadable;
    if (u) unreadable.set(store, u);
  }
  const writer =
    plan.purpose === 'validate'
      ? new MissingWritesReportWriter({
          audit: deps.audit,
          incidentId: deps.incidentId,
          executionId: deps.executionId,
          at: plan.at,
          fromRegion: plan.fromRegion,
          toRegion: plan.toRegion,
          startParts: p.reportParts,
          startKeys: p.reportKeys,
        })
      : undefined;
  const started = deps.clock.now();
  const timeBox = deps.mergeTimeBoxMs ?? MERGE_TIME_BOX_MS;
  let g = p.nextGroup;
  for (; g < groupIndex.length; g++) {
    if (g > p.nextGroup && deps.clock.now() - started >= timeBox) break;
    const store = groupIndex[g];
    const skipped = unreadable.get(store);
    if (skipped) {
      await deps.work.put(
        plan.comparisonId,
        partNames.groupResult(g),
        jsonPart({ store, missing: 0, differing: 0, extra: 0, sampleMissing: [], sampleDiffering: [], skipped } satisfies GroupResult),
      );
      continue;
    }
    const source = new Map<string, number>();
    const target = new Map<string, number>();
    for (const part of await deps.work.list(plan.comparisonId, partNames.groupKeys(g))) {
      const body = fromJson<{ s: Array<[string, number]>; t: Array<[string, number]> }>(part.body);
      for (const [k, v] of body.s) source.set(k, v);
      for (const [k, v] of body.t) target.set(k, v);
    }
    const missing: string[] = [];
    const differing: string[] = [];
    let extra = 0;
    for (const [k, v] of source) {
      const t = target.get(k);
      if (t === undefined) missing.push(k);
      else if (t !== v) differing.push(k);
    }
    for (const k of target.keys()) if (!source.has(k)) extra++;
    missing.sort(byCodeUnit);
    differing.sort(byCodeUnit);
    if (writer && (missing.length > 0 || differing.length > 0)) await writer.add(store, { missingInTarget: missing, differing });
    const result: GroupResult = {
      store,
      missing: missing.length,
      differing: differing.length,
      extra,
      sampleMissing: missing.slice(0, SAMPLES_PER_GROUP),
      sampleDiffering: differing.slice(0, SAMPLES_PER_GROUP),
    };
    await deps.work.put(plan.comparisonId, partNames.groupResult(g), jsonPart(result));
  }
  // Keys still buffered go out now: the next invocation starts a fresh buffer and must not lose them.
  const pointer = writer ? await writer.flush() : undefined;
  const remaining = groupIndex.length - g;
  const progress: MergeProgress = {
    nextGroup: g,
    reportParts: pointer?.parts ?? p.reportParts,
    reportKeys: pointer?.keys ?? p.reportKeys,
    merges: p.merges + 1,
  };
  if (remaining > 0) {
    await deps.work.put(plan.comparisonId, partNames.mergeProgress, jsonPart(progress));
    throw new ComparisonUnfinishedError(
      `Comparison ${plan.comparisonId}: ${remaining} of ${groupIndex.length} group(s) of keys left after ${Math.round((deps.clock.now() - started) / 1000)} s; the retry goes on from group ${g}`,
    );
  }
  return { ...plan.progress, ...progress, pass: 2, next: 'done', remainingGroups: 0 };
}

// --- the result ----------------------------------------------------------------------------------

/** Sample keys kept per store and list in the result (the bounded summary takes the first few of these). */
const SAMPLES_PER_STORE = 20;

/** Every configured store's comparison, from the parts the merges left: what the unsegmented comparison returned. */
export async function comparisonResults(plan: ComparisonPlan, deps: Pick<SegmentedComparisonDeps, 'config' | 'work'>): Promise<StoreComparison[]> {
  if (plan.progress.remainingGroups > 0)
    throw new StepFailedError(`Comparison ${plan.comparisonId} is not finished: ${plan.progress.remainingGroups} group(s) left`);
  const storeResults = new Map(
    (await deps.work.list(plan.comparisonId, partNames.storeResults)).map((part) => [fromJson<StoreResult>(part.body).store, fromJson<StoreResult>(part.body)]),
  );
  const groupResults = (await deps.work.list(plan.comparisonId, partNames.groupResults)).map((part) => fromJson<GroupResult>(part.body));
  return deps.config.dataStores.map((store): StoreComparison => {
    const skippedReason = plan.notCompared.find((n) => n.store === store.name)?.detail;
    if (skippedReason)
      return { store: store.name, compared: 0, missingInTarget: [], missingCount: 0, differing: [], differingCount: 0, complete: false, detail: skippedReason };
    const r = storeResults.get(store.name);
    if (!r) throw new StepFailedError(`Comparison ${plan.comparisonId}: no result for ${store.name}`);
    if (!r.complete)
      return { store: store.name, compared: 0, missingInTarget: [], missingCount: 0, differing: [], differingCount: 0, complete: false, detail: r.detail };
    const groups = groupResults.filter((g) => g.store === store.name);
    const skipped = groups.find((g) => g.skipped)?.skipped;
    if (skipped) {
      return {
        store: store.name,
        compared: 0,
        missingInTarget: [],
        missingCount: 0,
        differing: [],
        differingCount: 0,
        complete: false,
        detail: `${skipped} (between the comparison's two passes); not compared.`,
      };
    }
    const missingCount = groups.reduce((n, g) => n + g.missing, 0);
    const differingCount = groups.reduce((n, g) => n + g.differing, 0);
    const extra = groups.reduce((n, g) => n + g.extra, 0);
    const missing = groups
      .flatMap((g) => g.sampleMissing)
      .sort(byCodeUnit)
      .slice(0, SAMPLES_PER_STORE);
    const differing = groups
      .flatMap((g) => g.sampleDiffering)
      .sort(byCodeUnit)
      .slice(0, SAMPLES_PER_STORE);
    return {
      store: store.name,
      compared: r.compared,
      missingInTarget: missing,
      missingCount,
      differing,
      differingCount,
      complete: true,
      detail: `${r.detail}: ${missingCount} missing in ${plan.toRegion}, ${differingCount} differing, ${extra} only in ${plan.toRegion}.`,
    };
  });
}
