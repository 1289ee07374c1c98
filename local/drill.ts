import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DrConfig } from '../config/schema';
import { POST_APPROVAL_STEPS } from '../functions/shared/workflow';
import { startLocalControlPlane, type LocalControlPlane } from './control-plane';
import { LocalDetection } from './detection';
import type { HistoryEvent } from './runtime/history';
import type { ExecutionResult, LocalExecution } from './runtime/local-state-machine';
import { scenario as findScenario, type Approver, type Outcome } from './scenarios';
import { httpCall } from './world/http';
import { LocalWorld, TimeScale } from './world/world';
import type { OutboxMessage } from './world/adapters';

export interface DrillOptions {
  readonly config: DrConfig;
  readonly scenario?: string;
  readonly approve?: Approver;
  readonly approvalMode?: 'required' | 'auto-when-safe';
  readonly dryRun?: boolean;
  /** Folder for the outbox ("emails"); default .drill/outbox */
  readonly outDir?: string;
  readonly onEvent?: (event: DrillEvent) => void;
  /** Hard limit on the whole drill in real ms (a manual approval may take a person's time). */
  readonly deadlineMs?: number;
  /** Called once the world and the local control plane run, for tests that must look inside (approval records, the broker). */
  readonly inspect?: (handles: { world: LocalWorld; controlPlane: LocalControlPlane }) => void;
  /** Real ms every simulated data-store control-plane call takes, after the scenario's own setting (benchmarks). */
  readonly storeCallLatencyMs?: number;
}

export type DrillEvent = { readonly type: string; readonly at: number } & Record<string, unknown>;

export interface Invariant {
  readonly name: string;
  readonly held: boolean;
  readonly detail: string;
}

export interface DrillSummary {
  readonly type: 'summary';
  readonly scenario: string;
  readonly outcome: Outcome;
  readonly executions: number;
  readonly executionName: string | null;
  readonly detectionMs: number | null;
  readonly controlPlaneMs: number | null;
  readonly approvalWaitMs: number;
  readonly downtimeMs: number;
  readonly theoreticalMinMs: number;
  readonly lostWrites: number;
  readonly acknowledgedWrites: number;
  /** Calls on the Route 53 API stand-in (ChangeResourceRecordSets, GetChange, ListResourceRecordSets). */
  readonly route53ApiCalls: number;
  readonly activeRegion: string | null;
  readonly completedSteps?: string[];
  readonly remainingSteps?: string[];
  readonly plan?: string[];
  readonly error?: string;
  readonly cause?: string;
  readonly timeScale: number;
  /** The measured local figures projected to AWS time (× timeScale). */
  readonly projectedAws: { detectionSeconds: number | null; controlPlaneSeconds: number | null; downtimeSeconds: number; theoreticalMinSeconds: number };
  readonly invariants: Invariant[];
  readonly invariantsHeld: boolean;
  readonly history: HistoryEvent[];
  readonly outboxDir: string;
}

/** Resolves with `p`, or with `fallback` after `ms`; the timer never outlives the race. */
async function raceTimeout<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<T>((r) => (timer = setTimeout(() => r(fallback), Math.max(0, ms))))]);
  } finally {
    clearTimeout(timer);
  }
}

