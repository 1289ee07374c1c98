import { spawn } from 'node:child_process';

/** One line of `npm run bench -- --json`: a single figure measured in this run. */
export interface Measurement {
  readonly type: 'measurement';
  readonly name: string;
  readonly value: number | null;
  readonly unit: string;
  /** The goal, as "<= 1.25" etc.; absent for figures that only explain another. */
  readonly goal?: string;
  readonly met?: boolean | null;
  readonly detail?: Record<string, unknown>;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export const round = (n: number, digits = 2): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

export function measurement(
  name: string,
  value: number | null,
  unit: string,
  goal?: { max: number } | { min: number },
  detail?: Record<string, unknown>,
): Measurement {
  const judged = goal
    ? 'max' in goal
      ? { goal: `<= ${goal.max}`, met: value === null ? null : value <= goal.max }
      : { goal: `>= ${goal.min}`, met: value === null ? null : value >= goal.min }
    : {};
  return {
    type: 'measurement',
    name,
    value,
    unit,
    ...judged,
    ...(detail ? { detail } : {}),
  };
}

export interface ChildResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a process to completion, collecting its output; never throws on a non-zero exit. */
export function run(cmd: string, args: readonly string[], opts: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
    child.on('error', reject);
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/** The last line of `text` that parses as a JSON object, or undefined. */
export function lastJsonLine<T>(text: string): T | undefined {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('{'));
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      return JSON.parse(lines[i]) as T;
    } catch {
      // a log line that merely starts with a brace
    }
  }
  return undefined;
}

/** Progress goes to stderr so `--json` stdout stays one object per line. */
export function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}
