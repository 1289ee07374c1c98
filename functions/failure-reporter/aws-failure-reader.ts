import {
  DescribeExecutionCommand,
  DescribeStateMachineForExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { callAws } from '../shared/aws/sdk-errors';
import type { ExecutionFailureContext, ExecutionFailureReader } from './failure-reporter';

/** Pages of the newest events read before giving up on finding where the execution stopped (1,000 events a page). */
const MAX_PAGES = 30;

/**
 * How an execution ended, from Step Functions: DescribeExecution (status, error, cause, redrive count), the definition
 * it ran (DescribeStateMachineForExecution: its top-level state names) and GetExecutionHistory newest first, up to
 * the last top-level state it entered (whose input is the workflow state when it stopped).
 */
export class SfnFailureReader implements ExecutionFailureReader {
  constructor(private readonly sfn: SFNClient) {}

  async read(executionArn: string): Promise<ExecutionFailureContext> {
    const d = await callAws(`SFN DescribeExecution ${executionArn}`, () => this.sfn.send(new DescribeExecutionCommand({ executionArn })));
    const sm = await callAws(`SFN DescribeStateMachineForExecution ${executionArn}`, () =>
      this.sfn.send(new DescribeStateMachineForExecutionCommand({ executionArn })),
    );
    const topLevel = new Set(Object.keys((JSON.parse(sm.definition ?? '{}') as { States?: Record<string, unknown> }).States ?? {}));
    let last: HistoryEvent | undefined;
    let nextToken: string | undefined;
    for (let page = 0; page < MAX_PAGES && !last; page++) {
      const h = await callAws(`SFN GetExecutionHistory ${executionArn}`, () =>
        this.sfn.send(
          new GetExecutionHistoryCommand({
            executionArn,
            reverseOrder: true,
            maxResults: 1000,
            includeExecutionData: true,
            ...(nextToken ? { nextToken } : {}),
          }),
        ),
      );
      last = (h.events ?? []).find((e) => e.type?.endsWith('StateEntered') && topLevel.has(e.stateEnteredEventDetails?.name ?? ''));
      nextToken = h.nextToken;
      if (!nextToken) break;
    }
    const status = d.status === 'TIMED_OUT' || d.status === 'ABORTED' ? d.status : 'FAILED';
    let stateInput: Record<string, unknown> | undefined;
    try {
      const parsed = JSON.parse(last?.stateEnteredEventDetails?.input ?? 'null') as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) stateInput = parsed as Record<string, unknown>;
    } catch {
      // An input that is not JSON (it always is) only costs the report its step lists.
    }
    return {
      status,
      ...(d.error ? { error: d.error } : {}),
      ...(d.cause ? { cause: d.cause } : {}),
      ...(last ? { failedState: last.stateEnteredEventDetails?.name, failedStateType: last.type?.replace(/StateEntered$/, '') } : {}),
      ...(stateInput ? { stateInput } : {}),
      redriveCount: d.redriveCount ?? 0,
    };
  }
}
