import type { DataStoreConfig, DrConfig } from '../../config/schema';
import { MUTATING_STEPS } from '../../functions/shared/workflow';
import { type AslMachine, type PathStep, walk } from './asl-path';
import { TIMINGS, type Figure } from './prices';

/** One addend of a budget, with the figure it came from. */
export interface BudgetPart {
  readonly label: string;
  readonly seconds: number;
  readonly source: string;
}

export interface BudgetTerm {
  readonly key: 'detection' | 'orchestration' | 'promotion' | 'traffic' | 'dnsTtl';
  readonly label: string;
  readonly seconds: number;
  readonly parts: readonly BudgetPart[];
}

export interface RtoBudget {
  /** Machine time from the fault to clients served by the standby; human approval time is not in it. */
  readonly rtoSeconds: number;
  readonly targetSeconds: number;
  readonly terms: readonly BudgetTerm[];
  readonly approval: {
    readonly mode: 'required' | 'auto-when-safe';
    /** True when a person decides before anything changes (always in `required`). */
    readonly humanInLoop: boolean;
    /** Longest a person can take before the request times out. */
    readonly timeoutSeconds: number;
    readonly note: string;
  };
  /** States on the path to recovery, in order (Parallel/Map contents indented by name). */
  readonly path: readonly string[];
  /** Work on the path the model cannot put a number on (it is flagged, never counted as zero silently). */
  readonly notEstimated: readonly string[];
}

export interface StoreRpo {
  readonly store: string;
  readonly kind: DataStoreConfig['kind'];
  readonly seconds: number;
  readonly source: string;
}

export interface RpoEstimate {
  readonly rpoSeconds: number;
  readonly targetSeconds: number;
  readonly stores: readonly StoreRpo[];
}

/** The state after which clients are served by the standby: the last step that changes anything. */
export const RECOVERY_STATE = MUTATING_STEPS[MUTATING_STEPS.length - 1];

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/** The state of an execution whose verdict warrants a failover, as the Choice states will see it. */
export function expectedFailoverState(config: DrConfig, approvalMode: 'required' | 'auto-when-safe') {
  return {
    dryRun: false,
    direction: 'failover',
    health: { verdict: 'FAILOVER_WARRANTED' },
    dataRisk: {
      storeNames: config.dataStores.map((s) => s.name),
      rpoWithinTarget: true,
      approval: { required: approvalMode === 'required', onTimeout: config.approval.onTimeout, timeoutSeconds: config.approval.timeoutSeconds },
    },
    // The comparison after the failover: one pass, nothing left to merge (the walk follows its main path).
    validation: { progress: { remainingGroups: 0 } },
  };
}

/**
 * Time a walk of the definition adds up, by kind (cold starts, task work, transitions, AWS waits), so each kind
 * lands in its own budget term. A tally, not a clock: nothing here reads or tells the time (the `Clock` port, functions/shared/ports.ts, does).
 */
class PathTiming {
  coldStarts = 0;
  lambdaTasks = 0;
  integrations = 0;
  transitions = 0;
  promotion = 0;
  traffic = 0;
  humanWait = false;
  readonly notEstimated: string[] = [];

  machineSeconds(): number {
    return (
      this.coldStarts * TIMINGS.lambdaColdStart.value +
      this.lambdaTasks * TIMINGS.taskWork.value +
      this.integrations * TIMINGS.integrationCall.value +
      this.transitions * TIMINGS.transition.value +
      this.promotion +
      this.traffic
    );
  }

  add(o: PathTiming): void {
    this.coldStarts += o.coldStarts;
    this.lambdaTasks += o.lambdaTasks;
    this.integrations += o.integrations;
    this.transitions += o.transitions;
    this.promotion += o.promotion;
    this.traffic += o.traffic;
    this.humanWait ||= o.humanWait;
    for (const n of o.notEstimated) if (!this.notEstimated.includes(n)) this.notEstimated.push(n);
  }
}

interface TimingContext {
  readonly config: DrConfig;
  /** The store a Map item is promoting, when timing one item. */
  readonly store?: DataStoreConfig;
}

