import './polyfills';
import { ExecutionAbortedError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { TaskError, TaskTokenBroker } from './task-token-broker';
import { HistoryRecorder, type HistoryEvent } from './history';

/** A Lambda as the drill runs it: the same handler factory, local deps, a fake context. */
export type LocalLambda = (payload: unknown) => Promise<unknown>;

export interface SnsPublishInput {
  TopicArn: string;
  Subject?: string;
  Message: string;
  MessageAttributes?: Record<string, { DataType: string; StringValue?: string }>;
}

export interface LocalIntegrations {
  /** Function ARN -> local handler. */
  readonly lambdas: Record<string, LocalLambda>;
  /** Emulation of `arn:aws:states:::sns:publish`. */
  readonly snsPublish: (input: SnsPublishInput) => Promise<void>;
  /**
   * Called before every Task's integration runs, with the state's name: throwing fails that attempt with the
   * thrown error's name (a drill's `step-fails` and `throttle` faults), as the service would.
   */
  readonly beforeTask?: (stateName: string, resource: string) => void;
  /** Each function's configured timeout in seconds, by ARN: a handler that runs longer fails with Sandbox.Timedout. */
  readonly lambdaTimeoutSeconds?: Readonly<Record<string, number>>;
}

/**
 * What Step Functions and Lambda enforce, enforced here too (docs/local-runtime.md has the sources): a definition
 * that would fail in AWS fails in the drill first.
 */
export const AWS_LIMITS = {
  /** Input or output of a task, state or execution, UTF-8 bytes. Over it: States.DataLimitExceeded, uncatchable. */
  payloadBytes: 262_144,
  /** Events in one execution's history; the execution fails when it reaches them. */
  historyEvents: 25_000,
  /** An execution can be redriven within this long after it stopped. */
  redriveWindowMs: 14 * 86_400_000,
} as const;

/** StartExecution with a name in use: a different input, or an execution that has closed. */
export class ExecutionAlreadyExistsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExecutionAlreadyExists';
  }
}

/** RedriveExecution of an execution that succeeded, still runs, or stopped more than 14 days ago. */
export class ExecutionNotRedrivableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExecutionNotRedrivable';
  }
}

/**
 * Every duration is AWS time on whatever clock is installed: run it inside a simulation (local/sim/virtual-time.ts)
 * and Wait, Retry (with its BackoffRate, MaxDelaySeconds and jitter), TimeoutSeconds and HeartbeatSeconds take
 * virtual time only.
 */
export interface LocalRuntimeOptions {
  readonly broker?: TaskTokenBroker;
  /**
   * Callback states whose TimeoutSeconds(Path) is not enforced here: the caller plays the timeout itself (the
   * failure-mode harness, which must never race a click against a timer). Never set in a drill. @default none
   */
  readonly callerTimedCallbackStates?: readonly string[];
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface ExecutionResult {
  readonly status: Exclude<ExecutionStatus, 'RUNNING'>;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
}

const TOKEN_PLACEHOLDER = '__LOCAL_TASK_TOKEN__';
const TIMEOUT_FIELD = '__localTimeoutSeconds';
const HEARTBEAT_FIELD = '__localHeartbeatSeconds';
const LAMBDA_ARN = /^arn:aws:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9-_]+$/;
const SNS_PUBLISH = 'arn:aws:states:::sns:publish';
const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
const LAMBDA_CALLBACK = 'arn:aws:states:::lambda:invoke.waitForTaskToken';

/** Replaces every `${Name}`; an unknown or unused substitution is a bug in the caller. */
export function substitute(definitionText: string, substitutions: Record<string, string>): string {
  const used = new Set<string>();
  const out = definitionText.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_, name: string) => {
    if (!(name in substitutions)) throw new Error(`No substitution for placeholder \${${name}}`);
    used.add(name);
    return substitutions[name];
  });
  const unused = Object.keys(substitutions).filter((k) => !used.has(k));
  if (unused.length) throw new Error(`Substitutions not used by the definition: ${unused.join(', ')}`);
  return out;
}

type State = Record<string, unknown> & { Type: string };

/** Definitions (after substitution and preparation) that the engine's validator has accepted in this process. */
const VALIDATED = new Set<string>();
type Machine = { States: Record<string, State> };

/** Every state of the machine, nested Parallel branches and Map processors included. */
export function allStates(machine: Machine): Array<[string, State]> {
  const out: Array<[string, State]> = [];
  for (const [name, state] of Object.entries(machine.States)) {
    out.push([name, state]);
    for (const branch of (state.Branches as Machine[] | undefined) ?? []) out.push(...allStates(branch));
    const proc = (state.ItemProcessor ?? state.Iterator) as Machine | undefined;
    if (proc) out.push(...allStates(proc));
  }
  return out;
}

