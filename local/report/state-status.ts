import type { HistoryEvent } from '../runtime/history';
import type { LayoutMachine } from './graph-layout';
import { successors } from './graph-layout';

/**
 * The console's colours: succeeded green, failed red, caught or retried amber, not reached grey.
 * `running` is a state that was entered and never left (the drill stopped while it ran).
 */
export type StateStatus = 'succeeded' | 'failed' | 'caught' | 'running' | 'not-reached';

export const STATUS_LABEL: Record<StateStatus, string> = {
  succeeded: 'succeeded',
  failed: 'failed',
  caught: 'caught error / retried',
  running: 'still running',
  'not-reached': 'not reached',
};

export interface StateRun {
  readonly status: StateStatus;
  readonly entered: number;
  readonly exited: number;
  readonly failures: number;
  readonly retries: number;
  readonly errors: readonly string[];
}

/** How each state fared in one execution, from its history. Map items are folded into one status. */
export function stateStatuses(history: readonly HistoryEvent[], machine: LayoutMachine): Map<string, StateRun> {
  const types = stateTypes(machine);
  const out = new Map<string, StateRun>();
  for (const [name, type] of types) {
    const mine = history.filter((e) => e.stateName === name);
    const entered = mine.filter((e) => e.type.endsWith('StateEntered')).length;
    const exited = mine.filter((e) => e.type.endsWith('StateExited')).length;
    const failed = mine.filter((e) => e.type === 'TaskFailed' || e.type.endsWith('StateFailed'));
    const retries = mine.filter((e) => e.type === 'TaskRetryScheduled').length;
    const caught = mine.some((e) => e.type === 'ErrorCaught');
    let status: StateStatus;
    if (entered === 0) status = 'not-reached';
    else if (type === 'Fail') status = 'failed';
    else if (caught) status = 'caught';
    else if (failed.length > 0 || retries > 0) status = exited >= entered ? 'caught' : 'failed';
    else if (exited >= entered) status = 'succeeded';
    else status = 'running';
    out.set(name, { status, entered, exited, failures: failed.length, retries, errors: [...new Set(failed.map((e) => `${e.error ?? 'Error'}${e.cause ? `: ${e.cause}` : ''}`))] });
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
export function takenTransitions(history: readonly HistoryEvent[], machine: LayoutMachine): Set<string> {
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
