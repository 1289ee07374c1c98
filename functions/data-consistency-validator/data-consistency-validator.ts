import type { DrConfig } from '../../config/schema';
import { clip } from '../shared/bounded';
import { InvalidInputError } from '../shared/errors';
import type { AuditLog, Clock, ComparisonKeys, DataStores, StoreComparison } from '../shared/ports';
import { parseRequest, requireState, type Verdict } from '../shared/workflow';
import { fitStores, MissingWritesReportWriter, type MissingWritesReportPointer, type StoreFigures, type StoreSummary } from './missing-writes-report';

export interface DataConsistencyValidatorDeps {
  readonly config: DrConfig;
  readonly dataStores: DataStores;
  readonly audit: AuditLog;
  readonly clock: Clock;
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
  /** Worst replication lag across stores; null when any store could not tell. */
  readonly estimatedRpoMs: number | null;
  readonly rpoTargetMs: number;
  readonly rpoWithinTarget: boolean;
  readonly approval: ApprovalPolicy;
  readonly summary: string;
}

/** Whether a human must decide. Pure, so the rule is tested on its own. */
export function approvalPolicy(args: {
  mode: 'required' | 'auto-when-safe';
  verdict: Verdict | undefined;
  rpoWithinTarget: boolean;
  dryRun: boolean;
}): { required: boolean; reason: string } {
  if (args.dryRun) return { required: false, reason: 'dry run: nothing will change, so nobody is asked' };
  if (args.mode === 'required') return { required: true, reason: 'approval mode "required": a human always decides' };
  if (args.verdict !== 'FAILOVER_WARRANTED') return { required: true, reason: `verdict ${args.verdict ?? 'unknown'} is not a clear impairment` };
  if (!args.rpoWithinTarget) return { required: true, reason: 'estimated data loss exceeds the RPO target (or is unknown)' };
  return { required: false, reason: 'verdict FAILOVER_WARRANTED and estimated RPO within target' };
}

export async function preflight(event: unknown, deps: DataConsistencyValidatorDeps): Promise<DataRisk> {
  const state = requireState(event);
  const request = parseRequest(state);
  const verdict = (state.health as { verdict?: Verdict } | undefined)?.verdict;
  const lags = await Promise.all(
    deps.config.dataStores.map(async (s) => [s.name, await deps.dataStores.replicationLagMs(s, request.fromRegion, request.toRegion)] as const),
  );
  const lagByStore = Object.fromEntries(lags);
  const known = lags.map(([, l]) => l);
  const estimatedRpoMs = known.some((l) => l === null) ? null : Math.max(0, ...(known as number[]));
  const rpoTargetMs = Math.round(deps.config.objectives.rpoSeconds * 1000);
  const rpoWithinTarget = estimatedRpoMs !== null && estimatedRpoMs <= rpoTargetMs;
  const mode = request.approvalMode ?? deps.config.approval.mode;
  const policy = approvalPolicy({ mode, verdict, rpoWithinTarget, dryRun: request.dryRun });
  const approval: ApprovalPolicy = {
    ...policy,
    mode,
    timeoutSeconds: deps.config.approval.timeoutSeconds,
    onTimeout: deps.config.approval.onTimeout,
  };
  const rpoText = estimatedRpoMs === null ? 'unknown (a store reports no lag metric)' : `${estimatedRpoMs} ms`;
  const summary =
    `Estimated data loss ${rpoText} against a ${rpoTargetMs} ms target (${rpoWithinTarget ? 'within' : 'OVER'} target). ` +
    `Approval ${approval.required ? 'required' : 'not required'}: ${approval.reason}.`;
  const result: DataRisk = { storeNames: deps.config.dataStores.map((s) => s.name), lagByStore, estimatedRpoMs, rpoTargetMs, rpoWithinTarget, approval, summary };
  await deps.audit.record({
    incidentId: request.incidentId,
    executionId: request.execution?.id ?? '',
    step: 'AssessDataRisk',
    outcome: rpoWithinTarget ? 'RPO_OK' : 'RPO_AT_RISK',
    detail: result,
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
  const request = parseRequest(requireState(event));
  const executionId = request.execution?.id ?? '';
  const at = now(deps);
  const writer = new MissingWritesReportWriter({ audit: deps.audit, incidentId: request.incidentId, executionId, at, fromRegion: request.fromRegion, toRegion: request.toRegion });
  const keysInReport = new Map<string, number>();
  const stores = await Promise.all(
    deps.config.dataStores.map(async (store) => {
      let streamed = false;
      const onKeys = async (keys: ComparisonKeys) => {
        streamed = true;
        keysInReport.set(store.name, (keysInReport.get(store.name) ?? 0) + keys.missingInTarget.length + keys.differing.length);
        await writer.add(store.name, keys);
      };
      const cmp = await deps.dataStores.compare(store, request.fromRegion, request.toRegion, { onKeys });
      // An adapter that does not stream returns its lists whole (or as far as it keeps them: keysInReport says).
      if (!streamed) await onKeys({ missingInTarget: cmp.missingInTarget, differing: cmp.differing });
      return cmp;
    }),
  );
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
    step: 'ValidateData',
    outcome: missingWrites > 0 || differing > 0 ? 'MISSING_WRITES' : incompleteStores.length > 0 ? 'PARTIALLY_CHECKED' : 'CONSISTENT',
    detail: { missingWrites, differing, incompleteStores, summary, report },
    at: now(deps),
  });
  return result;
}

