/**
 * Step Functions fails an execution with the uncatchable States.DataLimitExceeded when a state's input or output
 * exceeds 256 KiB. These tests drive the tasks whose results grow with the stores or the keys (the segmented
 * comparison and ValidateData, ResyncCheck and its verdict, PromoteData's per-store results, DescribeIncomplete,
 * AssessDataRisk) with the worst inputs the config allows and measure what they return as Step Functions does: JSON
 * in UTF-8 bytes.
 */
import { parseConfig } from '../../config/load';
import type { DrConfig } from '../../config/schema';
import {
  LAG_EVIDENCE_IN_STATE,
  runDataConsistencyValidator,
  type DataConsistencyValidatorDeps,
  type DataReport,
  type DataRisk,
  type ResyncStatus,
} from '../../functions/data-consistency-validator/data-consistency-validator';
import {
  fitStores,
  MISSING_WRITES_REPORT_STEP,
  MissingWritesReportWriter,
  REPORT_PART_MAX_BYTES,
  SAMPLE_KEYS_PER_STORE,
  type StoreFigures,
} from '../../functions/data-consistency-validator/missing-writes-report';
import {
  describeIncomplete,
  PROMOTE_SUMMARY_MAX_CHARS,
  runFailoverOrchestrator,
  type StepResult,
} from '../../functions/failover-orchestrator/failover-orchestrator';
import { jsonBytes } from '../../functions/shared/bounded';
import type { AuditEntry, ComparisonKeys } from '../../functions/shared/ports';
import { InMemoryComparisonStore } from '../../local/world/adapters';
import { runComparison } from '../support/comparison-driver';
import { fakeDataStores, TwoReplicas } from '../support/data-stores';
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
    dataStores: Array.from({ length: count }, (_, i) => ({
      kind: 'dynamodb-global-table',
      name: `s${String(i).padStart(2, '0')}-${'n'.repeat(59)}`,
      tableName: `table-${i}`,
    })),
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
 * Both replicas of every store: 20 keys in common, the missing keys only in the region being left, the differing
 * keys in both with other values. The region being left can be made unreadable, with a long error.
 */
function replicas(config: DrConfig, diff: Differences, opts: { unreadable?: string } = {}) {
  const r = new TwoReplicas([EAST, WEST], () => fixedClock().now());
  r.pageSize = 500;
  for (const s of config.dataStores) {
    for (let i = 0; i < 20; i++) {
      r.replica(s.name, EAST).set(`common-${i}`, i);
      r.replica(s.name, WEST).set(`common-${i}`, i);
    }
    for (const k of diff.missing[s.name] ?? []) r.replica(s.name, EAST).set(k, 1);
    for (const k of diff.differing[s.name] ?? []) {
      r.replica(s.name, EAST).set(k, 1);
      r.replica(s.name, WEST).set(k, 2);
    }
  }
  if (opts.unreadable) {
    const scan = r.dataStores.scanSegment;
    r.dataStores.scanSegment = async (store, region, ...rest) => {
      if (region === EAST) throw Object.assign(new Error(opts.unreadable), { name: 'TimeoutError' });
      return scan(store, region, ...rest);
    };
  }
  return r;
}

function validatorDeps(config: DrConfig, r: TwoReplicas, audit: DataConsistencyValidatorDeps['audit']): DataConsistencyValidatorDeps {
  return { config, dataStores: r.dataStores, work: new InMemoryComparisonStore(), audit, clock: fixedClock(), sleep: async () => undefined };
}

