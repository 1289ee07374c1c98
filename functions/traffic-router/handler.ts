import type { Logger } from '@aws-lambda-powertools/logger';
import { STEPS } from '../../config/steps';
import { trafficRouterAwsDeps } from './aws-deps';
import { idempotentSteps, stepIdempotencyKey, type StepIdempotencyOptions } from '../shared/aws/idempotency';
import { createLogger, lazyHandler, wrapTask } from '../shared/middleware';
import { shiftTraffic, type TrafficRouterDeps } from './traffic-router';

/** One factory for Lambda, the drill and tests: only the deps differ. */
export function createHandler(deps: TrafficRouterDeps & { logger?: Logger; idempotency?: StepIdempotencyOptions }) {
  const logger = deps.logger ?? createLogger(STEPS.trafficRouter.logService);
  const run = (event: unknown) => shiftTraffic(event, deps);
  if (!deps.idempotency) return wrapTask(logger, run);
  const steps = idempotentSteps(run, (event) => stepIdempotencyKey(event, 'ShiftTraffic'), deps.idempotency);
  return wrapTask(logger, steps.run).use(steps.middleware);
}

export const handler = lazyHandler(() => createHandler(trafficRouterAwsDeps()));
