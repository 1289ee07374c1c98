import { parseConfig } from '../../../config/load';
import { runDataConsistencyValidator, type DataReport } from '../../../functions/data-consistency-validator/data-consistency-validator';
import {
  BYTES_PER_SEGMENT,
  capSegments,
  ComparisonUnfinishedError,
  compareSegment,
  dealToLanes,
  MAX_COMPARISON_SEGMENTS,
  parseSegmentTask,
  planComparison,
  segmentsFor,
  type SegmentProgress,
} from '../../../functions/data-consistency-validator/segmented-comparison';
import { ThrottledError } from '../../../functions/shared/errors';
import type { AuditEntry } from '../../../functions/shared/ports';
import { InMemoryComparisonStore } from '../../../local/world/adapters';
import { runComparison } from '../../support/comparison-driver';
import { TwoReplicas } from '../../support/data-stores';
import { configInput } from '../aws/fixtures';

const EAST = 'us-east-1';
const WEST = 'us-west-2';
const T0 = Date.parse('2025-01-02T03:04:05.000Z');
const state = {
  incidentId: 'inc-seg',
  fromRegion: EAST,
  toRegion: WEST,
  trigger: { source: 'manual', at: '2025-01-02T03:04:05.000Z' },
  execution: { id: 'exec-seg', name: 'inc-seg', startedAt: '2025-01-02T03:04:05.000Z' },
};

function setup(dataRisk: Record<string, number> = {}) {
  const config = parseConfig({ ...configInput, dataRisk });
  let now = T0;
  const replicas = new TwoReplicas([EAST, WEST], () => now);
  const sleeps: number[] = [];
  const audit: AuditEntry[] = [];
  const deps = {
    config,
    dataStores: replicas.dataStores,
    work: new InMemoryComparisonStore(),
    audit: { record: async (e: AuditEntry) => void audit.push(e) },
    clock: { now: () => now },
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
  };
  return { config, replicas, deps, sleeps, audit, advance: (ms: number) => (now += ms), now: () => now };
}