/** UTF-8 bytes of a JSON value, as Step Functions counts payloads. */
export function payloadBytes(value: unknown): number {
  return value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value) ?? 'null', 'utf8');
}

/** Lambda errors reach Step Functions as `{errorType, errorMessage}`: keep the name and message only. */
function asTaskError(err: unknown): Error {
  if (err instanceof Error) return new TaskError(err.name || 'Error', err.message);
  return new TaskError('Error', String(err));
}

function replaceToken(value: unknown, token: string): unknown {
  if (value === TOKEN_PLACEHOLDER) return token;
  if (Array.isArray(value)) return value.map((v) => replaceToken(v, token));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceToken(v, token)]));
  return value;
}

/** One state's integration; `exec` is the execution it runs for. */
type Impl = (input: unknown, exec: LocalExecution) => Promise<unknown>;

/**
 * Runs an ASL definition in-process with aws-local-stepfunctions, mapping each Task's Resource to a
 * local integration. Anything it does not know is refused when the machine is built, so a drill can
 * never reach AWS. Durations are AWS time on the installed clock (see LocalRuntimeOptions). Execution names
 * are unique, payloads and histories are bounded, Lambdas time out, and a failed execution can be redriven, as in
 * AWS (AWS_LIMITS; docs/local-runtime.md).
 */
export class LocalStateMachine {
  readonly definition: StateMachineDefinition;
  readonly broker: TaskTokenBroker;
  /** Top-level state names: where a redrive can resume. */
  readonly topLevelStates: ReadonlySet<string>;
  private readonly impls: Record<string, Impl> = {};
  private readonly executions = new Map<string, LocalExecution>();
  private messages = 0;

  constructor(
    definitionText: string,
    substitutions: Record<string, string>,
    private readonly integrations: LocalIntegrations,
    private readonly options: LocalRuntimeOptions = {},
  ) {
    const machine = JSON.parse(substitute(definitionText, substitutions)) as Machine & Record<string, unknown>;
    this.broker = options.broker ?? new TaskTokenBroker();
    for (const [name, state] of allStates(machine)) this.prepare(name, state);
    this.definition = machine as unknown as StateMachineDefinition;
    this.topLevelStates = new Set(Object.keys(machine.States));
    // Validating compiles the ASL schema (tens of ms); a definition that passed once is the same definition again.
    const key = JSON.stringify(machine);
    if (!VALIDATED.has(key)) new StateMachine(this.definition, { validationOptions: { checkArn: true, checkPaths: true } });
    VALIDATED.add(key);
  }

  /** Wraps an integration so the drill's task faults apply to it. */
  private guarded(name: string, resource: string, fn: Impl): Impl {
    return async (input, exec) => {
      try {
        this.integrations.beforeTask?.(name, resource);
      } catch (err) {
        throw asTaskError(err);
      }
      return fn(input, exec);
    };
  }

  private prepare(name: string, state: State): void {
    if (state.Type !== 'Task') return;
    const resource = String(state.Resource);
    if (LAMBDA_ARN.test(resource)) {
      const fn = this.lambda(resource, name);
      this.impls[name] = this.guarded(name, resource, async (input) => fn(input));
    } else if (resource === LAMBDA_INVOKE) {
      const fn = this.lambda(String((state.Parameters as Record<string, unknown> | undefined)?.FunctionName), name);
      this.impls[name] = this.guarded(name, resource, async (input) => ({ StatusCode: 200, Payload: await fn((input as { Payload?: unknown }).Payload) }));
    } else if (resource === SNS_PUBLISH) {
      this.impls[name] = this.guarded(name, resource, async (input) => {
        await this.integrations.snsPublish(input as SnsPublishInput);
        return { MessageId: `local-message-${++this.messages}` };
      });
    } else if (resource === LAMBDA_CALLBACK) {
      this.prepareCallback(name, state);
    } else {
      throw new Error(
        `State ${name}: the local runtime refuses Resource ${resource} (only local Lambdas, sns:publish and lambda callbacks are emulated; nothing may call AWS)`,
      );
    }
  }

