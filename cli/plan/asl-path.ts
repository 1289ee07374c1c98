/**
 * Walks an ASL definition along the path one expected execution takes, so the RTO budget and the
 * transition count follow the definition file instead of a hand-kept list of steps.
 */

export type AslState = {
  readonly Type: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Default?: string;
  readonly Choices?: readonly ChoiceRule[];
  readonly Branches?: readonly AslMachine[];
  readonly ItemProcessor?: AslMachine;
  readonly Iterator?: AslMachine;
  readonly ItemsPath?: string;
  readonly MaxConcurrency?: number;
  readonly Resource?: string;
  readonly Parameters?: Record<string, unknown>;
  readonly Catch?: readonly { ErrorEquals: string[]; Next: string }[];
  readonly Comment?: string;
};
export type AslMachine = { readonly StartAt: string; readonly States: Record<string, AslState>; readonly Comment?: string };

type ChoiceRule = Record<string, unknown> & { Next?: string };

/** What a task does, as far as timing is concerned. */
export type TaskKind = { kind: 'lambda'; fn: string } | { kind: 'callback'; fn: string } | { kind: 'integration'; service: string } | { kind: 'none' };

export function taskKind(state: AslState): TaskKind {
  if (state.Type !== 'Task' || !state.Resource) return { kind: 'none' };
  const placeholder = (v: unknown) => (typeof v === 'string' ? /^\$\{([A-Za-z0-9]+?)(FunctionArn)?\}$/.exec(v)?.[1] : undefined);
  const direct = placeholder(state.Resource);
  if (direct) return { kind: 'lambda', fn: direct };
  if (state.Resource.startsWith('arn:aws:states:::lambda:invoke')) {
    const fn = placeholder(state.Parameters?.FunctionName) ?? 'unknown';
    return state.Resource.endsWith('.waitForTaskToken') ? { kind: 'callback', fn } : { kind: 'lambda', fn };
  }
  const service = /^arn:aws:states:::([a-z0-9-]+):/.exec(state.Resource)?.[1] ?? state.Resource;
  return { kind: 'integration', service };
}

function read(obj: unknown, path: string): unknown {
  if (!path.startsWith('$')) return undefined;
  let cur: unknown = obj;
  for (const part of path
    .replace(/^\$\.?/, '')
    .split('.')
    .filter(Boolean)) {
    if (cur === null || typeof cur !== 'object' || !(part in cur)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** The JSONPath Choice operators the repository's definitions use; anything else is an error, not a guess. */
export function evaluateChoiceRule(rule: Record<string, unknown>, input: unknown): boolean {
  if (Array.isArray(rule.And)) return (rule.And as Record<string, unknown>[]).every((r) => evaluateChoiceRule(r, input));
  if (Array.isArray(rule.Or)) return (rule.Or as Record<string, unknown>[]).some((r) => evaluateChoiceRule(r, input));
  if (rule.Not && typeof rule.Not === 'object') return !evaluateChoiceRule(rule.Not as Record<string, unknown>, input);
  const value = read(input, String(rule.Variable));
  if ('IsPresent' in rule) return (value !== undefined) === rule.IsPresent;
  if ('StringEquals' in rule) return value === rule.StringEquals;
  if ('BooleanEquals' in rule) return value === rule.BooleanEquals;
  if ('NumericEquals' in rule) return value === rule.NumericEquals;
  if ('NumericGreaterThan' in rule) return typeof value === 'number' && value > Number(rule.NumericGreaterThan);
  if ('NumericLessThan' in rule) return typeof value === 'number' && value < Number(rule.NumericLessThan);
  throw new Error(`Choice rule operator not supported by the plan: ${JSON.stringify(rule)}`);
}

/** The state a Choice goes to for the given input. */
export function chooseNext(state: AslState, input: unknown): string {
  for (const rule of state.Choices ?? []) if (evaluateChoiceRule(rule, input)) return String(rule.Next);
  if (!state.Default) throw new Error('Choice state has no matching rule and no Default');
  return state.Default;
}

/** One step of the walked path. Parallel and Map carry their inner paths. */
export interface PathStep {
  readonly name: string;
  readonly state: AslState;
  readonly task: TaskKind;
  /** Parallel: one path per branch. */
  readonly branches?: PathStep[][];
  /** Map: the item processor's path and how many items go through it. */
  readonly iteration?: { readonly path: PathStep[]; readonly items: number; readonly maxConcurrency: number };
}

export interface WalkOptions {
  /** The state the Choice rules are evaluated against (the state of an expected execution). */
  readonly input: unknown;
  /** Items a Map state iterates over, by state name. */
  readonly itemsOf: (mapStateName: string, state: AslState) => number;
  /** Stop after this state (inclusive); the walk ends at an End state otherwise. */
  readonly stopAfter?: string;
}

/** The states one expected execution enters, in order; loops are cut at the first repeat. */
export function walk(machine: AslMachine, opts: WalkOptions): { path: PathStep[]; stopped: boolean } {
  const path: PathStep[] = [];
  const seen = new Set<string>();
  let name: string | undefined = machine.StartAt;
  while (name && !seen.has(name)) {
    seen.add(name);
    const state: AslState | undefined = machine.States[name];
    if (!state) throw new Error(`State "${name}" is referenced but not defined`);
    const step: PathStep = {
      name,
      state,
      task: taskKind(state),
      ...(state.Type === 'Parallel' ? { branches: (state.Branches ?? []).map((b) => walk(b, { ...opts, stopAfter: undefined }).path) } : {}),
      ...(state.Type === 'Map'
        ? {
            iteration: {
              path: walk((state.ItemProcessor ?? state.Iterator)!, { ...opts, stopAfter: undefined }).path,
              items: opts.itemsOf(name, state),
              maxConcurrency: state.MaxConcurrency && state.MaxConcurrency > 0 ? state.MaxConcurrency : Number.POSITIVE_INFINITY,
            },
          }
        : {}),
    };
    path.push(step);
    if (name === opts.stopAfter) return { path, stopped: true };
    if (state.Type === 'Choice') name = chooseNext(state, opts.input);
    else if (state.End || state.Type === 'Succeed' || state.Type === 'Fail') name = undefined;
    else name = state.Next;
  }
  return { path, stopped: false };
}

/** State transitions Step Functions bills for a path: one per state entered, Map items included. */
export function countTransitions(path: readonly PathStep[]): number {
  let n = 0;
  for (const s of path) {
    n += 1;
    for (const b of s.branches ?? []) n += countTransitions(b);
    if (s.iteration) n += s.iteration.items * countTransitions(s.iteration.path);
  }
  return n;
}

/** Lambda invocations on a path (callback tasks included: they invoke a function too). */
export function countInvocations(path: readonly PathStep[]): number {
  let n = 0;
  for (const s of path) {
    if (s.task.kind === 'lambda' || s.task.kind === 'callback') n += 1;
    for (const b of s.branches ?? []) n += countInvocations(b);
    if (s.iteration) n += s.iteration.items * countInvocations(s.iteration.path);
  }
  return n;
}

export function countIntegrations(path: readonly PathStep[], service: string): number {
  let n = 0;
  for (const s of path) {
    if (s.task.kind === 'integration' && s.task.service === service) n += 1;
    for (const b of s.branches ?? []) n += countIntegrations(b, service);
    if (s.iteration) n += s.iteration.items * countIntegrations(s.iteration.path, service);
  }
  return n;
}
