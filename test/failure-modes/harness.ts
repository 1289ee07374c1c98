import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { loadConfig, parseConfig } from '../../config/load';
import type { DrConfig, DrConfigInput } from '../../config/schema';
import type { AlarmStateChange, TriggerResult } from '../../functions/alarm-trigger/alarm-trigger';
import { createHandler as alarmTrigger } from '../../functions/alarm-trigger/handler';
import { createHandler as approvalCallback } from '../../functions/approval-callback/handler';
import { createHandler as approvalRequest } from '../../functions/approval-request/handler';
import type { FailureReport } from '../../functions/failure-reporter/failure-reporter';
import { createHandler as failureReporter } from '../../functions/failure-reporter/handler';
import { createHandler as dataConsistencyValidator } from '../../functions/data-consistency-validator/handler';
import { createHandler as failoverOrchestrator } from '../../functions/failover-orchestrator/handler';
import { createHandler as healthChecker } from '../../functions/health-checker/handler';
import { InMemoryIdempotencyStore } from '../../functions/shared/aws/idempotency';
import { ThrottledError, TransientError } from '../../functions/shared/errors';
import { createLogger } from '../../functions/shared/middleware';
import type {
  AlarmStateValue,
  ApprovalRecord,
  Clock,
  DataStores,
  HealthSignals,
  Notifier,
  PromotionResult,
  Signal,
  SiteState,
  SiteStateValue,
  HeartbeatReading,
  SegmentPage,
  Topic,
  TrafficControl,
  TrafficShift,
} from '../../functions/shared/ports';
import { createHandler as trafficRouter } from '../../functions/traffic-router/handler';
import { alarmNamePrefix } from '../../config/resource-names';
import { FAILBACK_ASL, FAILOVER_ASL, localFunctionArn, localSubstitutions, localTopicArn } from '../../local/control-plane';
import { InMemoryIncidentLock, LocalFailoverStarter } from '../../local/detection';
import { localFailureReader } from '../../local/runtime/failure-context';
import { LocalStateMachine, type ExecutionResult, type LocalExecution, type LocalLambda, type SnsPublishInput } from '../../local/runtime/local-state-machine';
import { TaskError, TaskTokenBroker } from '../../local/runtime/task-token-broker';
import { fakeLambdaContext } from '../../local/world/approval-server';
import { InMemoryApproverChallenges, LocalApprovalTaskReader } from '../../local/approver-state';
import { LOCAL_ACCOUNT, localApproverRoleName } from '../../local/approver';
import { InMemoryApprovalStore, InMemoryAuditLog, InMemoryComparisonStore, LocalStandbyScaler } from '../../local/world/adapters';

/**
 * The failover and failback definitions on the local engine, wired to the real handler factories and to
 * in-memory ports that count every side effect and can fail on a schedule. No HTTP servers: a whole
 * execution costs milliseconds, which is what the property tests need.
 */

const ROOT = join(__dirname, '..', '..');

/** The repo's config as the base; every test states the parts it depends on through `configWith`. */
const loaded = loadConfig(join(ROOT, 'dr.config.json'));
export const PRIMARY = loaded.regions.primary.name;
export const STANDBY = loaded.regions.standby.name;
export const APPROVER = 'oncall@example.com';
export const T0 = Date.UTC(2025, 0, 2, 3, 4, 5);

export type StoreKind = 'dynamodb' | 'aurora' | 's3';
type StoreInput = DrConfigInput['dataStores'][number];

export function storeOf(kind: StoreKind, name?: string): StoreInput {
  if (kind === 'dynamodb') return { kind: 'dynamodb-global-table', name: name ?? 'orders', tableName: name ?? 'orders' };
  if (kind === 's3') return { kind: 's3-replicated', name: name ?? 'invoices', buckets: { [PRIMARY]: `${name ?? 'invoices'}-a`, [STANDBY]: `${name ?? 'invoices'}-b` } };
  const n = name ?? 'ledger';
  return {
    kind: 'aurora-global',
    name: n,
    globalClusterIdentifier: `${n}-global`,
    clusterArns: { [PRIMARY]: `arn:aws:rds:${PRIMARY}:111122223333:cluster:${n}-a`, [STANDBY]: `arn:aws:rds:${STANDBY}:111122223333:cluster:${n}-b` },
  };
}

export function arcTraffic(): DrConfigInput['traffic'] {
  const regions = [...new Set([PRIMARY, STANDBY, 'eu-west-1', 'ap-southeast-2', 'ap-northeast-1'])].slice(0, 5);
  return {
    strategy: 'arc-routing-control',
    clusterEndpoints: regions.map((region, i) => ({ region, endpoint: `https://host-${'abcde'[i].repeat(6)}.route53-recovery-cluster.${region}.amazonaws.com/v1` })),
    routingControlArns: Object.fromEntries([PRIMARY, STANDBY].map((r) => [r, `arn:aws:route53-recovery-control::111122223333:controlpanel/fm/routingcontrol/${r}`])),
  };
}

