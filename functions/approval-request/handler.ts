import type { Logger } from '@aws-lambda-powertools/logger';
import { STEPS } from '../../config/steps';
import { approvalRequestAwsDeps } from './aws-deps';
import { createLogger, lazyHandler, wrapTask } from '../shared/middleware';
import { requestApproval, type ApprovalRequestDeps } from './approval-request';

/** One factory for Lambda, the drill and tests: only the deps differ. */
export function createHandler(deps: ApprovalRequestDeps & { logger?: Logger }) {
  const logger = deps.logger ?? createLogger(STEPS.approvalRequest.logService);
  return wrapTask(logger, (event: unknown) => requestApproval(event, deps));
}

export const handler = lazyHandler(() => createHandler(approvalRequestAwsDeps()));
