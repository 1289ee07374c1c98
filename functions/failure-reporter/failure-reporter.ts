import * as z from 'zod';
import type { DrConfig } from '../../config/schema';
import { STEPS } from '../../config/steps';
import { describeIncomplete } from '../failover-orchestrator/failover-orchestrator';
import { clip } from '../shared/bounded';
import { InvalidInputError } from '../shared/errors';
import type { AuditLog, Clock, Notifier } from '../shared/ports';
import { POST_APPROVAL_STEPS } from '../shared/workflow';

/**
 * Every execution that ends FAILED, TIMED_OUT or ABORTED is reported, whatever ended it: a step that failed after
 * its retries (the execution stops AT that step, so RedriveExecution resumes there), a failure no Catch can handle
 * (States.DataLimitExceeded, the history limit), a timeout or a StopExecution. The trigger is EventBridge's
 * "Step Functions Execution Status Change" event, so nothing inside the workflow can bypass it.
 */

/** What an execution's history says about how it ended (GetExecutionHistory, newest first, in AWS). */
export interface ExecutionFailureContext {
  readonly status: 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  readonly error?: string;
  readonly cause?: string;
  /** The top-level state it stopped in, and that state's type (a Fail state already notified its own alert). */
  readonly failedState?: string;
  readonly failedStateType?: string;
  /** The workflow state when it stopped: the input of that top-level state (carries `steps` done so far). */
  readonly stateInput?: Record<string, unknown>;
  readonly redriveCount: number;
}

/** Reads how an execution ended. AWS: GetExecutionHistory; the drill: the local history. */
export interface ExecutionFailureReader {
  read(executionArn: string): Promise<ExecutionFailureContext>;
}

export interface FailureReporterDeps {
  readonly config: DrConfig;
  readonly reader: ExecutionFailureReader;
  readonly notifier: Notifier;
  readonly audit: AuditLog;
  readonly clock: Clock;
}

export interface FailureReport {
  /** incomplete: it stopped after changing something; failed: before any change; notified: a Fail state the workflow alerted on itself. */
  readonly kind: 'incomplete' | 'failed' | 'notified' | 'ignored';
  readonly executionArn: string;
  readonly subject?: string;
  readonly failedState?: string;
  readonly completedSteps?: string[];
  readonly remainingSteps?: string[];
  readonly error?: string;
  readonly summary: string;
}

const statusChangeSchema = z.object({
  'detail-type': z.literal('Step Functions Execution Status Change'),
  source: z.literal('aws.states'),
  detail: z.object({
    executionArn: z.string().startsWith('arn:'),
    name: z.string().min(1).max(80),
    status: z.string(),
    stateMachineArn: z.string().optional(),
  }),
});

const STOPPED = new Set(['FAILED', 'TIMED_OUT', 'ABORTED']);
const CAUSE_MAX = 2_000;

export async function reportExecutionFailure(event: unknown, deps: FailureReporterDeps): Promise<FailureReport> {
  const parsed = statusChangeSchema.safeParse(event);
  if (!parsed.success) {
    throw new InvalidInputError(
      `Not a Step Functions Execution Status Change event: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ')}`,
    );
  }
  const { executionArn, name, status } = parsed.data.detail;
  if (!STOPPED.has(status)) return { kind: 'ignored', executionArn, summary: `status ${status}: nothing to report` };
  const ctx = await deps.reader.read(executionArn);
  const app = deps.config.application;
  const error = ctx.error ?? (ctx.status === 'TIMED_OUT' ? 'States.Timeout' : ctx.status === 'ABORTED' ? 'ExecutionAborted' : 'Error');
  const cause = clip(ctx.cause ?? 'no cause given', CAUSE_MAX);
  const at = new Date(deps.clock.now()).toISOString();
  const incidentId = typeof ctx.stateInput?.incidentId === 'string' ? ctx.stateInput.incidentId : name;

  let report: FailureReport;
  if (ctx.status === 'FAILED' && ctx.failedStateType === 'Fail') {
    // Refused, rejected, timed out, aborted before any change: the workflow published its own alert on the way there.
    report = {
      kind: 'notified',
      executionArn,
      failedState: ctx.failedState,
      error,
      summary: `${name} ended in ${ctx.failedState} (${error}); the workflow alerted on it itself.`,
    };
  } else {
    const state = ctx.stateInput ?? {};
    const started =
      POST_APPROVAL_STEPS.some((s) => (state.steps as Record<string, unknown> | undefined)?.[s.key] !== undefined) ||
      POST_APPROVAL_STEPS.some((s) => s.state === ctx.failedState);
    if (started) {
      const r = describeIncomplete({ ...state, error: { Error: error, Cause: cause } });
      const subject = `DR ${app}: failover INCOMPLETE at ${ctx.failedState ?? r.failedStep}, action needed`;
      report = {
        kind: 'incomplete',
        executionArn,
        subject,
        failedState: ctx.failedState ?? r.failedStep,
        completedSteps: r.completedSteps,
        remainingSteps: r.remainingSteps,
        error,
        summary: `${r.summary} Redrive: drctl redrive ${name} (it resumes at ${ctx.failedState ?? r.failedStep}; redriven ${ctx.redriveCount} time(s) so far).`,
      };
    } else {
      const subject = `DR ${app}: ${ctx.status === 'FAILED' ? 'failover FAILED' : `failover ${ctx.status}`} before any change`;
      report = {
        kind: 'failed',
        executionArn,
        subject,
        failedState: ctx.failedState,
        error,
        summary: `Execution ${name} ${ctx.status} in ${ctx.failedState ?? 'an unknown state'} (${error}: ${cause}). Nothing was changed: traffic and site states are as they were. Fix the cause, then redrive (drctl redrive ${name}) or start a new failover.`,
      };
    }
    await deps.notifier.publish({
      topic: 'escalation',
      subject: report.subject ?? `DR ${app}: execution ${name} ${ctx.status}`,
      body: [`Incident ${incidentId}, execution ${executionArn}.`, report.summary].join('\n'),
      attributes: { severity: 'CRITICAL', application: app },
    });
  }
  await deps.audit.record({
    incidentId,
    executionId: executionArn,
    step: STEPS.failureReporter.auditStep,
    outcome: report.kind.toUpperCase(),
    detail: report,
    at,
  });
  return report;
}
