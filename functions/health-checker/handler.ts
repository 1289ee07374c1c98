import type { Logger } from '@aws-lambda-powertools/logger';
import { STEPS } from '../../config/steps';
import { healthCheckerAwsDeps } from './aws-deps';
import { createLogger, lazyHandler, wrapTask } from '../shared/middleware';
import { runHealthChecker, type HealthCheckerDeps } from './health-checker';

/** One factory for Lambda, the drill and tests: only the deps differ. */
export function createHandler(deps: HealthCheckerDeps & { logger?: Logger }) {
  const logger = deps.logger ?? createLogger(STEPS.healthChecker.logService);
  return wrapTask(logger, (event: unknown) => runHealthChecker(event, deps));
}

export const handler = lazyHandler(() => createHandler(healthCheckerAwsDeps()));
