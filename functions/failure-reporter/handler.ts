import type { Logger } from '@aws-lambda-powertools/logger';
import { STEPS } from '../../config/steps';
import { createLogger, lazyHandler, wrapTask } from '../shared/middleware';
import { failureReporterAwsDeps } from './aws-deps';
import { type FailureReporterDeps, reportExecutionFailure } from './failure-reporter';

/** One factory for Lambda (EventBridge's execution status change rule), the drill and tests: only the deps differ. */
export function createHandler(deps: FailureReporterDeps & { logger?: Logger }) {
  const logger = deps.logger ?? createLogger(STEPS.failureReporter.logService);
  return wrapTask(logger, (event: unknown) => reportExecutionFailure(event, deps));
}

export const handler = lazyHandler(() => createHandler(failureReporterAwsDeps()));
