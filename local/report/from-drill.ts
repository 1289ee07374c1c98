import type { DrillEvent, DrillSummary } from '../drill';
import { dataFromHistory, type ExecutionRecord, type ReportProjection, type TimelineMarker } from './execution-record';
import type { LayoutMachine } from './graph-layout';
import { type ExecutionEvent, stateStatuses, takenTransitions } from './state-status';

export interface DrillReportInput {
  readonly summary: DrillSummary;
  /** The drill's own events (faults, alarms, alerts), in order. */
  readonly events: readonly DrillEvent[];
  /** The failover definition the drill ran. */
  readonly definition: LayoutMachine;
  readonly projection?: ReportProjection;
}

const MARKER_TYPES = new Set(['fault-injected', 'execution-started', 'approval-requested', 'approval-answered', 'traffic-shifted']);

function markerOf(e: DrillEvent): TimelineMarker | undefined {
  const label = (() => {
    switch (e.type) {
      case 'fault-injected':
        return 'fault';
      case 'alarm':
        return `alarm ${String(e.signal)} ${String(e.state)}`;
      case 'execution-started':
        return 'execution started';
      case 'approval-requested':
        return 'approval requested';
      case 'approval-answered':
        return `approver: ${String(e.decision)}`;
      case 'traffic-shifted':
        return `clients reach ${String(e.to)}`;
      default:
        return e.type;
    }
  })();
  if (!MARKER_TYPES.has(e.type) && !(e.type === 'alarm' && e.state === 'ALARM')) return undefined;
  return { at: e.at, label, kind: e.type };
}

/** A drill's summary and events as the report's execution record: everything measured, nothing missing but what did not happen. */
export function drillRecord(input: DrillReportInput): ExecutionRecord {
  const { summary: s, definition } = input;
  // The drill's history rows are ExecutionEvents (local/runtime/history.ts records them in this shape).
  const history: readonly ExecutionEvent[] = s.history;
  const data = dataFromHistory(history);
  const started = history.find((e) => e.type === 'ExecutionStarted')?.timestamp ?? null;
  const stoppedEvent = [...history].reverse().find((e) => /^Execution(Succeeded|Failed|Aborted|TimedOut)$/.test(e.type));
  const redrives = history.filter((e) => e.type === 'ExecutionRedriven');
  const markers: TimelineMarker[] = [
    ...input.events.flatMap((e) => markerOf(e) ?? []),
    ...redrives.map((e, i) => ({ at: e.timestamp, label: `redrive ${e.redriveCount ?? i + 1}`, kind: 'redrive' })),
  ];
  return {
    kind: 'drill',
    title: 'Failover drill',
    subject: s.scenario,
    execution: {
      name: s.executionName,
      status: stoppedEvent ? stoppedEvent.type.replace('Execution', '').toUpperCase().replace('TIMEDOUT', 'TIMED_OUT') : history.length ? 'RUNNING' : 'NONE',
      outcome: s.outcome,
      startedAt: started,
      stoppedAt: stoppedEvent?.timestamp ?? null,
      ...(s.error ? { error: s.error } : {}),
      ...(s.cause ? { cause: s.cause } : {}),
      redriveCount: redrives.length,
    },
    facts: [
      { label: 'execution', value: s.executionName ?? 'none started' },
      { label: 'serving region now', value: s.activeRegion ?? 'none' },
      { label: 'seed', value: String(s.seed) },
      { label: 'clock', value: 'AWS time on a virtual clock' },
      { label: 'expected', value: s.matched ? 'met' : 'MISSED', cls: s.matched ? 'ok' : 'ko' },
      { label: 'invariants', value: s.invariantsHeld ? 'all held' : 'VIOLATED', cls: s.invariantsHeld ? 'ok' : 'ko' },
    ],
    definition,
    states: stateStatuses(history, definition),
    transitions: takenTransitions(history, definition),
    events: history,
    markers,
    figures: {
      detectionMs: s.detectionMs,
      controlPlaneMs: s.controlPlaneMs,
      approvalWaitMs: s.approvalWaitMs,
      downtimeMs: s.downtimeMs,
      theoreticalMinMs: s.theoreticalMinMs,
      estimatedRpoMs: s.estimatedRpoMs ?? data.estimatedRpoMs,
    },
    data: {
      estimatedRpoMs: data.estimatedRpoMs,
      rpoTargetMs: data.rpoTargetMs,
      ...(data.lagByStore ? { lagByStore: data.lagByStore } : {}),
      stores: data.stores,
      ...(data.summary ? { summary: data.summary } : {}),
      lostWrites: s.lostWrites,
      acknowledgedWrites: s.acknowledgedWrites,
    },
    alerts: input.events
      .filter((e) => e.type === 'alert')
      .map((a) => ({ topic: String(a.topic), subject: String(a.subject ?? ''), message: String(a.message ?? ''), at: a.at })),
    checks: [
      ...s.invariants.map((i) => ({ name: i.name, held: i.held, detail: i.detail })),
      ...(s.expectations ?? [])
        .filter((x) => !x.matched)
        .map((x) => ({ name: `expected ${x.key}`, held: false, detail: `expected ${JSON.stringify(x.expected)}, got ${JSON.stringify(x.actual)}` })),
    ],
    audit: [],
    ...(s.completedSteps ? { completedSteps: s.completedSteps } : {}),
    ...(s.remainingSteps ? { remainingSteps: s.remainingSteps } : {}),
    ...(s.plan ? { plan: s.plan } : {}),
    missing: [],
    ...(input.projection ? { projection: input.projection } : {}),
    clock: 'virtual',
  };
}
