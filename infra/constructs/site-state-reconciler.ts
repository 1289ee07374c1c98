import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { DrConfig } from '../../config/schema';
import { alarmNamePrefix as defaultAlarmNamePrefix, siteStateParameterPrefix } from '../naming';

export interface SiteStateReconciliationProps {
  /** The validated config: the two regions and the application name. */
  readonly config: DrConfig;
  /** The site-state-reconciler function (functions/site-state-reconciler/handler.ts), created with the other task functions. */
  readonly reconciler: lambda.IFunction;
  /** Where the reconciler publishes a self-fence or a tie, and where its "stalled" alarm notifies. */
  readonly alertTopic: sns.ITopic;
  /**
   * @default alarmNamePrefix(config.application) from infra/naming.ts
   */
  readonly alarmNamePrefix?: string;
  /**
   * Consecutive minutes without a successful run before the stalled alarm fires.
   *
   * @default 5
   */
  readonly stalledAfterMinutes?: number;
}

/**
 * The site-state reconciler of one region (docs/adr/0016-site-state-reconciler.md): an EventBridge schedule that
 * runs it every minute, its rights (read both regions' site states, write this region's only, publish alerts)
 * and an alarm when it stops running successfully, since a stalled reconciler would leave a split brain open.
 */
export class SiteStateReconciliation extends Construct {
  /** EventBridge's fastest schedule: the split-brain window after an old primary returns is at most about a minute. */
  static readonly SCHEDULE = 'rate(1 minute)';

  readonly rule: events.Rule;
  readonly stalledAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: SiteStateReconciliationProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { config, reconciler } = props;
    const region = stack.region;
    const regions = [config.regions.primary.name, config.regions.standby.name];
    if (Token.isUnresolved(region) || !regions.includes(region)) {
      throw new Error(`${this.node.path}: SiteStateReconciliation needs a stack in one of the configured regions (${regions.join(', ')}), got ${region}`);
    }
    const prefix = props.alarmNamePrefix ?? defaultAlarmNamePrefix(config.application);

    const parameterArn = (r: string) =>
      stack.formatArn({ service: 'ssm', region: r, resource: 'parameter', resourceName: `${siteStateParameterPrefix(config.application).slice(1)}/${r}` });
    reconciler.addToRolePolicy(
      // The peer's switch too: comparing the two change times is the whole job. An unreadable peer changes nothing.
      new iam.PolicyStatement({ sid: 'ReadBothSiteStates', actions: ['ssm:GetParameter'], resources: regions.map(parameterArn) }),
    );
    reconciler.addToRolePolicy(
      // A region only ever writes its own switch: the peer's copy fences the peer.
      new iam.PolicyStatement({ sid: 'FenceOwnSiteStateOnly', actions: ['ssm:PutParameter'], resources: [parameterArn(region)] }),
    );
    props.alertTopic.grantPublish(reconciler);
    // The audit table write comes with every task function (TaskFunctions).

    this.rule = new events.Rule(this, 'Schedule', {
      description: `Runs the site-state reconciler of ${region} every minute: the older of two ACTIVE regions sets itself PASSIVE`,
      schedule: events.Schedule.expression(SiteStateReconciliation.SCHEDULE),
      // A tick older than a minute is superseded by the next one.
      targets: [new targets.LambdaFunction(reconciler, { maxEventAge: Duration.minutes(1), retryAttempts: 2 })],
    });
    // Each run reads both site states afresh, so the next tick is the retry; Lambda's own async retries would only overlap it.
    new lambda.EventInvokeConfig(this, 'InvokeConfig', { function: reconciler, maxEventAge: Duration.minutes(1), retryAttempts: 0 });

    const minutes = props.stalledAfterMinutes ?? 5;
    const metric = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/Lambda',
        metricName,
        dimensionsMap: { FunctionName: reconciler.functionName },
        statistic: cloudwatch.Stats.SUM,
        period: Duration.minutes(1),
      });
    this.stalledAlarm = new cloudwatch.Alarm(this, 'Stalled', {
      alarmName: `${prefix}site-state-reconciler-stalled`,
      alarmDescription: `The site-state reconciler in ${region} has not completed a run for ${minutes} minutes (not invoked, or failing): a split brain would stay open. Read its logs.`,
      metric: new cloudwatch.MathExpression({
        expression: 'FILL(invocations, 0) - FILL(errors, 0)',
        usingMetrics: { invocations: metric('Invocations'), errors: metric('Errors') },
        label: 'successful runs',
        period: Duration.minutes(1),
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: minutes,
      datapointsToAlarm: minutes,
      // No datapoints at all means no runs at all.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    const action = new cwActions.SnsAction(props.alertTopic);
    this.stalledAlarm.addAlarmAction(action);
    this.stalledAlarm.addOkAction(action);
  }
}