export interface ConfigChoice {
  readonly traffic: 'route53-weighted' | 'arc-routing-control';
  readonly stores: ReadonlyArray<StoreKind | StoreInput>;
  readonly approval?: Partial<DrConfigInput['approval']>;
  readonly objectives?: DrConfigInput['objectives'];
  readonly detection?: Partial<NonNullable<DrConfigInput['detection']>>;
  readonly drill?: Partial<NonNullable<DrConfigInput['drill']>>;
  /** @default hot, nothing to scale */
  readonly standby?: DrConfigInput['standby'];
}

/** The loaded config with everything a failure-mode test relies on set explicitly. */
export function configWith(choice: ConfigChoice): DrConfig {
  return parseConfig(
    {
      ...loaded,
      traffic: choice.traffic === 'arc-routing-control' ? arcTraffic() : { strategy: 'route53-weighted', hostedZoneId: 'Z0123456789ABCDEFGHIJ', recordType: 'CNAME' },
      dataStores: choice.stores.map((s) => (typeof s === 'string' ? storeOf(s) : s)),
      approval: { mode: 'required', approvers: [APPROVER], escalation: ['sre-leads@example.com'], timeoutSeconds: 900, onTimeout: 'abort', ...choice.approval },
      detection: { probeIntervalSeconds: 10, datapointsToAlarm: 2, evaluationPeriods: 3, quorum: 2, probeTimeoutMs: 2000, maxEventAgeSeconds: 300, cooldownSeconds: 1800, ...choice.detection },
      objectives: choice.objectives ?? { rtoSeconds: 60, rpoSeconds: 5 },
      standby: choice.standby ?? { mode: 'hot', scaling: [] },
      drill: { replicationLagMs: 500, writeIntervalMs: 500, dnsSyncSeconds: 5, ...choice.drill },
    },
    'failure-mode test config',
  );
}

export class FakeClock implements Clock {
  constructor(public t = T0) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

// --- faults --------------------------------------------------------------------------------------

/**
 * `transient`: throttled before doing anything (what callAws turns a ThrottlingException into).
 * `transient-after`: the change is made, then the answer is lost (the caller cannot tell it happened).
 * Unreachability is not a fault mode: it is `FakeWorld.dark`, which also takes the region's writers down.
 */
export type FaultMode = 'ok' | 'transient' | 'transient-after' | 'fatal';
export type Op =
  | 'siteState.get'
  | 'siteState.set'
  | 'traffic.describe'
  | 'traffic.shiftTo'
  | 'data.lag'
  | 'data.promote'
  | 'data.compare'
  | 'data.heartbeat'
  | 'signals.read'
  | 'signals.probeGlobal'
  | 'trigger.signals'
  | 'notifier.approval';
export const OPS: readonly Op[] = ['siteState.get', 'siteState.set', 'traffic.describe', 'traffic.shiftTo', 'data.lag', 'data.promote', 'data.compare', 'data.heartbeat', 'signals.read', 'signals.probeGlobal', 'trigger.signals', 'notifier.approval'];

/** Per operation, what its n-th call does; after the schedule, `always` (default ok). */
export class Faults {
  private readonly schedules = new Map<Op, readonly FaultMode[]>();
  private readonly always = new Map<Op, FaultMode>();
  readonly calls = new Map<Op, number>();
  readonly injected: Array<{ op: Op; call: number; mode: FaultMode }> = [];

  plan(op: Op, modes: readonly FaultMode[]): this {
    this.schedules.set(op, modes);
    return this;
  }
  set(op: Op, mode: FaultMode): this {
    this.always.set(op, mode);
    return this;
  }
  clear(): void {
    this.schedules.clear();
    this.always.clear();
  }

  async run<T>(op: Op, effect: () => T | Promise<T>): Promise<T> {
    const n = (this.calls.get(op) ?? 0) + 1;
    this.calls.set(op, n);
    const mode = this.schedules.get(op)?.[n - 1] ?? this.always.get(op) ?? 'ok';
    if (mode !== 'ok') this.injected.push({ op, call: n, mode });
    if (mode === 'transient') throw new ThrottledError(`${op}: ThrottlingException (injected, call ${n})`);
    if (mode === 'fatal') throw new Error(`${op}: failed (injected, call ${n})`);
    const result = await effect();
    if (mode === 'transient-after') throw new TransientError(`${op}: the answer was lost after the change was made (injected, call ${n})`);
    return result;
  }
}

// --- the world -----------------------------------------------------------------------------------

export interface Message {
  readonly topic: Topic;
  readonly subject: string;
  readonly body: string;
  readonly attributes?: Record<string, string>;
}

export type Shift = { readonly to: string; readonly from: string; readonly at: number };

/**
 * Two regions as the ports see them: site states, a routing switch, stores, alarm states, outboxes.
 * `dark` regions are unreachable (their SSM, their app and their copy of the control plane).
 */
export class FakeWorld {
  readonly primary: string;
  readonly standby: string;
  readonly prefix: string;
  readonly clock = new FakeClock();
  readonly faults = new Faults();
  readonly sites: Record<string, SiteStateValue>;
  readonly dark = new Set<string>();
  /** Applications not serving (a dark region's is down too). */
  readonly appDown = new Set<string>();
  weights: Record<string, number>;
  readonly alarms = new Map<string, AlarmStateValue>();
  /**
   * Replication lag, AWS ms: the age of the newest heartbeat the region being activated holds, and what the lag
   * metric (the second opinion) reports; null = no heartbeat was ever found and no metric has a datapoint.
   */
  lagMs: number | null = 200;
  /** Items the primary has that the standby lacks, found by the comparison. */
  missingItems = 0;
  /** The comparison table's stand-in. */
  readonly comparisons = new InMemoryComparisonStore();
  /** Single-writer stores' writer region. */
  readonly writers = new Map<string, string>();
  readonly effects = {
    siteStateSets: [] as string[],
    shifts: [] as Shift[],
    promotions: [] as Array<{ store: string; to: string; planned: boolean; action: PromotionResult['action'] }>,
    /** Each moment two reachable regions were ACTIVE at once (must stay empty). */
    writerViolations: [] as string[],
    /** Every change in order: `site:<region>=<value>`, `promote:<store>:<action>`, `shift:<to>`. */
    timeline: [] as string[],
  };
  readonly outbox: Message[] = [];
  readonly approvals = new InMemoryApprovalStore();
  readonly challenges = new InMemoryApproverChallenges();
  readonly audit = new InMemoryAuditLog();
  readonly idempotency = new InMemoryIdempotencyStore();
  readonly scaler = new LocalStandbyScaler();
  readonly changes = new EventEmitter();

