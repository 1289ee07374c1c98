import fc from 'fast-check';
import { parseConfig } from '../../config/load';
import { compareFeeds } from '../../functions/data-consistency-validator/compare';
import { itemHash } from '../../functions/data-consistency-validator/comparable-stores';
import { runDataConsistencyValidator, type DataReport } from '../../functions/data-consistency-validator/data-consistency-validator';
import type { AuditEntry } from '../../functions/shared/ports';
import { InMemoryComparisonStore } from '../../local/world/adapters';
import { PAYLOAD_LIMIT_BYTES, runComparison } from '../support/comparison-driver';
import { TwoReplicas } from '../support/data-stores';
import { configInput } from '../unit/aws/fixtures';

/**
 * The segmented comparison (plan, lanes of segments resumed from their cursors, digests added up, keys of differing
 * buckets merged group by group) must find exactly what the single-pass bucketed comparison (compare.ts, what the
 * validator ran before tables were split) finds, whatever the table, however it is cut, and wherever an invocation's
 * time box ends; and every payload of the run must stay under Step Functions' 256 KiB.
 */
const EAST = 'us-east-1';
const WEST = 'us-west-2';
const GIB = 1024 ** 3;
const numRuns = Number(process.env.FC_RUNS ?? 120);

const keyArb = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd', '/', '#', 'é'), minLength: 1, maxLength: 12 });
/** Each key: its value in the region being left and in the region being activated (undefined: absent there). */
const tableArb = fc.dictionary(
  keyArb,
  fc.tuple(fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }), fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined })),
  { maxKeys: 250 },
);

const caseArb = fc.record({
  orders: tableArb,
  invoices: tableArb,
  /** How many segments the table gets: its size in GiB (one segment per GiB, up to the configured maximum). */
  sizeGiB: fc.integer({ min: 0, max: 20 }),
  maxSegmentsPerTable: fc.integer({ min: 1, max: 16 }),
  concurrency: fc.integer({ min: 1, max: 8 }),
  pageSize: fc.integer({ min: 1, max: 60 }),
  /** Pages an invocation reads before its time box ends (the clock moves one ms per page). */
  pagesPerInvocation: fc.integer({ min: 1, max: 20 }),
  maxItemsPerGroup: fc.integer({ min: 8, max: 400 }),
});

const state = {
  incidentId: 'inc-prop',
  fromRegion: EAST,
  toRegion: WEST,
  trigger: { source: 'manual', at: '2025-01-02T03:04:05.000Z' },
  execution: { id: 'exec-prop', name: 'inc-prop', startedAt: '2025-01-02T03:04:05.000Z' },
};

test(`the segmented comparison finds every difference the unsegmented one finds, under the payload limit (${numRuns} runs)`, async () => {
  await fc.assert(
    fc.asyncProperty(caseArb, async (c) => {
      const config = parseConfig({
        ...configInput,
        dataRisk: { comparisonMaxSegmentsPerTable: c.maxSegmentsPerTable, comparisonMaxConcurrency: c.concurrency },
      });
      let now = Date.parse('2025-01-02T03:04:05.000Z');
      const replicas = new TwoReplicas([EAST, WEST], () => now);
      replicas.pageSize = c.pageSize;
      replicas.onPage = () => {
        now += 1;
      };
      const tables = { orders: c.orders, invoices: c.invoices } as const;
      for (const [name, table] of Object.entries(tables)) {
        for (const [key, [source, target]] of Object.entries(table)) {
          if (source !== undefined) replicas.replica(name, EAST).set(key, source);
          if (target !== undefined) replicas.replica(name, WEST).set(key, target);
        }
        replicas.replica(name, EAST);
        replicas.replica(name, WEST);
      }
      const items = Math.max(1, replicas.replica('orders', WEST).size);
      replicas.bytesPerItem = (c.sizeGiB * GIB) / items;
      const audit: AuditEntry[] = [];
      const deps = {
        config,
        dataStores: replicas.dataStores,
        work: new InMemoryComparisonStore(),
        audit: { record: async (e: AuditEntry) => void audit.push(e) },
        clock: { now: () => now },
        sleep: async (ms: number) => {
          now += ms;
        },
        segmentTimeBoxMs: c.pagesPerInvocation,
        maxItemsPerGroup: c.maxItemsPerGroup,
      };
      const { state: s, maxPayloadBytes } = await runComparison('validate', state, deps);
      const report = (await runDataConsistencyValidator({ action: 'post', state: s }, deps)) as DataReport;
      expect(maxPayloadBytes).toBeLessThan(PAYLOAD_LIMIT_BYTES);

      for (const name of Object.keys(tables)) {
        const feed = (region: string) => (add: (k: string, v: number) => void) => {
          for (const [k, v] of replicas.replica(name, region)) add(k, itemHash(v));
        };
        const expected = await compareFeeds(feed(EAST), feed(WEST), { buckets: 64 });
        // Every key the report holds for this store, from its parts in the audit log.
        const found = { missingInTarget: [] as string[], differing: [] as string[] };
        for (const part of audit.filter((e) => e.step.startsWith('MissingWritesReport:part-'))) {
          const lists = (part.detail as { stores: Record<string, { missingInTarget: string[]; differing: string[] }> }).stores[name];
          if (lists) {
            found.missingInTarget.push(...lists.missingInTarget);
            found.differing.push(...lists.differing);
          }
        }
        expect({ store: name, missingInTarget: found.missingInTarget.sort(), differing: found.differing.sort() }).toEqual({
          store: name,
          missingInTarget: [...expected.missingInTarget].sort(),
          differing: [...expected.differing].sort(),
        });
        const summary = report.stores.find((x) => x.store === name)!;
        expect(summary).toMatchObject({
          complete: true,
          compared: expected.sourceItems,
          missingCount: expected.missingInTarget.length,
          differingCount: expected.differing.length,
        });
      }
      expect(report.missingWrites).toBe(report.stores.reduce((n, x) => n + x.missingCount, 0));
    }),
    { numRuns, seed: Number(process.env.FC_SEED ?? 13) },
  );
});
