import { DescribeTableCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import 'aws-sdk-client-mock-jest';
import { decodeKey, ReplicaItemReaders } from '../../../functions/shared/aws/replica-item-readers';
import { TransientError } from '../../../functions/shared/errors';
import { awsError, store } from './fixtures';
import { ddb, ddbMock, EAST, resetRegionalMocks, s3, s3Mock, WEST } from './regional-clients';

function stores() {
  return { adapter: new ReplicaItemReaders({ dynamoDbFor: (r) => ddb[r], s3For: (r) => s3[r] }) };
}

beforeEach(resetRegionalMocks);

describe('the comparison: layout and segment pages', () => {
  const item = (pk: string, sk: number, extra: Record<string, AttributeValue> = {}): Record<string, AttributeValue> => ({
    pk: { S: pk },
    sk: { N: String(sk) },
    ...extra,
  });
  const keyOf = (pk: string, sk: number) => JSON.stringify([pk, String(sk)]);

  function describeTable(size?: number) {
    for (const r of [EAST, WEST] as const) {
      ddbMock[r].on(DescribeTableCommand).resolves({
        Table: {
          TableName: 'orders-table',
          ...(size === undefined ? {} : { TableSizeBytes: size }),
          // RANGE listed first on purpose: the adapter orders the key by HASH then RANGE.
          KeySchema: [
            { AttributeName: 'sk', KeyType: 'RANGE' },
            { AttributeName: 'pk', KeyType: 'HASH' },
          ],
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'N' },
          ],
        },
      });
    }
  }

  it('layout: a table reports its size (DescribeTable in the region being activated), a bucket none; Aurora rows are not read', async () => {
    describeTable(12 * 1024 ** 3);
    const { adapter } = stores();
    await expect(adapter.comparisonLayout(store('dynamodb-global-table'), WEST)).resolves.toMatchObject({ sizeBytes: 12 * 1024 ** 3 });
    expect(ddbMock[WEST]).toHaveReceivedCommandWith(DescribeTableCommand, { TableName: 'orders-table' });
    expect(ddbMock[EAST]).not.toHaveReceivedAnyCommand();
    await expect(adapter.comparisonLayout(store('s3-replicated'), WEST)).resolves.toMatchObject({ sizeBytes: null });
    // The validator never asks for an Aurora store (functions/data-consistency-validator/comparable-stores.ts).
    await expect(adapter.comparisonLayout(store('aurora-global'), WEST)).rejects.toThrow(/rows are not compared/);
  });

  it('DynamoDB: one parallel-scan page of one segment: whole items, their cost, and the cursor to resume from', async () => {
    describeTable();
    ddbMock[EAST].on(ScanCommand).resolves({
      // Legacy replication attributes are not data; the heartbeat item is not the application's.
      Items: [item('a', 1, { 'aws:rep:updateregion': { S: EAST } }), item('b', 2), item('regionflip#heartbeat#us-west-2', 0)],
      LastEvaluatedKey: item('b', 2),
      ConsumedCapacity: { TableName: 'orders-table', CapacityUnits: 64 },
    });
    const page = await stores().adapter.scanSegment(store('dynamodb-global-table'), EAST, 3, 8, null);
    expect(page.items.map(([k]) => k)).toEqual([keyOf('a', 1), keyOf('b', 2)]);
    expect(page).toMatchObject({ readUnits: 64, cursor: expect.any(String) });
    // Whole items (no projection): a value that differs must change the checksum.
    expect(ddbMock[EAST].commandCalls(ScanCommand)[0].args[0].input).toEqual({
      TableName: 'orders-table',
      Segment: 3,
      TotalSegments: 8,
      ReturnConsumedCapacity: 'TOTAL',
    });
    // The cursor is the LastEvaluatedKey, given back as ExclusiveStartKey with the same segment.
    await stores().adapter.scanSegment(store('dynamodb-global-table'), EAST, 3, 8, page.cursor);
    expect(ddbMock[EAST]).toHaveReceivedCommandWith(ScanCommand, { Segment: 3, TotalSegments: 8, ExclusiveStartKey: item('b', 2) });
  });

  it('DynamoDB: whole items as canonical text, unhashed (the validator hashes them)', async () => {
    describeTable();
    ddbMock[EAST].on(ScanCommand).resolves({ Items: [item('a', 1, { total: { N: '10' }, 'aws:rep:updatetime': { N: '1' } })] });
    const page = await stores().adapter.scanSegment(store('dynamodb-global-table'), EAST, 0, 1, null);
    expect(page.items).toEqual([[keyOf('a', 1), '{"pk":{"S":"a"},"sk":{"N":"1"},"total":{"N":"10"}}']]);
  });

  it('DynamoDB: a replica with its set members in another order reads the same', async () => {
    describeTable();
    ddbMock[EAST].on(ScanCommand).resolves({ Items: [item('a', 1, { tags: { SS: ['x', 'y'] } })] });
    ddbMock[WEST].on(ScanCommand).resolves({ Items: [item('a', 1, { tags: { SS: ['y', 'x'] } })] });
    const { adapter } = stores();
    const [east, west] = await Promise.all([EAST, WEST].map((r) => adapter.scanSegment(store('dynamodb-global-table'), r, 0, 1, null)));
    expect(east.items).toEqual(west.items);
    expect(east.cursor).toBeNull();
  });

  it('DynamoDB: a binary key in the cursor survives the trip through the workflow state', async () => {
    describeTable();
    const binary = { pk: { B: new Uint8Array([0, 1, 254, 255]) }, sk: { N: '1' } };
    ddbMock[EAST].on(ScanCommand).resolves({ Items: [], LastEvaluatedKey: binary });
    const { cursor } = await stores().adapter.scanSegment(store('dynamodb-global-table'), EAST, 0, 1, null);
    expect(decodeKey(JSON.parse(JSON.stringify(cursor)) as string)).toEqual(binary);
  });

  it('DynamoDB: throttling is a TransientError for the Retry; an unreachable region is an error the comparison handles', async () => {
    describeTable();
    ddbMock[WEST].on(ScanCommand).rejects(awsError('ProvisionedThroughputExceededException'));
    await expect(stores().adapter.scanSegment(store('dynamodb-global-table'), WEST, 0, 1, null)).rejects.toBeInstanceOf(TransientError);
  });

  it('S3: one listing page (keys and sizes, never contents) with its continuation token; the heartbeat object left out', async () => {
    s3Mock[EAST].on(ListObjectsV2Command, { Bucket: 'invoices-use1' }).callsFake(async (input: { ContinuationToken?: string }) =>
      input.ContinuationToken
        ? { Contents: [{ Key: 'inv/3', Size: 30 }], IsTruncated: false }
        : {
            Contents: [
              { Key: '.regionflip/heartbeat/us-west-2', Size: 40 },
              { Key: 'inv/1', Size: 10 },
            ],
            IsTruncated: true,
            NextContinuationToken: 't1',
          },
    );
    const { adapter } = stores();
    const first = await adapter.scanSegment(store('s3-replicated'), EAST, 0, 1, null);
    expect(first).toEqual({ items: [['inv/1', 10]], cursor: 't1', readUnits: 0 });
    const second = await adapter.scanSegment(store('s3-replicated'), EAST, 0, 1, first.cursor);
    expect(second).toEqual({ items: [['inv/3', 30]], cursor: null, readUnits: 0 });
    expect(s3Mock[EAST]).toHaveReceivedCommandWith(ListObjectsV2Command, { Bucket: 'invoices-use1', ContinuationToken: 't1' });
    await expect(adapter.scanSegment(store('s3-replicated'), EAST, 1, 2, null)).rejects.toThrow(/one segment/);
  });

  it('Aurora rows are not scanned', async () => {
    await expect(stores().adapter.scanSegment(store('aurora-global'), EAST, 0, 1, null)).rejects.toThrow(/rows are not compared/);
  });
});
