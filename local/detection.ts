import type { DrConfig } from '../config/schema';
import { STEPS } from '../config/steps';
import type { AlarmStateChange, TriggerResult } from '../functions/alarm-trigger/alarm-trigger';
import { createHandler as alarmTrigger } from '../functions/alarm-trigger/handler';
import { createLogger } from '../functions/shared/middleware';
import type { AlarmStateValue, FailoverStarter, HealthSignals, IncidentLock, IncidentLockHolder, Signal, SiteState, SiteStateValue } from '../functions/shared/ports';
import { alarmNamePrefix } from '../infra/naming';
import type { LocalExecution } from './runtime/local-state-machine';
import type { Rng } from './sim/random';
import { simClock, simNow } from './sim/virtual-time';
import { fakeLambdaContext } from './world/approval-server';
import type { LocalWorld } from './world/world';

/**
 * The drill's detection, built like the deployed one, on the virtual clock: a canary per region (vantage) probing
 * both regional apps and the global name every `probeIntervalSeconds`, each canary on its own seeded phase;
 * CloudWatch-like alarms with the same M-of-N rule and missing-data treatment as infra/constructs/detection.ts;
 * Route 53 health checkers (a third, slower signal: 30 s checks, 3 failures to flip, a 1-minute metric);
 * "Alarm State Change" events delivered by a simulated EventBridge (at least once) to each live region's copy
 * of the real alarm-trigger handler, which takes an in-memory incident lock and starts the local state machine.
 * Detection time is measured, not scripted.
 */

/** One alarm event handed to one region's trigger, and what the trigger made of it. */
export interface TriggerDelivery {
  readonly region: string;
  readonly eventId: string;
  readonly alarmName: string;
  readonly result?: TriggerResult;
  readonly error?: string;
}

/** The `global` target: the canaries' probe of the global name. */
export const GLOBAL_TARGET = 'global';

/** Route 53 health checking as documented: checks every 30 s, unhealthy after 3 failures, a 1-minute metric. */
export const ROUTE53_CHECK = { intervalMs: 30_000, failureThreshold: 3, metricPeriodMs: 60_000 } as const;

/** What a scenario can do to event delivery (EventBridge delivers at least once, and retries for up to 24 h). */
export interface EventDeliveryFaults {
  /** Copies of every alarm event each live region's trigger receives. */
  copies: number;
  /** Every ALARM event is delivered once more this many AWS ms later (a retry); 0 = never. */
  redeliverAfterMs: number;
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

  /**
   * Closes one period: `failed` maps `<vantage>-><target>` to whether the probe failed; absent = no datapoint.
   * With `vantage`, only that canary's alarms are evaluated (each canary runs on its own schedule).
   */
  observe(failed: ReadonlyMap<string, boolean>, round: number, at: number, vantage?: string): AlarmTransition[] {
    const out: AlarmTransition[] = [];
    for (const d of this.defs) {
      if (vantage !== undefined && d.vantage !== vantage) continue;
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
    if (this.world.darkRegions.has(region)) throw new Error(`${region} is dark`);
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
  /** Seeded randomness: canary phases, EventBridge delivery delays. */
  readonly rng: Rng;
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
  readonly delivery: EventDeliveryFaults = { copies: 1, redeliverAfterMs: 0 };
  /** Each canary's first run, AWS epoch ms (seeded), by vantage. */
  readonly firstRunAt: Record<string, number> = {};
  /** Canary runs evaluated so far, over all vantages. */
  rounds = 0;
  private readonly timers: NodeJS.Timeout[] = [];
  private stopped = false;
  private seq = 0;
  private readonly triggers: Record<string, (event: unknown) => Promise<TriggerResult>>;
  private readonly regions: string[];
  private readonly pending = new Set<Promise<unknown>>();
  private readonly route53 = new Map<string, { failures: number; successes: number; healthy: boolean; alarm: AlarmStateValue }>();
  private readonly route53Alarm: (target: string) => string;

  constructor(
    private readonly world: LocalWorld,
    private readonly opts: LocalDetectionOptions,
  ) {
    const { config } = world;
    this.regions = [world.primary, world.standby];
    const prefix = alarmNamePrefix(config.application);
    this.route53Alarm = (target) => `${prefix}route53-health-check--global--${target}`;
    for (const r of this.regions) this.route53.set(r, { failures: 0, successes: 0, healthy: true, alarm: 'OK' });
    this.evaluator = new AlarmEvaluator(config.detection, prefix, this.regions);
    const evaluator = this.evaluator;
    this.signals = {
      read: async (regions) => {
        const observedAt = new Date(simNow()).toISOString();
        return [...evaluator.signals(regions, observedAt), ...this.route53Signals(regions, observedAt)];
      },
      probeGlobal: (attempts) => world.signals.probeGlobal(attempts),
    };
    this.starters = Object.fromEntries(
      this.regions.map((r) => [
        r,
        new LocalFailoverStarter(
          r,
          (input, name) => opts.run(opts.decorateInput ? opts.decorateInput(input as Record<string, unknown>) : input, name),
          (ex, region, input) => opts.onExecutionStarted?.(ex, region, input),
        ),
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
          clock: simClock,
          logger: createLogger(STEPS.alarmTrigger.logService, 'SILENT'),
        });
        return [region, (event: unknown) => handler(event, fakeLambdaContext('alarm-trigger'))];
      }),
    );
  }

