import { POST_APPROVAL_STEPS } from '../../functions/shared/workflow';
import { STEPS } from '../../config/steps';
import type { HistoryEvent as SfnHistoryEvent } from '@aws-sdk/client-sfn';
import {
  dataFromHistory,
  figuresFromStates,
  type AuditRow,
  type ExecutionRecord,
  type ReportProjection,
  type TimelineMarker,
} from '../../local/report/execution-record';
import type { LayoutMachine } from '../../local/report/graph-layout';
import { type ExecutionEvent, type StateRun, type StateSpan, stateStatuses, takenTransitions } from '../../local/report/state-status';

/** One item of the control plane's audit table (functions/shared/aws/dynamodb-audit-log.ts). */
export interface AuditItem {
  readonly incidentId: string;
  readonly sk: string;
  readonly executionId?: string;
  readonly step: string;
  readonly outcome: string;
  readonly at: string;
  /** JSON text, cut at 300 KB (detailTruncated). */
  readonly detail?: string;
  readonly detailTruncated?: boolean;
}

/** What DescribeExecution said (absent once Step Functions has forgotten the execution, after 90 days). */
export interface DescribedExecution {
  readonly status?: string;
  readonly startDate?: Date;
  readonly stopDate?: Date;
  readonly error?: string;
  readonly cause?: string;
  readonly output?: string;
  readonly redriveCount?: number;
  readonly redriveDate?: Date;
  readonly stateMachineArn?: string;
}

export interface AwsExecutionInput {
  readonly region: string;
  readonly name: string;
  readonly executionArn?: string;
  readonly describe?: DescribedExecution;
  /** GetExecutionHistory, every page, oldest first; absent when the history is gone. */
  readonly history?: readonly SfnHistoryEvent[];
  /** The definition the execution ran (DescribeStateMachineForExecution), or the local file standing in for it. */
  readonly definition: LayoutMachine;
  readonly definitionSource?: string;
  readonly audit: readonly AuditItem[];
  /** Where the audit entries were read from (table name and region), or why not. */
  readonly auditSource: string;
  readonly auditReadable: boolean;
  readonly projection?: ReportProjection;
}

const STATE_LEVEL = /^(Parallel|Map)State(Started|Succeeded|Failed|Aborted)$/;

function detailsOf(e: SfnHistoryEvent): Record<string, unknown> | undefined {
  for (const [k, v] of Object.entries(e)) if (k.endsWith('EventDetails') && v && typeof v === 'object') return v as Record<string, unknown>;
  return undefined;
}

/**
 * GetExecutionHistory's events as the report's rows. The API names the state only on StateEntered/Exited and
 * MapIteration events; every other event (LambdaFunctionScheduled, TaskFailed, ...) belongs to the event it
 * follows (previousEventId), as the console shows it, and a Parallel's or Map's own Started/Failed events to the
 * innermost such state still open. Map iteration indexes travel the same way.
 */