/** How long the traffic switch waits before the step returns. */
export function trafficWait(config: DrConfig): BudgetPart {
  if (config.traffic.strategy === 'arc-routing-control') {
    return { label: 'routing-control update reaches DNS answers', seconds: TIMINGS.arcPropagation.value, source: TIMINGS.arcPropagation.source };
  }
  return { label: 'Route 53 record change until INSYNC', seconds: TIMINGS.route53InSync.value, source: TIMINGS.route53InSync.source };
}

/**
 * Steps whose Lambda waits on AWS for longer than its own work, by ASL state name (a step has one name
 * everywhere, its state's); a renamed state would lose its wait, which the budget test catches by
 * asserting the promotion and traffic terms of the Aurora + Route 53 example config.
 */
const STEP_WAITS: Record<string, (timing: PathTiming, ctx: TimingContext) => void> = {
  ShiftTraffic: (timing, ctx) => {
    timing.traffic += trafficWait(ctx.config).seconds;
  },
  PromoteStore: (timing, ctx) => {
    if (ctx.store?.kind === 'aurora-global') timing.promotion += TIMINGS.auroraPromotion.value;
  },
  ScaleStandby: (timing, ctx) => {
    const standby = (ctx.config as { standby?: { mode?: string } }).standby;
    if (standby?.mode && standby.mode !== 'hot') {
      timing.notEstimated.push(`scaling a ${standby.mode} standby to production size (AWS publishes no figure; measure it with a drill in AWS)`);
    }
  },
};

function timePath(path: readonly PathStep[], warm: Set<string>, ctx: TimingContext): PathTiming {
  const timing = new PathTiming();
  for (const step of path) {
    timing.transitions += 1;
    const t = step.task;
    if (t.kind === 'lambda') {
      if (!warm.has(t.fn)) {
        timing.coldStarts += 1;
        warm.add(t.fn);
      }
      timing.lambdaTasks += 1;
    } else if (t.kind === 'callback') {
      timing.humanWait = true;
      warm.add(t.fn);
    } else if (t.kind === 'integration') timing.integrations += 1;
    STEP_WAITS[step.name]?.(timing, ctx);

    if (step.branches) {
      // Branches run side by side: the slowest one is on the path, and any of them may warm a function.
      const results = step.branches.map((b) => {
        const w = new Set(warm);
        return { timing: timePath(b, w, ctx), warm: w };
      });
      const slowest = results.reduce((a, b) => (b.timing.machineSeconds() > a.timing.machineSeconds() ? b : a), results[0]);
      if (slowest) timing.add(slowest.timing);
      for (const r of results) {
        timing.humanWait ||= r.timing.humanWait;
        for (const fn of r.warm) warm.add(fn);
        for (const n of r.timing.notEstimated) if (!timing.notEstimated.includes(n)) timing.notEstimated.push(n);
      }
    }
    if (step.iteration) timing.add(timeMap(step.iteration, warm, ctx));
  }
  return timing;
}

/**
 * Map items run `maxConcurrency` at a time, in config order. Within the first batch only one item can
 * reuse a warm container; the others start cold, side by side. Later batches reuse those containers.
 */
function timeMap(iteration: NonNullable<PathStep['iteration']>, warm: Set<string>, ctx: TimingContext): PathTiming {
  const total = new PathTiming();
  const stores = ctx.config.dataStores;
  const items = iteration.items;
  const batchSize = Math.min(items, iteration.maxConcurrency);
  for (let start = 0; start < items; start += batchSize) {
    let slowest: PathTiming | undefined;
    for (let i = start; i < Math.min(items, start + batchSize); i++) {
      const w = start === 0 && i > start ? new Set<string>() : new Set(warm);
      const c = timePath(iteration.path, w, { ...ctx, store: stores[i] });
      if (!slowest || c.machineSeconds() > slowest.machineSeconds()) slowest = c;
      for (const fn of w) warm.add(fn);
    }
    if (slowest) total.add(slowest);
  }
  return total;
}

