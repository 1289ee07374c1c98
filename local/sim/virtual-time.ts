import { install as installFakeTimers } from '@sinonjs/fake-timers';

type InstalledClock = ReturnType<typeof installFakeTimers>;
import { seededRandom } from './random';

/**
 * One virtual clock for a whole simulation: the world, detection, the load, the handlers and the local Step
 * Functions engine all read `Date` and schedule with `setTimeout`/`setInterval`, and while a simulation runs
 * those globals are @sinonjs/fake-timers' (so are `Math.random`'s answers: a seeded generator). The clock only
 * moves when the simulated system has nothing left to do at the current instant: the driver yields one turn of
 * the real event loop (`setImmediate`, which Node runs only after every queued promise job), and if the goal is
 * still open it fires the next timer, and only that one. Nothing in a simulation does real I/O (its network is
 * in-process, local/sim/network.ts), so "no promise job left" is "nothing left to do", and machine load can change
 * how long a run takes but never what happens in it. See docs/adr/0014-virtual-time.md.
 */

/** The virtual epoch every simulation starts at unless told otherwise: a fixed instant, so runs compare byte for byte. */
export const SIM_EPOCH = Date.UTC(2026, 0, 5, 9, 0, 0);

// Captured before any fake clock exists: the driver's own yields and a person's real time.
const realSetImmediate = globalThis.setImmediate;
const realSetTimeout = globalThis.setTimeout;
const realNow = Date.now.bind(Date);
const realRandom = Math.random;

/** The real clock, for what only a person or a browser waits on (and for `wall` figures). */
export const realClock = { now: (): number => realNow() };

export class SimulationDeadlockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimulationDeadlockError';
  }
}

export class SimulationLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimulationLimitError';
  }
}

export interface SimulationOptions {
  /** Virtual epoch ms at the start. @default SIM_EPOCH */
  readonly start?: number;
  /** Seed for `Math.random` during the simulation. @default 1 */
  readonly seed?: number;
  /** The simulation gives up (SimulationLimitError) past this much virtual time. @default 48 h */
  readonly maxVirtualMs?: number;
}

let active: Simulation | undefined;

/**
 * A running simulation. Create one with `Simulation.install`, drive it with `run`, and always `uninstall` it
 * (or use `simulate`, which does both).
 */
export class Simulation {
  private readonly clock: InstalledClock;
  private readonly startedAt: number;
  private readonly maxVirtualMs: number;
  /** Holds taken by a person in the loop: while any is held, virtual time follows real time (1:1). */
  private realTimeHolds = 0;
  /** Timers fired so far (a measure of the simulation's work, for benchmarks). */
  steps = 0;

  private constructor(opts: SimulationOptions) {
    this.startedAt = opts.start ?? SIM_EPOCH;
    this.maxVirtualMs = opts.maxVirtualMs ?? 48 * 3_600_000;
    // Only the timer globals and Date: setImmediate, nextTick and queueMicrotask stay real, because the driver
    // itself needs them to find out when there is nothing left to do; performance.now stays real for `wall`.
    this.clock = installFakeTimers({
      now: this.startedAt,
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
      shouldClearNativeTimers: false,
    });
    Math.random = seededRandom(opts.seed ?? 1);
  }

  /** Installs the virtual clock and the seeded `Math.random` for this process. One simulation at a time. */
  static install(opts: SimulationOptions = {}): Simulation {
    if (active) throw new Error('a simulation is already running in this process; finish it before starting another');
    active = new Simulation(opts);
    return active;
  }

  /** The running simulation, if any (for code that must know whether a person's real time applies). */
  static current(): Simulation | undefined {
    return active;
  }

  /** Virtual epoch ms now. */
  now(): number {
    return this.clock.now;
  }

  /** Virtual ms since the simulation started. */
  get elapsed(): number {
    return this.clock.now - this.startedAt;
  }

  /**
   * While held, a person is in the loop (a manual approval): virtual time advances with real time, never faster,
   * so nothing a person does is scaled. Returns the release function.
   */
  holdRealTime(): () => void {
    this.realTimeHolds++;
    let released = false;
    return () => {
      if (!released) this.realTimeHolds--;
      released = true;
    };
  }

