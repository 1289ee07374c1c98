import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';

export type TaskHandler<E, R> = (event: E, context: Context) => Promise<R>;

export function createLogger(serviceName: string, logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT'): Logger {
  return new Logger({ serviceName, ...(logLevel ? { logLevel } : {}) });
}

/**
 * What ties a log line to one incident, one execution and one step: the keys to search CloudWatch Logs
 * Insights by (`filter incidentId = "..."`) across every function of both regions.
 */
export interface CorrelationKeys {
  readonly incidentId?: string;
  /** The execution ARN (`$$.Execution.Id`), which names the region, the workflow and the execution. */
  readonly executionId?: string;
  /** The ASL state that invoked the task; the ASL passes it as a literal `stateName` in every Lambda task's payload. */
  readonly stateName?: string;
}

/** Longer than any ARN or state name: anything bigger is not one of ours and stays out of every log line. */
const MAX_KEY_CHARS = 2_048;
const text = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 && v.length <= MAX_KEY_CHARS ? v : undefined);
const record = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/**
 * The correlation keys of a workflow task's payload (`{ stateName, ..., state: { incidentId, execution: { id } } }`),
 * as far as it has them. Never throws: a malformed event is the use case's to reject, with a typed error.
 */
export function correlationKeysOf(event: unknown): CorrelationKeys {
  const payload = record(event);
  if (!payload) return {};
  const state = record(payload.state) ?? payload;
  const keys = { incidentId: text(state.incidentId), executionId: text(record(state.execution)?.id), stateName: text(payload.stateName) };
  return Object.fromEntries(Object.entries(keys).filter(([, v]) => v !== undefined));
}

/**
 * Adds the event's correlation keys to every line the logger writes during this invocation (including
 * `task succeeded` / `task failed` and whatever the use case's deps log). They are temporary keys:
 * `injectLambdaContext({ resetKeys: true })` clears them afterwards, so a warm container never carries
 * one incident's ids into the next invocation.
 */
export function correlateLogs(logger: Logger): middy.MiddlewareObj<unknown, unknown, Error, Context> {
  return {
    before: (request) => {
      const keys = correlationKeysOf(request.event);
      if (Object.keys(keys).length > 0) logger.appendKeys({ ...keys });
    },
  };
}

/**
 * Middleware first, use case last. Errors are logged and re-thrown untouched: Step Functions matches
 * Retry/Catch on their `name`, so a task must never turn them into a response object.
 * Events are not logged: a payload can carry a task token.
 */
export function wrapTask<E, R>(logger: Logger, run: (event: E) => Promise<R>): middy.MiddyfiedHandler<E, R, Error, Context> {
  return middy<E, R, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(correlateLogs(logger) as middy.MiddlewareObj<E, R, Error, Context>)
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
