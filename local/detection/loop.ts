import type { AlarmStateChange, TriggerResult } from '../../functions/alarm-trigger/alarm-trigger';
import { createHandler as alarmTrigger } from '../../functions/alarm-trigger/handler';
import { createLogger } from '../../functions/shared/middleware';
import type { HealthSignals } from '../../functions/shared/ports';
import { alarmNamePrefix } from '../../config/resource-names';
import { STEPS } from '../../config/steps';
import type { LocalExecution } from '../runtime/local-state-machine';
import type { Rng } from '../sim/random';
import { simClock, simNow } from '../sim/virtual-time';
import { fakeLambdaContext } from '../world/approval-server';
import type { LocalWorld } from '../world/world';
import { InMemoryIncidentLock, LocalFailoverStarter, OwnSiteStateReader } from './adapters';
import { AlarmEvaluator, type AlarmTransition, GLOBAL_TARGET } from './alarm-evaluator';
import { ROUTE53_CHECK, Route53HealthCheckers } from './route53-health-checkers';

/**
 * The drill's detection loop, built like the deployed detection, on the virtual clock: a canary per region (vantage)
 * probing both regional apps and the global name every `probeIntervalSeconds`, each canary on its own seeded phase;
 * CloudWatch-like alarms with the same M-of-N rule and missing-data treatment as infra/constructs/detection.ts
 * (./alarm-evaluator.ts); Route 53 health checkers (./route53-health-checkers.ts: a third, slower signal);
 * "Alarm State Change" events delivered by a simulated EventBridge (at least once) to each live region's copy
 * of the real alarm-trigger handler, which takes an in-memory incident lock and starts the local state machine
 * (its ports: ./adapters.ts). Detection time is measured, not scripted.
 */

/** One alarm event handed to one region's trigger, and what the trigger made of it. */
export interface TriggerDelivery {
  readonly region: string;
  readonly eventId: string;
  readonly alarmName: string;
  readonly result?: TriggerResult;
  readonly error?: string;
}

/** What a scenario can do to event delivery (EventBridge delivers at least once, and retries for up to 24 h). */
export interface EventDeliveryFaults {
  /** Copies of every alarm event each live region's trigger receives. */
  copies: number;
  /** Every ALARM event is delivered once more this many AWS ms later (a retry); 0 = never. */
  redeliverAfterMs: number;
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
  private readonly route53: Route53HealthCheckers;

  constructor(
    private readonly world: LocalWorld,
    private readonly opts: LocalDetectionOptions,
  ) {
    const { config } = world;
    this.regions = [world.primary, world.standby];
    const prefix = alarmNamePrefix(config.application);
    this.route53 = new Route53HealthCheckers(prefix, this.regions);
    this.evaluator = new AlarmEvaluator(config.detection, prefix, this.regions);
    const evaluator = this.evaluator;
    this.signals = {
      read: async (regions) => {
        const observedAt = new Date(simNow()).toISOString();
        return [...evaluator.signals(regions, observedAt), ...this.route53.signals(regions, observedAt)];
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
    const results = dark
      ? []
      : await Promise.all(targets.map(async (target) => [`${vantage}->${target}`, await this.probe(`canary:${vantage}`, target, timeoutMs)] as const));
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
    this.route53.record(await Promise.all(this.regions.map(async (r) => [r, await this.probe('route53-checkers', r, 4_000)] as const)));
  }

  /** The 1-minute HealthCheckStatus metric closes a period: its alarms follow the checks. */
  private route53Evaluate(): void {
    if (this.stopped) return;
    for (const t of this.route53.evaluate(simNow())) this.publish(t);
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
