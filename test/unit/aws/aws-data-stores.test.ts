import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DescribeGlobalClustersCommand, FailoverGlobalClusterCommand, RDSClient, SwitchoverGlobalClusterCommand, type GlobalCluster } from '@aws-sdk/client-rds';
import { GetBucketReplicationCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { AwsDataStores, type AwsDataStoresProps } from '../../../functions/shared/aws/aws-data-stores';
import { clusterIdFromArn } from '../../../functions/shared/aws/cloudwatch-replication-lag';
import { decodeKey } from '../../../functions/shared/aws/replica-item-readers';
import { AwsReplicationHeartbeats } from '../../../functions/shared/aws/aws-replication-heartbeats';
import { DynamoDbComparisonStore } from '../../../functions/shared/aws/dynamodb-comparison-store';
import { StepFailedError, TransientError } from '../../../functions/shared/errors';
import { awsError, fixedClock, store } from './fixtures';

const EAST = 'us-east-1' as const;
const WEST = 'us-west-2' as const;
const NOW = '2025-01-02T03:04:05.000Z';
const EAST_ARN = 'arn:aws:rds:us-east-1:111122223333:cluster:ledger-use1';
const WEST_ARN = 'arn:aws:rds:us-west-2:111122223333:cluster:ledger-usw2';

// One client per region, each mocked on its own, so a test can prove which region was (not) called.
const cw = { [EAST]: new CloudWatchClient({ region: EAST }), [WEST]: new CloudWatchClient({ region: WEST }) } as Record<string, CloudWatchClient>;
const rds = { [EAST]: new RDSClient({ region: EAST }), [WEST]: new RDSClient({ region: WEST }) } as Record<string, RDSClient>;
const ddb = { [EAST]: new DynamoDBClient({ region: EAST }), [WEST]: new DynamoDBClient({ region: WEST }) } as Record<string, DynamoDBClient>;
const s3 = { [EAST]: new S3Client({ region: EAST }), [WEST]: new S3Client({ region: WEST }) } as Record<string, S3Client>;
const cwMock = { [EAST]: mockClient(cw[EAST]), [WEST]: mockClient(cw[WEST]) };
const rdsMock = { [EAST]: mockClient(rds[EAST]), [WEST]: mockClient(rds[WEST]) };
const ddbMock = { [EAST]: mockClient(ddb[EAST]), [WEST]: mockClient(ddb[WEST]) };
const s3Mock = { [EAST]: mockClient(s3[EAST]), [WEST]: mockClient(s3[WEST]) };

function stores(props: Partial<AwsDataStoresProps> = {}) {
  const sleep = jest.fn(async (_ms: number) => {});
  const adapter = new AwsDataStores({
    regions: [EAST, WEST],
    cloudWatchFor: (r) => cw[r],
    rdsFor: (r) => rds[r],
    dynamoDbFor: (r) => ddb[r],
    s3For: (r) => s3[r],
    clock: fixedClock(NOW),
    sleep,
    promotionPollIntervalMs: 1_000,
    promotionMaxWaitMs: 3_000,
    ...props,
  });
  return { adapter, sleep };
}

beforeEach(() => {
  for (const m of [cwMock, rdsMock, ddbMock, s3Mock]) for (const r of [EAST, WEST] as const) m[r].reset();
});

const metricQuery = (namespace: string, metricName: string, dimensions: Array<{ Name: string; Value: string }>) => ({
  StartTime: new Date(Date.parse(NOW) - 300_000),
  EndTime: new Date(NOW),
  ScanBy: 'TimestampDescending',
  MetricDataQueries: [{ Id: 'lag', MetricStat: { Metric: { Namespace: namespace, MetricName: metricName, Dimensions: dimensions }, Period: 60, Stat: 'Maximum' }, ReturnData: true }],
});

describe('replicationLagMs', () => {
  it('DynamoDB: reads ReplicationLatency in the source region with ReceivingRegion = target, worst datapoint', async () => {
    cwMock[EAST].on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'lag', Values: [120.4, 950.6, 300], Timestamps: [] }] });
    await expect(stores().adapter.replicationLagMs(store('dynamodb-global-table'), EAST, WEST)).resolves.toBe(951);
    expect(cwMock[EAST].commandCalls(GetMetricDataCommand)[0].args[0].input).toEqual(
      metricQuery('AWS/DynamoDB', 'ReplicationLatency', [
        { Name: 'TableName', Value: 'orders-table' },
        { Name: 'ReceivingRegion', Value: WEST },
      ]),
    );
    expect(cwMock[WEST]).not.toHaveReceivedAnyCommand();
  });

  it('DynamoDB: no datapoints means unknown (null)', async () => {
    cwMock[EAST].on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'lag', Values: [] }] });
    await expect(stores().adapter.replicationLagMs(store('dynamodb-global-table'), EAST, WEST)).resolves.toBeNull();
  });

  it.each([
    ['unreachable', Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' })],
    ['throttling', awsError('Throttling')],
  ])('DynamoDB: a source region that is %s gives unknown (null), never an error', async (_what, error) => {
    cwMock[EAST].on(GetMetricDataCommand).rejects(error);
    await expect(stores().adapter.replicationLagMs(store('dynamodb-global-table'), EAST, WEST)).resolves.toBeNull();
  });

  it('Aurora: reads AuroraGlobalDBReplicationLag of the secondary cluster in its own region', async () => {
    const recent = [new Date(Date.parse(NOW) - 30_000), new Date(Date.parse(NOW) - 90_000)];
    cwMock[WEST].on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'lag', Values: [800, 1200], Timestamps: recent }] });
    await expect(stores().adapter.replicationLagMs(store('aurora-global'), EAST, WEST)).resolves.toBe(1200);
    expect(cwMock[WEST].commandCalls(GetMetricDataCommand)[0].args[0].input).toEqual(
      metricQuery('AWS/RDS', 'AuroraGlobalDBReplicationLag', [{ Name: 'DBClusterIdentifier', Value: 'ledger-usw2' }]),
    );
    expect(cwMock[EAST]).not.toHaveReceivedAnyCommand();
  });

  it('Aurora: its only evidence must be recent: a newest datapoint older than two minutes is stale, so unknown (null)', async () => {
    cwMock[WEST].on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'lag', Values: [800], Timestamps: [new Date(Date.parse(NOW) - 180_000)] }] });
    await expect(stores().adapter.replicationLagMs(store('aurora-global'), EAST, WEST)).resolves.toBeNull();
  });

  it('Aurora: throttling in the healthy target region is a TransientError', async () => {
    cwMock[WEST].on(GetMetricDataCommand).rejects(awsError('Throttling'));
    await expect(stores().adapter.replicationLagMs(store('aurora-global'), EAST, WEST)).rejects.toBeInstanceOf(TransientError);
  });

  it('S3: finds the replication rule to the target bucket, reads ReplicationLatency (seconds) in the source region', async () => {
    s3Mock[EAST].on(GetBucketReplicationCommand).resolves({
      ReplicationConfiguration: {
        Role: 'arn:aws:iam::111122223333:role/replication',
        Rules: [
          { ID: 'to-elsewhere', Status: 'Enabled', Destination: { Bucket: 'arn:aws:s3:::other-bucket' } },
          { ID: 'disabled', Status: 'Disabled', Destination: { Bucket: 'arn:aws:s3:::invoices-usw2' } },
          { ID: 'to-west', Status: 'Enabled', Destination: { Bucket: 'arn:aws:s3:::invoices-usw2' } },
        ],
      },
    });
    cwMock[EAST].on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'lag', Values: [2.5, 14] }] });
    await expect(stores().adapter.replicationLagMs(store('s3-replicated'), EAST, WEST)).resolves.toBe(14_000);
    expect(s3Mock[EAST]).toHaveReceivedCommandWith(GetBucketReplicationCommand, { Bucket: 'invoices-use1' });
    expect(cwMock[EAST].commandCalls(GetMetricDataCommand)[0].args[0].input).toEqual(
      metricQuery('AWS/S3', 'ReplicationLatency', [
        { Name: 'SourceBucket', Value: 'invoices-use1' },
        { Name: 'DestinationBucket', Value: 'invoices-usw2' },
        { Name: 'RuleId', Value: 'to-west' },
      ]),
    );
  });

  it('S3: no enabled rule to the target means unknown, without reading metrics', async () => {
    s3Mock[EAST].on(GetBucketReplicationCommand).resolves({ ReplicationConfiguration: { Role: 'r', Rules: [] } });
    await expect(stores().adapter.replicationLagMs(store('s3-replicated'), EAST, WEST)).resolves.toBeNull();
    expect(cwMock[EAST]).not.toHaveReceivedAnyCommand();
  });
});

