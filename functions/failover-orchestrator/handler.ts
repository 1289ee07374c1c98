import type { Logger } from '@aws-lambda-powertools/logger';
import { failoverOrchestratorAwsDeps } from './aws-deps';
import { idempotentSteps, stepIdempotencyKey, type StepIdempotencyOptions } from '../shared/aws/idempotency';
import { STEPS } from '../../config/steps';
import { createLogger, lazyHandler, wrapTask } from '../shared/middleware';
import { runFailoverOrchestrator, type FailoverOrchestratorDeps } from './failover-orchestrator';

/**
 * Actions that change something, each stored by execution and action so a retry or redrive does it once. Keyed by the
 * action, not the state: ScaleStandby and ConfirmStandbyScaled share `scale-standby`, so the confirmation gets the
 * scaling result back instead of scaling again.
 */
const STATE_CHANGING = new Set(['fence', 'scale-standby', 'promote', 'activate']);

function keyOf(event: unknown): string | undefined {
  const action = (event as { action?: unknown } | null)?.action;
  return typeof action === 'string' && STATE_CHANGING.has(action) ? stepIdempotencyKey(event, action) : undefined;
}

/** One factory for Lambda, the drill and tests: only the deps differ. */
export function createHandler(deps: FailoverOrchestratorDeps & { logger?: Logger; idempotency?: StepIdempotencyOptions }) {
  const logger = deps.logger ?? createLogger(STEPS.failoverOrchestrator.logService);
  const run = (event: unknown) => runFailoverOrchestrator(event, deps);
  if (!deps.idempotency) return wrapTask(logger, run);
  const steps = idempotentSteps(run, keyOf, deps.idempotency);
  return wrapTask(logger, steps.run).use(steps.middleware);
}

export const handler = lazyHandler(() => createHandler(failoverOrchestratorAwsDeps()));
