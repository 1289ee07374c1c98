import type { Logger } from '@aws-lambda-powertools/logger';
import { failoverOrchestratorAwsDeps } from './aws-deps';
import { idempotentSteps, stepIdempotencyKey, type StepIdempotencyOptions } from '../shared/aws/idempotency';
import { createLogger, lazyHandler, wrapTask } from '../shared/middleware';
import { runFailoverOrchestrator, type FailoverOrchestratorDeps } from './failover-orchestrator';

/** Steps that change something, each stored by execution and step so a retry or redrive does it once. */
const STATE_CHANGING = new Set(['fence', 'scale-standby', 'promote', 'activate']);

function keyOf(event: unknown): string | undefined {
  const step = (event as { step?: unknown } | null)?.step;
  return typeof step === 'string' && STATE_CHANGING.has(step) ? stepIdempotencyKey(event, step) : undefined;
}

/** One factory for Lambda, the drill and tests: only the deps differ. */
export function createHandler(deps: FailoverOrchestratorDeps & { logger?: Logger; idempotency?: StepIdempotencyOptions }) {
  const logger = deps.logger ?? createLogger('failover-orchestrator');
  const run = (event: unknown) => runFailoverOrchestrator(event, deps);
  if (!deps.idempotency) return wrapTask(logger, run);
  const steps = idempotentSteps(run, keyOf, deps.idempotency);
  return wrapTask(logger, steps.run).use(steps.middleware);
}

export const handler = lazyHandler(() => createHandler(failoverOrchestratorAwsDeps()));
