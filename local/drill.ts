import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DrConfig } from '../config/schema';
import { STEPS } from '../config/steps';
import type { FailureReport } from '../functions/failure-reporter/failure-reporter';
import { createHandler as failureReporter } from '../functions/failure-reporter/handler';
import { executionStatusAlert } from '../functions/shared/execution-status-alert';
import { createLogger } from '../functions/shared/middleware';
import { POST_APPROVAL_STEPS } from '../functions/shared/workflow';
import { answerApproval, approveAsIamPrincipal, localApproverPrincipal } from './approver';
import { FAILOVER_ASL, startLocalControlPlane, type LocalControlPlane } from './control-plane';
import { LocalDetection } from './detection/loop';
import { checkFaults, FaultInjector, type AppliedFault } from './fault-schedule';
import { physicalFloorMs } from './measure';
import { LocalReconcilers } from './reconcilers';
import { localFailureReader } from './runtime/failure-context';
import type { HistoryEvent } from './runtime/history';
import { allStates, type ExecutionResult, type LocalExecution } from './runtime/local-state-machine';
import {
  loadScenario,
  resolveRegion,
  scenarioConfig,
  type ApproverDecision,
  type Expectation,
  type OperatorAction,
  type Outcome,
  type Scenario,
} from './scenario-file';
import { sleep } from './sim/network';
import { createRng } from './sim/random';
import { realClock, Simulation, SIM_EPOCH, simClock, simNow } from './sim/virtual-time';
import { fakeLambdaContext } from './world/approval-server';
import type { OutboxMessage } from './world/adapters';
import { LocalWorld } from './world/world';

export type { Outcome } from './scenario-file';

/** How the drill plays the approver: the scenario's own answer, or one chosen on the command line. */
/**
 * Who answers the approval, from the command line: `auto` approves on the emailed page with a mailed one-time code,
 * `cli` approves as `drctl approve` does (a signed POST /decisions as the region's approver role), `manual` waits for
 * a person, `reject` rejects, `none` never answers.
 */
export type Approver = 'auto' | 'cli' | 'manual' | 'reject' | 'none';

/** Faults that impair what canaries and health checks watch: detection is measured from the first of them. */
const IMPAIRING: ReadonlySet<string> = new Set(['region-down', 'app-down', 'region-slow', 'region-errors', 'partition']);

/** The seed a drill uses unless told otherwise; printed in every summary so any run can be replayed. */
export const DEFAULT_SEED = 1;

export interface DrillOptions {
  readonly config: DrConfig;
  /** A built-in scenario's name, a path to a scenario file, or a parsed scenario. @default primary-down */
  readonly scenario?: string | Scenario;
  /** Everything random in the run comes from it. @default DEFAULT_SEED */
  readonly seed?: number;
  /** Overrides the scenario's approver: auto approves at once, manual waits for a person, reject, none. */
  readonly approve?: Approver;
  readonly approvalMode?: 'required' | 'auto-when-safe';
  readonly dryRun?: boolean;
  /** Folder for the outbox ("emails"); null writes none. @default .drill/outbox */
  readonly outDir?: string | null;
  readonly onEvent?: (event: DrillEvent) => void;
  /** Called once the world and the local control plane run, for tests that must look inside. */
  readonly inspect?: (handles: { world: LocalWorld; controlPlane: LocalControlPlane; detection: LocalDetection }) => void;
  /** The drill gives up past this much AWS time (an invariant then fails). @default 6 h */
  readonly maxDurationMs?: number;
}

/** `at` is AWS time (virtual epoch ms); `t` is AWS ms since the drill started. */
export type DrillEvent = { readonly type: string; readonly at: number; readonly t: number } & Record<string, unknown>;

export interface Invariant {
  readonly name: string;
  readonly held: boolean;
  readonly detail: string;
}

export interface ExpectationCheck {
  readonly key: string;
  readonly expected: unknown;
  readonly actual: unknown;
  readonly matched: boolean;
}

