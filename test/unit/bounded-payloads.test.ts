/**
 * Step Functions fails an execution with the uncatchable States.DataLimitExceeded when a state's input or output
 * exceeds 256 KiB. These tests drive the tasks whose results grow with the stores or the keys (ValidateData,
 * ResyncCheck, PromoteData's per-store results, DescribeIncomplete, AssessDataRisk) with the worst inputs the
 * config allows and measure what they return as Step Functions does: JSON in UTF-8 bytes.
 */
import { parseConfig } from '../../config/load';
import type { DrConfig } from '../../config/schema';
import { runDataConsistencyValidator, type DataReport, type DataRisk, type ResyncStatus } from '../../functions/data-consistency-validator/data-consistency-validator';
import {
  fitStores,
  MISSING_WRITES_REPORT_STEP,
  MissingWritesReportWriter,
  REPORT_PART_MAX_BYTES,
  SAMPLE_KEYS_PER_STORE,
  type StoreFigures,
} from '../../functions/data-consistency-validator/missing-writes-report';
import { describeIncomplete, PROMOTE_SUMMARY_MAX_CHARS, runFailoverOrchestrator, type StepResult } from '../../functions/failover-orchestrator/failover-orchestrator';
import { jsonBytes } from '../../functions/shared/bounded';
import type { AuditEntry, ComparisonKeys, DataStores, StoreComparison } from '../../functions/shared/ports';
import { configInput, fixedClock } from './aws/fixtures';

const KIB = 1024;
const STEP_FUNCTIONS_PAYLOAD_LIMIT = 256 * KIB;
const EAST = 'us-east-1';
const WEST = 'us-west-2';

const state = (over: Record<string, unknown> = {}) => ({
  incidentId: 'inc-1',
  fromRegion: EAST,
  toRegion: WEST,
  trigger: { source: 'manual', at: '2025-01-02T03:04:05.000Z' },
  execution: { id: 'arn:aws:states:us-west-2:111122223333:execution:orders-dr-failover:inc-1', name: 'inc-1', startedAt: '2025-01-02T03:04:05.000Z' },
  ...over,
});

/** `count` DynamoDB stores with the longest names the schema allows. */
function configWithStores(count: number): DrConfig {
  return parseConfig({
    ...configInput,
    dataStores: Array.from({ length: count }, (_, i) => ({ kind: 'dynamodb-global-table', name: `s${String(i).padStart(2, '0')}-${'n'.repeat(59)}`, tableName: `table-${i}` })),
  });
}

/** A 1,000-character key, unique per store, list and index. */
const longKey = (store: string, kind: string, i: number) => `${store}/${kind}/${String(i).padStart(6, '0')}/`.padEnd(1_000, 'k');

interface Differences {
  readonly missing: Record<string, string[]>;
  readonly differing: Record<string, string[]>;
}

function differences(config: DrConfig, missingPerStore: number, differingPerStore: number): Differences {
  const missing: Record<string, string[]> = {};
  const differing: Record<string, string[]> = {};
  for (const s of config.dataStores) {
    missing[s.name] = Array.from({ length: missingPerStore }, (_, i) => longKey(s.name, 'm', i));
    differing[s.name] = Array.from({ length: differingPerStore }, (_, i) => longKey(s.name, 'd', i));
  }
  return { missing, differing };
}

/**
 * Like the AWS adapter: streams every key in batches (one per key-level pass) and returns lists capped at 100.
 * `stream: false` behaves like an adapter without streaming that returns its lists whole.
 */
function dataStores(diff: Differences, opts: { stream: boolean; batch?: number; incomplete?: boolean; detail?: string }): DataStores {
  return {
    replicationLagMs: async () => 100,
    promote: async () => {
      throw new Error('not used');
    },
    compare: async (store, _from, _to, compareOpts): Promise<StoreComparison> => {
      const missing = diff.missing[store.name] ?? [];
      const differing = diff.differing[store.name] ?? [];
      if (opts.stream && compareOpts?.onKeys) {
        const batch = opts.batch ?? 25;
        for (let i = 0; i < Math.max(missing.length, differing.length); i += batch) {
          await compareOpts.onKeys({ missingInTarget: missing.slice(i, i + batch), differing: differing.slice(i, i + batch) });
        }
      }
      const cap = opts.stream ? 100 : Number.POSITIVE_INFINITY;
      return {
        store: store.name,
        compared: 1_000_000,
        missingInTarget: missing.slice(0, cap),
        missingCount: missing.length,
        differing: differing.slice(0, cap),
        differingCount: differing.length,
        complete: !opts.incomplete,
        detail: opts.detail ?? `Compared 1000000 items of ${store.name} by bucketed checksums: ${missing.length} missing, ${differing.length} differing.`,
      };
    },
  };
}

