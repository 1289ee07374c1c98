import { DescribeTableCommand, GetItemCommand, PutItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { DataStoreConfig } from '../../../config/schema';
import { clip } from '../bounded';
import { InvalidInputError, StepFailedError } from '../errors';
import { heartbeatKey, numericHeartbeatKey, s3HeartbeatKey } from '../heartbeat';
import type { HeartbeatReading, HeartbeatWriter, RegionName } from '../ports';
import { callAws, errorName } from './sdk-errors';
import { bucketIn } from './store-resources';

/**
 * The replication heartbeat in AWS (docs/adr/0019-data-at-risk-measured.md): a reserved item in each DynamoDB global
 * table and a small object in each replicated S3 bucket, one per writing region, carrying the time it was written.
 */

/** Attributes of the heartbeat item besides its key: who wrote it and when (epoch ms). */
const HEARTBEAT_ORIGIN_ATTRIBUTE = 'regionflipHeartbeatOrigin';
export const HEARTBEAT_AT_ATTRIBUTE = 'regionflipHeartbeatAt';
/** Sort key value of the heartbeat item in a table that has a sort key (by the sort key's type). */
const SORT_KEY_VALUE: Record<string, AttributeValue> = { S: { S: 'regionflip#heartbeat' }, N: { N: '0' } };

type Dynamo = Extract<DataStoreConfig, { kind: 'dynamodb-global-table' }>;

interface KeyShape {
  readonly partition: { readonly name: string; readonly type: string };
  readonly sort?: { readonly name: string; readonly type: string };
}

/**
 * The key of `origin`'s heartbeat item, from the table's key schema. A string partition key gets
 * `regionflip#heartbeat#<region>`, a number one of two reserved negative numbers; a binary partition key gets none
 * (the writer's IAM condition names the key values, which it cannot do for bytes), so such a table's lag is unknown.
 */
export function heartbeatItemKey(shape: KeyShape, origin: RegionName, regions: readonly [string, string]): Record<string, AttributeValue> | null {
  const partition =
    shape.partition.type === 'S' ? { S: heartbeatKey(origin) } : shape.partition.type === 'N' ? { N: numericHeartbeatKey(origin, regions) } : null;
  if (!partition) return null;
  if (!shape.sort) return { [shape.partition.name]: partition };
  const sort = SORT_KEY_VALUE[shape.sort.type];
  return sort ? { [shape.partition.name]: partition, [shape.sort.name]: sort } : null;
}

/** Key schemas by region and table, read once per container: they never change under a running table. */
export class TableKeyShapes {
  private readonly shapes = new Map<string, Promise<KeyShape>>();

  constructor(private readonly dynamoDbFor: (region: RegionName) => DynamoDBClient) {}

  get(tableName: string, region: RegionName): Promise<KeyShape> {
    const id = `${region}/${tableName}`;
    let shape = this.shapes.get(id);
    if (!shape) {
      shape = this.describe(tableName, region);
      this.shapes.set(id, shape);
      // A failed read is not remembered: the next call asks again.
      shape.catch(() => this.shapes.delete(id));
    }
    return shape;
  }

  private async describe(tableName: string, region: RegionName): Promise<KeyShape> {
    const res = await callAws(`DynamoDB DescribeTable ${tableName} in ${region}`, () =>
      this.dynamoDbFor(region).send(new DescribeTableCommand({ TableName: tableName })),
    );
    const schema = res.Table?.KeySchema ?? [];
    const typeOf = (name: string) => res.Table?.AttributeDefinitions?.find((a) => a.AttributeName === name)?.AttributeType ?? 'S';
    const hash = schema.find((k) => k.KeyType === 'HASH')?.AttributeName;
    if (!hash) throw new StepFailedError(`DynamoDB DescribeTable ${tableName} in ${region} returned no partition key`);
    const range = schema.find((k) => k.KeyType === 'RANGE')?.AttributeName;
    return { partition: { name: hash, type: typeOf(hash) }, ...(range ? { sort: { name: range, type: typeOf(range) } } : {}) };
  }
}

export interface AwsHeartbeatsProps {
  readonly dynamoDbFor: (region: RegionName) => DynamoDBClient;
  readonly s3For: (region: RegionName) => S3Client;
  /** The two configured regions, primary first (the numeric heartbeat keys are assigned by position). */
  readonly regions: readonly [string, string];
  /** @default a TableKeyShapes over dynamoDbFor */
  readonly keyShapes?: TableKeyShapes;
}

/** Writes and reads heartbeats; the writer function and the validator each use the half they are allowed to. */
export class AwsReplicationHeartbeats implements HeartbeatWriter {
  private readonly keys: TableKeyShapes;

  constructor(private readonly props: AwsHeartbeatsProps) {
    this.keys = props.keyShapes ?? new TableKeyShapes(props.dynamoDbFor);
  }

  async beat(store: DataStoreConfig, region: RegionName, at: number): Promise<void> {
    switch (store.kind) {
      case 'dynamodb-global-table': {
        const key = await this.dynamoKey(store, region, region);
        if (!key) throw new StepFailedError(`DynamoDB table ${store.tableName} has a binary key: no heartbeat can be written (its lag stays unknown)`);
        await callAws(`DynamoDB PutItem heartbeat ${store.tableName} in ${region}`, () =>
          this.props.dynamoDbFor(region).send(
            new PutItemCommand({
              TableName: store.tableName,
              Item: { ...key, [HEARTBEAT_ORIGIN_ATTRIBUTE]: { S: region }, [HEARTBEAT_AT_ATTRIBUTE]: { N: String(at) } },
            }),
          ),
        );
        return;
      }
      case 's3-replicated': {
        const bucket = bucketIn(store, region);
        await callAws(`S3 PutObject heartbeat ${bucket}`, () =>
          this.props.s3For(region).send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: s3HeartbeatKey(region),
              Body: JSON.stringify({ origin: region, writtenAt: at }),
              ContentType: 'application/json',
            }),
          ),
        );
        return;
      }
      case 'aurora-global':
        throw new InvalidInputError(
          `Aurora global cluster ${store.globalClusterIdentifier} gets no heartbeat (the control plane holds no database credentials)`,
        );
    }
  }

  /** `origin`'s newest heartbeat in the replica in `readIn`; an unreadable replica is `readable: false`, never an error. */
  async newest(store: DataStoreConfig, origin: RegionName, readIn: RegionName): Promise<HeartbeatReading> {
    const unreadable = (what: string, err: unknown): HeartbeatReading => ({
      writtenAt: null,
      readable: false,
      detail: clip(`could not read ${what} in ${readIn} (${errorName(err)}: ${(err as Error).message})`, 200),
    });
    switch (store.kind) {
      case 'dynamodb-global-table': {
        let item: Record<string, AttributeValue> | undefined;
        try {
          const key = await this.dynamoKey(store, origin, readIn);
          if (!key) return { writtenAt: null, readable: true, detail: `table ${store.tableName} has a binary key: it has no heartbeat` };
          // A strongly consistent read of the local replica: what this region holds now.
          const res = await callAws(`DynamoDB GetItem heartbeat ${store.tableName} in ${readIn}`, () =>
            this.props.dynamoDbFor(readIn).send(new GetItemCommand({ TableName: store.tableName, Key: key, ConsistentRead: true })),
          );
          item = res.Item;
        } catch (err) {
          return unreadable(`the heartbeat of table ${store.tableName}`, err);
        }
        const at = Number(item?.[HEARTBEAT_AT_ATTRIBUTE]?.N);
        if (!item || !Number.isFinite(at))
          return { writtenAt: null, readable: true, detail: `no heartbeat item of ${origin} in table ${store.tableName} in ${readIn}` };
        return { writtenAt: at, readable: true, detail: `item ${heartbeatKey(origin)} of table ${store.tableName} in ${readIn}` };
      }
      case 's3-replicated': {
        const bucket = bucketIn(store, readIn);
        const key = s3HeartbeatKey(origin);
        let text: string;
        try {
          const res = await callAws(`S3 GetObject heartbeat ${bucket}`, () =>
            this.props.s3For(readIn).send(new GetObjectCommand({ Bucket: bucket, Key: key })),
          );
          text = (await res.Body?.transformToString()) ?? '';
        } catch (err) {
          if (errorName(err) === 'NoSuchKey' || errorName(err) === 'NotFound') {
            return { writtenAt: null, readable: true, detail: `no object ${key} in bucket ${bucket} (does the replication rule cover ${key}?)` };
          }
          return unreadable(`the heartbeat object of bucket ${bucket}`, err);
        }
        const at = Number((parseJson(text) as { writtenAt?: unknown } | undefined)?.writtenAt);
        if (!Number.isFinite(at)) return { writtenAt: null, readable: true, detail: `object ${key} in bucket ${bucket} holds no heartbeat time` };
        return { writtenAt: at, readable: true, detail: `object ${key} in bucket ${bucket}` };
      }
      case 'aurora-global':
        return { writtenAt: null, readable: true, detail: 'Aurora has no heartbeat' };
    }
  }

  private async dynamoKey(store: Dynamo, origin: RegionName, readIn: RegionName): Promise<Record<string, AttributeValue> | null> {
    return heartbeatItemKey(await this.keys.get(store.tableName, readIn), origin, this.props.regions);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
