import { Stack, Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { DrConfig } from '../../config/schema';
import { S3_HEARTBEAT_PREFIX } from '../../functions/shared/heartbeat';
import { controlPlaneAlarmName, alarmNamePrefix as defaultAlarmNamePrefix } from '../../config/resource-names';
import { EVERY_MINUTE, runEveryMinute } from './every-minute';
import { heartbeatPartitionKeys } from './task-functions/heartbeat-partition-keys';
import { configuredRegionOf } from './configured-region';

export interface ReplicationHeartbeatScheduleProps {
  /** The validated config: the replicated stores and the two regions. */
  readonly config: DrConfig;
  /** The replication-heartbeat function (functions/replication-heartbeat/handler.ts), created with the other functions. */
  readonly writer: lambda.IFunction;
  /** Where its "stopped" alarm notifies. */
  readonly alertTopic: sns.ITopic;
  /** @default alarmNamePrefix(config.application) from config/resource-names.ts */
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
  static readonly SCHEDULE = EVERY_MINUTE;

  readonly rule: events.Rule;
  readonly stoppedAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ReplicationHeartbeatScheduleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { config, writer } = props;
    const region = configuredRegionOf(this, config, 'ReplicationHeartbeatSchedule');
    const regions = [config.regions.primary.name, config.regions.standby.name] as [string, string];

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

    const run = runEveryMinute(this, writer, {
      description: `Runs the replication heartbeat writer of ${region} every minute (it writes every ${config.dataRisk.heartbeatIntervalSeconds} s for a minute)`,
      alarmId: 'Stopped',
      alarmName: controlPlaneAlarmName(props.alarmNamePrefix ?? defaultAlarmNamePrefix(config.application), 'replication-heartbeat-stopped'),
      alarmDescription: (minutes) =>
        `The replication heartbeat writer in ${region} has not completed a run for ${minutes} minutes: the data at risk from ${region} cannot be measured, ` +
        'so an auto-when-safe failover asks a human and a failback never finds the data caught up. Read its logs.',
      minutes: props.stoppedAfterMinutes ?? 5,
      alertTopic: props.alertTopic,
    });
    this.rule = run.rule;
    this.stoppedAlarm = run.alarm;
    if (buckets.length > 0) {
      Validations.of(this).acknowledge(
        ...buckets.map((b) => ({
          id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${b}/${S3_HEARTBEAT_PREFIX}${region}]`,
          reason: 'One object key, no wildcard.',
        })),
      );
    }
  }
}