  constructor(readonly config: DrConfig) {
    this.primary = config.regions.primary.name;
    this.standby = config.regions.standby.name;
    this.prefix = alarmNamePrefix(config.application);
    this.sites = { [this.primary]: 'ACTIVE', [this.standby]: 'PASSIVE' };
    this.weights = { [this.primary]: 100, [this.standby]: 0 };
    for (const name of this.alarmNames()) this.alarms.set(name, 'OK');
    for (const s of config.dataStores) if (s.kind === 'aurora-global') this.writers.set(s.name, this.primary);
    this.changes.setMaxListeners(0);
  }

  changed(): void {
    this.changes.emit('change');
  }

  alarmName(source: 'canary' | 'route53-health-check', vantage: string, target: string): string {
    return `${this.prefix}${source}--${vantage}--${target}`;
  }

  /** Every signal alarm: each region's canary on both regions and the global name, Route 53 on both regions. */
  alarmNames(): string[] {
    const regions = [this.primary, this.standby];
    return [
      ...regions.flatMap((v) => [...regions, 'global'].map((t) => this.alarmName('canary', v, t))),
      ...regions.map((t) => this.alarmName('route53-health-check', 'global', t)),
    ];
  }

  /** Regions whose writers accept writes: ACTIVE and reachable. */
  writerRegions(): string[] {
    return Object.keys(this.sites).filter((r) => this.sites[r] === 'ACTIVE' && !this.dark.has(r));
  }

  serving(): string | null {
    const on = Object.entries(this.weights).filter(([, w]) => w > 0);
    return on.length === 1 ? on[0][0] : null;
  }

  /** As CloudWatchHealthSignals derives signals from DescribeAlarms. */
  signalsFor(regions: readonly string[]): Signal[] {
    const observedAt = new Date(this.clock.now()).toISOString();
    const out: Signal[] = [];
    for (const [name, st] of this.alarms) {
      const [source, vantage, target] = name.slice(this.prefix.length).split('--') as ['canary' | 'route53-health-check', string, string];
      if (!regions.includes(target)) continue;
      const state = st === 'OK' ? 'ok' : st === 'ALARM' ? 'alarm' : 'no-data';
      const id = source === 'canary' ? `canary:${vantage}->${target}` : `route53:${target}`;
      out.push({ id, source, vantage, target, healthy: state === 'ok', state, detail: `alarm ${name} ${st}`, observedAt });
    }
    return out;
  }

  readonly signals: HealthSignals = {
    read: (regions) => this.faults.run('signals.read', () => this.signalsFor(regions)),
    probeGlobal: (attempts) =>
      this.faults.run('signals.probeGlobal', () => {
        const region = this.serving();
        const ok = region !== null && !this.appDown.has(region) && !this.dark.has(region);
        return Array.from({ length: attempts }, () => ({ ok, servedBy: ok ? region : null, detail: ok ? 'HTTP 200' : 'connection refused' }));
      }),
  };

  /** What the alarm trigger reads: its own region's alarms (a separate schedule from the health-checker's). */
  readonly triggerSignals: HealthSignals = {
    read: (regions) => this.faults.run('trigger.signals', () => this.signalsFor(regions)),
    probeGlobal: () => Promise.reject(new Error('the alarm trigger never probes')),
  };

  private unreachable(region: string): never {
    throw new TransientError(`SSM in ${region}: connect ECONNREFUSED (region unreachable)`);
  }

  readonly siteState: SiteState = {
    get: (region) =>
      this.faults.run('siteState.get', () => {
        if (this.dark.has(region)) this.unreachable(region);
        return this.sites[region];
      }),
    set: (region, value) =>
      this.faults.run('siteState.set', () => {
        if (this.dark.has(region)) this.unreachable(region);
        this.sites[region] = value;
        this.effects.siteStateSets.push(`${region}=${value}`);
        this.effects.timeline.push(`site:${region}=${value}`);
        const writers = this.writerRegions();
        if (writers.length > 1) this.effects.writerViolations.push(`after ${region}=${value}: ${writers.join(' and ')} both accept writes`);
        this.changed();
      }),
  };

