import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { StepFailedError } from '../errors';
import type { ApprovalRecord, ApprovalStatus, ApprovalStore } from '../ports';
import { callAws } from './sdk-errors';

export interface DynamoDbApprovalStoreProps {
  readonly documentClient: DynamoDBDocumentClient;
  /** Partition key `approvalId` (string); TTL attribute `ttl`. */
  readonly tableName: string;
}

/** Decided and expired records stay a week for the post-incident review, then DynamoDB TTL removes them. */
export const APPROVAL_RETENTION_SECONDS = 7 * 24 * 3600;

const isConditionalCheckFailed = (err: unknown) => (err as Error | null)?.name === 'ConditionalCheckFailedException';

export class DynamoDbApprovalStore implements ApprovalStore {
  constructor(private readonly props: DynamoDbApprovalStoreProps) {}

  async put(record: ApprovalRecord): Promise<void> {
    const item = Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
    try {
      await callAws('DynamoDB PutItem approval', () =>
        this.props.documentClient.send(
          new PutCommand({
            TableName: this.props.tableName,
            Item: { ...item, ttl: Math.floor(record.expiresAt / 1000) + APPROVAL_RETENTION_SECONDS },
            // Never overwrite a record: that could reset a decided approval to PENDING.
            ConditionExpression: 'attribute_not_exists(approvalId)',
          }),
        ),
      );
    } catch (err) {
      if (isConditionalCheckFailed(err)) throw new StepFailedError(`Approval ${record.approvalId} already exists`, { cause: err });
      throw err;
    }
  }

  async get(approvalId: string): Promise<ApprovalRecord | undefined> {
    const res = await callAws('DynamoDB GetItem approval', () =>
      this.props.documentClient.send(
        // Consistent: a click right after the decision must see it, or a used link would look unused.
        new GetCommand({ TableName: this.props.tableName, Key: { approvalId }, ConsistentRead: true }),
      ),
    );
    if (!res.Item) return undefined;
    const { ttl: _ttl, ...record } = res.Item;
    return record as ApprovalRecord;
  }

  async decide(approvalId: string, decision: { status: Exclude<ApprovalStatus, 'PENDING'>; by: string; at: number; reason?: string }): Promise<boolean> {
    const names: Record<string, string> = { '#s': 'status', '#by': 'decidedBy', '#at': 'decidedAt' };
    const values: Record<string, unknown> = { ':status': decision.status, ':by': decision.by, ':at': decision.at, ':pending': 'PENDING' };
    const sets = ['#s = :status', '#by = :by', '#at = :at'];
    // DynamoDB rejects expression names or values an expression does not use, so `reason` only when given.
    if (decision.reason !== undefined) {
      names['#r'] = 'reason';
      values[':reason'] = decision.reason;
      sets.push('#r = :reason');
    }
    try {
      await callAws('DynamoDB UpdateItem approval', () =>
        this.props.documentClient.send(
          new UpdateCommand({
            TableName: this.props.tableName,
            Key: { approvalId },
            UpdateExpression: `SET ${sets.join(', ')}`,
            // The single-use guarantee: only the first writer moves it out of PENDING; a missing record fails too.
            ConditionExpression: '#s = :pending',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        ),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  async revertDecision(approvalId: string, revert: { decidedAt: number; to: 'PENDING' | 'EXPIRED'; note?: string }): Promise<boolean> {
    const names: Record<string, string> = { '#s': 'status', '#at': 'decidedAt' };
    const values: Record<string, unknown> = { ':to': revert.to, ':decidedAt': revert.decidedAt, ':approved': 'APPROVED', ':rejected': 'REJECTED' };
    let update: string;
    if (revert.to === 'PENDING') {
      names['#by'] = 'decidedBy';
      names['#r'] = 'reason';
      update = 'SET #s = :to REMOVE #by, #at, #r';
    } else {
      names['#r'] = 'reason';
      values[':note'] = revert.note ?? 'answered after Step Functions stopped waiting';
      update = 'SET #s = :to, #r = :note';
    }
    try {
      await callAws('DynamoDB UpdateItem approval (revert)', () =>
        this.props.documentClient.send(
          new UpdateCommand({
            TableName: this.props.tableName,
            Key: { approvalId },
            UpdateExpression: update,
            // Only the decision this caller made: never clobber one made after a revert to PENDING.
            ConditionExpression: '#s IN (:approved, :rejected) AND #at = :decidedAt',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        ),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }
}
