import { join } from 'node:path';
import { loadConfig } from '../../config/load';
import { runSeeds, type SeedResult } from '../../local/many-seeds';
import { randomScenario } from '../../local/random-schedule';

const config = loadConfig(join(__dirname, '..', '..', 'dr.config.json'));
/** A fixed range, so a failure here is replayed with `drctl drill --random --seed N`. */
const FROM = 1;
const TO = 200;
/**
 * Seeds per test: each test stays well inside jest's timeout on a loaded machine (the drills take CPU time, not
 * real time), and a failure names its range.
 */
const CHUNK = 50;
const chunks = Array.from({ length: Math.ceil((TO - FROM + 1) / CHUNK) }, (_, i) => [FROM + i * CHUNK, Math.min(TO, FROM + (i + 1) * CHUNK - 1)] as const);

describe(`random fault schedules, seeds ${FROM}..${TO}, through the real workflow, handlers and world`, () => {
  const results: SeedResult[] = [];
  beforeAll(() => {
    process.stdout.write(`random-schedule drills: seeds ${FROM}..${TO} (replay one with: npm run drctl -- drill --random --seed N)\n`);
  });

  it.each(chunks)('every invariant holds for every schedule, seeds %i..%i', async (from, to) => {
    const chunk = await runSeeds({ config, scenario: 'random', from, to, shrink: false });
    results.push(...chunk);
    const failed = chunk.filter((r) => r.failed.length > 0).map((r) => `seed ${r.seed}: ${r.failed.join(', ')}`);
    expect(failed).toEqual([]);
  });

  it(`the schedules really are varied: every outcome a control plane can reach shows up in seeds ${FROM}..${TO}`, () => {
    expect(results.map((r) => r.seed)).toEqual(Array.from({ length: TO - FROM + 1 }, (_, i) => FROM + i));
    const outcomes = new Set(results.map((r) => r.outcome));
    for (const o of ['FAILED_OVER', 'NO_ACTION', 'REFUSED', 'REJECTED', 'TIMED_OUT', 'INCOMPLETE']) expect(outcomes).toContain(o);
  });

  it('a seed is one schedule, always the same', () => {
    expect(randomScenario(7, config)).toEqual(randomScenario(7, config));
    expect(randomScenario(7, config)).not.toEqual(randomScenario(8, config));
  });
});
