/**
 * The alert for an execution that ended FAILED, TIMED_OUT or ABORTED, whatever ended it. In AWS an EventBridge rule
 * on "Step Functions Execution Status Change" publishes BODY_TEMPLATE through an input transformer
 * (infra/constructs/execution-failure-alerts.ts); the drill builds the same text with `executionStatusAlert`, so
 * both say the same thing. Pure: no SDK, nothing but the template and the event.
 */

/** The statuses the rule matches: an execution that ended without its own success or failure alert running. */
export const ALERTED_EXECUTION_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;

export const EXECUTION_STATUS_CHANGE = { source: 'aws.states', detailType: 'Step Functions Execution Status Change' } as const;

/** The event fields the alert uses; the transformer's input paths are `$.detail.<field>`. */
export const ALERT_FIELDS = ['name', 'status', 'executionArn', 'stateMachineArn'] as const;
export type AlertField = (typeof ALERT_FIELDS)[number];

/**
 * The alert text with `<field>` placeholders, as EventBridge input templates write them. An EventBridge SNS target
 * sets the message only, so the first line is the headline (the subject the drill uses).
 */
export const BODY_TEMPLATE = [
  'DR: execution <name> ended <status>',
  '',
  'Execution: <executionArn>',
  'State machine: <stateMachineArn>',
  '',
  'What to do: this execution stopped without finishing its own workflow (a step that failed after its retries, an ' +
    'error no Catch can handle such as States.DataLimitExceeded, the execution timing out, or someone stopping it); the ' +
    'failure reporter follows with the steps done and to do. ' +
    'Run `drctl history <executionArn>` (or open it in the Step Functions console) to see the last step it reached, ' +
    'and `drctl status` to see which region is ACTIVE and where traffic goes; steps before the last one are done. ' +
    'Fix the cause, then redrive the execution or run `drctl failover` again.',
].join('\n');

/** The line the drill files the alert under; the first line of the body. */
export const SUBJECT_TEMPLATE = BODY_TEMPLATE.slice(0, BODY_TEMPLATE.indexOf('\n'));

/** An EventBridge event as Step Functions sends it (only the fields the alert reads are required). */
export interface ExecutionStatusChangeEvent {
  readonly source?: string;
  readonly 'detail-type'?: string;
  readonly detail: {
    readonly executionArn: string;
    readonly stateMachineArn: string;
    readonly name: string;
    readonly status: string;
    readonly [other: string]: unknown;
  };
}

/** Fills `<field>` placeholders from the event's detail, as the input transformer does. */
export function fillTemplate(template: string, detail: Readonly<Record<AlertField, string>>): string {
  return template.replace(/<(name|status|executionArn|stateMachineArn)>/g, (_m, field: AlertField) => detail[field]);
}

/**
 * The alert the rule publishes for `event`, or null when the rule would not match it (another source or detail
 * type, or a status that is not FAILED, TIMED_OUT or ABORTED). The rule also matches only this stack's two state
 * machines; a caller with other state machines checks `detail.stateMachineArn` itself.
 */
export function executionStatusAlert(event: ExecutionStatusChangeEvent): { subject: string; body: string } | null {
  if (event.source !== undefined && event.source !== EXECUTION_STATUS_CHANGE.source) return null;
  if (event['detail-type'] !== undefined && event['detail-type'] !== EXECUTION_STATUS_CHANGE.detailType) return null;
  if (!(ALERTED_EXECUTION_STATUSES as readonly string[]).includes(event.detail.status)) return null;
  const detail = {
    name: event.detail.name,
    status: event.detail.status,
    executionArn: event.detail.executionArn,
    stateMachineArn: event.detail.stateMachineArn,
  };
  return { subject: fillTemplate(SUBJECT_TEMPLATE, detail), body: fillTemplate(BODY_TEMPLATE, detail) };
}
