import fc from 'fast-check';
import { BucketDigest, BucketedComparison, compareFeeds, hashValue, KeyDiff } from '../../../functions/data-consistency-validator/compare';

type Side = Map<string, number>;

/** The specification: plain set differences over whole maps. */
function naive(source: Side, target: Side) {
  const sort = (xs: string[]) => xs.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    missingInTarget: sort([...source.keys()].filter((k) => !target.has(k))),
    missingInSource: sort([...target.keys()].filter((k) => !source.has(k))),
    differing: sort([...source.keys()].filter((k) => target.has(k) && target.get(k) !== source.get(k))),
  };
}

const feed = (m: Side) => (add: (k: string, v: number) => void) => {
  for (const [k, v] of m) add(k, v);
};

/** Two replicas that mostly agree: a shared base, then keys dropped, added or changed on either side. */
const replicas = fc
  .record({
    base: fc.dictionary(fc.string({ maxLength: 12 }), fc.nat({ max: 2 ** 40 }), { maxKeys: 200 }),
    dropFromTarget: fc.array(fc.nat(), { maxLength: 20 }),
    dropFromSource: fc.array(fc.nat(), { maxLength: 20 }),
    change: fc.array(fc.tuple(fc.nat(), fc.nat({ max: 2 ** 40 })), { maxLength: 20 }),
    extraTarget: fc.dictionary(fc.string({ maxLength: 12 }), fc.nat({ max: 2 ** 40 }), { maxKeys: 10 }),
  })
  .map(({ base, dropFromTarget, dropFromSource, change, extraTarget }) => {
    const keys = Object.keys(base);
    const source: Side = new Map(Object.entries(base));
    const target: Side = new Map(Object.entries(base));
    if (keys.length > 0) {
      for (const i of dropFromTarget) target.delete(keys[i % keys.length]);
      for (const i of dropFromSource) source.delete(keys[i % keys.length]);
      for (const [i, v] of change) if (target.has(keys[i % keys.length])) target.set(keys[i % keys.length], v);
    }
    for (const [k, v] of Object.entries(extraTarget)) target.set(k, v);
    return { source, target };
  });

describe('bucketed comparison', () => {
  it('finds exactly the naive set differences, whatever the bucket count (few buckets force collisions)', async () => {
    await fc.assert(
      fc.asyncProperty(replicas, fc.constantFrom(1, 2, 8, 1024), fc.constantFrom(1, 7, 1_000_000), async ({ source, target }, buckets, maxItemsPerRound) => {
        const out = await compareFeeds(feed(source), feed(target), { buckets, maxItemsPerRound });
        const expected = naive(source, target);
        expect({ missingInTarget: out.missingInTarget, missingInSource: out.missingInSource, differing: out.differing }).toEqual(expected);
        expect(out.sourceItems).toBe(source.size);
        expect(out.targetItems).toBe(target.size);
      }),
      { numRuns: 300 },
    );
  });

  it('reports no differing bucket for identical replicas, fed in any order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.nat({ max: 2 ** 50 }), { maxKeys: 300 }), (d) => {
        const entries = Object.entries(d);
        const cmp = new BucketedComparison({ buckets: 64 });
        for (const [k, v] of entries) cmp.source.addItem(k, v);
        for (const [k, v] of [...entries].reverse()) cmp.target.addItem(k, v);
        expect(cmp.diffBuckets()).toHaveLength(0);
      }),
    );
  });

  it('pass 2 holds only items of differing buckets', () => {
    const cmp = new BucketedComparison({ buckets: 1024 });
    for (let i = 0; i < 5_000; i++) {
      cmp.source.addItem(`k${i}`, i);
      if (i !== 42) cmp.target.addItem(`k${i}`, i);
    }
    const differing = cmp.diffBuckets();
    expect([...differing]).toEqual([cmp.source.bucketOf('k42')]);
    const pass = cmp.keyDiff(differing);
    for (let i = 0; i < 5_000; i++) {
      pass.source.addItem(`k${i}`, i);
      if (i !== 42) pass.target.addItem(`k${i}`, i);
    }
    const r = pass.result();
    expect(r.missingInTarget).toEqual(['k42']);
    // About 5000/1024 items per bucket, on both sides: far fewer than the 10,000 streamed.
    expect(r.itemsHeld).toBeLessThan(60);
  });

  it('splits pass 2 into rounds that respect the item budget, using the per-bucket counts', () => {
    const cmp = new BucketedComparison({ buckets: 16 });
    for (let i = 0; i < 400; i++) cmp.source.addItem(`k${i}`, 1);
    const rounds = cmp.planRounds(cmp.diffBuckets(), 60);
    expect(rounds.flat().sort((a, b) => a - b)).toEqual([...cmp.diffBuckets()]);
    for (const round of rounds) {
      const held = round.reduce((n, b) => n + cmp.source.countIn(b) + cmp.target.countIn(b), 0);
      expect(round.length === 1 || held <= 60).toBe(true);
    }
    expect(rounds.length).toBeGreaterThan(1);
  });

  it('a changed value changes the digest even when key and count stay the same', () => {
    const a = new BucketDigest(1);
    const b = new BucketDigest(1);
    a.addItem('order-1', hashValue('{"total":10}'));
    b.addItem('order-1', hashValue('{"total":11}'));
    expect([...a.cells]).not.toEqual([...b.cells]);
  });

  it('refuses bad parameters with a message naming them', () => {
    expect(() => new BucketDigest(1000)).toThrow('buckets must be a power of two');
    expect(() => new BucketDigest(0)).toThrow('buckets must be a power of two');
    expect(() => new BucketDigest(8).addItem('k', -1)).toThrow('valueHash must be an integer');
    expect(() => new BucketDigest(8).addItem('k', 1.5)).toThrow('valueHash must be an integer');
    expect(() => new BucketDigest(8).addItem('k', Number.NaN)).toThrow('valueHash must be an integer');
    expect(() => new KeyDiff(8, [8])).toThrow('bucket 8 is outside 0..7');
    expect(() => new BucketedComparison().planRounds([], 0)).toThrow('maxItemsPerRound');
  });

  it('hashValue is a deterministic safe integer', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const h = hashValue(s);
        expect(Number.isSafeInteger(h) && h >= 0).toBe(true);
        expect(hashValue(s)).toBe(h);
      }),
    );
  });
});