describe('the plan: segments by size, dealt to lanes', () => {
  it('one segment per GiB, between 1 and the maximum', () => {
    expect(segmentsFor(null, 16)).toBe(1);
    expect(segmentsFor(0, 16)).toBe(1);
    expect(segmentsFor(BYTES_PER_SEGMENT * 2.5, 16)).toBe(3);
    expect(segmentsFor(BYTES_PER_SEGMENT * 100, 8)).toBe(8);
  });

  it('scales the segment counts down to the cap, every store keeping one', () => {
    const capped = capSegments([200, 100, 1, 1], MAX_COMPARISON_SEGMENTS);
    expect(capped.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(MAX_COMPARISON_SEGMENTS);
    expect(Math.min(...capped)).toBe(1);
    expect(capSegments([3, 4], 10)).toEqual([3, 4]);
    // 100 tables of 40 segments share 256: what rounding down leaves goes to the largest remainders, so all 256 are used.
    expect(
      capSegments(
        Array.from({ length: 100 }, () => 40),
        256,
      ).reduce((a, b) => a + b, 0),
    ).toBe(256);
    expect(capSegments([10, 10, 1], 12)).toEqual([6, 5, 1]);
  });

  it('deals the biggest segments first onto the least loaded lane, at most `lanes` of them', () => {
    const seg = (store: string, segment: number, bytes: number) => ({ store, segment, total: 2, bytes });
    const lanes = dealToLanes([seg('big', 0, 100), seg('big', 1, 100), seg('small', 0, 1), seg('small', 1, 1)], 3);
    expect(lanes.map((l) => l.segments.map((s) => `${s.store}/${s.segment}`))).toEqual([['big/0'], ['big/1'], ['small/0', 'small/1']]);
    expect(dealToLanes([], 8)).toEqual([]);
  });

  it('a 12 GiB table gets as many segments as the concurrency allows; a bucket one; Aurora none, said why', async () => {
    const { deps, replicas } = setup({ comparisonMaxConcurrency: 4, comparisonMaxSegmentsPerTable: 16 });
    replicas.replica('orders', WEST).set('k', 1);
    replicas.bytesPerItem = 12 * BYTES_PER_SEGMENT;
    const plan = await planComparison({ purpose: 'validate', fromRegion: EAST, toRegion: WEST, incidentId: 'inc-seg' }, deps);
    const segments = plan.lanes.flatMap((l) => l.segments);
    expect(segments.filter((s) => s.store === 'orders')).toHaveLength(4);
    expect(segments.filter((s) => s.store === 'invoices')).toEqual([{ store: 'invoices', segment: 0, total: 1 }]);
    expect(plan.notCompared).toEqual([{ store: 'ledger', detail: expect.stringMatching(/rows not compared/) }]);
    expect(plan.lanes.length).toBeLessThanOrEqual(4);
    expect(plan.maxConcurrency).toBe(plan.lanes.length);
  });

  it('asks the adapter only for the size of the stores it compares; the split is its own rule, whatever the adapter says', async () => {
    const { deps, replicas } = setup({ comparisonMaxConcurrency: 4, comparisonMaxSegmentsPerTable: 16 });
    replicas.replica('invoices', WEST).set('inv/1', 10);
    replicas.bytesPerItem = 12 * BYTES_PER_SEGMENT;
    const plan = await planComparison({ purpose: 'validate', fromRegion: EAST, toRegion: WEST, incidentId: 'inc-seg' }, deps);
    expect(replicas.layoutsAsked.sort()).toEqual(['invoices', 'orders']);
    // A 12 GiB bucket is still one listing.
    expect(plan.lanes.flatMap((l) => l.segments).filter((s) => s.store === 'invoices')).toEqual([{ store: 'invoices', segment: 0, total: 1 }]);
  });

  it('an adapter that cannot size a replica (null) gets one segment for it', async () => {
    const { deps } = setup({ comparisonMaxConcurrency: 4, comparisonMaxSegmentsPerTable: 16 });
    const plan = await planComparison(
      { purpose: 'validate', fromRegion: EAST, toRegion: WEST, incidentId: 'inc-seg' },
      { ...deps, dataStores: { ...deps.dataStores, comparisonLayout: async () => null } },
    );
    expect(plan.lanes.flatMap((l) => l.segments).filter((s) => s.store === 'orders')).toEqual([{ store: 'orders', segment: 0, total: 1 }]);
  });
});

describe('parseSegmentTask', () => {
  const task = (store: string) => ({
    comparisonId: 'c',
    pass: 1,
    fromRegion: EAST,
    toRegion: WEST,
    lane: { lane: 0, segments: [{ store, segment: 0, total: 1 }] },
  });

  it('takes a lane of stores compared item by item, and refuses an unknown store or one that is not compared', () => {
    const { config } = setup();
    expect(parseSegmentTask(task('orders'), config).lane.segments).toEqual([{ store: 'orders', segment: 0, total: 1 }]);
    expect(() => parseSegmentTask(task('nope'), config)).toThrow(/lane\.segments\[0\]\.store names no configured data store/);
    expect(() => parseSegmentTask(task('ledger'), config)).toThrow(/lane\.segments\[0\]\.store names a store that is not compared item by item/);
  });
});

describe('item values: the validator hashes what the adapters hand it', () => {
  it('the same text in both replicas is no difference; another text is a differing key', async () => {
    const { deps, replicas } = setup();
    for (const region of [EAST, WEST]) {
      replicas.replica('orders', region).set('same', '{"total":10}');
      replicas.replica('invoices', region).set('inv/1', 10);
    }
    replicas.replica('orders', EAST).set('changed', '{"total":10}');
    replicas.replica('orders', WEST).set('changed', '{"total":11}');
    const { state: s } = await runComparison('validate', state, deps);
    const report = (await runDataConsistencyValidator({ action: 'post', state: s }, deps)) as DataReport;
    const of = (name: string) => report.stores.find((c) => c.store === name);
    expect(of('orders')).toMatchObject({ complete: true, compared: 2, missingCount: 0, differingCount: 1, differing: ['changed'] });
    expect(of('invoices')).toMatchObject({ complete: true, compared: 1, missingCount: 0, differingCount: 0 });
    // The one rule: Aurora is not compared item by item, so its comparison is incomplete, never "0 missing".
    expect(of('ledger')).toMatchObject({ complete: false, compared: 0 });
    expect(report.incompleteStores).toEqual(['ledger']);
  });
});

describe('one lane, one invocation', () => {
  it('stops at its time box and resumes from its cursors: every item read once over the invocations', async () => {
    const { deps, replicas, advance } = setup();
    for (let i = 0; i < 50; i++) {
      replicas.replica('orders', EAST).set(`k${String(i).padStart(2, '0')}`, i);
      replicas.replica('orders', WEST).set(`k${String(i).padStart(2, '0')}`, i);
    }
    replicas.pageSize = 5;
    replicas.onPage = () => void advance(1_000);
    const task = {
      comparisonId: 'c1',
      pass: 1 as const,
      fromRegion: EAST,
      toRegion: WEST,
      lane: { lane: 0, segments: [{ store: 'orders', segment: 0, total: 1 }] },
    };
    let progress: SegmentProgress | undefined;
    const invocations: SegmentProgress[] = [];
    do {
      progress = await compareSegment({ ...task, ...(progress ? { progress } : {}) }, { ...deps, segmentTimeBoxMs: 4_000 });
      invocations.push(progress);
    } while (!progress.done);
    expect(invocations.length).toBeGreaterThan(2);
    expect(invocations.slice(0, -1).every((p) => !p.done && (p.sourceCursor !== null || p.targetCursor !== null))).toBe(true);
    expect(progress).toMatchObject({ done: true, at: 1 });
    // Every invocation left its digest; the segment's status says how many items each side had.
    const [status] = await deps.work.list('c1', 's1/orders/');
    expect(JSON.parse(new TextDecoder().decode(status.body))).toEqual({ sourceItems: 50, targetItems: 50 });
    expect((await deps.work.list('c1', 'd/orders/')).length).toBe(invocations.length);
  });

  it('paces its reads to the read budget: a table read in 4 segments gets a quarter of it per region', async () => {
    const { deps, replicas, sleeps } = setup({ comparisonReadUnitsPerSecond: 100 });
    for (let i = 0; i < 100; i++) replicas.replica('orders', EAST).set(`k${i}`, i);
    replicas.bytesPerItem = 8_192 * 5;
    replicas.pageSize = 10;
    const task = {
      comparisonId: 'c2',
      pass: 1 as const,
      fromRegion: EAST,
      toRegion: WEST,
      lane: { lane: 0, segments: [{ store: 'orders', segment: 0, total: 4 }] },
    };
    const p = await compareSegment(task, deps);
    // 25 units/s per region; a page of 10 items of 40 KiB is 50 units: two seconds' worth.
    expect(sleeps.length).toBeGreaterThan(0);
    expect(Math.max(...sleeps)).toBeLessThanOrEqual(2_000);
    expect(p.readUnits / ((sleeps.reduce((a, b) => a + b, 0) + 2_000) / 1_000)).toBeLessThanOrEqual(2 * 25 + 1e-9);
  });

  it('a region being left that cannot be read ends its segments at once, unreadable, while throttling is for the Retry', async () => {
    const { deps, replicas } = setup();
    replicas.replica('orders', WEST).set('a', 1);
    replicas.unreadable.add(EAST);
    const task = {
      comparisonId: 'c3',
      pass: 1 as const,
      fromRegion: EAST,
      toRegion: WEST,
      lane: { lane: 0, segments: [{ store: 'orders', segment: 0, total: 1 }] },
    };
    await expect(compareSegment(task, deps)).resolves.toMatchObject({ done: true });
    const [status] = await deps.work.list('c3', 's1/orders/');
    expect(JSON.parse(new TextDecoder().decode(status.body)).sourceUnreadable).toMatch(/could not read orders in us-east-1/);
    replicas.unreadable.delete(EAST);
    replicas.unreadable.add(WEST);
    await expect(compareSegment({ ...task, comparisonId: 'c4' }, deps)).rejects.toThrow(/us-west-2/);
    replicas.unreadable.clear();
    const scan = replicas.dataStores.scanSegment;
    replicas.dataStores.scanSegment = async (store, region, ...rest) => {
      if (region === EAST) throw new ThrottledError('DynamoDB Scan orders in us-east-1 failed (ThrottlingException)');
      return scan(store, region, ...rest);
    };
    await expect(compareSegment({ ...task, comparisonId: 'c5' }, deps)).rejects.toBeInstanceOf(ThrottledError);
  });
});

describe('the merge of many groups', () => {
  it('runs out of time, saves where it stopped, and the retry goes on from there: the report is whole and numbered once', async () => {
    const { deps, replicas, advance, audit } = setup();
    for (let i = 0; i < 300; i++) replicas.replica('orders', EAST).set(`lost-${i}`, i);
    const clock = deps.clock;
    let reads = 0;
    // Each listing of a group's keys takes a second of the merge's 1.5 s time box.
    const work = {
      put: deps.work.put.bind(deps.work),
      list: async (id: string, prefix: string) => {
        if (prefix.startsWith('k/')) {
          reads++;
          advance(1_000);
        }
        return deps.work.list(id, prefix);
      },
    };
    const merging = { ...deps, work, clock, maxItemsPerGroup: 30, mergeTimeBoxMs: 1_500 };
    // The driver retries ComparisonUnfinishedError as the ASL does (at most ten times).
    const { state: s } = await runComparison('validate', state, merging);
    const report = (await runDataConsistencyValidator({ action: 'post', state: s }, merging)) as DataReport;
    expect(reads).toBeGreaterThan(5);
    expect(report.missingWrites).toBe(300);
    const parts = audit.filter((e) => e.step.startsWith('MissingWritesReport:part-'));
    const keys = parts.flatMap((p) =>
      Object.values((p.detail as { stores: Record<string, { missingInTarget: string[] }> }).stores).flatMap((x) => x.missingInTarget),
    );
    expect(new Set(keys).size).toBe(300);
    expect(keys).toHaveLength(300);
    expect(report.report.parts).toBe(parts.length);
  });

  it('throws ComparisonUnfinishedError (what the ASL retries) when groups are left', async () => {
    const { deps, replicas, advance } = setup();
    for (let i = 0; i < 100; i++) replicas.replica('orders', EAST).set(`lost-${i}`, i);
    const work = {
      put: deps.work.put.bind(deps.work),
      list: async (id: string, prefix: string) => {
        if (prefix.startsWith('k/')) advance(10_000);
        return deps.work.list(id, prefix);
      },
    };
    const d = { ...deps, work, maxItemsPerGroup: 20, mergeTimeBoxMs: 1 };
    const plan = await runDataConsistencyValidator({ action: 'compare-plan', purpose: 'validate', state }, d);
    let s: Record<string, unknown> = { ...state, validation: plan };
    // Pass 1 by hand: every lane, then the digests' merge, then pass 2's lanes.
    for (const pass of [1, 2] as const) {
      const p = s.validation as { comparisonId: string; lanes: Array<{ lane: number; segments: unknown[] }>; progress: { pass: number } };
      for (const lane of p.lanes) {
        let progress: SegmentProgress | undefined;
        do
          progress = (await runDataConsistencyValidator(
            {
              action: 'compare-segment',
              state: { comparisonId: p.comparisonId, pass, fromRegion: EAST, toRegion: WEST, lane, ...(progress ? { progress } : {}) },
            },
            d,
          )) as SegmentProgress;
        while (!progress.done);
      }
      if (pass === 1)
        s = { ...s, validation: { ...p, progress: await runDataConsistencyValidator({ action: 'compare-merge', purpose: 'validate', state: s }, d) } };
    }
    await expect(runDataConsistencyValidator({ action: 'compare-merge', purpose: 'validate', state: s }, d)).rejects.toBeInstanceOf(ComparisonUnfinishedError);
  });
});
