import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import type { DrConfig } from '../../config/schema';
import { siteStateParameterPrefix } from '../../config/resource-names';
import type { AwsClients } from './clients';
import { awsSetupHint, CliError, firstLine, isRegionLocalHint } from './errors';
import { tryFindStateMachineArn, type Workflow } from './state-machine';

export interface ExecutionSummary {
  readonly workflow: Workflow;
  readonly name: string;
  readonly status: string;
  readonly startDate: string | null;
  readonly stopDate: string | null;
  readonly executionArn: string;
}

export interface RegionStatus {
  readonly region: string;
  readonly role: 'primary' | 'standby';
  /** The region's own ACTIVE/PASSIVE switch, read in that region. */
  readonly siteState: 'ACTIVE' | 'PASSIVE' | 'UNKNOWN';
  /** Per workflow; null when that state machine is not deployed in this region. */
  readonly stateMachines: Readonly<Record<Workflow, string | null>>;
  /** The latest executions of both workflows, newest first. */
  readonly executions: readonly ExecutionSummary[];
  /** Why part of this region could not be read (a dark region is expected during an incident). */
  readonly problems: readonly string[];
  /** AWS answered at least one request in this region (a missing parameter is an answer too). */
  readonly reached: boolean;
}

export interface StatusReport {
  readonly application: string;
  /** The one region whose switch says ACTIVE; null when none or both do (see `warning`), or when only one region was asked for. */
  readonly activeRegion: string | null;
  readonly regions: readonly RegionStatus[];
  /** Something an operator must look at: both regions ACTIVE (split brain), or none. `drctl status` then exits 1. */
  readonly warning?: string;
}

export interface StatusOptions {
  /** Executions listed per region and workflow. @default 5 */
  readonly limit?: number;
  /** Read only this region (one of the config's two). @default both */
  readonly region?: string;
}

const describe = (err: unknown, region: string) =>
  awsSetupHint(err, region) ?? `${(err as Error)?.name ?? 'Error'}: ${firstLine((err as Error)?.message ?? String(err))}`;

async function regionStatus(clients: AwsClients, config: DrConfig, role: 'primary' | 'standby', limit: number): Promise<RegionStatus & { fatal?: string }> {
  const region = config.regions[role].name;
  const problems: string[] = [];
  let fatal: string | undefined;
  let reached = false;
  const note = (err: unknown, what: string) => {
    const hint = awsSetupHint(err, region);
    // Missing or rejected credentials fail every region alike: that is the operator's problem to fix, not a region's state.
    if (hint && !isRegionLocalHint(hint)) fatal ??= hint;
    problems.push(`${what}: ${describe(err, region)}`);
  };

  let siteState: RegionStatus['siteState'] = 'UNKNOWN';
  const parameter = `${siteStateParameterPrefix(config.application)}/${region}`;
  try {
    const res = await clients.ssm(region).send(new GetParameterCommand({ Name: parameter }));
    reached = true;
    const v = res.Parameter?.Value;
    if (v === 'ACTIVE' || v === 'PASSIVE') siteState = v;
    else problems.push(`site state ${parameter} holds an unexpected value ${JSON.stringify(v)}`);
  } catch (err) {
    if ((err as Error)?.name === 'ParameterNotFound') {
      reached = true;
      problems.push(`site state ${parameter} does not exist: is the control plane deployed in ${region}?`);
    } else note(err, `site state ${parameter}`);
  }

  const stateMachines: Record<Workflow, string | null> = { failover: null, failback: null };
  const executions: ExecutionSummary[] = [];
  for (const workflow of ['failover', 'failback'] as const) {
    try {
      const arn = (await tryFindStateMachineArn(clients.sfn(region), config.application, workflow, region)) ?? null;
      reached = true;
      stateMachines[workflow] = arn;
      if (!arn) {
        problems.push(`no ${workflow} state machine in ${region}: is the control plane deployed there?`);
        continue;
      }
      const res = await clients.sfn(region).send(new ListExecutionsCommand({ stateMachineArn: arn, maxResults: limit }));
      for (const e of res.executions ?? []) {
        executions.push({
          workflow,
          name: e.name ?? '',
          status: e.status ?? 'UNKNOWN',
          startDate: e.startDate?.toISOString() ?? null,
          stopDate: e.stopDate?.toISOString() ?? null,
          executionArn: e.executionArn ?? '',
        });
      }
    } catch (err) {
      note(err, `${workflow} executions`);
      // The region is unreachable or refusing: the second workflow would fail the same way.
      break;
    }
  }
  executions.sort((a, b) => (b.startDate ?? '').localeCompare(a.startDate ?? ''));
  return { region, role, siteState, stateMachines, executions: executions.slice(0, limit), problems, reached, fatal };
}

/**
 * Where traffic should be (each region's own switch) and the latest executions in both regions (or in
 * `opts.region` only). Throws a CliError (exit 2) when nothing at all could be read: a report of
 * UNKNOWNs would look like an answer.
 */
export async function getStatus(clients: AwsClients, config: DrConfig, opts: StatusOptions = {}): Promise<StatusReport> {
  const limit = opts.limit ?? 5;
  const roles = (['primary', 'standby'] as const).filter((role) => !opts.region || config.regions[role].name === opts.region);
  if (roles.length === 0) {
    throw new CliError(`--region ${opts.region} is not one of the configured regions (${config.regions.primary.name}, ${config.regions.standby.name})`);
  }
  const results = await Promise.all(roles.map((role) => regionStatus(clients, config, role, limit)));
  if (results.every((r) => !r.reached)) {
    const fatal = results.find((r) => r.fatal)?.fatal;
    if (fatal) throw new CliError(fatal);
    throw new CliError(`Nothing could be read: ${results.map((r) => `${r.region}: ${r.problems[0] ?? 'no answer'}`).join('; ')}`);
  }
  const regions = results.map(({ fatal: _f, ...r }) => r);
  const active = regions.filter((r) => r.siteState === 'ACTIVE').map((r) => r.region);
  let warning: string | undefined;
  if (active.length > 1) warning = `both regions say ACTIVE (${active.join(', ')}): a possible split brain; check the latest failover execution`;
  else if (active.length === 0 && regions.length > 1) warning = 'no region says ACTIVE (unreadable, or fenced and not yet activated)';
  const both = regions.length > 1;
  return { application: config.application, activeRegion: both && active.length === 1 ? active[0] : null, regions, ...(warning ? { warning } : {}) };
}
