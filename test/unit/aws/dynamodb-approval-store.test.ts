import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { APPROVAL_RETENTION_SECONDS, DynamoDbApprovalStore } from '../../../functions/shared/aws/dynamodb-approval-store';
import { StepFailedError, TransientError } from '../../../functions/shared/errors';
import type { ApprovalRecord } from '../../../functions/shared/ports';
import { awsError } from './fixtures';

const doc = mockClient(DynamoDBDocumentClient);
const TABLE = 'orders-dr-approvals';

const store = () => new DynamoDbApprovalStore({ documentClient: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-west-2' })), tableName: TABLE });

const record: ApprovalRecord = {
  approvalId: 'ap-0123456789',
  taskToken: 'token-secret',
  executionId: 'arn:aws:states:us-west-2:111122223333:execution:failover:inc-1',
  incidentId: 'inc-1',
  action: 'regional-failover',
  fromRegion: 'us-east-1',
  toRegion: 'us-west-2',
  expiresAt: 1_735_787_045_500,
  createdAt: 1_735_786_145_500,
  status: 'PENDING',
  csrfToken: 'csrf-1',
  summary: {
    application: 'orders',
    verdict: 'FAILOVER_WARRANTED',
    evidence: ['FAIL canary'],
    estimatedRpoMs: null,
    rpoTargetMs: 5000,
    rpoWithinTarget: false,
    dryRun: false,
  },
  decidedBy: undefined,
};

beforeEach(() => doc.reset());

describe('DynamoDbApprovalStore.put', () => {
  it('writes the record once, with a TTL a week after expiry, never overwriting', async () => {
    doc.on(PutCommand).resolves({});
    await store().put(record);
    const { decidedBy: _unset, ...defined } = record;
    expect(doc.commandCalls(PutCommand)[0].args[0].input).toEqual({
      TableName: TABLE,
      Item: { ...defined, ttl: 1_735_787_045 + APPROVAL_RETENTION_SECONDS },
      ConditionExpression: 'attribute_not_exists(approvalId)',
    });
    expect(APPROVAL_RETENTION_SECONDS).toBe(604_800);
  });

  it('reports an existing id as StepFailedError', async () => {
    doc.on(PutCommand).rejects(awsError('ConditionalCheckFailedException'));
    await expect(store().put(record)).rejects.toBeInstanceOf(StepFailedError);
  });

  it('turns throttling into TransientError', async () => {
    doc.on(PutCommand).rejects(awsError('ProvisionedThroughputExceededException'));
    await expect(store().put(record)).rejects.toBeInstanceOf(TransientError);
  });
});

describe('DynamoDbApprovalStore.get', () => {
  it('reads consistently and returns the record without the ttl attribute', async () => {
    const { decidedBy: _unset, ...defined } = record;
    doc.on(GetCommand).resolves({ Item: { ...defined, ttl: 123 } });
    await expect(store().get('ap-0123456789')).resolves.toEqual(defined);
    expect(doc.commandCalls(GetCommand)[0].args[0].input).toEqual({ TableName: TABLE, Key: { approvalId: 'ap-0123456789' }, ConsistentRead: true });
  });

  it('returns undefined for an unknown id', async () => {
    doc.on(GetCommand).resolves({});
    await expect(store().get('nope-nope-nope')).resolves.toBeUndefined();
  });
});

describe('DynamoDbApprovalStore.decide', () => {
  it('moves PENDING to the decision with a conditional update', async () => {
    doc.on(UpdateCommand).resolves({});
    await expect(store().decide('ap-0123456789', { status: 'REJECTED', by: 'oncall@example.com', at: 1000, reason: 'false alarm' })).resolves.toBe(true);
    expect(doc.commandCalls(UpdateCommand)[0].args[0].input).toEqual({
      TableName: TABLE,
      Key: { approvalId: 'ap-0123456789' },
      UpdateExpression: 'SET #s = :status, #by = :by, #at = :at, #r = :reason',
      ConditionExpression: '#s = :pending',
      ExpressionAttributeNames: { '#s': 'status', '#by': 'decidedBy', '#at': 'decidedAt', '#r': 'reason' },
      ExpressionAttributeValues: { ':status': 'REJECTED', ':by': 'oncall@example.com', ':at': 1000, ':pending': 'PENDING', ':reason': 'false alarm' },
    });
  });

  it('leaves reason out of the expression when there is none (DynamoDB rejects unused names)', async () => {
    doc.on(UpdateCommand).resolves({});
    await store().decide('ap-0123456789', { status: 'APPROVED', by: 'oncall@example.com', at: 1000 });
    const input = doc.commandCalls(UpdateCommand)[0].args[0].input;
    expect(input.UpdateExpression).toBe('SET #s = :status, #by = :by, #at = :at');
    expect(input.ExpressionAttributeNames).toEqual({ '#s': 'status', '#by': 'decidedBy', '#at': 'decidedAt' });
    expect(input.ExpressionAttributeValues).toEqual({ ':status': 'APPROVED', ':by': 'oncall@example.com', ':at': 1000, ':pending': 'PENDING' });
  });

  it('returns false when someone decided first (conditional check failed)', async () => {
    doc.on(UpdateCommand).rejects(awsError('ConditionalCheckFailedException'));
    await expect(store().decide('ap-0123456789', { status: 'APPROVED', by: 'oncall@example.com', at: 1000 })).resolves.toBe(false);
  });

  it('turns throttling into TransientError rather than a false "already decided"', async () => {
    doc.on(UpdateCommand).rejects(awsError('ThrottlingException'));
    await expect(store().decide('ap-0123456789', { status: 'APPROVED', by: 'oncall@example.com', at: 1000 })).rejects.toBeInstanceOf(TransientError);
  });
});

describe('DynamoDbApprovalStore.revertDecision', () => {
  it('puts an undelivered decision back to PENDING, only while the record still holds that decision', async () => {
    doc.on(UpdateCommand).resolves({});
    await expect(store().revertDecision('ap-0123456789', { decidedAt: 1000, to: 'PENDING' })).resolves.toBe(true);
    expect(doc).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: TABLE,
      Key: { approvalId: 'ap-0123456789' },
      UpdateExpression: 'SET #s = :to REMOVE #by, #at, #r',
      ConditionExpression: '#s IN (:approved, :rejected) AND #at = :decidedAt',
      ExpressionAttributeNames: { '#s': 'status', '#at': 'decidedAt', '#by': 'decidedBy', '#r': 'reason' },
      ExpressionAttributeValues: { ':to': 'PENDING', ':decidedAt': 1000, ':approved': 'APPROVED', ':rejected': 'REJECTED' },
    });
  });

  it('marks a late answer EXPIRED with the note as reason, keeping who answered', async () => {
    doc.on(UpdateCommand).resolves({});
    await store().revertDecision('ap-0123456789', { decidedAt: 1000, to: 'EXPIRED', note: 'too late' });
    const input = doc.commandCalls(UpdateCommand)[0].args[0].input;
    expect(input.UpdateExpression).toBe('SET #s = :to, #r = :note');
    expect(input.ExpressionAttributeValues).toMatchObject({ ':to': 'EXPIRED', ':note': 'too late' });
    expect(input.ExpressionAttributeNames).not.toHaveProperty('#by');
  });

  it('returns false when the record holds another decision (conditional check failed)', async () => {
    doc.on(UpdateCommand).rejects(awsError('ConditionalCheckFailedException'));
    await expect(store().revertDecision('ap-0123456789', { decidedAt: 1000, to: 'PENDING' })).resolves.toBe(false);
  });
});