export interface DrillSummary {
  readonly type: 'summary';
  readonly scenario: string;
  readonly seed: number;
  readonly outcome: Outcome;
  readonly executions: number;
  readonly executionName: string | null;
  /** AWS ms from the first fault to the execution's start. */
  readonly detectionMs: number | null;
  /** AWS ms the control plane took from the start to traffic moved, minus the approval wait. */
  readonly controlPlaneMs: number | null;
  readonly approvalWaitMs: number;
  readonly approvalRequested: boolean;
  /** The estimated data loss the approver was shown, AWS ms (null: none asked, or unknown). */
  readonly estimatedRpoMs: number | null;
  readonly downtimeMs: number;
  /** The physical floor of this seed's fault phase: detection by quorum + record sync + TTL, AWS ms. */
  readonly theoreticalMinMs: number | null;
  /** AWS ms between the fault and the previous canary run of the quorum's later vantage (seeded). */
  readonly faultPhaseMs: number | null;
  readonly lostWrites: number;
  readonly acknowledgedWrites: number;
  /** The largest state input, output or task result of the drill's executions, bytes (Step Functions' limit: 262,144). */
  readonly maxPayloadBytes: number;
  /** Calls on the Route 53 API stand-in (ChangeResourceRecordSets, GetChange, ListResourceRecordSets). */
  readonly route53ApiCalls: number;
  readonly activeRegion: string | null;
  readonly completedSteps?: string[];
  readonly remainingSteps?: string[];
  readonly plan?: string[];
  readonly error?: string;
  readonly cause?: string;
  /** The scenario's `expect` as applied to this run (adjusted for --approve / --dry-run), and each check. */
  readonly expected: Expectation & { readonly adjustedFor?: string[] };
  readonly expectations: ExpectationCheck[];
  readonly matched: boolean;
  readonly invariants: Invariant[];
  readonly invariantsHeld: boolean;
  /** AWS ms the drill covered. */
  readonly durationMs: number;
  readonly history: HistoryEvent[];
  readonly outboxDir: string | null;
  /** Real time, for information only: never part of a result (it changes with machine load). */
  readonly wall: { readonly elapsedMs: number; readonly simulationSteps: number };
}

/**
 * The outcome as the drill names it, from the execution result and its history: an execution that stopped after
 * a state-changing step started is INCOMPLETE (a step failed for good; the execution stopped at it, so a redrive
 * resumes there).
 */
export function outcomeOf(result: ExecutionResult, events: readonly HistoryEvent[] = []): Outcome {
  if (result.status === 'SUCCEEDED') {
    const o = (result.output as { outcome?: Outcome } | undefined)?.outcome;
    return o ?? 'FAILED_OVER';
  }
  switch (result.error) {
    case 'ApprovalRejected':
      return 'REJECTED';
    case 'ApprovalTimedOut':
      return 'TIMED_OUT';
    default: {
      const changed = events.some((e) => e.type.endsWith('StateEntered') && POST_APPROVAL_STEPS.some((s) => s.state === e.stateName));
      // Otherwise refused by the health verdict, or aborted before any change (bad input, a check that failed).
      return changed ? 'INCOMPLETE' : 'REFUSED';
    }
  }
}

/** The approver this run plays: the command line wins over the scenario. */
function approverOf(sc: Scenario, approve: Approver | undefined): { decision: ApproverDecision; afterMs: number; via: 'page' | 'iam' } {
  if (approve === undefined) return { decision: sc.approver.decision, afterMs: sc.approver.after, via: 'page' };
  if (approve === 'auto' || approve === 'cli')
    return { decision: 'approve', afterMs: sc.approver.decision === 'approve' ? sc.approver.after : 0, via: approve === 'cli' ? 'iam' : 'page' };
  return { decision: approve, afterMs: sc.approver.decision === approve ? sc.approver.after : 0, via: 'page' };
}

/** The scenario's `expect`, adjusted where the command line changed what a correct control plane ends with. */
export function effectiveExpect(
  sc: Scenario,
  config: DrConfig,
  o: { decision: ApproverDecision; dryRun: boolean; approvalModeOverride: boolean },
): Expectation & { adjustedFor?: string[] } {
  const e: Expectation & { adjustedFor?: string[] } = { ...sc.expect };
  const adjusted: string[] = [];
  const wouldAct = e.outcome === 'FAILED_OVER' || e.outcome === 'INCOMPLETE';
  const keepPrimary = (outcome: Outcome) => {
    e.outcome = outcome;
    e.activeRegion = 'primary';
    delete e.maxLostWrites;
    delete e.alerts;
    delete e.maxDowntime;
  };
  if (o.dryRun && wouldAct) {
    keepPrimary('DRY_RUN');
    delete e.approvalRequested;
    adjusted.push('--dry-run');
  } else if (wouldAct && o.decision === 'reject' && sc.approver.decision !== 'reject') {
    keepPrimary('REJECTED');
    adjusted.push('--approve reject');
  } else if (wouldAct && o.decision === 'none' && sc.approver.decision !== 'none' && config.approval.onTimeout === 'abort') {
    keepPrimary('TIMED_OUT');
    adjusted.push('--approve none');
  }
  if (o.approvalModeOverride && e.approvalRequested !== undefined) {
    delete e.approvalRequested;
    adjusted.push('--approval-mode');
  }
  if (adjusted.length) e.adjustedFor = adjusted;
  return e;
}

const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10).replaceAll('-', '');

/**
 * Runs one drill inside its own simulation: builds the world and the local control plane, starts the client load
 * and the canaries, applies the scenario's faults at their AWS times, lets detection trigger the failover state
 * machine, plays the approver and the operator, and measures. The same seed, scenario and config give the same
 * run on any machine at any load (apart from `wall`).
 */