function auditLog() {
  const entries: AuditEntry[] = [];
  return { entries, audit: { record: async (e: AuditEntry) => void entries.push(e) } };
}

/** Every key of every part of the report the result points at. */
function keysInAudit(entries: readonly AuditEntry[], report: DataReport['report']) {
  const parts = entries.filter((e) => `${e.at}#${e.step}`.startsWith(`${report.sortKeyPrefix}:part-`));
  const missing = new Set<string>();
  const differing = new Set<string>();
  for (const p of parts) {
    for (const lists of Object.values((p.detail as { stores: Record<string, { missingInTarget: string[]; differing: string[] }> }).stores)) {
      for (const k of lists.missingInTarget) missing.add(k);
      for (const k of lists.differing) differing.add(k);
    }
  }
  return { parts, missing, differing };
}

describe('ValidateData returns a bounded summary and writes every key to the audit log', () => {
  const config = configWithStores(50);
  // 50 stores x (80 missing + 40 differing) keys of 1,000 characters: 6,000 differences, about 6 MB of keys.
  const diff = differences(config, 80, 40);
  const allMissing = Object.values(diff.missing).flat();
  const allDiffering = Object.values(diff.differing).flat();

  it('the scenario is real: the stores comparisons alone would be far over the 256 KiB limit', () => {
    expect(jsonBytes(diff)).toBeGreaterThan(20 * STEP_FUNCTIONS_PAYLOAD_LIMIT);
  });

  it.each([
    ['an adapter that streams its keys and caps its lists', true],
    ['an adapter that returns its lists whole', false],
  ])('%s: the result is under 32 KiB and the audit holds every missing and differing key', async (_name, stream) => {
    const { entries, audit } = auditLog();
    const deps = { config, dataStores: dataStores(diff, { stream }), audit, clock: fixedClock() };

    const result = (await runDataConsistencyValidator({ action: 'post', state: state() }, deps)) as DataReport;

    expect(Buffer.byteLength(JSON.stringify(result))).toBeLessThanOrEqual(32 * KIB);
    expect(result).toMatchObject({ missingWrites: 4_000, differing: 2_000, incompleteStores: [] });
    expect(result.stores).toHaveLength(50);
    expect(result.stores.every((s) => s.missingCount === 80 && s.differingCount === 40)).toBe(true);
    // Some keys are shown, each of them whole.
    const shown = result.stores.flatMap((s) => s.missingInTarget);
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.every((k) => allMissing.includes(k))).toBe(true);

    const { parts, missing, differing } = keysInAudit(entries, result.report);
    expect(missing).toEqual(new Set(allMissing));
    expect(differing).toEqual(new Set(allDiffering));
    expect(result.report).toEqual({ incidentId: 'inc-1', sortKeyPrefix: `2025-01-02T03:04:05.000Z#${MISSING_WRITES_REPORT_STEP}`, parts: parts.length, keys: 6_000 });
    // Parts are numbered 1..n, each small enough for one DynamoDB item.
    expect(parts.map((p) => (p.detail as { part: number }).part).sort((a, b) => a - b)).toEqual(Array.from({ length: parts.length }, (_, i) => i + 1));
    for (const p of parts) expect(jsonBytes(p.detail)).toBeLessThanOrEqual(REPORT_PART_MAX_BYTES + KIB);
    // The index comes last and describes every store.
    const index = entries.find((e) => e.step === MISSING_WRITES_REPORT_STEP) as AuditEntry;
    expect(index.detail).toMatchObject({ parts: parts.length, keys: 6_000, missingWrites: 4_000 });
    expect((index.detail as { stores: unknown[] }).stores).toHaveLength(50);
    expect(entries.indexOf(index)).toBeGreaterThan(entries.indexOf(parts[parts.length - 1]));
    expect(entries.find((e) => e.step === 'ValidateData')?.detail).toMatchObject({ report: result.report });
  });

  it('shows every store its first key before any store gets a second', async () => {
    const { audit } = auditLog();
    const shortDiff = differences(config, 10, 0);
    for (const k of Object.keys(shortDiff.missing)) shortDiff.missing[k] = shortDiff.missing[k].map((key) => key.slice(0, 120));
    const result = (await runDataConsistencyValidator({ action: 'post', state: state() }, { config, dataStores: dataStores(shortDiff, { stream: true }), audit, clock: fixedClock() })) as DataReport;
    const counts = result.stores.map((s) => s.missingInTarget.length);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    expect(Math.max(...counts)).toBeLessThanOrEqual(SAMPLE_KEYS_PER_STORE);
  });

  it('stays within the budget with the most stores the schema allows, all incomplete with long details', async () => {
    const most = configWithStores(100);
    const { audit } = auditLog();
    const detail = `Could not read table in ${EAST} (${'TimeoutError: '.repeat(200)})`;
    const deps = { config: most, dataStores: dataStores(differences(most, 3, 3), { stream: true, incomplete: true, detail }), audit, clock: fixedClock() };
    const result = (await runDataConsistencyValidator({ action: 'post', state: state() }, deps)) as DataReport;
    expect(jsonBytes(result)).toBeLessThanOrEqual(32 * KIB);
    expect(result.incompleteStores).toHaveLength(100);
    expect(result.summary.length).toBeLessThan(2_000);
    expect(result.summary).toMatch(/; and 95 more\. Run the comparison again when us-east-1 is reachable\.$/);
    expect(result.stores.length + (result.storesOmitted ?? 0)).toBe(100);
  });

  it('fails the step when a part cannot be written: a report with a hole never passes as complete', async () => {
    let writes = 0;
    const audit = {
      record: async (e: AuditEntry) => {
        if (e.step.includes(':part-') && ++writes === 2) throw new Error('ProvisionedThroughputExceededException');
      },
    };
    await expect(runDataConsistencyValidator({ action: 'post', state: state() }, { config, dataStores: dataStores(diff, { stream: true }), audit, clock: fixedClock() })).rejects.toThrow(
      'ProvisionedThroughputExceededException',
    );
  });
});

