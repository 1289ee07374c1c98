import { type Command, Option } from 'commander';
import { DEFAULT_CONFIG_FILE } from '../../config/load';
import type { DrConfig } from '../../config/schema';
import { formatHistory } from '../../local/runtime/history';
import type { AwsClients, AwsClientsFactory } from '../aws/clients';
import { CliError } from '../aws/errors';
import { getExecutionHistory } from '../aws/history';
import { redriveExecution } from '../aws/redrive';
import { resolveSession } from '../aws/session';
import { startExecution, type Direction, type StartResult } from '../aws/start-execution';
import { getStatus, type StatusReport } from '../aws/status';
import { action, positiveInt, readConfig, type CliIo } from '../io';

export interface AwsCommandDeps {
  readonly io: CliIo;
  /** Called once per command with the resolved profile; tests pass mocked clients. */
  readonly clients: AwsClientsFactory;
  readonly now: () => Date;
}

/** The options every AWS command shares, named as the AWS CLI names them. */
export interface AwsFlags {
  profile?: string;
  region?: string;
  output?: 'json' | 'text';
  json: boolean;
  config: string;
}

/** `--profile`, `--region`, `--output json` (and `--json`, its short form) and `--config`, on one command. */
export function addAwsOptions(cmd: Command, regionHelp: string, jsonHelp: string): Command {
  return cmd
    .option('--profile <name>', 'AWS profile from ~/.aws/config or ~/.aws/credentials (default: AWS_PROFILE, else the SDK default chain)')
    .option('--region <region>', regionHelp)
    .addOption(new Option('--output <format>', `text for people, json: ${jsonHelp}`).choices(['json', 'text']))
    .option('--json', 'the same as --output json', false)
    .option('--config <file>', 'config file', DEFAULT_CONFIG_FILE);
}

/** The format asked for; `--json` with `--output text` is a contradiction, not a preference. */
function outputFormat(o: AwsFlags): 'json' | 'text' {
  if (o.json && o.output === 'text') throw new CliError('--json and --output text contradict each other: pass one');
  return o.json ? 'json' : (o.output ?? 'text');
}

/** A region flag must name one of the two regions the control plane is deployed in. */
function checkRegion(config: DrConfig, region: string | undefined): void {
  const names = [config.regions.primary.name, config.regions.standby.name];
  if (region !== undefined && !names.includes(region)) throw new CliError(`--region ${region} is not one of the configured regions (${names.join(', ')})`);
}

/** Config, output format and AWS clients for one run of an AWS command, with every check done before the first AWS call. */
export async function prepare(deps: AwsCommandDeps, o: AwsFlags): Promise<{ config: DrConfig; format: 'json' | 'text'; clients: () => AwsClients }> {
  const format = outputFormat(o);
  const config = readConfig(o.config);
  checkRegion(config, o.region);
  const session = await resolveSession({ profile: o.profile });
  let clients: AwsClients | undefined;
  return { config, format, clients: () => (clients ??= deps.clients(session)) };
}

function describeStart(r: StartResult, config: { approval: { mode: string; approvers: string[] } }): string {
  const what = `${r.input.direction} ${r.input.fromRegion} -> ${r.input.toRegion}${r.input.dryRun ? ' (dry run: checks only, nothing changes)' : ''}`;
  switch (r.outcome) {
    case 'started':
      return [
        `Started ${what} in ${r.region}.`,
        `  execution  ${r.executionName}`,
        `  arn        ${r.executionArn}`,
        config.approval.mode === 'required' ? `  approval   an email with a signed link goes to ${config.approval.approvers.join(', ')}` : '',
        `  follow it  drctl history ${r.executionName}`,
      ]
        .filter(Boolean)
        .join('\n');
    case 'already-running':
      return `Already running for this incident: ${r.executionName} (started ${r.startDate ?? 'earlier'}) in ${r.region}; nothing new was started.\n  follow it  drctl history ${r.executionName}`;
    case 'already-ran':
      return `This incident's execution ${r.executionName} already ran in ${r.region} and ended ${r.status}${r.stopDate ? ` at ${r.stopDate}` : ''}.\n  to start another, name a new incident: --incident <id>   (see it with drctl history ${r.executionName})`;
  }
}

function registerStart(program: Command, deps: AwsCommandDeps, direction: Direction): void {
  const description =
    direction === 'failover'
      ? 'Start a failover to REGION in AWS: runs the copy of the state machine in the region being activated (static stability).'
      : 'Start a planned failback to the primary region REGION in AWS, from its own copy of the failback state machine.';
  const cmd = program
    .command(direction)
    .description(description)
    .requiredOption('--to <region>', direction === 'failover' ? 'the standby region to activate' : 'the primary region to return to')
    .option('--dry-run', 'run every check and report the planned changes without making them', false)
    .option('--reason <text>', 'why, for the audit trail and the approval email')
    .option(
      '--incident <id>',
      'incident id (and execution name); default: one per direction, region and UTC day, so a repeated command finds the same execution',
    );
  addAwsOptions(
    cmd,
    'the region to call; it must be the --to region, whose copy of the state machine runs the change',
    'one object with the outcome, execution name and ARN',
  )
    .addHelpText(
      'after',
      '\nExit codes: 0 started or already running for this incident; 1 this incident already ran (pass --incident); 2 bad input, config, credentials or AWS unreachable.',
    )
    .action(
      action(deps.io, async (o: AwsFlags & { to: string; dryRun: boolean; reason?: string; incident?: string }) => {
        const { config, format, clients } = await prepare(deps, o);
        if (o.region !== undefined && o.region !== o.to) {
          throw new CliError(
            `--region ${o.region} contradicts --to ${o.to}: a ${direction} always runs in the region it activates (static stability); drop --region or make it ${o.to}`,
          );
        }
        const r = await startExecution(clients(), config, { direction, to: o.to, dryRun: o.dryRun, reason: o.reason, incident: o.incident, now: deps.now() });
        deps.io.out(format === 'json' ? `${JSON.stringify(r)}\n` : `${describeStart(r, config)}\n`);
        return r.outcome === 'already-ran' ? 1 : 0;
      }),
    );
}

