import {
  approvalPolicy,
  runDataConsistencyValidator,
  type DataConsistencyValidatorDeps,
  type DataReport,
  type DataRisk,
  type ResyncStatus,
} from '../../functions/data-consistency-validator/data-consistency-validator';
import { assessStoreLag, HEARTBEAT_FRESHNESS_SLACK_MS } from '../../functions/data-consistency-validator/replication-lag';
import { InvalidInputError } from '../../functions/shared/errors';
import type { AuditEntry } from '../../functions/shared/ports';
import { InMemoryComparisonStore } from '../../local/world/adapters';
import { runComparison } from '../support/comparison-driver';
import { TwoReplicas } from '../support/data-stores';
import { config, fixedClock, store } from './aws/fixtures';

const EAST = 'us-east-1';
const WEST = 'us-west-2';
const NOW = Date.parse('2025-01-02T03:04:05.000Z');
const INTERVAL_MS = config.dataRisk.heartbeatIntervalSeconds * 1000;
const state = (over: Record<string, unknown> = {}) => ({
  incidentId: 'inc-1',
  fromRegion: EAST,
  toRegion: WEST,
  trigger: { source: 'manual', at: '2025-01-02T03:04:05.000Z' },
  execution: { id: 'exec-1', name: 'n', startedAt: '2025-01-02T03:04:05.000Z' },
  health: { verdict: 'FAILOVER_WARRANTED' },
  ...over,
});

function deps(opts: { auroraMetricMs?: number | null } = {}) {
  const audit: AuditEntry[] = [];
  const clock = fixedClock();
  const replicas = new TwoReplicas([EAST, WEST], () => clock.now());
  const aurora = opts.auroraMetricMs === undefined ? 800 : opts.auroraMetricMs;
  const d: DataConsistencyValidatorDeps = {
    config,
    dataStores: { ...replicas.dataStores, replicationLagMs: async (s) => (s.kind === 'aurora-global' ? aurora : replicas.metricMs) },
    work: new InMemoryComparisonStore(),
    audit: { record: async (e) => void audit.push(e) },
    clock,
    sleep: async () => undefined,
  };
  return { d, audit, replicas };
}

/** Writes `n` orders into both replicas of the table and the bucket. */
function fill(replicas: TwoReplicas, n: number) {
  for (const s of ['orders', 'invoices']) {
    for (let i = 0; i < n; i++) {
      replicas.replica(s, EAST).set(`k-${i}`, i);
      replicas.replica(s, WEST).set(`k-${i}`, i);
    }
  }
}