export function historyRows(raw: readonly SfnHistoryEvent[]): ExecutionEvent[] {
  const scope = new Map<number, { name?: string; index?: number }>();
  const openContainers: { name: string; kind: 'Parallel' | 'Map'; index?: number }[] = [];
  return raw.map((e) => {
    const type = e.type ?? 'Unknown';
    const id = e.id ?? 0;
    const d = detailsOf(e);
    const inherited = e.previousEventId ? scope.get(e.previousEventId) : undefined;
    let stateName: string | undefined;
    let index = typeof d?.index === 'number' ? d.index : inherited?.index;
    if (type.startsWith('Execution')) {
      stateName = undefined;
      index = undefined;
    } else if (/State(Entered|Exited)$/.test(type) || type.startsWith('MapIteration')) {
      stateName = typeof d?.name === 'string' ? d.name : inherited?.name;
      if (type.startsWith('MapIteration')) index = undefined;
    } else if (STATE_LEVEL.test(type)) {
      const kind = type.startsWith('Parallel') ? 'Parallel' : 'Map';
      stateName = [...openContainers].reverse().find((c) => c.kind === kind)?.name ?? inherited?.name;
    } else {
      stateName = inherited?.name;
    }
    if (/^(Parallel|Map)StateEntered$/.test(type) && stateName)
      openContainers.push({ name: stateName, kind: type.startsWith('Parallel') ? 'Parallel' : 'Map', index });
    if (/^(Parallel|Map)StateExited$/.test(type) && stateName) {
      const at = openContainers.map((c) => c.name).lastIndexOf(stateName);
      if (at >= 0) openContainers.splice(at, 1);
    }
    // A Map iteration's events follow its MapIterationStarted, which carries the index.
    const carriedIndex = type === 'MapIterationStarted' && typeof d?.index === 'number' ? d.index : index;
    scope.set(id, { name: type === 'MapIterationStarted' ? undefined : stateName, index: carriedIndex });
    const output = typeof d?.output === 'string' && /StateExited$|^ExecutionSucceeded$/.test(type) ? d.output : undefined;
    return {
      id,
      timestamp: e.timestamp ? e.timestamp.getTime() : 0,
      type,
      ...(stateName ? { stateName } : {}),
      ...(index !== undefined ? { index } : {}),
      ...(typeof d?.error === 'string' ? { error: d.error } : {}),
      ...(typeof d?.cause === 'string' ? { cause: d.cause } : {}),
      ...(output !== undefined ? { output } : {}),
      ...(type === 'ExecutionRedriven' ? { redriveCount: typeof d?.redriveCount === 'number' ? d.redriveCount : undefined } : {}),
    };
  });
}

/** The SNS messages the workflow published (its Notify* states), from the parameters Step Functions recorded. */
export function alertsFromHistory(raw: readonly SfnHistoryEvent[]): ExecutionRecord['alerts'] {
  const out: { topic: string; subject: string; message: string; at?: number }[] = [];
  for (const e of raw) {
    const d = e.taskScheduledEventDetails;
    if (e.type !== 'TaskScheduled' || d?.resourceType !== 'sns' || d.resource !== 'publish') continue;
    try {
      const p = JSON.parse(d.parameters ?? '{}') as { TopicArn?: string; Subject?: string; Message?: unknown };
      out.push({
        topic: (p.TopicArn ?? 'sns').split(':').at(-1) ?? 'sns',
        subject: p.Subject ?? '',
        message: typeof p.Message === 'string' ? p.Message : JSON.stringify(p.Message),
        ...(e.timestamp ? { at: e.timestamp.getTime() } : {}),
      });
    } catch {
      // Parameters that are not JSON are not an alert the report can show; the event table still lists the call.
    }
  }
  return out;
}

/**
 * The control plane's outcome from Step Functions' status and error (the Fail states' error names); an execution that
 * FAILED after a state-changing step was entered stopped at that step: INCOMPLETE (a redrive resumes there).
 */
export function outcomeOf(status: string | undefined, error: string | undefined, output: string | undefined, entered: ReadonlySet<string> = new Set()): string {
  switch (status) {
    case 'SUCCEEDED': {
      try {
        const o = JSON.parse(output ?? '{}') as { outcome?: string };
        return o.outcome ?? 'FAILED_OVER';
      } catch {
        return 'FAILED_OVER';
      }
    }
    case 'FAILED':
      return (
        {
          ApprovalRejected: 'REJECTED',
          ApprovalTimedOut: 'TIMED_OUT',
          FailoverIncomplete: 'INCOMPLETE',
          FailoverRefused: 'REFUSED',
          FailbackIncomplete: 'INCOMPLETE',
        }[error ?? ''] ?? (POST_APPROVAL_STEPS.some((st) => entered.has(st.state)) ? 'INCOMPLETE' : 'FAILED')
      );
    case 'RUNNING':
    case 'ABORTED':
    case 'PENDING_REDRIVE':
      return status;
    case 'TIMED_OUT':
      return 'EXECUTION_TIMED_OUT';
    default:
      return 'UNKNOWN';
  }
}

/**
 * The state an audit entry speaks for, where its step is not a state name (config/steps.ts: workflow steps record the
 * state that ran). The orchestrator's action names and ApprovalDecision are what entries written before that say.
 */
