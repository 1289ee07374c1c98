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

// Retry intervals and Waits are virtual time: nothing here waits on the real clock.
useVirtualTime();

const EAST = config.regions.primary.name;
const WEST = config.regions.standby.name;
const logger = createLogger('redrive', 'SILENT');

/**
 * Failure mode 7. The failover definition runs in the local engine on the real handlers, with in-memory
 * ports that count every side effect. Promotion of one store fails, so the execution ends INCOMPLETE; then
 * the same execution name runs again against the same idempotency store (what a redrive amounts to for the
 * handlers: same execution id, so the same keys) and completes without repeating any completed step.
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
        { id: `${source}:${EAST}`, source: source as Signal['source'], vantage: source === 'canary' ? WEST : 'global', target: EAST, healthy: false, detail: 'down', observedAt: now() },
        { id: `${source}:${WEST}`, source: source as Signal['source'], vantage: source === 'canary' ? EAST : 'global', target: WEST, healthy: true, detail: 'ok', observedAt: now() },
      ]),
    probeGlobal: async (n: number) => Array.from({ length: n }, () => ({ ok: true, servedBy: weights[WEST] === 100 ? WEST : EAST, detail: 'HTTP 200' })),
  };
  const dataStores: DataStores = {
    replicationLagMs: async () => 200,
    promote: async (store, to) => {
      effects.promotions.push(store.name);
      if (store.name === 'ledger' && ledgerBroken) throw new Error('InvalidGlobalClusterStateFault: global cluster is being modified');
      return { store: store.name, kind: store.kind, action: store.kind === 'aurora-global' ? 'failover' : 'none', detail: `${store.name} promoted in ${to}` };
    },
    compare: async (store) => ({ store: store.name, compared: 5, missingInTarget: [], missingCount: 0, differing: [], complete: true, detail: 'clean' }),
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
      orchestrator({ ...common, siteState, dataStores, scaler: { scale: async () => Promise.reject(new Error('hot standby: never called')) }, idempotency: { persistenceStore: store } }),
    ),
    [localFunctionArn(app, 'data-consistency-validator')]: asLambda(validator({ ...common, dataStores })),
    [localFunctionArn(app, 'approval-request')]: async () => {
      throw new Error('auto-when-safe within RPO: nobody is asked');
    },
  };
  const machine = new LocalStateMachine(
    readFileSync(join(__dirname, '..', '..', 'state-machines', 'failover.asl.json'), 'utf8'),
    localSubstitutions(app),
    { lambdas, snsPublish: async (m) => void alerts.push(m) }
  );
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
  it('stops at PromoteData listing done/remaining steps, then resumes without repeating completed steps', async () => {
    const w = world();
    const first = await w.machine.start(input, 'inc-redrive').result;
    expect(first).toMatchObject({ status: 'FAILED', error: 'FailoverIncomplete' });
    expect(first.cause).toMatch(/^Stopped at PromoteData \(StepFailedError: Promotion of aurora-global ledger/);
    expect(first.cause).toContain('Completed: FenceOldPrimary. Remaining: PromoteData, ShiftTraffic, ActivateStandby, VerifyRecovery, ValidateData.');
    expect(w.alerts.find((a) => a.Subject === 'DR: failover INCOMPLETE, action needed')?.Message).toContain('Remaining: PromoteData');
    expect(w.effects.siteStateSets).toEqual([`${EAST}=PASSIVE`]);
    expect(w.effects.shifts).toBe(0);
    const fenceRuns = w.audit.filter((e) => e.step === 'fence').length;
    const ordersPromotions = w.effects.promotions.filter((s) => s === 'orders').length;
    const ledgerAttempts = w.effects.promotions.filter((s) => s === 'ledger').length;
    expect(fenceRuns).toBe(1);
    expect(ordersPromotions).toBe(1);

    w.fix();
    const second = await w.machine.start(input, 'inc-redrive').result;
    expect(second).toMatchObject({ status: 'SUCCEEDED', output: { outcome: 'FAILED_OVER', activeRegion: WEST } });
    // Completed steps were answered from the idempotency store: the fence ran once, the store that was
    // already promoted was not promoted again; only the failed store and the remaining steps ran.
    expect(w.audit.filter((e) => e.step === 'fence')).toHaveLength(fenceRuns);
    expect(w.effects.promotions.filter((s) => s === 'orders')).toHaveLength(ordersPromotions);
    expect(w.effects.promotions.filter((s) => s === 'ledger')).toHaveLength(ledgerAttempts + 1);
    expect(w.effects.siteStateSets).toEqual([`${EAST}=PASSIVE`, `${WEST}=ACTIVE`]);
    expect(w.effects.shifts).toBe(1);
    expect(w.sites).toEqual({ [EAST]: 'PASSIVE', [WEST]: 'ACTIVE' });
  });

  it('a third run of the finished execution changes nothing at all', async () => {
    const w = world();
    w.fix();
    await w.machine.start(input, 'inc-done').result;
    const before = JSON.stringify(w.effects);
    const again = await w.machine.start(input, 'inc-done').result;
    expect(again.status).toBe('SUCCEEDED');
    expect(JSON.stringify(w.effects)).toBe(before);
  });
});
