import { resolve } from 'node:path';
import { measurement, run, type Measurement } from './lib';

const ROOT = resolve(__dirname, '..');

function parsePlan(stdout: string): Record<string, unknown> | undefined {
  const text = stdout.trim();
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    // One object per line: the last one that carries the figure.
    for (const line of text.split('\n').reverse()) {
      try {
        const o = JSON.parse(line) as Record<string, unknown>;
        if (typeof o.rtoSeconds === 'number') return o;
      } catch {
        // not JSON
      }
    }
  }
  return undefined;
}

/** The projected AWS RTO at the default config, as `drctl plan --json` computes it (a subprocess, as a user runs it). */
export async function benchPlan(): Promise<Measurement[]> {
  const r = await run('npx', ['tsx', 'cli/main.ts', 'plan', '--json'], { cwd: ROOT, timeoutMs: 120_000 });
  const plan = r.code === 0 ? parsePlan(r.stdout) : undefined;
  const rto = typeof plan?.rtoSeconds === 'number' ? plan.rtoSeconds : null;
  return [
    measurement(
      'projectedAwsRtoSeconds',
      rto,
      's',
      undefined,
      rto === null
        ? { error: `drctl plan --json gave no rtoSeconds (exit ${r.code}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ').slice(0, 300)}` }
        : { command: 'npx tsx cli/main.ts plan --json', config: 'dr.config.json', ...budget(plan!) },
    ),
  ];
}

/** The budget's terms (seconds each) and its target, so the table shows where the seconds go. */
function budget(plan: Record<string, unknown>): Record<string, unknown> {
  const rto = plan.rto as { targetSeconds?: unknown; terms?: Array<{ key?: unknown; seconds?: unknown }> } | undefined;
  const terms = Object.fromEntries((rto?.terms ?? []).filter((t) => typeof t.key === 'string' && typeof t.seconds === 'number').map((t) => [t.key, t.seconds]));
  return {
    ...(typeof rto?.targetSeconds === 'number' ? { rtoTargetSeconds: rto.targetSeconds } : {}),
    ...(typeof plan.meetsTargets === 'boolean' ? { meetsTargets: plan.meetsTargets } : {}),
    termsSeconds: terms,
  };
}