  /** Executions actually started, over both regions' state machines. */
  get executions(): LocalExecution[] {
    return Object.values(this.starters).flatMap((s) => [...s.executions.values()]);
  }

  /** Starts every canary at its own seeded phase within one interval, and the Route 53 checkers. */
  start(): void {
    const interval = this.world.config.detection.probeIntervalSeconds * 1000;
    for (const vantage of this.regions) {
      const phase = this.opts.rng.int(0, interval - 1);
      this.firstRunAt[vantage] = simNow() + phase;
      this.every(interval, phase, () => this.canaryRun(vantage));
    }
    const r53phase = this.opts.rng.int(0, ROUTE53_CHECK.intervalMs - 1);
    this.every(ROUTE53_CHECK.intervalMs, r53phase, () => this.route53Check());
    this.every(ROUTE53_CHECK.metricPeriodMs, r53phase + ROUTE53_CHECK.metricPeriodMs - 1, () => this.route53Evaluate());
  }

  private every(intervalMs: number, phaseMs: number, fn: () => Promise<void> | void): void {
    const t = setTimeout(() => {
      if (this.stopped) return;
      this.track(fn());
      this.timers.push(setInterval(() => this.stopped || this.track(fn()), intervalMs));
    }, phaseMs);
    this.timers.push(t);
  }

  private track(p: Promise<void> | void): void {
    if (!p) return;
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** Stops scheduling; waits for probes and deliveries already under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  /** One canary run from `vantage`: probes every target, then closes the period of that canary's alarms. */
  private async canaryRun(vantage: string): Promise<void> {
    const at = simNow();
    const dark = this.world.darkRegions.has(vantage);
    const targets = [...this.regions, GLOBAL_TARGET];
    const timeoutMs = this.world.config.detection.probeTimeoutMs;
    const results = dark ? [] : await Promise.all(targets.map(async (target) => [`${vantage}->${target}`, await this.probe(`canary:${vantage}`, target, timeoutMs)] as const));
    if (this.stopped) return;
    const round = ++this.rounds;
    const transitions = this.evaluator.observe(new Map(results), round, at, vantage);
    for (const t of transitions) this.publish(t);
  }

  /** A probe fails on anything but a timely 2xx. */
  private async probe(from: string, target: string, timeoutMs: number): Promise<boolean> {
    const base = target === GLOBAL_TARGET ? this.world.router.url : this.world.apps[target].url;
    try {
      const res = await this.world.net.request(`${base}/health`, { from, timeoutMs });
      return !(res.status >= 200 && res.status < 300);
    } catch {
      return true;
    }
  }

  private async route53Check(): Promise<void> {
    const results = await Promise.all(this.regions.map(async (r) => [r, await this.probe('route53-checkers', r, 4_000)] as const));
    for (const [region, failed] of results) {
      const hc = this.route53.get(region)!;
      if (failed) {
        hc.failures++;
        hc.successes = 0;
        if (hc.failures >= ROUTE53_CHECK.failureThreshold) hc.healthy = false;
      } else {
        hc.successes++;
        hc.failures = 0;
        if (hc.successes >= ROUTE53_CHECK.failureThreshold) hc.healthy = true;
      }
    }
  }

  /** The 1-minute HealthCheckStatus metric and its alarm (forwarded from us-east-1 and mirrored in each region). */
  private route53Evaluate(): void {
    if (this.stopped) return;
    for (const region of this.regions) {
      const hc = this.route53.get(region)!;
      const next: AlarmStateValue = hc.healthy ? 'OK' : 'ALARM';
      if (next === hc.alarm) continue;
      const previous = hc.alarm;
      hc.alarm = next;
      this.publish({
        alarmName: this.route53Alarm(region),
        signalId: `route53:${region}`,
        vantage: 'global',
        target: region,
        state: next,
        previous,
        reason: hc.healthy ? 'health check healthy' : `health check failed ${ROUTE53_CHECK.failureThreshold} consecutive checks`,
        round: 0,
        at: simNow(),
      });
    }
  }

  private route53Signals(regions: readonly string[], observedAt: string): Signal[] {
    return regions.map((target) => {
      const alarm = this.route53.get(target)?.alarm ?? 'INSUFFICIENT_DATA';
      const state = alarm === 'OK' ? 'ok' : alarm === 'ALARM' ? 'alarm' : 'no-data';
      return { id: `route53:${target}`, source: 'route53-health-check' as const, vantage: 'global', target, healthy: state === 'ok', state, detail: `alarm ${this.route53Alarm(target)} ${alarm}`, observedAt };
    });
  }

  /** An alarm transition: EventBridge delivers it to every live region's trigger, a little later, at least once. */
  private publish(t: AlarmTransition): void {
    this.transitions.push(t);
    this.opts.onTransition?.(t);
    for (const region of this.regions) {
      if (this.world.darkRegions.has(region)) continue;
      const event = this.event(t, region, t.at);
      for (let i = 0; i < Math.max(1, this.delivery.copies); i++) this.deliverLater(region, event, this.opts.rng.int(100, 900));
      if (this.delivery.redeliverAfterMs > 0 && t.state === 'ALARM') this.deliverLater(region, event, this.delivery.redeliverAfterMs);
    }
  }

  private deliverLater(region: string, event: AlarmStateChange, afterMs: number): void {
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    this.track(done);
    setTimeout(() => {
      if (this.world.darkRegions.has(region)) return resolve();
      void this.deliver(region, event).finally(resolve);
    }, afterMs);
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
