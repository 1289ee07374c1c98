import type { DrConfig } from '../config/schema';
import { createHandler as alarmTrigger } from '../functions/alarm-trigger/handler';
import type { AlarmStateChange, TriggerResult } from '../functions/alarm-trigger/alarm-trigger';
import { createLogger } from '../functions/shared/middleware';
import type { AlarmStateValue, Clock, FailoverStarter, HealthSignals, IncidentLock, IncidentLockHolder, Signal, SiteState, SiteStateValue } from '../functions/shared/ports';
import { alarmNamePrefix } from '../infra/naming';
import type { LocalExecution } from './runtime/local-state-machine';
import { fakeLambdaContext } from './world/approval-server';
import { httpCall } from './world/http';
import type { LocalWorld } from './world/world';

/**
 * The drill's detection, built like the deployed one: a canary per region (vantage) probing both regional
 * apps and the global router every scaled `probeIntervalSeconds`; CloudWatch-like alarms with the same
 * M-of-N rule and missing-data treatment as infra/constructs/detection.ts; "Alarm State Change" events
 * delivered to each live region's copy of the real alarm-trigger handler, which takes an in-memory incident
 * lock and starts the local state machine. Detection time is measured, not scripted.
 */

/** Rounds still probing at once; more would only pile up sockets against a hanging target. */
const MAX_ROUNDS_IN_FLIGHT = 16;

/** One alarm event handed to one region's trigger, and what the trigger made of it. */
export interface TriggerDelivery {
  readonly region: string;
  readonly eventId: string;
  readonly alarmName: string;
  readonly result?: TriggerResult;
  readonly error?: string;
}

/** The `global` target: the canaries' probe of the global name (the local router). */
export const GLOBAL_TARGET = 'global';

/** Faults that act on detection itself. Scenarios set them through `detectionFaults(world)`. */
export interface DetectionFaults {
  /** Whole regions gone dark: their canary publishes nothing and their copy of the control plane is down. */
  readonly darkRegions: Set<string>;
  /** Probe paths that fail although the target is fine, as `<vantage>-><target>`. */
  readonly brokenPaths: Set<string>;
  /** Copies of every alarm event each live region's trigger receives (EventBridge delivers at least once). */
  deliveries: number;
  /** Rounds after which every ALARM event is delivered once more (an EventBridge retry); 0 = never. */
  redeliverAfterRounds: number;
  /** Runs before each canary round: faults that follow the rounds (flapping). */
  onRound?: () => void;
}

const faultsByWorld = new WeakMap<LocalWorld, DetectionFaults>();

export function detectionFaults(world: LocalWorld): DetectionFaults {
  let f = faultsByWorld.get(world);
  if (!f) {
    f = { darkRegions: new Set(), brokenPaths: new Set(), deliveries: 1, redeliverAfterRounds: 0 };
    faultsByWorld.set(world, f);
  }
  return f;
}

type Datapoint = boolean | null;

export interface AlarmTransition {
  readonly alarmName: string;
  readonly signalId: string;
  readonly vantage: string;
  readonly target: string;
  readonly state: AlarmStateValue;
  readonly previous: AlarmStateValue;
  readonly reason: string;
  readonly round: number;
  readonly at: number;
}

interface AlarmDef {
  readonly name: string;
  readonly vantage: string;
  readonly target: string;
  /** What a round without a datapoint counts as, as CloudWatch's treatMissingData. */
  readonly missing: 'breaching' | 'missing';
}

/**
 * M-of-N over one datapoint per round, per (vantage, target), as the deployed alarms: a round without a
 * datapoint is breaching when the canary sits in the region it watches (its silence means that region is
 * dark) and missing otherwise; a window with nothing but missing rounds is INSUFFICIENT_DATA.
 */
export class AlarmEvaluator {
  readonly defs: AlarmDef[];
  private readonly windows = new Map<string, Datapoint[]>();
  private readonly states = new Map<string, AlarmStateValue>();

