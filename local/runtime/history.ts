import type { StateMachine } from 'aws-local-stepfunctions';

type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/** One row of an execution's history, named as the Step Functions console names them. */
export interface HistoryEvent {
  readonly id: number;
  readonly timestamp: number;
  readonly type: string;
  readonly stateName?: string;
  readonly stateType?: string;
  readonly error?: string;
  readonly cause?: string;
  readonly input?: unknown;
  readonly output?: unknown;
  /** Map iteration index, for events inside a Map. */
  readonly index?: number;
  /** ExecutionRedriven: how many times the execution has been redriven. */
  readonly redriveCount?: number;
}

export interface HistoryLimits {
  /** Events at which the execution fails (Step Functions: 25,000). */
  readonly limit: number;
  readonly onLimit: () => void;
  /** Bytes over which a state's input or output fails the execution. */
  readonly payloadLimit: number;
  readonly onPayload: (event: HistoryEvent, bytes: number) => void;
  /** True once such a failure stopped the engine: its abort is then not an abort. */
  readonly isFatal?: () => boolean;
}

type Listener = (e: HistoryEvent) => void;

function stringifyCause(cause: unknown): string | undefined {
  if (cause === undefined || cause === null) return undefined;
  if (typeof cause === 'string') return cause;
  if (cause instanceof Error) return cause.message;
  return JSON.stringify(cause);
}

/** Turns the engine's event stream into a console-like history, and fans it out to listeners. */
export class HistoryRecorder {
  readonly events: HistoryEvent[] = [];
  private readonly listeners: Listener[] = [];
  private skipStarted = false;
  /** The largest state input or output seen, UTF-8 bytes (reported as `maxPayloadBytes`). */
  maxPayloadBytes = 0;

  constructor(private readonly limits?: HistoryLimits) {}

  on(listener: Listener): void {
    this.listeners.push(listener);
  }

  /** Adds an event the engine does not emit itself (ExecutionRedriven, a failure no Catch can handle). */
  record(e: Omit<HistoryEvent, 'id'>): void {
    this.push(e);
  }

  private push(e: Omit<HistoryEvent, 'id'>): void {
    // After a failure no Catch can handle, the engine may still be finishing pure states already queued: AWS stops
    // the history at the failure, so do we (the execution then records its own ExecutionFailed).
    if (this.limits?.isFatal?.() && e.type !== 'ExecutionFailed') return;
    const event = { id: this.events.length + 1, ...e };
    this.events.push(event);
    for (const l of this.listeners) l(event);
    if (!this.limits) return;
    if (this.events.length === this.limits.limit) this.limits.onLimit();
    const data = event.type.endsWith('StateEntered') ? event.input : event.type.endsWith('StateExited') ? event.output : undefined;
    if (data !== undefined) {
      const bytes = Buffer.byteLength(JSON.stringify(data) ?? 'null', 'utf8');
      this.maxPayloadBytes = Math.max(this.maxPayloadBytes, bytes);
      if (bytes > this.limits.payloadLimit) this.limits.onPayload(event, bytes);
    }
  }

  /** Translates one attempt's engine events; a redrive's attempt has no ExecutionStarted of its own. */
  async consume(logs: AsyncGenerator<EventLog>, opts: { skipExecutionStarted?: boolean } = {}): Promise<void> {
    this.skipStarted = Boolean(opts.skipExecutionStarted);
    for await (const raw of logs) this.translate(raw);
  }

  private translate(raw: EventLog): void {
    const r = raw as EventLog & {
      state?: { name: string; type: string; input?: unknown; output?: unknown };
      Error?: string;
      Cause?: unknown;
      index?: number;
      parentState?: { name: string; type: string };
      input?: unknown;
      output?: unknown;
    };
    const base = { timestamp: r.timestamp, index: r.index };
    switch (r.type) {
      case 'ExecutionStarted':
        if (this.skipStarted) return;
        return this.push({ ...base, type: 'ExecutionStarted', input: r.input });
      case 'ExecutionSucceeded':
        return this.push({ ...base, type: 'ExecutionSucceeded', output: r.output });
      case 'ExecutionFailed':
        return this.push({ ...base, type: 'ExecutionFailed', error: r.Error, cause: stringifyCause(r.Cause) });
      case 'ExecutionAborted':
        // A failure no Catch can handle stops the engine through an abort; the execution records the failure instead.
        if (this.limits?.isFatal?.()) return;
        return this.push({ ...base, type: 'ExecutionAborted' });
      case 'ExecutionTimeout':
        return this.push({ ...base, type: 'ExecutionTimedOut' });
      case 'StateEntered':
        return this.push({ ...base, type: `${r.state!.type}StateEntered`, stateName: r.state!.name, stateType: r.state!.type, input: r.state!.input });
      case 'StateExited':
        return this.push({ ...base, type: `${r.state!.type}StateExited`, stateName: r.state!.name, stateType: r.state!.type, output: r.state!.output });
      case 'StateFailed':
        return this.push({
          ...base,
          type: r.state!.type === 'Task' ? 'TaskFailed' : `${r.state!.type}StateFailed`,
          stateName: r.state!.name,
          stateType: r.state!.type,
          error: r.Error,
          cause: stringifyCause(r.Cause),
        });
      case 'StateRetried':
        return this.push({ ...base, type: 'TaskRetryScheduled', stateName: r.state!.name, stateType: r.state!.type });
      case 'StateCaught':
        return this.push({ ...base, type: 'ErrorCaught', stateName: r.state!.name, stateType: r.state!.type });
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
      case 'ParallelBranchStarted':
      case 'ParallelBranchSucceeded':
      case 'ParallelBranchFailed':
        return this.push({
          ...base,
          type: r.type,
          stateName: r.parentState?.name,
          stateType: r.parentState?.type,
          error: r.Error,
          cause: stringifyCause(r.Cause),
        });
      default:
        return this.push({ ...base, type: (r as { type: string }).type });
    }
  }
}

/** A plain-text table of the history, like the console's "Events" tab. */
export function formatHistory(events: readonly HistoryEvent[], opts: { width?: number } = {}): string {
  const width = opts.width ?? 110;
  if (events.length === 0) return '(no events)';
  const t0 = events[0].timestamp;
  const rows = events.map((e) => {
    const detail = e.error ? `${e.error}: ${e.cause ?? ''}` : '';
    const step = e.stateName ? `${e.stateName}${e.index !== undefined ? `[${e.index}]` : ''}` : '';
    return [String(e.id).padStart(3), e.type.padEnd(26), step.padEnd(24), `${String(e.timestamp - t0).padStart(6)} ms`, detail];
  });
  const lines = [['  #', 'Type'.padEnd(26), 'Step'.padEnd(24), '   Elapsed', 'Detail'].join('  ')];
  for (const r of rows) lines.push(r.join('  ').slice(0, width).trimEnd());
  return lines.join('\n');
}
