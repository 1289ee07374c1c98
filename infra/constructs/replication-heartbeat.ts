import { Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { DrConfig } from '../../config/schema';
import { S3_HEARTBEAT_PREFIX } from '../../functions/shared/heartbeat';
import { alarmNamePrefix as defaultAlarmNamePrefix } from '../naming';
import { heartbeatPartitionKeys } from './task-functions';

export interface ReplicationHeartbeatScheduleProps {
  /** The validated config: the replicated stores and the two regions. */
  readonly config: DrConfig;
  /** The replication-heartbeat function (functions/replication-heartbeat/handler.ts), created with the other functions. */
  readonly writer: lambda.IFunction;
  /** Where its "stopped" alarm notifies. */
  readonly alertTopic: sns.ITopic;
  /** @default alarmNamePrefix(config.application) from infra/naming.ts */
  readonly alarmNamePrefix?: string;
  /**
   * Consecutive minutes without a successful run before the alarm fires. Without heartbeats the data at risk is
   * unknown: every auto-when-safe failover asks a human, and a failback never finds the region caught up.
   *
   * @default 5
   */
  readonly stoppedAfterMinutes?: number;
}

/**
 * The replication heartbeat of one region (docs/adr/0019-data-at-risk-measured.md): an EventBridge schedule that runs
 * the writer every minute, its rights (put this region's heartbeat item into this region's replica of each table,
 * its heartbeat object into this region's bucket, nothing else) and an alarm when it stops running successfully.
 */
export class ReplicationHeartbeatSchedule extends Construct {
  static readonly SCHEDULE = 'rate(1 minute)';

  readonly rule: events.Rule;
  readonly stoppedAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ReplicationHeartbeatScheduleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { config, writer } = props;
    const region = stack.region;
    const regions = [config.regions.primary.name, config.regions.standby.name] as [string, string];
    if (Token.isUnresolved(region) || !regions.includes(region)) {
      throw new Error(`${this.node.path}: ReplicationHeartbeatSchedule needs a stack in one of the configured regions (${regions.join(', ')}), got ${region}`);
    }

    const tables = config.dataStores.flatMap((s) => (s.kind === 'dynamodb-global-table' ? [s.tableName] : []));
    if (tables.length > 0) {
      const tableArns = tables.map((t) => stack.formatArn({ service: 'dynamodb', region, resource: 'table', resourceName: t }));
      // The key schema decides the heartbeat item's key (string or number partition key).
      writer.addToRolePolicy(new iam.PolicyStatement({ sid: 'ReadTableKeySchemas', actions: ['dynamodb:DescribeTable'], resources: tableArns }));
      writer.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'WriteOwnHeartbeatItems',
          actions: ['dynamodb:PutItem'],
          resources: tableArns,
          // Only this region's heartbeat item: the writer can never touch application data, nor the peer's heartbeat.
          conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': heartbeatPartitionKeys(regions, [region]) } },
        }),
      );
    }
    const buckets = config.dataStores.flatMap((s) => (s.kind === 's3-replicated' && s.buckets[region] ? [s.buckets[region]] : []));
    if (buckets.length > 0) {
      writer.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'WriteOwnHeartbeatObjects',
          actions: ['s3:PutObject'],
          resources: buckets.map((b) => `arn:${stack.partition}:s3:::${b}/${S3_HEARTBEAT_PREFIX}${region}`),
        }),
      );
    }

    this.rule = new events.Rule(this, 'Schedule', {
      description: `Runs the replication heartbeat writer of ${region} every minute (it writes every ${config.dataRisk.heartbeatIntervalSeconds} s for a minute)`,
      schedule: events.Schedule.expression(ReplicationHeartbeatSchedule.SCHEDULE),
      targets: [new targets.LambdaFunction(writer, { maxEventAge: Duration.minutes(1), retryAttempts: 2 })],
    });
    // The next tick is the retry; Lambda's own async retries would only overlap it.
    new lambda.EventInvokeConfig(this, 'InvokeConfig', { function: writer, maxEventAge: Duration.minutes(1), retryAttempts: 0 });

    const minutes = props.stoppedAfterMinutes ?? 5;
    const metric = (metricName: string) =>
      new cloudwatch.Metric({ namespace: 'AWS/Lambda', metricName, dimensionsMap: { FunctionName: writer.functionName }, statistic: cloudwatch.Stats.SUM, period: Duration.minutes(1) });
    this.stoppedAlarm = new cloudwatch.Alarm(this, 'Stopped', {
      alarmName: `${props.alarmNamePrefix ?? defaultAlarmNamePrefix(config.application)}replication-heartbeat-stopped`,
      alarmDescription:
        `The replication heartbeat writer in ${region} has not completed a run for ${minutes} minutes: the data at risk from ${region} cannot be measured, ` +
        'so an auto-when-safe failover asks a human and a failback never finds the data caught up. Read its logs.',
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
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    const action = new cwActions.SnsAction(props.alertTopic);
    this.stoppedAlarm.addAlarmAction(action);
    this.stoppedAlarm.addOkAction(action);
    if (buckets.length > 0) {
      Validations.of(this).acknowledge(
        ...buckets.map((b) => ({ id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${b}/${S3_HEARTBEAT_PREFIX}${region}]`, reason: 'One object key, no wildcard.' })),
      );
    }
  }
}
