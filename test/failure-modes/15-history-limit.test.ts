import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataStores } from '../../functions/shared/ports';
import { InMemoryComparisonStore } from '../../local/world/adapters';
import { fakeDataStores } from '../support/data-stores';
import { ThrottledError } from '../../functions/shared/errors';
import { runDataConsistencyValidator } from '../../functions/data-consistency-validator/data-consistency-validator';
import type { HistoryEvent } from '../../local/runtime/history';
import { FakeClock, Harness, PRIMARY, STANDBY, configWith, failoverInput, outcomeOf, primaryImpaired, storeOf, type StoreKind } from './harness';
import { useVirtualTime } from '../support/virtual-time';

// Retry intervals, Waits and timeouts take virtual time only: nothing here waits on the real clock.
useVirtualTime();

/**
 * Failure mode 15: Step Functions Standard keeps at most 25,000 events per execution. Every loop in the
 * definitions must be bounded (statically: each cycle of the state graph goes through a Choice that exits
 * on a counter bound), and the longest realistic execution (failback polling the resync to its last
 * attempt, 50 stores, every Retry at its maximum) must stay far below the limit.
 */
const HISTORY_LIMIT = 25_000;
/** "Well under": a tenth of the limit, so even a generous error in the AWS event estimate cannot reach it. */
const BUDGET = HISTORY_LIMIT / 10;
const ASL_DIR = join(__dirname, '..', '..', 'state-machines');
const FILES = ['failover.asl.json', 'failback.asl.json'];

type State = {
  Type: string;
  Next?: string;
  Default?: string;
  End?: boolean;
  Choices?: ChoiceRule[];
  Catch?: Array<{ Next: string }>;
  Retry?: Array<{ MaxAttempts?: number }>;
  Parameters?: Record<string, unknown>;
  Branches?: Machine[];
  ItemProcessor?: Machine;
};
type ChoiceRule = { Next?: string; Variable?: string; And?: ChoiceRule[]; Or?: ChoiceRule[]; Not?: ChoiceRule } & Record<string, unknown>;
type Machine = { StartAt: string; States: Record<string, State> };

/** Every state list (the top level, each Parallel branch, each Map processor): transitions never cross them. */
function scopes(m: Machine): Machine[] {
  return [m, ...Object.values(m.States).flatMap((s) => [...(s.Branches ?? []), ...(s.ItemProcessor ? [s.ItemProcessor] : [])].flatMap(scopes))];
}

function edges(s: State): string[] {
  return [s.Next, s.Default, ...(s.Choices ?? []).map((c) => c.Next), ...(s.Catch ?? []).map((c) => c.Next)].filter((n): n is string => typeof n === 'string');
}

/** Strongly connected components with a cycle (Tarjan). */
function cycles(m: Machine): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    for (const w of edges(m.States[v])) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || edges(m.States[v]).includes(v)) out.push(scc);
    }
  };
  for (const name of Object.keys(m.States)) if (!idx.has(name)) visit(name);
  return out;
}

const NUMERIC = /^Numeric(GreaterThan|GreaterThanEquals|LessThan|LessThanEquals|Equals)(Path)?$/;
const variablesOf = (r: ChoiceRule): ChoiceRule[] => [
  r,
  ...(r.And ?? []).flatMap(variablesOf),
  ...(r.Or ?? []).flatMap(variablesOf),
  ...(r.Not ? variablesOf(r.Not) : []),
];

/**
 * How a cycle is bounded, or why it is not. Two accepted shapes: a Choice exit on a numeric comparison
 * (a counter kept in the state), or a Choice exit on `<result>.exhausted` set by a Task in the cycle that
 * is handed a literal `maxAttempts` (the resync protocol, whose counting the validator tests below pin).
 */