  constructor(
    private readonly detection: DrConfig['detection'],
    readonly prefix: string,
    regions: readonly string[],
  ) {
    this.defs = regions.flatMap((vantage) =>
      [...regions, GLOBAL_TARGET].map((target) => ({
        name: `${prefix}canary--${vantage}--${target}`,
        vantage,
        target,
        missing: vantage === target ? ('breaching' as const) : ('missing' as const),
      })),
    );
    for (const d of this.defs) this.states.set(d.name, 'INSUFFICIENT_DATA');
  }

  /** Closes one round: `failed` maps `<vantage>-><target>` to whether the probe failed; absent = no datapoint. */
  observe(failed: ReadonlyMap<string, boolean>, round: number, at: number): AlarmTransition[] {
    const out: AlarmTransition[] = [];
    for (const d of this.defs) {
      const point = failed.get(`${d.vantage}->${d.target}`);
      const w = this.windows.get(d.name) ?? [];
      w.push(point === undefined ? (d.missing === 'breaching' ? true : null) : point);
      while (w.length > this.detection.evaluationPeriods) w.shift();
      this.windows.set(d.name, w);
      const present = w.filter((p) => p !== null);
      const breaching = present.filter(Boolean).length;
      const next: AlarmStateValue = present.length === 0 ? 'INSUFFICIENT_DATA' : breaching >= this.detection.datapointsToAlarm ? 'ALARM' : 'OK';
      const previous = this.states.get(d.name)!;
      if (previous !== next) {
        this.states.set(d.name, next);
        const reason = `${breaching} of the last ${w.length} datapoints breaching (${this.detection.datapointsToAlarm} of ${this.detection.evaluationPeriods} needed)`;
        out.push({ alarmName: d.name, signalId: `canary:${d.vantage}->${d.target}`, vantage: d.vantage, target: d.target, state: next, previous, reason, round, at });
      }
    }
    return out;
  }

  state(alarmName: string): AlarmStateValue {
    return this.states.get(alarmName) ?? 'INSUFFICIENT_DATA';
  }

  /** Alarm states as the health signals the deployed adapter derives from DescribeAlarms. */
  signals(regions: readonly string[], observedAt: string): Signal[] {
    return this.defs
      .filter((d) => regions.includes(d.target))
      .map((d) => {
        const st = this.state(d.name);
        const state = st === 'OK' ? 'ok' : st === 'ALARM' ? 'alarm' : 'no-data';
        return { id: `canary:${d.vantage}->${d.target}`, source: 'canary' as const, vantage: d.vantage, target: d.target, healthy: state === 'ok', state, detail: `alarm ${d.name} ${st}`, observedAt };
      });
  }
}

/** The lock the DynamoDB adapter implements, in memory: one per region, as in AWS. */
export class InMemoryIncidentLock implements IncidentLock {
  private readonly items = new Map<string, IncidentLockHolder>();
  async acquire(key: string, holder: IncidentLockHolder, now: number): Promise<{ acquired: boolean; holder: IncidentLockHolder }> {
    const current = this.items.get(key);
    if (current && current.expiresAt > now) return { acquired: false, holder: current };
    this.items.set(key, holder);
    return { acquired: true, holder };
  }
}

/** StartExecution on the local engine: names are unique per state machine, as in Step Functions. */
export class LocalFailoverStarter implements FailoverStarter {
  readonly executions = new Map<string, LocalExecution>();
  constructor(
    readonly region: string,
    private readonly run: (input: unknown, name: string) => LocalExecution,
    private readonly onStarted: (execution: LocalExecution, region: string, input: unknown) => void,
  ) {}

  async start(name: string, input: unknown): Promise<{ executionId: string; started: boolean }> {
    const existing = this.executions.get(name);
    if (existing) return { executionId: existing.id, started: false };
    const execution = this.run(input, name);
    this.executions.set(name, execution);
    this.onStarted(execution, this.region, input);
    return { executionId: execution.id, started: true };
  }
}

/** A region's own SSM flag, readable while its application is down (only a dark region's is not). */
class OwnSiteStateReader implements SiteState {
  constructor(private readonly world: LocalWorld) {}
  async get(region: string): Promise<SiteStateValue> {
    if (detectionFaults(this.world).darkRegions.has(region)) throw new Error(`${region} is dark`);
    return this.world.apps[region].siteState;
  }
  async set(): Promise<void> {
    throw new Error('the alarm trigger never changes a site state');
  }
}

