import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { measurement, median, progress, round, run, type Measurement } from './lib';

const ROOT = resolve(__dirname, '..');

/** What infra/constructs/task-functions/bundled-function.ts asks NodejsFunction for (bundleAwsSDK: true, so nothing external). */
const INFRA: BuildOptions = { bundle: true, minify: true, platform: 'node', target: 'node20', mainFields: ['module', 'main'], format: 'cjs', sourcemap: false };
/** The comparison: no minification, no tree shaking, the SDK's CommonJS builds. */
const UNOPTIMIZED: BuildOptions = { ...INFRA, minify: false, treeShaking: false, mainFields: ['main'] };
/** Not what infra does: the Lambda runtime's own SDK instead of a bundled one, to show what the SDK weighs. */
const SDK_EXTERNAL: BuildOptions = { ...INFRA, external: ['@aws-sdk/*', '@smithy/*'] };

export function handlerEntries(): Array<{ name: string; entry: string }> {
  const dir = join(ROOT, 'functions');
  return (
    readdirSync(dir)
      // The canary script runs in Synthetics (inline code with the runtime's SDK), not as a Lambda bundle.
      .filter((d) => d !== 'canary' && existsSync(join(dir, d, 'handler.ts')))
      .sort()
      .map((d) => ({ name: d, entry: join(dir, d, 'handler.ts') }))
  );
}

interface Bundle {
  readonly name: string;
  readonly file: string;
  readonly bytes: number;
  readonly metafile: Metafile;
}

async function bundleAll(options: BuildOptions, outDir: string): Promise<Bundle[]> {
  const out: Bundle[] = [];
  for (const { name, entry } of handlerEntries()) {
    const file = join(outDir, `${name}.js`);
    const r = await build({ ...options, entryPoints: [entry], outfile: file, metafile: true, logLevel: 'silent', absWorkingDir: ROOT });
    const bytes = Object.values(r.metafile.outputs)[0].bytes;
    out.push({ name, file, bytes, metafile: r.metafile });
  }
  return out;
}

/** Output bytes by npm package (or `(project)` for our own code), largest first. */
export function bytesByPackage(metafile: Metafile, top = 8): Array<{ package: string; kb: number }> {
  const sums = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, input] of Object.entries(output.inputs)) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
      const key = m ? m[1] : '(project)';
      sums.set(key, (sums.get(key) ?? 0) + input.bytesInOutput);
    }
  }
  return [...sums.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([pkg, bytes]) => ({ package: pkg, kb: round(bytes / 1024, 1) }));
}

/** `require` of one bundle in a fresh Node process: module load only (handlers build their deps lazily). */
async function loadMs(file: string): Promise<number> {
  const code = `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  const r = await run(process.execPath, ['-e', code], { timeoutMs: 30_000, env: { PATH: process.env.PATH ?? '' } });
  const ms = Number(r.stdout.trim());
  if (r.code !== 0 || !Number.isFinite(ms)) throw new Error(`loading ${file} failed: ${r.stderr.slice(0, 400)}`);
  return ms;
}

async function coldLoads(bundles: readonly Bundle[], samples: number): Promise<Record<string, number>> {
  const times: Record<string, number[]> = Object.fromEntries(bundles.map((b) => [b.name, []]));
  // Interleaved so a burst of load on the shared machine spreads over every bundle alike.
  for (let i = 0; i < samples; i++) for (const b of bundles) times[b.name].push(await loadMs(b.file));
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, round(median(v), 1)]));
}

const kb = (bytes: number) => round(bytes / 1024, 1);

/**
 * zod's non-English locales in a bundle. Non-zero means some file imports `{ z }` from 'zod' (the
 * namespace export esbuild cannot shake); `import * as z from 'zod'` keeps them out.
 */
function zodLocalesKb(metafile: Metafile): number {
  let bytes = 0;
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, input] of Object.entries(output.inputs)) if (/zod\/v4\/locales\/(?!en\.)/.test(path)) bytes += input.bytesInOutput;
  }
  return kb(bytes);
}

export async function benchBundles(samples: number): Promise<Measurement[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-bundles-'));
  try {
    const infra = await bundleAll(INFRA, join(dir, 'infra'));
    const unoptimized = await bundleAll(UNOPTIMIZED, join(dir, 'unoptimized'));
    const sdkExternal = await bundleAll(SDK_EXTERNAL, join(dir, 'sdk-external'));
    progress(`bundled ${infra.length} handlers three ways; timing ${samples} cold loads each`);
    const infraLoad = await coldLoads(infra, samples);
    const unoptimizedLoad = await coldLoads(unoptimized, samples);
    const largest = infra.reduce((a, b) => (b.bytes > a.bytes ? b : a));
    const slowest = Object.entries(infraLoad).reduce((a, b) => (b[1] > a[1] ? b : a));
    const slowestUnopt = Object.entries(unoptimizedLoad).reduce((a, b) => (b[1] > a[1] ? b : a));
    const sizes = (bs: readonly Bundle[]) => Object.fromEntries(bs.map((b) => [b.name, kb(b.bytes)]));
    const maxKb = (bs: readonly Bundle[]) => Math.max(...bs.map((b) => kb(b.bytes)));
    return [
      measurement(
        'bundleMaxKB',
        kb(largest.bytes),
        'KB',
        { max: 300 },
        {
          largest: largest.name,
          kbByHandler: sizes(infra),
          largestByPackage: bytesByPackage(largest.metafile),
          zodLocalesKbByHandler: Object.fromEntries(infra.map((b) => [b.name, zodLocalesKb(b.metafile)])),
          unoptimizedMaxKB: maxKb(unoptimized),
          unoptimizedKbByHandler: sizes(unoptimized),
          sdkExternalMaxKB: maxKb(sdkExternal),
          sdkExternalKbByHandler: sizes(sdkExternal),
        },
      ),
      measurement(
        'coldInitMaxMs',
        slowest[1],
        'ms',
        { max: 100 },
        {
          samples,
          slowest: slowest[0],
          medianMsByHandler: infraLoad,
          unoptimizedMaxMs: slowestUnopt[1],
          unoptimizedSlowest: slowestUnopt[0],
          unoptimizedMedianMsByHandler: unoptimizedLoad,
          node: process.version,
        },
      ),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