const AUDIT_STATE: Record<string, string> = {
  fence: 'FenceOldPrimary',
  'scale-standby': 'ScaleStandby',
  promote: 'PromoteStore',
  activate: 'ActivateStandby',
  [STEPS.approvalCallback.auditStep]: 'RequestApproval',
  ApprovalDecision: 'RequestApproval',
  MissingWritesReport: 'ValidateData',
};
const FAILED_OUTCOMES = new Set(['INCOMPLETE', 'NOT_VERIFIED', 'REJECTED', 'GAVE_UP', 'STANDBY_UNHEALTHY']);

/** With no history left, each audit entry still proves its state ran, when, and how it ended. */
function statesFromAudit(audit: readonly AuditItem[], definition: LayoutMachine): Map<string, StateRun> {
  const base = stateStatuses([], definition);
  const byState = new Map<string, AuditItem[]>();
  for (const a of audit) {
    const state = AUDIT_STATE[a.step] ?? a.step;
    if (!base.has(state)) continue;
    byState.set(state, [...(byState.get(state) ?? []), a]);
  }
  for (const [state, items] of byState) {
    const spans: StateSpan[] = items.map((a) => {
      const t = Date.parse(a.at);
      return { start: t, end: t, status: FAILED_OUTCOMES.has(a.outcome) ? 'failed' : 'succeeded', attempt: 0 };
    });
    const failed = spans.some((s) => s.status === 'failed');
    base.set(state, {
      status: failed ? (state === 'RequestApproval' || state === 'DescribeIncomplete' ? 'caught' : 'failed') : 'succeeded',
      entered: new Set(items.map((a) => a.at)).size,
      exited: new Set(items.map((a) => a.at)).size,
      failures: spans.filter((s) => s.status === 'failed').length,
      retries: 0,
      errors: items.filter((a) => FAILED_OUTCOMES.has(a.outcome)).map((a) => `${a.step}: ${a.outcome}`),
      spans,
    });
  }
  return base;
}

function outcomeFromAudit(audit: readonly AuditItem[]): string {
  const has = (step: string, outcome?: string) => audit.some((a) => a.step === step && (outcome === undefined || a.outcome === outcome));
  if (has('FailureReporter', 'INCOMPLETE') || has('DescribeIncomplete', 'INCOMPLETE')) return 'INCOMPLETE';
  if (has(STEPS.approvalCallback.auditStep, 'REJECTED') || has('ApprovalDecision', 'REJECTED')) return 'REJECTED';
  if (has('AssessHealth', 'STANDBY_UNHEALTHY')) return 'REFUSED';
  if (has('AssessHealth', 'PRIMARY_HEALTHY') || has('AssessHealth', 'INSUFFICIENT_SIGNALS')) return 'NO_ACTION';
  if (has('ValidateData') && (has('ShiftTraffic', 'SHIFTED') || has('ShiftTraffic', 'ALREADY_DONE'))) return 'FAILED_OVER';
  return 'UNKNOWN';
}

function parseDetail(a: AuditItem): unknown {
  try {
    return JSON.parse(a.detail ?? 'null');
  } catch {
    return a.detail;
  }
}

/** What the audit entries say about the data: the estimate the approver saw and the missing-writes report. */
function dataFromAudit(audit: readonly AuditItem[]): ExecutionRecord['data'] {
  const last = (step: string) => [...audit].reverse().find((a) => a.step === step);
  const risk = (parseDetail(last('AssessDataRisk') ?? ({ detail: '{}' } as AuditItem)) ?? {}) as {
    estimatedRpoMs?: number | null;
    rpoTargetMs?: number;
    lagByStore?: Record<string, number | null>;
  };
  type Store = { store: string; compared?: number; missingCount?: number; missingInTarget?: unknown[]; differing?: unknown[]; detail?: string };
  const report = (parseDetail(last('MissingWritesReport') ?? ({ detail: '{}' } as AuditItem)) ?? {}) as {
    missingWrites?: number;
    stores?: Store[] | Record<string, Omit<Store, 'store'>>;
  };
  // The report lists its stores, or (written in parts) keys them by name.
  const stores: Store[] = Array.isArray(report.stores) ? report.stores : Object.entries(report.stores ?? {}).map(([store, s]) => ({ store, ...s }));
  const validate = (parseDetail(last('ValidateData') ?? ({ detail: '{}' } as AuditItem)) ?? {}) as { summary?: string; missingWrites?: number };
  const missing = report.missingWrites ?? validate.missingWrites;
  return {
    estimatedRpoMs: risk.estimatedRpoMs ?? null,
    rpoTargetMs: risk.rpoTargetMs ?? null,
    ...(risk.lagByStore ? { lagByStore: risk.lagByStore } : {}),
    stores,
    ...(validate.summary ? { summary: validate.summary } : {}),
    lostWrites: typeof missing === 'number' ? missing : null,
    acknowledgedWrites: null,
  };
}

