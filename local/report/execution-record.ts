import type { LayoutMachine } from './graph-layout';
import type { ExecutionEvent, StateRun } from './state-status';

/**
 * What the report renders: one execution, from wherever it was read. The drill maps its summary into it
 * (local/report/from-drill.ts); `drctl report` maps a real GetExecutionHistory and the audit table into it
 * (cli/aws/execution-record.ts). Everything not known is absent or null, and `missing` says why, so one
 * renderer serves a drill, a live execution and one that Step Functions has already forgotten.
 */
export interface ExecutionRecord {
  /** `drill`: a local run on the virtual clock; `aws`: a real execution. */
  readonly kind: 'drill' | 'aws';
  /** e.g. `Failover drill` or `Failover execution`. */
  readonly title: string;
  /** The scenario (drill) or the state machine (AWS), shown next to the title. */
  readonly subject: string;
  readonly execution: {
    readonly name: string | null;
    readonly arn?: string;
    readonly region?: string;
    /** Step Functions' status (RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED) or UNKNOWN. */
    readonly status: string;
    /** The control plane's own outcome: FAILED_OVER, REJECTED, INCOMPLETE, REFUSED, ... or UNKNOWN. */
    readonly outcome: string;
    readonly startedAt: number | null;
    readonly stoppedAt: number | null;
    readonly error?: string;
    readonly cause?: string;
    readonly redriveCount: number;
  };
  /** Facts for the header line, in order: `label value`. */
  readonly facts: readonly { readonly label: string; readonly value: string; readonly cls?: 'ok' | 'ko' }[];
  readonly definition: LayoutMachine;
  /** Where the definition came from, when that is worth saying (a local file standing in for the deployed one). */
  readonly definitionSource?: string;
  /** Every state of the definition with its status, counts and time spans. */
  readonly states: ReadonlyMap<string, StateRun>;
  /** Transitions taken, `from->to`, for the highlighted path. */
  readonly transitions: ReadonlySet<string>;
  /** The event history as the console lists it; empty when it is not available. */
  readonly events: readonly ExecutionEvent[];
  /** Moments on the timeline besides the states: a fault, an alarm, the approval, a redrive, an audit entry. */
  readonly markers: readonly TimelineMarker[];
  readonly figures: ExecutionFigures;
  readonly data: DataFindings;
  readonly alerts: readonly { readonly topic: string; readonly subject: string; readonly message: string; readonly at?: number }[];
  /** Checks that held or not: the drill's invariants and expectations. */
  readonly checks: readonly { readonly name: string; readonly held: boolean; readonly detail: string }[];
  /** The durable audit trail (the control plane's DynamoDB table), oldest first. */
  readonly audit: readonly AuditRow[];
  readonly completedSteps?: readonly string[];
  readonly remainingSteps?: readonly string[];
  readonly plan?: readonly string[];
  /** What this report could not show, and why (history expired, no audit entries, figures only a drill measures). */
  readonly missing: readonly string[];
  readonly projection?: ReportProjection;
  /** `virtual`: AWS time on the drill's virtual clock; `wall`: real timestamps. */
  readonly clock: 'virtual' | 'wall';
}

export interface TimelineMarker {
  /** Epoch ms. */
  readonly at: number;
  readonly label: string;
  /** A CSS-safe kind: fault, alarm, execution-started, approval, traffic, redrive, audit, ... */
  readonly kind: string;
}

/** Measured figures in ms; null when not known (each says in `missing` why). */
export interface ExecutionFigures {
  readonly detectionMs: number | null;
  readonly controlPlaneMs: number | null;
  readonly approvalWaitMs: number | null;
  readonly downtimeMs: number | null;
  readonly theoreticalMinMs: number | null;
  readonly estimatedRpoMs: number | null;
}

export interface StoreFinding {
  readonly store: string;
  readonly compared?: number;
  readonly missingInTarget?: readonly unknown[];
  readonly missingCount?: number;
  readonly differing?: readonly unknown[];
  readonly detail?: string;
}