  /**
   * Drives the simulation until `goal` settles: runs everything due at the current instant, then jumps to the
   * next timer. A goal that can never settle (nothing scheduled, no person in the loop) is a deadlock.
   */
  async run<T>(goal: Promise<T>): Promise<T> {
    let settled = false;
    const watched = goal.then(
      (v) => {
        settled = true;
        return v;
      },
      (e: unknown) => {
        settled = true;
        throw e;
      },
    );
    // A rejection is reported through the return value; do not let it count as unhandled meanwhile.
    watched.catch(() => undefined);
    for (;;) {
      await yieldToRealLoop();
      if (settled) return watched;
      if (this.realTimeHolds > 0) {
        await this.followRealTime();
        continue;
      }
      if (this.clock.countTimers() === 0) {
        throw new SimulationDeadlockError(`nothing is scheduled at virtual +${this.elapsed} ms and the simulation's goal is still open`);
      }
      if (this.elapsed > this.maxVirtualMs) throw new SimulationLimitError(`the simulation ran past ${this.maxVirtualMs / 3_600_000} h of virtual time`);
      this.clock.next();
      this.steps++;
    }
  }

  /**
   * For tests that await the simulated system directly: whenever the real event loop is idle (no promise job
   * left), fire the next timer. The same rule as `run`, without a goal. Returns the function that stops it.
   */
  autoAdvance(): () => void {
    let on = true;
    const step = () => {
      if (!on || active !== this) return;
      if (this.realTimeHolds === 0 && this.clock.countTimers() > 0) {
        this.clock.next();
        this.steps++;
        realSetImmediate(step);
      } else {
        // Nothing scheduled (the test is waiting on something real): look again shortly, without spinning.
        realSetTimeout(step, 1);
      }
    };
    realSetImmediate(step);
    return () => {
      on = false;
    };
  }

  /** One step with a person in the loop: wait real time up to the next timer (at most 50 ms), then catch up. */
  private async followRealTime(): Promise<void> {
    const before = realNow();
    const due = this.nextTimerAt();
    const waitMs = Math.max(0, Math.min(50, due === undefined ? 50 : due - this.clock.now));
    if (waitMs > 0) await new Promise<void>((r) => realSetTimeout(r, waitMs));
    const elapsed = realNow() - before;
    const target = this.clock.now + elapsed;
    const next = this.nextTimerAt();
    if (next !== undefined && next <= target) {
      this.clock.next();
      this.steps++;
    } else this.clock.tick(elapsed);
  }

  private nextTimerAt(): number | undefined {
    if (this.clock.countTimers() === 0) return undefined;
    // `next` on a clone would fire callbacks; peek through the clock's own timer table instead.
    const timers = (this.clock as unknown as { timers?: Record<string, { callAt: number }> }).timers ?? {};
    let min: number | undefined;
    for (const t of Object.values(timers)) if (min === undefined || t.callAt < min) min = t.callAt;
    return min;
  }

  uninstall(): void {
    this.clock.uninstall();
    Math.random = realRandom;
    if (active === this) active = undefined;
  }
}

/** Lets every queued promise job run: Node runs `setImmediate` callbacks only after the job queue is empty. */
function yieldToRealLoop(): Promise<void> {
  return new Promise((r) => realSetImmediate(r));
}

/** Runs `fn` inside a fresh simulation and drives it until its promise settles; always uninstalls. */
export async function simulate<T>(fn: (sim: Simulation) => Promise<T>, opts: SimulationOptions = {}): Promise<T> {
  const sim = Simulation.install(opts);
  try {
    return await sim.run(fn(sim));
  } finally {
    sim.uninstall();
  }
}

/**
 * "Now" for the simulated world: the virtual clock while a simulation runs (fake-timers owns `Date` then), and
 * the only place in local/ that reads `Date`. Everything simulated asks here, so there is one clock to reason about.
 */
export function simNow(): number {
  return Date.now();
}

/** The `Clock` port of the handlers, on the simulation's clock. */
export const simClock = { now: simNow } as const;
