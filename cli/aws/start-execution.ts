import { DescribeExecutionCommand, ExecutionAlreadyExists, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { DrConfig } from '../../config/schema';
import { cleanFreeText } from '../../functions/shared/free-text';
import { failoverRequestSchema, type FailoverRequest } from '../../functions/shared/workflow';
import type { AwsClients } from './clients';
import { CliError, explainAwsError } from './errors';
import { executionArnFor, findStateMachineArn } from './state-machine';

export type Direction = 'failover' | 'failback';

export interface StartOptions {
  readonly direction: Direction;
  /** The region to activate; its copy of the state machine runs the change (static stability). */
  readonly to: string;
  readonly dryRun?: boolean;
  readonly reason?: string;
  /** Overrides the default incident id (one per direction, target and UTC day). */
  readonly incident?: string;
  readonly now: Date;
}

export interface PlannedStart {
  readonly region: string;
  readonly executionName: string;
  readonly input: FailoverRequest;
}

export interface StartResult extends PlannedStart {
  /** started: a new execution; already-running: this incident's execution is still going; already-ran: it has finished. */
  readonly outcome: 'started' | 'already-running' | 'already-ran';
  readonly stateMachineArn: string;
  readonly executionArn: string;
  readonly status?: string;
  readonly startDate?: string;
  readonly stopDate?: string;
}

const utcDay = (d: Date) => d.toISOString().slice(0, 10).replaceAll('-', '');
const utcTime = (d: Date) => d.toISOString().slice(11, 19).replaceAll(':', '');

/**
 * The execution input and name, decided without calling AWS. The name is the incident id, so a second
 * operator (or a retried command) asking for the same change on the same day lands on the same
 * execution instead of starting another. A dry run gets its own id: Step Functions keeps names for
 * 90 days, and a rehearsal must never block the real thing, nor hold its incident lock.
 */
export function planStart(config: DrConfig, opts: StartOptions): PlannedStart {
  const { primary, standby } = config.regions;
  const names = [primary.name, standby.name];
  if (!names.includes(opts.to)) throw new CliError(`--to ${opts.to} is not one of the configured regions (${names.join(', ')})`);
  if (opts.direction === 'failover' && opts.to === primary.name) {
    throw new CliError(`${opts.to} is the primary region: moving back to it is a failback (drctl failback --to ${opts.to})`);
  }
  if (opts.direction === 'failback' && opts.to !== primary.name) {
    throw new CliError(`a failback returns to the primary region ${primary.name}; to move to ${opts.to} use drctl failover --to ${opts.to}`);
  }
  const from = names.find((n) => n !== opts.to)!;
  const base = opts.incident ?? `manual-${opts.direction}-${opts.to}-${utcDay(opts.now)}`;
  const incidentId = opts.dryRun ? `${base}-dryrun-${utcTime(opts.now)}` : base;
  // The reason reaches the approval email, the audit trail and alerts as data: no line breaks, no bidi controls. Not
  // cut here: one over 500 characters is refused below, naming --reason.
  const reason = opts.reason === undefined ? undefined : cleanFreeText(opts.reason, Number.MAX_SAFE_INTEGER);
  const parsed = failoverRequestSchema.safeParse({
    incidentId,
    direction: opts.direction,
    fromRegion: from,
    toRegion: opts.to,
    trigger: { source: 'manual', at: opts.now.toISOString(), ...(reason ? { reason } : {}) },
    dryRun: Boolean(opts.dryRun),
  });
  if (!parsed.success) {
    const flag: Record<string, string> = { incidentId: '--incident', 'trigger.reason': '--reason' };
    const detail = parsed.error.issues.map((i) => {
      const path = i.path.join('.');
      return `${flag[path] ?? path}: ${i.message}${path === 'incidentId' && opts.dryRun ? ' (a dry run adds 14 characters)' : ''}`;
    });
    throw new CliError(`Invalid request: ${detail.join('; ')}`);
  }
  return { region: opts.to, executionName: incidentId, input: parsed.data };
}

/** Starts the failover (or failback) in the region being activated. */
export async function startExecution(clients: AwsClients, config: DrConfig, opts: StartOptions): Promise<StartResult> {
  const planned = planStart(config, opts);
  const sfn = clients.sfn(planned.region);
  // Failover and failback are separate workflows; each region deploys both.
  const stateMachineArn = await findStateMachineArn(sfn, config.application, opts.direction, planned.region);
  try {
    const res = await sfn.send(new StartExecutionCommand({ stateMachineArn, name: planned.executionName, input: JSON.stringify(planned.input) }));
    return { ...planned, outcome: 'started', stateMachineArn, executionArn: res.executionArn!, startDate: res.startDate?.toISOString() };
  } catch (err) {
    if (!(err instanceof ExecutionAlreadyExists) && (err as Error)?.name !== 'ExecutionAlreadyExists') explainAwsError(err, planned.region);
  }
  // Same name, different input (or a finished execution): this incident already has its execution.
  const executionArn = executionArnFor(stateMachineArn, planned.executionName);
  try {
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    return {
      ...planned,
      outcome: d.status === 'RUNNING' ? 'already-running' : 'already-ran',
      stateMachineArn,
      executionArn,
      status: d.status,
      startDate: d.startDate?.toISOString(),
      stopDate: d.stopDate?.toISOString(),
    };
  } catch (err) {
    return explainAwsError(err, planned.region);
  }
}
