/**
 * One validator variant in its own process, so its peak RSS is its own:
 *   node validator-child.js <generate|bucketed|naive> <items>
 * Prints one JSON line. Run bundled by bench/validator.ts (plain node, no loader in the RSS).
 */
import { compareFeeds, hashValue } from '../functions/data-consistency-validator/compare';

type Variant = 'generate' | 'bucketed' | 'naive';
type Emit = (key: string, value: string) => void;

/** Every DIFF_EVERY-th item differs between the regions: 0.1% of the items. */
const DIFF_EVERY = 1_000;
/** A multiplier coprime with 10^n, so keys come out in scan-like (hash) order, not sorted. */
const SCATTER = 999_983;

interface Injected {
  readonly missingInTarget: Set<string>;
  readonly missingInSource: Set<string>;
  readonly differing: Set<string>;
}

/**
 * The two regions' items, regenerated on every call (a repeatable scan) rather than held, so the
 * generator itself adds no memory. Differences rotate through the three kinds a failover leaves behind.
 */
function dataset(n: number) {
  const injected: Injected = { missingInTarget: new Set(), missingInSource: new Set(), differing: new Set() };
  const key = (i: number) => `order-${String((i * SCATTER) % n).padStart(8, '0')}`;
  const kindOf = (i: number) => (i % DIFF_EVERY === DIFF_EVERY / 2 ? Math.floor(i / DIFF_EVERY) % 3 : -1);
  for (let i = 0; i < n; i++) {
    const kind = kindOf(i);
    if (kind === 0) injected.differing.add(key(i));
    else if (kind === 1) injected.missingInTarget.add(key(i));
    else if (kind === 2) injected.missingInSource.add(key(i));
  }
  const value = (i: number, version: number) => `{"id":"${key(i)}","amount":${(i * 7) % 100_000},"currency":"USD","status":"PAID","version":${version}}`;
  const side = (which: 'source' | 'target') => (emit: Emit) => {
    for (let i = 0; i < n; i++) {
      const kind = kindOf(i);
      if (which === 'target' && kind === 1) continue;
      if (which === 'source' && kind === 2) continue;
      emit(key(i), value(i, which === 'target' && kind === 0 ? 2 : 1));
    }
  };
  return { injected, source: side('source'), target: side('target') };
}

interface Found {
  readonly missingInTarget: readonly string[];
  readonly missingInSource: readonly string[];
  readonly differing: readonly string[];
}

async function bucketed(data: ReturnType<typeof dataset>): Promise<Found & { differingBuckets: number; rounds: number }> {
  const feed = (side: (emit: Emit) => void) => (add: (key: string, valueHash: number) => void) => side((k, v) => add(k, hashValue(v)));
  return compareFeeds(feed(data.source), feed(data.target));
}

/** The obvious way: hold both sides, sort by key, walk them together. */
function naive(data: ReturnType<typeof dataset>): Found {
  const load = (side: (emit: Emit) => void) => {
    const items: Array<[string, string]> = [];
    side((k, v) => items.push([k, v]));
    return items.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  };
  const s = load(data.source);
  const t = load(data.target);
  const found = { missingInTarget: [] as string[], missingInSource: [] as string[], differing: [] as string[] };
  let i = 0;
  let j = 0;
  while (i < s.length || j < t.length) {
    if (j >= t.length || (i < s.length && s[i][0] < t[j][0])) found.missingInTarget.push(s[i++][0]);
    else if (i >= s.length || t[j][0] < s[i][0]) found.missingInSource.push(t[j++][0]);
    else {
      if (s[i][1] !== t[j][1]) found.differing.push(s[i][0]);
      i++;
      j++;
    }
  }
  return found;
}

const sameSet = (found: readonly string[], expected: Set<string>) => found.length === expected.size && found.every((k) => expected.has(k));

async function main(): Promise<void> {
  const variant = process.argv[2] as Variant;
  const n = Number(process.argv[3]);
  if (!['generate', 'bucketed', 'naive'].includes(variant) || !Number.isInteger(n) || n < DIFF_EVERY)
    throw new Error('usage: <generate|bucketed|naive> <items >= 1000>');
  const data = dataset(n);
  const baselineRssMB = process.memoryUsage().rss / 2 ** 20;
  const t0 = performance.now();
  let found: Found | undefined;
  let extra: Record<string, unknown> = {};
  if (variant === 'generate') {
    // What producing the items costs: one pass over each side, as the naive variant reads them.
    let chars = 0;
    data.source((k, v) => (chars += k.length + v.length));
    data.target((k, v) => (chars += k.length + v.length));
    extra = { chars };
  } else if (variant === 'bucketed') {
    const r = await bucketed(data);
    found = r;
    extra = { differingBuckets: r.differingBuckets, rounds: r.rounds };
  } else {
    found = naive(data);
  }
  const seconds = (performance.now() - t0) / 1000;
  const injected = data.injected.missingInTarget.size + data.injected.missingInSource.size + data.injected.differing.size;
  const correct = found
    ? sameSet(found.missingInTarget, data.injected.missingInTarget) &&
      sameSet(found.missingInSource, data.injected.missingInSource) &&
      sameSet(found.differing, data.injected.differing)
    : null;
  process.stdout.write(
    `${JSON.stringify({
      variant,
      items: n,
      seconds,
      // The kernel's high-water mark for this process: catches peaks no sampling timer could see.
      peakRssMB: process.resourceUsage().maxRSS / 1024,
      baselineRssMB,
      injected,
      found: found ? found.missingInTarget.length + found.missingInSource.length + found.differing.length : null,
      correct,
      ...extra,
    })}\n`,
  );
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
