import type { DrConfig } from '../../config/schema';
import { auditStepOf, STEPS } from '../../config/steps';
import { clip } from '../shared/bounded';
import { InvalidInputError } from '../shared/errors';
import type { AuditLog, Clock, ComparisonWorkStore, ReplicaItems, ReplicationLagEvidence, StoreComparison } from '../shared/ports';
import { parseRequest, requireState, type Verdict } from '../shared/workflow';
import { fitStores, MissingWritesReportWriter, type MissingWritesReportPointer, type StoreFigures, type StoreSummary } from './missing-writes-report';
import { measureReplicationLag, worstLag, type StoreLag } from './replication-lag';
import {
  comparisonResults,
  compareSegment,
  mergeComparison,
  parseSegmentTask,
  planComparison,
  type ComparisonPlan,
  type ComparisonProgress,
  type ComparisonPurpose,
  type SegmentProgress,
} from './segmented-comparison';

export interface DataConsistencyValidatorDeps {
  readonly config: DrConfig;
  readonly dataStores: ReplicationLagEvidence & ReplicaItems;
  /** Scratch space of the segmented comparison (docs/adr/0019-data-at-risk-measured.md). */
  readonly work: ComparisonWorkStore;
  readonly audit: AuditLog;
  readonly clock: Clock;
  /** Paces the comparison's reads to its budget. @default a real timer */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface ApprovalPolicy {
  readonly required: boolean;
  readonly mode: 'required' | 'auto-when-safe';
  readonly timeoutSeconds: number;
  readonly onTimeout: 'abort' | 'proceed';
  readonly reason: string;
}

export interface DataRisk {
  readonly storeNames: string[];
  readonly lagByStore: Record<string, number | null>;
  /** Worst data at risk across stores (heartbeat age; Aurora: its lag metric); null when any store has no figure. */
  readonly estimatedRpoMs: number | null;
  readonly rpoTargetMs: number;
  /** Only when every store's evidence is fresh and consistent and the worst is within the target. */
  readonly rpoWithinTarget: boolean;
  /**
   * How each store's figure was established (heartbeat or, for Aurora, the metric) and the second opinion: the
   * unknown stores first, then the worst, at most LAG_EVIDENCE_IN_STATE of them (the audit entry has every store).
   */
  readonly lagEvidence: StoreLag[];
  /** Stores left out of `lagEvidence` to keep the state small. */
  readonly lagEvidenceOmitted?: number;
  /** Stores whose data at risk is unknown: missing, unreadable, stale or contradicted evidence. */
  readonly rpoUnknownStores: string[];
  readonly approval: ApprovalPolicy;
  readonly summary: string;
}

/** Stores whose evidence travels in the workflow state (and so in the approval email); the audit entry has all. */
export const LAG_EVIDENCE_IN_STATE = 20;

/** The unknown stores first, then the largest lags: what an approver must see when not every store fits. */
function worstFirst(lags: readonly StoreLag[]): StoreLag[] {
  return [...lags].sort((a, b) => Number(a.known) - Number(b.known) || (b.lagMs ?? Number.POSITIVE_INFINITY) - (a.lagMs ?? Number.POSITIVE_INFINITY));
}

/** Whether a human must decide. Pure, so the rule is tested on its own. */
export function approvalPolicy(args: {
  mode: 'required' | 'auto-when-safe';
  verdict: Verdict | undefined;
  rpoWithinTarget: boolean;
  dryRun: boolean;
  /** Stores whose data at risk is unknown, with why (`orders (stale)`); they alone make a human decide. */
  unknown?: readonly string[];
}): { required: boolean; reason: string } {
  if (args.dryRun) return { required: false, reason: 'dry run: nothing will change, so nobody is asked' };
  if (args.mode === 'required') return { required: true, reason: 'approval mode "required": a human always decides' };
  if (args.verdict !== 'FAILOVER_WARRANTED') return { required: true, reason: `verdict ${args.verdict ?? 'unknown'} is not a clear impairment` };
  if (args.unknown && args.unknown.length > 0) {
    return {
      required: true,
      reason: `the data at risk is unknown for ${args.unknown.slice(0, 5).join(', ')}${args.unknown.length > 5 ? ` and ${args.unknown.length - 5} more` : ''}, and unknown is never within the RPO target`,
    };
  }
  if (!args.rpoWithinTarget) return { required: true, reason: 'estimated data loss exceeds the RPO target (or is unknown)' };
  return { required: false, reason: 'verdict FAILOVER_WARRANTED and estimated RPO within target, measured by replication heartbeat' };
}

const describeUnknown = (l: StoreLag) =>
  `${l.store} (${l.status === 'missing' ? (l.method === 'metric' ? 'no lag metric' : 'no heartbeat') : l.status === 'stale' ? 'heartbeat stale' : l.status})`;

export async function preflight(event: unknown, deps: DataConsistencyValidatorDeps): Promise<DataRisk> {
  const state = requireState(event);
  const request = parseRequest(state);
  const verdict = (state.health as { verdict?: Verdict } | undefined)?.verdict;
  const lags = await measureReplicationLag(deps, request.fromRegion, request.toRegion);
  const lagByStore = Object.fromEntries(lags.map((l) => [l.store, l.lagMs]));
  const estimatedRpoMs = worstLag(lags);
  const rpoTargetMs = Math.round(deps.config.objectives.rpoSeconds * 1000);
  const unknown = lags.filter((l) => !l.known);
  const rpoWithinTarget = unknown.length === 0 && estimatedRpoMs !== null && estimatedRpoMs <= rpoTargetMs;
  const mode = request.approvalMode ?? deps.config.approval.mode;
  const policy = approvalPolicy({ mode, verdict, rpoWithinTarget, dryRun: request.dryRun, unknown: unknown.map(describeUnknown) });
  const approval: ApprovalPolicy = {
    ...policy,
    mode,
    timeoutSeconds: deps.config.approval.timeoutSeconds,
    onTimeout: deps.config.approval.onTimeout,
  };
  const rpoText = estimatedRpoMs === null ? 'unknown (a store has no heartbeat or lag metric)' : `${estimatedRpoMs} ms`;
  const how = lags.some((l) => l.method === 'heartbeat')
    ? `, measured by replication heartbeat${lags.some((l) => l.method === 'metric') ? ' (Aurora: its lag metric)' : ''}`
    : ', from the Aurora lag metric';
  const verdictText = rpoWithinTarget ? 'within' : unknown.length > 0 ? 'UNKNOWN against the' : 'OVER';
  const summary =
    `Estimated data loss ${rpoText} against a ${rpoTargetMs} ms target (${verdictText} target${how}). ` +
    `Approval ${approval.required ? 'required' : 'not required'}: ${approval.reason}.`;
  const shown = lags.length > LAG_EVIDENCE_IN_STATE ? worstFirst(lags).slice(0, LAG_EVIDENCE_IN_STATE) : lags;
  const result: DataRisk = {
    storeNames: deps.config.dataStores.map((s) => s.name),
    lagByStore,
    estimatedRpoMs,
    rpoTargetMs,
    rpoWithinTarget,
    lagEvidence: shown,
    ...(lags.length > shown.length ? { lagEvidenceOmitted: lags.length - shown.length } : {}),
    rpoUnknownStores: unknown.map((l) => l.store),
    approval,
    summary,
  };
  await deps.audit.record({
    incidentId: request.incidentId,
    executionId: request.execution?.id ?? '',
    step: auditStepOf(STEPS.dataConsistencyValidator, event, 'preflight'),
    outcome: rpoWithinTarget ? 'RPO_OK' : 'RPO_AT_RISK',
    detail: { ...result, lagEvidence: lags },
    at: new Date(deps.clock.now()).toISOString(),
  });
  return result;
}

/** Upper bound of ValidateData's result in JSON bytes (UTF-8), whatever the number of stores, keys or differences. */
export const VALIDATE_RESULT_MAX_BYTES = 32 * 1024;

export interface DataReport {
  /** Per store: counts, what was compared, and the first few keys as far as VALIDATE_RESULT_MAX_BYTES allows. */
  readonly stores: StoreSummary[];
  /** Stores left out of `stores` to stay within the budget (only with very many stores); the audit report has them all. */
  readonly storesOmitted?: number;
  /** Writes the old primary has that the new one lacks, over all stores (full counts, not the capped lists). */
  readonly missingWrites: number;
  readonly differing: number;
  /** Stores whose comparison did not cover everything: for them "nothing missing" is not known. */
  readonly incompleteStores: string[];
  readonly dryRun: boolean;
  readonly summary: string;
  /** Where every missing and differing key is: the audit log, never the workflow state. */
  readonly report: MissingWritesReportPointer;
}

function now(deps: DataConsistencyValidatorDeps): string {
  return new Date(deps.clock.now()).toISOString();
}

/** Stores named in a summary line at most; the rest are counted. */
const STORES_NAMED_IN_SUMMARY = 5;

function describeIncompleteStores(stores: readonly StoreComparison[]): string {
  const incomplete = stores.filter((s) => !s.complete);
  if (incomplete.length === 0) return '';
  const named = incomplete.slice(0, STORES_NAMED_IN_SUMMARY).map((s) => `${s.store} (${clip(s.detail, 160)})`);
  const more = incomplete.length > named.length ? `; and ${incomplete.length - named.length} more` : '';
  return ` Not fully compared: ${named.join('; ')}${more}.`;
}

/**
 * After traffic moved: which writes the old primary acknowledged that the new primary lacks. The full key lists go
 * to the audit log in parts as the comparison finds them; the result (stored in the workflow state) holds counts, a
 * few keys and a pointer to the report, within VALIDATE_RESULT_MAX_BYTES.
 */
export async function postValidate(event: unknown, deps: DataConsistencyValidatorDeps): Promise<DataReport> {
  const state = requireState(event);
  const request = parseRequest(state);
  const plan = planOf(state, 'validate');
  const executionId = request.execution?.id ?? '';
  // The merges streamed every key to the report already; this adds the index that describes it.
  const writer = new MissingWritesReportWriter({
    audit: deps.audit,
    incidentId: request.incidentId,
    executionId,
    at: plan.at,
    fromRegion: request.fromRegion,
    toRegion: request.toRegion,
    startParts: plan.progress.reportParts,
    startKeys: plan.progress.reportKeys,
  });
  const stores = await comparisonResults(plan, deps);
  const keysInReport = new Map(stores.map((s) => [s.store, s.complete ? s.missingCount + (s.differingCount ?? s.differing.length) : 0]));
  const differingOf = (s: StoreComparison) => s.differingCount ?? s.differing.length;
  const missingWrites = stores.reduce((n, s) => n + s.missingCount, 0);
  const differing = stores.reduce((n, s) => n + differingOf(s), 0);
  const compared = stores.reduce((n, s) => n + s.compared, 0);
  const incompleteStores = stores.filter((s) => !s.complete).map((s) => s.store);
  const partial = describeIncompleteStores(stores);
  const summary =
    incompleteStores.length === stores.length
      ? `Data check incomplete: no store could be compared, so missing writes are unknown.${partial} Run the comparison again when ${request.fromRegion} is reachable.`
      : missingWrites === 0 && differing === 0
        ? `Data check: ${compared} items compared across ${stores.length - incompleteStores.length} of ${stores.length} store(s); none missing in ${request.toRegion}.${partial}`
        : `Data check: ${missingWrites} write(s) missing and ${differing} differing in ${request.toRegion} (of ${compared} compared); every key is in the audit log under ${writer.pointer.sortKeyPrefix} of incident ${request.incidentId}.${partial}`;
  const reportOutcome = missingWrites > 0 ? 'WRITES_MISSING' : incompleteStores.length > 0 ? 'UNKNOWN_FOR_SOME_STORES' : 'NONE_MISSING';
  // The durable copy an operator reconciles from: every store, with what it could and could not check; the keys are in the parts.
  const report = await writer.finish(
    {
      missingWrites,
      differing,
      stores: stores.map((s) => ({
        store: s.store,
        complete: s.complete,
        compared: s.compared,
        missingCount: s.missingCount,
        differingCount: differingOf(s),
        keysInReport: keysInReport.get(s.store) ?? 0,
        detail: s.detail,
      })),
    },
    reportOutcome,
  );
  const rest = { missingWrites, differing, incompleteStores, dryRun: request.dryRun, summary, report };
  const figures: StoreFigures[] = stores.map((s) => ({
    store: s.store,
    complete: s.complete,
    compared: s.compared,
    missingCount: s.missingCount,
    differingCount: differingOf(s),
    missingInTarget: s.missingInTarget,
    differing: s.differing,
    detail: s.detail,
  }));
  const fitted = fitStores(figures, rest, VALIDATE_RESULT_MAX_BYTES);
  const result: DataReport = { stores: fitted.stores, ...(fitted.storesOmitted > 0 ? { storesOmitted: fitted.storesOmitted } : {}), ...rest };
  await deps.audit.record({
    incidentId: request.incidentId,
    executionId,
    step: auditStepOf(STEPS.dataConsistencyValidator, event, 'post'),
    outcome: missingWrites > 0 || differing > 0 ? 'MISSING_WRITES' : incompleteStores.length > 0 ? 'PARTIALLY_CHECKED' : 'CONSISTENT',
    detail: { missingWrites, differing, incompleteStores, summary, report },
    at: now(deps),
  });
  return result;
}

export interface ResyncStatus {
  /** Replication caught up (lag within the RPO target everywhere, measured by heartbeat) and the data compares clean. */
  readonly clean: boolean;
  /** Not clean and no attempts left: the failback stops before traffic moves. */
  readonly exhausted: boolean;
  /** Every store's lag is measured and within target: the data is compared next, then ResyncVerdict decides. */
  readonly compare: boolean;
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly lagByStore: Record<string, number | null>;
  readonly rpoTargetMs: number;
  readonly blocking: string[];
  readonly summary: string;
}

function maxAttemptsOf(event: unknown): number {
  const maxAttempts = (event as { maxAttempts?: unknown }).maxAttempts ?? 20;
  if (typeof maxAttempts !== 'number' || !Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 500) {
    throw new InvalidInputError(`resync "maxAttempts" must be an integer from 1 to 500; got ${JSON.stringify(maxAttempts)}`);
  }
  return maxAttempts;
}

function resyncSummary(r: Omit<ResyncStatus, 'summary'>, from: string, to: string): string {
  if (r.clean)
    return `Resync check ${r.attempt}: ${to} has caught up with ${from} in every store (lag within ${r.rpoTargetMs} ms by replication heartbeat, data compares clean).`;
  if (r.compare)
    return `Resync check ${r.attempt} of ${r.maxAttempts}: every heartbeat from ${from} is fresh in ${to} (lag within ${r.rpoTargetMs} ms); comparing the data next.`;
  const named = r.blocking.slice(0, STORES_NAMED_IN_SUMMARY).join('; ');
  const more = r.blocking.length > STORES_NAMED_IN_SUMMARY ? `; and ${r.blocking.length - STORES_NAMED_IN_SUMMARY} more store(s)` : '';
  return `Resync check ${r.attempt} of ${r.maxAttempts}: ${to} not caught up with ${from} (${named}${more}).${r.exhausted ? ' Giving up: traffic stays where it is.' : ' Checking again.'}`;
}

async function recordResync(
  deps: DataConsistencyValidatorDeps,
  request: ReturnType<typeof parseRequest>,
  step: string,
  result: ResyncStatus,
): Promise<ResyncStatus> {
  await deps.audit.record({
    incidentId: request.incidentId,
    executionId: request.execution?.id ?? '',
    step,
    outcome: result.clean ? 'CAUGHT_UP' : result.exhausted ? 'GAVE_UP' : result.compare ? 'COMPARING' : 'NOT_YET',
    detail: result,
    at: now(deps),
  });
  return result;
}

/**
 * Failback precondition, polled by the ASL: traffic may return only when the region being left has replicated
 * everything to the region being re-activated. First the lag, measured by the heartbeat (a quiet table whose
 * heartbeat is fresh has caught up; a stalled one has not); Aurora's is its lag metric, the only evidence there.
 * When every lag is measured and within target, the data is compared (segmented) and ResyncVerdict decides.
 */
export async function resyncCheck(event: unknown, deps: DataConsistencyValidatorDeps): Promise<ResyncStatus> {
  const state = requireState(event);
  const request = parseRequest(state);
  const maxAttempts = maxAttemptsOf(event);
  const previous = (state.resync as { attempt?: unknown } | undefined)?.attempt;
  const attempt = (typeof previous === 'number' ? previous : 0) + 1;
  const { fromRegion: from, toRegion: to } = request;
  const rpoTargetMs = Math.round(deps.config.objectives.rpoSeconds * 1000);
  const lags = await measureReplicationLag(deps, from, to);
  const blocking = lags
    .map((l) => {
      if (l.lagMs === null)
        return `${l.store}: lag unknown (${l.status === 'missing' ? (l.method === 'metric' ? 'no lag metric' : 'no heartbeat') : l.status})`;
      if (!l.known) return `${l.store}: lag ${l.lagMs} ms (${l.status === 'stale' ? 'heartbeat stale: replication is not flowing' : 'contradicting evidence'})`;
      if (l.lagMs > rpoTargetMs) return `${l.store}: lag ${l.lagMs} ms > ${rpoTargetMs} ms`;
      return undefined;
    })
    .filter((b): b is string => b !== undefined);
  const caughtUp = blocking.length === 0;
  const status = {
    clean: false,
    exhausted: !caughtUp && attempt >= maxAttempts,
    compare: caughtUp,
    attempt,
    maxAttempts,
    lagByStore: Object.fromEntries(lags.map((l) => [l.store, l.lagMs])),
    rpoTargetMs,
    blocking,
  };
  return recordResync(deps, request, auditStepOf(STEPS.dataConsistencyValidator, event, 'resync'), { ...status, summary: resyncSummary(status, from, to) });
}

/** After the comparison a caught-up ResyncCheck asked for: clean, or not yet (and exhausted at the last attempt). */
export async function resyncVerdict(event: unknown, deps: DataConsistencyValidatorDeps): Promise<ResyncStatus> {
  const state = requireState(event);
  const request = parseRequest(state);
  const maxAttempts = maxAttemptsOf(event);
  const previous = (state.resync ?? {}) as { attempt?: unknown; lagByStore?: unknown };
  const attempt = typeof previous.attempt === 'number' ? previous.attempt : 1;
  const lagByStore = (previous.lagByStore && typeof previous.lagByStore === 'object' ? previous.lagByStore : {}) as Record<string, number | null>;
  const plan = planOf(state, 'resync');
  const { fromRegion: from, toRegion: to } = request;
  const rpoTargetMs = Math.round(deps.config.objectives.rpoSeconds * 1000);
  const stores = await comparisonResults(plan, deps);
  const kindOf = new Map(deps.config.dataStores.map((s) => [s.name, s.kind]));
  const blocking = stores
    .map((cmp) => {
      const reasons: string[] = [];
      if (cmp.missingCount > 0) reasons.push(`${cmp.missingCount} item(s) not yet in ${to}`);
      const differing = cmp.differingCount ?? cmp.differing.length;
      if (differing > 0) reasons.push(`${differing} item(s) differ`);
      // Aurora rows cannot be compared: its lag metric was the whole evidence, checked by ResyncCheck.
      if (!cmp.complete && kindOf.get(cmp.store) !== 'aurora-global') reasons.push(`not compared: ${clip(cmp.detail, 120)}`);
      return reasons.length > 0 ? `${cmp.store}: ${reasons.join(', ')}` : undefined;
    })
    .filter((b): b is string => b !== undefined);
  const clean = blocking.length === 0;
  const status = { clean, exhausted: !clean && attempt >= maxAttempts, compare: false, attempt, maxAttempts, lagByStore, rpoTargetMs, blocking };
  return recordResync(deps, request, auditStepOf(STEPS.dataConsistencyValidator, event, 'resync-verdict'), {
    ...status,
    summary: resyncSummary(status, from, to),
  });
}

// --- the segmented comparison's steps ----------------------------------------------------------------

function purposeOf(event: unknown): ComparisonPurpose {
  const purpose = (event as { purpose?: unknown }).purpose;
  if (purpose !== 'validate' && purpose !== 'resync') throw new InvalidInputError(`"purpose" must be "validate" or "resync"; got ${JSON.stringify(purpose)}`);
  return purpose;
}

/** Where each comparison's plan lives in the workflow state. */
export const PLAN_FIELD: Record<ComparisonPurpose, string> = { validate: 'validation', resync: 'resyncComparison' };

function planOf(state: Record<string, unknown>, purpose: ComparisonPurpose): ComparisonPlan {
  const plan = state[PLAN_FIELD[purpose]] as Partial<ComparisonPlan> | undefined;
  if (
    !plan ||
    typeof plan.comparisonId !== 'string' ||
    !Array.isArray(plan.lanes) ||
    !plan.progress ||
    typeof plan.progress !== 'object' ||
    !Array.isArray(plan.notCompared)
  ) {
    throw new InvalidInputError(`state.${PLAN_FIELD[purpose]} must be the comparison plan PlanComparison returned`);
  }
  return plan as ComparisonPlan;
}

const sleepFor = (deps: DataConsistencyValidatorDeps) => deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

export async function comparePlan(event: unknown, deps: DataConsistencyValidatorDeps): Promise<ComparisonPlan> {
  const request = parseRequest(requireState(event));
  return planComparison({ purpose: purposeOf(event), fromRegion: request.fromRegion, toRegion: request.toRegion, incidentId: request.incidentId }, deps);
}

export async function compareOneSegment(event: unknown, deps: DataConsistencyValidatorDeps): Promise<SegmentProgress> {
  return compareSegment(parseSegmentTask(requireState(event), deps.config), { ...deps, sleep: sleepFor(deps) });
}

export async function compareMerge(event: unknown, deps: DataConsistencyValidatorDeps): Promise<ComparisonProgress> {
  const state = requireState(event);
  const request = parseRequest(state);
  return mergeComparison(planOf(state, purposeOf(event)), {
    ...deps,
    sleep: sleepFor(deps),
    incidentId: request.incidentId,
    executionId: request.execution?.id ?? '',
  });
}

export type ValidatorResult = DataRisk | DataReport | ResyncStatus | ComparisonPlan | SegmentProgress | ComparisonProgress;

const ACTIONS: Record<string, (event: unknown, deps: DataConsistencyValidatorDeps) => Promise<ValidatorResult>> = {
  preflight,
  post: postValidate,
  resync: resyncCheck,
  'resync-verdict': resyncVerdict,
  'compare-plan': comparePlan,
  'compare-segment': compareOneSegment,
  'compare-merge': compareMerge,
};

export async function runDataConsistencyValidator(event: unknown, deps: DataConsistencyValidatorDeps): Promise<ValidatorResult> {
  const action = (event as { action?: unknown } | null)?.action;
  const run = typeof action === 'string' && Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
  if (!run)
    throw new InvalidInputError(
      `Unknown data-consistency-validator action ${JSON.stringify(action)}; expected one of ${Object.keys(ACTIONS)
        .map((a) => `"${a}"`)
        .join(', ')}`,
    );
  return run(event, deps);
}
