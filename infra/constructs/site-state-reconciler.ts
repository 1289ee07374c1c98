import { Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { DrConfig } from '../../config/schema';
import { controlPlaneAlarmName, alarmNamePrefix as defaultAlarmNamePrefix, siteStateParameterPrefix } from '../../config/resource-names';
import { EVERY_MINUTE, runEveryMinute } from './every-minute';
import { configuredRegionOf } from './configured-region';

export interface SiteStateReconciliationProps {
  /** The validated config: the two regions and the application name. */
  readonly config: DrConfig;
  /** The site-state-reconciler function (functions/site-state-reconciler/handler.ts), created with the other task functions. */
  readonly reconciler: lambda.IFunction;
  /** Where the reconciler publishes a self-fence or a tie, and where its "stalled" alarm notifies. */
  readonly alertTopic: sns.ITopic;
  /**
   * @default alarmNamePrefix(config.application) from config/resource-names.ts
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
  static readonly SCHEDULE = EVERY_MINUTE;

  readonly rule: events.Rule;
  readonly stalledAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: SiteStateReconciliationProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { config, reconciler } = props;
    const region = configuredRegionOf(this, config, 'SiteStateReconciliation');
    const regions = [config.regions.primary.name, config.regions.standby.name];
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

    const run = runEveryMinute(this, reconciler, {
      description: `Runs the site-state reconciler of ${region} every minute: the older of two ACTIVE regions sets itself PASSIVE`,
      alarmId: 'Stalled',
      alarmName: controlPlaneAlarmName(prefix, 'site-state-reconciler-stalled'),
      // Each run reads both site states afresh, so a missed tick costs a minute, and a stalled reconciler leaves a split brain open.
      alarmDescription: (minutes) =>
        `The site-state reconciler in ${region} has not completed a run for ${minutes} minutes (not invoked, or failing): a split brain would stay open. Read its logs.`,
      minutes: props.stalledAfterMinutes ?? 5,
      alertTopic: props.alertTopic,
    });
    this.rule = run.rule;
    this.stalledAlarm = run.alarm;
  }
}
