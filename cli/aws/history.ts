import { DescribeExecutionCommand, paginateGetExecutionHistory, type HistoryEvent as SfnHistoryEvent } from '@aws-sdk/client-sfn';
import type { DrConfig } from '../../config/schema';
import type { HistoryEvent } from '../../local/runtime/history';
import type { AwsClients } from './clients';
import { CliError, explainAwsError } from './errors';
import { executionArnFor, tryFindStateMachineArn } from './state-machine';

export interface ExecutionHistory {
  readonly region: string;
  readonly executionArn: string;
  readonly name: string;
  readonly status: string;
  readonly startDate: string | null;
  readonly stopDate: string | null;
  readonly error?: string;
  readonly cause?: string;
  readonly events: HistoryEvent[];
}

const EXECUTION_ARN = /^arn:aws[a-z-]*:states:([a-z0-9-]+):\d{12}:execution:[^:]+:[^:]+$/;

/** Maps the API's events onto the rows the drill prints, so both histories read the same. */
export function toHistoryEvents(raw: readonly SfnHistoryEvent[]): HistoryEvent[] {
  const stateOf = new Map<number, { name?: string; index?: number }>();
  return raw.map((e) => {
    const details = Object.entries(e).find(([k, v]) => k.endsWith('EventDetails') && v && typeof v === 'object')?.[1] as
      | { name?: string; error?: string; cause?: string; index?: number }
      | undefined;
    const id = e.id ?? 0;
    // Task events carry no state name: like the console, inherit it from the event they follow.
    const executionLevel = (e.type ?? '').startsWith('Execution');
    const inherited = e.previousEventId !== undefined && !executionLevel ? stateOf.get(e.previousEventId) : undefined;
    const isStateEvent = /State(Entered|Exited)$/.test(e.type ?? '') || /^MapIteration/.test(e.type ?? '');
    const stateName = isStateEvent ? (details?.name ?? inherited?.name) : inherited?.name;
    const index = typeof details?.index === 'number' ? details.index : inherited?.index;
    stateOf.set(id, { name: stateName, index });
    return {
      id,
      timestamp: e.timestamp ? e.timestamp.getTime() : 0,
      type: e.type ?? 'Unknown',
      ...(stateName ? { stateName } : {}),
      ...(index !== undefined ? { index } : {}),
      ...(details?.error ? { error: details.error } : {}),
      ...(details?.cause ? { cause: details.cause } : {}),
    };
  });
}

/** An execution ARN, or a name looked up in both regions (the region being activated ran it). */
export async function resolveExecution(
  clients: AwsClients,
  config: DrConfig,
  execution: string,
  region?: string,
): Promise<{ region: string; executionArn: string }> {
  const arn = EXECUTION_ARN.exec(execution);
  if (arn) return { region: arn[1], executionArn: execution };
  if (execution.startsWith('arn:'))
    throw new CliError(`${execution} is not an execution ARN (arn:aws:states:<region>:<account>:execution:<state machine>:<name>)`);
  if (!/^[A-Za-z0-9_-]{1,80}$/.test(execution))
    throw new CliError(`"${execution}" is neither an execution ARN nor an execution name (1-80 letters, digits, _ or -)`);
  const regions = region ? [region] : [config.regions.standby.name, config.regions.primary.name];
  for (const r of regions) {
    for (const workflow of ['failover', 'failback'] as const) {
      const sm = await tryFindStateMachineArn(clients.sfn(r), config.application, workflow, r);
      if (!sm) continue;
      const executionArn = executionArnFor(sm, execution);
      try {
        await clients.sfn(r).send(new DescribeExecutionCommand({ executionArn }));
        return { region: r, executionArn };
      } catch (err) {
        if ((err as Error)?.name === 'ExecutionDoesNotExist') continue;
        explainAwsError(err, r);
      }
    }
  }
  throw new CliError(`No execution named ${execution} in ${regions.join(' or ')}: see drctl status for recent ones`);
}

/** The whole event history, page by page (a long one can have thousands of events). */
export async function getExecutionHistory(clients: AwsClients, config: DrConfig, execution: string, opts: { region?: string } = {}): Promise<ExecutionHistory> {
  const { region, executionArn } = await resolveExecution(clients, config, execution, opts.region);
  const sfn = clients.sfn(region);
  try {
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    const raw: SfnHistoryEvent[] = [];
    for await (const page of paginateGetExecutionHistory({ client: sfn, pageSize: 1000 }, { executionArn, maxResults: 1000 })) raw.push(...(page.events ?? []));
    return {
      region,
      executionArn,
      name: d.name ?? executionArn.split(':').at(-1)!,
      status: d.status ?? 'UNKNOWN',
      startDate: d.startDate?.toISOString() ?? null,
      stopDate: d.stopDate?.toISOString() ?? null,
      ...(d.error ? { error: d.error } : {}),
      ...(d.cause ? { cause: d.cause } : {}),
      events: toHistoryEvents(raw),
    };
  } catch (err) {
    if ((err as Error)?.name === 'ExecutionDoesNotExist') throw new CliError(`Execution ${executionArn} does not exist`);
    return explainAwsError(err, region);
  }
}
