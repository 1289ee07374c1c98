import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';

/** EventBridge's fastest schedule. */
export const EVERY_MINUTE = 'rate(1 minute)';

export interface EveryMinuteProps {
  readonly description: string;
  /** Construct id of the alarm (kept per caller: it is part of the logical id). */
  readonly alarmId: string;
  readonly alarmName: string;
  /** Says what a stopped run leaves undone; `minutes` is the alarm's window. */
  readonly alarmDescription: (minutes: number) => string;
  /** Consecutive minutes without a successful run before the alarm fires. */
  readonly minutes: number;
  /** Where the alarm notifies, and notifies again when it clears. */
  readonly alertTopic: sns.ITopic;
}

/**
 * A function run every minute by an EventBridge rule, in `scope` (ids `Schedule` and `InvokeConfig`), with an alarm
 * when no run completed for `minutes` minutes. A tick older than a minute is superseded by the next one, so the next
 * tick is the retry: Lambda's own asynchronous retries would only overlap it.
 */
export function runEveryMinute(scope: Construct, fn: lambda.IFunction, props: EveryMinuteProps): { rule: events.Rule; alarm: cloudwatch.Alarm } {
  const rule = new events.Rule(scope, 'Schedule', {
    description: props.description,
    schedule: events.Schedule.expression(EVERY_MINUTE),
    targets: [new targets.LambdaFunction(fn, { maxEventAge: Duration.minutes(1), retryAttempts: 2 })],
  });
  new lambda.EventInvokeConfig(scope, 'InvokeConfig', { function: fn, maxEventAge: Duration.minutes(1), retryAttempts: 0 });

  const metric = (metricName: string) =>
    new cloudwatch.Metric({
      namespace: 'AWS/Lambda',
      metricName,
      dimensionsMap: { FunctionName: fn.functionName },
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(1),
    });
  const alarm = new cloudwatch.Alarm(scope, props.alarmId, {
    alarmName: props.alarmName,
    alarmDescription: props.alarmDescription(props.minutes),
    metric: new cloudwatch.MathExpression({
      expression: 'FILL(invocations, 0) - FILL(errors, 0)',
      usingMetrics: { invocations: metric('Invocations'), errors: metric('Errors') },
      label: 'successful runs',
      period: Duration.minutes(1),
    }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    evaluationPeriods: props.minutes,
    datapointsToAlarm: props.minutes,
    // No datapoints at all means no runs at all.
    treatMissingData: cloudwatch.TreatMissingData.BREACHING,
  });
  const action = new cwActions.SnsAction(props.alertTopic);
  alarm.addAlarmAction(action);
  alarm.addOkAction(action);
  return { rule, alarm };
}
