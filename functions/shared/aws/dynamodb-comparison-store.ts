import { PutItemCommand, QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Clock, ComparisonWorkStore } from '../ports';
import { systemClock } from '../ports';
import { callAws } from './sdk-errors';

export interface DynamoDbComparisonStoreProps {
  readonly dynamoDb: DynamoDBClient;
  /** Partition key `comparisonId` (string), sort key `part` (string), TTL attribute `expiresAt` (epoch seconds). */
  readonly tableName: string;
  /** How long a comparison's parts are kept. @default 7 days */
  readonly retentionSeconds?: number;
  /** @default systemClock */
  readonly clock?: Clock;
}

/**
 * The segmented comparison's scratch space in this region's comparison table. Parts are binary (a digest) or JSON
 * (keys, results); none exceeds ~330 KB, under DynamoDB's 400 KB item limit. Reads are strongly consistent: a merge
 * must see every part the segments' invocations wrote just before it.
 */
export class DynamoDbComparisonStore implements ComparisonWorkStore {
  private readonly clock: Clock;

  constructor(private readonly props: DynamoDbComparisonStoreProps) {
    this.clock = props.clock ?? systemClock;
  }

  async put(comparisonId: string, part: string, body: Uint8Array): Promise<void> {
    const expiresAt = Math.floor(this.clock.now() / 1000) + (this.props.retentionSeconds ?? 7 * 86_400);
    await callAws(`DynamoDB PutItem comparison part ${part}`, () =>
      this.props.dynamoDb.send(
        new PutItemCommand({
          TableName: this.props.tableName,
          Item: { comparisonId: { S: comparisonId }, part: { S: part }, body: { B: body }, expiresAt: { N: String(expiresAt) } },
        }),
      ),
    );
  }

  async list(comparisonId: string, prefix: string): Promise<Array<{ part: string; body: Uint8Array }>> {
    const out: Array<{ part: string; body: Uint8Array }> = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await callAws(`DynamoDB Query comparison parts ${prefix}`, () =>
        this.props.dynamoDb.send(
          new QueryCommand({
            TableName: this.props.tableName,
            KeyConditionExpression: 'comparisonId = :c AND begins_with(#p, :p)',
            ExpressionAttributeNames: { '#p': 'part' },
            ExpressionAttributeValues: { ':c': { S: comparisonId }, ':p': { S: prefix } },
            ConsistentRead: true,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        ),
      );
      for (const item of page.Items ?? []) {
        const part = item.part?.S;
        const body = item.body?.B;
        if (part !== undefined && body !== undefined) out.push({ part, body });
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }
}
