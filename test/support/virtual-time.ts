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
