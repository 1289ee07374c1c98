import { join } from 'node:path';
import { loadConfig } from '../../config/load';
import { runSeeds } from '../../local/many-seeds';
import { randomScenario } from '../../local/random-schedule';

const config = loadConfig(join(__dirname, '..', '..', 'dr.config.json'));
/** A fixed range, so a failure here is replayed with `drctl drill --random --seed N`. */
const FROM = 1;
const TO = 200;

describe(`random fault schedules, seeds ${FROM}..${TO}, through the real workflow, handlers and world`, () => {
  it('every invariant holds for every schedule', async () => {
    process.stdout.write(`random-schedule drills: seeds ${FROM}..${TO} (replay one with: npm run drctl -- drill --random --seed N)\n`);
    const results = await runSeeds({ config, scenario: 'random', from: FROM, to: TO, shrink: false });
    const failed = results.filter((r) => r.failed.length > 0).map((r) => `seed ${r.seed}: ${r.failed.join(', ')}`);
    expect(failed).toEqual([]);
    // The schedules really are varied: every outcome a control plane can reach shows up in 200 of them.
    const outcomes = new Set(results.map((r) => r.outcome));
    for (const o of ['FAILED_OVER', 'NO_ACTION', 'REFUSED', 'REJECTED', 'TIMED_OUT', 'INCOMPLETE']) expect(outcomes).toContain(o);
  });

  it('a seed is one schedule, always the same', () => {
    expect(randomScenario(7, config)).toEqual(randomScenario(7, config));
    expect(randomScenario(7, config)).not.toEqual(randomScenario(8, config));
  });
});
