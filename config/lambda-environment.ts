// Lives beside the config schema because both the CDK constructs (which set these variables) and the
// Lambda handlers (which read them) depend on it, and neither may import the other.
/**
 * The environment contract between the CDK constructs (which set these) and the Lambda handlers
 * (which read them once, at first invocation). Keep both sides on these names.
 */
export const LAMBDA_ENV = {
  /** The region this copy of the control plane runs in (it only ever activates this region). */
  controlPlaneRegion: 'CONTROL_PLANE_REGION',
  alertTopicArn: 'ALERT_TOPIC_ARN',
  escalationTopicArn: 'ESCALATION_TOPIC_ARN',
  approvalTopicArn: 'APPROVAL_TOPIC_ARN',
  /** approval-callback only: one-time codes, each delivered only to the approver it names (docs/adr/0017). */
  approverCodeTopicArn: 'APPROVER_CODE_TOPIC_ARN',
  /** approval-callback only: comma-separated names of the IAM roles (in the API's account) whose sessions may decide through POST /decisions. */
  approverRoleNames: 'APPROVER_ROLE_NAMES',
  approvalsTable: 'APPROVALS_TABLE',
  auditTable: 'AUDIT_TABLE',
  incidentLockTable: 'INCIDENT_LOCK_TABLE',
  signingSecretArn: 'SIGNING_SECRET_ARN',
  approvalBaseUrl: 'APPROVAL_BASE_URL',
  /** SSM parameter path prefix; the site state of region R is `${prefix}/${R}` in region R. */
  siteStateParameterPrefix: 'SITE_STATE_PARAMETER_PREFIX',
  /** CloudWatch alarm name prefix of the detection alarms the health-checker reads. */
  alarmNamePrefix: 'ALARM_NAME_PREFIX',
  stateMachineArn: 'STATE_MACHINE_ARN',
  /** Powertools idempotency records of the state-changing steps (key: execution + step + store). */
  idempotencyTable: 'IDEMPOTENCY_TABLE',
  /** Scratch space of the segmented data comparison (parts expire by TTL). */
  comparisonTable: 'COMPARISON_TABLE',
} as const;
