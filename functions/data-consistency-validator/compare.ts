/**
 * Bucketed comparison of two replicas of a key-value data set, in bounded memory.
 *
 * Pass 1 streams every item of each side into N buckets and keeps only a fixed-size digest per bucket
 * (item count plus XOR and sum of a 64-bit item hash, as two 32-bit halves). Buckets whose digests match
 * hold the same items with overwhelming probability, so pass 2 streams the sides again and keeps keys
 * only for items that fall into a differing bucket. Memory is O(N) for pass 1 and O(items in differing
 * buckets) for pass 2, which `planRounds` splits into rounds of bounded size when the difference is large.
 *
 * No per-item allocation on the hot path: hashes are computed into module-level scratch variables and the
 * digests live in one typed array per side.
 */

/** Largest valueHash accepted: any non-negative safe integer (e.g. from `hashValue`). */
export const MAX_VALUE_HASH = Number.MAX_SAFE_INTEGER;
export const DEFAULT_BUCKETS = 1 << 16;
const MAX_BUCKETS = 1 << 24;
/** count, xorLo, xorHi, sumLo, sumHi */
const STRIDE = 5;
const TWO_32 = 4_294_967_296;

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

// Scratch results of hashKey: returning a tuple would allocate once per item.
let keyA = 0;
let keyB = 0;

/** Two independent 32-bit hashes of the key's UTF-16 code units in one pass (FNV-1a and a Murmur-style mix). */
function hashKey(key: string): void {
  let a = 0x811c9dc5;
  let b = 0x9747b28c ^ key.length;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  keyA = fmix32(a);
  keyB = fmix32(b);
}

/**
 * A 53-bit hash of a value's canonical text, suitable as `valueHash`. Callers may use any other hash of
 * their own, as long as both sides hash the same way.
 */
export function hashValue(text: string): number {
  hashKey(text);
  return (keyB & 0x1fffff) * TWO_32 + keyA;
}

function checkValueHash(valueHash: number): void {
  // One comparison chain per item: cheap, and a NaN or fraction would silently corrupt every digest.
  if (!(valueHash >= 0 && valueHash <= MAX_VALUE_HASH) || Math.floor(valueHash) !== valueHash) {
    throw new RangeError(`valueHash must be an integer from 0 to ${MAX_VALUE_HASH}; got ${valueHash}`);
  }
}

function checkBuckets(buckets: number): number {
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > MAX_BUCKETS || (buckets & (buckets - 1)) !== 0) {
    throw new RangeError(`buckets must be a power of two from 1 to ${MAX_BUCKETS}; got ${buckets}`);
  }
  return buckets;
}

/** One side's per-bucket digests. Add each key at most once per side (a scan or listing does). */
export class BucketDigest {
  readonly buckets: number;
  private readonly mask: number;
  /** Interleaved per bucket: count, xorLo, xorHi, sumLo, sumHi (sums wrap mod 2^32 on store). */
  readonly cells: Uint32Array;
  items = 0;

  constructor(buckets: number = DEFAULT_BUCKETS) {
    this.buckets = checkBuckets(buckets);
    this.mask = buckets - 1;
    this.cells = new Uint32Array(buckets * STRIDE);
  }

  addItem(key: string, valueHash: number): void {
    checkValueHash(valueHash);
    hashKey(key);
    const vLo = valueHash >>> 0;
    const vHi = (valueHash / TWO_32) >>> 0;
    // The item hash depends on key and value, so a changed value changes its bucket's digest.
    const lo = fmix32(keyA ^ Math.imul(vLo ^ 0x27d4eb2f, 0x165667b1) ^ vHi);
    const hi = fmix32((keyB + vLo) ^ Math.imul(vHi + 0x9e3779b9, 0x85ebca77));
    const i = ((keyA ^ (keyB >>> 7)) & this.mask) * STRIDE;
    const c = this.cells;
    c[i] = c[i] + 1;
    c[i + 1] = c[i + 1] ^ lo;
    c[i + 2] = c[i + 2] ^ hi;
    c[i + 3] = c[i + 3] + lo;
    c[i + 4] = c[i + 4] + hi;
    this.items++;
  }