describe('MissingWritesReportWriter', () => {
  it('splits keys into parts under the byte budget, from stores adding concurrently', async () => {
    const { entries, audit } = auditLog();
    const writer = new MissingWritesReportWriter({ audit, incidentId: 'inc-1', executionId: 'e', at: 't', fromRegion: EAST, toRegion: WEST, maxPartBytes: 4 * KIB });
    const batch = (store: string): ComparisonKeys => ({ missingInTarget: Array.from({ length: 30 }, (_, i) => `${store}-${i}-`.padEnd(100, 'x')), differing: [] });
    await Promise.all(['a', 'b', 'c'].map((s) => writer.add(s, batch(s))));
    const pointer = await writer.finish({}, 'WRITES_MISSING');
    const parts = entries.filter((e) => e.step.startsWith(`${MISSING_WRITES_REPORT_STEP}:part-`));
    expect(parts.length).toBeGreaterThanOrEqual(3);
    expect(pointer).toMatchObject({ parts: parts.length, keys: 90 });
    for (const p of parts) expect(jsonBytes((p.detail as { stores: unknown }).stores)).toBeLessThanOrEqual(4 * KIB);
  });

  it('writes no part when there is nothing to report, only the index', async () => {
    const { entries, audit } = auditLog();
    const writer = new MissingWritesReportWriter({ audit, incidentId: 'inc-1', executionId: 'e', at: 't', fromRegion: EAST, toRegion: WEST });
    expect(await writer.finish({ missingWrites: 0 }, 'NONE_MISSING')).toMatchObject({ parts: 0, keys: 0 });
    expect(entries.map((e) => e.step)).toEqual([MISSING_WRITES_REPORT_STEP]);
  });
});

