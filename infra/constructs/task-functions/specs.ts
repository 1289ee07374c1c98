import { LAMBDA_TIMEOUT_SECONDS } from '../../../config/lambda-timeouts';
import { STEPS, type StepKey } from '../../../config/steps';

/** What makes one task function different from the others; everything else is the shared factory's (bundled-function.ts). */
export interface TaskFunctionSpec {
  /** Construct id, so the stable part of the logical ids (`<id>`, `<id>Logs`, `<id>ServiceRole...`). */
  readonly id: string;
  /** Folder under `functions/` holding `handler.ts`. */
  readonly dir: string;
  readonly description: string;
  /**
   * Kept under the ASL task's TimeoutSeconds so a slow run surfaces as a Lambda error, which Retry can see. From
   * config/lambda-timeouts.ts, which the local runtime enforces too.
   */
  readonly timeoutSeconds: number;
  /** @default the TaskFunctions construct's memorySize */
  readonly memorySize?: number;
}

/** What the step registry does not say about a function: its description, and memory when it differs. */
type SpecDetails = Omit<TaskFunctionSpec, 'id' | 'dir' | 'timeoutSeconds'>;

const DETAILS: Record<StepKey, SpecDetails> = {
  healthChecker: { description: 'Assesses both regions from independent signals (AssessHealth, VerifyRecovery)' },
  trafficRouter: { description: 'Moves the global name to the standby (ShiftTraffic)' },
  failoverOrchestrator: { description: 'Fences, scales, promotes and activates (idempotent steps)' },
  dataConsistencyValidator: { description: 'Estimates data at risk before approval and validates after failover' },
  approvalRequest: { description: 'Stores the task token under a random id and emails a signed link (RequestApproval)' },
  approvalCallback: { description: 'Serves the approval page and answers the waiting task' },
  alarmTrigger: { description: 'Starts one failover per incident when a quorum of detection alarms agree (its IAM: infra/constructs/detection.ts)' },
  // Under the one-minute schedule, so runs do not pile up; two bounded SSM reads in parallel, a write, a publish.
  siteStateReconciler: {
    description:
      'Every minute: sets this region PASSIVE when both regions are ACTIVE and this one is the older (its IAM: infra/constructs/site-state-reconciler.ts)',
  },
  failureReporter: {
    description: 'Reports every failover or failback execution that stops FAILED, TIMED_OUT or ABORTED: done and remaining steps, how to redrive',
  },
  // One run writes for a minute and one heartbeat interval, then returns: the timeout leaves room for a slow last write.
  replicationHeartbeat: {
    description:
      "Every minute: writes this region's replication heartbeat into each replicated table and bucket every few seconds (its IAM: infra/constructs/replication-heartbeat.ts)",
    // It waits on a few small writes a few seconds apart, around the clock in both regions: the least memory is plenty.
    memorySize: 128,
  },
};

/**
 * Every task function, keyed like the step registry (config/steps.ts), which gives its construct id and folder;
 * the timeout is the one the local runtime enforces too (config/lambda-timeouts.ts).
 */
export const TASK_FUNCTION_SPECS = Object.fromEntries(
  Object.values(STEPS).map((step) => [
    step.key,
    {
      id: step.constructId,
      dir: step.folder,
      timeoutSeconds: LAMBDA_TIMEOUT_SECONDS[step.folder as keyof typeof LAMBDA_TIMEOUT_SECONDS],
      ...DETAILS[step.key],
    },
  ]),
) as Readonly<Record<StepKey, TaskFunctionSpec>>;