export async function runDrill(opts: DrillOptions): Promise<DrillSummary> {
  const sc = typeof opts.scenario === 'object' ? opts.scenario : loadScenario(opts.scenario ?? 'primary-down');
  const config = scenarioConfig(opts.config, sc);
  const stateNames = new Set(allStates(JSON.parse(readFileSync(FAILOVER_ASL, 'utf8')) as { States: Record<string, { Type: string }> }).map(([n]) => n));
  checkFaults(sc.faults, config, stateNames);
  const seed = opts.seed ?? DEFAULT_SEED;
  const wallStart = realClock.now();
  const sim = Simulation.install({ seed, start: SIM_EPOCH, maxVirtualMs: (opts.maxDurationMs ?? 6 * 3_600_000) + 3_600_000 });
  try {
    const summary = await sim.run(drillBody(opts, sc, config, seed, sim));
    return { ...summary, wall: { elapsedMs: realClock.now() - wallStart, simulationSteps: sim.steps } };
  } finally {
    sim.uninstall();
  }
}

type Body = Omit<DrillSummary, 'wall'>;

async function drillBody(opts: DrillOptions, sc: Scenario, config: DrConfig, seed: number, sim: Simulation): Promise<Body> {
  const t0 = simNow();
  const emit = (type: string, fields: Record<string, unknown> = {}) => opts.onEvent?.({ type, at: simNow(), t: simNow() - t0, ...fields });
  const rng = createRng(seed, 'drill');
  const approver = approverOf(sc, opts.approve);
  const world = new LocalWorld(config, { replicationLagMs: config.drill.replicationLagMs, seed });
  // Relative by default, so the summary reads the same in every checkout.
  const outboxDir = opts.outDir === null ? null : (opts.outDir ?? join('.drill', 'outbox'));
  if (outboxDir) mkdirSync(outboxDir, { recursive: true });
  const maxDurationMs = opts.maxDurationMs ?? 6 * 3_600_000;

  // Detection starts executions through the real alarm-trigger handler; the first one started is the drill's.
  let tTrigger: number | null = null;
  let execution: LocalExecution | undefined;
  const executionStarts: Array<{ name: string; at: number; by: 'detection' | 'operator'; fromRegion: string }> = [];
  const allExecutions: LocalExecution[] = [];
  const endedAt = new Map<string, number>();
  const watch = (ex: LocalExecution, by: 'detection' | 'operator', fromRegion: string) => {
    executionStarts.push({ name: ex.name, at: simNow(), by, fromRegion });
    allExecutions.push(ex);
    ex.onEvent((e) => {
      if (e.type.endsWith('StateEntered')) emit('state-entered', { execution: ex.name, state: e.stateName, stateType: e.stateType, index: e.index });
      else if (e.type.endsWith('StateExited')) emit('state-exited', { execution: ex.name, state: e.stateName, index: e.index });
      else if (e.type === 'TaskFailed') emit('task-failed', { execution: ex.name, state: e.stateName, error: e.error, cause: e.cause });
      else if (e.type === 'TaskRetryScheduled') emit('task-retry', { execution: ex.name, state: e.stateName });
    });
    // Each attempt (the first run, then each redrive) ends on its own; EventBridge's status-change rule reports
    // every one that stops unsuccessfully, whatever stopped it.
    ex.onAttempt((attempt) => {
      endedAt.delete(ex.name);
      void attempt.then((r) => {
        endedAt.set(ex.name, simNow());
        emit('execution-ended', { execution: ex.name, status: r.status, ...(r.error ? { error: r.error } : {}), redriveCount: ex.redriveCount });
        if (r.status !== 'SUCCEEDED') track(reportFailure(ex, r.status));
      });
    });
  };
  const reports = new Map<string, FailureReport>();
  const reporter = failureReporter({
    config,
    reader: localFailureReader((arn) => {
      const ex = [...detection.executions, ...allExecutions].find((e) => e.id === arn);
      return ex ? { ex, topLevel: ex.id.includes(':failback:') ? cp.failbackMachine.topLevelStates : cp.machine.topLevelStates } : undefined;
    }),
    notifier: world.notifier,
    audit: world.audit,
    clock: simClock,
    logger: createLogger(STEPS.failureReporter.logService, 'SILENT'),
  });
  const reportFailure = async (ex: LocalExecution, status: string) => {
    // The rule and its target run in the region whose state machine ran the execution (the one being activated).
    await sleep(rng.int(200, 1_000));
    const stateMachineArn = ex.id.replace(':execution:', ':stateMachine:').replace(/:[^:]+$/, '');
    const event = {
      source: 'aws.states',
      'detail-type': 'Step Functions Execution Status Change',
      detail: { executionArn: ex.id, stateMachineArn, name: ex.name, status },
    };
    // The rule's first target: the alert topic, with the same text its input transformer builds in AWS.
    const alert = executionStatusAlert(event);
    if (alert) await world.notifier.publish({ topic: 'alert', subject: alert.subject, body: alert.body }).catch(() => undefined);
    try {
      const report = (await reporter(event, fakeLambdaContext('failure-reporter'))) as FailureReport;
      reports.set(ex.name, report);
      emit('failure-reported', { execution: ex.name, kind: report.kind, failedState: report.failedState ?? null, subject: report.subject ?? null });
    } catch (err) {
      emit('failure-reported', { execution: ex.name, error: (err as Error).message });
    }
  };
  const detection: LocalDetection = new LocalDetection(world, {
    rng: rng.fork('detection'),
    run: (input, name) => cp.machine.start(input, name),
    decorateInput: (input) => ({ ...input, dryRun: Boolean(opts.dryRun), ...(opts.approvalMode ? { approvalMode: opts.approvalMode } : {}) }),
    onTransition: (t) => emit('alarm', { alarm: t.alarmName, signal: t.signalId, state: t.state, previous: t.previous }),
    onTrigger: (d) =>
      emit('alarm-trigger', {
        region: d.region,
        alarm: d.alarmName,
        eventId: d.eventId,
        ...(d.result ? { action: d.result.action, reason: d.result.reason } : { error: d.error }),
      }),
    onExecutionStarted: (ex, region, input) => {
      const alarms = (input as { trigger?: { alarms?: string[] } }).trigger?.alarms ?? [];
      emit('execution-started', { executionName: ex.name, executionArn: ex.id, region, alarms, by: 'detection' });
      watch(ex, 'detection', String((input as { fromRegion?: string }).fromRegion ?? ''));
      if (!execution) {
        execution = ex;
        tTrigger = simNow();
      }
    },
  });
  const idRng = rng.fork('approval-ids');
  const cp = await startLocalControlPlane(world, {
    serveApprovalsOverHttp: approver.decision === 'manual',
    signals: detection.signals,
    randomId: () => Buffer.from(idRng.hex(16), 'hex').toString('base64url'),
  });
  opts.inspect?.({ world, controlPlane: cp, detection });

  const shiftsOntoDown: string[] = [];
  world.router.onApply((weights) => {
    for (const [r, w] of Object.entries(weights)) if (w > 0 && world.apps[r].unreachable) shiftsOntoDown.push(`${r} at +${simNow() - t0} ms`);
    const on = Object.entries(weights)
      .filter(([, w]) => w > 0)
      .map(([r]) => r);
    emit('traffic-shifted', { to: on.length === 1 ? on[0] : on, weights });
  });

  let lastActivity = t0;
  const pendingWork = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>) => {
    pendingWork.add(p);
    void p.finally(() => {
      pendingWork.delete(p);
      lastActivity = simNow();
    });
  };

  let mails = 0;
  world.notifier.on((m: OutboxMessage) => {
    mails++;
    if (outboxDir)
      writeFileSync(
        join(outboxDir, `${seed}-${String(mails).padStart(3, '0')}-${m.topic}.txt`),
        `Topic: ${m.topic}\nSubject: ${m.subject}\nDate: ${new Date(m.at).toISOString()}\n\n${m.body}\n`,
      );
    if (m.topic === 'approval') return;
    // A one-time code mailed to an approver is not an alert about the incident.
    if (m.topic === 'approver-code') return emit('approver-code', { subject: m.subject, recipient: m.attributes?.recipient, message: m.body });
    emit('alert', { topic: m.topic, subject: m.subject, message: m.body });
  });

  let approvalRequested = false;
  let estimatedRpoMs: number | null = null;
  const approvalUrls: string[] = [];
  let releaseRealTime: (() => void) | undefined;
  world.notifier.on((m) => {
    if (m.topic !== 'approval') return;
    approvalRequested = true;
    const url = m.body.split('\n').find((l) => l.startsWith(cp.approvalBaseUrl));
    if (url) approvalUrls.push(url);
    const record = [...world.approvals.records.values()].at(-1);
    estimatedRpoMs = record?.summary.estimatedRpoMs ?? null;
    emit('approval-requested', {
      url,
      estimatedRpoMs,
      rpoTargetMs: record?.summary.rpoTargetMs ?? null,
      rpoWithinTarget: record?.summary.rpoWithinTarget ?? null,
      expiresAt: record ? new Date(record.expiresAt).toISOString() : null,
      approver: approver.decision,
      incidentId: record?.incidentId ?? null,
      subject: m.subject,
      // The email as sent: a link, an expiry and the evidence; the task token never leaves the store.
      email: m.body,
    });
    if (!url) return;
    if (approver.decision === 'manual') {
      // A person is in the loop: from now on, virtual time follows real time until the request is settled.
      releaseRealTime ??= sim.holdRealTime();
      return;
    }
    if (approver.decision === 'none') return;
    const decision = approver.decision;
    const executionArn = record?.executionId;
    const principalArn = localApproverPrincipal(config.application, world.standby);
    const answer: () => Promise<{ status: number; by?: string }> =
      approver.via === 'iam' && executionArn
        ? // `drctl approve EXECUTION --accept-data-loss` as the region's approver role (IAM-authorized POST /decisions).
          () => approveAsIamPrincipal(cp, { executionArn, decision, principalArn, acceptDataLoss: true }).then((r) => ({ status: r.status, by: principalArn }))
        : () => answerApproval(world, url, decision, config.approval.approvers[0]).then((r) => ({ status: r.status }));
    track(
      sleep(approver.afterMs)
        .then(answer)
        .then(
          (r) => emit('approval-answered', { decision, httpStatus: r.status, ...(r.by ? { by: r.by, via: 'drctl approve' } : {}) }),
          (err: Error) => emit('approval-answered', { decision, error: err.message }),
        ),
    );
  });

  const operate = async (op: OperatorAction, i: number) => {
    emit('operator', { index: i, do: op.do, ...(op.reason ? { reason: op.reason } : {}) });
    if (op.do === 'redrive') {
      // RedriveExecution of the incident's execution, as `drctl redrive` does in AWS.
      const target = execution;
      if (!target) return emit('operator-failed', { index: i, do: op.do, reason: 'no execution to redrive' });
      try {
        target.redrive();
        emit('execution-redriven', { execution: target.name, redriveCount: target.redriveCount });
      } catch (err) {
        emit('operator-failed', { index: i, do: op.do, reason: `${(err as Error).name}: ${(err as Error).message}` });
      }
      return;
    }
    if (op.do === 'approve' || op.do === 'reject') {
      const url = approvalUrls.at(-1);
      if (!url) return emit('operator-failed', { index: i, do: op.do, reason: 'no approval has been requested' });
      const r = await answerApproval(world, url, op.do, config.approval.approvers[0], op.reason);
      return emit('approval-answered', { decision: op.do, httpStatus: r.status, by: 'operator' });
    }
    if (op.do === 'failover' || op.do === 'failback') {
      const to = op.do === 'failover' ? world.standby : world.primary;
      const from = to === world.primary ? world.standby : world.primary;
      const incidentId = `manual-${op.do}-${to}-${utcDay(simNow())}`;
      const input = {
        incidentId,
        direction: op.do,
        fromRegion: from,
        toRegion: to,
        trigger: { source: 'manual', at: new Date(simNow()).toISOString(), ...(op.reason ? { reason: op.reason } : {}) },
        dryRun: Boolean(opts.dryRun),
      };
      const machine = op.do === 'failover' ? cp.machine : cp.failbackMachine;
      const ex = machine.start(input, incidentId, op.do === 'failover' ? 'failover' : 'failback');
      emit('execution-started', { executionName: ex.name, executionArn: ex.id, region: to, alarms: [], by: 'operator' });
      watch(ex, 'operator', from);
      if (!execution && op.do === 'failover') {
        execution = ex;
        tTrigger = simNow();
      }
      track(ex.result);
    }
  };

  // Faults and operator actions at their AWS times.
  const applied: AppliedFault[] = [];
  const faults = new FaultInjector(world, detection);
  const at = (ms: number, fn: () => void | Promise<void>) => track(sleep(ms).then(fn));
  for (const [i, f] of sc.faults.entries()) {
    at(f.at, () => {
      const a = faults.apply(f);
      applied.push(a);
      emit('fault-injected', { index: i, kind: f.kind, detail: a.summary });
      if (f.for !== undefined) {
        at(f.for, () => {
          a.heal();
          emit('fault-healed', { index: i, kind: f.kind, detail: a.summary });
        });
      }
    });
  }
  for (const [i, op] of sc.operator.entries()) at(op.at, () => operate(op, i));

  emit('drill-started', {
    scenario: sc.name,
    description: sc.description,
    seed,
    approve: approver.via === 'iam' ? 'approve (drctl approve as the approver role)' : approver.decision,
    approvalMode: opts.approvalMode ?? config.approval.mode,
    dryRun: Boolean(opts.dryRun),
    regions: { primary: world.primary, standby: world.standby },
    faults: sc.faults.map((f) => ({ at: f.at, kind: f.kind })),
    approvalEndpoint: cp.approvalBaseUrl,
  });
  world.load.start();
  // Canaries run all the time, as deployed: by the time the first fault comes, the alarms are settled.
  detection.start();
  // So does each region's site-state reconciler (it fences an old primary that returns ACTIVE after a failover).
  const reconcilers = new LocalReconcilers(world, rng.fork('reconcilers'), (region, r) => {
    if ('error' in r) emit('reconciler', { region, error: r.error });
    else if (r.action !== 'consistent' && r.action !== 'skipped') emit('reconciler', { region, action: r.action, detail: r.detail });
  });
  reconcilers.start();

  // Run until everything scheduled has happened, no execution is running, and nothing has happened for `settle`.
  const running = () => allExecutions.some((ex) => !endedAt.has(ex.name));
  let gaveUp = false;
  for (;;) {
    await sleep(1_000);
    if (releaseRealTime && (!execution || endedAt.has(execution.name) || [...world.approvals.records.values()].every((r) => r.status !== 'PENDING'))) {
      releaseRealTime();
    }
    for (const t of endedAt.values()) lastActivity = Math.max(lastActivity, t);
    // A fault's healing is scheduled before the fault's own work settles, so nothing scheduled is ever missed here.
    if (pendingWork.size === 0 && !running() && simNow() - lastActivity >= sc.settle) break;
    if (simNow() - t0 > maxDurationMs) {
      gaveUp = true;
      break;
    }
  }
  releaseRealTime?.();
  await detection.stop();
  await reconcilers.stop();
  await world.heartbeats.stop();
  await world.load.stop();
  for (const ex of allExecutions) if (!endedAt.has(ex.name)) ex.stop();
  // Replication between live regions that is still in flight lands before the count, so lost means lost.
  for (
    let i = 0;
    i < 600 &&
    world.data.stores.some((s) => Object.values(s.byRegion).some((r) => !r.crashed && r.replicationBacklog > 0 && r.oldestUnshippedAt === undefined));
    i++
  ) {
    await sleep(1_000);
  }
  await cp.stop();

  const result = execution ? await execution.result : undefined;
  const outcome: Outcome = result ? outcomeOf(result, execution?.events) : 'NO_ACTION';
  // Detection is measured from the first fault that impairs what the observers watch (not a lag, a throttle or duplicates).
  const impairing = sc.faults.filter((f) => IMPAIRING.has(f.kind));
  const firstFault = impairing.length ? t0 + Math.min(...impairing.map((f) => f.at)) : null;
  const trigger = tTrigger as number | null;
  const exec = execution as LocalExecution | undefined;
  const shift = trigger === null ? undefined : world.router.applied.find((a) => a.at >= trigger && (a.weights[world.standby] ?? 0) > 0);
  const approvalWaitMs = approvalWait(exec?.events ?? []);
  const detectionMs = exec && firstFault !== null && trigger !== null ? trigger - firstFault : null;
  // From the execution's start to the traffic change made (ShiftTraffic done), less the time a person took.
  const shifted = exec?.events.find((e) => e.stateName === 'ShiftTraffic' && e.type === 'TaskStateExited');
  const controlPlaneMs = exec && shifted && trigger !== null ? shifted.timestamp - trigger - approvalWaitMs : null;
  const dt = world.load.downtime(firstFault ?? t0);
  const floor = firstFault === null ? null : physicalFloorMs(config, detection.firstRunAt, firstFault);
  const lost = world.load.acknowledgedBy(world.primary).filter((a) => !world.data.has(world.standby, a.id));
  const acknowledged = world.load.attempts.filter((a) => a.ok).length;
  const lostWrites = outcome === 'FAILED_OVER' ? lost.length : 0;
  const incomplete = exec ? reports.get(exec.name) : undefined;
  const plan = opts.dryRun ? collectPlan(exec?.events ?? []) : undefined;

  const invariants = checkInvariants(world, outcome, exec, result, shiftsOntoDown);
  const started = executionStarts.length;
  const byDetection = executionStarts.filter((s) => s.by === 'detection');
  // An incident is a region being failed over from: a later failover away from the other region (the new primary
  // died too) is a second incident, and must not be counted as a duplicate of the first.
  const perIncident = new Map<string, string[]>();
  for (const s of byDetection) perIncident.set(s.fromRegion, [...(perIncident.get(s.fromRegion) ?? []), s.name]);
  const duplicated = [...perIncident.entries()].filter(([, names]) => names.length > 1);
  invariants.push({
    name: 'one-execution-per-incident',
    held: duplicated.length === 0,
    detail:
      duplicated.length === 0
        ? `${byDetection.length} execution(s) started by detection, ${perIncident.size} incident(s)`
        : duplicated.map(([from, names]) => `${names.length} executions failing over from ${from}: ${names.join(', ')}`).join('; '),
  });
  const early = byDetection.filter((s) => firstFault === null || s.at < firstFault);
  invariants.push({
    name: 'no-execution-before-fault',
    held: early.length === 0,
    detail:
      early.length === 0
        ? 'every execution started after the first fault'
        : `${early.map((e) => `${e.name} at +${e.at - t0} ms`).join(', ')} started before any fault`,
  });
  const figures: Record<string, number | null> = { detectionMs, controlPlaneMs, approvalWaitMs, downtimeMs: dt.ms, theoreticalMinMs: floor?.floorMs ?? null };
  const negative = Object.entries(figures).filter(([, v]) => v !== null && !(Number.isFinite(v) && v >= 0));
  invariants.push({
    name: 'measurements-valid',
    held: negative.length === 0,
    detail: negative.length === 0 ? 'no negative or non-finite figure' : negative.map(([k, v]) => `${k}=${v}`).join(', '),
  });
  invariants.push({
    name: 'drill-finished',
    held: !gaveUp,
    detail: gaveUp ? `still running after ${maxDurationMs / 60_000} min of AWS time` : 'everything scheduled happened and settled',
  });
  // Clients must be served again once traffic moved, as long as the region they moved to is itself healthy at the end.
  const standbyHealthy = world.apps[world.standby].fault === 'none' && !world.darkRegions.has(world.standby);
  if (shift && outcome === 'FAILED_OVER' && standbyHealthy && !dt.recovered) {
    invariants.push({ name: 'clients-recovered', held: false, detail: 'traffic moved to a healthy standby but clients never wrote successfully again' });
  }

  const expected = effectiveExpect(sc, config, {
    decision: approver.decision,
    dryRun: Boolean(opts.dryRun),
    approvalModeOverride: opts.approvalMode !== undefined,
  });
  const alertSubjects = world.notifier.outbox.filter((m) => m.topic !== 'approval' && m.topic !== 'approver-code').map((m) => m.subject);
  const expectations = checkExpectations(expected, config, {
    outcome,
    executions: started,
    activeRegion: world.servingRegion,
    lostWrites,
    approvalRequested,
    detectionMs,
    downtimeMs: dt.ms,
    estimatedRpoMs,
    alertSubjects,
  });
  const matched = expectations.every((c) => c.matched);

  return {
    type: 'summary',
    scenario: sc.name,
    seed,
    outcome,
    executions: started,
    executionName: exec?.name ?? null,
    detectionMs,
    controlPlaneMs,
    approvalWaitMs,
    approvalRequested,
    estimatedRpoMs,
    downtimeMs: dt.ms,
    theoreticalMinMs: floor?.floorMs ?? null,
    faultPhaseMs: floor?.phaseMs ?? null,
    lostWrites,
    acknowledgedWrites: acknowledged,
    maxPayloadBytes: Math.max(0, ...allExecutions.map((e) => e.history.maxPayloadBytes)),
    route53ApiCalls: world.router.dnsApiCalls,
    activeRegion: world.servingRegion,
    ...(outcome === 'INCOMPLETE'
      ? { completedSteps: incomplete?.completedSteps ?? [], remainingSteps: incomplete?.remainingSteps ?? POST_APPROVAL_STEPS.map((s) => s.state) }
      : {}),
    ...(plan ? { plan } : {}),
    ...(result && result.status !== 'SUCCEEDED' ? { error: result.error, cause: result.cause } : {}),
    expected,
    expectations,
    matched,
    invariants,
    invariantsHeld: invariants.every((i) => i.held),
    durationMs: simNow() - t0,
    history: [...(exec?.events ?? [])],
    outboxDir,
  };
}

