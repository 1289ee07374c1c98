import type { DrConfig } from '../../config/schema';
import { auditStepOf, STEPS } from '../../config/steps';
import { clip } from '../shared/bounded';
import { InvalidInputError, StepFailedError, ThrottledError, TransientError } from '../shared/errors';
import type { AuditLog, Clock, DataStorePromotion, PromotionResult, ScalingResult, SiteState, SiteStateValue, StandbyScaler } from '../shared/ports';
import { parseRequest, POST_APPROVAL_STEPS, requireState, type FailoverRequest } from '../shared/workflow';

export interface FailoverOrchestratorDeps {
  readonly config: DrConfig;
  readonly siteState: SiteState;
  readonly dataStores: DataStorePromotion;
  /** Raises pilot-light / warm-standby capacity (config `standby.scaling`). */
  readonly scaler: StandbyScaler;
  readonly audit: AuditLog;
  readonly clock: Clock;
}

export interface StepResult {
  readonly step: string;
  readonly dryRun: boolean;
  readonly changed: boolean;
  readonly plan?: string[];
  readonly summary: string;
  readonly [extra: string]: unknown;
}

async function audit(deps: FailoverOrchestratorDeps, request: FailoverRequest & { execution?: { id: string } }, event: unknown, result: StepResult) {
  await deps.audit.record({
    incidentId: request.incidentId,
    executionId: request.execution?.id ?? '',
    // The ASL state that ran it: ScaleStandby and ConfirmStandbyScaled run the same action.
    step: auditStepOf(STEPS.failoverOrchestrator, event),
    outcome: result.dryRun ? 'DRY_RUN' : result.changed ? 'DONE' : 'ALREADY_DONE',
    detail: result,
    at: new Date(deps.clock.now()).toISOString(),
  });
}

/**
 * Split-brain guard. The old primary may be unreachable (that is usually why we are here), so fencing
 * is best effort: an unreachable region cannot take writes either. The result says which it was. Only
 * unreachability is skipped: a region that answers (even "throttled") must be fenced, or the step fails.
 */
async function fence(request: FailoverRequest, deps: FailoverOrchestratorDeps): Promise<StepResult> {
  const region = request.fromRegion;
  if (request.dryRun) {
    return {
      step: 'fence',
      dryRun: true,
      changed: false,
      plan: [`set site state of ${region} to PASSIVE (its writers stop)`],
      summary: `Would fence ${region}.`,
    };
  }
  let current: SiteStateValue;
  try {
    current = await deps.siteState.get(region);
  } catch (err) {
    // Only a transport failure (timeout, refused, 5xx: a TransientError) means unreachable. Throttled, denied
    // or a bad value all come from a region that answered: skipping its fence would leave two writers.
    if (err instanceof ThrottledError) throw err;
    if (!(err instanceof TransientError))
      throw new StepFailedError(`${region} answered but its site state could not be read: ${(err as Error).message}`, { cause: err });
    return {
      step: 'fence',
      dryRun: false,
      changed: false,
      fenced: false,
      summary: `Could not reach ${region} to fence it (${(err as Error).message}); it is unreachable, so it takes no writes either. Fence it when it returns.`,
    };
  }
  if (current === 'PASSIVE') {
    return { step: 'fence', dryRun: false, changed: false, fenced: true, summary: `${region} already PASSIVE.` };
  }
  // It answered the read, so it is reachable and still ACTIVE: a failed write here (throttled, denied) must
  // stop the failover (Retry, then INCOMPLETE), never pass as "unreachable", or two regions would take writes.
  try {
    await deps.siteState.set(region, 'PASSIVE');
  } catch (err) {
    if (err instanceof TransientError) throw err;
    throw new StepFailedError(`${region} is reachable and ACTIVE, but setting it PASSIVE failed: ${(err as Error).message}`, { cause: err });
  }
  return { step: 'fence', dryRun: false, changed: true, fenced: true, summary: `${region} set PASSIVE; its writers stop.` };
}