  private lambda(arn: string, stateName: string): LocalLambda {
    const fn = this.integrations.lambdas[arn];
    if (!fn) throw new Error(`State ${stateName}: no local handler for ${arn}; the local runtime refuses to call AWS`);
    const timeoutSeconds = this.integrations.lambdaTimeoutSeconds?.[arn];
    return async (payload) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        // Lambda payloads are JSON: never let a handler see or return live objects.
        const call = fn(JSON.parse(JSON.stringify(payload ?? null)));
        const limited =
          timeoutSeconds === undefined
            ? call
            : Promise.race([
                call,
                new Promise<never>((_, reject) => {
                  timer = setTimeout(
                    () => reject(new TaskError('Sandbox.Timedout', `Task timed out after ${timeoutSeconds.toFixed(2)} seconds`)),
                    timeoutSeconds * 1000,
                  );
                }),
              ]);
        return JSON.parse(JSON.stringify((await limited) ?? null));
      } catch (err) {
        throw err instanceof TaskError ? err : asTaskError(err);
      } finally {
        if (timer) clearTimeout(timer);
      }
    };
  }

  /**
   * `.waitForTaskToken`: mint a token, put it where the definition reads `$$.Task.Token`, invoke the
   * function, then wait for the broker. TimeoutSeconds(Path) and HeartbeatSeconds(Path) are enforced here,
   * because the engine ignores HeartbeatSeconds and evaluates the paths after Parameters.
   */
  private prepareCallback(name: string, state: State): void {
    const params = (state.Parameters ?? {}) as Record<string, unknown>;
    const fn = this.lambda(String(params.FunctionName), name);
    // Carry the timeout values through Parameters, evaluated against the raw state input like AWS does.
    const carry = (field: string, literal: string, path: string) => {
      if (typeof state[path] === 'string') params[`${field}.$`] = state[path];
      else if (typeof state[literal] === 'number') params[field] = state[literal];
      delete state[path];
      delete state[literal];
    };
    carry(TIMEOUT_FIELD, 'TimeoutSeconds', 'TimeoutSecondsPath');
    carry(HEARTBEAT_FIELD, 'HeartbeatSeconds', 'HeartbeatSecondsPath');
    state.Parameters = params;
    // The engine's own limit must never fire first; our timer below is the real one (the engine overflows above 2,147,483 s).
    state.TimeoutSeconds = 2_000_000;
    this.impls[name] = this.guarded(name, LAMBDA_CALLBACK, async (input) => {
      const { [TIMEOUT_FIELD]: timeoutSeconds, [HEARTBEAT_FIELD]: heartbeatSeconds, ...rest } = input as Record<string, unknown>;
      const ticket = this.broker.issue();
      const timers: NodeJS.Timeout[] = [];
      const arm = (seconds: unknown, error: string) => {
        if (typeof seconds !== 'number' || !(seconds > 0)) return undefined;
        const t = setTimeout(() => ticket.cancel(new TaskError(error, `${name} got no answer in ${seconds} s`)), seconds * 1000);
        timers.push(t);
        return t;
      };
      if (!this.options.callerTimedCallbackStates?.includes(name)) arm(timeoutSeconds, 'States.Timeout');
      let hb = arm(heartbeatSeconds, 'States.HeartbeatTimeout');
      ticket.onHeartbeat(() => {
        if (hb) clearTimeout(hb);
        hb = arm(heartbeatSeconds, 'States.HeartbeatTimeout');
      });
      try {
        const payload = replaceToken((rest as { Payload?: unknown }).Payload, ticket.token);
        await fn(payload);
        return await ticket.settled;
      } catch (err) {
        ticket.cancel(err as Error);
        throw err instanceof TaskError ? err : asTaskError(err);
      } finally {
        timers.forEach(clearTimeout);
      }
    });
  }

  /**
   * StartExecution. `name` is unique per state machine: the same name and input while it runs returns that
   * execution (as AWS answers the original request); a different input, or a name whose execution has closed, is
   * ExecutionAlreadyExists (names stay taken for 90 days).
   */
  start(input: unknown, name: string, stateMachineName = 'failover'): LocalExecution {
    const existing = this.executions.get(name);
    if (existing) {
      if (existing.status === 'RUNNING' && JSON.stringify(existing.input) === JSON.stringify(input)) return existing;
      throw new ExecutionAlreadyExistsError(
        `Execution ${name} already exists${existing.status === 'RUNNING' ? ' with a different input' : ` (${existing.status})`}`,
      );
    }
    const id = `arn:aws:states:local:000000000000:execution:${stateMachineName}:${name}`;
    const ex = new LocalExecution(this, id, name, stateMachineName, input);
    this.executions.set(name, ex);
    ex.attempt(this.definition, input, new Map());
    return ex;
  }

  /** States nested inside a top-level state (its Parallel branches or Map processor). */
  nestedStates(topLevel: string): ReadonlySet<string> {
    const state = (this.definition as unknown as Machine).States[topLevel];
    if (!state) return new Set();
    return new Set(
      allStates({ States: { [topLevel]: state } })
        .map(([n]) => n)
        .filter((n) => n !== topLevel),
    );
  }

  /**
   * Forgets every execution (names included): the state machine as a fresh deployment sees it. Only for a harness that
   * reuses one engine across independent cases; AWS keeps names for 90 days.
   */
  forgetExecutions(): void {
    this.executions.clear();
  }

  /** The execution named `name`, if this state machine ran one. */
  execution(name: string): LocalExecution | undefined {
    return this.executions.get(name);
  }

  /** The engine's overrides for one attempt of `exec`: every task checks payload limits and replays what a redrive must not rerun. */
  overridesFor(exec: LocalExecution, replay: ReadonlyMap<string, unknown>): Record<string, (input: unknown) => Promise<unknown>> {
    const out: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const [name, impl] of Object.entries(this.impls)) {
      out[name] = async (input) => {
        if (exec.fatal) return new Promise<never>(() => undefined);
        const key = replayKey(name, input);
        if (replay.has(key)) return replay.get(key);
        if (payloadBytes(input) > AWS_LIMITS.payloadBytes)
          return exec.failFatal(
            'States.DataLimitExceeded',
            `The input of ${name} is ${payloadBytes(input)} bytes, over the ${AWS_LIMITS.payloadBytes}-byte limit`,
          );
        const result = await impl(input, exec);
        if (exec.fatal) return new Promise<never>(() => undefined);
        exec.history.maxPayloadBytes = Math.max(exec.history.maxPayloadBytes, payloadBytes(result));
        if (payloadBytes(result) > AWS_LIMITS.payloadBytes)
          return exec.failFatal(
            'States.DataLimitExceeded',
            `The result of ${name} is ${payloadBytes(result)} bytes, over the ${AWS_LIMITS.payloadBytes}-byte limit`,
          );
        exec.recordTask(key, result);
        return result;
      };
    }
    return out;
  }
}