interface Observed {
  readonly outcome: Outcome;
  readonly executions: number;
  readonly activeRegion: string | null;
  readonly lostWrites: number;
  readonly approvalRequested: boolean;
  readonly detectionMs: number | null;
  readonly downtimeMs: number;
  readonly estimatedRpoMs: number | null;
  readonly alertSubjects: readonly string[];
}

/** One check per key of `expect`; a figure that was not measured never meets a bound. */
export function checkExpectations(e: Expectation, config: DrConfig, o: Observed): ExpectationCheck[] {
  const out: ExpectationCheck[] = [];
  const add = (key: string, expected: unknown, actual: unknown, matched: boolean) => out.push({ key, expected, actual, matched });
  if (e.outcome !== undefined) add('outcome', e.outcome, o.outcome, o.outcome === e.outcome);
  if (e.executions !== undefined) add('executions', e.executions, o.executions, o.executions === e.executions);
  if (e.activeRegion !== undefined) {
    const want = e.activeRegion === null ? null : resolveRegion(e.activeRegion, config, 'expect.activeRegion');
    add('activeRegion', want, o.activeRegion, o.activeRegion === want);
  }
  if (e.maxLostWrites !== undefined) add('maxLostWrites', e.maxLostWrites, o.lostWrites, o.lostWrites <= e.maxLostWrites);
  if (e.approvalRequested !== undefined) add('approvalRequested', e.approvalRequested, o.approvalRequested, o.approvalRequested === e.approvalRequested);
  if (e.maxDetection !== undefined) add('maxDetection', e.maxDetection, o.detectionMs, o.detectionMs !== null && o.detectionMs <= e.maxDetection);
  if (e.maxDowntime !== undefined) add('maxDowntime', e.maxDowntime, o.downtimeMs, o.downtimeMs <= e.maxDowntime);
  if (e.minEstimatedRpo !== undefined)
    add('minEstimatedRpo', e.minEstimatedRpo, o.estimatedRpoMs, o.estimatedRpoMs !== null && o.estimatedRpoMs >= e.minEstimatedRpo);
  for (const subject of e.alerts ?? []) {
    const hit = o.alertSubjects.find((s) => s.toLowerCase().includes(subject.toLowerCase()));
    add(`alerts: "${subject}"`, subject, hit ?? null, hit !== undefined);
  }
  return out;
}

