import { createHash } from 'node:crypto';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ApproverChallenges, CodeChallenge } from '../ports';
import { APPROVAL_RETENTION_SECONDS } from './dynamodb-approval-store';
import { callAws } from './sdk-errors';

export interface DynamoDbApproverChallengesProps {
  readonly documentClient: DynamoDBDocumentClient;
  /** The approvals table (partition key `approvalId`, TTL `ttl`): these items live beside the requests. */
  readonly tableName: string;
}

const isConditionalCheckFailed = (err: unknown) => (err as Error | null)?.name === 'ConditionalCheckFailedException';

/** Keys of the helper items. None can collide with an approval id, which is base64url only (no `#`). */
const challengeKey = (challengeId: string) => `code#${challengeId}`;
const counterKey = (approvalId: string, address: string) => `codes#${approvalId}#${createHash('sha256').update(address).digest('base64url')}`;
const executionKey = (executionId: string) => `execution#${executionId}`;

/** A day past the code's expiry is plenty for the post-incident review; the audit table keeps the story. */
const CHALLENGE_RETENTION_SECONDS = 24 * 3600;

/**
 * Emailed codes and the execution -> approval pointer in the approvals table. Everything is an UpdateItem or a
 * GetItem except the pointer (a PutItem by approval-request), so approval-callback needs no more rights than it has.
 */
export class DynamoDbApproverChallenges implements ApproverChallenges {
  constructor(private readonly props: DynamoDbApproverChallengesProps) {}

  async issue(c: CodeChallenge, limit: number): Promise<boolean> {
    const ttl = Math.floor(c.expiresAt / 1000) + APPROVAL_RETENTION_SECONDS;
    try {
      await callAws('DynamoDB UpdateItem code counter', () =>
        this.props.documentClient.send(
          new UpdateCommand({
            TableName: this.props.tableName,
            Key: { approvalId: counterKey(c.approvalId, c.address) },
            UpdateExpression: 'ADD #n :one SET #ttl = :ttl',
            // Counted whether or not the address is listed, so the limit says nothing about the list.
            ConditionExpression: 'attribute_not_exists(#n) OR #n < :limit',
            ExpressionAttributeNames: { '#n': 'issued', '#ttl': 'ttl' },
            ExpressionAttributeValues: { ':one': 1, ':limit': limit, ':ttl': ttl },
          }),
        ),
      );
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
    const names: Record<string, string> = { '#a': 'forApproval', '#addr': 'address', '#exp': 'expiresAt', '#tries': 'attempts', '#ttl': 'ttl' };
    const values: Record<string, unknown> = {
      ':a': c.approvalId,
      ':addr': c.address,
      ':exp': c.expiresAt,
      ':tries': 0,
      ':ttl': Math.floor(c.expiresAt / 1000) + CHALLENGE_RETENTION_SECONDS,
    };
    const sets = ['#a = :a', '#addr = :addr', '#exp = :exp', '#tries = :tries', '#ttl = :ttl'];
    if (c.codeHash !== undefined) {
      names['#h'] = 'codeHash';
      values[':h'] = c.codeHash;
      sets.push('#h = :h');
    }
    await callAws('DynamoDB UpdateItem code challenge', () =>
      this.props.documentClient.send(
        new UpdateCommand({
          TableName: this.props.tableName,
          Key: { approvalId: challengeKey(c.challengeId) },
          UpdateExpression: `SET ${sets.join(', ')}`,
          // A challenge is written once: a colliding id must never reset another person's tries.
          ConditionExpression: 'attribute_not_exists(approvalId)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
    return true;
  }

  async get(challengeId: string): Promise<CodeChallenge | undefined> {
    const res = await callAws('DynamoDB GetItem code challenge', () =>
      this.props.documentClient.send(new GetCommand({ TableName: this.props.tableName, Key: { approvalId: challengeKey(challengeId) }, ConsistentRead: true })),
    );
    const item = res.Item;
    if (!item || typeof item.forApproval !== 'string') return undefined;
    return {
      challengeId,
      approvalId: item.forApproval,
      address: String(item.address),
      ...(typeof item.codeHash === 'string' ? { codeHash: item.codeHash } : {}),
      expiresAt: Number(item.expiresAt),
      attempts: Number(item.attempts ?? 0),
    };
  }

  async countAttempt(challengeId: string, maxAttempts: number): Promise<boolean> {
    try {
      await callAws('DynamoDB UpdateItem code attempt', () =>
        this.props.documentClient.send(
          new UpdateCommand({
            TableName: this.props.tableName,
            Key: { approvalId: challengeKey(challengeId) },
            UpdateExpression: 'ADD #tries :one',
            ConditionExpression: 'attribute_exists(approvalId) AND #tries < :max',
            ExpressionAttributeNames: { '#tries': 'attempts' },
            ExpressionAttributeValues: { ':one': 1, ':max': maxAttempts },
          }),
        ),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  async linkExecution(executionId: string, approvalId: string, expiresAt: number): Promise<void> {
    await callAws('DynamoDB PutItem execution pointer', () =>
      this.props.documentClient.send(
        // Overwritten on purpose: a retried RequestApproval makes a newer request, and that one is waited on.
        new PutCommand({
          TableName: this.props.tableName,
          Item: { approvalId: executionKey(executionId), target: approvalId, ttl: Math.floor(expiresAt / 1000) + APPROVAL_RETENTION_SECONDS },
        }),
      ),
    );
  }

  async approvalOf(executionId: string): Promise<string | undefined> {
    const res = await callAws('DynamoDB GetItem execution pointer', () =>
      this.props.documentClient.send(new GetCommand({ TableName: this.props.tableName, Key: { approvalId: executionKey(executionId) }, ConsistentRead: true })),
    );
    return typeof res.Item?.target === 'string' ? res.Item.target : undefined;
  }
}
