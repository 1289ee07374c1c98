#!/usr/bin/env node
import '../local/runtime/polyfills';
import { Command, Option } from 'commander';
import { ConfigError, DEFAULT_CONFIG_FILE, loadConfig } from '../config/load';
import { runDrill, type DrillEvent } from '../local/drill';
import { SCENARIOS } from '../local/scenarios';
import { humanEvent, humanSummary } from './print';

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

function readConfig(file: string) {
  try {
    return loadConfig(file);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
}

export function buildProgram(): Command {
  const program = new Command('drctl')
    .description('Disaster-recovery control plane for a two-region AWS application: drills, plans and failovers.')
    .showHelpAfterError();

  program
    .command('drill')
    .description('Run a failover drill in a simulated two-region world on 127.0.0.1, with the same state machine and handlers as AWS.')
    .addOption(new Option('--scenario <name>', 'fault to inject').choices(Object.keys(SCENARIOS)).default('primary-down'))
    .addOption(new Option('--approve <who>', 'how the approver answers: auto approves, manual waits for you, reject rejects, none never answers').choices(['auto', 'manual', 'reject', 'none']))
    .addOption(new Option('--approval-mode <mode>', "override the config's approval mode").choices(['required', 'auto-when-safe']))
    .option('--dry-run', 'run every check and report the planned changes without making them', false)
    .option('--json', 'one JSON object per line; the last is the summary', false)
    .option('--config <file>', 'config file', DEFAULT_CONFIG_FILE)
    .action(async (o: { scenario: string; approve?: 'auto' | 'manual' | 'reject' | 'none'; approvalMode?: 'required' | 'auto-when-safe'; dryRun: boolean; json: boolean; config: string }) => {
      const config = readConfig(o.config);
      const t0 = Date.now();
      const onEvent = (e: DrillEvent) => {
        if (o.json) process.stdout.write(`${JSON.stringify(e)}\n`);
        else {
          const line = humanEvent(e, t0);
          if (line) process.stdout.write(`${line}\n`);
        }
      };
      const summary = await runDrill({ config, scenario: o.scenario, approve: o.approve, approvalMode: o.approvalMode, dryRun: o.dryRun, onEvent });
      if (o.json) {
        const { history, ...rest } = summary;
        process.stdout.write(`${JSON.stringify({ ...rest, historyEvents: history.length })}\n`);
      } else process.stdout.write(`${humanSummary(summary)}\n`);
      process.exitCode = summary.invariantsHeld ? 0 : 1;
    });

  return program;
}

if (require.main === module) {
  buildProgram()
    .parseAsync(process.argv)
    .catch((err: Error) => fail(`drctl: ${err.message}`));
}
