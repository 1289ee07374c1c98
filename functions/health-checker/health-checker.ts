import type { DrConfig } from '../../config/schema';
import { auditStepOf, STEPS } from '../../config/steps';
import { InvalidInputError, RecoveryNotVerifiedError } from '../shared/errors';
import type { AuditLog, Clock, HealthSignals, Signal } from '../shared/ports';
import { parseRequest, requireState, type Verdict } from '../shared/workflow';

export interface HealthCheckerDeps {
  readonly config: DrConfig;
  readonly signals: HealthSignals;
  readonly audit: AuditLog;
  readonly clock: Clock;
}

export interface RegionHealth {
  readonly region: string;
  readonly healthySignals: string[];
  readonly unhealthySignals: string[];
  /** Silent observers outside the region: they say nothing about it either way. */
  readonly unknownSignals: string[];
  /** Distinct independent observers (source + vantage) that see the region unhealthy. */
  readonly independentFailures: number;
}

export interface Assessment {
  readonly verdict: Verdict;
  readonly summary: string;
  readonly primary: RegionHealth;
  readonly standby: RegionHealth;
  readonly evidence: string[];
  readonly checkedAt: string;
}

/**
 * How one signal counts for the region it observes. A canary inside a dark region goes silent, so
 * silence from a vantage in the observed region is evidence against that region; silence from any other
 * vantage only says the observer is dark, and must never count against the region it was watching.
 */
export function signalVerdict(s: Signal): 'healthy' | 'failing' | 'unknown' {
  const state = s.state ?? (s.healthy ? 'ok' : 'alarm');
  if (state === 'ok') return 'healthy';
  if (state === 'alarm') return 'failing';
  return s.vantage === s.target ? 'failing' : 'unknown';
}

export function regionHealth(region: string, signals: readonly Signal[]): RegionHealth {
  const mine = signals.filter((s) => s.target === region);
  const by = (v: ReturnType<typeof signalVerdict>) => mine.filter((s) => signalVerdict(s) === v);
  const unhealthy = by('failing');
  return {
    region,
    healthySignals: by('healthy').map((s) => s.id),
    unhealthySignals: unhealthy.map((s) => s.id),
    unknownSignals: by('unknown').map((s) => s.id),
    independentFailures: new Set(unhealthy.map((s) => `${s.source}@${s.vantage}`)).size,
  };
}

const EVIDENCE_LABEL = { healthy: 'OK  ', failing: 'FAIL', unknown: 'NONE' } as const;

/**
 * The decision rule (pure). A failover needs `quorum` independent observers to agree the region being
 * left is impaired, and the region being activated must look healthy to every observer that can see it
 * (at least one): traffic is never moved onto a region in doubt.
 */
export function decideVerdict(signals: readonly Signal[], from: string, to: string, quorum: number): Omit<Assessment, 'checkedAt'> {
  const primary = regionHealth(from, signals);
  const standby = regionHealth(to, signals);
  const evidence = signals.map((s) => `${EVIDENCE_LABEL[signalVerdict(s)]} ${s.id}: ${s.detail}`);
  const standbyHealthy = standby.unhealthySignals.length === 0 && standby.healthySignals.length > 0;
  let verdict: Verdict;
  let summary: string;
  if (primary.independentFailures >= quorum) {
    if (standbyHealthy) {
      verdict = 'FAILOVER_WARRANTED';
      summary = `${from} impaired (${primary.independentFailures} independent signals of ${quorum} needed); ${to} healthy.`;
    } else {
      verdict = 'STANDBY_UNHEALTHY';
      summary = `${from} impaired, but ${to} is not healthy (${standby.unhealthySignals.join(', ') || 'no healthy signal'}).`;
    }
  } else if (primary.independentFailures === 0) {
    verdict = 'PRIMARY_HEALTHY';
    summary = `${from} healthy on every signal (${primary.healthySignals.length}).`;
  } else {
    verdict = 'INSUFFICIENT_SIGNALS';
    summary = `Only ${primary.independentFailures} independent signal(s) see ${from} impaired; ${quorum} needed. Alert only.`;
  }
  return { verdict, summary, primary, standby, evidence };
}

