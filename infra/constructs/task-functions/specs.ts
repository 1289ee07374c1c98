import { LAMBDA_TIMEOUT_SECONDS } from '../../../config/lambda-timeouts';

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

/**
 * Every task function, in one place and as plain data (no CDK types), so it can be derived from a step registry
 * later without touching the factory or the grants.
 */
export const TASK_FUNCTION_SPECS = {
  healthChecker: { id: 'HealthChecker', dir: 'health-checker', description: 'Assesses both regions from independent signals (AssessHealth, VerifyRecovery)', timeoutSeconds: LAMBDA_TIMEOUT_SECONDS['health-checker'] },
  trafficRouter: { id: 'TrafficRouter', dir: 'traffic-router', description: 'Moves the global name to the standby (ShiftTraffic)', timeoutSeconds: LAMBDA_TIMEOUT_SECONDS['traffic-router'] },
  failoverOrchestrator: { id: 'FailoverOrchestrator', dir: 'failover-orchestrator', description: 'Fences, scales, promotes and activates (idempotent steps)', timeoutSeconds: LAMBDA_TIMEOUT_SECONDS['failover-orchestrator'] },
  dataConsistencyValidator: { id: 'DataConsistencyValidator', dir: 'data-consistency-validator', description: 'Estimates data at risk before approval and validates after failover', timeoutSeconds: LAMBDA_TIMEOUT_SECONDS['data-consistency-validator'] },
  approvalRequest: { id: 'ApprovalRequest', dir: 'approval-request', description: 'Stores the task token under a random id and emails a signed link (RequestApproval)', timeoutSeconds: LAMBDA_TIMEOUT_SECONDS['approval-request'] },
  approvalCallback: { id: 'ApprovalCallback', dir: 'approval-callback', description: 'Serves the approval page and answers the waiting task', timeoutSeconds: LAMBDA_TIMEOUT_SECONDS['approval-callback'] },
  alarmTrigger: { id: 'AlarmTrigger', dir: 'alarm-trigger', description: 'Starts one failover per incident when a quorum of detection alarms agree (its IAM: infra/constructs/detection.ts)', timeoutSeconds: LAMBDA_TIMEOUT_SECONDS['alarm-trigger'] },
  // Under the one-minute schedule, so runs do not pile up; two bounded SSM reads in parallel, a write, a publish.
  siteStateReconciler: {
    id: 'SiteStateReconciler',
    dir: 'site-state-reconciler',
    description: 'Every minute: sets this region PASSIVE when both regions are ACTIVE and this one is the older (its IAM: infra/constructs/site-state-reconciler.ts)',
    timeoutSeconds: LAMBDA_TIMEOUT_SECONDS['site-state-reconciler'],
  },
  failureReporter: {
    id: 'FailureReporter',
    dir: 'failure-reporter',
    description: 'Reports every failover or failback execution that stops FAILED, TIMED_OUT or ABORTED: done and remaining steps, how to redrive',
    timeoutSeconds: LAMBDA_TIMEOUT_SECONDS['failure-reporter'],
  },
  // One run writes for a minute and one heartbeat interval, then returns: the timeout leaves room for a slow last write.
  replicationHeartbeat: {
    id: 'ReplicationHeartbeat',
    dir: 'replication-heartbeat',
    description: "Every minute: writes this region's replication heartbeat into each replicated table and bucket every few seconds (its IAM: infra/constructs/replication-heartbeat.ts)",
    timeoutSeconds: LAMBDA_TIMEOUT_SECONDS['replication-heartbeat'],
    // It waits on a few small writes a few seconds apart, around the clock in both regions: the least memory is plenty.
    memorySize: 128,
  },
} as const satisfies Record<string, TaskFunctionSpec>;
