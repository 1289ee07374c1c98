import Module from 'node:module';

/**
 * Jest maps `@sinonjs/fake-timers` here (jest.config.js, moduleNameMapper), for the drill's virtual clock
 * (local/sim/virtual-time.ts). Jest runs each test file in a `vm` context, where every lookup of a global
 * (`Number`, `Object`, `Math`, ...) from code loaded in that context goes through the context's interceptors: about
 * a hundred times slower than in plain Node. fake-timers looks globals up on every timer it adds or removes, and a
 * drill adds some 17,000 timers; loaded in the context, it made a drill three times slower under jest than under
 * `tsx`. Loaded by Node's own loader (outside the context) and installed on this context's globals, it is the same
 * library at plain Node's speed. Same timers, same order: the drills' output is unchanged.
 *
 * One thing the library does only for the global of its own realm: it also replaces the timer functions of the
 * `node:timers` module, which @middy/core imports its `setTimeout` from. `install` below does that too (and undoes it
 * on uninstall), or middy's early-timeout timer would be a real one, on the real clock, and would outlive the test.
 */
type FakeTimers = typeof import('@sinonjs/fake-timers');
const load = (Module as unknown as { _load(request: string, parent: null, isMain: boolean): FakeTimers })._load;
const outside = load(require.resolve('@sinonjs/fake-timers/src/fake-timers-src.js'), null, false);
const here = outside.withGlobal(globalThis);

const TIMER_METHODS = ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] as const;

export const { timers, createClock } = here;
export const withGlobal = outside.withGlobal;

export const install: FakeTimers['install'] = (opts) => {
  const clock = here.install(opts);
  const nodeTimers = require('node:timers') as Record<(typeof TIMER_METHODS)[number], unknown>;
  const faked = TIMER_METHODS.filter((m) => opts?.toFake === undefined || opts.toFake.includes(m));
  const originals = faked.map((m) => [m, nodeTimers[m]] as const);
  for (const m of faked) nodeTimers[m] = (globalThis as unknown as Record<string, unknown>)[m];
  const uninstall = clock.uninstall.bind(clock);
  clock.uninstall = () => {
    for (const [m, original] of originals) nodeTimers[m] = original;
    return uninstall();
  };
  return clock;
};
