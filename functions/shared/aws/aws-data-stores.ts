import { CloudWatchClient, GetMetricDataCommand, type Dimension } from '@aws-sdk/client-cloudwatch';
import { DescribeTableCommand, DynamoDBClient, ScanCommand, type AttributeValue, type KeySchemaElement } from '@aws-sdk/client-dynamodb';
import {
  DescribeGlobalClustersCommand,
  FailoverGlobalClusterCommand,
  SwitchoverGlobalClusterCommand,
  RDSClient,
  type GlobalCluster,
} from '@aws-sdk/client-rds';
import { GetBucketReplicationCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { DataStoreConfig, DrConfig } from '../../../config/schema';
import { hashValue } from '../../data-consistency-validator/compare';
import { InvalidInputError, StepFailedError, TransientError } from '../errors';
import { isHeartbeatKey, S3_HEARTBEAT_PREFIX } from '../heartbeat';
import {
  systemClock,
  type Clock,
  type ComparisonLayout,
  type DataStores,
  type HeartbeatReading,
  type PromotionResult,
  type RegionName,
  type SegmentPage,
} from '../ports';
import { AwsReplicationHeartbeats, TableKeyShapes } from './aws-replication-heartbeats';
import { clientConfig, perRegion } from './clients';
import { callAws, errorName, isTransient } from './sdk-errors';

type AuroraStore = Extract<DataStoreConfig, { kind: 'aurora-global' }>;
type S3Store = Extract<DataStoreConfig, { kind: 's3-replicated' }>;

export interface AwsDataStoresProps {
  readonly cloudWatchFor: (region: RegionName) => CloudWatchClient;
  readonly rdsFor: (region: RegionName) => RDSClient;
  readonly dynamoDbFor: (region: RegionName) => DynamoDBClient;
  readonly s3For: (region: RegionName) => S3Client;
  /** @default systemClock */
  readonly clock?: Clock;
  /** @default real timer */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Window of the lag metrics; the worst datapoint in it is the estimate. @default 300000 */
  readonly lagWindowMs?: number;
  /**
   * An Aurora lag metric whose newest datapoint is older than this is stale: unknown, not "within target".
   * @default 120000
   */
  readonly metricStaleAfterMs?: number;
  /** The two configured regions, primary first (the heartbeat keys of numeric-keyed tables are assigned by position). */
  readonly regions: readonly [string, string];
  /** @default 10000 */
  readonly promotionPollIntervalMs?: number;
  /**
   * How long one invocation waits for Aurora to report the new writer before handing back to the ASL
   * Retry (which waits again without re-issuing). Keep it under the Lambda timeout.
   * @default 240000
   */
  readonly promotionMaxWaitMs?: number;
}

/** The adapter for a config's two regions: one client per region and service, created on first use. */
export function awsDataStores(config: DrConfig): AwsDataStores {
  return new AwsDataStores({
    regions: [config.regions.primary.name, config.regions.standby.name],
    cloudWatchFor: perRegion(config, (r) => new CloudWatchClient(clientConfig(r))),
    rdsFor: perRegion(config, (r) => new RDSClient(clientConfig(r))),
    dynamoDbFor: perRegion(config, (r) => new DynamoDBClient(clientConfig(r))),
    s3For: perRegion(config, (r) => new S3Client(clientConfig(r))),
  });
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `arn:aws:rds:us-west-2:111122223333:cluster:ledger-usw2` -> `ledger-usw2` (metric dimensions use the id). */
export function clusterIdFromArn(arn: string): string {
  const parts = arn.split(':');
  return parts.length >= 7 && parts[5] === 'cluster' ? parts.slice(6).join(':') : arn;
}

/** RDS refuses a switchover/failover while the cluster is busy (modifying, another operation); later it may not. */
const RDS_BUSY = new Set(['InvalidGlobalClusterStateFault', 'InvalidDBClusterStateFault']);

export class AwsDataStores implements DataStores {
  private readonly clock: Clock;
  private readonly sleep: (ms: number) => Promise<void>;

  private readonly keyShapes: TableKeyShapes;
  private readonly heartbeats: AwsReplicationHeartbeats;

  constructor(private readonly props: AwsDataStoresProps) {
    this.clock = props.clock ?? systemClock;
    this.sleep = props.sleep ?? realSleep;
    this.keyShapes = new TableKeyShapes(props.dynamoDbFor);
    this.heartbeats = new AwsReplicationHeartbeats({ dynamoDbFor: props.dynamoDbFor, s3For: props.s3For, regions: props.regions, keyShapes: this.keyShapes });
  }

  // --- replication heartbeat -------------------------------------------------------------------

  /** Read in `readIn` (the region being activated, in a failover or failback): never in the region being left. */
  newestHeartbeat(store: DataStoreConfig, origin: RegionName, readIn: RegionName): Promise<HeartbeatReading> {
    return this.heartbeats.newest(store, origin, readIn);
  }

  // --- replication lag -------------------------------------------------------------------------

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
        return this.maxMetric(to, 'AWS/RDS', 'AuroraGlobalDBReplicationLag', [{ Name: 'DBClusterIdentifier', Value: clusterIdFromArn(this.auroraArn(store, to)) }], this.props.metricStaleAfterMs ?? 120_000);
      case 's3-replicated':
        return this.unknownOnFailure(async () => {
          const ruleId = await this.s3RuleId(store, from, to);
          if (ruleId === undefined) return null;
          const seconds = await this.maxMetric(from, 'AWS/S3', 'ReplicationLatency', [
            { Name: 'SourceBucket', Value: this.bucket(store, from) },
            { Name: 'DestinationBucket', Value: this.bucket(store, to) },
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
    const source = this.bucket(store, from);
    const destinationArn = `arn:aws:s3:::${this.bucket(store, to)}`;
    const res = await callAws(`S3 GetBucketReplication ${source}`, () => this.props.s3For(from).send(new GetBucketReplicationCommand({ Bucket: source })));
    return res.ReplicationConfiguration?.Rules?.find((r) => r.Status === 'Enabled' && r.Destination?.Bucket === destinationArn)?.ID;
  }

  // --- promotion -------------------------------------------------------------------------------

  async promote(store: DataStoreConfig, to: RegionName, opts: { planned: boolean }): Promise<PromotionResult> {
    switch (store.kind) {
      case 'dynamodb-global-table':
        return {
          store: store.name,
          kind: store.kind,
          action: 'none',
          detail: `DynamoDB global table ${store.tableName} is multi-writer: its ${to} replica already accepts writes; nothing to promote.`,
        };
      case 's3-replicated':
        return {
          store: store.name,
          kind: store.kind,
          action: 'none',
          detail: `S3 bucket ${this.bucket(store, to)} in ${to} already accepts writes; nothing to promote.`,
        };
      case 'aurora-global':
        return this.promoteAurora(store, to, opts.planned);
    }
  }

  /**
   * Every call goes to `to`'s RDS endpoint: the global cluster can be described and failed over from any
   * member region, and the old writer's region may be down.
   */
  private async promoteAurora(store: AuroraStore, to: RegionName, planned: boolean): Promise<PromotionResult> {
    const rds = this.props.rdsFor(to);
    const targetArn = this.auroraArn(store, to);
    const gid = store.globalClusterIdentifier;
    const before = await this.describeGlobalCluster(rds, gid);
    const writer = writerArn(before);
    const inFlight = operationInFlight(before);
    if (!inFlight && writer === targetArn) {
      return { store: store.name, kind: store.kind, action: 'none', detail: `${targetArn} is already the writer of global cluster ${gid}; nothing to do.` };
    }
    let action: 'switchover' | 'failover';
    if (inFlight) {
      // A previous attempt (or a person) already started it: wait for it rather than issue a second one.
      const heading = before.FailoverState?.ToDbClusterArn;
      if (heading && heading !== targetArn) {
        throw new StepFailedError(`Global cluster ${gid} is already moving its writer to ${heading}, not ${targetArn}; resolve that first`);
      }
      action = before.FailoverState?.IsDataLossAllowed ? 'failover' : planned ? 'switchover' : 'failover';
    } else {
      action = planned ? 'switchover' : 'failover';
      await this.rdsCall(`RDS ${planned ? 'SwitchoverGlobalCluster' : 'FailoverGlobalCluster'} ${gid} in ${to}`, () =>
        planned
          ? rds.send(new SwitchoverGlobalClusterCommand({ GlobalClusterIdentifier: gid, TargetDbClusterIdentifier: targetArn }))
          : // Unplanned: the old writer cannot confirm what it has not replicated, so data loss must be allowed
            // explicitly. The workflow only gets here after approval (or auto-approval within RPO).
            rds.send(new FailoverGlobalClusterCommand({ GlobalClusterIdentifier: gid, TargetDbClusterIdentifier: targetArn, AllowDataLoss: true })),
      );
    }
    await this.waitForWriter(rds, gid, targetArn);
    const detail =
      action === 'switchover'
        ? `Switched over global cluster ${gid} to ${targetArn} (planned: no data loss).`
        : `Failed over global cluster ${gid} to ${targetArn} allowing data loss: writes ${writer ?? 'the old writer'} had not replicated may be lost.`;
    return { store: store.name, kind: store.kind, action, detail };
  }

  private async waitForWriter(rds: RDSClient, gid: string, targetArn: string): Promise<void> {
    const interval = this.props.promotionPollIntervalMs ?? 10_000;
    const maxWait = this.props.promotionMaxWaitMs ?? 240_000;
    const polls = Math.max(1, Math.ceil(maxWait / interval));
    for (let i = 0; i < polls; i++) {
      await this.sleep(interval);
      const gc = await this.describeGlobalCluster(rds, gid);
      if (writerArn(gc) === targetArn && !operationInFlight(gc)) return;
    }
    throw new TransientError(`Global cluster ${gid}: ${targetArn} is not the writer yet after ${maxWait} ms; a retry waits again without re-issuing the operation`);
  }

  private async describeGlobalCluster(rds: RDSClient, gid: string): Promise<GlobalCluster> {
    const res = await callAws(`RDS DescribeGlobalClusters ${gid}`, () => rds.send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: gid })));
    const gc = res.GlobalClusters?.find((c) => c.GlobalClusterIdentifier === gid) ?? res.GlobalClusters?.[0];
    if (!gc) throw new StepFailedError(`Global cluster ${gid} not found`);
    return gc;
  }

  private async rdsCall<T>(doing: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (RDS_BUSY.has(errorName(err)) || isTransient(err)) throw new TransientError(`${doing} failed (${errorName(err)}): ${(err as Error).message}`, { cause: err });
      throw err;
    }
  }

  // --- comparison ------------------------------------------------------------------------------

  /**
   * DynamoDB tables split into parallel-scan segments (their size decides how many: the segmented comparison in
   * functions/data-consistency-validator/segmented-comparison.ts); an S3 bucket is one listing. Aurora rows are not
   * compared: that needs database credentials the control plane does not hold, and its replication lag metric is
   * the evidence there.
   */
  async comparisonLayout(store: DataStoreConfig, to: RegionName): Promise<ComparisonLayout | null> {
    switch (store.kind) {
      case 'dynamodb-global-table': {
        const table = await callAws(`DynamoDB DescribeTable ${store.tableName} in ${to}`, () =>
          this.props.dynamoDbFor(to).send(new DescribeTableCommand({ TableName: store.tableName })),
        );
        const size = table.Table?.TableSizeBytes;
        return {
          splittable: true,
          sizeBytes: typeof size === 'number' ? size : null,
          detail: `table ${store.tableName} in ${to}: ${typeof size === 'number' ? `${size} bytes` : 'size unknown'} (DescribeTable, updated about every 6 hours)`,
        };
      }
      case 's3-replicated':
        return { splittable: false, sizeBytes: null, detail: `bucket ${this.bucket(store, to)}: one listing (keys and sizes)` };
      case 'aurora-global':
        return null;
    }
  }

  /**
   * One page: a parallel Scan page of one segment (DynamoDB returns at most 1 MB per page; ReturnConsumedCapacity
   * tells what it cost, for the read budget), or one ListObjectsV2 page of an S3 bucket (keys and sizes: a replica
   * encrypted with another KMS key has a different ETag for the same bytes). Heartbeat items are left out.
   */
  async scanSegment(store: DataStoreConfig, region: RegionName, segment: number, totalSegments: number, cursor: string | null): Promise<SegmentPage> {
    switch (store.kind) {
      case 'dynamodb-global-table': {
        const shape = await this.keyShapes.get(store.tableName, region);
        const keySchema: KeySchemaElement[] = [{ AttributeName: shape.partition.name, KeyType: 'HASH' }, ...(shape.sort ? [{ AttributeName: shape.sort.name, KeyType: 'RANGE' as const }] : [])];
        const page = await callAws(`DynamoDB Scan ${store.tableName} in ${region}`, () =>
          this.props.dynamoDbFor(region).send(
            new ScanCommand({
              TableName: store.tableName,
              Segment: segment,
              TotalSegments: totalSegments,
              ReturnConsumedCapacity: 'TOTAL',
              ...(cursor ? { ExclusiveStartKey: decodeKey(cursor) } : {}),
            }),
          ),
        );
        const items: Array<readonly [string, number]> = [];
        for (const item of page.Items ?? []) {
          if (isHeartbeatKey(attributeString(item[shape.partition.name]))) continue;
          items.push([keyString(item, keySchema), hashValue(canonicalItem(item))]);
        }
        return { items, cursor: page.LastEvaluatedKey ? encodeKey(page.LastEvaluatedKey) : null, readUnits: page.ConsumedCapacity?.CapacityUnits ?? 0 };
      }
      case 's3-replicated': {
        if (segment !== 0 || totalSegments !== 1) throw new InvalidInputError(`An S3 listing is one segment; asked for segment ${segment} of ${totalSegments}`);
        const bucket = this.bucket(store, region);
        const page = await callAws(`S3 ListObjectsV2 ${bucket} in ${region}`, () =>
          this.props.s3For(region).send(new ListObjectsV2Command({ Bucket: bucket, ...(cursor ? { ContinuationToken: cursor } : {}) })),
        );
        const items: Array<readonly [string, number]> = [];
        for (const o of page.Contents ?? []) if (o.Key !== undefined && !o.Key.startsWith(S3_HEARTBEAT_PREFIX)) items.push([o.Key, o.Size ?? 0]);
        return { items, cursor: page.IsTruncated && page.NextContinuationToken ? page.NextContinuationToken : null, readUnits: 0 };
      }
      case 'aurora-global':
        throw new InvalidInputError(`Aurora global cluster ${store.globalClusterIdentifier}: rows are not compared (that needs database credentials)`);
    }
  }

  // --- config lookups --------------------------------------------------------------------------

  private auroraArn(store: AuroraStore, region: RegionName): string {
    const arn = store.clusterArns[region];
    if (!arn) throw new InvalidInputError(`Data store ${store.name} has no cluster ARN for region ${region}`);
    return arn;
  }

  private bucket(store: S3Store, region: RegionName): string {
    const bucket = store.buckets[region];
    if (!bucket) throw new InvalidInputError(`Data store ${store.name} has no bucket for region ${region}`);
    return bucket;
  }
}

function writerArn(gc: GlobalCluster): string | undefined {
  return gc.GlobalClusterMembers?.find((m) => m.IsWriter)?.DBClusterArn;
}

function operationInFlight(gc: GlobalCluster): boolean {
  return Boolean(gc.FailoverState?.Status) || gc.Status === 'failing-over' || gc.Status === 'switching-over';
}

function attributeString(v: AttributeValue | undefined): string {
  if (!v) return '';
  if (v.S !== undefined) return v.S;
  if (v.N !== undefined) return v.N;
  if (v.B !== undefined) return Buffer.from(v.B).toString('base64');
  return JSON.stringify(v);
}

/** Replication bookkeeping of legacy (2017) global tables differs per region by design; it is not data. */
const REPLICATION_ATTRIBUTE = /^aws:rep:/;

/** Order-independent text of an attribute value: map keys and set members sorted, so replicas hash alike. */
function canonicalValue(v: AttributeValue): string {
  if (v.M !== undefined) return `{M:${canonicalMap(v.M)}}`;
  if (v.L !== undefined) return `{L:[${v.L.map(canonicalValue).join(',')}]}`;
  if (v.SS !== undefined) return `{SS:${JSON.stringify([...v.SS].sort())}}`;
  if (v.NS !== undefined) return `{NS:${JSON.stringify([...v.NS].sort())}}`;
  if (v.BS !== undefined) return `{BS:${JSON.stringify(v.BS.map((b) => Buffer.from(b).toString('base64')).sort())}}`;
  if (v.B !== undefined) return `{B:${Buffer.from(v.B).toString('base64')}}`;
  return JSON.stringify(v);
}

function canonicalMap(m: Record<string, AttributeValue>, skip?: RegExp): string {
  const names = Object.keys(m)
    .filter((n) => !skip?.test(n))
    .sort();
  return `{${names.map((n) => `${JSON.stringify(n)}:${canonicalValue(m[n])}`).join(',')}}`;
}

export function canonicalItem(item: Record<string, AttributeValue>): string {
  return canonicalMap(item, REPLICATION_ATTRIBUTE);
}

/** Partition key alone, or `[partition, sort]` as JSON so no separator can make two keys collide. */
export function keyString(item: Record<string, AttributeValue>, keySchema: KeySchemaElement[]): string {
  const parts = keySchema.map((k) => attributeString(item[k.AttributeName ?? '']));
  return parts.length === 1 ? parts[0] : JSON.stringify(parts);
}

/** A LastEvaluatedKey as text for the workflow state; binary values become base64 (JSON cannot hold bytes). */
export function encodeKey(key: Record<string, AttributeValue>): string {
  return JSON.stringify(key, (_name, value: unknown) => (value instanceof Uint8Array ? { $b64: Buffer.from(value).toString('base64') } : value));
}

export function decodeKey(text: string): Record<string, AttributeValue> {
  try {
    return JSON.parse(text, (_name, value: unknown) =>
      value && typeof value === 'object' && '$b64' in value ? new Uint8Array(Buffer.from(String((value as { $b64: unknown }).$b64), 'base64')) : value,
    ) as Record<string, AttributeValue>;
  } catch (err) {
    throw new InvalidInputError(`A comparison cursor is not a DynamoDB key: ${(err as Error).message}`);
  }
}