const globalCluster = (writer: string, extra: Partial<GlobalCluster> = {}): GlobalCluster => ({
  GlobalClusterIdentifier: 'ledger-global',
  Status: 'available',
  GlobalClusterMembers: [
    { DBClusterArn: EAST_ARN, IsWriter: writer === EAST_ARN },
    { DBClusterArn: WEST_ARN, IsWriter: writer === WEST_ARN },
  ],
  ...extra,
});

describe('promote', () => {
  it('DynamoDB global tables and S3 need nothing and call nothing', async () => {
    const { adapter } = stores();
    await expect(adapter.promote(store('dynamodb-global-table'), WEST, { planned: false })).resolves.toEqual(
      expect.objectContaining({ store: 'orders', kind: 'dynamodb-global-table', action: 'none', detail: expect.stringMatching(/multi-writer/) }),
    );
    await expect(adapter.promote(store('s3-replicated'), WEST, { planned: false })).resolves.toEqual(expect.objectContaining({ store: 'invoices', action: 'none' }));
    for (const m of [rdsMock, cwMock, ddbMock, s3Mock]) for (const r of [EAST, WEST] as const) expect(m[r]).not.toHaveReceivedAnyCommand();
  });

  it('Aurora: does nothing when the target cluster is already the writer', async () => {
    rdsMock[WEST].on(DescribeGlobalClustersCommand).resolves({ GlobalClusters: [globalCluster(WEST_ARN)] });
    await expect(stores().adapter.promote(store('aurora-global'), WEST, { planned: false })).resolves.toEqual(expect.objectContaining({ action: 'none' }));
    expect(rdsMock[WEST]).toHaveReceivedCommandWith(DescribeGlobalClustersCommand, { GlobalClusterIdentifier: 'ledger-global' });
    expect(rdsMock[WEST]).not.toHaveReceivedCommand(SwitchoverGlobalClusterCommand);
    expect(rdsMock[WEST]).not.toHaveReceivedCommand(FailoverGlobalClusterCommand);
  });

  it('Aurora planned: switchover in the target region, then waits until the target is the writer', async () => {
    rdsMock[WEST].on(DescribeGlobalClustersCommand)
      .resolvesOnce({ GlobalClusters: [globalCluster(EAST_ARN)] })
      .resolvesOnce({ GlobalClusters: [globalCluster(EAST_ARN, { Status: 'switching-over', FailoverState: { Status: 'pending', ToDbClusterArn: WEST_ARN } })] })
      .resolves({ GlobalClusters: [globalCluster(WEST_ARN)] });
    rdsMock[WEST].on(SwitchoverGlobalClusterCommand).resolves({});
    const { adapter, sleep } = stores();

    const result = await adapter.promote(store('aurora-global'), WEST, { planned: true });

    expect(result).toEqual(expect.objectContaining({ store: 'ledger', kind: 'aurora-global', action: 'switchover' }));
    expect(rdsMock[WEST]).toHaveReceivedCommandTimes(SwitchoverGlobalClusterCommand, 1);
    expect(rdsMock[WEST].commandCalls(SwitchoverGlobalClusterCommand)[0].args[0].input).toEqual({ GlobalClusterIdentifier: 'ledger-global', TargetDbClusterIdentifier: WEST_ARN });
    expect(rdsMock[WEST]).not.toHaveReceivedCommand(FailoverGlobalClusterCommand);
    expect(rdsMock[WEST]).toHaveReceivedCommandTimes(DescribeGlobalClustersCommand, 3);
    expect(sleep).toHaveBeenCalledTimes(2);
    expect(rdsMock[EAST]).not.toHaveReceivedAnyCommand();
  });

  it('Aurora unplanned: failover with AllowDataLoss in the target region, never the failed one', async () => {
    rdsMock[WEST].on(DescribeGlobalClustersCommand).resolvesOnce({ GlobalClusters: [globalCluster(EAST_ARN)] }).resolves({ GlobalClusters: [globalCluster(WEST_ARN)] });
    rdsMock[WEST].on(FailoverGlobalClusterCommand).resolves({});

    const result = await stores().adapter.promote(store('aurora-global'), WEST, { planned: false });

    expect(result.action).toBe('failover');
    expect(rdsMock[WEST].commandCalls(FailoverGlobalClusterCommand)[0].args[0].input).toEqual({
      GlobalClusterIdentifier: 'ledger-global',
      TargetDbClusterIdentifier: WEST_ARN,
      AllowDataLoss: true,
    });
    expect(rdsMock[WEST]).not.toHaveReceivedCommand(SwitchoverGlobalClusterCommand);
    expect(rdsMock[EAST]).not.toHaveReceivedAnyCommand();
  });

  it('Aurora: a retry finding the failover to the target under way waits for it instead of issuing another', async () => {
    rdsMock[WEST].on(DescribeGlobalClustersCommand)
      .resolvesOnce({ GlobalClusters: [globalCluster(EAST_ARN, { Status: 'failing-over', FailoverState: { Status: 'failing-over', ToDbClusterArn: WEST_ARN, IsDataLossAllowed: true } })] })
      .resolves({ GlobalClusters: [globalCluster(WEST_ARN)] });

    const result = await stores().adapter.promote(store('aurora-global'), WEST, { planned: false });

    expect(result.action).toBe('failover');
    expect(rdsMock[WEST]).not.toHaveReceivedCommand(FailoverGlobalClusterCommand);
    expect(rdsMock[WEST]).not.toHaveReceivedCommand(SwitchoverGlobalClusterCommand);
  });

  it('Aurora: refuses when a failover to another cluster is under way', async () => {
    rdsMock[WEST].on(DescribeGlobalClustersCommand).resolves({
      GlobalClusters: [globalCluster(WEST_ARN, { FailoverState: { Status: 'pending', ToDbClusterArn: EAST_ARN } })],
    });
    await expect(stores().adapter.promote(store('aurora-global'), WEST, { planned: true })).rejects.toBeInstanceOf(StepFailedError);
    expect(rdsMock[WEST]).not.toHaveReceivedCommand(SwitchoverGlobalClusterCommand);
  });

  it('Aurora: TransientError when the writer has not moved within the max wait', async () => {
    rdsMock[WEST].on(DescribeGlobalClustersCommand).resolves({ GlobalClusters: [globalCluster(EAST_ARN)] });
    rdsMock[WEST].on(SwitchoverGlobalClusterCommand).resolves({});
    const { adapter, sleep } = stores({ promotionPollIntervalMs: 1_000, promotionMaxWaitMs: 3_000 });
    await expect(adapter.promote(store('aurora-global'), WEST, { planned: true })).rejects.toBeInstanceOf(TransientError);
    expect(sleep).toHaveBeenCalledTimes(3);
    expect(rdsMock[WEST]).toHaveReceivedCommandTimes(DescribeGlobalClustersCommand, 4);
  });

  it.each(['InvalidGlobalClusterStateFault', 'Throttling'])('Aurora: %s from the switchover is a TransientError', async (name) => {
    rdsMock[WEST].on(DescribeGlobalClustersCommand).resolves({ GlobalClusters: [globalCluster(EAST_ARN)] });
    rdsMock[WEST].on(SwitchoverGlobalClusterCommand).rejects(awsError(name));
    await expect(stores().adapter.promote(store('aurora-global'), WEST, { planned: true })).rejects.toBeInstanceOf(TransientError);
  });

  it('Aurora: a permanent error is not retried', async () => {
    const notFound = awsError('GlobalClusterNotFoundFault', { status: 404 });
    rdsMock[WEST].on(DescribeGlobalClustersCommand).rejects(notFound);
    await expect(stores().adapter.promote(store('aurora-global'), WEST, { planned: true })).rejects.toBe(notFound);
  });
});

