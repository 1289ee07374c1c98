#!/usr/bin/env node
import '../local/runtime/polyfills';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { defaultClients, type AwsClientsFactory } from './aws/clients';
import { registerApprove } from './commands/approve';
import { registerAwsCommands } from './commands/aws';
import { registerDoctor } from './commands/doctor';
import { registerDrill } from './commands/drill';
import { registerPlan } from './commands/plan';
import { registerReport } from './commands/report';
import { EXIT_CODES, processIo, unexpectedErrorLine, type CliIo } from './io';

// npm scripts run on the pinned Node 24, but a linked `drctl` runs on whatever `node` the shell finds; on
// Node 20 the SDK's eight-line notice about Node 22 would bury the one line an operator needs.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface ProgramDeps {
  readonly io?: CliIo;
  /** AWS SDK clients per region for the resolved profile; tests pass mocked ones. */
  readonly clients?: AwsClientsFactory;
  readonly now?: () => Date;
}

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
      `\nThe AWS commands (failover, failback, status, history, report, approve, reject, doctor) take --profile, --region and --output json like the AWS CLI;\nthe profile comes from --profile, else AWS_PROFILE, else the SDK's default chain.\n\n${EXIT_CODES}`,
    );

  registerDrill(program, io);
  registerPlan(program, io);
  // Clients are created by the AWS commands only, so `drctl drill` and `drctl plan` never load credentials.
  const awsDeps = { io, clients: deps.clients ?? defaultClients, now: deps.now ?? (() => new Date()) };
  registerAwsCommands(program, awsDeps);
  registerReport(program, awsDeps);
  registerApprove(program, awsDeps);
  registerDoctor(program, awsDeps);
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
