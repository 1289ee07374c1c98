import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ALERT_FIELDS, ALERTED_EXECUTION_STATUSES, BODY_TEMPLATE, EXECUTION_STATUS_CHANGE } from '../../functions/shared/execution-status-alert';
import { controlPlaneAlarmName } from '../../config/resource-names';

export interface WatchedStateMachine {
  /** Short name in alarm names and descriptions, e.g. `failover`. */
  readonly label: string;
  readonly stateMachine: sfn.IStateMachine;
}

export interface ExecutionFailureAlertsProps {
  /** The state machines whose executions must never end without an alert. */
  readonly stateMachines: readonly WatchedStateMachine[];
  /**
   * Receives the rule's alert and the alarms' actions. Encrypted with a key defined in this app: the construct adds
   * EventBridge to its key policy (through the topic's publish grant).
   */
  readonly alertTopic: sns.ITopic;
  /** Hears when an alert could not be delivered to the alert topic (the alert topic may be what is broken). */
  readonly escalationTopic: sns.ITopic;
  /**
   * Also invoked with each such event: reads where the execution stopped and escalates with the steps done and to do.
   * @default none (the alert topic's text and the alarms only)
   */
  readonly reporter?: lambda.IFunction;
  /** Prefix of the alarm names (the app's alarms share one prefix). */
  readonly alarmNamePrefix: string;
  /**
   * How long EventBridge keeps retrying a failed delivery before the event goes to the dead-letter queue.
   *
   * @default Duration.hours(24) (EventBridge's maximum)
   */
  readonly maxEventAge?: Duration;
}

/** The CloudWatch metrics, each counting executions that ended one way (namespace AWS/States, per state machine). */
const ALARMED_METRICS = [
  { id: 'Failed', suffix: 'executions-failed', metric: (sm: sfn.IStateMachine, p: cloudwatch.MetricOptions) => sm.metricFailed(p) },
  { id: 'TimedOut', suffix: 'executions-timed-out', metric: (sm: sfn.IStateMachine, p: cloudwatch.MetricOptions) => sm.metricTimedOut(p) },
  { id: 'Aborted', suffix: 'executions-aborted', metric: (sm: sfn.IStateMachine, p: cloudwatch.MetricOptions) => sm.metricAborted(p) },
] as const;

/**
 * Failure alerting that nothing inside a workflow can bypass. The workflows alert at every stage themselves, but an
 * execution can end where no state of its own runs: `States.DataLimitExceeded` is not caught by `States.ALL`, and a
 * timeout or StopExecution ends it from outside. Two independent paths report such an end to the alert topic:
 * - an EventBridge rule on "Step Functions Execution Status Change" (FAILED, TIMED_OUT, ABORTED) with the execution,
 *   its status and what to do, the same text the drill builds (functions/shared/execution-status-alert.ts); these
 *   events are delivered on a best-effort basis, so undelivered ones land in a dead-letter queue, and
 * - CloudWatch alarms on ExecutionsFailed, ExecutionsTimedOut and ExecutionsAborted per state machine.
 * (An INCOMPLETE or REFUSED failover also ends FAILED, through its Fail state: its own escalation went out first,
 * and this is the second word on it.)
 */
export class ExecutionFailureAlerts extends Construct {
  readonly rule: events.Rule;
  readonly deadLetterQueue: sqs.Queue;
  /** Three per state machine, in the order of `stateMachines`. */
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: ExecutionFailureAlertsProps) {
    super(scope, id);
    if (props.stateMachines.length === 0) throw new Error(`${this.node.path}: needs at least one state machine`);

    this.deadLetterQueue = new sqs.Queue(this, 'UndeliveredAlerts', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    // Each `<field>` of the shared template becomes an input path of the transformer, so the text is the template's.
    const text = ALERT_FIELDS.reduce((t, field) => t.split(`<${field}>`).join(events.EventField.fromPath(`$.detail.${field}`)), BODY_TEMPLATE);
    this.rule = new events.Rule(this, 'Rule', {
      description: 'An execution of the DR workflows ended FAILED, TIMED_OUT or ABORTED: alert, whatever ended it',
      eventPattern: {
        source: [EXECUTION_STATUS_CHANGE.source],
        detailType: [EXECUTION_STATUS_CHANGE.detailType],
        detail: { status: [...ALERTED_EXECUTION_STATUSES], stateMachineArn: props.stateMachines.map((s) => s.stateMachine.stateMachineArn) },
      },
    });
    // The publish grant (topic policy and key policy for events.amazonaws.com) comes with the target.
    this.rule.addTarget(
      new targets.SnsTopic(props.alertTopic, {
        message: events.RuleTargetInput.fromText(text),
        deadLetterQueue: this.deadLetterQueue,
        maxEventAge: props.maxEventAge ?? Duration.hours(24),
        retryAttempts: 185,
      }),
    );
    if (props.reporter) {
      this.rule.addTarget(
        new targets.LambdaFunction(props.reporter, {
          deadLetterQueue: this.deadLetterQueue,
          maxEventAge: props.maxEventAge ?? Duration.hours(24),
          retryAttempts: 185,
        }),
      );
    }
    // The grant names only the service, which would let rules in any account publish alerts here: EventBridge
    // sends the rule's account as aws:SourceAccount, so anything but this account is refused.
    props.alertTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyEventBridgeRulesOfOtherAccounts',
        effect: iam.Effect.DENY,
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [props.alertTopic.topicArn],
        conditions: { StringNotEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );

    for (const { label, stateMachine } of props.stateMachines) {
      for (const m of ALARMED_METRICS) {
        const alarm = new cloudwatch.Alarm(this, `${label}-${m.id}`, {
          alarmName: controlPlaneAlarmName(props.alarmNamePrefix, `${label}-${m.suffix}`),
          alarmDescription:
            `An execution of the ${label} workflow ended ${m.id === 'Failed' ? 'FAILED' : m.id === 'TimedOut' ? 'TIMED_OUT' : 'ABORTED'}. ` +
            'Find it with `drctl status`, see where it stopped with `drctl history <execution>`, fix the cause, then redrive it or start a new one.',
          metric: m.metric(stateMachine, { period: Duration.minutes(1), statistic: cloudwatch.Stats.SUM }),
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          // No executions, no datapoints: that is the normal state.
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
        alarm.addAlarmAction(new actions.SnsAction(props.alertTopic));
        // Every alarm of the control plane says when it clears too (failure mode 16's rule).
        alarm.addOkAction(new actions.SnsAction(props.alertTopic));
        this.alarms.push(alarm);
      }
    }

    const undelivered = new cloudwatch.Alarm(this, 'UndeliveredAlertsAlarm', {
      alarmName: controlPlaneAlarmName(props.alarmNamePrefix, 'execution-alerts-undelivered'),
      alarmDescription:
        'EventBridge could not publish an execution failure alert to the alert topic: read the dead-letter queue, then the topic and key policies.',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // The alert topic (or its policies) may be what failed, so this goes to the escalation topic.
    undelivered.addAlarmAction(new actions.SnsAction(props.escalationTopic));
    undelivered.addOkAction(new actions.SnsAction(props.escalationTopic));
    this.alarms.push(undelivered);

    Validations.of(this).acknowledge({ id: 'AwsSolutions::AwsSolutions-SQS3', reason: 'This queue is the dead-letter queue of the execution alert rule.' });
  }
}
