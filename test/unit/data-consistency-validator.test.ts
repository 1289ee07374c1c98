import { runDataConsistencyValidator, type DataConsistencyValidatorDeps, type DataReport, type ResyncStatus } from '../../functions/data-consistency-validator/data-consistency-validator';
import { InvalidInputError } from '../../functions/shared/errors';
import type { AuditEntry, StoreComparison } from '../../functions/shared/ports';
import { config, fixedClock } from './aws/fixtures';

const EAST = 'us-east-1';
const WEST = 'us-west-2';
const state = (over: Record<string, unknown> = {}) => ({
  incidentId: 'inc-1',
  fromRegion: EAST,
  toRegion: WEST,
  trigger: { source: 'manual', at: '2025-01-02T03:04:05.000Z' },
  execution: { id: 'exec-1', name: 'n', startedAt: '2025-01-02T03:04:05.000Z' },
  ...over,
});

const clean = (store: string, compared = 10): StoreComparison => ({ store, compared, missingInTarget: [], missingCount: 0, differing: [], complete: true, detail: 'ok' });

function deps(compare: Record<string, StoreComparison>, lag: Record<string, number | null> = {}) {
  const audit: AuditEntry[] = [];
  const d: DataConsistencyValidatorDeps = {
    config,
    dataStores: {
      replicationLagMs: async (s) => (s.name in lag ? lag[s.name] : 100),
      promote: async () => {
        throw new Error('not used');
      },
      compare: async (s) => compare[s.name],
    },
    audit: { record: async (e) => void audit.push(e) },
    clock: fixedClock(),
  };
  return { d, audit };
}

describe('post-failover validation', () => {
  it('counts missing writes from missingCount (not the capped list) and writes the missing-writes report to the audit log', async () => {
    const { d, audit } = deps({
      orders: { store: 'orders', compared: 1000, missingInTarget: ['a', 'b'], missingCount: 250, differing: ['c'], complete: true, detail: '250 missing' },
      ledger: { ...clean('ledger', 0), complete: false, detail: 'rows not compared' },
      invoices: clean('invoices'),
    });
    const r = (await runDataConsistencyValidator({ action: 'post', state: state() }, d)) as DataReport;
    expect(r).toMatchObject({ missingWrites: 250, differing: 1, incompleteStores: ['ledger'] });
    expect(r.summary).toMatch(/^Data check: 250 write\(s\) missing and 1 differing in us-west-2 .* Not fully compared: ledger \(rows not compared\)\./);
    const report = audit.find((e) => e.step === 'MissingWritesReport');
    expect(report).toMatchObject({ outcome: 'WRITES_MISSING', incidentId: 'inc-1', executionId: 'exec-1' });
    // This fake does not stream: the keys it returns are the report's keys, and the index says how many it had.
    expect((report!.detail as { stores: Array<Record<string, unknown>> }).stores[0]).toMatchObject({ store: 'orders', missingCount: 250, differingCount: 1, keysInReport: 3 });
    const part = audit.find((e) => e.step === 'MissingWritesReport:part-0001');
    expect(part?.detail).toMatchObject({ part: 1, stores: { orders: { missingInTarget: ['a', 'b'], differing: ['c'] } } });
    expect(r.report).toEqual({ incidentId: 'inc-1', sortKeyPrefix: '2025-01-02T03:04:05.000Z#MissingWritesReport', parts: 1, keys: 3 });
    expect(audit.find((e) => e.step === 'ValidateData')).toMatchObject({ outcome: 'MISSING_WRITES', detail: { report: r.report } });
  });

  it('never says "none missing" when no store could be compared', async () => {
    const unknown = (s: string) => ({ ...clean(s, 0), complete: false, detail: `${s} unreachable` });
    const { d, audit } = deps({ orders: unknown('orders'), ledger: unknown('ledger'), invoices: unknown('invoices') });
    const r = (await runDataConsistencyValidator({ action: 'post', state: state() }, d)) as DataReport;
    expect(r.summary).toMatch(/^Data check incomplete: no store could be compared, so missing writes are unknown\./);
    expect(r.summary).not.toMatch(/none missing/);
    expect(audit.find((e) => e.step === 'MissingWritesReport')?.outcome).toBe('UNKNOWN_FOR_SOME_STORES');
    expect(audit.find((e) => e.step === 'ValidateData')?.outcome).toBe('PARTIALLY_CHECKED');
  });

  it('reports a consistent result only when every store compared clean', async () => {
    const { d, audit } = deps({ orders: clean('orders'), ledger: clean('ledger'), invoices: clean('invoices') });
    const r = (await runDataConsistencyValidator({ action: 'post', state: state() }, d)) as DataReport;
    expect(r.summary).toBe('Data check: 30 items compared across 3 of 3 store(s); none missing in us-west-2.');
    expect(audit.find((e) => e.step === 'ValidateData')?.outcome).toBe('CONSISTENT');
  });
});

describe('resync check (failback precondition)', () => {
  const failback = (over: Record<string, unknown> = {}) => state({ direction: 'failback', fromRegion: WEST, toRegion: EAST, ...over });

  it('is clean when every lag is within the RPO target and every comparable store compares clean (Aurora: lag only)', async () => {
    const { d, audit } = deps({ orders: clean('orders'), ledger: { ...clean('ledger', 0), complete: false, detail: 'rows not compared' }, invoices: clean('invoices') });
    const r = (await runDataConsistencyValidator({ action: 'resync', maxAttempts: 3, state: failback() }, d)) as ResyncStatus;
    expect(r).toMatchObject({ clean: true, exhausted: false, attempt: 1, blocking: [] });
    expect(audit.find((e) => e.step === 'ResyncCheck')?.outcome).toBe('CAUGHT_UP');
  });

  it('blocks on lag over target, unknown lag, items not yet replicated, or a store it could not compare; counts attempts up to the bound', async () => {
    const { d } = deps(
      { orders: { ...clean('orders'), missingCount: 3 }, ledger: clean('ledger'), invoices: { ...clean('invoices', 0), complete: false, detail: 'bucket unreachable' } },
      { ledger: 9_000, orders: null },
    );
    const first = (await runDataConsistencyValidator({ action: 'resync', maxAttempts: 2, state: failback() }, d)) as ResyncStatus;
    expect(first).toMatchObject({ clean: false, exhausted: false, attempt: 1 });
    expect(first.blocking).toEqual([
      'orders: lag unknown, 3 item(s) not yet in us-east-1',
      'ledger: lag 9000 ms > 5000 ms',
      'invoices: not compared: bucket unreachable',
    ]);
    const second = (await runDataConsistencyValidator({ action: 'resync', maxAttempts: 2, state: failback({ resync: first }) }, d)) as ResyncStatus;
    expect(second).toMatchObject({ clean: false, exhausted: true, attempt: 2 });
    expect(second.summary).toMatch(/Giving up: traffic stays where it is\./);
  });

  it('refuses a bad attempt bound, naming the field', async () => {
    const { d } = deps({});
    await expect(runDataConsistencyValidator({ action: 'resync', maxAttempts: 0, state: failback() }, d)).rejects.toThrow(InvalidInputError);
    await expect(runDataConsistencyValidator({ action: 'resync', maxAttempts: 'x', state: failback() }, d)).rejects.toThrow(/"maxAttempts" must be an integer/);
  });
});