/** The comparison as the ASL runs it, then ValidateData. */
async function validate(deps: DataConsistencyValidatorDeps): Promise<{ result: DataReport; maxPayloadBytes: number }> {
  const { state: s, maxPayloadBytes } = await runComparison('validate', state(), deps);
  const result = (await runDataConsistencyValidator({ action: 'post', state: s }, deps)) as DataReport;
  return { result, maxPayloadBytes: Math.max(maxPayloadBytes, jsonBytes(s), jsonBytes(result)) };
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
  // 50 stores x (30 missing + 15 differing) keys of 1,000 characters: 2,250 differences, about 2.2 MB of keys.
  const diff = differences(config, 30, 15);
  const allMissing = Object.values(diff.missing).flat();
  const allDiffering = Object.values(diff.differing).flat();

  it('the scenario is real: the stores comparisons alone would be far over the 256 KiB limit', () => {
    expect(jsonBytes(diff)).toBeGreaterThan(8 * STEP_FUNCTIONS_PAYLOAD_LIMIT);
  });

  it('the result is under 32 KiB, every payload of the comparison under the limit, and the audit holds every missing and differing key', async () => {
    const { entries, audit } = auditLog();
    const { result, maxPayloadBytes } = await validate(validatorDeps(config, replicas(config, diff), audit));

    expect(Buffer.byteLength(JSON.stringify(result))).toBeLessThanOrEqual(32 * KIB);
    expect(maxPayloadBytes).toBeLessThan(STEP_FUNCTIONS_PAYLOAD_LIMIT / 4);
    expect(result).toMatchObject({ missingWrites: 1_500, differing: 750, incompleteStores: [] });
    expect(result.stores).toHaveLength(50);
    expect(result.stores.every((s) => s.missingCount === 30 && s.differingCount === 15)).toBe(true);
    // Some keys are shown, each of them whole.
    const shown = result.stores.flatMap((s) => s.missingInTarget);
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.every((k) => allMissing.includes(k))).toBe(true);

    const { parts, missing, differing } = keysInAudit(entries, result.report);
    expect(missing).toEqual(new Set(allMissing));
    expect(differing).toEqual(new Set(allDiffering));
    expect(result.report).toEqual({
      incidentId: 'inc-1',
      sortKeyPrefix: `2025-01-02T03:04:05.000Z#${MISSING_WRITES_REPORT_STEP}`,
      parts: parts.length,
      keys: 2_250,
    });
    // Parts are numbered 1..n (across the merges that wrote them), each small enough for one DynamoDB item.
    expect(parts.map((p) => (p.detail as { part: number }).part).sort((a, b) => a - b)).toEqual(Array.from({ length: parts.length }, (_, i) => i + 1));
    for (const p of parts) expect(jsonBytes(p.detail)).toBeLessThanOrEqual(REPORT_PART_MAX_BYTES + KIB);
    // The index comes last and describes every store.
    const index = entries.find((e) => e.step === MISSING_WRITES_REPORT_STEP) as AuditEntry;
    expect(parts.length).toBeGreaterThan(5);
    expect(index.detail).toMatchObject({ parts: parts.length, keys: 2_250, missingWrites: 1_500 });
    expect((index.detail as { stores: unknown[] }).stores).toHaveLength(50);
    expect(entries.indexOf(index)).toBeGreaterThan(entries.indexOf(parts[parts.length - 1]));
    expect(entries.find((e) => e.step === 'ValidateData')?.detail).toMatchObject({ report: result.report });
  });

  it('shows every store its first key before any store gets a second', async () => {
    const { audit } = auditLog();
    const shortDiff = differences(config, 10, 0);
    for (const k of Object.keys(shortDiff.missing)) shortDiff.missing[k] = shortDiff.missing[k].map((key) => key.slice(0, 120));
    const { result } = await validate(validatorDeps(config, replicas(config, shortDiff), audit));
    const counts = result.stores.map((s) => s.missingInTarget.length);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    expect(Math.max(...counts)).toBeLessThanOrEqual(SAMPLE_KEYS_PER_STORE);
  });

  it('stays within the budget with the most stores the schema allows, all incomplete with long details', async () => {
    const most = configWithStores(100);
    const { audit } = auditLog();
    const { result } = await validate(validatorDeps(most, replicas(most, differences(most, 3, 3), { unreadable: 'TimeoutError: '.repeat(200) }), audit));
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
    // 600 keys of 1,000 characters: three parts.
    await expect(validate(validatorDeps(config, replicas(config, differences(config, 6, 6)), audit))).rejects.toThrow('ProvisionedThroughputExceededException');
  });
});