const until = async (cond: () => boolean, deadline: number, stepMs = 2): Promise<boolean> => {
  while (!cond()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return true;
};

/** The outcome as the drill names it, from the execution result. */
export function outcomeOf(result: ExecutionResult): Outcome {
  if (result.status === 'SUCCEEDED') {
    const o = (result.output as { outcome?: Outcome } | undefined)?.outcome;
    return o ?? 'FAILED_OVER';
  }
  switch (result.error) {
    case 'ApprovalRejected':
      return 'REJECTED';
    case 'ApprovalTimedOut':
      return 'TIMED_OUT';
    case 'FailoverIncomplete':
      return 'INCOMPLETE';
    default:
      // Refused by the health verdict, or aborted before any change (bad input, a check that failed).
      return 'REFUSED';
  }
}

/**
 * Plays the approver from the emailed link, as a person would: open the page, then submit its form to
 * the form's own action (so a page that dropped the link's signature would fail here too). Over the RPO
 * target the person ticks the data-loss box, as an approver who approves must.
 */
async function answerApproval(url: string, decision: 'approve' | 'reject', approver: string): Promise<{ status: number }> {
  const page = await httpCall(url, { timeoutMs: 5_000 });
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1];
  const action = /<form method="post" action="([^"]*)"/.exec(page.body)?.[1];
  if (page.status !== 200 || !csrf || action === undefined) return { status: page.status };
  const target = new URL(action.replace(/&amp;/g, '&'), url).toString();
  const form = new URLSearchParams({ csrf, decision, approver, reason: decision === 'reject' ? 'drill: rejected by --approve reject' : '' });
  if (decision === 'approve' && page.body.includes('name="acceptDataLoss"')) form.set('acceptDataLoss', 'yes');
  const res = await httpCall(target, { method: 'POST', body: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' }, timeoutMs: 5_000 });
  return { status: res.status };
}

/**
 * Runs one drill: starts the world and the local control plane, starts the client load, injects the
 * scenario's fault, lets detection trigger the failover state machine, plays the approver, and measures.
 */
export async function runDrill(opts: DrillOptions): Promise<DrillSummary> {
  const sc = findScenario(opts.scenario ?? 'primary-down');
  const config = sc.configure ? sc.configure(opts.config) : opts.config;
  const approve: Approver = opts.approve ?? sc.defaultApprover ?? 'auto';
  const emit = (type: string, fields: Record<string, unknown> = {}) => opts.onEvent?.({ type, at: Date.now(), ...fields });
  const time = new TimeScale(config.drill.timeScale);
  const world = new LocalWorld(config, time, { replicationLagMs: sc.replicationLagMs ?? config.drill.replicationLagMs });
  const outboxDir = opts.outDir ?? join(process.cwd(), '.drill', 'outbox');
  mkdirSync(outboxDir, { recursive: true });
  const deadline = Date.now() + (opts.deadlineMs ?? (approve === 'manual' ? config.approval.timeoutSeconds * 1000 + 60_000 : 60_000));

  await world.start();
  // Detection starts executions through the real alarm-trigger handler; the first one started is the drill's.
  let tTrigger = 0;
  let execution: LocalExecution | undefined;
  const detection: LocalDetection = new LocalDetection(world, {
    run: (input, name) => cp.machine.start(input, name),
    decorateInput: (input) => ({ ...input, dryRun: Boolean(opts.dryRun), ...(opts.approvalMode ? { approvalMode: opts.approvalMode } : {}) }),
    onTransition: (t) => emit('alarm', { alarm: t.alarmName, signal: t.signalId, state: t.state, previous: t.previous, round: t.round }),
    onTrigger: (d) => emit('alarm-trigger', { region: d.region, alarm: d.alarmName, eventId: d.eventId, ...(d.result ? { action: d.result.action, reason: d.result.reason } : { error: d.error }) }),
    onExecutionStarted: (ex, region, input) => {
      const alarms = (input as { trigger?: { alarms?: string[] } }).trigger?.alarms ?? [];
      emit('execution-started', { executionName: ex.name, executionArn: ex.id, region, alarms });
      ex.onEvent((e) => {
        if (e.type.endsWith('StateEntered')) emit('state-entered', { state: e.stateName, stateType: e.stateType, index: e.index });
        else if (e.type.endsWith('StateExited')) emit('state-exited', { state: e.stateName, index: e.index });
        else if (e.type === 'TaskFailed') emit('task-failed', { state: e.stateName, error: e.error, cause: e.cause });
        else if (e.type === 'TaskRetryScheduled') emit('task-retry', { state: e.stateName });
      });
      if (!execution) {
        execution = ex;
        tTrigger = Date.now();
      }
    },
  });
  const cp = await startLocalControlPlane(world, { realTimeApproval: approve === 'manual', signals: detection.signals });
  opts.inspect?.({ world, controlPlane: cp });
  try {
    emit('drill-started', {
      scenario: sc.name,
      description: sc.description,
      approve,
      approvalMode: opts.approvalMode ?? config.approval.mode,
      dryRun: Boolean(opts.dryRun),
      timeScale: time.factor,
      regions: { primary: world.primary, standby: world.standby },
      globalRouter: world.router.url,
      approvalEndpoint: cp.approvalServer.url,
    });
    world.notifier.on((m: OutboxMessage) => {
      const file = join(outboxDir, `${m.at}-${m.topic}-${Math.random().toString(36).slice(2, 8)}.txt`);
      writeFileSync(file, `Topic: ${m.topic}\nSubject: ${m.subject}\n\n${m.body}\n`);
      if (m.topic === 'approval') return;
      emit('alert', { topic: m.topic, subject: m.subject, message: m.body });
    });

    let approvalDecided: Promise<unknown> = Promise.resolve();
    world.notifier.on((m) => {
      if (m.topic !== 'approval') return;
      const url = m.body.split('\n').find((l) => l.startsWith(cp.approvalServer.url));
      const record = [...world.approvals.records.values()].at(-1);
      emit('approval-requested', {
        url,
        estimatedRpoMs: record?.summary.estimatedRpoMs ?? null,
        rpoTargetMs: record?.summary.rpoTargetMs ?? null,
        rpoWithinTarget: record?.summary.rpoWithinTarget ?? null,
        expiresAt: record ? new Date(record.expiresAt).toISOString() : null,
        approver: approve,
        incidentId: record?.incidentId ?? null,
        subject: m.subject,
        // The email as sent: a link, an expiry and the evidence; the task token never leaves the store.
        email: m.body,
      });
      if (!url || approve === 'none' || approve === 'manual') return;
      const decision = approve === 'reject' ? 'reject' : 'approve';
      approvalDecided = answerApproval(url, decision, config.approval.approvers[0]).then(
        (r) => emit('approval-answered', { decision, httpStatus: r.status }),
        (err: Error) => emit('approval-answered', { decision, error: err.message }),
      );
    });

    sc.prepare?.(world);
    if (opts.storeCallLatencyMs !== undefined) for (const s of world.data.stores) s.callLatencyMs = opts.storeCallLatencyMs;
    world.load.start();
    // Canaries run all the time, as deployed: the alarms are settled (OK) when the fault comes.
    detection.start();
    const warm = await until(() => world.load.acknowledgedBy(world.primary).length >= 20 && detection.round > config.detection.evaluationPeriods, deadline);
    if (!warm) throw new Error('the local world did not start serving writes');
    const tFault = Date.now();
    sc.inject(world);
    emit('fault-injected', { scenario: sc.name, description: sc.description });

    const faultRound = detection.round;
    // Without quorum there is no execution: give detection enough rounds to be sure of that.
    await until(() => execution !== undefined || detection.round >= faultRound + config.detection.evaluationPeriods + 6, deadline);

    let result: ExecutionResult | undefined;
    if (execution) {
      const remaining = Math.max(1, deadline - Date.now());
      result = await raceTimeout<ExecutionResult>(execution.result, remaining, { status: 'ABORTED', error: 'DrillDeadline', cause: 'the drill deadline passed' });
      if (result.status === 'ABORTED') execution.stop();
      await approvalDecided;
    }
    // Some scenarios need detection to keep running (late duplicates, a flapping primary) before judging.
    await until(() => detection.round >= faultRound + (sc.minRounds ?? 0), deadline);
    await detection.stop();
    const outcome: Outcome = result ? outcomeOf(result) : 'NO_ACTION';

    // Let clients see the change (TTL) and the load recover before measuring.
    const applied = () => world.router.applied.find((a) => a.at >= tTrigger && (a.weights[world.standby] ?? 0) > 0);
    if (outcome === 'FAILED_OVER') {
      await until(() => applied() !== undefined, Date.now() + time.ms(config.globalDomain.ttlSeconds) + 5_000);
      const shiftedAt = applied()?.at ?? Date.now();
      await until(() => world.load.attempts.filter((a) => a.at > shiftedAt && a.ok).length >= 10, Date.now() + 5_000);
    } else {
      const n = world.load.attempts.length;
      await until(() => world.load.attempts.length >= n + 10, Date.now() + 2_000);
    }
    await world.load.stop();
    // Wait for replication still in flight between live regions, so lost means lost.
    await until(() => world.data.stores.every((s) => Object.values(s.byRegion).every((r) => r.crashed || r.replicationBacklog === 0)), Date.now() + 5_000);

    const shift = applied();
    const approvalWaitMs = approvalWait(execution?.events ?? []);
    const detectionMs = execution ? tTrigger - tFault : null;
    const controlPlaneMs = execution && shift ? Math.max(0, shift.at - tTrigger - approvalWaitMs) : null;
    if (shift) emit('traffic-shifted', { to: world.standby, afterMs: shift.at - tFault });
    const dt = world.load.downtime(tFault);
    const d = config.detection;
    // A routing-control flip changes answers without a record change, so only Route 53 record changes wait for INSYNC.
    const syncSeconds = config.traffic.strategy === 'arc-routing-control' ? 0 : config.drill.dnsSyncSeconds;
    const theoreticalMinMs = Math.round(time.ms(d.datapointsToAlarm * d.probeIntervalSeconds + syncSeconds + config.globalDomain.ttlSeconds));
    const lost = world.load.acknowledgedBy(world.primary).filter((a) => a.at >= tFault - time.ms(60) && !world.data.has(world.standby, a.id));
    const acknowledged = world.load.attempts.filter((a) => a.ok).length;
    const lostWrites = outcome === 'FAILED_OVER' ? lost.length : 0;
    const incomplete = findOutput(execution?.events ?? [], 'DescribeIncomplete') as { completedSteps?: string[]; remainingSteps?: string[] } | undefined;
    const plan = opts.dryRun ? collectPlan(execution?.events ?? []) : undefined;
    const invariants = checkInvariants(world, outcome, execution, result, sc.name);
    const started = detection.executions;
    invariants.push({
      name: 'one-execution-per-incident',
      held: started.length <= 1,
      detail: started.length <= 1 ? `${started.length} execution(s) started` : `${started.length} executions started: ${started.map((e) => e.name).join(', ')}`,
    });
    const summary: DrillSummary = {
      type: 'summary',
      scenario: sc.name,
      outcome,
      executions: started.length,
      executionName: execution?.name ?? null,
      detectionMs,
      controlPlaneMs,
      approvalWaitMs,
      downtimeMs: dt.ms,
      theoreticalMinMs,
      lostWrites,
      acknowledgedWrites: acknowledged,
      route53ApiCalls: world.router.dnsApiCalls,
      activeRegion: world.servingRegion,
      ...(outcome === 'INCOMPLETE'
        ? { completedSteps: incomplete?.completedSteps ?? [], remainingSteps: incomplete?.remainingSteps ?? POST_APPROVAL_STEPS.map((s) => s.state) }
        : {}),
      ...(plan ? { plan } : {}),
      ...(result && result.status !== 'SUCCEEDED' ? { error: result.error, cause: result.cause } : {}),
      timeScale: time.factor,
      projectedAws: {
        detectionSeconds: detectionMs === null ? null : round(time.aws(detectionMs)),
        controlPlaneSeconds: controlPlaneMs === null ? null : round(time.aws(controlPlaneMs)),
        downtimeSeconds: round(time.aws(dt.ms)),
        theoreticalMinSeconds: round(time.aws(theoreticalMinMs)),
      },
      invariants,
      invariantsHeld: invariants.every((i) => i.held),
      history: [...(execution?.events ?? [])],
      outboxDir,
    };
    return summary;
  } finally {
    await detection.stop();
    for (const ex of detection.executions) ex.stop();
    await world.stop();
  }
}

const round = (n: number) => Math.round(n * 10) / 10;

function approvalWait(events: readonly HistoryEvent[]): number {
  const entered = events.find((e) => e.stateName === 'RequestApproval' && e.type === 'TaskStateEntered');
  if (!entered) return 0;
  const left = events.find((e) => e.stateName === 'RequestApproval' && (e.type === 'TaskStateExited' || e.type === 'TaskFailed'));
  return (left?.timestamp ?? Date.now()) - entered.timestamp;
}

function findOutput(events: readonly HistoryEvent[], state: string): unknown {
  const e = events.findLast((x) => x.stateName === state && x.type.endsWith('StateExited'));
  const out = e?.output as Record<string, unknown> | undefined;
  return out?.incomplete ?? out;
}

/** Every mutating step's planned changes, from their outputs. */
function collectPlan(events: readonly HistoryEvent[]): string[] {
  const plan: string[] = [];
  for (const e of events) {
    if (e.type !== 'TaskStateExited' || !e.output || typeof e.output !== 'object') continue;
    const steps = (e.output as { steps?: Record<string, unknown> }).steps ?? {};
    const key = POST_APPROVAL_STEPS.find((s) => s.state === e.stateName)?.key;
    const r = key ? steps[key] : undefined;
    if (r && typeof r === 'object' && Array.isArray((r as { plan?: unknown }).plan)) plan.push(...((r as { plan: string[] }).plan));
  }
  for (const e of events) {
    // ScaleStandby's plan (pilot light / warm standby) comes back inside PrepareStandby's output.
    const scale = e.type.endsWith('StateExited') && e.stateName === 'PrepareStandby' ? (e.output as { prepare?: { scale?: { plan?: unknown } } } | undefined)?.prepare?.scale : undefined;
    if (scale && Array.isArray(scale.plan)) plan.push(...(scale.plan as string[]));
  }
  for (const e of events) {
    if (e.type === 'TaskStateExited' && e.stateName === 'PromoteStore' && e.output && Array.isArray((e.output as { plan?: unknown }).plan)) {
      plan.push(...(e.output as { plan: string[] }).plan);
    }
  }
  return plan;
}

function checkInvariants(world: LocalWorld, outcome: Outcome, execution: LocalExecution | undefined, result: ExecutionResult | undefined, scenarioName: string): Invariant[] {
  // A region that is down takes no writes whatever its site state says.
  const writers = world.activeRegions().filter((r) => world.apps[r].fault !== 'down');
  const invariants: Invariant[] = [
    { name: 'at-most-one-writer', held: writers.length <= 1, detail: `regions accepting writes: ${writers.join(', ') || 'none'}` },
    {
      name: 'execution-terminal',
      held: !execution || (result !== undefined && result.status !== 'ABORTED'),
      detail: result ? `${result.status}${result.error ? ` (${result.error})` : ''}` : 'no execution started',
    },
  ];
  if (execution) {
    const alerts = world.notifier.outbox.filter((m) => m.topic !== 'approval').length;
    invariants.push({ name: 'alert-sent', held: alerts > 0, detail: `${alerts} alert(s) published` });
  }
  if (outcome === 'FAILED_OVER') {
    invariants.push({
      name: 'traffic-on-standby',
      held: world.servingRegion === world.standby && world.apps[world.standby].siteState === 'ACTIVE',
      detail: `serving ${world.servingRegion}, ${world.standby} is ${world.apps[world.standby].siteState}`,
    });
  } else {
    invariants.push({ name: 'traffic-unchanged', held: world.servingRegion === world.primary || outcome === 'INCOMPLETE', detail: `serving ${world.servingRegion}` });
  }
  if (world.config.traffic.strategy === 'arc-routing-control') {
    // Failure mode 4: with ARC, the failover path must not need the Route 53 control plane at all.
    invariants.push({ name: 'zero-route53-api-calls', held: world.router.dnsApiCalls === 0, detail: `${world.router.dnsApiCalls} Route 53 API call(s)` });
  }
  const shiftedOntoDead = world.router.applied.some((a) => Object.entries(a.weights).some(([r, w]) => w > 0 && world.apps[r].fault === 'down'));
  invariants.push({ name: 'never-shift-to-unhealthy', held: !shiftedOntoDead, detail: shiftedOntoDead ? 'traffic moved onto a region that was down' : 'ok' });
  void scenarioName;
  return invariants;
}