export interface LocalDetectionOptions {
  /** Starts an execution on the local engine (the drill's control plane). */
  readonly run: (input: unknown, name: string) => LocalExecution;
  readonly onExecutionStarted?: (execution: LocalExecution, region: string, input: unknown) => void;
  readonly onTransition?: (t: AlarmTransition) => void;
  readonly onTrigger?: (delivery: TriggerDelivery) => void;
  /** Per-drill changes to the execution input (dry run, approval mode): what an operator's drill adds. */
  readonly decorateInput?: (input: Record<string, unknown>) => Record<string, unknown>;
}

/**
 * Canaries + alarms + the two regions' alarm triggers. `signals` is what the local health-checker reads:
 * the same alarm states the triggers decided on, as the deployed health-checker reads DescribeAlarms.
 */
export class LocalDetection {
  readonly evaluator: AlarmEvaluator;
  readonly starters: Record<string, LocalFailoverStarter>;
  readonly transitions: AlarmTransition[] = [];
  readonly deliveries: TriggerDelivery[] = [];
  readonly signals: HealthSignals;
  /** AWS-time clock: event ages and cooldowns are judged in the deployed configuration's seconds. */
  readonly clock: Clock;
  /** Rounds evaluated so far. */
  round = 0;
  private launched = 0;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly completed = new Map<number, ReadonlyMap<string, boolean>>();
  private evaluating: Promise<void> = Promise.resolve();
  private seq = 0;
  private readonly triggers: Record<string, (event: unknown) => Promise<TriggerResult>>;
  private readonly pendingRedeliveries: Array<{ dueRound: number; event: AlarmStateChange; region: string }> = [];
  private readonly regions: string[];
  private readonly startedAt = Date.now();

  constructor(
    private readonly world: LocalWorld,
    private readonly opts: LocalDetectionOptions,
  ) {
    const { config } = world;
    this.regions = [world.primary, world.standby];
    const prefix = alarmNamePrefix(config.application);
    this.evaluator = new AlarmEvaluator(config.detection, prefix, this.regions);
    this.clock = { now: () => this.startedAt + (Date.now() - this.startedAt) * world.time.factor };
    const evaluator = this.evaluator;
    const clock = this.clock;
    this.signals = {
      read: async (regions) => evaluator.signals(regions, new Date(clock.now()).toISOString()),
      probeGlobal: (attempts) => world.signals.probeGlobal(attempts),
    };
    this.starters = Object.fromEntries(
      this.regions.map((r) => [
        r,
        new LocalFailoverStarter(r, (input, name) => opts.run(opts.decorateInput ? opts.decorateInput(input as Record<string, unknown>) : input, name), (ex, region, input) => opts.onExecutionStarted?.(ex, region, input)),
      ]),
    );
    const siteState = new OwnSiteStateReader(world);
    this.triggers = Object.fromEntries(
      this.regions.map((region) => {
        const handler = alarmTrigger({
          config,
          region,
          alarmNamePrefix: prefix,
          signals: this.signals,
          lock: new InMemoryIncidentLock(),
          starter: this.starters[region],
          notifier: world.notifier,
          siteState,
          audit: world.audit,
          clock,
          logger: createLogger('alarm-trigger', 'SILENT'),
        });
        return [region, (event: unknown) => handler(event, fakeLambdaContext('alarm-trigger'))];
      }),
    );
  }

  /** Executions actually started, over both regions' state machines. */
  get executions(): LocalExecution[] {
    return Object.values(this.starters).flatMap((s) => [...s.executions.values()]);
  }

  start(): void {
    const interval = this.world.time.ms(this.world.config.detection.probeIntervalSeconds);
    // Rounds start on the interval's grid even while earlier ones still wait for slow probes, as the
    // deployed canary's rounds do (its probe timeout is shorter than its interval; here the scaled timeout
    // has a floor). Their datapoints are evaluated strictly in round order.
    this.timer = setInterval(() => {
      if (this.stopped || this.inFlight.size >= MAX_ROUNDS_IN_FLIGHT) return;
      const probing = this.probeRound(++this.launched);
      this.inFlight.add(probing);
      void probing.finally(() => this.inFlight.delete(probing));
    }, interval);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.all([...this.inFlight]);
    await this.evaluating;
  }

