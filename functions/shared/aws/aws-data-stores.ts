import { GetMetricDataCommand, type CloudWatchClient, type Dimension } from '@aws-sdk/client-cloudwatch';
import { DescribeTableCommand, ScanCommand, type AttributeValue, type DynamoDBClient, type KeySchemaElement } from '@aws-sdk/client-dynamodb';
import {
  DescribeGlobalClustersCommand,
  FailoverGlobalClusterCommand,
  SwitchoverGlobalClusterCommand,
  type GlobalCluster,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { GetBucketReplicationCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { DataStoreConfig } from '../../../config/schema';
import { BucketedComparison, DEFAULT_BUCKETS, hashValue } from '../../data-consistency-validator/compare';
import { InvalidInputError, StepFailedError, TransientError } from '../errors';
import { systemClock, type Clock, type CompareOptions, type DataStores, type PromotionResult, type RegionName, type StoreComparison } from '../ports';
import { callAws, errorName, isTransient } from './sdk-errors';

type DynamoStore = Extract<DataStoreConfig, { kind: 'dynamodb-global-table' }>;
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
  /** Parallel Scan segments per region for the comparison. @default 4 */
  readonly scanSegments?: number;
  /** Scan requests in flight at once, across both regions (half per region); bounds the pages held. @default 4 */
  readonly scanConcurrency?: number;
  /** Buckets of the checksum pass (a power of two). @default 65536 */
  readonly compareBuckets?: number;
  /** Items the key-level pass may hold at once; more differences mean more passes, not more memory. @default 200000 */
  readonly maxItemsInMemory?: number;
  /**
   * Missing (and differing) keys kept in the returned lists per store; every key still reaches `onKeys`.
   * @default 100
   */
  readonly maxReportedKeys?: number;
  /** @default 10000 */
  readonly promotionPollIntervalMs?: number;
  /**
   * How long one invocation waits for Aurora to report the new writer before handing back to the ASL
   * Retry (which waits again without re-issuing). Keep it under the Lambda timeout.
   * @default 240000
   */
  readonly promotionMaxWaitMs?: number;
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

  constructor(private readonly props: AwsDataStoresProps) {
    this.clock = props.clock ?? systemClock;
    this.sleep = props.sleep ?? realSleep;
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
        return this.maxMetric(to, 'AWS/RDS', 'AuroraGlobalDBReplicationLag', [
          { Name: 'DBClusterIdentifier', Value: clusterIdFromArn(this.auroraArn(store, to)) },
        ]);
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

  private async maxMetric(region: RegionName, namespace: string, metricName: string, dimensions: Dimension[]): Promise<number | null> {
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
    const values = res.MetricDataResults?.find((r) => r.Id === 'lag')?.Values ?? [];
    return values.length === 0 ? null : Math.round(Math.max(...values));
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
   * Bucketed checksums first, keys only where buckets differ (functions/data-consistency-validator/compare.ts):
   * memory stays bounded by the bucket table, the pages in flight and `maxItemsInMemory`, whatever the
   * table size. Aurora rows are not compared: that needs database credentials the control plane does not
   * hold, and the storage-level replication lag is the evidence there.
   */
  async compare(store: DataStoreConfig, from: RegionName, to: RegionName, opts: CompareOptions = {}): Promise<StoreComparison> {
    switch (store.kind) {
      case 'dynamodb-global-table':
        return this.compareDynamoDb(store, from, to, opts);
      case 'aurora-global':
        return {
          store: store.name,
          compared: 0,
          missingInTarget: [],
          missingCount: 0,
          differing: [],
          complete: false,
          detail: `Aurora global cluster ${store.globalClusterIdentifier}: rows not compared (that needs database credentials); its replication lag metric is the evidence.`,
        };
      case 's3-replicated':
        return this.compareS3(store, from, to, opts);
    }
  }

  private async compareDynamoDb(store: DynamoStore, from: RegionName, to: RegionName, opts: CompareOptions): Promise<StoreComparison> {
    const table = await callAws(`DynamoDB DescribeTable ${store.tableName} in ${to}`, () =>
      this.props.dynamoDbFor(to).send(new DescribeTableCommand({ TableName: store.tableName })),
    );
    const keySchema = [...(table.Table?.KeySchema ?? [])].sort((a, b) => (a.KeyType === 'HASH' ? -1 : b.KeyType === 'HASH' ? 1 : 0));
    if (keySchema.length === 0) throw new StepFailedError(`DynamoDB DescribeTable ${store.tableName} in ${to} returned no key schema`);
    const segments = Math.max(1, this.props.scanSegments ?? 4);
    // One limit across both regions: it bounds the 1 MB pages held at once, and so the memory.
    const limit = limiter(Math.max(1, this.props.scanConcurrency ?? 4));
    const feed = (region: RegionName) => async (add: (key: string, valueHash: number) => void) => {
      let failed = false;
      await Promise.all(
        Array.from({ length: segments }, (_, segment) =>
          limit(async () => {
            if (failed) return;
            try {
              await this.scanItems(store.tableName, region, segment, segments, keySchema, add);
            } catch (err) {
              failed = true;
              throw err;
            }
          }),
        ),
      );
    };
    return this.bucketedCompare(store.name, `${store.tableName}`, from, to, feed(from), feed(to), 'items (all attributes)', opts);
  }

  private async compareS3(store: S3Store, from: RegionName, to: RegionName, opts: CompareOptions): Promise<StoreComparison> {
    const feed = (region: RegionName) => async (add: (key: string, valueHash: number) => void) => {
      const bucket = this.bucket(store, region);
      let token: string | undefined;
      do {
        const page = await callAws(`S3 ListObjectsV2 ${bucket} in ${region}`, () =>
          this.props.s3For(region).send(new ListObjectsV2Command({ Bucket: bucket, ...(token ? { ContinuationToken: token } : {}) })),
        );
        // Sizes, not ETags: a replica encrypted with another KMS key has a different ETag for the same bytes.
        for (const o of page.Contents ?? []) if (o.Key !== undefined) add(o.Key, o.Size ?? 0);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    };
    return this.bucketedCompare(store.name, `bucket ${this.bucket(store, from)}`, from, to, feed(from), feed(to), 'objects (key and size)', opts);
  }

  /**
   * Both replicas are read side by side in each pass. The old primary is often still dark: failing to read
   * it makes the comparison incomplete (and says so), never the step failed. A failure reading the new
   * primary is a real error.
   */
  private async bucketedCompare(
    storeName: string,
    what: string,
    from: RegionName,
    to: RegionName,
    readFrom: (add: (key: string, valueHash: number) => void) => Promise<void>,
    readTo: (add: (key: string, valueHash: number) => void) => Promise<void>,
    unit: string,
    opts: CompareOptions,
  ): Promise<StoreComparison> {
    const incomplete = (err: unknown): StoreComparison => ({
      store: storeName,
      compared: 0,
      missingInTarget: [],
      missingCount: 0,
      differing: [],
      complete: false,
      detail: `Could not read ${what} in ${from} (${errorName(err)}: ${(err as Error).message}); not compared. Run the comparison again when ${from} is reachable.`,
    });
    const bothSides = async (onFrom: (k: string, v: number) => void, onTo: (k: string, v: number) => void): Promise<unknown> => {
      let fromError: unknown;
      await Promise.all([
        readFrom(onFrom).catch((err: unknown) => {
          fromError = err;
        }),
        readTo(onTo),
      ]);
      return fromError;
    };
    const cmp = new BucketedComparison({ buckets: this.props.compareBuckets ?? DEFAULT_BUCKETS });
    const failed = await bothSides(cmp.source.addItem.bind(cmp.source), cmp.target.addItem.bind(cmp.target));
    if (failed) return incomplete(failed);
    const rounds = cmp.planRounds(cmp.diffBuckets(), this.props.maxItemsInMemory ?? 200_000);
    const cap = this.props.maxReportedKeys ?? 100;
    const missing: string[] = [];
    const differing: string[] = [];
    let missingCount = 0;
    let differingCount = 0;
    let extra = 0;
    for (const round of rounds) {
      const pass = cmp.keyDiff(round);
      const err = await bothSides(pass.source.addItem, pass.target.addItem);
      if (err) return incomplete(err);
      const r = pass.result();
      // Each round's keys go out before the next round is read, so the full report never has to fit in memory.
      if (opts.onKeys && (r.missingInTarget.length > 0 || r.differing.length > 0)) await opts.onKeys({ missingInTarget: r.missingInTarget, differing: r.differing });
      missingCount += r.missingInTarget.length;
      differingCount += r.differing.length;
      extra += r.missingInSource.length;
      missing.push(...r.missingInTarget.slice(0, cap - missing.length));
      differing.push(...r.differing.slice(0, cap - differing.length));
    }
    const listedNote = missingCount > missing.length || differingCount > differing.length ? ` (first ${cap} of each listed)` : '';
    const detail =
      `Compared ${cmp.source.items} ${unit} of ${what} in ${from} with ${cmp.target.items} in ${to} by bucketed checksums ` +
      `(${rounds.reduce((n, r) => n + r.length, 0)} of ${cmp.buckets} buckets differed, ${rounds.length} key-level pass(es)): ` +
      `${missingCount} missing in ${to}, ${differingCount} differing, ${extra} only in ${to}${listedNote}.`;
    return { store: storeName, compared: cmp.source.items, missingInTarget: missing.sort(), missingCount, differing: differing.sort(), differingCount, complete: true, detail };
  }

  private async scanItems(
    tableName: string,
    region: RegionName,
    segment: number,
    totalSegments: number,
    keySchema: KeySchemaElement[],
    add: (key: string, valueHash: number) => void,
  ): Promise<void> {
    let exclusiveStartKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await callAws(`DynamoDB Scan ${tableName} in ${region}`, () =>
        this.props.dynamoDbFor(region).send(
          new ScanCommand({
            TableName: tableName,
            Segment: segment,
            TotalSegments: totalSegments,
            ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}),
          }),
        ),
      );
      for (const item of page.Items ?? []) add(keyString(item, keySchema), hashValue(canonicalItem(item)));
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey);
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

/** Runs at most `limit` of the functions passed to it at once, in call order. */
function limiter(limit: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async (fn) => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else active++;
    try {
      return await fn();
    } finally {
      // Hand the slot straight to the next caller, so `active` never dips and lets an extra one in.
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}