  /** The trigger reads its own region's flag without going through the fault schedule of the failover steps. */
  readonly ownSiteState: SiteState = {
    get: async (region) => this.sites[region],
    set: async () => {
      throw new Error('the alarm trigger never changes a site state');
    },
  };

  readonly traffic: TrafficControl = {
    strategy: 'fake-routing-switch',
    describe: () => this.faults.run('traffic.describe', () => ({ weights: { ...this.weights } })),
    shiftTo: (to, from) =>
      this.faults.run('traffic.shiftTo', (): TrafficShift => {
        const before = { weights: { ...this.weights } };
        this.weights = { [to]: 100, [from]: 0 };
        this.effects.shifts.push({ to, from, at: this.clock.now() });
        this.effects.timeline.push(`shift:${to}`);
        this.changed();
        return { before, after: { weights: { ...this.weights } }, via: 'fake routing switch' };
      }),
  };

  readonly dataStores: DataStores = {
    replicationLagMs: () => this.faults.run('data.lag', () => this.lagMs),
    promote: (store, to, opts) =>
      this.faults.run('data.promote', (): PromotionResult => {
        if (store.kind !== 'aurora-global') {
          this.effects.promotions.push({ store: store.name, to, planned: opts.planned, action: 'none' });
          return { store: store.name, kind: store.kind, action: 'none', detail: `${store.name} is multi-writer` };
        }
        if (this.writers.get(store.name) === to) return { store: store.name, kind: store.kind, action: 'none', detail: `${to} already writes ${store.name}` };
        this.writers.set(store.name, to);
        const action = opts.planned ? 'switchover' : 'failover';
        this.effects.promotions.push({ store: store.name, to, planned: opts.planned, action });
        this.effects.timeline.push(`promote:${store.name}:${action}`);
        return { store: store.name, kind: store.kind, action, detail: `${store.name}: ${action} to ${to}` };
      }),
    newestHeartbeat: (store, _origin, readIn) =>
      this.faults.run('data.heartbeat', (): HeartbeatReading => {
        if (this.dark.has(readIn)) return { writtenAt: null, readable: false, detail: `${readIn} unreachable` };
        if (this.lagMs === null) return { writtenAt: null, readable: true, detail: `no heartbeat in ${store.name}` };
        return { writtenAt: this.clock.now() - this.lagMs, readable: true, detail: `heartbeat of ${store.name}` };
      }),
    comparisonLayout: async (store) => (store.kind === 'aurora-global' ? null : { splittable: store.kind === 'dynamodb-global-table', sizeBytes: 100_000, detail: `${store.name}: 100 items` }),
    scanSegment: (store, region) =>
      this.faults.run('data.compare', (): SegmentPage => {
        if (this.dark.has(region)) throw new TransientError(`${store.name} in ${region}: connect ECONNREFUSED (region unreachable)`);
        const common = Array.from({ length: 100 }, (_, i) => [`item-${i}`, i] as const);
        const extra = region === this.primary ? Array.from({ length: this.missingItems }, (_, i) => [`order-${i}`, 1_000 + i] as const) : [];
        return { items: [...common, ...extra], cursor: null, readUnits: 13 };
      }),
  };

  readonly notifier: Notifier = {
    publish: async (m) => {
      const send = () => {
        this.outbox.push(m);
        this.changed();
      };
      if (m.topic === 'approval') await this.faults.run('notifier.approval', send);
      else send();
    },
  };
}

// --- the control plane ---------------------------------------------------------------------------

/** A broker that knows which tokens are still waited on, so a test can play the approval timeout itself. */
export class RecordingBroker extends TaskTokenBroker {
  readonly open = new Map<string, (err: Error) => void>();
  readonly answered: Array<{ token: string; kind: 'success' | 'failure'; output?: unknown; error?: string }> = [];

  constructor(private readonly onChange: () => void) {
    super();
  }

  override issue() {
    const ticket = super.issue();
    const cancel = (err: Error) => {
      this.open.delete(ticket.token);
      ticket.cancel(err);
      this.onChange();
    };
    this.open.set(ticket.token, cancel);
    return { ...ticket, cancel };
  }

  override async sendSuccess(taskToken: string, output: unknown): Promise<void> {
    await super.sendSuccess(taskToken, output);
    this.open.delete(taskToken);
    this.answered.push({ token: taskToken, kind: 'success', output });
    this.onChange();
  }

  override async sendFailure(taskToken: string, error: string, cause: string): Promise<void> {
    await super.sendFailure(taskToken, error, cause);
    this.open.delete(taskToken);
    this.answered.push({ token: taskToken, kind: 'failure', error });
    this.onChange();
  }