describe('MissingWritesReportWriter', () => {
  it('splits keys into parts under the byte budget, from stores adding concurrently', async () => {
    const { entries, audit } = auditLog();
    const writer = new MissingWritesReportWriter({
      audit,
      incidentId: 'inc-1',
      executionId: 'e',
      at: 't',
      fromRegion: EAST,
      toRegion: WEST,
      maxPartBytes: 4 * KIB,
    });
    const batch = (store: string): ComparisonKeys => ({
      missingInTarget: Array.from({ length: 30 }, (_, i) => `${store}-${i}-`.padEnd(100, 'x')),
      differing: [],
    });
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

  it('AssessDataRisk: the most stores the schema allows, all unknown, give a result under 32 KiB (the worst stores evidence in it, every store in the audit)', async () => {
    const r = replicas(most, { missing: {}, differing: {} });
    r.heartbeatAgeMs = 600_000;
    const { entries, audit: recorded } = auditLog();
    const risk = (await runDataConsistencyValidator(
      { action: 'preflight', state: state({ health: { verdict: 'FAILOVER_WARRANTED' } }) },
      validatorDeps(most, r, recorded),
    )) as DataRisk;
    expect((entries[0].detail as DataRisk).lagEvidence).toHaveLength(100);
    expect(risk.storeNames).toHaveLength(100);
    expect(risk.lagEvidence).toHaveLength(LAG_EVIDENCE_IN_STATE);
    expect(risk.lagEvidenceOmitted).toBe(100 - LAG_EVIDENCE_IN_STATE);
    expect(risk.rpoUnknownStores).toHaveLength(100);
    expect(jsonBytes(risk)).toBeLessThan(32 * KIB);
  });

  it('PlanDataComparison: the most stores and segments the schema allows (256 segments in 40 lanes, 1 KB keys for cursors) keep every state under 64 KiB', async () => {
    const config = parseConfig({
      ...configInput,
      dataRisk: { comparisonMaxConcurrency: 40, comparisonMaxSegmentsPerTable: 64 },
      dataStores: most.dataStores.map((s) => ({ kind: s.kind, name: s.name, tableName: (s as { tableName: string }).tableName })),
    });
    const r = replicas(config, differences(config, 2, 1));
    r.pageSize = 1;
    // Every item stands for 64 GiB: each table asks for as many segments as it may have.
    r.bytesPerItem = 64 * 1024 ** 3;
    const { state: s, maxPayloadBytes } = await runComparison('validate', state(), validatorDeps(config, r, auditLog().audit));
    const plan = s.validation as { lanes: Array<{ segments: unknown[] }>; maxConcurrency: number };
    expect(plan.lanes).toHaveLength(40);
    expect(plan.lanes.reduce((n, l) => n + l.segments.length, 0)).toBe(256);
    expect(maxPayloadBytes).toBeLessThan(64 * KIB);
  });

  it('ResyncCheck: a hundred blocked stores stay under 40 KiB; the summary names five', async () => {
    const { audit } = auditLog();
    const r = replicas(most, { missing: {}, differing: {} });
    r.heartbeatAgeMs = 600_000;
    const status = (await runDataConsistencyValidator(
      { action: 'resync', maxAttempts: 3, state: state({ direction: 'failback' }) },
      validatorDeps(most, r, audit),
    )) as ResyncStatus;
    expect(status.blocking).toHaveLength(100);
    expect(jsonBytes(status)).toBeLessThan(40 * KIB);
    expect(status.summary).toMatch(/; and 95 more store\(s\)\)\. Checking again\.$/);
  });

  it('ResyncVerdict: a hundred stores it could not compare, with long errors, stay under 40 KiB', async () => {
    const { audit } = auditLog();
    const deps = validatorDeps(most, replicas(most, differences(most, 1, 1), { unreadable: 'Could not list the bucket: '.padEnd(2_000, 'x') }), audit);
    const { state: s } = await runComparison('resync', state({ direction: 'failback', resync: { attempt: 1 } }), deps);
    const status = (await runDataConsistencyValidator({ action: 'resync-verdict', maxAttempts: 3, state: s }, deps)) as ResyncStatus;
    expect(status.blocking).toHaveLength(100);
    expect(jsonBytes(status)).toBeLessThan(40 * KIB);
  });

  it('PromoteData: each store result keeps at most 300 characters of detail in the state, the audit keeps all of it', async () => {
    const { entries, audit } = auditLog();
    const detail = `Failed over global cluster ${'x'.repeat(5_000)}`;
    const deps = {
      config: most,
      siteState: { get: async () => 'ACTIVE' as const, set: async () => undefined },
      dataStores: fakeDataStores({ promote: async (s) => ({ store: s.name, kind: s.kind, action: 'failover' as const, detail }) }),
      scaler: { scale: async () => Promise.reject(new Error('not used')) },
      audit,
      clock: fixedClock(),
    };
    const results = await Promise.all(
      most.dataStores.map((s) => runFailoverOrchestrator({ action: 'promote', store: s.name, state: state() }, deps) as Promise<StepResult>),
    );
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
