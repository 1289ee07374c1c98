import type { Logger } from '@aws-lambda-powertools/logger';
import { STEPS } from '../../config/steps';
import { dataConsistencyValidatorAwsDeps } from './aws-deps';
import { createLogger, lazyHandler, wrapTask } from '../shared/middleware';
import { runDataConsistencyValidator, type DataConsistencyValidatorDeps } from './data-consistency-validator';

/** One factory for Lambda, the drill and tests: only the deps differ. */
export function createHandler(deps: DataConsistencyValidatorDeps & { logger?: Logger }) {
  const logger = deps.logger ?? createLogger(STEPS.dataConsistencyValidator.logService);
  return wrapTask(logger, (event: unknown) => runDataConsistencyValidator(event, deps));
}

export const handler = lazyHandler(() => createHandler(dataConsistencyValidatorAwsDeps()));
