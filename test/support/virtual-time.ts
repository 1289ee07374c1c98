import type { Clock } from '../../functions/shared/ports';
import { SIM_EPOCH, Simulation } from '../../local/sim/virtual-time';

/**
 * Runs every test of the file on the drill's virtual clock: timers and `Date` are fake-timers', and the clock
 * jumps to the next timer whenever nothing else is left to do, so a Retry interval, a Wait or a timeout costs no
 * real time and machine load cannot change a result.
 */
export function useVirtualTime(opts: { seed?: number; start?: number } = {}): void {
  let sim: Simulation | undefined;
  let stop: (() => void) | undefined;
  beforeEach(() => {
    sim = Simulation.install({ seed: opts.seed ?? 1, start: opts.start ?? SIM_EPOCH });
    stop = sim.autoAdvance();
  });
  afterEach(() => {
    stop?.();
    sim?.uninstall();
    sim = undefined;
  });
}

/** The instant a hand-wound `FakeClock` starts at. */
export const T0 = Date.UTC(2025, 0, 2, 3, 4, 5);

/**
 * The handlers' `Clock` port, wound by hand: for tests that call use cases or handlers without a simulation, and
 * move time only where the case says so (`advance`, or set `t`). Tests that need timers to fire use
 * `useVirtualTime` instead.
 */
export class FakeClock implements Clock {
  constructor(public t = T0) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}
