import { ThrottledError, TransientError } from '../../../functions/shared/errors';

/**
 * `transient`: throttled before doing anything (what callAws turns a ThrottlingException into).
 * `transient-after`: the change is made, then the answer is lost (the caller cannot tell it happened).
 * Unreachability is not a fault mode: it is `FakeWorld.dark`, which also takes the region's writers down.
 */
export type FaultMode = 'ok' | 'transient' | 'transient-after' | 'fatal';
export type Op =
  | 'siteState.get'
  | 'siteState.set'
  | 'traffic.describe'
  | 'traffic.shiftTo'
  | 'data.lag'
  | 'data.promote'
  | 'data.compare'
  | 'data.heartbeat'
  | 'signals.read'
  | 'signals.probeGlobal'
  | 'trigger.signals'
  | 'notifier.approval';
export const OPS: readonly Op[] = [
  'siteState.get',
  'siteState.set',
  'traffic.describe',
  'traffic.shiftTo',
  'data.lag',
  'data.promote',
  'data.compare',
  'data.heartbeat',
  'signals.read',
  'signals.probeGlobal',
  'trigger.signals',
  'notifier.approval',
];

/** Per operation, what its n-th call does; after the schedule, `always` (default ok). */
export class Faults {
  private readonly schedules = new Map<Op, readonly FaultMode[]>();
  private readonly always = new Map<Op, FaultMode>();
  readonly calls = new Map<Op, number>();
  readonly injected: Array<{ op: Op; call: number; mode: FaultMode }> = [];

  plan(op: Op, modes: readonly FaultMode[]): this {
    this.schedules.set(op, modes);
    return this;
  }
  set(op: Op, mode: FaultMode): this {
    this.always.set(op, mode);
    return this;
  }
  clear(): void {
    this.schedules.clear();
    this.always.clear();
  }

  async run<T>(op: Op, effect: () => T | Promise<T>): Promise<T> {
    const n = (this.calls.get(op) ?? 0) + 1;
    this.calls.set(op, n);
    const mode = this.schedules.get(op)?.[n - 1] ?? this.always.get(op) ?? 'ok';
    if (mode !== 'ok') this.injected.push({ op, call: n, mode });
    if (mode === 'transient') throw new ThrottledError(`${op}: ThrottlingException (injected, call ${n})`);
    if (mode === 'fatal') throw new Error(`${op}: failed (injected, call ${n})`);
    const result = await effect();
    if (mode === 'transient-after') throw new TransientError(`${op}: the answer was lost after the change was made (injected, call ${n})`);
    return result;
  }
}