describe('the data at risk, measured by replication heartbeat (AssessDataRisk)', () => {
  const lag = (over: Partial<Parameters<typeof assessStoreLag>[0]>) =>
    assessStoreLag({
      store: store('dynamodb-global-table'),
      from: EAST,
      to: WEST,
      now: NOW,
      heartbeatIntervalMs: INTERVAL_MS,
      heartbeat: { writtenAt: NOW - 800, readable: true, detail: 'item' },
      metricMs: 400,
      ...over,
    });

  it('a fresh heartbeat is the lag, measured; the metric is shown as a second opinion', () => {
    expect(lag({})).toMatchObject({ method: 'heartbeat', lagMs: 800, known: true, status: 'measured', heartbeatAt: '2025-01-02T03:04:04.200Z', metricMs: 400 });
    expect(lag({}).detail).toMatch(
      /^orders: heartbeat from us-east-1 written .*, 800 ms old in us-west-2 \(measured\); CloudWatch ReplicationLatency \(second opinion\): 400 ms$/,
    );
  });

  it('missing, unreadable, stale or contradicting evidence is unknown, never "within target"', () => {
    expect(lag({ heartbeat: { writtenAt: null, readable: true, detail: 'no item' } })).toMatchObject({ lagMs: null, known: false, status: 'missing' });
    expect(lag({ heartbeat: { writtenAt: null, readable: false, detail: 'unreachable' } })).toMatchObject({ lagMs: null, known: false, status: 'unreadable' });
    // A stalled replication: the newest heartbeat keeps its time while the clock goes on. Its age is shown (it only grows).
    const stale = lag({ heartbeat: { writtenAt: NOW - 180_000, readable: true, detail: 'item' } });
    expect(stale).toMatchObject({ lagMs: 180_000, known: false, status: 'stale' });
    expect(stale.detail).toMatch(/heartbeats stopped arriving/);
    // Just past the interval and its slack is stale; just within is fresh.
    expect(lag({ heartbeat: { writtenAt: NOW - INTERVAL_MS - HEARTBEAT_FRESHNESS_SLACK_MS, readable: true, detail: 'item' } }).known).toBe(true);
    expect(lag({ heartbeat: { writtenAt: NOW - INTERVAL_MS - HEARTBEAT_FRESHNESS_SLACK_MS - 1, readable: true, detail: 'item' } }).status).toBe('stale');
    // The metric saw more lag than a fresh heartbeat allows, or the heartbeat is dated in the future.
    expect(lag({ metricMs: 30_000 })).toMatchObject({ lagMs: 30_000, known: false, status: 'contradictory' });
    expect(lag({ heartbeat: { writtenAt: NOW + 60_000, readable: true, detail: 'item' } })).toMatchObject({
      lagMs: null,
      known: false,
      status: 'contradictory',
    });
  });

  it('Aurora has no heartbeat: its lag metric is the evidence, labelled so; no recent datapoint is unknown', () => {
    const aurora = (metricMs: number | null) =>
      assessStoreLag({ store: store('aurora-global'), from: EAST, to: WEST, now: NOW, heartbeatIntervalMs: INTERVAL_MS, heartbeat: null, metricMs });
    expect(aurora(900)).toMatchObject({ method: 'metric', lagMs: 900, known: true });
    expect(aurora(900).detail).toMatch(/AuroraGlobalDBReplicationLag metric 900 ms \(no heartbeat: writing into the database needs credentials/);
    expect(aurora(null)).toMatchObject({ method: 'metric', lagMs: null, known: false, status: 'missing' });
  });

  it('within target only when every store is measured and the worst is within it; the summary says it was measured by heartbeat', async () => {
    const { d, audit } = deps();
    const r = (await runDataConsistencyValidator({ action: 'preflight', state: state({ approvalMode: 'auto-when-safe' }) }, d)) as DataRisk;
    expect(r).toMatchObject({
      estimatedRpoMs: 800,
      rpoWithinTarget: true,
      rpoUnknownStores: [],
      lagByStore: { orders: 500, ledger: 800, invoices: 500 },
      approval: { required: false },
    });
    expect(r.lagEvidence.map((l) => l.method)).toEqual(['heartbeat', 'metric', 'heartbeat']);
    expect(r.summary).toMatch(/within target, measured by replication heartbeat \(Aurora: its lag metric\)/);
    expect(audit.find((e) => e.step === 'AssessDataRisk')?.outcome).toBe('RPO_OK');
  });

  it('a stalled replication: the estimate is the stall so far, unknown, so auto-when-safe asks a human and says why', async () => {
    const { d, replicas } = deps();
    replicas.heartbeatAgeMs = 180_000;
    const r = (await runDataConsistencyValidator({ action: 'preflight', state: state({ approvalMode: 'auto-when-safe' }) }, d)) as DataRisk;
    expect(r).toMatchObject({ estimatedRpoMs: 180_000, rpoWithinTarget: false, rpoUnknownStores: ['orders', 'invoices'], approval: { required: true } });
    expect(r.approval.reason).toBe(
      'the data at risk is unknown for orders (heartbeat stale), invoices (heartbeat stale), and unknown is never within the RPO target',
    );
    expect(r.summary).toMatch(/^Estimated data loss 180000 ms against a 5000 ms target \(UNKNOWN against the target, measured by replication heartbeat/);
  });

  it('no heartbeat at all (the writer never ran): unknown, and the estimate too', async () => {
    const { d, replicas } = deps();
    replicas.heartbeatAgeMs = null;
    const r = (await runDataConsistencyValidator({ action: 'preflight', state: state({ approvalMode: 'auto-when-safe' }) }, d)) as DataRisk;
    expect(r).toMatchObject({ estimatedRpoMs: null, rpoWithinTarget: false, approval: { required: true } });
  });

  it('the approval rule: dry run, required mode, verdict, unknown and over target', () => {
    const base = { mode: 'auto-when-safe' as const, verdict: 'FAILOVER_WARRANTED' as const, rpoWithinTarget: true, dryRun: false };
    expect(approvalPolicy(base)).toEqual({
      required: false,
      reason: 'verdict FAILOVER_WARRANTED and estimated RPO within target, measured by replication heartbeat',
    });
    expect(approvalPolicy({ ...base, unknown: ['orders (heartbeat stale)'] }).required).toBe(true);
    expect(approvalPolicy({ ...base, rpoWithinTarget: false }).required).toBe(true);
    expect(approvalPolicy({ ...base, mode: 'required' }).required).toBe(true);
    expect(approvalPolicy({ ...base, dryRun: true, rpoWithinTarget: false }).required).toBe(false);
  });
});

describe('post-failover validation (ValidateData after the segmented comparison)', () => {
  it('counts missing writes, streams every key to the missing-writes report, and says what it could not compare (Aurora)', async () => {
    const { d, audit, replicas } = deps();
    fill(replicas, 300);
    for (let i = 0; i < 250; i++) replicas.replica('orders', EAST).set(`lost-${i}`, i);
    replicas.replica('orders', EAST).set('k-7', 999);
    const { state: s } = await runComparison('validate', state(), d);
    const r = (await runDataConsistencyValidator({ action: 'post', state: s }, d)) as DataReport;
    expect(r).toMatchObject({ missingWrites: 250, differing: 1, incompleteStores: ['ledger'] });
    expect(r.summary).toMatch(
      /^Data check: 250 write\(s\) missing and 1 differing in us-west-2 .* Not fully compared: ledger \(Aurora global cluster ledger-global: rows not compared/,
    );
    const index = audit.find((e) => e.step === 'MissingWritesReport');
    expect(index).toMatchObject({ outcome: 'WRITES_MISSING', incidentId: 'inc-1', executionId: 'exec-1' });
    expect((index!.detail as { stores: Array<Record<string, unknown>> }).stores[0]).toMatchObject({
      store: 'orders',
      missingCount: 250,
      differingCount: 1,
      keysInReport: 251,
    });
    const parts = audit.filter((e) => e.step.startsWith('MissingWritesReport:part-'));
    const keys = parts.flatMap((p) => {
      const stores = (p.detail as { stores: Record<string, { missingInTarget: string[]; differing: string[] }> }).stores;
      return Object.values(stores).flatMap((x) => [...x.missingInTarget, ...x.differing]);
    });
    expect(keys.sort()).toEqual([...Array.from({ length: 250 }, (_, i) => `lost-${i}`), 'k-7'].sort());
    expect(r.report).toMatchObject({ incidentId: 'inc-1', parts: parts.length, keys: 251 });
    expect(audit.find((e) => e.step === 'ValidateData')).toMatchObject({ outcome: 'MISSING_WRITES', detail: { report: r.report } });
  });

  it('never says "none missing" when no store could be read in the region being left', async () => {
    const { d, audit, replicas } = deps();
    fill(replicas, 10);
    replicas.unreadable.add(EAST);
    const { state: s } = await runComparison('validate', state(), d);
    const r = (await runDataConsistencyValidator({ action: 'post', state: s }, d)) as DataReport;
    expect(r.summary).toMatch(/^Data check incomplete: no store could be compared, so missing writes are unknown\./);
    expect(r.summary).not.toMatch(/none missing/);
    expect(audit.find((e) => e.step === 'MissingWritesReport')?.outcome).toBe('UNKNOWN_FOR_SOME_STORES');
    expect(audit.find((e) => e.step === 'ValidateData')?.outcome).toBe('PARTIALLY_CHECKED');
  });

  it('reports none missing when every comparable store compares clean', async () => {
    const { d, replicas } = deps();
    fill(replicas, 40);
    const { state: s } = await runComparison('validate', state(), d);
    const r = (await runDataConsistencyValidator({ action: 'post', state: s }, d)) as DataReport;
    expect(r.summary).toBe(
      'Data check: 80 items compared across 2 of 3 store(s); none missing in us-west-2. Not fully compared: ledger (Aurora global cluster ledger-global: rows not compared (that needs database credentials); its replication lag metric is the evidence.).',
    );
  });

  it('refuses a ValidateData without the comparison plan, naming the field', async () => {
    const { d } = deps();
    await expect(runDataConsistencyValidator({ action: 'post', state: state() }, d)).rejects.toThrow(/state\.validation must be the comparison plan/);
  });
});

describe('resync check (failback precondition)', () => {
  const failback = (over: Record<string, unknown> = {}) => state({ direction: 'failback', fromRegion: WEST, toRegion: EAST, ...over });

  it('a quiet store with a fresh heartbeat has caught up: compare next, then clean (Aurora: its lag metric)', async () => {
    const { d, audit, replicas } = deps();
    // Quiet: no client writes, so the lag metric has no datapoint; the heartbeat is fresh.
    replicas.metricMs = null;
    fill(replicas, 20);
    const first = (await runDataConsistencyValidator({ action: 'resync', maxAttempts: 3, state: failback() }, d)) as ResyncStatus;
    expect(first).toMatchObject({ clean: false, compare: true, exhausted: false, attempt: 1, blocking: [] });
    expect(audit.find((e) => e.step === 'ResyncCheck')?.outcome).toBe('COMPARING');
    const { state: s } = await runComparison('resync', failback({ resync: first }), d);
    const verdict = (await runDataConsistencyValidator({ action: 'resync-verdict', maxAttempts: 3, state: s }, d)) as ResyncStatus;
    expect(verdict).toMatchObject({ clean: true, compare: false, exhausted: false, attempt: 1, blocking: [] });
    expect(verdict.summary).toMatch(/caught up with us-west-2 in every store \(lag within 5000 ms by replication heartbeat, data compares clean\)/);
  });

  it('a stalled one has not: blocked on the stale heartbeat, counted up to the bound, then exhausted', async () => {
    const { d, replicas } = deps({ auroraMetricMs: 9_000 });
    replicas.heartbeatAgeMs = 60_000;
    const first = (await runDataConsistencyValidator({ action: 'resync', maxAttempts: 2, state: failback() }, d)) as ResyncStatus;
    expect(first).toMatchObject({ clean: false, compare: false, exhausted: false, attempt: 1 });
    expect(first.blocking).toEqual([
      'orders: lag 60000 ms (heartbeat stale: replication is not flowing)',
      'ledger: lag 9000 ms > 5000 ms',
      'invoices: lag 60000 ms (heartbeat stale: replication is not flowing)',
    ]);
    const second = (await runDataConsistencyValidator({ action: 'resync', maxAttempts: 2, state: failback({ resync: first }) }, d)) as ResyncStatus;
    expect(second).toMatchObject({ clean: false, exhausted: true, attempt: 2 });
    expect(second.summary).toMatch(/Giving up: traffic stays where it is\./);
  });

  it('caught up by heartbeat but items not there yet: the verdict blocks, and at the last attempt gives up', async () => {
    const { d, replicas } = deps();
    fill(replicas, 20);
    replicas.replica('orders', WEST).set('only-in-the-active-region', 1);
    const first = (await runDataConsistencyValidator({ action: 'resync', maxAttempts: 1, state: failback() }, d)) as ResyncStatus;
    const { state: s } = await runComparison('resync', failback({ resync: first }), d);
    const verdict = (await runDataConsistencyValidator({ action: 'resync-verdict', maxAttempts: 1, state: s }, d)) as ResyncStatus;
    expect(verdict).toMatchObject({ clean: false, exhausted: true, attempt: 1, blocking: ['orders: 1 item(s) not yet in us-east-1'] });
  });

  it('refuses a bad attempt bound, naming the field', async () => {
    const { d } = deps();
    await expect(runDataConsistencyValidator({ action: 'resync', maxAttempts: 0, state: failback() }, d)).rejects.toThrow(InvalidInputError);
    await expect(runDataConsistencyValidator({ action: 'resync', maxAttempts: 'x', state: failback() }, d)).rejects.toThrow(/"maxAttempts" must be an integer/);
  });

  it('names every action when given an unknown one', async () => {
    const { d } = deps();
    await expect(runDataConsistencyValidator({ action: 'compare', state: state() }, d)).rejects.toThrow(
      /expected one of "preflight", "post", "resync", "resync-verdict", "compare-plan", "compare-segment", "compare-merge"/,
    );
  });
});