function flatten(path: readonly PathStep[], indent = ''): string[] {
  return path.flatMap((s) => [
    `${indent}${s.name}`,
    ...(s.branches ?? []).flatMap((b, i) => flatten(b, `${indent}  [branch ${i + 1}] `)),
    ...(s.iteration ? flatten(s.iteration.path, `${indent}  [x${s.iteration.items}] `) : []),
  ]);
}

const part = (label: string, seconds: number, f: Figure | string): BudgetPart => ({
  label,
  seconds: round(seconds),
  source: typeof f === 'string' ? f : f.source,
});

/** Signals the deployment offers about a region: a canary alarm per vantage region, and the Route 53 health-check alarm. */
export const CANARY_VANTAGES = 2;
export const AVAILABLE_SIGNALS = CANARY_VANTAGES + 1;
/** Route 53 publishes health-check metrics only here, so their alarms live here (infra/constructs/detection.ts). */
export const ROUTE53_METRICS_REGION = 'us-east-1';

/** Route 53 checks every 10 s when detection probes every 10 s, else every 30 s (infra/constructs/route53-health-checks.ts). */
export function route53CheckIntervalSeconds(config: DrConfig): number {
  return config.detection.probeIntervalSeconds === 10 ? 10 : TIMINGS.route53HealthCheckIntervalStandard.value;
}

export function detectionTerm(config: DrConfig): BudgetTerm {
  const d = config.detection;
  const parts: BudgetPart[] = [];
  if (d.quorum <= CANARY_VANTAGES) {
    parts.push(
      part(
        `${d.datapointsToAlarm} breaching datapoint(s) at the ${d.probeIntervalSeconds} s probe interval`,
        d.datapointsToAlarm * d.probeIntervalSeconds,
        'config detection.probeIntervalSeconds x detection.datapointsToAlarm',
      ),
    );
    parts.push(part('alarm evaluation (one metric period)', TIMINGS.alarmEvaluation.value * d.probeIntervalSeconds, TIMINGS.alarmEvaluation));
  } else {
    // The third signal is the Route 53 health-check alarm: slower checks and a one-minute metric.
    const interval = route53CheckIntervalSeconds(config);
    const hc = interval * TIMINGS.route53HealthCheckFailureThreshold.value;
    parts.push(
      part(
        `Route 53 health checks to unhealthy (${interval} s interval x failure threshold ${TIMINGS.route53HealthCheckFailureThreshold.value})`,
        hc,
        TIMINGS.route53HealthCheckFailureThreshold,
      ),
    );
    parts.push(part('HealthCheckStatus metric period', TIMINGS.route53HealthCheckMetricPeriod.value, TIMINGS.route53HealthCheckMetricPeriod));
    parts.push(
      part('alarm evaluation (one metric period)', TIMINGS.alarmEvaluation.value * TIMINGS.route53HealthCheckMetricPeriod.value, TIMINGS.alarmEvaluation),
    );
  }
  return { key: 'detection', label: 'detection', seconds: round(parts.reduce((a, p) => a + p.seconds, 0)), parts };
}

