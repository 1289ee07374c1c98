import type { LayoutMachine } from './graph-layout';
import { successors } from './graph-layout';

/**
 * One row of an execution's event history, as the report reads it: the drill's local history and a real
 * GetExecutionHistory (mapped by cli/aws/execution-record.ts) both come in this shape. `type` is the Step
 * Functions event type (`TaskStateEntered`, `LambdaFunctionFailed`, `ExecutionRedriven`, ...); the local runtime
 * adds `TaskRetryScheduled` and `ErrorCaught`, which AWS shows only through the events around them.
 */
export interface ExecutionEvent {
  readonly id: number;
  /** Epoch ms (AWS time; in a drill, the virtual clock). */
  readonly timestamp: number;
  readonly type: string;
  readonly stateName?: string;
  readonly error?: string;
  readonly cause?: string;
  readonly input?: unknown;
  readonly output?: unknown;
  /** Map iteration index, for events inside a Map. */
  readonly index?: number;
  /** ExecutionRedriven: how many times the execution has been redriven. */
  readonly redriveCount?: number;
}

/**
 * The console's colours: succeeded green, failed red, caught or retried amber, not reached grey.
 * `running` is a state that was entered and never left while the execution still ran.
 */
export type StateStatus = 'succeeded' | 'failed' | 'caught' | 'running' | 'not-reached';

export const STATUS_LABEL: Record<StateStatus, string> = {
  succeeded: 'succeeded',
  failed: 'failed',
  caught: 'caught error / retried',
  running: 'still running',
  'not-reached': 'not reached',
};

/** One entry into a state: when, how it ended, in which attempt (0 the first run, n the n-th redrive). */
export interface StateSpan {
  readonly start: number;
  /** null while it runs. */
  readonly end: number | null;
  readonly status: StateStatus;
  readonly index?: number;
  readonly attempt: number;
}

export interface StateRun {
  readonly status: StateStatus;
  readonly entered: number;
  readonly exited: number;
  readonly failures: number;
  readonly retries: number;
  readonly errors: readonly string[];
  readonly spans: readonly StateSpan[];
}

/** Event types that mean the work of a state failed (AWS's and the local runtime's). */
export function isFailureEvent(type: string): boolean {
  if (type.startsWith('Execution')) return false;
  return /(Failed|TimedOut)$/.test(type) && type !== 'MapIterationFailed' && type !== 'ParallelBranchFailed';
}

const TERMINAL = new Set(['ExecutionFailed', 'ExecutionAborted', 'ExecutionTimedOut', 'ExecutionSucceeded']);

type OpenSpan = { start: number; index?: number; attempt: number; failed: boolean; retried: boolean; caught: boolean; scheduled: number };

/**
 * How each state fared, from the history: every entry becomes a span that ends when the state exits (amber if
 * it failed or retried on the way), or when its attempt ends without it (red). A redrive starts a new attempt,
 * so a step that failed and then succeeded after a redrive ends amber, with both spans on the timeline. Map
 * items are folded into one status per state: the last span of each item decides.
 */
