import type { Logger } from '@aws-lambda-powertools/logger';
import { STEPS } from '../../config/steps';
import { alarmTriggerAwsDeps } from './aws-deps';
import { createLogger, lazyHandler, wrapTask } from '../shared/middleware';
import { handleAlarmEvent, type AlarmTriggerDeps } from './alarm-trigger';

/** One factory for Lambda, the drill and tests: only the deps differ. */
export function createHandler(deps: AlarmTriggerDeps & { logger?: Logger }) {
  const logger = deps.logger ?? createLogger(STEPS.alarmTrigger.logService);
  return wrapTask(logger, async (event: unknown) => {
    const result = await handleAlarmEvent(event, deps);
    // Once the event names an incident, this line (and `task succeeded`) joins that incident's logs;
    // `AlarmTrigger` is the step name the audit trail uses for detection.
    if (result.incidentId)
      logger.appendKeys({
        incidentId: result.incidentId,
        ...(result.executionId ? { executionId: result.executionId } : {}),
        stateName: STEPS.alarmTrigger.auditStep,
      });
    // The decision is the audit trail of detection: why this event did or did not start a failover.
    logger.info('alarm event handled', { ...result });
    return result;
  });
}

export const handler = lazyHandler(() => createHandler(alarmTriggerAwsDeps()));