function formatStatus(s: StatusReport): string {
  const lines = [`${s.application}: serving region ${s.activeRegion ?? 'unknown'}`];
  for (const r of s.regions) {
    lines.push('', `  ${r.region} (${r.role})  site state ${r.siteState}`);
    if (r.executions.length === 0) lines.push('    no executions');
    for (const e of r.executions) {
      lines.push(`    ${e.workflow.padEnd(8)} ${e.status.padEnd(10)} ${e.name.padEnd(44)} ${e.startDate ?? ''}${e.stopDate ? ` -> ${e.stopDate}` : ''}`);
    }
    for (const p of r.problems) lines.push(`    ! ${p}`);
  }
  if (s.warning) lines.push('', `warning: ${s.warning}`);
  return lines.join('\n');
}

export function registerAwsCommands(program: Command, deps: AwsCommandDeps): void {
  registerStart(program, deps, 'failover');
  registerStart(program, deps, 'failback');

  const redrive = program
    .command('redrive')
    .description(
      'Resume a failover or failback that stopped (INCOMPLETE, timed out, aborted) at the step that failed, once its cause is fixed: RedriveExecution, same execution ARN; completed steps are not run again.',
    )
    .argument('<execution>', 'execution name (looked up in both regions) or execution ARN');
  addAwsOptions(redrive, 'only look in this region', 'one object with the execution, its redrive count and why it had stopped')
    .addHelpText(
      'after',
      '\nExit codes: 0 redriven; 1 not redrivable (succeeded, or stopped more than 14 days ago); 2 still running, no such execution, bad input, credentials or AWS unreachable.',
    )
    .action(
      action(deps.io, async (execution: string, o: AwsFlags) => {
        const { config, format, clients } = await prepare(deps, o);
        const r = await redriveExecution(clients(), config, execution, { region: o.region });
        deps.io.out(
          format === 'json'
            ? `${JSON.stringify(r)}\n`
            : `Redriven ${r.name} in ${r.region} (redrive ${r.redriveCount ?? '?'}): it had stopped ${r.previous.status}${r.previous.error ? ` with ${r.previous.error}` : ''}, and resumes at the step that failed.\n  follow it  drctl history ${r.name}\n`,
        );
      }),
    );

  const status = program
    .command('status')
    .description("Where traffic is served (each region's ACTIVE/PASSIVE switch) and the recent executions in both regions.")
    .option('--limit <n>', 'executions to list per region', positiveInt('--limit', 100), 5);
  addAwsOptions(status, "only read this region (one of the config's two)", 'one object')
    .addHelpText(
      'after',
      '\nExit codes: 0 read, and exactly one region ACTIVE (or --region read); 1 read, but both regions or neither say ACTIVE; 2 nothing could be read (credentials, network), or bad input.',
    )
    .action(
      action(deps.io, async (o: AwsFlags & { limit: number }) => {
        const { config, format, clients } = await prepare(deps, o);
        const s = await getStatus(clients(), config, { limit: o.limit, region: o.region });
        deps.io.out(format === 'json' ? `${JSON.stringify(s)}\n` : `${formatStatus(s)}\n`);
        return s.warning ? 1 : 0;
      }),
    );

  const history = program
    .command('history')
    .description("The event history of an execution (name or ARN) as a table, like the console's Events tab.")
    .argument('<execution>', 'execution name (looked up in both regions) or execution ARN');
  addAwsOptions(history, 'only look in this region', 'one object, the execution and its events')
    .addHelpText('after', '\nExit codes: 0 found and printed; 2 no such execution, bad input, credentials or AWS unreachable.')
    .action(
      action(deps.io, async (execution: string, o: AwsFlags) => {
        const { config, format, clients } = await prepare(deps, o);
        const h = await getExecutionHistory(clients(), config, execution, { region: o.region });
        if (format === 'json') {
          deps.io.out(`${JSON.stringify(h)}\n`);
          return;
        }
        const head = [
          `${h.name}  ${h.status}  in ${h.region}`,
          `  started ${h.startDate ?? 'n/a'}${h.stopDate ? `, stopped ${h.stopDate}` : ''}`,
          h.error ? `  ${h.error}: ${h.cause ?? ''}` : '',
          '',
        ].filter((l, i) => l || i === 3);
        deps.io.out(`${head.join('\n')}\n${formatHistory(h.events, { width: 200 })}\n`);
      }),
    );
}
