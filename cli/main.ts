#!/usr/bin/env node
import '../local/runtime/polyfills';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { DEFAULT_CONFIG_FILE } from '../config/load';
import { runDrill, type DrillEvent } from '../local/drill';
import { renderDrillReport } from '../local/report/report';
import { SCENARIOS } from '../local/scenarios';
import { defaultClients, type AwsClientsFactory } from './aws/clients';
import { CliError } from './aws/errors';
import { registerAwsCommands } from './commands/aws';
import { registerPlan } from './commands/plan';
import { action, EXIT_CODES, processIo, readConfig, unexpectedErrorLine, type CliIo } from './io';
import { buildPlan, loadFailoverDefinition } from './plan/plan';
import { humanSummary } from './print';
import { DrillProgress } from './progress';

// npm scripts run on the pinned Node 24, but a linked `drctl` runs on whatever `node` the shell finds; on
// Node 20 the SDK's eight-line notice about Node 22 would bury the one line an operator needs.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface ProgramDeps {
  readonly io?: CliIo;
  /** AWS SDK clients per region for the resolved profile; tests pass mocked ones. */
  readonly clients?: AwsClientsFactory;
  readonly now?: () => Date;
}

/** Fails before a long drill if the report could not be written afterwards. */
function checkReportPath(file: string): string {
  const path = resolve(file);
  if (!/\.html?$/i.test(path)) throw new CliError(`--report ${file}: the report is an HTML page; give a file name ending in .html`);
  const dir = dirname(path);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  else if (!statSync(dir).isDirectory()) throw new CliError(`--report ${file}: ${dir} is not a directory`);
  return path;
}

type DrillFlags = {
  scenario: string;
  approve?: 'auto' | 'manual' | 'reject' | 'none';
  approvalMode?: 'required' | 'auto-when-safe';
  dryRun: boolean;
  json: boolean;
  report?: string;
  config: string;
};

/** `drctl/0.1.0 node/v24.x linux/x64`, the shape of `aws --version`; the version is package.json's. */
export function versionLine(): string {
  const pkg = JSON.parse(readFileSync(resolve(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
  return `drctl/${pkg.version} node/${process.version} ${process.platform}/${process.arch}`;
}

export function buildProgram(deps: ProgramDeps = {}): Command {
  const io = deps.io ?? processIo;
  const program = new Command('drctl')
    .description('Disaster-recovery control plane for a two-region AWS application: drills, plans and failovers.')
    .version(versionLine(), '--version', 'print the drctl version and exit')
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError()
    .addHelpText(
      'after',
      `\nThe AWS commands (failover, failback, status, history) take --profile, --region and --output json like the AWS CLI;\nthe profile comes from --profile, else AWS_PROFILE, else the SDK's default chain.\n\n${EXIT_CODES}`,
    );

  program
    .command('drill')
    .description('Run a failover drill in a simulated two-region world on 127.0.0.1, with the same state machine and handlers as AWS.')
    .addOption(new Option('--scenario <name>', 'fault to inject').choices(Object.keys(SCENARIOS)).default('primary-down'))
    .addOption(new Option('--approve <who>', 'how the approver answers: auto approves, manual waits for you, reject rejects, none never answers').choices(['auto', 'manual', 'reject', 'none']))
    .addOption(new Option('--approval-mode <mode>', "override the config's approval mode").choices(['required', 'auto-when-safe']))
    .option('--dry-run', 'run every check and report the planned changes without making them', false)
    .option('--json', 'one JSON object per line; the last is the summary', false)
    .option('--report <file.html>', 'also write a self-contained HTML report: state graph, timeline, RTO measured vs projected, data')
    .option('--config <file>', 'config file', DEFAULT_CONFIG_FILE)
    .addHelpText('after', '\nExit codes: 0 the drill reached a terminal state and every invariant held (whatever the outcome); 1 an invariant was violated; 2 bad input.')
    .action(
      action(io, async (o: DrillFlags) => {
        const config = readConfig(o.config);
        const reportPath = o.report ? checkReportPath(o.report) : undefined;
        const definition = loadFailoverDefinition();
        const t0 = Date.now();
        const events: DrillEvent[] = [];
        const progress = o.json ? undefined : new DrillProgress({ write: (s) => io.out(s) }, { tty: io.isTTY, t0, definition, quorum: config.detection.quorum });
        let displayFailed = false;
        const onEvent = (e: DrillEvent) => {
          events.push(e);
          if (o.json) return io.out(`${JSON.stringify(e)}\n`);
          try {
            progress!.onEvent(e);
          } catch (err) {
            // The drill calls this from inside the world and the engine: a display bug must not change its outcome.
            if (!displayFailed) io.err(`drctl: could not display a ${e.type} event: ${(err as Error).message}\n`);
            displayFailed = true;
          }
        };
        let summary;
        try {
          summary = await runDrill({ config, scenario: o.scenario, approve: o.approve, approvalMode: o.approvalMode, dryRun: o.dryRun, onEvent });
        } finally {
          progress?.stop();
        }
        if (o.json) {
          const { history, ...rest } = summary;
          io.out(`${JSON.stringify({ ...rest, historyEvents: history.length })}\n`);
        } else io.out(`${humanSummary(summary)}\n`);
        if (reportPath) {
          const plan = buildPlan(config, definition, { approvalMode: o.approvalMode });
          const html = renderDrillReport({
            summary,
            events,
            definition,
            projection: {
              rtoSeconds: plan.rtoSeconds,
              rtoTargetSeconds: plan.rto.targetSeconds,
              rpoSeconds: plan.rpoSeconds,
              rpoTargetSeconds: plan.rpo.targetSeconds,
              terms: plan.rto.terms.map((t) => ({ key: t.key, label: t.label, seconds: t.seconds })),
              approvalNote: plan.rto.approval.note,
            },
          });
          writeFileSync(reportPath, html);
          // Keep stdout one JSON object per line; the path goes where people look.
          (o.json ? io.err : io.out)(`report written to ${reportPath}\n`);
        }
        return summary.invariantsHeld ? 0 : 1;
      }),
    );

  registerPlan(program, io);
  // Clients are created by the AWS commands only, so `drctl drill` and `drctl plan` never load credentials.
  registerAwsCommands(program, { io, clients: deps.clients ?? defaultClients, now: deps.now ?? (() => new Date()) });
  return program;
}

/**
 * Parses and runs, and always ends with an exit code of 0, 1 or 2 (see EXIT_CODES): commander's usage
 * errors exit 2 like every other bad input, and whatever a command could not handle is one line on
 * stderr and exit 2, never a stack trace (DRCTL_DEBUG=1 adds it, for a bug report).
 */
export async function run(argv: readonly string[], deps: ProgramDeps = {}): Promise<number> {
  const io = deps.io ?? processIo;
  process.exitCode = undefined;
  try {
    const program = buildProgram(deps).exitOverride();
    for (const c of program.commands) c.exitOverride();
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    io.err(`drctl: ${unexpectedErrorLine(err)}\n`);
    if (process.env.DRCTL_DEBUG) io.err(`${(err as Error)?.stack ?? String(err)}\n`);
    return 2;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}

if (require.main === module) {
  // run() reports every failure itself; this only sets the code.
  void run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