/** The RTO budget of a warranted failover, walking the definition up to the recovery state. */
export function rtoBudget(config: DrConfig, machine: AslMachine, opts: { approvalMode?: 'required' | 'auto-when-safe' } = {}): RtoBudget {
  const mode = opts.approvalMode ?? config.approval.mode;
  const { path, stopped } = walk(machine, {
    input: expectedFailoverState(config, mode),
    itemsOf: () => config.dataStores.length,
    stopAfter: RECOVERY_STATE,
  });
  if (!stopped) throw new Error(`The definition never reaches ${RECOVERY_STATE} on a warranted failover; the plan cannot time it`);

  // The alarm trigger starts the execution, so its cold start is on the path too.
  const warm = new Set<string>();
  const timing = timePath(path, warm, { config });
  const triggerCold = TIMINGS.lambdaColdStart.value;

  const detection = detectionTerm(config);
  const orchestrationParts = [
    part('alarm event delivered to the alarm trigger', TIMINGS.eventDelivery.value, TIMINGS.eventDelivery),
    part(
      `${timing.coldStarts + 1} Lambda cold start(s) on the path (alarm trigger included)`,
      timing.coldStarts * TIMINGS.lambdaColdStart.value + triggerCold,
      TIMINGS.lambdaColdStart,
    ),
    part(`${timing.lambdaTasks + 1} Lambda task(s) doing their SDK calls`, (timing.lambdaTasks + 1) * TIMINGS.taskWork.value, TIMINGS.taskWork),
    part(`${timing.integrations} SNS publish(es) on the path`, timing.integrations * TIMINGS.integrationCall.value, TIMINGS.integrationCall),
    part(`${timing.transitions} state transitions`, timing.transitions * TIMINGS.transition.value, TIMINGS.transition),
  ];
  const aurora = config.dataStores.filter((s) => s.kind === 'aurora-global').length;
  const promotionParts =
    aurora > 0
      ? [
          part(
            `${aurora} Aurora global promotion(s), at most ${path.find((s) => s.iteration)?.iteration?.maxConcurrency ?? 'all'} at a time`,
            timing.promotion,
            TIMINGS.auroraPromotion,
          ),
        ]
      : [
          part(
            'nothing to wait for: DynamoDB global tables and S3 buckets already accept writes in the standby',
            0,
            'AuroraGlobalPromotion.promote (functions/shared/aws/aurora-global-promotion.ts)',
          ),
        ];
  const traffic = trafficWait(config);
  const terms: BudgetTerm[] = [
    detection,
    { key: 'orchestration', label: 'orchestration', seconds: round(orchestrationParts.reduce((a, p) => a + p.seconds, 0)), parts: orchestrationParts },
    { key: 'promotion', label: 'data promotion', seconds: round(timing.promotion), parts: promotionParts },
    {
      key: 'traffic',
      label: config.traffic.strategy === 'arc-routing-control' ? 'routing-control propagation' : 'record change INSYNC',
      seconds: round(timing.traffic),
      parts: [part(traffic.label, timing.traffic, traffic.source)],
    },
    {
      key: 'dnsTtl',
      label: 'client DNS TTL',
      seconds: config.globalDomain.ttlSeconds,
      parts: [part('cached answers expire', config.globalDomain.ttlSeconds, 'config globalDomain.ttlSeconds')],
    },
  ];
  // In auto-when-safe the walk above took the policy branch, so no person is on this path.
  const humanInLoop = mode === 'required';
  return {
    rtoSeconds: round(
      terms.reduce((a, t) => a + t.seconds, 0),
      1,
    ),
    targetSeconds: config.objectives.rtoSeconds,
    terms,
    approval: {
      mode,
      humanInLoop,
      timeoutSeconds: config.approval.timeoutSeconds,
      note:
        mode === 'required'
          ? `a person decides before anything changes: add their time (up to ${config.approval.timeoutSeconds} s, then ${config.approval.onTimeout}) to the RTO above`
          : 'no person when the verdict is clear and the estimated RPO is within target; otherwise a person decides and their time adds to the RTO',
    },
    path: flatten(path),
    notEstimated: timing.notEstimated,
  };
}

/** The replication figure behind each store kind. */
export function storeReplication(kind: DataStoreConfig['kind']): Figure {
  switch (kind) {
    case 'dynamodb-global-table':
      return TIMINGS.dynamoDbReplication;
    case 'aurora-global':
      return TIMINGS.auroraReplication;
    case 's3-replicated':
      return TIMINGS.s3Replication;
  }
}

/** Data at risk in an unplanned failover: the worst store's replication lag. */
export function rpoEstimate(config: DrConfig): RpoEstimate {
  const stores = config.dataStores.map((s) => {
    const f = storeReplication(s.kind);
    return { store: s.name, kind: s.kind, seconds: f.value, source: f.source };
  });
  return { rpoSeconds: Math.max(0, ...stores.map((s) => s.seconds)), targetSeconds: config.objectives.rpoSeconds, stores };
}

export type { AslMachine };
