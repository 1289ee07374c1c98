import { Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import type { DrConfig } from '../../../config/schema';
import { S3_HEARTBEAT_PREFIX } from '../../../functions/shared/heartbeat';
import { heartbeatPartitionKeys } from './heartbeat-partition-keys';

export interface DataConsistencyValidatorGrantsProps {
  readonly config: DrConfig;
  /** The two configured regions, primary first. */
  readonly regionNames: readonly [string, string];
  /** Scratch space of the segmented data comparison. */
  readonly comparisonTable: dynamodb.ITable;
  /** Where the findings of the heartbeat-object grant are acknowledged. */
  readonly acknowledgeOn: IConstruct;
}

/**
 * The validator reads replication metrics, compares the configured tables and buckets (keys and checksums, never
 * object contents) and reads the replication heartbeats in this region's replicas.
 */
export function grantDataConsistencyValidator(validator: lambda.IFunction, props: DataConsistencyValidatorGrantsProps): void {
  const { config, regionNames, comparisonTable } = props;
  const stack = Stack.of(validator);
  validator.addToRolePolicy(
    // GetMetricData has no resource-level permissions; the lag metrics are the heartbeat's second opinion.
    new iam.PolicyStatement({ sid: 'ReadReplicationMetrics', actions: ['cloudwatch:GetMetricData'], resources: ['*'] }),
  );
  // The segmented comparison's parts: written by each segment, read back (Query, strongly consistent) by the merges.
  comparisonTable.grant(validator, 'dynamodb:PutItem', 'dynamodb:Query');
  const tables = config.dataStores.filter((s) => s.kind === 'dynamodb-global-table');
  if (tables.length > 0) {
    const tableArns = tables.flatMap((s) =>
      regionNames.map((region) => stack.formatArn({ service: 'dynamodb', region, resource: 'table', resourceName: s.tableName })),
    );
    validator.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'CompareDynamoDbReplicaKeys',
        // Whole items (checksums of the values), segment by segment; both regions because either may be the one being left.
        actions: ['dynamodb:DescribeTable', 'dynamodb:Scan'],
        resources: tableArns,
      }),
    );
    validator.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadReplicationHeartbeats',
        // The heartbeat items only (their reserved partition keys), in this region's replica: the region a copy
        // activates is its own, and it reads what replication delivered there.
        actions: ['dynamodb:GetItem'],
        resources: tables.map((s) => stack.formatArn({ service: 'dynamodb', region: stack.region, resource: 'table', resourceName: s.tableName })),
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': heartbeatPartitionKeys(regionNames) } },
      }),
    );
  }
  const buckets = config.dataStores.flatMap((s) => (s.kind === 's3-replicated' ? Object.values(s.buckets) : []));
  if (buckets.length > 0) {
    validator.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'FindS3ReplicationRules',
        // The lag metrics are keyed by replication rule id, which only the bucket's replication config holds.
        actions: ['s3:GetReplicationConfiguration'],
        resources: buckets.map((b) => `arn:${stack.partition}:s3:::${b}`),
      }),
    );
    validator.addToRolePolicy(
      // Post-failover comparison lists keys and sizes only; it never reads object contents.
      new iam.PolicyStatement({ sid: 'CompareS3Listings', actions: ['s3:ListBucket'], resources: buckets.map((b) => `arn:${stack.partition}:s3:::${b}`) }),
    );
    // The one kind of object it reads: the replication heartbeats in this region's bucket (never application data).
    const ownBuckets = config.dataStores.flatMap((s) => (s.kind === 's3-replicated' && s.buckets[stack.region] ? [s.buckets[stack.region]] : []));
    validator.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadReplicationHeartbeatObjects',
        actions: ['s3:GetObject'],
        resources: ownBuckets.map((b) => `arn:${stack.partition}:s3:::${b}/${S3_HEARTBEAT_PREFIX}*`),
      }),
    );
    Validations.of(props.acknowledgeOn).acknowledge(
      ...ownBuckets.map((b) => ({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${b}/${S3_HEARTBEAT_PREFIX}*]`,
        reason: 'The heartbeat objects of the configured regions only (one per region, under the reserved prefix).',
      })),
    );
  }
}
