import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHandler as validator } from '../../functions/data-consistency-validator/handler';
import { createHandler as orchestrator } from '../../functions/failover-orchestrator/handler';
import { createHandler as healthChecker } from '../../functions/health-checker/handler';
import { InMemoryIdempotencyStore } from '../../functions/shared/aws/idempotency';
import { createLogger } from '../../functions/shared/middleware';
import type { AuditEntry, DataStores, Signal, SiteStateValue, TrafficControl } from '../../functions/shared/ports';
import { createHandler as trafficRouter } from '../../functions/traffic-router/handler';
import { localFunctionArn, localSubstitutions } from '../../local/control-plane';
import { LocalStateMachine, type SnsPublishInput } from '../../local/runtime/local-state-machine';
import { fakeLambdaContext } from '../../local/world/approval-server';
import { config } from '../unit/aws/fixtures';
import { useVirtualTime } from '../support/virtual-time';
import { replicasInSync } from '../support/data-stores';
import { InMemoryComparisonStore } from '../../local/world/adapters';

// Retry intervals and Waits are virtual time: nothing here waits on the real clock.
useVirtualTime();

const EAST = config.regions.primary.name;
const WEST = config.regions.standby.name;
const logger = createLogger('redrive', 'SILENT');

/**
 * Failure modes 7 and 20. The failover definition runs in the local engine on the real handlers, with in-memory
 * ports that count every side effect. Promotion of one store fails after its retries, so the execution stops at
 * PromoteData (no Catch sends it elsewhere); the cause is fixed and the same execution is redriven: it resumes at
 * PromoteData, re-runs only the store that failed (the other Map iteration is not rerun), and completes.
 */
function world() {
  const sites: Record<string, SiteStateValue> = { [EAST]: 'ACTIVE', [WEST]: 'PASSIVE' };
  const effects = { siteStateSets: [] as string[], promotions: [] as string[], shifts: 0 };
  let ledgerBroken = true;
  let weights: Record<string, number> = { [EAST]: 100, [WEST]: 0 };
  const audit: AuditEntry[] = [];
  const alerts: SnsPublishInput[] = [];
  const now = () => new Date().toISOString();
  const signals = {
    read: async (): Promise<Signal[]> =>
      ['canary', 'route53-health-check'].flatMap((source) => [
        {
          id: `${source}:${EAST}`,
          source: source as Signal['source'],
          vantage: source === 'canary' ? WEST : 'global',
          target: EAST,
          healthy: false,
          detail: 'down',
          observedAt: now(),
        },
        {
          id: `${source}:${WEST}`,
          source: source as Signal['source'],
          vantage: source === 'canary' ? EAST : 'global',
          target: WEST,
          healthy: true,
          detail: 'ok',
          observedAt: now(),
        },
      ]),
    probeGlobal: async (n: number) => Array.from({ length: n }, () => ({ ok: true, servedBy: weights[WEST] === 100 ? WEST : EAST, detail: 'HTTP 200' })),
  };
  const dataStores: DataStores = {
    ...replicasInSync(),
    promote: async (store, to) => {
      effects.promotions.push(store.name);
      if (store.name === 'ledger' && ledgerBroken) throw new Error('InvalidGlobalClusterStateFault: global cluster is being modified');
      return { store: store.name, kind: store.kind, action: store.kind === 'aurora-global' ? 'failover' : 'none', detail: `${store.name} promoted in ${to}` };
    },
  };
  const traffic: TrafficControl = {
    strategy: 'fake',
    describe: async () => ({ weights }),
    shiftTo: async (to, from) => {
      effects.shifts++;
      const before = { weights };
      weights = { [to]: 100, [from]: 0 };
      return { before, after: { weights }, via: 'fake' };
    },
  };
  const store = new InMemoryIdempotencyStore();
  const common = { config, audit: { record: async (e: AuditEntry) => void audit.push(e) }, clock: { now: () => Date.now() }, logger };
  const siteState = {
    get: async (r: string) => sites[r],
    set: async (r: string, v: SiteStateValue) => {
      effects.siteStateSets.push(`${r}=${v}`);
      sites[r] = v;
    },
  };
  const app = config.application;
  const asLambda = (h: (e: unknown, c: ReturnType<typeof fakeLambdaContext>) => Promise<unknown>) => (p: unknown) => h(p, fakeLambdaContext('redrive'));
  const lambdas = {
    [localFunctionArn(app, 'health-checker')]: asLambda(healthChecker({ ...common, signals })),
    [localFunctionArn(app, 'traffic-router')]: asLambda(trafficRouter({ ...common, traffic, idempotency: { persistenceStore: store } })),
    [localFunctionArn(app, 'failover-orchestrator')]: asLambda(
      orchestrator({
        ...common,
        siteState,
        dataStores,
        scaler: { scale: async () => Promise.reject(new Error('hot standby: never called')) },
        idempotency: { persistenceStore: store },
      }),
    ),
    [localFunctionArn(app, 'data-consistency-validator')]: asLambda(validator({ ...common, dataStores, work: new InMemoryComparisonStore() })),
    [localFunctionArn(app, 'approval-request')]: async () => {
      throw new Error('auto-when-safe within RPO: nobody is asked');
    },
  };
  const machine = new LocalStateMachine(readFileSync(join(__dirname, '..', '..', 'state-machines', 'failover.asl.json'), 'utf8'), localSubstitutions(app), {
    lambdas,
    snsPublish: async (m) => void alerts.push(m),
  });
  return { machine, effects, audit, alerts, store, fix: () => (ledgerBroken = false), sites };
}

