import type { DrConfig } from '../../config/schema';
import { heartbeatRunSeconds } from '../../functions/replication-heartbeat/replication-heartbeat';
import { type AslMachine, countIntegrations, countInvocations, countTransitions, walk } from './asl-path';
import { CANARY_VANTAGES, expectedFailoverState, ROUTE53_METRICS_REGION } from './budget';
import { CANARY_RUNS_PER_MONTH, HOURS_PER_MONTH, PRICES, type Figure } from './prices';

export interface CostLine {
  readonly item: string;
  readonly quantity: number;
  /** What one `quantity` is, e.g. "canary runs/month". */
  readonly per: string;
  readonly unitPriceUsd: number;
  readonly monthlyUsd: number;
  readonly source: string;
}

export interface CostEstimate {
  readonly monthlyCostUsd: number;
  readonly drillsPerMonth: number;
  readonly lines: readonly CostLine[];
  /** What the estimate leaves out, said plainly rather than counted as zero. */
  readonly excluded: readonly string[];
  readonly assumptions: readonly string[];
}

export interface CostOptions {
  /** Failover executions a month (drills and real ones), for the usage-priced services. @default 4 */
  readonly drillsPerMonth?: number;
}

/** Each function's memory (TaskFunctions default); GB-seconds scale with it. */
export const FUNCTION_MEMORY_GB = 0.5;
/** Billed duration of one invocation: the same warm-task assumption the RTO budget uses. */
const INVOCATION_SECONDS = 0.2;
/** The heartbeat writer's memory (infra/constructs/task-functions/specs.ts): it waits on a few writes a few seconds apart. */
export const HEARTBEAT_MEMORY_GB = 0.125;
/** Each step writes one audit record (the audit table outlives the 90-day execution history). */
const AUDIT_WRITES_PER_STEP = 1;

const cents = (n: number) => Math.round(n * 100) / 100;

function line(item: string, quantity: number, per: string, price: Figure, divisor = 1): CostLine {
  const unitPriceUsd = price.value / divisor;
  return { item, quantity, per, unitPriceUsd, monthlyUsd: quantity * unitPriceUsd, source: price.source };
}

/**
 * Monthly cost of the control plane in BOTH regions (static stability doubles almost everything), plus
 * the detection it relies on. Free tiers are not applied: they are per account and usually already used.
 */