function approvalWait(events: readonly HistoryEvent[]): number {
  const entered = events.find((e) => e.stateName === 'RequestApproval' && e.type === 'TaskStateEntered');
  if (!entered) return 0;
  const left = events.find((e) => e.stateName === 'RequestApproval' && (e.type === 'TaskStateExited' || e.type === 'TaskFailed'));
  return (left?.timestamp ?? simNow()) - entered.timestamp;
}

/** Every mutating step's planned changes, from their outputs. */
function collectPlan(events: readonly HistoryEvent[]): string[] {
  const plan: string[] = [];
  for (const e of events) {
    if (e.type !== 'TaskStateExited' || !e.output || typeof e.output !== 'object') continue;
    const steps = (e.output as { steps?: Record<string, unknown> }).steps ?? {};
    const key = POST_APPROVAL_STEPS.find((s) => s.state === e.stateName)?.key;
    const r = key ? steps[key] : undefined;
    if (r && typeof r === 'object' && Array.isArray((r as { plan?: unknown }).plan)) plan.push(...(r as { plan: string[] }).plan);
  }
  for (const e of events) {
    // ScaleStandby's plan (pilot light / warm standby) comes back inside PrepareStandby's output.
    const scale =
      e.type.endsWith('StateExited') && e.stateName === 'PrepareStandby'
        ? (e.output as { prepare?: { scale?: { plan?: unknown } } } | undefined)?.prepare?.scale
        : undefined;
    if (scale && Array.isArray(scale.plan)) plan.push(...(scale.plan as string[]));
  }
  for (const e of events) {
    if (e.type === 'TaskStateExited' && e.stateName === 'PromoteStore' && e.output && Array.isArray((e.output as { plan?: unknown }).plan)) {
      plan.push(...(e.output as { plan: string[] }).plan);
    }
  }
  return plan;
}

