import { DescribeExecutionCommand, GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';
import type { ApprovalTaskReader, ApprovalTaskState } from '../ports';
import { callAws } from './sdk-errors';

export interface SfnApprovalTaskReaderProps {
  readonly sfn: SFNClient;
  /** Pages of 100 events to read back from the newest before giving up. @default 20 */
  readonly maxPages?: number;
}

/** RequestApproval is the only `.waitForTaskToken` task in either workflow, so its events are told apart by resource. */
const APPROVAL_RESOURCE = 'invoke.waitForTaskToken';

function parseOutput(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * What happened to an execution's approval task, newest event first: DescribeExecution for its status, then
 * GetExecutionHistory in reverse until the approval task's latest event. Used only when a SendTaskSuccess/Failure
 * outcome is unknown, so an approver is shown what Step Functions actually did.
 */
export class SfnApprovalTaskReader implements ApprovalTaskReader {
  constructor(private readonly props: SfnApprovalTaskReaderProps) {}

  async read(executionArn: string): Promise<ApprovalTaskState> {
    const d = await callAws('Step Functions DescribeExecution', () => this.props.sfn.send(new DescribeExecutionCommand({ executionArn })));
    const executionStatus = d.status ?? 'UNKNOWN';
    let nextToken: string | undefined;
    for (let page = 0; page < (this.props.maxPages ?? 20); page++) {
      const h = await callAws('Step Functions GetExecutionHistory', () =>
        this.props.sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 100, includeExecutionData: true, nextToken })),
      );
      for (const e of h.events ?? []) {
        const state = this.approvalEvent(e, executionStatus);
        if (state) return state;
      }
      nextToken = h.nextToken;
      if (!nextToken) break;
    }
    return { task: 'not-waiting', executionStatus };
  }

  private approvalEvent(e: HistoryEvent, executionStatus: string): ApprovalTaskState | undefined {
    const at = e.timestamp?.getTime();
    switch (e.type) {
      case 'TaskSucceeded':
        if (e.taskSucceededEventDetails?.resource !== APPROVAL_RESOURCE) return undefined;
        return { task: 'succeeded', output: parseOutput(e.taskSucceededEventDetails.output), at, executionStatus };
      case 'TaskFailed':
        if (e.taskFailedEventDetails?.resource !== APPROVAL_RESOURCE) return undefined;
        return { task: 'failed', error: e.taskFailedEventDetails.error ?? '', cause: e.taskFailedEventDetails.cause ?? '', at, executionStatus };
      case 'TaskTimedOut':
        if (e.taskTimedOutEventDetails?.resource !== APPROVAL_RESOURCE) return undefined;
        return { task: 'timed-out', at, executionStatus };
      case 'TaskScheduled':
      case 'TaskStarted':
      case 'TaskSubmitted': {
        const resource = e.taskScheduledEventDetails?.resource ?? e.taskStartedEventDetails?.resource ?? e.taskSubmittedEventDetails?.resource;
        if (resource !== APPROVAL_RESOURCE) return undefined;
        return executionStatus === 'RUNNING' ? { task: 'waiting', executionStatus } : { task: 'not-waiting', executionStatus };
      }
      default:
        return undefined;
    }
  }
}