  /** What the engine's own timer does when TimeoutSecondsPath runs out. */
  timeOut(taskToken: string): void {
    this.open.get(taskToken)?.(new TaskError('States.Timeout', 'RequestApproval got no answer before TimeoutSecondsPath ran out'));
  }
}

export type FunctionName = 'health-checker' | 'traffic-router' | 'failover-orchestrator' | 'data-consistency-validator' | 'approval-request';
export const FUNCTIONS: readonly FunctionName[] = ['health-checker', 'traffic-router', 'failover-orchestrator', 'data-consistency-validator', 'approval-request'];

export interface HarnessOptions {
  /**
   * `manual`: the approval wait never runs out by itself; `timeOutApproval` plays the timeout (property
   * tests: no race between a click and a timer). `virtual`: TimeoutSecondsPath runs on the virtual clock.
   * Either way every Retry interval and Wait is virtual time: call `useVirtualTime()` in the test file.
   * @default 'manual'
   */
  readonly approvalTimer?: 'manual' | 'virtual';
  /** Error names the n-th invocation of a function fails with before running (Lambda throttling); 'ok' runs it. */
  readonly lambdaFaults?: Partial<Record<FunctionName, readonly string[]>>;
  /** An engine shared with earlier harnesses (whose executions must all have ended). @default a new one */
  readonly engine?: SharedEngine;
  /** Replaces ports of the world for every handler (a real AWS adapter over mocked clients, a wrapper over the world's own). */
  readonly ports?: PortOverrides | ((world: FakeWorld) => PortOverrides);
}

/**
 * The two definitions on the local engine, with their integrations bound late: `bind` points them at one
 * harness's handlers, outboxes and broker. Only for harnesses used one after another (property cases).
 */
export class SharedEngine {
  readonly failover: LocalStateMachine;
  readonly failback: LocalStateMachine;
  private bound?: { broker: TaskTokenBroker; lambdas: Record<string, LocalLambda>; snsPublish: (input: SnsPublishInput) => Promise<void> };

  constructor(app: string, options: Pick<HarnessOptions, 'approvalTimer'> = {}) {
    const substitutions = localSubstitutions(app);
    const current = () => {
      if (!this.bound) throw new Error('SharedEngine used before bind()');
      return this.bound;
    };
    const lambdas = Object.fromEntries(FUNCTIONS.map((f) => [localFunctionArn(app, f), (payload: unknown) => current().lambdas[localFunctionArn(app, f)](payload)]));
    const snsPublish = (input: SnsPublishInput) => current().snsPublish(input);
    const broker = new (class extends TaskTokenBroker {
      override issue() {
        return current().broker.issue();
      }
    })();
    const runtime = { broker, callerTimedCallbackStates: (options.approvalTimer ?? 'manual') === 'manual' ? ['RequestApproval'] : [] };
    this.failover = new LocalStateMachine(readFileSync(FAILOVER_ASL, 'utf8'), substitutions, { lambdas, snsPublish }, runtime);
    this.failback = new LocalStateMachine(readFileSync(FAILBACK_ASL, 'utf8'), substitutions, { lambdas, snsPublish }, runtime);
  }

  bind(broker: TaskTokenBroker, lambdas: Record<string, LocalLambda>, snsPublish: (input: SnsPublishInput) => Promise<void>): void {
    this.bound = { broker, lambdas, snsPublish };
    // Each case is a world of its own: names used by an earlier case are not taken in this one.
    this.failover.forgetExecutions();
    this.failback.forgetExecutions();
  }
}

export type PortOverrides = { readonly traffic?: TrafficControl; readonly dataStores?: DataStores; readonly siteState?: SiteState };

export const SIGNING_KEY = Buffer.from('failure-mode-tests-signing-key-32b!');
export const APPROVAL_BASE_URL = 'https://approvals.example.test/prod';

export type ApprovalHttpKind = 'scanner-get' | 'scanner-head' | 'auto-post' | 'forged' | 'approve' | 'approve-no-loss-ack' | 'reject' | 'replay' | 'late' | 'code-request' | 'other';

export interface ApprovalHttpCall {
  readonly kind: ApprovalHttpKind;
  readonly approvalId: string;
  readonly method: string;
  readonly status: number;
  readonly body: string;
}

export function apiEvent(method: string, url: string, body?: string): APIGatewayProxyEvent {
  const u = new URL(url);
  const path = u.pathname.replace(/^\/prod/, '');
  const query = Object.fromEntries(u.searchParams);
  return {
    httpMethod: method,
    path,
    resource: '/approvals/{approvalId}',
    pathParameters: { approvalId: path.split('/')[2] ?? '' },
    queryStringParameters: Object.keys(query).length ? query : null,
    multiValueQueryStringParameters: null,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    multiValueHeaders: {},
    body: body ?? null,
    isBase64Encoded: false,
    stageVariables: null,
    requestContext: { stage: 'prod', httpMethod: method, path: u.pathname } as APIGatewayProxyEvent['requestContext'],
  };
}

export const csrfOf = (page: string) => /name="csrf" value="([^"]+)"/.exec(page)?.[1];