export interface DataFindings {
  readonly estimatedRpoMs: number | null;
  readonly rpoTargetMs: number | null;
  readonly lagByStore?: Readonly<Record<string, number | null>>;
  readonly stores: readonly StoreFinding[];
  readonly summary?: string;
  /** Writes acknowledged by the old primary and absent from the new one: measured (drill) or from the data check (AWS). */
  readonly lostWrites: number | null;
  /** How many writes clients had acknowledged (a drill knows; AWS does not). */
  readonly acknowledgedWrites: number | null;
}

export interface AuditRow {
  readonly at: string;
  readonly step: string;
  readonly outcome: string;
  readonly detail: string;
}

/** The deployed configuration's projection (from `drctl plan`), to set the measured figures against. */
export interface ReportProjection {
  readonly rtoSeconds: number;
  readonly rtoTargetSeconds: number;
  readonly rpoSeconds: number;
  readonly rpoTargetSeconds: number;
  readonly terms: readonly { readonly key: string; readonly label: string; readonly seconds: number }[];
  readonly approvalNote?: string;
}

/** The last output of a state in the history, as an object (the API gives JSON text; the drill, values). */
export function lastOutput(events: readonly ExecutionEvent[], state: string): Record<string, unknown> | undefined {
  const e = [...events].reverse().find((x) => x.stateName === state && x.type.endsWith('StateExited'));
  let out = e?.output;
  if (typeof out === 'string') {
    try {
      out = JSON.parse(out);
    } catch {
      return undefined;
    }
  }
  return out && typeof out === 'object' ? (out as Record<string, unknown>) : undefined;
}

/** The data risk and data check the workflow recorded in its state outputs (AssessDataRisk, ValidateData). */
export function dataFromHistory(events: readonly ExecutionEvent[]): Omit<DataFindings, 'lostWrites' | 'acknowledgedWrites'> & { missingWrites: number | null } {
  const risk = (lastOutput(events, 'AssessDataRisk')?.dataRisk ?? {}) as {
    estimatedRpoMs?: number | null;
    rpoTargetMs?: number;
    lagByStore?: Record<string, number | null>;
  };
  const steps = lastOutput(events, 'ValidateData')?.steps as Record<string, unknown> | undefined;
  const validate = (steps?.validate ?? {}) as { stores?: StoreFinding[]; summary?: string; missingWrites?: number };
  return {
    estimatedRpoMs: risk.estimatedRpoMs ?? null,
    rpoTargetMs: risk.rpoTargetMs ?? null,
    ...(risk.lagByStore ? { lagByStore: risk.lagByStore } : {}),
    stores: validate.stores ?? [],
    ...(validate.summary ? { summary: validate.summary } : {}),
    missingWrites: typeof validate.missingWrites === 'number' ? validate.missingWrites : null,
  };
}

/**
 * Figures the history itself shows: the control plane's time (start to the traffic change, minus the approval
 * wait) and the approval wait (RequestApproval entered to left). Detection and client downtime need the fault
 * time and the clients' view, which only a drill has.
 */
export function figuresFromStates(
  states: ReadonlyMap<string, StateRun>,
  startedAt: number | null,
  /** Time the execution stood still between a failed attempt and its redrive: not the control plane's. */
  pausedMs = 0,
): { controlPlaneMs: number | null; approvalWaitMs: number | null } {
  const approval = states.get('RequestApproval')?.spans.filter((s) => s.end !== null) ?? [];
  const approvalWaitMs = approval.length ? approval.reduce((a, s) => a + ((s.end as number) - s.start), 0) : null;
  const shift = states.get('ShiftTraffic')?.spans.filter((s) => s.end !== null && s.status !== 'failed') ?? [];
  const shifted = shift.at(-1)?.end ?? null;
  const controlPlaneMs = shifted !== null && startedAt !== null ? Math.max(0, shifted - startedAt - (approvalWaitMs ?? 0) - pausedMs) : null;
  return { controlPlaneMs, approvalWaitMs };
}