export function monthlyCost(config: DrConfig, machine: AslMachine, opts: CostOptions = {}): CostEstimate {
  const drills = opts.drillsPerMonth ?? 4;
  const regions = 2;
  const targets = [config.regions.primary, config.regions.standby];

  // A full failover execution, approval included: the most transitions one incident or drill costs.
  const { path } = walk(machine, { input: expectedFailoverState(config, 'required'), itemsOf: () => config.dataStores.length });
  const transitions = countTransitions(path);
  const invocations = countInvocations(path) + 1; // + the alarm trigger that starts it
  const publishes = countIntegrations(path, 'sns') + 1; // + the approval request's own publish
  const subscribers = config.approval.approvers.length + config.approval.escalation.length;

  // The inventory mirrors infra/constructs/detection.ts and route53-health-checks.ts (kept in step by
  // test/unit/cli/plan.test.ts): one canary per region, each publishing ProbeFailed per target into BOTH
  // regions, an alarm per (vantage, target) in each region, a quorum composite, and Route 53 checks.
  const canaries = CANARY_VANTAGES;
  const probeTargets = targets.length + 1; // both regional apps and the global name
  const customMetrics = canaries * probeTargets * regions;
  const signalAlarms = canaries * probeTargets * regions;
  const highResolution = config.detection.probeIntervalSeconds < 60;
  const mirrorAlarms = targets.filter((t) => t.name !== ROUTE53_METRICS_REGION).length * targets.length;
  const https = targets.filter((t) => t.healthUrl.startsWith('https:')).length;
  const fastChecks = config.detection.probeIntervalSeconds === 10 ? targets.length : 0;

  const lines: CostLine[] = [
    line('Synthetics canaries (one per region, rate(1 minute))', canaries * CANARY_RUNS_PER_MONTH, 'canary runs/month', PRICES.canaryRun),
    line('Custom metrics (ProbeFailed per vantage and target, published in both regions)', customMetrics, 'metrics', PRICES.customMetric),
    line(
      `${highResolution ? 'High-resolution' : 'Standard'} alarms on the probe metrics (per vantage and target, in both regions)`,
      signalAlarms,
      'alarms',
      highResolution ? PRICES.alarmHighResolution : PRICES.alarmStandard,
    ),
    line('Composite quorum alarms (one per region)', regions, 'alarms', PRICES.alarmComposite),
    line('Mirror alarms of the Route 53 alarms (control-plane regions other than us-east-1)', mirrorAlarms, 'alarms', PRICES.alarmStandard),
    line('Dead-letter alarms of the alarm trigger (one per region)', regions, 'alarms', PRICES.alarmStandard),
    line('Route 53 health checks (one per regional endpoint)', targets.length, 'health checks', PRICES.healthCheckAws),
    line('Route 53 health-check HTTPS feature', https, 'health checks', PRICES.healthCheckFeatureAws),
    line('Route 53 health-check 10 s interval feature', fastChecks, 'health checks', PRICES.healthCheckFeatureAws),
    line('Route 53 health-check alarms (us-east-1, standard resolution)', targets.length, 'alarms', PRICES.alarmStandard),
    line('CloudWatch dashboard (one per region)', regions, 'dashboards', PRICES.dashboard),
    line(
      `Step Functions transitions (${transitions} per execution x ${drills} executions)`,
      transitions * drills,
      'transitions',
      PRICES.stepFunctionsPer1kTransitions,
      1_000,
    ),
    line(`Lambda requests (${invocations} per execution)`, invocations * drills, 'requests', PRICES.lambdaPer1MRequests, 1_000_000),
    line(
      `Lambda compute (${FUNCTION_MEMORY_GB} GB x ${INVOCATION_SECONDS} s per request)`,
      invocations * drills * FUNCTION_MEMORY_GB * INVOCATION_SECONDS,
      'GB-seconds',
      PRICES.lambdaPerGbSecondArm,
    ),
    line('KMS customer managed key (topics and logs, one per region)', regions, 'keys', PRICES.kmsKey),
    line('KMS requests (encrypted publishes)', publishes * drills * 2, 'requests', PRICES.kmsPer10kRequests, 10_000),
    line(`SNS publishes (${publishes} per execution)`, publishes * drills, 'publishes', PRICES.snsPublishPer1M, 1_000_000),
    line(`SNS email deliveries (${subscribers} subscriber(s))`, publishes * drills * subscribers, 'emails', PRICES.snsEmailPer100k, 100_000),
    line('API Gateway REST requests (approval page: open + submit)', 2 * drills, 'requests', PRICES.apiGatewayRestPer1M, 1_000_000),
    line('Secrets Manager signing key (one per region)', regions, 'secrets', PRICES.secret),
    line('Secrets Manager calls (approval request + callback)', 2 * drills, 'calls', PRICES.secretsPer10kCalls, 10_000),
    line(
      'DynamoDB writes (audit per step, approval, incident lock)',
      (AUDIT_WRITES_PER_STEP * transitions + 4) * drills,
      'write units',
      PRICES.dynamoDbPer1MWrites,
      1_000_000,
    ),
    line('DynamoDB reads (approval lookups)', 2 * drills, 'read units', PRICES.dynamoDbPer1MReads, 1_000_000),
    line(
      'EventBridge bus-to-bus events (Route 53 alarm changes forwarded from us-east-1)',
      2 * targets.length * regions * drills,
      'events',
      PRICES.eventBridgePer1M,
      1_000_000,
    ),
  ];
  // The replication heartbeat (functions/replication-heartbeat): a run every minute in each region, writing each
  // replicated table and bucket every heartbeatIntervalSeconds; each write is replicated to the other region.
  const heartbeatRuns = regions * 60 * HOURS_PER_MONTH.value;
  const beatsPerRegion = Math.round((3600 / config.dataRisk.heartbeatIntervalSeconds) * HOURS_PER_MONTH.value);
  const tables = config.dataStores.filter((s) => s.kind === 'dynamodb-global-table').length;
  const buckets = config.dataStores.filter((s) => s.kind === 's3-replicated').length;
  lines.push(
    line('Heartbeat writer invocations (rate(1 minute), one per region)', heartbeatRuns, 'requests', PRICES.lambdaPer1MRequests, 1_000_000),
    line(
      `Heartbeat writer compute (${HEARTBEAT_MEMORY_GB} GB x ${heartbeatRunSeconds(config)} s per run)`,
      heartbeatRuns * HEARTBEAT_MEMORY_GB * heartbeatRunSeconds(config),
      'GB-seconds',
      PRICES.lambdaPerGbSecondArm,
    ),
    line(
      `Heartbeat items (${tables} table(s), every ${config.dataRisk.heartbeatIntervalSeconds} s in both regions, each replicated)`,
      tables * regions * 2 * beatsPerRegion,
      'write units',
      PRICES.dynamoDbPer1MWrites,
      1_000_000,
    ),
    line(
      `Heartbeat objects (${buckets} bucket(s), every ${config.dataRisk.heartbeatIntervalSeconds} s in both regions, each replicated)`,
      buckets * regions * 2 * beatsPerRegion,
      'PUT requests',
      PRICES.s3PutPer1k,
      1_000,
    ),
  );
  if (config.traffic.strategy === 'arc-routing-control') {
    // A cluster serves any number of control panels: applications sharing one pay a share (prerequisites.arc).
    const sharedBy = config.prerequisites.arc?.sharedByApplications ?? 1;
    const item =
      sharedBy > 1
        ? `Route 53 ARC cluster: 1/${sharedBy} of a cluster shared by ${sharedBy} applications (both regions use it)`
        : 'Route 53 ARC cluster (one per account, shared by both regions)';
    lines.push(line(item, HOURS_PER_MONTH.value / sharedBy, 'cluster-hours', PRICES.arcClusterHour));
  }
  const rounded = lines.map((l) => ({ ...l, monthlyUsd: cents(l.monthlyUsd) }));
  return {
    monthlyCostUsd: cents(lines.reduce((a, l) => a + l.monthlyUsd, 0)),
    drillsPerMonth: drills,
    lines: rounded,
    excluded: [
      'CloudWatch Logs ingestion and storage (execution, Lambda and API access logs): not priced (docs/sources.md)',
      'X-Ray traces, data transfer, DynamoDB storage: not priced (docs/sources.md)',
      'the protected application itself (its stores, replicas, standby capacity)',
      'the read units of the data comparison, only spent during an execution (drctl plan shows its duration at the configured rate)',
    ],
    assumptions: [
      `one canary per region probing ${targets.length} regional endpoints and the global name every run; ${CANARY_RUNS_PER_MONTH} runs/month each`,
      'SQS dead-letter queues and the canary artifact buckets stay near empty (not priced)',
      `${drills} failover executions a month, each taking the full approved path`,
      'free tiers not applied (they are per account)',
      'Route 53 health checks target AWS endpoints',
      'a replicated heartbeat write costs what the original does (replicated write units at the write unit price)',
    ],
  };
}
