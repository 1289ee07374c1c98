import type { Logger } from '@aws-lambda-powertools/logger';
import { trafficRouterAwsDeps } from '../shared/aws/deps';
import { createLogger, lazyHandler, wrapTask } from '../shared/middleware';
import { shiftTraffic, type TrafficRouterDeps } from './traffic-router';

/** One factory for Lambda, the drill and tests: only the deps differ. */
export function createHandler(deps: TrafficRouterDeps & { logger?: Logger }) {
  const logger = deps.logger ?? createLogger('traffic-router');
  return wrapTask(logger, (event: unknown) => shiftTraffic(event, deps));
}

export const handler = lazyHandler(() => createHandler(trafficRouterAwsDeps()));
