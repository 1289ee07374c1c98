import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';

export type TaskHandler<E, R> = (event: E, context: Context) => Promise<R>;

export function createLogger(serviceName: string, logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT'): Logger {
  return new Logger({ serviceName, ...(logLevel ? { logLevel } : {}) });
}

/**
 * Middleware first, use case last. Errors are logged and re-thrown untouched: Step Functions matches
 * Retry/Catch on their `name`, so a task must never turn them into a response object.
 * Events are not logged: a payload can carry a task token.
 */
export function wrapTask<E, R>(logger: Logger, run: (event: E) => Promise<R>): middy.MiddyfiedHandler<E, R, Error, Context> {
  return middy<E, R, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event: E) => {
      try {
        const result = await run(event);
        logger.info('task succeeded');
        return result;
      } catch (err) {
        logger.error('task failed', { error: err as Error });
        throw err;
      }
    });
}

/**
 * Builds the real handler on first use so importing a handler module (tests, the drill, bundling)
 * never reads the environment; in Lambda the first invocation reads it once and fails fast.
 */
export function lazyHandler<E, R>(make: () => TaskHandler<E, R>): TaskHandler<E, R> {
  let built: TaskHandler<E, R> | undefined;
  return (event, context) => {
    built ??= make();
    return built(event, context);
  };
}