export function stateStatuses(history: readonly ExecutionEvent[], machine: LayoutMachine): Map<string, StateRun> {
  const types = stateTypes(machine);
  const spans = new Map<string, StateSpan[]>();
  const open = new Map<string, OpenSpan>();
  const counts = new Map<string, { entered: number; exited: number; failures: number; retries: number; errors: string[] }>();
  const countOf = (name: string) => {
    const c = counts.get(name) ?? { entered: 0, exited: 0, failures: 0, retries: 0, errors: [] };
    counts.set(name, c);
    return c;
  };
  const keyOf = (name: string, index?: number) => `${name}\u0000${index ?? ''}`;
  const close = (key: string, o: OpenSpan, end: number, status: StateStatus) => {
    const name = key.slice(0, key.indexOf('\u0000'));
    spans.set(name, [...(spans.get(name) ?? []), { start: o.start, end, status, attempt: o.attempt, ...(o.index !== undefined ? { index: o.index } : {}) }]);
    open.delete(key);
  };
  let attempt = 0;
  let ended = false;
  for (const e of history) {
    if (TERMINAL.has(e.type)) {
      ended = true;
      // Whatever was still in progress when the attempt stopped failed with it.
      for (const [key, o] of [...open]) close(key, o, e.timestamp, e.type === 'ExecutionSucceeded' ? 'succeeded' : 'failed');
      continue;
    }
    if (e.type === 'ExecutionRedriven') {
      attempt = e.redriveCount ?? attempt + 1;
      ended = false;
      continue;
    }
    if (!e.stateName || !types.has(e.stateName)) continue;
    const key = keyOf(e.stateName, e.index);
    const c = countOf(e.stateName);
    if (e.type.endsWith('StateEntered')) {
      const prev = open.get(key);
      if (prev) close(key, prev, e.timestamp, 'failed');
      c.entered++;
      open.set(key, { start: e.timestamp, index: e.index, attempt, failed: false, retried: false, caught: false, scheduled: 0 });
      continue;
    }
    const o = open.get(key);
    if (e.type.endsWith('StateExited')) {
      c.exited++;
      if (o) close(key, o, e.timestamp, o.failed || o.retried || o.caught ? 'caught' : 'succeeded');
    } else if (e.type === 'TaskRetryScheduled') {
      c.retries++;
      if (o) o.retried = true;
    } else if (e.type === 'ErrorCaught') {
      if (o) o.caught = true;
    } else if (/Scheduled$/.test(e.type)) {
      // AWS shows a Retry as the task scheduled again within the same entry.
      if (o) {
        o.scheduled++;
        if (o.scheduled > 1) {
          c.retries++;
          o.retried = true;
        }
      }
    } else if (isFailureEvent(e.type)) {
      c.failures++;
      const text = `${e.error ?? 'Error'}${e.cause ? `: ${e.cause}` : ''}`;
      if (!c.errors.includes(text)) c.errors.push(text);
      if (o) o.failed = true;
    }
  }
  const out = new Map<string, StateRun>();
  for (const [name, type] of types) {
    const c = counts.get(name) ?? { entered: 0, exited: 0, failures: 0, retries: 0, errors: [] };
    const mine = [...(spans.get(name) ?? [])];
    for (const [key, o] of open) {
      if (key.slice(0, key.indexOf('\u0000')) !== name) continue;
      mine.push({
        start: o.start,
        end: null,
        status: ended || o.failed ? 'failed' : 'running',
        attempt: o.attempt,
        ...(o.index !== undefined ? { index: o.index } : {}),
      });
    }
    mine.sort((a, b) => a.start - b.start);
    let status: StateStatus;
    if (c.entered === 0) status = 'not-reached';
    else if (type === 'Fail') status = 'failed';
    else {
      const last = new Map<string, StateSpan>();
      for (const s of mine) last.set(String(s.index ?? ''), s);
      const finals = [...last.values()];
      if (finals.some((s) => s.status === 'failed')) status = 'failed';
      else if (finals.some((s) => s.status === 'running')) status = 'running';
      else if (mine.some((s) => s.status !== 'succeeded') || c.failures > 0 || c.retries > 0) status = 'caught';
      else status = 'succeeded';
    }
    out.set(name, { status, entered: c.entered, exited: c.exited, failures: c.failures, retries: c.retries, errors: c.errors, spans: mine });
  }
  return out;
}

function stateTypes(machine: LayoutMachine): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (m: LayoutMachine) => {
    for (const [name, s] of Object.entries(m.States)) {
      out.set(name, s.Type);
      for (const b of s.Branches ?? []) visit(b);
      const p = s.ItemProcessor ?? s.Iterator;
      if (p) visit(p);
    }
  };
  visit(machine);
  return out;
}

/**
 * Transitions the execution took, as `from->to`: consecutive states entered within the same machine
 * (and the same Map item), which is how the console highlights the path.
 */
export function takenTransitions(history: readonly ExecutionEvent[], machine: LayoutMachine): Set<string> {
  const scopeOf = new Map<string, LayoutMachine>();
  const visit = (m: LayoutMachine) => {
    for (const [name, s] of Object.entries(m.States)) {
      scopeOf.set(name, m);
      for (const b of s.Branches ?? []) visit(b);
      const p = s.ItemProcessor ?? s.Iterator;
      if (p) visit(p);
    }
  };
  visit(machine);
  const scopeIds = new Map<LayoutMachine, number>();
  const last = new Map<string, string>();
  const taken = new Set<string>();
  for (const e of history) {
    if (!e.stateName || !e.type.endsWith('StateEntered')) continue;
    const scope = scopeOf.get(e.stateName);
    if (!scope) continue;
    if (!scopeIds.has(scope)) scopeIds.set(scope, scopeIds.size);
    const key = `${scopeIds.get(scope)}#${e.index ?? ''}`;
    const prev = last.get(key);
    if (prev && successors(scope.States[prev]).some((s) => s.to === e.stateName)) taken.add(`${prev}->${e.stateName}`);
    last.set(key, e.stateName);
  }
  return taken;
}