const input = {
  incidentId: 'inc-redrive',
  direction: 'failover',
  fromRegion: EAST,
  toRegion: WEST,
  trigger: { source: 'manual', at: '2025-01-02T03:04:05.000Z' },
  approvalMode: 'auto-when-safe',
};

describe('INCOMPLETE, then a redrive of the same execution', () => {
  it('stops at PromoteData, then a redrive resumes there: one promotion of the failed store, none of the others, nothing before it again', async () => {
    const w = world();
    const ex = w.machine.start(input, 'inc-redrive');
    const first = await ex.result;
    expect(first).toMatchObject({ status: 'FAILED', error: 'StepFailedError', cause: expect.stringMatching(/^Promotion of aurora-global ledger/) });
    // Stopped at the step itself: the last top-level state entered is PromoteData, never a Fail state.
    const lastTop = ex.events.filter((e) => e.stateName !== undefined && w.machine.topLevelStates.has(e.stateName) && e.type.endsWith('StateEntered')).at(-1);
    expect(lastTop).toMatchObject({ stateName: 'PromoteData', type: 'MapStateEntered' });
    expect(w.effects.siteStateSets).toEqual([`${EAST}=PASSIVE`]);
    expect(w.effects.shifts).toBe(0);
    const fenceRuns = w.audit.filter((e) => e.step === 'FenceOldPrimary').length;
    const ordersPromotions = w.effects.promotions.filter((s) => s === 'orders').length;
    const ledgerAttempts = w.effects.promotions.filter((s) => s === 'ledger').length;
    expect(fenceRuns).toBe(1);
    expect(ordersPromotions).toBe(1);

    w.fix();
    ex.redrive();
    const second = await ex.result;
    expect(second).toMatchObject({ status: 'SUCCEEDED', output: { outcome: 'FAILED_OVER', activeRegion: WEST } });
    expect(ex.id).toBe('arn:aws:states:local:000000000000:execution:failover:inc-redrive');
    expect(ex.events.filter((e) => e.type === 'ExecutionRedriven')).toEqual([expect.objectContaining({ redriveCount: 1, stateName: 'PromoteData' })]);
    expect(ex.events.filter((e) => e.type === 'ExecutionStarted')).toHaveLength(1);
    // The fence did not run again (not even answered from the idempotency store: it was never entered); the store
    // that was promoted was not promoted again (its Map iteration is not rerun); the failed one ran once more.
    const afterRedrive = ex.events.slice(ex.events.findIndex((e) => e.type === 'ExecutionRedriven'));
    expect(afterRedrive.some((e) => e.stateName === 'FenceOldPrimary')).toBe(false);
    expect(w.audit.filter((e) => e.step === 'FenceOldPrimary')).toHaveLength(fenceRuns);
    expect(w.effects.promotions.filter((s) => s === 'orders')).toHaveLength(ordersPromotions);
    expect(w.effects.promotions.filter((s) => s === 'ledger')).toHaveLength(ledgerAttempts + 1);
    expect(w.effects.siteStateSets).toEqual([`${EAST}=PASSIVE`, `${WEST}=ACTIVE`]);
    expect(w.effects.shifts).toBe(1);
    expect(w.sites).toEqual({ [EAST]: 'PASSIVE', [WEST]: 'ACTIVE' });
  });

  it('as AWS: a succeeded execution cannot be redriven, and its name cannot be started again', async () => {
    const w = world();
    w.fix();
    const ex = w.machine.start(input, 'inc-done');
    expect((await ex.result).status).toBe('SUCCEEDED');
    const before = JSON.stringify(w.effects);
    expect(() => ex.redrive()).toThrow(expect.objectContaining({ name: 'ExecutionNotRedrivable' }));
    expect(() => w.machine.start(input, 'inc-done')).toThrow(expect.objectContaining({ name: 'ExecutionAlreadyExists' }));
    expect(JSON.stringify(w.effects)).toBe(before);
  });
});
