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

export type ExecutionStatus = 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface ExecutionResult {
  readonly status: ExecutionStatus;
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

/**
 * Runs an ASL definition in-process with aws-local-stepfunctions, mapping each Task's Resource to a
 * local integration. Anything it does not know is refused when the machine is built, so a drill can
 * never reach AWS. Durations are AWS time on the installed clock (see LocalRuntimeOptions).
 */
export class LocalStateMachine {
  readonly definition: StateMachineDefinition;
  readonly broker: TaskTokenBroker;
  private readonly overrides: Record<string, (input: unknown) => Promise<unknown>> = {};
  private readonly engine: StateMachine;
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
    // Validating compiles the ASL schema (tens of ms); a definition that passed once is the same definition again.
    const key = JSON.stringify(machine);
    const noValidate = VALIDATED.has(key);
    this.engine = new StateMachine(this.definition, { validationOptions: noValidate ? { noValidate: true } : { checkArn: true, checkPaths: true } });
    VALIDATED.add(key);
  }

  /** Wraps an integration so the drill's task faults apply to it. */
  private guarded(name: string, resource: string, fn: (input: unknown) => Promise<unknown>): (input: unknown) => Promise<unknown> {
    return async (input) => {
      try {
        this.integrations.beforeTask?.(name, resource);
      } catch (err) {
        throw asTaskError(err);
      }
      return fn(input);
    };
  }

  private prepare(name: string, state: State): void {
    if (state.Type !== 'Task') return;
    const resource = String(state.Resource);
    if (LAMBDA_ARN.test(resource)) {
      const fn = this.lambda(resource, name);
      this.overrides[name] = this.guarded(name, resource, async (input) => fn(input));
    } else if (resource === LAMBDA_INVOKE) {
      const fn = this.lambda(String((state.Parameters as Record<string, unknown> | undefined)?.FunctionName), name);
      this.overrides[name] = this.guarded(name, resource, async (input) => ({ StatusCode: 200, Payload: await fn((input as { Payload?: unknown }).Payload) }));
    } else if (resource === SNS_PUBLISH) {
      this.overrides[name] = this.guarded(name, resource, async (input) => {
        await this.integrations.snsPublish(input as SnsPublishInput);
        return { MessageId: `local-message-${++this.messages}` };
      });
    } else if (resource === LAMBDA_CALLBACK) {
      this.prepareCallback(name, state);
    } else {
      throw new Error(`State ${name}: the local runtime refuses Resource ${resource} (only local Lambdas, sns:publish and lambda callbacks are emulated; nothing may call AWS)`);
    }
  }

  private lambda(arn: string, stateName: string): LocalLambda {
    const fn = this.integrations.lambdas[arn];
    if (!fn) throw new Error(`State ${stateName}: no local handler for ${arn}; the local runtime refuses to call AWS`);
    return async (payload) => {
      try {
        // Lambda payloads are JSON: never let a handler see or return live objects.
        return JSON.parse(JSON.stringify((await fn(JSON.parse(JSON.stringify(payload ?? null)))) ?? null));
      } catch (err) {
        throw asTaskError(err);
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
    this.overrides[name] = this.guarded(name, LAMBDA_CALLBACK, async (input) => {
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

  /** Starts an execution. `name` is the execution name (unique per incident in AWS). */
  start(input: unknown, name: string, stateMachineName = 'failover'): LocalExecution {
    const id = `arn:aws:states:local:000000000000:execution:${stateMachineName}:${name}`;
    const run = this.engine.run(input as Parameters<StateMachine['run']>[0], {
      overrides: { taskResourceLocalHandlers: this.overrides as never },
      context: {
        Execution: { Id: id, Name: name },
        StateMachine: { Id: `arn:aws:states:local:000000000000:stateMachine:${stateMachineName}`, Name: stateMachineName },
        Task: { Token: TOKEN_PLACEHOLDER },
      },
    });
    return new LocalExecution(id, name, run);
  }
}

export class LocalExecution {
  readonly history = new HistoryRecorder();
  readonly result: Promise<ExecutionResult>;

  constructor(
    readonly id: string,
    readonly name: string,
    private readonly run: ReturnType<StateMachine['run']>,
  ) {
    const drained = this.history.consume(run.eventLogs);
    this.result = run.result.then(
      async (output): Promise<ExecutionResult> => {
        await drained;
        return { status: 'SUCCEEDED', output };
      },
      async (err: unknown): Promise<ExecutionResult> => {
        await drained;
        if (err instanceof ExecutionAbortedError) return { status: 'ABORTED', error: 'ExecutionAborted', cause: 'stopped by the drill' };
        const failed = this.history.events.findLast((e) => e.type === 'ExecutionFailed');
        if (failed) return { status: 'FAILED', error: failed.error, cause: failed.cause };
        const e = err as Error;
        if (e.name === 'ExecutionTimeoutError') return { status: 'TIMED_OUT', error: 'States.Timeout', cause: e.message };
        return { status: 'FAILED', error: e.name, cause: e.message };
      },
    );
  }

  get events(): readonly HistoryEvent[] {
    return this.history.events;
  }

  onEvent(listener: (e: HistoryEvent) => void): void {
    this.history.on(listener);
  }

  stop(): void {
    this.run.abort();
  }
}
