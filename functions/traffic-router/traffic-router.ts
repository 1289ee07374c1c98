import type { DrConfig } from '../../config/schema';
import { auditStepOf, STEPS } from '../../config/steps';
import { InvalidInputError } from '../shared/errors';
import type { AuditLog, Clock, TrafficControl, TrafficState } from '../shared/ports';
import { parseRequest, requireState } from '../shared/workflow';

export interface TrafficRouterDeps {
  readonly config: DrConfig;
  readonly traffic: TrafficControl;
  readonly audit: AuditLog;
  readonly clock: Clock;
}

export interface ShiftResult {
  readonly strategy: string;
  readonly before: TrafficState;
  readonly after: TrafficState;
  /** True when traffic was already on the target (a retry or redrive after a success). */
  readonly alreadyShifted: boolean;
  readonly dryRun: boolean;
  readonly plan?: string[];
  readonly via?: string;
  readonly summary: string;
}

function allOn(state: TrafficState, region: string): boolean {
  return Object.entries(state.weights).every(([r, w]) => (r === region ? w > 0 : w === 0));
}

/**
 * Moves the global name to `toRegion`. Idempotent: reading the current state first means a retry
 * after a success (or a redrive) changes nothing and says so.
 */
export async function shiftTraffic(event: unknown, deps: TrafficRouterDeps): Promise<ShiftResult> {
  const state = requireState(event);
  const action = (event as { action?: unknown }).action;
  if (action !== 'shift') throw new InvalidInputError(`Unknown traffic-router action ${JSON.stringify(action)}; expected "shift"`);
  const request = parseRequest(state);
  const { fromRegion: from, toRegion: to } = request;
  const strategy = deps.traffic.strategy;
  const before = await deps.traffic.describe();
  let result: ShiftResult;
  if (allOn(before, to)) {
    result = { strategy, before, after: before, alreadyShifted: true, dryRun: request.dryRun, summary: `Traffic already on ${to}; nothing to change.` };
  } else if (request.dryRun) {
    const plan = [`${strategy}: send 100% of ${deps.config.globalDomain.name} to ${to} and 0% to ${from} (now ${JSON.stringify(before.weights)})`];
    result = { strategy, before, after: before, alreadyShifted: false, dryRun: true, plan, summary: `Dry run: ${plan[0]}` };
  } else {
    const shift = await deps.traffic.shiftTo(to, from);
    result = {
      strategy,
      before: shift.before,
      after: shift.after,
      alreadyShifted: false,
      dryRun: false,
      via: shift.via,
      summary: `Traffic moved to ${to} via ${shift.via}${shift.changeId ? ` (change ${shift.changeId})` : ''}.`,
    };
  }
  await deps.audit.record({
    incidentId: request.incidentId,
    executionId: request.execution?.id ?? '',
    step: auditStepOf(STEPS.trafficRouter, event, 'shift'),
    outcome: result.dryRun ? 'DRY_RUN' : result.alreadyShifted ? 'ALREADY_DONE' : 'SHIFTED',
    detail: result,
    at: new Date(deps.clock.now()).toISOString(),
  });
  return result;
}
