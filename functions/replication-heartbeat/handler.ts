import type { Logger } from '@aws-lambda-powertools/logger';
import { STEPS } from '../../config/steps';
import { InvalidInputError } from '../shared/errors';
import { createLogger, lazyHandler, wrapTask } from '../shared/middleware';
import { replicationHeartbeatAwsDeps } from './aws-deps';
import { runReplicationHeartbeat, type ReplicationHeartbeatDeps } from './replication-heartbeat';

/**
 * One factory for Lambda, the drill and tests: only the deps differ. The input is EventBridge's scheduled event
 * (`rate(1 minute)`); nothing in it is used.
 */
export function createHandler(deps: ReplicationHeartbeatDeps & { logger?: Logger }) {
  const logger = deps.logger ?? createLogger(STEPS.replicationHeartbeat.logService);
  return wrapTask(logger, async (event: unknown) => {
    if (event === null || typeof event !== 'object' || Array.isArray(event)) {
      throw new InvalidInputError(
        `The heartbeat writer expects a scheduled EventBridge event (an object); got ${Array.isArray(event) ? 'an array' : event === null ? 'null' : typeof event}`,
      );
    }
    const result = await runReplicationHeartbeat(deps);
    if (Object.keys(result.failures).length > 0) logger.warn('heartbeats written with failures', { ...result });
    else logger.info('heartbeats written', { region: result.region, beats: result.beats, rounds: result.rounds });
    return result;
  });
}

export const handler = lazyHandler(() => createHandler(replicationHeartbeatAwsDeps()));