describe('the comparison: layout and segment pages', () => {
  const item = (pk: string, sk: number, extra: Record<string, AttributeValue> = {}): Record<string, AttributeValue> => ({ pk: { S: pk }, sk: { N: String(sk) }, ...extra });
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
    expect(ddbMock[EAST].commandCalls(ScanCommand)[0].args[0].input).toEqual({ TableName: 'orders-table', Segment: 3, TotalSegments: 8, ReturnConsumedCapacity: 'TOTAL' });
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
        : { Contents: [{ Key: '.regionflip/heartbeat/us-west-2', Size: 40 }, { Key: 'inv/1', Size: 10 }], IsTruncated: true, NextContinuationToken: 't1' },
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

describe('the replication heartbeat', () => {
  const schema = (type: 'S' | 'N' | 'B', sort = false) => ({
    Table: {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' as const }, ...(sort ? [{ AttributeName: 'sk', KeyType: 'RANGE' as const }] : [])],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: type }, ...(sort ? [{ AttributeName: 'sk', AttributeType: 'S' as const }] : [])],
    },
  });
  const writer = () => new AwsReplicationHeartbeats({ dynamoDbFor: (r) => ddb[r], s3For: (r) => s3[r], regions: [EAST, WEST] });

  it('writer: puts its own region\'s item (reserved key, its time) into its own replica of the table', async () => {
    ddbMock[EAST].on(DescribeTableCommand).resolves(schema('S', true));
    ddbMock[EAST].on(PutItemCommand).resolves({});
    await writer().beat(store('dynamodb-global-table'), EAST, 1_700_000_000_000);
    expect(ddbMock[EAST]).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: 'orders-table',
      Item: { pk: { S: 'regionflip#heartbeat#us-east-1' }, sk: { S: 'regionflip#heartbeat' }, regionflipHeartbeatOrigin: { S: EAST }, regionflipHeartbeatAt: { N: '1700000000000' } },
    });
    expect(ddbMock[WEST]).not.toHaveReceivedAnyCommand();
  });

  it('writer: a table keyed by a number gets its reserved number; a binary key gets no heartbeat', async () => {
    ddbMock[WEST].on(DescribeTableCommand).resolves(schema('N'));
    await writer().beat(store('dynamodb-global-table'), WEST, 1);
    expect(ddbMock[WEST]).toHaveReceivedCommandWith(PutItemCommand, { Item: expect.objectContaining({ pk: { N: '-9007199254740991' } }) });
    ddbMock[EAST].on(DescribeTableCommand).resolves(schema('B'));
    await expect(writer().beat(store('dynamodb-global-table'), EAST, 1)).rejects.toThrow(/binary key/);
  });

  it('writer: a small object under the reserved prefix of its own bucket', async () => {
    s3Mock[WEST].on(PutObjectCommand).resolves({});
    await writer().beat(store('s3-replicated'), WEST, 42);
    expect(s3Mock[WEST]).toHaveReceivedCommandWith(PutObjectCommand, { Bucket: 'invoices-usw2', Key: '.regionflip/heartbeat/us-west-2', Body: '{"origin":"us-west-2","writtenAt":42}' });
    await expect(writer().beat(store('aurora-global'), WEST, 42)).rejects.toThrow(/no heartbeat/);
  });

  it('reader: the other region\'s item in the local replica, read strongly consistent', async () => {
    ddbMock[WEST].on(DescribeTableCommand).resolves(schema('S'));
    ddbMock[WEST].on(GetItemCommand).resolves({ Item: { pk: { S: 'regionflip#heartbeat#us-east-1' }, regionflipHeartbeatAt: { N: '1700000000000' } } });
    await expect(stores().adapter.newestHeartbeat(store('dynamodb-global-table'), EAST, WEST)).resolves.toMatchObject({ writtenAt: 1_700_000_000_000, readable: true });
    expect(ddbMock[WEST]).toHaveReceivedCommandWith(GetItemCommand, { TableName: 'orders-table', Key: { pk: { S: 'regionflip#heartbeat#us-east-1' } }, ConsistentRead: true });
    expect(ddbMock[EAST]).not.toHaveReceivedAnyCommand();
  });

  it('reader: no item is "missing", an unreadable replica is "unreadable", neither throws', async () => {
    ddbMock[WEST].on(DescribeTableCommand).resolves(schema('S'));
    ddbMock[WEST].on(GetItemCommand).resolves({});
    await expect(stores().adapter.newestHeartbeat(store('dynamodb-global-table'), EAST, WEST)).resolves.toMatchObject({ writtenAt: null, readable: true });
    ddbMock[WEST].on(GetItemCommand).rejects(awsError('AccessDeniedException'));
    await expect(stores().adapter.newestHeartbeat(store('dynamodb-global-table'), EAST, WEST)).resolves.toMatchObject({ writtenAt: null, readable: false, detail: expect.stringMatching(/AccessDeniedException/) });
  });

  it('reader: S3 object body; NoSuchKey is missing (is the prefix replicated?)', async () => {
    s3Mock[WEST].on(GetObjectCommand).resolves({ Body: { transformToString: async () => '{"origin":"us-east-1","writtenAt":99}' } as never });
    await expect(stores().adapter.newestHeartbeat(store('s3-replicated'), EAST, WEST)).resolves.toMatchObject({ writtenAt: 99, readable: true });
    expect(s3Mock[WEST]).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: 'invoices-usw2', Key: '.regionflip/heartbeat/us-east-1' });
    s3Mock[WEST].on(GetObjectCommand).rejects(awsError('NoSuchKey', { status: 404 }));
    await expect(stores().adapter.newestHeartbeat(store('s3-replicated'), EAST, WEST)).resolves.toMatchObject({ writtenAt: null, readable: true, detail: expect.stringMatching(/replication rule cover/) });
  });
});

