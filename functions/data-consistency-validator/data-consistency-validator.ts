import type { DrConfig } from '../../config/schema';
import { InvalidInputError } from '../shared/errors';
import type { AuditLog, Clock, DataStores, StoreComparison } from '../shared/ports';
import { parseRequest, requireState, type Verdict } from '../shared/workflow';

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

export interface DataReport {
  readonly stores: StoreComparison[];
  readonly missingWrites: number;
  readonly differing: number;
  readonly dryRun: boolean;
  readonly summary: string;
}

/** After traffic moved: which writes the old primary acknowledged that the new primary lacks. */
export async function postValidate(event: unknown, deps: DataConsistencyValidatorDeps): Promise<DataReport> {
  const request = parseRequest(requireState(event));
  const stores = await Promise.all(deps.config.dataStores.map((s) => deps.dataStores.compare(s, request.fromRegion, request.toRegion)));
  const missingWrites = stores.reduce((n, s) => n + s.missingInTarget.length, 0);
  const differing = stores.reduce((n, s) => n + s.differing.length, 0);
  const compared = stores.reduce((n, s) => n + s.compared, 0);
  const summary =
    missingWrites === 0 && differing === 0
      ? `Data check: ${compared} items compared across ${stores.length} store(s); none missing in ${request.toRegion}.`
      : `Data check: ${missingWrites} write(s) missing and ${differing} differing in ${request.toRegion} (of ${compared} compared); see the missing-writes report.`;
  const report: DataReport = { stores, missingWrites, differing, dryRun: request.dryRun, summary };
  await deps.audit.record({
    incidentId: request.incidentId,
    executionId: request.execution?.id ?? '',
    step: 'ValidateData',
    outcome: missingWrites === 0 && differing === 0 ? 'CONSISTENT' : 'MISSING_WRITES',
    detail: report,
    at: new Date(deps.clock.now()).toISOString(),
  });
  return report;
}

export async function runDataConsistencyValidator(event: unknown, deps: DataConsistencyValidatorDeps): Promise<DataRisk | DataReport> {
  const action = (event as { action?: unknown } | null)?.action;
  if (action === 'preflight') return preflight(event, deps);
  if (action === 'post') return postValidate(event, deps);
  throw new InvalidInputError(`Unknown data-consistency-validator action ${JSON.stringify(action)}; expected "preflight" or "post"`);
}