function checkInvariants(
  world: LocalWorld,
  outcome: Outcome,
  execution: LocalExecution | undefined,
  result: ExecutionResult | undefined,
  shiftsOntoDown: readonly string[],
): Invariant[] {
  // Who would write now: a region that is down takes no writes, and one whose SSM is gone stands down by itself.
  const writers = Object.values(world.apps)
    .filter((a) => a.acceptsWrites())
    .map((a) => a.region);
  const invariants: Invariant[] = [
    {
      name: 'at-most-one-writer',
      held: world.config.traffic.strategy === 'active-active' || writers.length <= 1,
      detail: `regions accepting writes: ${writers.join(', ') || 'none'}`,
    },
    {
      name: 'execution-terminal',
      held: !execution || (result !== undefined && result.status !== 'ABORTED'),
      detail: result ? `${result.status}${result.error ? ` (${result.error})` : ''}` : 'no execution started',
    },
  ];
  if (execution) {
    const alerts = world.notifier.outbox.filter((m) => m.topic !== 'approval' && m.topic !== 'approver-code').length;
    // With the SNS API down no alert can leave; the run must then say so rather than pretend one was sent.
    const snsRefused = [...world.apis.refused.entries()].filter(([k]) => k.startsWith('sns@')).reduce((n, [, v]) => n + v, 0);
    invariants.push({
      name: 'alert-sent',
      held: alerts > 0 || snsRefused > 0,
      detail:
        alerts > 0
          ? `${alerts} alert(s) published`
          : snsRefused > 0
            ? `no alert could be published: the SNS API refused ${snsRefused} call(s)`
            : 'no alert published',
    });
  }
  if (outcome === 'FAILED_OVER') {
    invariants.push({
      name: 'traffic-on-standby',
      held: world.servingRegion === world.standby && world.apps[world.standby].siteState === 'ACTIVE',
      detail: `serving ${world.servingRegion}, ${world.standby} is ${world.apps[world.standby].siteState}`,
    });
  } else if (outcome !== 'INCOMPLETE') {
    invariants.push({ name: 'traffic-unchanged', held: world.servingRegion === world.primary, detail: `serving ${world.servingRegion}` });
  }
  if (world.config.traffic.strategy === 'arc-routing-control') {
    // Failure mode 4: with ARC, the failover path must not need the Route 53 control plane at all.
    invariants.push({ name: 'zero-route53-api-calls', held: world.router.dnsApiCalls === 0, detail: `${world.router.dnsApiCalls} Route 53 API call(s)` });
  }
  invariants.push({
    name: 'never-shift-to-unhealthy',
    held: shiftsOntoDown.length === 0,
    detail:
      shiftsOntoDown.length === 0
        ? 'traffic never moved onto a region that was down'
        : `traffic moved onto a region that was down: ${shiftsOntoDown.join(', ')}`,
  });
  return invariants;
}
