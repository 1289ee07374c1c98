import { GetMetricDataCommand, type CloudWatchClient, type Dimension } from '@aws-sdk/client-cloudwatch';
import { GetBucketReplicationCommand, type S3Client } from '@aws-sdk/client-s3';
import type { DataStoreConfig } from '../../../config/schema';
import { systemClock, type Clock, type RegionName } from '../ports';
import { callAws } from './sdk-errors';
import { auroraClusterArn, bucketIn } from './store-resources';

type S3Store = Extract<DataStoreConfig, { kind: 's3-replicated' }>;

export interface CloudWatchReplicationLagProps {
  readonly cloudWatchFor: (region: RegionName) => CloudWatchClient;
  /** S3's lag metric is keyed by the replication rule's id, which only the source bucket's replication config knows. */
  readonly s3For: (region: RegionName) => S3Client;
  /** @default systemClock */
  readonly clock?: Clock;
  /** Window of the lag metrics; the worst datapoint in it is the estimate. @default 300000 */
  readonly lagWindowMs?: number;
  /**
   * An Aurora lag metric whose newest datapoint is older than this is stale: unknown, not "within target".
   * @default 120000
   */
  readonly metricStaleAfterMs?: number;
}

/** `arn:aws:rds:us-west-2:111122223333:cluster:ledger-usw2` -> `ledger-usw2` (metric dimensions use the id). */
export function clusterIdFromArn(arn: string): string {
  const parts = arn.split(':');
  return parts.length >= 7 && parts[5] === 'cluster' ? parts.slice(6).join(':') : arn;
}

/** CloudWatch's replication-lag metric of each kind of store: a second opinion beside the heartbeat. */
export class CloudWatchReplicationLag {
  private readonly clock: Clock;

  constructor(private readonly props: CloudWatchReplicationLagProps) {
    this.clock = props.clock ?? systemClock;
  }

  /**
   * Where each lag metric lives decides which region is called:
   *  - DynamoDB `ReplicationLatency` is published in the region where the write happened, with
   *    `ReceivingRegion` naming the replica. The from->to lag therefore exists only in `from`'s CloudWatch.
   *  - S3 `ReplicationLatency` likewise lives in the source bucket's region (`from`), in seconds.
   *  - Aurora `AuroraGlobalDBReplicationLag` is published by the secondary cluster in its own region (`to`).
   * `from` is usually the impaired region, so any failure reading it means "unknown" (null), never an
   * error: an unknown lag makes a human decide, which is the safe outcome, and the failover never
   * depends on the region it is leaving.
   */
  async replicationLagMs(store: DataStoreConfig, from: RegionName, to: RegionName): Promise<number | null> {
    switch (store.kind) {
      case 'dynamodb-global-table':
        return this.unknownOnFailure(() =>
          this.maxMetric(from, 'AWS/DynamoDB', 'ReplicationLatency', [
            { Name: 'TableName', Value: store.tableName },
            { Name: 'ReceivingRegion', Value: to },
          ]),
        );
      case 'aurora-global':
        // Its only evidence (no heartbeat): a datapoint must be recent, or the lag is unknown.
        return this.maxMetric(
          to,
          'AWS/RDS',
          'AuroraGlobalDBReplicationLag',
          [{ Name: 'DBClusterIdentifier', Value: clusterIdFromArn(auroraClusterArn(store, to)) }],
          this.props.metricStaleAfterMs ?? 120_000,
        );
      case 's3-replicated':
        return this.unknownOnFailure(async () => {
          const ruleId = await this.s3RuleId(store, from, to);
          if (ruleId === undefined) return null;
          const seconds = await this.maxMetric(from, 'AWS/S3', 'ReplicationLatency', [
            { Name: 'SourceBucket', Value: bucketIn(store, from) },
            { Name: 'DestinationBucket', Value: bucketIn(store, to) },
            { Name: 'RuleId', Value: ruleId },
          ]);
          return seconds === null ? null : Math.round(seconds * 1000);
        });
    }
  }

  private async unknownOnFailure(read: () => Promise<number | null>): Promise<number | null> {
    try {
      return await read();
    } catch {
      return null;
    }
  }

  /** The worst datapoint in the window; null without one, or when the newest is older than `staleAfterMs`. */
  private async maxMetric(region: RegionName, namespace: string, metricName: string, dimensions: Dimension[], staleAfterMs?: number): Promise<number | null> {
    const now = this.clock.now();
    const res = await callAws(`CloudWatch GetMetricData ${namespace} ${metricName} in ${region}`, () =>
      this.props.cloudWatchFor(region).send(
        new GetMetricDataCommand({
          StartTime: new Date(now - (this.props.lagWindowMs ?? 300_000)),
          EndTime: new Date(now),
          ScanBy: 'TimestampDescending',
          MetricDataQueries: [
            {
              Id: 'lag',
              MetricStat: { Metric: { Namespace: namespace, MetricName: metricName, Dimensions: dimensions }, Period: 60, Stat: 'Maximum' },
              ReturnData: true,
            },
          ],
        }),
      ),
    );
    const result = res.MetricDataResults?.find((r) => r.Id === 'lag');
    const values = result?.Values ?? [];
    if (values.length === 0) return null;
    if (staleAfterMs !== undefined) {
      const newest = Math.max(...(result?.Timestamps ?? []).map((t) => new Date(t).getTime()));
      if (!(now - newest <= staleAfterMs)) return null;
    }
    return Math.round(Math.max(...values));
  }

  /** The replication metrics are keyed by rule id, which only the bucket's replication config knows. */
  private async s3RuleId(store: S3Store, from: RegionName, to: RegionName): Promise<string | undefined> {
    const source = bucketIn(store, from);
    const destinationArn = `arn:aws:s3:::${bucketIn(store, to)}`;
    const res = await callAws(`S3 GetBucketReplication ${source}`, () => this.props.s3For(from).send(new GetBucketReplicationCommand({ Bucket: source })));
    return res.ReplicationConfiguration?.Rules?.find((r) => r.Status === 'Enabled' && r.Destination?.Bucket === destinationArn)?.ID;
  }
}
