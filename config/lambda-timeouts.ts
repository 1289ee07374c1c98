/**
 * Each function's configured timeout in seconds, by function folder: what infra/constructs/task-functions/specs.ts deploys
 * (a test holds the two together) and what the local runtime enforces with Sandbox.Timedout.
 */
export const LAMBDA_TIMEOUT_SECONDS = {
  'health-checker': 90,
  'traffic-router': 270,
  'failover-orchestrator': 840,
  'data-consistency-validator': 840,
  'approval-request': 30,
  'approval-callback': 25,
  'alarm-trigger': 30,
  'site-state-reconciler': 50,
  'failure-reporter': 60,
  // One run writes for a minute and one heartbeat interval (at most 60 s): functions/replication-heartbeat.
  'replication-heartbeat': 150,
} as const satisfies Record<string, number>;