function replayKey(state: string, input: unknown): string {
  return `${state}\u0000${JSON.stringify(input)}`;
}

/**
 * One execution: its history across attempts (the first run and each redrive), its status and its result. The
 * same ARN and name for every attempt, as a redriven execution keeps them in AWS.
 */
export class LocalExecution {
  readonly history: HistoryRecorder;
  status: ExecutionStatus = 'RUNNING';
  /** The latest attempt's end; a redrive replaces it. */
  result: Promise<ExecutionResult> = new Promise(() => undefined);
  redriveCount = 0;
  stoppedAt?: number;
  /** A failure no Catch can handle (a payload over the limit, the history full): the attempt is stopped with it. */
  fatal?: { error: string; cause: string };
  private run?: ReturnType<StateMachine['run']>;
  /** Successful task results of this execution, by state and effective input: what a redrive must not rerun. */
  private readonly completedTasks = new Map<string, unknown>();
  private readonly attemptListeners: Array<(result: Promise<ExecutionResult>) => void> = [];

  constructor(
    private readonly machine: LocalStateMachine,
    readonly id: string,
    readonly name: string,
    readonly stateMachineName: string,
    readonly input: unknown,
  ) {
    this.history = new HistoryRecorder({
      limit: AWS_LIMITS.historyEvents,
      onLimit: () => this.failFatal('States.Runtime', `The execution history reached ${AWS_LIMITS.historyEvents} events, the Step Functions limit`),
      onPayload: (e, bytes) =>
        this.failFatal(
          'States.DataLimitExceeded',
          `The ${e.type.endsWith('Entered') ? 'input' : 'output'} of ${e.stateName ?? 'the execution'} is ${bytes} bytes, over the ${AWS_LIMITS.payloadBytes}-byte limit`,
        ),
      payloadLimit: AWS_LIMITS.payloadBytes,
      isFatal: () => this.fatal !== undefined,
    });
  }

  recordTask(key: string, result: unknown): void {
    this.completedTasks.set(key, result);
  }