/** Scaling targets running at once: each is a handful of calls, but 50 at once would meet API throttling. */
const SCALING_CONCURRENCY = 5;

async function scaleStandby(request: FailoverRequest, deps: FailoverOrchestratorDeps): Promise<StepResult> {
  const { standby, regions } = deps.config;
  const region = request.toRegion;
  const base = { step: 'scale-standby', dryRun: request.dryRun };
  if (standby.mode === 'hot' || standby.scaling.length === 0) {
    return { ...base, changed: false, targets: [], summary: `Hot standby: ${region} already runs at production size.` };
  }
  if (region !== regions.standby.name) {
    // Failback: the capacity targets describe the standby region; the primary is kept at production size.
    return {
      ...base,
      changed: false,
      targets: [],
      summary: `${region} is the primary region; standby.scaling applies to ${regions.standby.name} only. Nothing to scale.`,
    };
  }
  const results = new Array<ScalingResult>(standby.scaling.length);
  let next = 0;
  const worker = async () => {
    while (next < standby.scaling.length) {
      const i = next++;
      results[i] = await deps.scaler.scale(standby.scaling[i], region, { dryRun: request.dryRun });
    }
  };
  await Promise.all(Array.from({ length: Math.min(SCALING_CONCURRENCY, standby.scaling.length) }, worker));
  const changed = results.filter((r) => r.changed);
  if (request.dryRun) {
    return {
      ...base,
      changed: false,
      targets: results,
      plan: changed.map((r) => `scale ${standby.mode} standby: ${r.detail}`),
      summary: `Would scale ${changed.length} of ${results.length} target(s) in ${region} to production size.`,
    };
  }
  return {
    ...base,
    changed: changed.length > 0,
    targets: results,
    summary: `${standby.mode} standby in ${region}: ${changed.length} of ${results.length} target(s) raised to production size; all serving.`,
  };
}

/** What promoting a store means, for the dry-run plan: only single-writer stores have a writer to move. */
function promotionPlan(kind: string, name: string, planned: boolean, to: string): string {
  if (kind !== 'aurora-global') return `${kind} ${name}: nothing to promote (every region already accepts writes)`;
  return planned
    ? `${kind} ${name}: switchover of the writer to ${to} (planned, no data loss)`
    : `${kind} ${name}: failover of the writer to ${to} allowing data loss (unreplicated writes may be lost)`;
}

async function promote(request: FailoverRequest, storeName: unknown, state: Record<string, unknown>, deps: FailoverOrchestratorDeps): Promise<StepResult> {
  if (typeof storeName !== 'string') throw new InvalidInputError('promote needs a "store" name');
  const store = deps.config.dataStores.find((s) => s.name === storeName);
  if (!store) throw new InvalidInputError(`Unknown data store "${storeName}"`);
  const verdict = (state.health as { verdict?: string } | undefined)?.verdict;
  // A planned switchover (no data loss) only when the old primary is still healthy.
  const planned = verdict === 'PRIMARY_HEALTHY';
  if (request.dryRun) {
    return {
      step: 'promote',
      store: store.name,
      dryRun: true,
      changed: false,
      plan: [promotionPlan(store.kind, store.name, planned, request.toRegion)],
      summary: `Would promote ${store.name}.`,
    };
  }
  let result: PromotionResult;
  try {
    result = await deps.dataStores.promote(store, request.toRegion, { planned });
  } catch (err) {
    if (err instanceof TransientError) throw err;
    throw new StepFailedError(`Promotion of ${store.kind} ${store.name} to ${request.toRegion} failed: ${(err as Error).message}`, { cause: err });
  }
  return { step: 'promote', store: store.name, dryRun: false, changed: result.action !== 'none', action: result.action, summary: result.detail };
}

