import { DescribeTableCommand, ScanCommand, type AttributeValue, type DynamoDBClient, type KeySchemaElement } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { DataStoreConfig } from '../../../config/schema';
import { InvalidInputError } from '../errors';
import { isHeartbeatKey, S3_HEARTBEAT_PREFIX } from '../heartbeat';
import type { ComparisonLayout, ItemValue, RegionName, SegmentPage } from '../ports';
import { TableKeyShapes } from './aws-replication-heartbeats';
import { callAws } from './sdk-errors';
import { bucketIn } from './store-resources';

export interface ReplicaItemReadersProps {
  readonly dynamoDbFor: (region: RegionName) => DynamoDBClient;
  readonly s3For: (region: RegionName) => S3Client;
  /** @default a TableKeyShapes over dynamoDbFor */
  readonly keyShapes?: TableKeyShapes;
}

/**
 * The items of a replica, page by page, for the validator's comparison (functions/data-consistency-validator): keys
 * and values as the service holds them, never hashed or judged here. Which stores are compared, how they are split
 * and what counts as a difference is the validator's. Aurora rows cannot be read (that needs database credentials the
 * control plane does not hold): asked for them, the readers refuse.
 */
export class ReplicaItemReaders {
  private readonly keyShapes: TableKeyShapes;

  constructor(private readonly props: ReplicaItemReadersProps) {
    this.keyShapes = props.keyShapes ?? new TableKeyShapes(props.dynamoDbFor);
  }

  /** A table's size from DescribeTable in `to` (the region being activated); a bucket reports none. */
  async comparisonLayout(store: DataStoreConfig, to: RegionName): Promise<ComparisonLayout> {
    switch (store.kind) {
      case 'dynamodb-global-table': {
        const table = await callAws(`DynamoDB DescribeTable ${store.tableName} in ${to}`, () =>
          this.props.dynamoDbFor(to).send(new DescribeTableCommand({ TableName: store.tableName })),
        );
        const size = table.Table?.TableSizeBytes;
        return {
          sizeBytes: typeof size === 'number' ? size : null,
          detail: `table ${store.tableName} in ${to}: ${typeof size === 'number' ? `${size} bytes` : 'size unknown'} (DescribeTable, updated about every 6 hours)`,
        };
      }
      case 's3-replicated':
        return { sizeBytes: null, detail: `bucket ${bucketIn(store, to)}: one listing (keys and sizes)` };
      case 'aurora-global':
        throw auroraRowsNotRead(store);
    }
  }

  /**
   * One page: a parallel Scan page of one segment, whole items as canonical text (DynamoDB returns at most 1 MB per
   * page; ReturnConsumedCapacity tells what it cost, for the read budget), or one ListObjectsV2 page of an S3 bucket,
   * keys and sizes (a replica encrypted with another KMS key has a different ETag for the same bytes). Heartbeat items
   * are left out.
   */
  async scanSegment(store: DataStoreConfig, region: RegionName, segment: number, totalSegments: number, cursor: string | null): Promise<SegmentPage> {
    switch (store.kind) {
      case 'dynamodb-global-table': {
        const shape = await this.keyShapes.get(store.tableName, region);
        const keySchema: KeySchemaElement[] = [
          { AttributeName: shape.partition.name, KeyType: 'HASH' },
          ...(shape.sort ? [{ AttributeName: shape.sort.name, KeyType: 'RANGE' as const }] : []),
        ];
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
        const items: Array<readonly [string, ItemValue]> = [];
        for (const item of page.Items ?? []) {
          if (isHeartbeatKey(attributeString(item[shape.partition.name]))) continue;
          items.push([keyString(item, keySchema), canonicalItem(item)]);
        }
        return { items, cursor: page.LastEvaluatedKey ? encodeKey(page.LastEvaluatedKey) : null, readUnits: page.ConsumedCapacity?.CapacityUnits ?? 0 };
      }
      case 's3-replicated': {
        if (segment !== 0 || totalSegments !== 1) throw new InvalidInputError(`An S3 listing is one segment; asked for segment ${segment} of ${totalSegments}`);
        const bucket = bucketIn(store, region);
        const page = await callAws(`S3 ListObjectsV2 ${bucket} in ${region}`, () =>
          this.props.s3For(region).send(new ListObjectsV2Command({ Bucket: bucket, ...(cursor ? { ContinuationToken: cursor } : {}) })),
        );
        const items: Array<readonly [string, ItemValue]> = [];
        for (const o of page.Contents ?? []) if (o.Key !== undefined && !o.Key.startsWith(S3_HEARTBEAT_PREFIX)) items.push([o.Key, o.Size ?? 0]);
        return { items, cursor: page.IsTruncated && page.NextContinuationToken ? page.NextContinuationToken : null, readUnits: 0 };
      }
      case 'aurora-global':
        throw auroraRowsNotRead(store);
    }
  }
}

function auroraRowsNotRead(store: Extract<DataStoreConfig, { kind: 'aurora-global' }>): InvalidInputError {
  return new InvalidInputError(`Aurora global cluster ${store.globalClusterIdentifier}: rows are not compared (that needs database credentials)`);
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

/** Order-independent text of an attribute value: map keys and set members sorted, so replicas read alike. */
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

/** A DynamoDB item as text that is the same in every replica holding the same data. */
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
