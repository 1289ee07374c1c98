import type { Command } from 'commander';
import { DEFAULT_CONFIG_FILE } from '../../config/load';
import { formatHistory } from '../../local/runtime/history';
import type { AwsClients } from '../aws/clients';
import { getExecutionHistory } from '../aws/history';
import { startExecution, type Direction, type StartResult } from '../aws/start-execution';
import { getStatus, type StatusReport } from '../aws/status';
import { action, positiveInt, readConfig, type CliIo } from '../io';

export interface AwsCommandDeps {
  readonly io: CliIo;
  readonly clients: () => AwsClients;
  readonly now: () => Date;
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
  program
    .command(direction)
    .description(description)
    .requiredOption('--to <region>', direction === 'failover' ? 'the standby region to activate' : 'the primary region to return to')
    .option('--dry-run', 'run every check and report the planned changes without making them', false)
    .option('--reason <text>', 'why, for the audit trail and the approval email')
    .option('--incident <id>', 'incident id (and execution name); default: one per direction, region and UTC day, so a repeated command finds the same execution')
    .option('--config <file>', 'config file', DEFAULT_CONFIG_FILE)
    .option('--json', 'one JSON object with the outcome, execution name and ARN', false)
    .addHelpText('after', '\nExit codes: 0 started or already running for this incident; 1 this incident already ran (pass --incident); 2 bad input or AWS not set up.')
    .action(
      action(deps.io, async (o: { to: string; dryRun: boolean; reason?: string; incident?: string; config: string; json: boolean }) => {
        const config = readConfig(o.config);
        const r = await startExecution(deps.clients(), config, { direction, to: o.to, dryRun: o.dryRun, reason: o.reason, incident: o.incident, now: deps.now() });
        deps.io.out(o.json ? `${JSON.stringify(r)}\n` : `${describeStart(r, config)}\n`);
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

  program
    .command('status')
    .description('Where traffic is served (each region\'s ACTIVE/PASSIVE switch) and the recent executions in both regions.')
    .option('--config <file>', 'config file', DEFAULT_CONFIG_FILE)
    .option('--limit <n>', 'executions to list per region', positiveInt('--limit', 100), 5)
    .option('--json', 'one JSON object', false)
    .action(
      action(deps.io, async (o: { config: string; limit: number; json: boolean }) => {
        const s = await getStatus(deps.clients(), readConfig(o.config), { limit: o.limit });
        deps.io.out(o.json ? `${JSON.stringify(s)}\n` : `${formatStatus(s)}\n`);
      }),
    );

  program
    .command('history')
    .description('The event history of an execution (name or ARN) as a table, like the console\'s Events tab.')
    .argument('<execution>', 'execution name (looked up in both regions) or execution ARN')
    .option('--region <region>', 'only look in this region')
    .option('--config <file>', 'config file', DEFAULT_CONFIG_FILE)
    .option('--json', 'one JSON object: the execution and its events', false)
    .action(
      action(deps.io, async (execution: string, o: { region?: string; config: string; json: boolean }) => {
        const h = await getExecutionHistory(deps.clients(), readConfig(o.config), execution, { region: o.region });
        if (o.json) {
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