describe('fitStores', () => {
  const figures = (n: number, detail: string): StoreFigures[] =>
    Array.from({ length: n }, (_, i) => ({
      store: `store-${i}`,
      complete: i % 2 === 0,
      compared: 10,
      missingCount: i % 3 === 0 ? 0 : 5,
      differingCount: 0,
      missingInTarget: i % 3 === 0 ? [] : ['k1', 'k2'],
      differing: [],
      detail,
    }));

  it('drops clean stores, then stores with news, before it would go over the budget', () => {
    const budget = 4 * KIB;
    const fitted = fitStores(figures(100, 'd'.repeat(500)), { summary: 's' }, budget);
    expect(jsonBytes({ summary: 's', stores: fitted.stores, storesOmitted: fitted.storesOmitted })).toBeLessThanOrEqual(budget);
    expect(fitted.storesOmitted).toBeGreaterThan(0);
    expect(fitted.stores.every((s) => !s.complete || s.missingCount > 0)).toBe(true);
  });

  it('keeps every store and readable details when they fit', () => {
    const fitted = fitStores(figures(3, 'short detail'), {}, 32 * KIB);
    expect(fitted.storesOmitted).toBe(0);
    expect(fitted.stores.map((s) => s.detail)).toEqual(['short detail', 'short detail', 'short detail']);
    expect(fitted.stores[1].missingInTarget).toEqual(['k1', 'k2']);
  });
});

describe('the other tasks whose results grow with the stores', () => {
  const most = configWithStores(100);

  it('AssessDataRisk: the most stores the schema allows give a result under 16 KiB', async () => {
    const { audit } = auditLog();
    const deps = { config: most, dataStores: dataStores({ missing: {}, differing: {} }, { stream: true }), audit, clock: fixedClock() };
    const risk = (await runDataConsistencyValidator({ action: 'preflight', state: state({ health: { verdict: 'FAILOVER_WARRANTED' } }) }, deps)) as DataRisk;
    expect(risk.storeNames).toHaveLength(100);
    expect(jsonBytes(risk)).toBeLessThan(16 * KIB);
  });

  it('ResyncCheck: a hundred blocked stores with long details stay under 40 KiB; the summary names five', async () => {
    const { audit } = auditLog();
    const detail = 'Could not list the bucket: '.padEnd(2_000, 'x');
    const deps = { config: most, dataStores: dataStores(differences(most, 1, 1), { stream: false, incomplete: true, detail }), audit, clock: fixedClock() };
    const r = (await runDataConsistencyValidator({ action: 'resync', maxAttempts: 3, state: state({ direction: 'failback' }) }, deps)) as ResyncStatus;
    expect(r.blocking).toHaveLength(100);
    expect(jsonBytes(r)).toBeLessThan(40 * KIB);
    expect(r.summary).toMatch(/; and 95 more store\(s\)\)\. Checking again\.$/);
  });

  it('PromoteData: each store result keeps at most 300 characters of detail in the state, the audit keeps all of it', async () => {
    const { entries, audit } = auditLog();
    const detail = `Failed over global cluster ${'x'.repeat(5_000)}`;
    const deps = {
      config: most,
      siteState: { get: async () => 'ACTIVE' as const, set: async () => undefined },
      dataStores: { ...dataStores({ missing: {}, differing: {} }, { stream: false }), promote: async (s: { name: string; kind: string }) => ({ store: s.name, kind: s.kind as 'aurora-global', action: 'failover' as const, detail }) },
      scaler: { scale: async () => Promise.reject(new Error('not used')) },
      audit,
      clock: fixedClock(),
    };
    const results = await Promise.all(most.dataStores.map((s) => runFailoverOrchestrator({ step: 'promote', store: s.name, state: state() }, deps) as Promise<StepResult>));
    expect(results.every((r) => r.summary.length <= PROMOTE_SUMMARY_MAX_CHARS)).toBe(true);
    // The Map state's output: one result per store.
    expect(jsonBytes(results)).toBeLessThan(48 * KIB);
    expect(entries.every((e) => (e.detail as StepResult).summary === detail)).toBe(true);
  });

  it('DescribeIncomplete: a 32,768-character cause is cut to 2,000 characters in the report', () => {
    const report = describeIncomplete({ ...state(), error: { Error: 'States.TaskFailed', Cause: 'c'.repeat(32_768) } });
    expect(report.error.length).toBeLessThanOrEqual(2_000);
    expect(jsonBytes(report)).toBeLessThan(6 * KIB);
  });

});
