import type { ExecutionFailureContext, ExecutionFailureReader } from '../../functions/failure-reporter/failure-reporter';
import type { LocalExecution } from './local-state-machine';

/** How a local execution ended, read from its history the way the AWS adapter reads GetExecutionHistory. */
export function failureContextOf(ex: LocalExecution, topLevel: ReadonlySet<string>): ExecutionFailureContext {
  const events = ex.events;
  const status = ex.status === 'TIMED_OUT' || ex.status === 'ABORTED' ? ex.status : 'FAILED';
  const failed = events.findLast((e) => e.type === 'ExecutionFailed' || e.type === 'ExecutionTimedOut' || e.type === 'ExecutionAborted');
  let last: (typeof events)[number] | undefined;
  for (const e of events) {
    if (e.stateName === undefined || !topLevel.has(e.stateName) || e.index !== undefined) continue;
    if (e.type.endsWith('StateEntered')) last = e;
  }
  return {
    status,
    error: failed?.error,
    cause: failed?.cause,
    failedState: last?.stateName,
    failedStateType: last?.stateType,
    stateInput: (last?.input ?? undefined) as Record<string, unknown> | undefined,
    redriveCount: ex.redriveCount,
  };
}

export function localFailureReader(find: (arn: string) => { ex: LocalExecution; topLevel: ReadonlySet<string> } | undefined): ExecutionFailureReader {
  return {
    read: async (arn) => {
      const found = find(arn);
      if (!found) throw new Error(`no local execution ${arn}`);
      return failureContextOf(found.ex, found.topLevel);
    },
  };
}