describe('DynamoDbComparisonStore', () => {
  const table = () => new DynamoDbComparisonStore({ dynamoDb: ddb[WEST], tableName: 'comparison', clock: fixedClock(NOW) });

  it('puts a part with a week of TTL, and lists a prefix with strongly consistent queries across pages', async () => {
    ddbMock[WEST].on(PutItemCommand).resolves({});
    await table().put('inc/validate/1', 'd/orders/0000/0000', new Uint8Array([1, 2, 3]));
    expect(ddbMock[WEST]).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: 'comparison',
      Item: { comparisonId: { S: 'inc/validate/1' }, part: { S: 'd/orders/0000/0000' }, body: { B: new Uint8Array([1, 2, 3]) }, expiresAt: { N: String(Date.parse(NOW) / 1000 + 7 * 86_400) } },
    });
    ddbMock[WEST]
      .on(QueryCommand)
      .resolvesOnce({ Items: [{ part: { S: 'd/a' }, body: { B: new Uint8Array([1]) } }], LastEvaluatedKey: { part: { S: 'd/a' } } })
      .resolvesOnce({ Items: [{ part: { S: 'd/b' }, body: { B: new Uint8Array([2]) } }] });
    await expect(table().list('inc/validate/1', 'd/')).resolves.toEqual([
      { part: 'd/a', body: new Uint8Array([1]) },
      { part: 'd/b', body: new Uint8Array([2]) },
    ]);
    expect(ddbMock[WEST]).toHaveReceivedCommandWith(QueryCommand, { ConsistentRead: true, ExpressionAttributeValues: { ':c': { S: 'inc/validate/1' }, ':p': { S: 'd/' } } });
  });
});

describe('clusterIdFromArn', () => {
  it('takes the identifier out of a cluster ARN', () => {
    expect(clusterIdFromArn(WEST_ARN)).toBe('ledger-usw2');
    expect(clusterIdFromArn('not-an-arn')).toBe('not-an-arn');
  });
});