export class Harness {
  readonly world: FakeWorld;
  readonly broker: RecordingBroker;
  readonly failover: LocalStateMachine;
  readonly failback: LocalStateMachine;
  readonly executions: LocalExecution[] = [];
  readonly results = new Map<LocalExecution, ExecutionResult>();
  /** What the state machines published through sns:publish, with the execution that was running. */
  readonly smAlerts: Array<SnsPublishInput & { topic: Topic }> = [];
  readonly starters: Record<string, LocalFailoverStarter>;
  readonly deliveries: Array<{ region: string; eventId: string; result?: TriggerResult; error?: string }> = [];
  readonly http: ApprovalHttpCall[] = [];
  readonly invocations = new Map<FunctionName, number>();
  private readonly triggers: Record<string, (event: unknown) => Promise<TriggerResult>>;
  private readonly callback: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
  private eventSeq = 0;

  constructor(
    readonly config: DrConfig,
    readonly options: HarnessOptions = {},
  ) {
    const world = (this.world = new FakeWorld(config));
    const changed = () => world.changed();
    this.broker = new RecordingBroker(changed);
    const logger = (name: string) => createLogger(name, 'SILENT');
    const common = { config, audit: world.audit, clock: world.clock };
    const overrides = typeof options.ports === 'function' ? options.ports(world) : options.ports;
    const ports = { traffic: world.traffic, dataStores: world.dataStores, siteState: world.siteState, ...overrides };
    const handlers: Record<FunctionName, (e: unknown, c: ReturnType<typeof fakeLambdaContext>) => Promise<unknown>> = {
      'health-checker': healthChecker({ ...common, signals: world.signals, logger: logger('health-checker') }),
      'traffic-router': trafficRouter({ ...common, traffic: ports.traffic, idempotency: { persistenceStore: world.idempotency }, logger: logger('traffic-router') }),
      'failover-orchestrator': failoverOrchestrator({
        ...common,
        siteState: ports.siteState,
        dataStores: ports.dataStores,
        scaler: world.scaler,
        idempotency: { persistenceStore: world.idempotency },
        logger: logger('failover-orchestrator'),
      }),
      'data-consistency-validator': dataConsistencyValidator({ ...common, dataStores: ports.dataStores, work: world.comparisons, sleep: async () => undefined, logger: logger('data-consistency-validator') }),
      'approval-request': approvalRequest({
        ...common,
        approvals: world.approvals,
        challenges: world.challenges,
        notifier: world.notifier,
        approvalBaseUrl: APPROVAL_BASE_URL,
        signingKey: async () => SIGNING_KEY,
        logger: logger('approval-request'),
      }),
    };
    const app = config.application;
    const lambdas: Record<string, LocalLambda> = {};
    for (const name of FUNCTIONS) {
      lambdas[localFunctionArn(app, name)] = async (payload) => {
        const n = (this.invocations.get(name) ?? 0) + 1;
        this.invocations.set(name, n);
        const fault = options.lambdaFaults?.[name]?.[n - 1];
        if (fault && fault !== 'ok') throw Object.assign(new Error(`Rate exceeded (injected, invocation ${n} of ${name})`), { name: fault });
        return handlers[name](payload, fakeLambdaContext(name));
      };
    }
    const topics: Record<string, Topic> = { [localTopicArn(app, 'alert')]: 'alert', [localTopicArn(app, 'escalation')]: 'escalation' };
    const snsPublish = async (input: SnsPublishInput) => {
      const topic = topics[input.TopicArn];
      if (!topic) throw new Error(`sns:publish to unknown topic ${input.TopicArn}`);
      this.smAlerts.push({ ...input, topic });
      changed();
    };
    if (options.engine) {
      // Sequential cases share one engine: building (validating) a definition costs more than running one.
      options.engine.bind(this.broker, lambdas, snsPublish);
      this.failover = options.engine.failover;
      this.failback = options.engine.failback;
    } else {
      const engine = new SharedEngine(app, options);
      engine.bind(this.broker, lambdas, snsPublish);
      this.failover = engine.failover;
      this.failback = engine.failback;
    }

    const prefix = alarmNamePrefix(app);
    this.starters = {};
    this.triggers = {};
    for (const region of [world.primary, world.standby]) {
      // Each region's copy: its own lock table and its own state machine (here, its own starter).
      this.starters[region] = new LocalFailoverStarter(region, (input, name) => this.start(input, name), () => undefined);
      const handler = alarmTrigger({
        config,
        region,
        alarmNamePrefix: prefix,
        signals: world.triggerSignals,
        lock: new InMemoryIncidentLock(),
        starter: this.starters[region],
        notifier: world.notifier,
        siteState: world.ownSiteState,
        audit: world.audit,
        clock: world.clock,
        logger: logger('alarm-trigger'),
      });
      this.triggers[region] = (event) => handler(event, fakeLambdaContext('alarm-trigger'));
    }
    this.callback = approvalCallback({
      ...common,
      approvals: world.approvals,
      callbacks: this.broker,
      signingKey: async () => SIGNING_KEY,
      challenges: world.challenges,
      notifier: world.notifier,
      // What DescribeExecution and GetExecutionHistory would say: this harness's own executions.
      tasks: new LocalApprovalTaskReader((id) => {
        const ex = this.executions.find((e) => e.id === id);
        return ex && { events: ex.events, status: this.results.get(ex)?.status ?? 'RUNNING' };
      }),
      approverRoleNames: [localApproverRoleName(config.application, world.standby)],
      logger: logger('approval-callback'),
    }) as unknown as (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
  }

  /** StartExecution on this region's (local) failover or failback state machine. */
  start(input: unknown, name: string, machine: 'failover' | 'failback' = 'failover'): LocalExecution {
    const sm = machine === 'failover' ? this.failover : this.failback;
    const ex = sm.start(input, name, machine);
    this.executions.push(ex);
    ex.onEvent(() => this.world.changed());
    // Every attempt (the first run, then each redrive) ends on its own; one that stops unsuccessfully is reported as
    // EventBridge's status-change rule reports it in AWS, before the test sees the result.
    ex.onAttempt((attempt) => {
      this.results.delete(ex);
      void attempt.then(async (r) => {
        if (r.status !== 'SUCCEEDED') {
          const event = { source: 'aws.states', 'detail-type': 'Step Functions Execution Status Change', detail: { executionArn: ex.id, name: ex.name, status: r.status } };
          const reporter = failureReporter({
            config: this.config,
            reader: localFailureReader((arn) => (arn === ex.id ? { ex, topLevel: sm.topLevelStates } : undefined)),
            notifier: this.world.notifier,
            audit: this.world.audit,
            clock: this.world.clock,
            logger: createLogger('failure-reporter', 'SILENT'),
          });
          this.failureReports.set(ex, (await reporter(event, fakeLambdaContext('failure-reporter'))) as FailureReport);
        }
        this.results.set(ex, r);
        this.world.changed();
      });
    });
    return ex;
  }

  /** What the failure reporter said of each execution's last unsuccessful attempt. */
  readonly failureReports = new Map<LocalExecution, FailureReport>();

  // --- detection ---------------------------------------------------------------------------------

  alarmEvent(alarmName: string, state: AlarmStateValue, region: string, opts: { at?: number; id?: string } = {}): AlarmStateChange {
    const at = opts.at ?? this.world.clock.now();
    return {
      id: opts.id ?? `evt-${++this.eventSeq}`,
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      time: new Date(at).toISOString(),
      region,
      detail: { alarmName, state: { value: state, reason: 'test', timestamp: new Date(at).toISOString() } },
    };
  }

  /** One delivery of an alarm event to a region's copy of the alarm trigger (nothing reaches a dark region). */
  async deliver(region: string, event: unknown): Promise<TriggerResult | undefined> {
    if (this.world.dark.has(region)) return undefined;
    const eventId = String((event as { id?: unknown } | null)?.id);
    try {
      const result = await this.triggers[region](event);
      this.deliveries.push({ region, eventId, result });
      return result;
    } catch (err) {
      this.deliveries.push({ region, eventId, error: `${(err as Error).name}: ${(err as Error).message}` });
      return undefined;
    } finally {
      this.world.changed();
    }
  }

  /** Sets an alarm's state and delivers the state-change event `copies` times to each of `regions`' triggers, all at once. */
  async alarm(alarmName: string, state: AlarmStateValue, regions: readonly string[], copies = 1): Promise<AlarmStateChange[]> {
    this.world.alarms.set(alarmName, state);
    const events = regions.map((r) => this.alarmEvent(alarmName, state, r));
    await Promise.all(events.flatMap((e) => Array.from({ length: copies }, () => this.deliver(e.region, e))));
    return events;
  }

  // --- waiting -----------------------------------------------------------------------------------

  /** Resolves once `cond` holds, re-checked on every change in the world, the engine or the broker. */
  waitFor(cond: () => boolean): Promise<void> {
    if (cond()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (!cond()) return;
        this.world.changes.off('change', check);
        resolve();
      };
      this.world.changes.on('change', check);
    });
  }

  done(ex: LocalExecution): boolean {
    return this.results.has(ex);
  }

  /**
   * The approval this execution waits on: its token still open and its email sent. The record may say
   * EXPIRED already (the link ran out first): Step Functions still waits until its own timeout.
   */
  waitingApproval(ex: LocalExecution): ApprovalRecord | undefined {
    for (const r of this.world.approvals.records.values()) {
      if (r.executionId !== ex.id || !this.broker.open.has(r.taskToken)) continue;
      if (this.linkOf(r.approvalId)) return r;
    }
    return undefined;
  }

  /** Every execution finished or waiting for a human: nothing more happens until the test acts. */
  quiesce(): Promise<void> {
    return this.waitFor(() => this.executions.every((ex) => this.done(ex) || this.waitingApproval(ex) !== undefined));
  }

  /** The execution's end; an execution stuck waiting for a human fails the test at once instead of hanging it. */
  async result(ex: LocalExecution): Promise<ExecutionResult> {
    await this.waitFor(() => this.done(ex) || this.waitingApproval(ex) !== undefined);
    if (!this.done(ex)) throw new Error(`${ex.name} is waiting for an approval nobody was asked to give`);
    return this.results.get(ex)!;
  }

  /** Waits for every execution to end, timing out approvals nobody answered (the fail-safe path). */
  async settle(): Promise<void> {
    for (;;) {
      await this.quiesce();
      if (this.executions.every((ex) => this.done(ex))) return;
      // Possibly none: a request whose email went out may still be failing (its ticket then closes), so look again.
      const waiting = this.executions.map((ex) => (this.done(ex) ? undefined : this.waitingApproval(ex))).filter((r): r is ApprovalRecord => r !== undefined);
      for (const r of waiting) this.timeOutApproval(r);
    }
  }

  /** Ends whatever still runs: a test that failed early must not leave executions behind. */
  dispose(): void {
    for (const cancel of [...this.broker.open.values()]) cancel(new TaskError('States.Aborted', 'test finished'));
    for (const ex of this.executions) if (!this.done(ex)) ex.stop();
  }

  // --- the approver --------------------------------------------------------------------------------

  linkOf(approvalId: string): string | undefined {
    const mail = this.world.outbox.find((m) => m.topic === 'approval' && m.attributes?.approvalId === approvalId);
    return mail?.body.split('\n').find((l) => l.startsWith(`${APPROVAL_BASE_URL}/approvals/`));
  }

  async request(kind: ApprovalHttpKind, approvalId: string, method: string, url: string, form?: Record<string, string>): Promise<ApprovalHttpCall> {
    const res = await this.callback(apiEvent(method, url, form ? new URLSearchParams(form).toString() : undefined));
    const call = { kind, approvalId, method, status: res.statusCode, body: res.body };
    this.http.push(call);
    this.world.changed();
    return call;
  }

  /**
   * Opens the emailed link and decides as a listed approver does: asks for a code, reads it in their mailbox (the
   * outbox), and submits the decision form with it.
   */
  async decide(record: ApprovalRecord, decision: 'approve' | 'reject', opts: { acceptDataLoss?: boolean; kind?: ApprovalHttpKind } = {}): Promise<ApprovalHttpCall> {
    const url = this.linkOf(record.approvalId)!;
    const page = await this.request('other', record.approvalId, 'GET', url);
    const csrf = csrfOf(page.body) ?? '';
    const asked = await this.request('code-request', record.approvalId, 'POST', url, { csrf, step: 'code', approver: APPROVER });
    const challenge = /name="challenge" value="([^"]+)"/.exec(asked.body)?.[1] ?? '';
    const mail = this.world.outbox.findLast((m) => m.topic === 'approver-code' && m.attributes?.challengeId === challenge);
    const code = mail ? (/code: (\d{4} \d{4})/.exec(mail.body)?.[1] ?? '') : '';
    const form: Record<string, string> = { csrf, step: 'decide', challenge, code, decision, reason: decision === 'reject' ? 'not now: the primary is recovering' : '' };
    if (opts.acceptDataLoss ?? true) form.acceptDataLoss = 'yes';
    const kind = opts.kind ?? (decision === 'reject' ? 'reject' : opts.acceptDataLoss === false ? 'approve-no-loss-ack' : 'approve');
    const call = await this.request(kind, record.approvalId, 'POST', url, form);
    this.lastForm = { url, form, approvalId: record.approvalId };
    return call;
  }

  lastForm?: { url: string; form: Record<string, string>; approvalId: string };

  /** `drctl approve|reject` as API Gateway hands it over: POST /decisions with the SigV4 caller's ARN. */
  async decideAsIam(ex: LocalExecution, decision: 'approve' | 'reject', principalArn: string, extra: Record<string, unknown> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
    const event = apiEvent('POST', `${APPROVAL_BASE_URL}/decisions`, JSON.stringify({ execution: ex.id, decision, ...extra }));
    const signed = { ...event, resource: '/decisions', pathParameters: null, requestContext: { ...event.requestContext, accountId: LOCAL_ACCOUNT, identity: { userArn: principalArn } } } as unknown as APIGatewayProxyEvent;
    const res = await this.callback(signed);
    this.world.changed();
    return { status: res.statusCode, body: JSON.parse(res.body) as Record<string, unknown> };
  }

  /** Step Functions stopped waiting; the link's expiry passes with it. */
  timeOutApproval(record: ApprovalRecord): void {
    this.broker.timeOut(record.taskToken);
    this.world.clock.t = Math.max(this.world.clock.t, record.expiresAt);
  }

  // --- reading the results ---------------------------------------------------------------------------

  entered(ex: LocalExecution, state: string): boolean {
    return ex.events.some((e) => e.stateName === state && e.type.endsWith('StateEntered'));
  }
}

/** The execution input the alarm trigger (or an operator) sends. */
export function failoverInput(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    incidentId: 'inc-fm',
    direction: 'failover',
    fromRegion: PRIMARY,
    toRegion: STANDBY,
    trigger: { source: 'alarm', at: new Date(T0).toISOString() },
    ...over,
  };
}

/** Alarm states that make a quorum on the primary with a healthy standby. */
export function primaryImpaired(world: FakeWorld): void {
  world.alarms.set(world.alarmName('canary', world.standby, world.primary), 'ALARM');
  world.alarms.set(world.alarmName('canary', world.primary, world.primary), 'ALARM');
  world.alarms.set(world.alarmName('route53-health-check', 'global', world.primary), 'ALARM');
}

export { outcomeOf } from '../../local/drill';
