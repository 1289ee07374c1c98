import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import type { DescribedExecution } from '../../cli/aws/execution-record';

export const HISTORY_FIXTURES = ['succeeded', 'incomplete', 'redriven', 'rejected'] as const;
export type HistoryFixture = (typeof HISTORY_FIXTURES)[number];

export const FIXTURE_ACCOUNT = '111122223333';
export const FIXTURE_STATE_MACHINE = `arn:aws:states:us-west-2:${FIXTURE_ACCOUNT}:stateMachine:orders-dr-failover`;

/** A recorded history as the SDK returns it: the CLI's ISO timestamps become Dates. */
export function loadHistory(name: HistoryFixture): HistoryEvent[] {
  const raw = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'histories', `${name}.json`), 'utf8')) as {
    events: (Omit<HistoryEvent, 'timestamp'> & { timestamp: string })[];
  };
  return raw.events.map((e) => ({ ...e, timestamp: new Date(e.timestamp) }) as HistoryEvent);
}

/** The execution's name, from its Init state's output (the fixtures carry it as Step Functions would). */
export function executionName(events: readonly HistoryEvent[]): string {
  const started = JSON.parse(events[0].executionStartedEventDetails?.input ?? '{}') as { incidentId: string };
  return started.incidentId;
}

/** What DescribeExecution answers for the same execution. */
export function describeFor(events: readonly HistoryEvent[]): DescribedExecution & { executionArn: string; name: string; input: string } {
  const last = events.at(-1)!;
  const name = executionName(events);
  const redrives = events.filter((e) => e.type === 'ExecutionRedriven');
  return {
    executionArn: `${FIXTURE_STATE_MACHINE.replace(':stateMachine:', ':execution:')}:${name}`,
    name,
    stateMachineArn: FIXTURE_STATE_MACHINE,
    input: events[0].executionStartedEventDetails?.input ?? '{}',
    status: last.type === 'ExecutionSucceeded' ? 'SUCCEEDED' : last.type === 'ExecutionFailed' ? 'FAILED' : 'RUNNING',
    startDate: events[0].timestamp,
    stopDate: last.timestamp,
    ...(last.executionFailedEventDetails ? { error: last.executionFailedEventDetails.error, cause: last.executionFailedEventDetails.cause } : {}),
    ...(last.executionSucceededEventDetails ? { output: last.executionSucceededEventDetails.output } : {}),
    redriveCount: redrives.length,
    ...(redrives.length ? { redriveDate: redrives.at(-1)!.timestamp } : {}),
  };
}