function bound(m: Machine, scc: string[]): { ok: true; how: string; maxAttempts?: number } | { ok: false; why: string } {
  const inCycle = new Set(scc);
  for (const name of scc) {
    const s = m.States[name];
    if (s.Type !== 'Choice') continue;
    for (const rule of s.Choices ?? []) {
      if (!rule.Next || inCycle.has(rule.Next)) continue;
      for (const r of variablesOf(rule)) {
        if (Object.keys(r).some((k) => NUMERIC.test(k))) return { ok: true, how: `${name}: ${r.Variable} numeric bound` };
        const flag = /^\$\.([A-Za-z0-9_]+)\.exhausted$/.exec(r.Variable ?? '');
        if (flag && r.BooleanEquals === true) {
          const producer = scc.map((n) => m.States[n]).find((t) => t.Type === 'Task' && (t as { ResultPath?: string }).ResultPath === `$.${flag[1]}`);
          const max = producer?.Parameters?.maxAttempts;
          if (typeof max === 'number' && Number.isInteger(max) && max > 0)
            return { ok: true, how: `${name}: ${r.Variable} after maxAttempts ${max}`, maxAttempts: max };
        }
      }
    }
  }
  return { ok: false, why: `cycle ${scc.join(' -> ')} has no Choice exit on a counter bound` };
}

function machineOf(m: Machine, state: string): State | undefined {
  return scopes(m).find((x) => state in x.States)?.States[state];
}

