import type { DataStores, ItemValue, SegmentPage } from '../../functions/shared/ports';

const unused = (what: string) => () => Promise.reject(new Error(`${what}: not used in this test`));

/** A DataStores fake whose every method fails unless the test provides it. */
export function fakeDataStores(over: Partial<DataStores> = {}): DataStores {
  return {
    replicationLagMs: unused('replicationLagMs'),
    newestHeartbeat: unused('newestHeartbeat'),
    promote: unused('promote'),
    comparisonLayout: unused('comparisonLayout'),
    scanSegment: unused('scanSegment'),
    ...over,
  };
}

/**
 * Two replicas in step: a fresh heartbeat (`lagMs` old), the same `items` in both regions (one segment, one page),
 * and the lag metric agreeing. What a failover whose data is not the point of the test needs.
 */
export function replicasInSync(
  opts: { now?: () => number; lagMs?: number; items?: number } = {},
): Pick<DataStores, 'replicationLagMs' | 'newestHeartbeat' | 'comparisonLayout' | 'scanSegment'> {
  const now = opts.now ?? (() => Date.now());
  const lag = opts.lagMs ?? 200;
  const page: SegmentPage = { items: Array.from({ length: opts.items ?? 5 }, (_, i) => [`item-${i}`, i] as const), cursor: null, readUnits: 1 };
  return {
    replicationLagMs: async () => lag,
    newestHeartbeat: async () => ({ writtenAt: now() - lag, readable: true, detail: 'fake heartbeat' }),
    comparisonLayout: async () => ({ sizeBytes: 1_000, detail: 'fake' }),
    scanSegment: async () => page,
  };
}

/**
 * Two replicas of every store in memory, for the comparison's tests: keys with value hashes per region, split into
 * segments by a hash of the key (as DynamoDB assigns partition keys to parallel-scan segments), read in pages of
 * `pageSize`. A region in `unreadable` answers like an unreachable endpoint; `heartbeatAgeMs` is what the heartbeat
 * from the other region shows (null: none was ever written).
 */
export class TwoReplicas {
  readonly items: Record<string, Record<string, Map<string, ItemValue>>> = {};
  /** Stores whose size the comparison asked for, in order. */
  readonly layoutsAsked: string[] = [];
  readonly unreadable = new Set<string>();
  heartbeatAgeMs: number | null = 500;
  metricMs: number | null = 400;
  pageSize = 100;
  /** Bytes DescribeTable reports per item (decides the number of segments). */
  bytesPerItem = 1_000;
  pagesRead = 0;
  /** Called before each page: tests move their clock here to make the time box run out. */
  onPage: () => void = () => undefined;

  constructor(
    /** The two regions, primary first (as the heartbeat's numeric keys assume); kept for readers of a test. */
    readonly regions: readonly [string, string],
    private readonly now: () => number,
  ) {}

  replica(store: string, region: string): Map<string, ItemValue> {
    this.items[store] ??= {};
    this.items[store][region] ??= new Map();
    return this.items[store][region];
  }

  private readonly segments = new Map<string, number>();

  /** Cached: hashing long keys again for every page would make large tests slow. */
  private segmentOf(key: string, total: number): number {
    const id = `${total}|${key}`;
    let s = this.segments.get(id);
    if (s === undefined) {
      s = segmentOf(key, total);
      this.segments.set(id, s);
    }
    return s;
  }

  readonly dataStores: DataStores = {
    replicationLagMs: async () => this.metricMs,
    newestHeartbeat: async (_store, _origin, readIn) => {
      if (this.unreadable.has(readIn)) return { writtenAt: null, readable: false, detail: `${readIn} unreachable` };
      return this.heartbeatAgeMs === null
        ? { writtenAt: null, readable: true, detail: 'no heartbeat' }
        : { writtenAt: this.now() - this.heartbeatAgeMs, readable: true, detail: 'heartbeat item' };
    },
    promote: unused('promote'),
    comparisonLayout: async (store, to) => {
      this.layoutsAsked.push(store.name);
      return { sizeBytes: this.replica(store.name, to).size * this.bytesPerItem, detail: `${store.name} in ${to}` };
    },
    scanSegment: async (store, region, segment, total, cursor) => {
      this.onPage();
      this.pagesRead++;
      if (this.unreadable.has(region)) throw Object.assign(new Error(`${region}: connect ECONNREFUSED`), { name: 'TransientError' });
      const keys = [...this.replica(store.name, region).keys()].filter((k) => this.segmentOf(k, total) === segment && (cursor === null || k > cursor)).sort();
      const page = keys.slice(0, this.pageSize);
      const items = page.map((k) => [k, this.replica(store.name, region).get(k)!] as const);
      return { items, cursor: keys.length > page.length ? page[page.length - 1] : null, readUnits: Math.ceil((page.length * this.bytesPerItem) / 8192) };
    },
  };
}

function segmentOf(key: string, total: number): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return (h >>> 0) % total;
}
