import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format } from 'node:util';
import { run } from '../../cli/main';
import type { CliIo } from '../../cli/io';

export interface DrctlRun {
  /** What `run()` resolves to, which bin/drctl.js makes the exit code. */
  readonly code: number;
  /** What drctl wrote to stdout and stderr (its io). */
  readonly out: string;
  readonly err: string;
  /**
   * Anything else printed meanwhile, to the process's streams or the console (a handler's log line, say): in a
   * process of its own it would be mixed into stdout or stderr.
   */
  readonly strayOut: string;
  readonly strayErr: string;
}

type Stream = 'out' | 'err';

/**
 * `drctl ARGS` in this process: the `run()` that bin/drctl.js calls, with its output captured, in `cwd` (a new
 * empty folder unless given) so that a drill's outbox lands there and not in the checkout. A drill installs the
 * process-wide virtual clock: call it from tests that run one at a time (the tests of one file do).
 */
export async function drctl(args: readonly string[], opts: { cwd?: string } = {}): Promise<DrctlRun> {
  const text = { out: '', err: '', strayOut: '', strayErr: '' };
  const stray = (to: Stream, s: string) => {
    if (to === 'out') text.strayOut += s;
    else text.strayErr += s;
  };
  const restore: Array<() => void> = [];
  const streams: Array<[NodeJS.WriteStream, Stream]> = [
    [process.stdout, 'out'],
    [process.stderr, 'err'],
  ];
  for (const [stream, to] of streams) {
    const write = stream.write;
    stream.write = ((chunk: string | Uint8Array) => {
      stray(to, typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
      return true;
    }) as typeof stream.write;
    restore.push(() => {
      stream.write = write;
    });
  }
  const methods: Array<[keyof Console & ('log' | 'info' | 'debug' | 'warn' | 'error'), Stream]> = [
    ['log', 'out'],
    ['info', 'out'],
    ['debug', 'out'],
    ['warn', 'err'],
    ['error', 'err'],
  ];
  for (const [name, to] of methods) {
    const original = console[name];
    console[name] = (...a: unknown[]) => stray(to, `${format(...a)}\n`);
    restore.push(() => {
      console[name] = original;
    });
  }
  const before = process.cwd();
  process.chdir(opts.cwd ?? mkdtempSync(join(tmpdir(), 'drctl-cwd-')));
  restore.push(() => process.chdir(before));
  try {
    const code = await run(args, {
      io: {
        out: (t) => {
          text.out += t;
        },
        err: (t) => {
          text.err += t;
        },
        isTTY: false,
      },
    });
    return { code, ...text };
  } finally {
    for (const undo of restore.reverse()) undo();
  }
}

/** An io for `run(args, { io, clients })` that keeps what drctl writes to stdout and stderr. */
export function capturedIo(): { readonly io: CliIo; text(): { out: string; err: string } } {
  const text = { out: '', err: '' };
  return {
    io: {
      out: (t) => {
        text.out += t;
      },
      err: (t) => {
        text.err += t;
      },
      isTTY: false,
    },
    text: () => ({ ...text }),
  };
}

/**
 * A folder for one drctl test file (its config files, the files drctl writes), made before its tests and removed
 * after, with the developer's own AWS_PROFILE out of the way meanwhile: drctl checks that a named profile exists, and
 * the tests stub the clients. `files` are written into it as JSON.
 */
export function drctlFolder(prefix: string, files: Record<string, unknown> = {}): { readonly dir: string; path(name: string): string } {
  let dir: string | undefined;
  const savedProfile = process.env.AWS_PROFILE;
  beforeAll(() => {
    delete process.env.AWS_PROFILE;
    dir = mkdtempSync(join(tmpdir(), prefix));
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), JSON.stringify(content));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (savedProfile !== undefined) process.env.AWS_PROFILE = savedProfile;
  });
  const folder = {
    get dir(): string {
      if (!dir) throw new Error('drctlFolder: the folder exists only while the tests run');
      return dir;
    },
    path: (name: string) => join(folder.dir, name),
  };
  return folder;
}