describe('FM15 history limit: every loop is bounded (static)', () => {
  it.each(FILES)('%s: each cycle of the state graph exits through a Choice on a counter bound', (file) => {
    const machine = JSON.parse(readFileSync(join(ASL_DIR, file), 'utf8')) as Machine;
    const found = scopes(machine).flatMap((m) => cycles(m).map((scc) => ({ scc, verdict: bound(m, scc) })));
    for (const { scc, verdict } of found) {
      expect(verdict).toMatchObject({ ok: true });
      // AWS events per poll, worst case: each state entered and exited, a Task's scheduled/started/result,
      // and its Retry (4 attempts) each adding scheduled/started/failed.
      const perPoll = scc.length * 2 + scc.filter((n) => machineOf(machine, n)?.Type === 'Task').length * (3 + 4 * 3);
      if ('maxAttempts' in verdict && verdict.maxAttempts !== undefined) expect(verdict.maxAttempts * perPoll).toBeLessThan(BUDGET);
    }
    const sorted = found.map((f) => [...f.scc].sort());
    // The segmented comparison's loops: each segment resumed from its cursor (bounded by an invocation count), the
    // merges (bounded by the groups left), and, in failback, the resync poll with its comparison, bounded at 20 checks.
    expect(sorted).toEqual(
      expect.arrayContaining([
        ['CompareSegments', 'DataComparisonProgress', 'MergeDataComparison'],
        ['CompareSegment', 'SegmentProgress'],
      ]),
    );
    if (file === 'failback.asl.json') {
      const resync = found.find((f) => f.scc.includes('ResyncCheck'))!;
      expect([...resync.scc].sort()).toEqual(
        [
          'CompareResyncSegments',
          'MergeResyncComparison',
          'PlanResyncComparison',
          'ResyncCheck',
          'ResyncComparisonProgress',
          'ResyncDecision',
          'ResyncVerdict',
          'WaitForResync',
        ].sort(),
      );
      expect(resync.verdict).toMatchObject({ maxAttempts: 20 });
      expect(sorted).toContainEqual(['CompareResyncSegment', 'ResyncSegmentProgress']);
      expect(found).toHaveLength(4);
    } else expect(found).toHaveLength(2);
  });

  it('the check catches an unbounded loop (a poll without its exhausted exit)', () => {
    const machine = JSON.parse(readFileSync(join(ASL_DIR, 'failback.asl.json'), 'utf8')) as Machine;
    machine.States.ResyncDecision.Choices = machine.States.ResyncDecision.Choices!.filter((c) => c.Variable !== '$.resync.exhausted');
    const verdicts = cycles(machine)
      .filter((scc) => scc.includes('ResyncCheck'))
      .map((scc) => bound(machine, scc));
    expect(verdicts).toEqual([expect.objectContaining({ ok: false })]);
  });

  it.each(FILES)('%s: every Retry has an explicit MaxAttempts of at most 10', (file) => {
    const machine = JSON.parse(readFileSync(join(ASL_DIR, file), 'utf8')) as Machine;
    const retries = scopes(machine).flatMap((m) => Object.entries(m.States).flatMap(([name, s]) => (s.Retry ?? []).map((r) => ({ name, max: r.MaxAttempts }))));
    expect(retries.length).toBeGreaterThan(0);
    for (const r of retries)
      expect({ state: r.name, bounded: typeof r.max === 'number' && r.max >= 1 && r.max <= 10 }).toEqual({ state: r.name, bounded: true });
  });

  it('the resync check counts its attempts and gives up exactly at maxAttempts', async () => {
    const config = configWith({ traffic: 'route53-weighted', stores: ['dynamodb'] });
    const clock = new FakeClock();
    // The heartbeat from the region being left is a minute old every time: replication never catches up.
    const deps = {
      config,
      dataStores: fakeDataStores({
        replicationLagMs: async () => 60_000,
        newestHeartbeat: async () => ({ writtenAt: clock.now() - 60_000, readable: true, detail: 'stale' }),
      }),
      work: new InMemoryComparisonStore(),
      audit: { record: async () => undefined },
      clock,
    };
    let resync: unknown;
    const seen: Array<{ attempt: number; exhausted: boolean }> = [];
    for (let i = 0; i < 20; i++) {
      const r = (await runDataConsistencyValidator(
        { action: 'resync', maxAttempts: 20, state: { ...failoverInput({ direction: 'failback', fromRegion: STANDBY, toRegion: PRIMARY }), resync } },
        deps,
      )) as { attempt: number; exhausted: boolean };
      seen.push({ attempt: r.attempt, exhausted: r.exhausted });
      resync = r;
    }
    expect(seen.map((s) => s.attempt)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(seen.filter((s) => s.exhausted).map((s) => s.attempt)).toEqual([20]);
  });
});

/**
 * Our local history has the console's StateEntered/StateExited rows; AWS adds, per Task, TaskScheduled,
 * TaskStarted and TaskSucceeded (or TaskFailed), and per retry a new TaskScheduled/TaskStarted pair. This
 * counts every local event plus three per task run and three per retry: more than AWS writes.
 */
function awsEventEstimate(events: readonly HistoryEvent[]): number {
  const tasks = events.filter((e) => e.type === 'TaskStateEntered').length;
  const retries = events.filter((e) => e.type === 'TaskRetryScheduled').length;
  const estimate = events.length + 3 * tasks + 3 * retries;
  if (process.env.FM15_PRINT) process.stdout.write(`local events ${events.length}, AWS estimate ${estimate}\n`);
  return estimate;
}

/** Stores that fail transiently `failures` times each before promoting (every PromoteStore Retry used up but one). */
function flakyPerStore(inner: DataStores, failures: number): DataStores {
  const seen = new Map<string, number>();
  return {
    ...inner,
    promote: async (store, to, opts) => {
      const n = (seen.get(store.name) ?? 0) + 1;
      seen.set(store.name, n);
      if (n <= failures) throw new ThrottledError(`${store.name}: throttled (${n})`);
      return inner.promote(store, to, opts);
    },
  };
}

const MANY: StoreKind[] = Array.from({ length: 50 }, (_, i) => (i % 5 === 0 ? 'aurora' : 'dynamodb'));
const manyStores = MANY.map((k, i) => storeOf(k, `${k === 'aurora' ? 'ledger' : 'table'}-${i}`));

describe('FM15 history limit: the longest realistic executions (dynamic)', () => {
  let h: Harness;
  afterEach(() => h.dispose());

  it('failback: resync polled to its 20th check, 50 stores each retried to the limit, every Retry maxed -> far below 25,000 events', async () => {
    let lagReads = 0;
    let heartbeatReads = 0;
    const tables = manyStores.filter((s) => s.kind !== 'aurora-global').length;
    h = new Harness(configWith({ traffic: 'route53-weighted', stores: manyStores, approval: { mode: 'required' } }), {
      // Replication back to the primary catches up on the 20th and last check (heartbeats a minute old before, and
      // Aurora's lag metric a minute behind); every store's promotion throttled 4 times.
      ports: (world) => ({
        dataStores: flakyPerStore(
          {
            ...world.dataStores,
            replicationLagMs: async (s, f, t) => (++lagReads <= 19 * manyStores.length ? 60_000 : world.dataStores.replicationLagMs(s, f, t)),
            newestHeartbeat: async (s, o, r) =>
              ++heartbeatReads <= 19 * tables
                ? { writtenAt: world.clock.now() - 60_000, readable: true, detail: 'a minute old' }
                : world.dataStores.newestHeartbeat(s, o, r),
          },
          4,
        ),
      }),
    });
    const w = h.world;
    // After a failover: the standby serves and writes; both regions healthy again.
    w.sites[PRIMARY] = 'PASSIVE';
    w.sites[STANDBY] = 'ACTIVE';
    w.weights = { [PRIMARY]: 0, [STANDBY]: 100 };
    for (const s of manyStores) if (s.kind === 'aurora-global') w.writers.set(s.name, STANDBY);
    for (const p of ['siteState.get', 'traffic.describe', 'signals.read'] as const) w.faults.plan(p, ['transient', 'transient', 'transient', 'transient']);
    // The comparison after the 20th resync check reads each table's one segment in both regions; then ValidateData's
    // comparison does the same, its first four reads throttled (its segments' Retries).
    const resyncReads = 2 * tables;
    w.faults.plan(
      'data.compare',
      Array.from({ length: resyncReads + 4 }, (_, i) => (i >= resyncReads ? 'transient' : 'ok')),
    );
    // Clients reach the primary only on the 7th probe round: the RecoveryNotVerified Retry (6) used up.
    let probes = 0;
    const probe = w.signals.probeGlobal;
    w.signals.probeGlobal = async (n) => (++probes <= 6 ? Array.from({ length: n }, () => ({ ok: true, servedBy: STANDBY, detail: 'stale DNS' })) : probe(n));

    const ex = h.start(failoverInput({ incidentId: 'inc-longest', direction: 'failback', fromRegion: STANDBY, toRegion: PRIMARY }), 'inc-longest', 'failback');
    await h.quiesce();
    await h.decide(h.waitingApproval(ex)!, 'approve');
    const result = await h.result(ex);

    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { outcome: 'FAILED_BACK' } });
    expect(ex.events.filter((e) => e.stateName === 'ResyncCheck' && e.type === 'TaskStateEntered')).toHaveLength(20);
    expect(ex.events.filter((e) => e.stateName === 'WaitForResync' && e.type === 'WaitStateEntered')).toHaveLength(19);
    expect(ex.events.filter((e) => e.stateName === 'PromoteStore' && e.type === 'TaskRetryScheduled')).toHaveLength(4 * manyStores.length);
    expect(ex.events.filter((e) => e.stateName === 'VerifyRecovery' && e.type === 'TaskRetryScheduled')).toHaveLength(6);
    for (const state of ['AssessHealth', 'FenceOldPrimary', 'ShiftTraffic', 'CompareSegment'])
      expect([state, ex.events.filter((e) => e.stateName === state && e.type === 'TaskRetryScheduled').length]).toEqual([state, 4]);
    // Both comparisons (the resync's, ValidateData's) read every table once, its segments dealt to the configured
    // number of lanes: a Map iteration per lane, not per table, keeps the history short.
    const lanes = h.config.dataRisk.comparisonMaxConcurrency;
    expect(lanes).toBeLessThan(tables);
    expect(ex.events.filter((e) => e.type === 'MapIterationStarted' && e.stateName === 'CompareResyncSegments')).toHaveLength(lanes);
    expect(ex.events.filter((e) => e.type === 'MapIterationStarted' && e.stateName === 'CompareSegments')).toHaveLength(lanes);
    expect(awsEventEstimate(ex.events)).toBeLessThan(BUDGET);
  });

  it('failover: 50 stores, every Retry used up but the last, resolved at the end -> far below 25,000 events', async () => {
    h = new Harness(configWith({ traffic: 'route53-weighted', stores: manyStores, approval: { mode: 'auto-when-safe' } }), {
      ports: (world) => ({ dataStores: flakyPerStore(world.dataStores, 4) }),
    });
    primaryImpaired(h.world);
    for (const p of ['signals.read', 'data.lag', 'siteState.get', 'traffic.describe', 'data.compare'] as const)
      h.world.faults.plan(p, ['transient', 'transient', 'transient', 'transient']);
    const ex = h.start(failoverInput({ incidentId: 'inc-longest-failover' }), 'inc-longest-failover');
    const result = await h.result(ex);
    expect(outcomeOf(result)).toBe('FAILED_OVER');
    expect(ex.events.filter((e) => e.type === 'MapIterationStarted' && e.stateName === 'PromoteData')).toHaveLength(manyStores.length);
    expect(awsEventEstimate(ex.events)).toBeLessThan(BUDGET);
  });
});
