import { InvalidArgumentError } from 'commander';
import { ConfigError, loadConfig } from '../config/load';
import type { DrConfig } from '../config/schema';
import { CliError, firstLine, isAwsSideError } from './aws/errors';

/** Where a command writes; tests pass their own to read what an operator would see. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** stdout is a terminal: live progress instead of plain lines. */
  readonly isTTY: boolean;
}

export const processIo: CliIo = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  get isTTY() {
    return Boolean(process.stdout.isTTY);
  },
};

/** Loads the config, turning a bad file into a CliError whose message names every bad field. */
export function readConfig(file: string): DrConfig {
  try {
    return loadConfig(file);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message, 2);
    throw err;
  }
}

/** A whole-number option parser; commander names the option in its error. */
export function positiveInt(_flag: string, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isInteger(n) || n > max) throw new InvalidArgumentError(`must be a whole number from 0 to ${max}.`);
    return n;
  };
}

/** What every drctl command's exit code means; `drctl --help` and the README say the same. */
export const EXIT_CODES =
  'Exit codes: 0 done; 1 the command ran and the outcome is bad (a failed drill invariant, an incident that already ran, a status with no or two ACTIVE regions, a plan over target with --strict); 2 usage, config, credentials, or AWS unreachable or answering something that is not AWS. Failures are one line on stderr; DRCTL_DEBUG=1 adds the stack trace.';

/**
 * One line for anything a command could not handle. An error from the AWS side (an SDK service error, a
 * parser failure on a proxy's page, a network error) that no command explained is still the
 * environment's doing; anything else is a bug in drctl, said as such.
 */
export function unexpectedErrorLine(err: unknown): string {
  const e = err as { name?: string; message?: string } | undefined;
  const what = `${e?.name ?? 'Error'}: ${firstLine(e?.message ?? String(err)) || 'no message'}`;
  return isAwsSideError(err)
    ? `AWS answered with an error drctl could not use (${what})`
    : `unexpected error (${what}); this is a bug in drctl: DRCTL_DEBUG=1 shows where`;
}

/**
 * Runs a command action: user errors print one line and set the exit code (2 unless the error says
 * otherwise); anything else is rethrown for `run` to report on one line.
 */
export function action<A extends unknown[]>(io: CliIo, fn: (...args: A) => Promise<number | undefined>) {
  return async (...args: A): Promise<void> => {
    try {
      const code = await fn(...args);
      if (typeof code === 'number') process.exitCode = code;
    } catch (err) {
      if (err instanceof CliError) {
        io.err(`drctl: ${err.message}\n`);
        process.exitCode = err.exitCode;
        return;
      }
      throw err;
    }
  };
}
