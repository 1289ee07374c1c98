import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { DrConfig } from '../../../config/schema';
import type { AlarmStateChange, TriggerResult } from '../../../functions/alarm-trigger/alarm-trigger';
import { createHandler as alarmTrigger } from '../../../functions/alarm-trigger/handler';
import { createHandler as approvalCallback } from '../../../functions/approval-callback/handler';
import { createHandler as approvalRequest } from '../../../functions/approval-request/handler';
import { createHandler as dataConsistencyValidator } from '../../../functions/data-consistency-validator/handler';
import { createHandler as failoverOrchestrator } from '../../../functions/failover-orchestrator/handler';
import type { FailureReport } from '../../../functions/failure-reporter/failure-reporter';
import { createHandler as failureReporter } from '../../../functions/failure-reporter/handler';
import { createHandler as healthChecker } from '../../../functions/health-checker/handler';
import { createLogger } from '../../../functions/shared/middleware';
import type {
  AlarmStateValue,
  ApprovalRecord,
  DataStorePromotion,
  DataStores,
  ReplicaItems,
  ReplicationLagEvidence,
  SiteState,
  Topic,
  TrafficControl,
} from '../../../functions/shared/ports';
import { createHandler as trafficRouter } from '../../../functions/traffic-router/handler';
import { alarmNamePrefix, approverRoleName } from '../../../config/resource-names';
import { STEPS } from '../../../config/steps';
import { LOCAL_ACCOUNT } from '../../../local/approver';
import { LocalApprovalTaskReader } from '../../../local/approver-state';
import { localFunctionArn, localTopicArn } from '../../../local/control-plane';
import { InMemoryIncidentLock, LocalFailoverStarter } from '../../../local/detection/adapters';
import { localFailureReader } from '../../../local/runtime/failure-context';
import type { ExecutionResult, LocalExecution, LocalLambda, LocalStateMachine, SnsPublishInput } from '../../../local/runtime/local-state-machine';
import { TaskError } from '../../../local/runtime/task-token-broker';
import { fakeLambdaContext } from '../../../local/world/approval-server';
import { apiEvent, csrfOf } from '../http';
import { PRIMARY, STANDBY, APPROVER } from '../repo-config';
import { T0 } from '../virtual-time';
import { RecordingBroker, SharedEngine } from './engine';
import { FakeWorld } from './fake-world';
import { FUNCTIONS, type FunctionName } from './functions';

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
 * `dataStores` replaces the world's data stores for both functions that use them; `promotion` (the orchestrator's) and
 * `replicaReadings` (the validator's) replace one side only, as each function's composition root wires its own adapter.
 */
export type PortOverrides = {
  readonly traffic?: TrafficControl;
  readonly dataStores?: DataStores;
  readonly promotion?: DataStorePromotion;
  readonly replicaReadings?: ReplicationLagEvidence & ReplicaItems;
  readonly siteState?: SiteState;
};

export const SIGNING_KEY = Buffer.from('failure-mode-tests-signing-key-32b!');
export const APPROVAL_BASE_URL = 'https://approvals.example.test/prod';

export type ApprovalHttpKind =
  | 'scanner-get'
  | 'scanner-head'
  | 'auto-post'
  | 'forged'
  | 'approve'
  | 'approve-no-loss-ack'
  | 'reject'
  | 'replay'
  | 'late'
  | 'code-request'
  | 'other';

export interface ApprovalHttpCall {
  readonly kind: ApprovalHttpKind;
  readonly approvalId: string;
  readonly method: string;
  readonly status: number;
  readonly body: string;
}

/**
 * The failover and failback definitions on the local engine, wired to the real handler factories and to
 * in-memory ports that count every side effect and can fail on a schedule. No HTTP servers: a whole
 * execution costs milliseconds, which is what the property tests need.
 */
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
    const world = new FakeWorld(config);
    this.world = world;
    const changed = () => world.changed();
    this.broker = new RecordingBroker(changed);
    const logger = (name: string) => createLogger(name, 'SILENT');
    const common = { config, audit: world.audit, clock: world.clock };
    const overrides = typeof options.ports === 'function' ? options.ports(world) : options.ports;
    const ports = { traffic: world.traffic, dataStores: world.dataStores, siteState: world.siteState, ...overrides };
    const handlers: Record<FunctionName, (e: unknown, c: ReturnType<typeof fakeLambdaContext>) => Promise<unknown>> = {
      'health-checker': healthChecker({ ...common, signals: world.signals, logger: logger('health-checker') }),
      'traffic-router': trafficRouter({
        ...common,
        traffic: ports.traffic,
        idempotency: { persistenceStore: world.idempotency },
        logger: logger('traffic-router'),
      }),
      'failover-orchestrator': failoverOrchestrator({
        ...common,
        siteState: ports.siteState,
        dataStores: ports.promotion ?? ports.dataStores,
        scaler: world.scaler,
        idempotency: { persistenceStore: world.idempotency },
        logger: logger('failover-orchestrator'),
      }),
      'data-consistency-validator': dataConsistencyValidator({
        ...common,
        dataStores: ports.replicaReadings ?? ports.dataStores,
        work: world.comparisons,
        sleep: async () => undefined,
        logger: logger('data-consistency-validator'),
      }),
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
      this.starters[region] = new LocalFailoverStarter(
        region,
        (input, name) => this.start(input, name),
        () => undefined,
      );
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
      approverRoleNames: [approverRoleName(config.application, world.standby)],
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
          const event = {
            source: 'aws.states',
            'detail-type': 'Step Functions Execution Status Change',
            detail: { executionArn: ex.id, name: ex.name, status: r.status },
          };
          const reporter = failureReporter({
            config: this.config,
            reader: localFailureReader((arn) => (arn === ex.id ? { ex, topLevel: sm.topLevelStates } : undefined)),
            notifier: this.world.notifier,
            audit: this.world.audit,
            clock: this.world.clock,
            logger: createLogger(STEPS.failureReporter.logService, 'SILENT'),
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
  async decide(
    record: ApprovalRecord,
    decision: 'approve' | 'reject',
    opts: { acceptDataLoss?: boolean; kind?: ApprovalHttpKind } = {},
  ): Promise<ApprovalHttpCall> {
    const url = this.linkOf(record.approvalId)!;
    const page = await this.request('other', record.approvalId, 'GET', url);
    const csrf = csrfOf(page.body) ?? '';
    const asked = await this.request('code-request', record.approvalId, 'POST', url, { csrf, step: 'code', approver: APPROVER });
    const challenge = /name="challenge" value="([^"]+)"/.exec(asked.body)?.[1] ?? '';
    const mail = this.world.outbox.findLast((m) => m.topic === 'approver-code' && m.attributes?.challengeId === challenge);
    const code = mail ? (/code: (\d{4} \d{4})/.exec(mail.body)?.[1] ?? '') : '';
    const form: Record<string, string> = {
      csrf,
      step: 'decide',
      challenge,
      code,
      decision,
      reason: decision === 'reject' ? 'not now: the primary is recovering' : '',
    };
    if (opts.acceptDataLoss ?? true) form.acceptDataLoss = 'yes';
    const kind = opts.kind ?? (decision === 'reject' ? 'reject' : opts.acceptDataLoss === false ? 'approve-no-loss-ack' : 'approve');
    const call = await this.request(kind, record.approvalId, 'POST', url, form);
    this.lastForm = { url, form, approvalId: record.approvalId };
    return call;
  }

  lastForm?: { url: string; form: Record<string, string>; approvalId: string };

  /** `drctl approve|reject` as API Gateway hands it over: POST /decisions with the SigV4 caller's ARN. */
  async decideAsIam(
    ex: LocalExecution,
    decision: 'approve' | 'reject',
    principalArn: string,
    extra: Record<string, unknown> = {},
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const event = apiEvent('POST', `${APPROVAL_BASE_URL}/decisions`, JSON.stringify({ execution: ex.id, decision, ...extra }));
    const signed = {
      ...event,
      resource: '/decisions',
      pathParameters: null,
      requestContext: { ...event.requestContext, accountId: LOCAL_ACCOUNT, identity: { userArn: principalArn } },
    } as unknown as APIGatewayProxyEvent;
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
