import { DescribeExecutionCommand, RedriveExecutionCommand } from '@aws-sdk/client-sfn';
import type { DrConfig } from '../../config/schema';
import type { AwsClients } from './clients';
import { CliError, explainAwsError } from './errors';
import { resolveExecution } from './history';

export interface RedriveResult {
  readonly region: string;
  readonly executionArn: string;
  readonly name: string;
  /** The redrive count after this redrive. */
  readonly redriveCount: number | null;
  readonly redriveDate: string | null;
  /** Why it stopped, before this redrive. */
  readonly previous: { readonly status: string; readonly error?: string; readonly cause?: string };
}

/**
 * RedriveExecution of a failover or failback execution (a name, looked up in both regions, or an ARN): it resumes
 * at the step that failed, with the same ARN; every step is idempotent, and completed steps are not run again.
 * Only FAILED, TIMED_OUT or ABORTED executions of the last 14 days can be redriven; anything else is said plainly.
 */
export async function redriveExecution(
  clients: AwsClients,
  config: DrConfig,
  execution: string,
  opts: { region?: string; clientToken?: string } = {},
): Promise<RedriveResult> {
  const { region, executionArn } = await resolveExecution(clients, config, execution, opts.region);
  const sfn = clients.sfn(region);
  try {
    const before = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (before.status === 'RUNNING')
      throw new CliError(`Execution ${before.name ?? executionArn} is still RUNNING: only a FAILED, TIMED_OUT or ABORTED execution can be redriven`);
    if (before.status === 'SUCCEEDED') throw new CliError(`Execution ${before.name ?? executionArn} SUCCEEDED: there is nothing to redrive`, 1);
    const res = await sfn.send(new RedriveExecutionCommand({ executionArn, ...(opts.clientToken ? { clientToken: opts.clientToken } : {}) }));
    const after = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    return {
      region,
      executionArn,
      name: before.name ?? executionArn.split(':').at(-1)!,
      redriveCount: after.redriveCount ?? null,
      redriveDate: res.redriveDate?.toISOString() ?? null,
      previous: { status: before.status ?? 'UNKNOWN', ...(before.error ? { error: before.error } : {}), ...(before.cause ? { cause: before.cause } : {}) },
    };
  } catch (err) {
    if (err instanceof CliError) throw err;
    const name = (err as Error)?.name;
    if (name === 'ExecutionNotRedrivable') throw new CliError(`Execution ${executionArn} cannot be redriven: ${(err as Error).message}`, 1);
    if (name === 'ExecutionDoesNotExist') throw new CliError(`Execution ${executionArn} does not exist`);
    return explainAwsError(err, region);
  }
}