  /** Runs one attempt: the whole definition, or (a redrive) from the state that failed. */
  attempt(definition: StateMachineDefinition, input: unknown, replay: ReadonlyMap<string, unknown>, redriven = false): void {
    this.status = 'RUNNING';
    this.fatal = undefined;
    const engine = new StateMachine(definition, { validationOptions: { noValidate: true } });
    const run = engine.run(input as Parameters<StateMachine['run']>[0], {
      overrides: { taskResourceLocalHandlers: this.machine.overridesFor(this, replay) as never },
      context: {
        Execution: { Id: this.id, Name: this.name, RedriveCount: this.redriveCount } as never,
        StateMachine: { Id: `arn:aws:states:local:000000000000:stateMachine:${this.stateMachineName}`, Name: this.stateMachineName },
        Task: { Token: TOKEN_PLACEHOLDER },
      },
    });
    this.run = run;
    const drained = this.history.consume(run.eventLogs, { skipExecutionStarted: redriven });
    const settle = async (r: ExecutionResult): Promise<ExecutionResult> => {
      await drained;
      this.status = r.status;
      this.stoppedAt = Date.now();
      return r;
    };
    const fatally = () => {
      const f = this.fatal!;
      this.history.record({ timestamp: Date.now(), type: 'ExecutionFailed', error: f.error, cause: f.cause });
      return settle({ status: 'FAILED', error: f.error, cause: f.cause });
    };
    this.result = run.result.then(
      async (output) => {
        await drained;
        // The engine can finish pure states before its events are read: a limit crossed on the way still fails it.
        return this.fatal ? fatally() : settle({ status: 'SUCCEEDED', output });
      },
      async (err: unknown) => {
        await drained;
        if (this.fatal) return fatally();
        if (err instanceof ExecutionAbortedError) return settle({ status: 'ABORTED', error: 'ExecutionAborted', cause: 'stopped by the drill' });
        const failed = this.history.events.findLast((e) => e.type === 'ExecutionFailed');
        if (failed) return settle({ status: 'FAILED', error: failed.error, cause: failed.cause });
        const e = err as Error;
        if (e.name === 'ExecutionTimeoutError') return settle({ status: 'TIMED_OUT', error: 'States.Timeout', cause: e.message });
        return settle({ status: 'FAILED', error: e.name, cause: e.message });
      },
    );
    for (const l of this.attemptListeners) l(this.result);
  }

  /** Called with each attempt's result promise (the first, and every redrive's). */
  onAttempt(listener: (result: Promise<ExecutionResult>) => void): void {
    this.attemptListeners.push(listener);
    listener(this.result);
  }

  /** Stops this attempt with a failure no Catch can handle; the result reports it. */
  failFatal(error: string, cause: string): Promise<never> {
    if (!this.fatal) {
      this.fatal = { error, cause };
      this.run?.abort();
    }
    return new Promise<never>(() => undefined);
  }

  /**
   * RedriveExecution: only a FAILED, TIMED_OUT or ABORTED execution that stopped within 14 days. It resumes at the
   * top-level state that did not complete, with the input that state had; states that completed are not run
   * again, and inside the resumed Map or Parallel only the iterations and branches that failed run (the others
   * answer with their recorded results). The history gets an ExecutionRedriven event and the redrive count grows.
   */
  redrive(): LocalExecution {
    if (this.status === 'RUNNING' || this.status === 'SUCCEEDED')
      throw new ExecutionNotRedrivableError(`Execution ${this.name} is ${this.status}; only FAILED, TIMED_OUT or ABORTED executions can be redriven`);
    if (this.stoppedAt !== undefined && Date.now() - this.stoppedAt > AWS_LIMITS.redriveWindowMs) {
      throw new ExecutionNotRedrivableError(`Execution ${this.name} stopped more than 14 days ago`);
    }
    const top = this.machine.topLevelStates;
    const entered = this.history.events.filter((e) => e.stateName !== undefined && top.has(e.stateName) && e.index === undefined);
    // The last top-level state entered and never exited is where it stopped.
    let resume: HistoryEvent | undefined;
    for (const e of entered) {
      if (e.type.endsWith('StateEntered')) resume = e;
      else if (e.type.endsWith('StateExited') && resume?.stateName === e.stateName) resume = undefined;
    }
    const from = resume as HistoryEvent | undefined;
    if (!from?.stateName) throw new ExecutionNotRedrivableError(`Execution ${this.name} has no unsuccessful state to resume from`);
    this.redriveCount++;
    this.history.record({ timestamp: Date.now(), type: 'ExecutionRedriven', redriveCount: this.redriveCount, stateName: from.stateName });
    const definition = { ...(this.machine.definition as unknown as Record<string, unknown>), StartAt: from.stateName } as unknown as StateMachineDefinition;
    // What completed inside the resumed state (other Map iterations, other Parallel branches) is replayed, never rerun.
    const nested = this.machine.nestedStates(from.stateName);
    const replay = new Map([...this.completedTasks].filter(([key]) => nested.has(key.slice(0, key.indexOf('\u0000')))));
    this.attempt(definition, from.input, replay, true);
    return this;
  }

  get events(): readonly HistoryEvent[] {
    return this.history.events;
  }

  onEvent(listener: (e: HistoryEvent) => void): void {
    this.history.on(listener);
  }

  stop(): void {
    this.run?.abort();
  }
}