  /** One canary round from every live vantage; its datapoints wait until the rounds before it are evaluated. */
  private async probeRound(round: number): Promise<void> {
    const faults = detectionFaults(this.world);
    faults.onRound?.();
    const probeTimeoutMs = Math.max(100, this.world.time.ms(this.world.config.detection.probeTimeoutMs / 1000));
    const live = this.regions.filter((v) => !faults.darkRegions.has(v));
    const targets = [...this.regions, GLOBAL_TARGET];
    const results = await Promise.all(
      live.flatMap((vantage) => targets.map(async (target) => [`${vantage}->${target}`, await this.probe(vantage, target, probeTimeoutMs)] as const)),
    );
    this.completed.set(round, new Map(results));
    this.evaluating = this.evaluating.then(() => this.evaluateReady());
    await this.evaluating;
  }

  private async evaluateReady(): Promise<void> {
    while (!this.stopped && this.completed.has(this.round + 1)) {
      const round = this.round + 1;
      const datapoints = this.completed.get(round)!;
      this.completed.delete(round);
      await this.evaluate(round, datapoints);
      this.round = round;
    }
  }

  /** One evaluation and the resulting events delivered, awaited: what a round caused is settled before the next. */
  private async evaluate(round: number, datapoints: ReadonlyMap<string, boolean>): Promise<void> {
    const faults = detectionFaults(this.world);
    const at = this.clock.now();
    const transitions = this.evaluator.observe(datapoints, round, at);
    const deliveries: Array<Promise<void>> = [];
    for (const t of transitions) {
      this.transitions.push(t);
      this.opts.onTransition?.(t);
      for (const region of this.regions.filter((r) => !faults.darkRegions.has(r))) {
        const event = this.event(t, region, at);
        for (let i = 0; i < Math.max(1, faults.deliveries); i++) deliveries.push(this.deliver(region, event));
        if (faults.redeliverAfterRounds > 0 && t.state === 'ALARM') this.pendingRedeliveries.push({ dueRound: round + faults.redeliverAfterRounds, event, region });
      }
    }
    for (const p of this.pendingRedeliveries.filter((r) => r.dueRound <= round)) {
      this.pendingRedeliveries.splice(this.pendingRedeliveries.indexOf(p), 1);
      if (!faults.darkRegions.has(p.region)) deliveries.push(this.deliver(p.region, p.event));
    }
    await Promise.all(deliveries);
  }

  private async probe(vantage: string, target: string, timeoutMs: number): Promise<boolean> {
    if (detectionFaults(this.world).brokenPaths.has(`${vantage}->${target}`)) return true;
    const base = target === GLOBAL_TARGET ? this.world.router.url : this.world.apps[target].url;
    try {
      const res = await httpCall(`${base}/health`, { timeoutMs });
      return !(res.status >= 200 && res.status < 300);
    } catch {
      return true;
    }
  }

  private event(t: AlarmTransition, region: string, at: number): AlarmStateChange {
    return {
      id: `local-${++this.seq}`,
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      time: new Date(at).toISOString(),
      region,
      detail: { alarmName: t.alarmName, state: { value: t.state, reason: t.reason, timestamp: new Date(at).toISOString() } },
    };
  }

  private async deliver(region: string, event: AlarmStateChange): Promise<void> {
    let delivery: TriggerDelivery;
    try {
      delivery = { region, eventId: event.id, alarmName: event.detail.alarmName, result: await this.triggers[region](event) };
    } catch (err) {
      // In AWS a failed invocation is retried, then dead-lettered (and alarmed on); here it is reported.
      delivery = { region, eventId: event.id, alarmName: event.detail.alarmName, error: `${(err as Error).name}: ${(err as Error).message}` };
    }
    this.deliveries.push(delivery);
    this.opts.onTrigger?.(delivery);
  }
}