export interface Verification {
  readonly verified: boolean;
  readonly servedBy: Record<string, number>;
  readonly attempts: number;
  readonly summary: string;
  readonly dryRun?: boolean;
}

export async function assessHealth(event: unknown, deps: HealthCheckerDeps): Promise<Assessment> {
  const request = parseRequest(requireState(event));
  const { fromRegion: from, toRegion: to } = request;
  const regions = [deps.config.regions.primary.name, deps.config.regions.standby.name];
  for (const r of [from, to]) {
    if (!regions.includes(r)) throw new InvalidInputError(`Region ${r} is not one of the configured regions (${regions.join(', ')})`);
  }
  if (from === to) throw new InvalidInputError('fromRegion and toRegion must differ');
  const signals = await deps.signals.read([from, to]);
  const result = { ...decideVerdict(signals, from, to, deps.config.detection.quorum), checkedAt: new Date(deps.clock.now()).toISOString() };
  await deps.audit.record({
    incidentId: request.incidentId,
    executionId: request.execution?.id ?? '',
    // AssessHealth, or RecheckStandby after the approval wait.
    step: auditStepOf(STEPS.healthChecker, event, 'assess'),
    outcome: result.verdict,
    detail: { summary: result.summary, evidence: result.evidence },
    at: result.checkedAt,
  });
  return result;
}

/** Requests through the global name must all land on the new region. */
export async function verifyRecovery(event: unknown, deps: HealthCheckerDeps, attempts = 5): Promise<Verification> {
  const request = parseRequest(requireState(event));
  if (request.dryRun) {
    return {
      verified: false,
      servedBy: {},
      attempts: 0,
      dryRun: true,
      summary: `Would probe ${deps.config.globalDomain.name} ${attempts} times and expect ${request.toRegion}.`,
    };
  }
  const probes = await deps.signals.probeGlobal(attempts);
  const servedBy: Record<string, number> = {};
  for (const p of probes) {
    const key = p.ok && p.servedBy ? p.servedBy : 'failed';
    servedBy[key] = (servedBy[key] ?? 0) + 1;
  }
  const verified = probes.length > 0 && probes.every((p) => p.ok && p.servedBy === request.toRegion);
  const summary = verified
    ? `All ${probes.length} requests through ${deps.config.globalDomain.name} served by ${request.toRegion}.`
    : `Requests through ${deps.config.globalDomain.name} not all served by ${request.toRegion}: ${JSON.stringify(servedBy)}.`;
  await deps.audit.record({
    incidentId: request.incidentId,
    executionId: request.execution?.id ?? '',
    step: auditStepOf(STEPS.healthChecker, event, 'verify'),
    outcome: verified ? 'VERIFIED' : 'NOT_VERIFIED',
    detail: servedBy,
    at: new Date(deps.clock.now()).toISOString(),
  });
  return { verified, servedBy, attempts: probes.length, summary };
}

/** Entry point shared by the Lambda handler and the drill. */
export async function runHealthChecker(event: unknown, deps: HealthCheckerDeps): Promise<Assessment | Verification> {
  const action = (event as { action?: unknown } | null)?.action;
  if (action === 'assess') return assessHealth(event, deps);
  if (action === 'verify') {
    const v = await verifyRecovery(event, deps);
    // Not yet: DNS and caches take a moment. The ASL retries with backoff; after that the step is INCOMPLETE.
    if (!v.verified && !v.dryRun) throw new RecoveryNotVerifiedError(v.summary);
    return v;
  }
  throw new InvalidInputError(`Unknown health-checker action ${JSON.stringify(action)}; expected "assess" or "verify"`);
}
