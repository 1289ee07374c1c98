import { DescribeTableCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import 'aws-sdk-client-mock-jest';
import { AwsReplicationHeartbeats } from '../../../functions/shared/aws/aws-replication-heartbeats';
import { awsError, store } from './fixtures';
import { ddb, ddbMock, EAST, resetRegionalMocks, s3, s3Mock, WEST } from './regional-clients';

beforeEach(resetRegionalMocks);

describe('the replication heartbeat', () => {
  const schema = (type: 'S' | 'N' | 'B', sort = false) => ({
    Table: {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' as const }, ...(sort ? [{ AttributeName: 'sk', KeyType: 'RANGE' as const }] : [])],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: type }, ...(sort ? [{ AttributeName: 'sk', AttributeType: 'S' as const }] : [])],
    },
  });
  const heartbeats = () => new AwsReplicationHeartbeats({ dynamoDbFor: (r) => ddb[r], s3For: (r) => s3[r], regions: [EAST, WEST] });

  it("writer: puts its own region's item (reserved key, its time) into its own replica of the table", async () => {
    ddbMock[EAST].on(DescribeTableCommand).resolves(schema('S', true));
    ddbMock[EAST].on(PutItemCommand).resolves({});
    await heartbeats().beat(store('dynamodb-global-table'), EAST, 1_700_000_000_000);
    expect(ddbMock[EAST]).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: 'orders-table',
      Item: {
        pk: { S: 'regionflip#heartbeat#us-east-1' },
        sk: { S: 'regionflip#heartbeat' },
        regionflipHeartbeatOrigin: { S: EAST },
        regionflipHeartbeatAt: { N: '1700000000000' },
      },
    });
    expect(ddbMock[WEST]).not.toHaveReceivedAnyCommand();
  });

  it('writer: a table keyed by a number gets its reserved number; a binary key gets no heartbeat', async () => {
    ddbMock[WEST].on(DescribeTableCommand).resolves(schema('N'));
    await heartbeats().beat(store('dynamodb-global-table'), WEST, 1);
    expect(ddbMock[WEST]).toHaveReceivedCommandWith(PutItemCommand, { Item: expect.objectContaining({ pk: { N: '-9007199254740991' } }) });
    ddbMock[EAST].on(DescribeTableCommand).resolves(schema('B'));
    await expect(heartbeats().beat(store('dynamodb-global-table'), EAST, 1)).rejects.toThrow(/binary key/);
  });

  it('writer: a small object under the reserved prefix of its own bucket', async () => {
    s3Mock[WEST].on(PutObjectCommand).resolves({});
    await heartbeats().beat(store('s3-replicated'), WEST, 42);
    expect(s3Mock[WEST]).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: 'invoices-usw2',
      Key: '.regionflip/heartbeat/us-west-2',
      Body: '{"origin":"us-west-2","writtenAt":42}',
    });
    await expect(heartbeats().beat(store('aurora-global'), WEST, 42)).rejects.toThrow(/no heartbeat/);
  });

  it("reader: the other region's item in the local replica, read strongly consistent", async () => {
    ddbMock[WEST].on(DescribeTableCommand).resolves(schema('S'));
    ddbMock[WEST].on(GetItemCommand).resolves({ Item: { pk: { S: 'regionflip#heartbeat#us-east-1' }, regionflipHeartbeatAt: { N: '1700000000000' } } });
    await expect(heartbeats().newest(store('dynamodb-global-table'), EAST, WEST)).resolves.toMatchObject({ writtenAt: 1_700_000_000_000, readable: true });
    expect(ddbMock[WEST]).toHaveReceivedCommandWith(GetItemCommand, {
      TableName: 'orders-table',
      Key: { pk: { S: 'regionflip#heartbeat#us-east-1' } },
      ConsistentRead: true,
    });
    expect(ddbMock[EAST]).not.toHaveReceivedAnyCommand();
  });

  it('reader: no item is "missing", an unreadable replica is "unreadable", neither throws', async () => {
    ddbMock[WEST].on(DescribeTableCommand).resolves(schema('S'));
    ddbMock[WEST].on(GetItemCommand).resolves({});
    await expect(heartbeats().newest(store('dynamodb-global-table'), EAST, WEST)).resolves.toMatchObject({ writtenAt: null, readable: true });
    ddbMock[WEST].on(GetItemCommand).rejects(awsError('AccessDeniedException'));
    await expect(heartbeats().newest(store('dynamodb-global-table'), EAST, WEST)).resolves.toMatchObject({
      writtenAt: null,
      readable: false,
      detail: expect.stringMatching(/AccessDeniedException/),
    });
  });

  it('reader: S3 object body; NoSuchKey is missing (is the prefix replicated?)', async () => {
    s3Mock[WEST].on(GetObjectCommand).resolves({ Body: { transformToString: async () => '{"origin":"us-east-1","writtenAt":99}' } as never });
    await expect(heartbeats().newest(store('s3-replicated'), EAST, WEST)).resolves.toMatchObject({ writtenAt: 99, readable: true });
    expect(s3Mock[WEST]).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: 'invoices-usw2', Key: '.regionflip/heartbeat/us-east-1' });
    s3Mock[WEST].on(GetObjectCommand).rejects(awsError('NoSuchKey', { status: 404 }));
    await expect(heartbeats().newest(store('s3-replicated'), EAST, WEST)).resolves.toMatchObject({
      writtenAt: null,
      readable: true,
      detail: expect.stringMatching(/replication rule cover/),
    });
  });
});