export interface ResyncStatus {
  /** Replication caught up (lag within the RPO target everywhere) and the data compares clean. */
  readonly clean: boolean;
  /** Not clean and no attempts left: the failback stops before traffic moves. */
  readonly exhausted: boolean;
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly lagByStore: Record<string, number | null>;
  readonly rpoTargetMs: number;
  readonly blocking: string[];
  readonly summary: string;
}

/**
 * Failback precondition, polled by the ASL: traffic may return only when the region being left has
 * replicated everything to the region being re-activated. Aurora rows cannot be compared here, so for
 * Aurora the storage-level lag metric is the whole evidence; other stores must also compare clean.
 */
export async function resyncCheck(event: unknown, deps: DataConsistencyValidatorDeps): Promise<ResyncStatus> {
  const state = requireState(event);
  const request = parseRequest(state);
  const maxAttempts = (event as { maxAttempts?: unknown }).maxAttempts ?? 20;
  if (typeof maxAttempts !== 'number' || !Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 500) {
    throw new InvalidInputError(`resync "maxAttempts" must be an integer from 1 to 500; got ${JSON.stringify(maxAttempts)}`);
  }
  const previous = (state.resync as { attempt?: unknown } | undefined)?.attempt;
  const attempt = (typeof previous === 'number' ? previous : 0) + 1;
  const { fromRegion: from, toRegion: to } = request;
  const rpoTargetMs = Math.round(deps.config.objectives.rpoSeconds * 1000);
  const checks = await Promise.all(
    deps.config.dataStores.map(async (store) => {
      const [lag, cmp] = await Promise.all([deps.dataStores.replicationLagMs(store, from, to), deps.dataStores.compare(store, from, to)]);
      const reasons: string[] = [];
      if (lag === null) reasons.push('lag unknown');
      else if (lag > rpoTargetMs) reasons.push(`lag ${lag} ms > ${rpoTargetMs} ms`);
      if (cmp.missingCount > 0) reasons.push(`${cmp.missingCount} item(s) not yet in ${to}`);
      const differing = cmp.differingCount ?? cmp.differing.length;
      if (differing > 0) reasons.push(`${differing} item(s) differ`);
      if (!cmp.complete && store.kind !== 'aurora-global') reasons.push(`not compared: ${clip(cmp.detail, 120)}`);
      return { store: store.name, lag, reasons };
    }),
  );
  const blocking = checks.filter((c) => c.reasons.length > 0).map((c) => `${c.store}: ${c.reasons.join(', ')}`);
  const clean = blocking.length === 0;
  const exhausted = !clean && attempt >= maxAttempts;
  const summary = clean
    ? `Resync check ${attempt}: ${to} has caught up with ${from} in every store (lag within ${rpoTargetMs} ms, data compares clean).`
    : `Resync check ${attempt} of ${maxAttempts}: ${to} not caught up with ${from} (${blocking.slice(0, STORES_NAMED_IN_SUMMARY).join('; ')}${blocking.length > STORES_NAMED_IN_SUMMARY ? `; and ${blocking.length - STORES_NAMED_IN_SUMMARY} more store(s)` : ''}).${exhausted ? ' Giving up: traffic stays where it is.' : ' Checking again.'}`;
  const result: ResyncStatus = { clean, exhausted, attempt, maxAttempts, lagByStore: Object.fromEntries(checks.map((c) => [c.store, c.lag])), rpoTargetMs, blocking, summary };
  await deps.audit.record({
    incidentId: request.incidentId,
    executionId: request.execution?.id ?? '',
    step: 'ResyncCheck',
    outcome: clean ? 'CAUGHT_UP' : exhausted ? 'GAVE_UP' : 'NOT_YET',
    detail: result,
    at: now(deps),
  });
  return result;
}

export async function runDataConsistencyValidator(event: unknown, deps: DataConsistencyValidatorDeps): Promise<DataRisk | DataReport | ResyncStatus> {
  const action = (event as { action?: unknown } | null)?.action;
  if (action === 'preflight') return preflight(event, deps);
  if (action === 'post') return postValidate(event, deps);
  if (action === 'resync') return resyncCheck(event, deps);
  throw new InvalidInputError(`Unknown data-consistency-validator action ${JSON.stringify(action)}; expected "preflight", "post" or "resync"`);
}