async function activate(request: FailoverRequest, deps: FailoverOrchestratorDeps): Promise<StepResult> {
  const region = request.toRegion;
  if (request.dryRun) {
    return {
      step: 'activate',
      dryRun: true,
      changed: false,
      plan: [`set site state of ${region} to ACTIVE (its writers start)`],
      summary: `Would activate ${region}.`,
    };
  }
  if ((await deps.siteState.get(region)) === 'ACTIVE') {
    return { step: 'activate', dryRun: false, changed: false, summary: `${region} already ACTIVE.` };
  }
  await deps.siteState.set(region, 'ACTIVE');
  return { step: 'activate', dryRun: false, changed: true, summary: `${region} set ACTIVE.` };
}

/** Characters of a failed step's error kept in the INCOMPLETE report (the execution history has all of it). */
const ERROR_MAX_CHARS = 2_000;

/**
 * Characters of a store's promotion detail kept in the state: PromoteData's Map collects one result per store (up to
 * 100), and its output must stay far below Step Functions' 256 KiB. The audit entry keeps the whole detail.
 */
export const PROMOTE_SUMMARY_MAX_CHARS = 300;

export interface IncompleteReport {
  readonly failedStep: string;
  readonly completedSteps: string[];
  readonly remainingSteps: string[];
  readonly error: string;
  readonly summary: string;
}

/** After a step failed for good: what is done, what is not, and what to do about it. */
export function describeIncomplete(state: Record<string, unknown>): IncompleteReport {
  const steps = (state.steps ?? {}) as Record<string, unknown>;
  const completed = POST_APPROVAL_STEPS.filter((s) => steps[s.key] !== undefined).map((s) => s.state);
  const remaining = POST_APPROVAL_STEPS.filter((s) => steps[s.key] === undefined).map((s) => s.state);
  const err = (state.error ?? {}) as { Error?: string; Cause?: string };
  const failedStep = remaining[0] ?? 'unknown';
  // A cause may be up to 32,768 characters, and the report repeats it in its summary: the state keeps the start.
  const error = clip(`${err.Error ?? 'Error'}: ${err.Cause ?? 'no cause given'}`, ERROR_MAX_CHARS);
  const warnings: string[] = [];
  const fence = steps.fence as { fenced?: boolean } | undefined;
  if (fence && fence.fenced === false) warnings.push(`${String(state.fromRegion)} was NOT fenced (unreachable): set it PASSIVE before it comes back`);
  if (failedStep === 'PromoteData') warnings.push('some data stores may already be promoted (each store is promoted on its own; a redrive skips those done)');
  if (completed.includes('ShiftTraffic') && !completed.includes('ActivateStandby'))
    warnings.push(`traffic already goes to ${String(state.toRegion)}, which is not ACTIVE yet: writes there are refused until it is`);
  const summary =
    `Stopped at ${failedStep} (${error}). Completed: ${completed.join(', ') || 'none'}. Remaining: ${remaining.join(', ')}. ` +
    (warnings.length > 0 ? `Attention: ${warnings.join('; ')}. ` : '') +
    'Every step is idempotent: fix the cause, then redrive the execution to resume from the failed step.';
  return { failedStep, completedSteps: completed, remainingSteps: remaining, error, summary };
}

export async function runFailoverOrchestrator(event: unknown, deps: FailoverOrchestratorDeps): Promise<StepResult> {
  const state = requireState(event);
  const action = (event as { action?: unknown }).action;
  const request = parseRequest(state);
  let result: StepResult;
  switch (action) {
    case 'fence':
      result = await fence(request, deps);
      break;
    case 'scale-standby':
      result = await scaleStandby(request, deps);
      break;
    case 'promote':
      result = await promote(request, (event as { store?: unknown }).store, state, deps);
      break;
    case 'activate':
      result = await activate(request, deps);
      break;
    default:
      throw new InvalidInputError(`Unknown failover-orchestrator action ${JSON.stringify(action)}`);
  }
  await audit(deps, request, event, result);
  return action === 'promote' ? { ...result, summary: clip(result.summary, PROMOTE_SUMMARY_MAX_CHARS) } : result;
}