  /**
   * Adds another digest of the same bucket count, computed over a disjoint set of items (another segment, another
   * page range): counts and sums add, XORs combine, so the result is the digest of the union whatever the split.
   */
  absorb(cells: Uint32Array, items: number): void {
    if (cells.length !== this.cells.length) throw new RangeError(`a digest of ${cells.length / STRIDE} buckets cannot be added to one of ${this.buckets}`);
    const c = this.cells;
    for (let i = 0; i < c.length; i += STRIDE) {
      c[i] = c[i] + cells[i];
      c[i + 1] = c[i + 1] ^ cells[i + 1];
      c[i + 2] = c[i + 2] ^ cells[i + 2];
      c[i + 3] = c[i + 3] + cells[i + 3];
      c[i + 4] = c[i + 4] + cells[i + 4];
    }
    this.items += items;
  }

  /** Which bucket a key falls into (the same function pass 2 uses). */
  bucketOf(key: string): number {
    hashKey(key);
    return (keyA ^ (keyB >>> 7)) & this.mask;
  }

  countIn(bucket: number): number {
    return this.cells[bucket * STRIDE];
  }
}

export interface KeyDiffResult {
  /** In the source, absent from the target: writes the target never got. Sorted. */
  readonly missingInTarget: string[];
  /** In the target only. Sorted. */
  readonly missingInSource: string[];
  /** In both, with different value hashes. Sorted. */
  readonly differing: string[];
  /** Items pass 2 had to hold in memory. */
  readonly itemsHeld: number;
}

/** Pass 2: exact key-level diff restricted to a set of buckets; items in other buckets are hashed and dropped. */
export class KeyDiff {
  private readonly selected: Uint8Array;
  private readonly mask: number;
  private readonly sides = { source: new Map<string, number>(), target: new Map<string, number>() };
  readonly source: { addItem(key: string, valueHash: number): void };
  readonly target: { addItem(key: string, valueHash: number): void };

  constructor(buckets: number, selectedBuckets: ArrayLike<number>) {
    checkBuckets(buckets);
    this.mask = buckets - 1;
    this.selected = new Uint8Array(buckets);
    for (let i = 0; i < selectedBuckets.length; i++) {
      const b = selectedBuckets[i];
      if (!(b >= 0 && b < buckets) || !Number.isInteger(b)) throw new RangeError(`bucket ${b} is outside 0..${buckets - 1}`);
      this.selected[b] = 1;
    }
    this.source = { addItem: (key, valueHash) => this.add(this.sides.source, key, valueHash) };
    this.target = { addItem: (key, valueHash) => this.add(this.sides.target, key, valueHash) };
  }

  private add(into: Map<string, number>, key: string, valueHash: number): void {
    checkValueHash(valueHash);
    hashKey(key);
    if (this.selected[(keyA ^ (keyB >>> 7)) & this.mask] === 1) into.set(key, valueHash);
  }

  result(): KeyDiffResult {
    const { source, target } = this.sides;
    const missingInTarget: string[] = [];
    const differing: string[] = [];
    const missingInSource: string[] = [];
    for (const [key, v] of source) {
      const t = target.get(key);
      if (t === undefined) missingInTarget.push(key);
      else if (t !== v) differing.push(key);
    }
    for (const key of target.keys()) if (!source.has(key)) missingInSource.push(key);
    const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    return {
      missingInTarget: missingInTarget.sort(byCodeUnit),
      missingInSource: missingInSource.sort(byCodeUnit),
      differing: differing.sort(byCodeUnit),
      itemsHeld: source.size + target.size,
    };
  }
}

/** Pass 1 for both sides, then the bucket diff and the plan for pass 2. */
export class BucketedComparison {
  readonly source: BucketDigest;
  readonly target: BucketDigest;

  constructor(opts: { readonly buckets?: number } = {}) {
    const buckets = opts.buckets ?? DEFAULT_BUCKETS;
    this.source = new BucketDigest(buckets);
    this.target = new BucketDigest(buckets);
  }