const auditRows = (audit: readonly AuditItem[]): AuditRow[] =>
  [...audit]
    .sort((a, b) => a.sk.localeCompare(b.sk))
    .map((a) => ({ at: a.at, step: a.step, outcome: a.outcome, detail: `${a.detail ?? ''}${a.detailTruncated ? ' (truncated)' : ''}` }));

const approverMarker = (a: AuditItem) => (a.outcome === 'APPROVED' || a.outcome === 'REJECTED' ? `approver: ${a.outcome.toLowerCase()}` : undefined);
const AUDIT_MARKERS: Record<string, (a: AuditItem) => string | undefined> = {
  AlarmTrigger: () => 'alarm quorum: execution started',
  RequestApproval: () => 'approval requested',
  [STEPS.approvalCallback.auditStep]: approverMarker,
  // Entries written before config/steps.ts named the approval callback's audit step.
  ApprovalDecision: approverMarker,
  ShiftTraffic: (a) => (a.outcome === 'SHIFTED' ? 'traffic shifted' : undefined),
};

/**
 * A real execution as the report's record: the history when Step Functions still has it (90 days), the audit
 * table always, and a list of what neither could say.
 */
export function awsRecord(input: AwsExecutionInput): ExecutionRecord {
  const raw = input.history ?? [];
  const events = historyRows(raw);
  const haveHistory = input.history !== undefined;
  const d = input.describe;
  const states = haveHistory ? stateStatuses(events, input.definition) : statesFromAudit(input.audit, input.definition);
  const startedAt =
    d?.startDate?.getTime() ??
    events.find((e) => e.type === 'ExecutionStarted')?.timestamp ??
    (input.audit.length ? Date.parse([...input.audit].sort((a, b) => a.sk.localeCompare(b.sk))[0].at) : null);
  const stoppedAt = d?.stopDate?.getTime() ?? null;
  const redrives = events.filter((e) => e.type === 'ExecutionRedriven');
  // Time between a failed attempt's end and its redrive is no one's work: leave it out of the control plane's time.
  let paused = 0;
  for (const r of redrives) {
    const before = [...events].reverse().find((e) => e.id < r.id && /^Execution(Failed|Aborted|TimedOut)$/.test(e.type));
    if (before) paused += r.timestamp - before.timestamp;
  }
  const computed = haveHistory ? figuresFromStates(states, startedAt, paused) : { controlPlaneMs: null, approvalWaitMs: null };
  const historyData = dataFromHistory(events);
  const auditData = dataFromAudit(input.audit);
  const data: ExecutionRecord['data'] = haveHistory
    ? {
        estimatedRpoMs: historyData.estimatedRpoMs ?? auditData.estimatedRpoMs,
        rpoTargetMs: historyData.rpoTargetMs ?? auditData.rpoTargetMs,
        ...((historyData.lagByStore ?? auditData.lagByStore) ? { lagByStore: historyData.lagByStore ?? auditData.lagByStore } : {}),
        stores: historyData.stores.length ? historyData.stores : auditData.stores,
        ...((historyData.summary ?? auditData.summary) ? { summary: historyData.summary ?? auditData.summary } : {}),
        lostWrites: historyData.missingWrites ?? auditData.lostWrites,
        acknowledgedWrites: null,
      }
    : auditData;
  const status = d?.status ?? (haveHistory ? 'UNKNOWN' : 'EXPIRED');
  const entered = new Set(events.filter((e) => e.type.endsWith('StateEntered') && e.stateName).map((e) => e.stateName as string));
  const outcome = haveHistory || d ? outcomeOf(d?.status, d?.error, d?.output, entered) : outcomeFromAudit(input.audit);
  // The failure reporter's audit entry (older executions: DescribeIncomplete's) lists what was done and what remains.
  const incomplete = [...input.audit].reverse().find((a) => (a.step === 'FailureReporter' && a.outcome === 'INCOMPLETE') || a.step === 'DescribeIncomplete');
  const incompleteDetail = incomplete ? ((parseDetail(incomplete) ?? {}) as { completedSteps?: string[]; remainingSteps?: string[] }) : undefined;
  const markers: TimelineMarker[] = [
    ...redrives.map((e, i) => ({ at: e.timestamp, label: `redrive ${e.redriveCount ?? i + 1}`, kind: 'redrive' })),
    ...events
      .filter((e) => /^Execution(Failed|Aborted|TimedOut)$/.test(e.type))
      .map((e) => ({ at: e.timestamp, label: `execution ${e.type.slice(9).toLowerCase()}${e.error ? `: ${e.error}` : ''}`, kind: 'execution-stopped' })),
    ...input.audit.flatMap((a) => {
      const label = AUDIT_MARKERS[a.step]?.(a);
      return label ? [{ at: Date.parse(a.at), label, kind: 'audit' }] : [];
    }),
  ];
  const missing = [
    ...(haveHistory
      ? []
      : [
          `The event history: Step Functions keeps an execution's history for 90 days after it ends, and ${input.name} is no longer there. States are shown from the audit table's entries (a step that wrote none shows as not reached), with no times inside a step, no retries and no path taken.`,
        ]),
    ...(input.audit.length === 0 ? [`The audit trail: ${input.auditSource}.`] : []),
    ...(input.definitionSource ? [input.definitionSource] : []),
    'Detection time and client-observed downtime: AWS does not record when the fault began or what clients saw (the drill measures both; your canaries and alarms have the evidence).',
    ...(data.lostWrites === null ? ['Lost writes: the execution did not get as far as the data check (ValidateData), or it is not recorded.'] : []),
  ];
  return {
    kind: 'aws',
    title: 'Failover execution',
    subject: input.name,
    execution: {
      name: input.name,
      ...(input.executionArn ? { arn: input.executionArn } : {}),
      region: input.region,
      status,
      outcome,
      startedAt,
      stoppedAt,
      ...(d?.error ? { error: d.error } : {}),
      ...(d?.cause ? { cause: d.cause } : {}),
      redriveCount: d?.redriveCount ?? redrives.length,
    },
    facts: [
      { label: 'Step Functions status', value: status, cls: status === 'SUCCEEDED' ? 'ok' : status === 'RUNNING' ? undefined : 'ko' },
      { label: 'region', value: input.region },
      { label: 'started', value: startedAt !== null ? new Date(startedAt).toISOString() : 'unknown' },
      { label: 'stopped', value: stoppedAt !== null ? new Date(stoppedAt).toISOString() : status === 'RUNNING' ? 'still running' : 'unknown' },
      ...(input.executionArn ? [{ label: 'arn', value: input.executionArn }] : []),
      {
        label: 'sources',
        value: [
          haveHistory ? `event history (${raw.length} events)` : 'no event history',
          input.audit.length ? `audit table (${input.audit.length} entries)` : 'no audit entries',
        ].join(', '),
      },
    ].map((f) => (f.cls === undefined ? { label: f.label, value: f.value } : f)) as ExecutionRecord['facts'],
    definition: input.definition,
    ...(input.definitionSource ? { definitionSource: input.definitionSource } : {}),
    states,
    transitions: takenTransitions(events, input.definition),
    events,
    markers,
    figures: {
      detectionMs: null,
      controlPlaneMs: computed.controlPlaneMs,
      approvalWaitMs: computed.approvalWaitMs,
      downtimeMs: null,
      theoreticalMinMs: null,
      estimatedRpoMs: data.estimatedRpoMs,
    },
    data,
    alerts: alertsFromHistory(raw),
    checks: [],
    audit: auditRows(input.audit),
    ...(incompleteDetail?.completedSteps ? { completedSteps: incompleteDetail.completedSteps, remainingSteps: incompleteDetail.remainingSteps ?? [] } : {}),
    missing,
    ...(input.projection ? { projection: input.projection } : {}),
    clock: 'wall',
  };
}
