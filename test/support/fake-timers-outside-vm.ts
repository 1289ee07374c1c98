import Module from 'node:module';

/**
 * Jest maps `@sinonjs/fake-timers` here (jest.config.js, moduleNameMapper), for the drill's virtual clock
 * (local/sim/virtual-time.ts). Jest runs each test file in a `vm` context, where every lookup of a global
 * (`Number`, `Object`, `Math`, ...) from code loaded in that context goes through the context's interceptors: about
 * a hundred times slower than in plain Node. fake-timers looks globals up on every timer it adds or removes, and a
 * drill adds some 17,000 timers; loaded in the context, it made a drill three times slower under jest than under
 * `tsx`. Loaded by Node's own loader (outside the context) and installed on this context's globals, it is the same
 * library with the same behaviour, at plain Node's speed. Same timers, same order: the drills' output is unchanged.
 */
type FakeTimers = typeof import('@sinonjs/fake-timers');
const load = (Module as unknown as { _load(request: string, parent: null, isMain: boolean): FakeTimers })._load;
const outside = load(require.resolve('@sinonjs/fake-timers/src/fake-timers-src.js'), null, false);
const here = outside.withGlobal(globalThis);

export const { timers, createClock, install } = here;
export const withGlobal = outside.withGlobal;
