import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { DynamoDbIncidentLock } from '../../../functions/shared/aws/dynamodb-incident-lock';
import { TransientError } from '../../../functions/shared/errors';
import { awsError } from './fixtures';

const ddb = mockClient(DynamoDBClient);
const lock = () => new DynamoDbIncidentLock({ dynamoDb: new DynamoDBClient({ region: 'us-west-2' }), tableName: 'lock-table' });
const NOW = 1_741_064_767_000;
const mine = { incidentId: 'orders-us-east-1-20250304T050607Z', acquiredAt: NOW, expiresAt: NOW + 1_800_000 };
const theirs = { incidentId: 'orders-us-east-1-20250304T050500Z', acquiredAt: NOW - 67_000, expiresAt: NOW + 1_733_000 };
const item = (h: typeof theirs) => ({
  lockId: { S: 'failover#orders#us-east-1' },
  incidentId: { S: h.incidentId },
  acquiredAt: { N: String(h.acquiredAt) },
  expiresAt: { N: String(h.expiresAt) },
});

function conditionFailed(withItem: boolean) {
  return new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {}, ...(withItem ? { Item: item(theirs) } : {}) });
}

beforeEach(() => ddb.reset());

describe('DynamoDbIncidentLock', () => {
  it('takes the lock with one conditional put: free, or the holder expired (compared on expiresAt, not TTL)', async () => {
    ddb.on(PutItemCommand).resolves({});
    await expect(lock().acquire('failover#orders#us-east-1', mine, NOW)).resolves.toEqual({ acquired: true, holder: mine });
    expect(ddb).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: 'lock-table',
      Item: {
        lockId: { S: 'failover#orders#us-east-1' },
        incidentId: { S: mine.incidentId },
        acquiredAt: { N: String(NOW) },
        expiresAt: { N: String(mine.expiresAt) },
        ttl: { N: String(Math.ceil(mine.expiresAt / 1000)) },
      },
      ConditionExpression: 'attribute_not_exists(lockId) OR expiresAt <= :now',
      ExpressionAttributeValues: { ':now': { N: String(NOW) } },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it('when someone holds it, returns that holder from the failed condition without another read', async () => {
    ddb.on(PutItemCommand).rejects(conditionFailed(true));
    await expect(lock().acquire('failover#orders#us-east-1', mine, NOW)).resolves.toEqual({ acquired: false, holder: theirs });
    expect(ddb).toHaveReceivedCommandTimes(GetItemCommand, 0);
  });

  it('reads the holder consistently when the failed condition carried no item', async () => {
    ddb.on(PutItemCommand).rejects(conditionFailed(false));
    ddb.on(GetItemCommand).resolves({ Item: item(theirs) });
    await expect(lock().acquire('failover#orders#us-east-1', mine, NOW)).resolves.toEqual({ acquired: false, holder: theirs });
    expect(ddb).toHaveReceivedCommandWith(GetItemCommand, {
      TableName: 'lock-table',
      Key: { lockId: { S: 'failover#orders#us-east-1' } },
      ConsistentRead: true,
    });
  });

  it('a holder that vanished or is unreadable is a TransientError (retry), never a lock taken', async () => {
    ddb.on(PutItemCommand).rejects(conditionFailed(false));
    ddb.on(GetItemCommand).resolves({});
    await expect(lock().acquire('failover#orders#us-east-1', mine, NOW)).rejects.toThrow(TransientError);
  });

  it('throttling is a TransientError; a permanent error passes through', async () => {
    ddb.on(PutItemCommand).rejects(awsError('ProvisionedThroughputExceededException'));
    await expect(lock().acquire('k', mine, NOW)).rejects.toThrow(TransientError);
    const denied = awsError('AccessDeniedException', { status: 403 });
    ddb.on(PutItemCommand).rejects(denied);
    await expect(lock().acquire('k', mine, NOW)).rejects.toBe(denied);
  });
});