  get buckets(): number {
    return this.source.buckets;
  }

  /** Buckets whose digests differ, ascending. Empty means the sides hold the same items. */
  diffBuckets(): Uint32Array {
    const a = this.source.cells;
    const b = this.target.cells;
    let n = 0;
    const out = new Uint32Array(this.buckets);
    for (let bucket = 0, i = 0; bucket < this.buckets; bucket++, i += STRIDE) {
      if (a[i] !== b[i] || a[i + 1] !== b[i + 1] || a[i + 2] !== b[i + 2] || a[i + 3] !== b[i + 3] || a[i + 4] !== b[i + 4]) out[n++] = bucket;
    }
    return out.slice(0, n);
  }

  /**
   * Groups differing buckets so that each round of pass 2 holds at most `maxItemsPerRound` items (from
   * the per-bucket counts of pass 1). A bucket bigger than the limit gets a round of its own.
   */
  planRounds(differing: ArrayLike<number>, maxItemsPerRound: number): number[][] {
    if (!(maxItemsPerRound >= 1)) throw new RangeError(`maxItemsPerRound must be at least 1; got ${maxItemsPerRound}`);
    const rounds: number[][] = [];
    let current: number[] = [];
    let held = 0;
    for (let i = 0; i < differing.length; i++) {
      const bucket = differing[i];
      const size = this.source.countIn(bucket) + this.target.countIn(bucket);
      if (current.length > 0 && held + size > maxItemsPerRound) {
        rounds.push(current);
        current = [];
        held = 0;
      }
      current.push(bucket);
      held += size;
    }
    if (current.length > 0) rounds.push(current);
    return rounds;
  }

  /** A pass-2 collector for the given buckets (all differing ones by default). */
  keyDiff(buckets: ArrayLike<number> = this.diffBuckets()): KeyDiff {
    return new KeyDiff(this.buckets, buckets);
  }
}

/** Feeds every item of one side by calling `add`; called once per pass, so it must be repeatable. */
export type ItemFeed = (add: (key: string, valueHash: number) => void) => Promise<void> | void;

export interface ComparisonOutcome {
  readonly sourceItems: number;
  readonly targetItems: number;
  readonly differingBuckets: number;
  readonly rounds: number;
  readonly missingInTarget: string[];
  readonly missingInSource: string[];
  readonly differing: string[];
}

/**
 * Both passes over two repeatable feeds. Pass 2 runs in as many rounds as `maxItemsPerRound` needs; each
 * round re-reads both sides, so a large difference costs reads, never unbounded memory.
 */
export async function compareFeeds(
  source: ItemFeed,
  target: ItemFeed,
  opts: { readonly buckets?: number; readonly maxItemsPerRound?: number } = {},
): Promise<ComparisonOutcome> {
  const cmp = new BucketedComparison({ buckets: opts.buckets });
  await source((k, v) => cmp.source.addItem(k, v));
  await target((k, v) => cmp.target.addItem(k, v));
  const differingBuckets = cmp.diffBuckets();
  const rounds = cmp.planRounds(differingBuckets, opts.maxItemsPerRound ?? 1_000_000);
  const missingInTarget: string[] = [];
  const missingInSource: string[] = [];
  const differing: string[] = [];
  for (const round of rounds) {
    const pass = cmp.keyDiff(round);
    await source(pass.source.addItem);
    await target(pass.target.addItem);
    const r = pass.result();
    missingInTarget.push(...r.missingInTarget);
    missingInSource.push(...r.missingInSource);
    differing.push(...r.differing);
  }
  const sorted = (xs: string[]) => (rounds.length > 1 ? xs.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) : xs);
  return {
    sourceItems: cmp.source.items,
    targetItems: cmp.target.items,
    differingBuckets: differingBuckets.length,
    rounds: rounds.length,
    missingInTarget: sorted(missingInTarget),
    missingInSource: sorted(missingInSource),
    differing: sorted(differing),
  };
}
