import { GetItemCommand, PutItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TransientError } from '../errors';
import type { IncidentLock, IncidentLockHolder } from '../ports';
import { callAws, rethrowSdkError } from './sdk-errors';

export interface DynamoDbIncidentLockProps {
  /** DynamoDB of the region this copy runs in: the lock is regional, never a global table. */
  readonly dynamoDb: DynamoDBClient;
  /** Partition key `lockId`, TTL attribute `ttl` (infra/constructs/state-tables.ts). */
  readonly tableName: string;
}

/**
 * The incident lock as one conditional PutItem: it succeeds when nobody holds the key or the holder's
 * `expiresAt` has passed. TTL deletion lags by up to days, so the condition compares `expiresAt` itself;
 * `ttl` only keeps the table small.
 */
export class DynamoDbIncidentLock implements IncidentLock {
  constructor(private readonly props: DynamoDbIncidentLockProps) {}

  async acquire(key: string, holder: IncidentLockHolder, now: number): Promise<{ acquired: boolean; holder: IncidentLockHolder }> {
    try {
      await this.props.dynamoDb.send(
        new PutItemCommand({
          TableName: this.props.tableName,
          Item: {
            lockId: { S: key },
            incidentId: { S: holder.incidentId },
            acquiredAt: { N: String(holder.acquiredAt) },
            expiresAt: { N: String(holder.expiresAt) },
            ttl: { N: String(Math.ceil(holder.expiresAt / 1000)) },
          },
          ConditionExpression: 'attribute_not_exists(lockId) OR expiresAt <= :now',
          ExpressionAttributeValues: { ':now': { N: String(now) } },
          // Saves a read on the losing side: the failed condition returns the holder.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { acquired: true, holder };
    } catch (err) {
      if ((err as Error | null)?.name !== 'ConditionalCheckFailedException')
        return rethrowSdkError(err, `DynamoDB PutItem on ${this.props.tableName} (incident lock ${key})`);
      const returned = (err as { Item?: Record<string, AttributeValue> }).Item;
      return { acquired: false, holder: toHolder(returned ?? (await this.read(key)), key) };
    }
  }

  private async read(key: string): Promise<Record<string, AttributeValue> | undefined> {
    const out = await callAws(`DynamoDB GetItem on ${this.props.tableName} (incident lock ${key})`, () =>
      this.props.dynamoDb.send(new GetItemCommand({ TableName: this.props.tableName, Key: { lockId: { S: key } }, ConsistentRead: true })),
    );
    return out.Item;
  }
}

function toHolder(item: Record<string, AttributeValue> | undefined, key: string): IncidentLockHolder {
  const incidentId = item?.incidentId?.S;
  const acquiredAt = Number(item?.acquiredAt?.N);
  const expiresAt = Number(item?.expiresAt?.N);
  // The condition failed, so a holder existed a moment ago; gone or garbled now means "try again".
  if (!incidentId || !Number.isFinite(acquiredAt) || !Number.isFinite(expiresAt)) {
    throw new TransientError(`Incident lock ${key} is held but its holder could not be read (${JSON.stringify(item ?? null)})`);
  }
  return { incidentId, acquiredAt, expiresAt };
}
