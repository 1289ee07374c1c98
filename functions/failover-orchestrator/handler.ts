import type { Logger } from '@aws-lambda-powertools/logger';
import { failoverOrchestratorAwsDeps } from '../shared/aws/deps';
import { createLogger, lazyHandler, wrapTask } from '../shared/middleware';
import { runFailoverOrchestrator, type FailoverOrchestratorDeps } from './failover-orchestrator';

/** One factory for Lambda, the drill and tests: only the deps differ. */
export function createHandler(deps: FailoverOrchestratorDeps & { logger?: Logger }) {
  const logger = deps.logger ?? createLogger('failover-orchestrator');
  return wrapTask(logger, (event: unknown) => runFailoverOrchestrator(event, deps));
}

export const handler = lazyHandler(() => createHandler(failoverOrchestratorAwsDeps()));
