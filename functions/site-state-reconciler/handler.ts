import type { Logger } from '@aws-lambda-powertools/logger';
import { STEPS } from '../../config/steps';
import { InvalidInputError } from '../shared/errors';
import { createLogger, lazyHandler, wrapTask } from '../shared/middleware';
import { siteStateReconcilerAwsDeps } from './aws-deps';
import { reconcileSiteState, type SiteStateReconcilerDeps } from './site-state-reconciler';

/** Quiet outcomes; every other one is a split brain (or a peer out of sight) that someone may need to know about. */
const ROUTINE = new Set(['consistent', 'skipped']);

/**
 * One factory for Lambda, the drill and tests: only the deps differ. The input is EventBridge's scheduled event
 * (`rate(1 minute)`); nothing in it is used, since every run reads both site states afresh.
 */
export function createHandler(deps: SiteStateReconcilerDeps & { logger?: Logger }) {
  const logger = deps.logger ?? createLogger(STEPS.siteStateReconciler.logService);
  return wrapTask(logger, async (event: unknown) => {
    if (event === null || typeof event !== 'object' || Array.isArray(event)) {
      throw new InvalidInputError(
        `The site-state reconciler expects a scheduled EventBridge event (an object); got ${Array.isArray(event) ? 'an array' : event === null ? 'null' : typeof event}`,
      );
    }
    const result = await reconcileSiteState(deps);
    if (ROUTINE.has(result.action)) logger.info('site state reconciled', { ...result });
    else logger.warn('site state reconciled', { ...result });
    return result;
  });
}

export const handler = lazyHandler(() => createHandler(siteStateReconcilerAwsDeps()));
