import fc from 'fast-check';
import { caseArb, describeRun, runCase, violations } from './model';
import { useVirtualTime } from '../support/virtual-time';

// Retry intervals, Waits and timeouts take virtual time only: nothing here waits on the real clock.
useVirtualTime();

/**
 * Model-based property test of detection + the failover workflow (see ./model.ts for the model and the
 * invariants). The seed is fixed so CI is deterministic; it is printed at the start and, with the
 * shrunk counterexample and its path, by fast-check on failure.
 *
 * Replay a failure:   FC_SEED=<seed> FC_PATH=<path> npx jest test/property/failover-model.test.ts
 * Explore new cases:  FC_SEED=$RANDOM FC_RUNS=5000 npx jest test/property/failover-model.test.ts
 */
const seed = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : 20_250_102;
const numRuns = process.env.FC_RUNS !== undefined ? Number(process.env.FC_RUNS) : 1_000;
const path = process.env.FC_PATH;

test(`random interleavings of alarms, approvals and faults never break the invariants (${numRuns} runs)`, async () => {
  process.stdout.write(
    `[property] failover model: seed=${seed} numRuns=${numRuns}${path ? ` path=${path}` : ''} (replay with FC_SEED=${seed} FC_PATH=<path from a failure>)\n`,
  );
  const stats = { cases: 0, executions: 0, outcomes: new Map<string, number>() };
  await fc.assert(
    fc.asyncProperty(caseArb, async (c) => {
      const h = await runCase(c);
      try {
        stats.cases++;
        stats.executions += h.executions.length;
        for (const part of describeRun(h).split('; ')) {
          const outcome = part.split(': ')[1] ?? part;
          stats.outcomes.set(outcome, (stats.outcomes.get(outcome) ?? 0) + 1);
        }
        const broken = violations(h);
        if (broken.length > 0) throw new Error(`invariants broken (${describeRun(h)}):\n  - ${broken.join('\n  - ')}`);
      } finally {
        h.dispose();
      }
    }),
    { seed, numRuns, path, timeout: 20_000, markInterruptAsFailure: true },
  );
  process.stdout.write(`[property] ${stats.cases} cases, ${stats.executions} executions; outcomes ${JSON.stringify(Object.fromEntries(stats.outcomes))}\n`);
  // The generator must actually reach the interesting places, or the invariants are checked on nothing.
  for (const outcome of ['FAILED_OVER', 'REJECTED', 'TIMED_OUT', 'INCOMPLETE', 'NO_ACTION'])
    expect([outcome, (stats.outcomes.get(outcome) ?? 0) > 0]).toEqual([outcome, true]);
}, 600_000);
