import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeTableCommand, DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DescribeGlobalClustersCommand, FailoverGlobalClusterCommand, RDSClient, SwitchoverGlobalClusterCommand, type GlobalCluster } from '@aws-sdk/client-rds';
import { GetBucketReplicationCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { AwsDataStores, clusterIdFromArn, type AwsDataStoresProps } from '../../../functions/shared/aws/aws-data-stores';
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
    cwMock[WEST].on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'lag', Values: [800, 1200] }] });
    await expect(stores().adapter.replicationLagMs(store('aurora-global'), EAST, WEST)).resolves.toBe(1200);
    expect(cwMock[WEST].commandCalls(GetMetricDataCommand)[0].args[0].input).toEqual(
      metricQuery('AWS/RDS', 'AuroraGlobalDBReplicationLag', [{ Name: 'DBClusterIdentifier', Value: 'ledger-usw2' }]),
    );
    expect(cwMock[EAST]).not.toHaveReceivedAnyCommand();
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

describe('compare', () => {
  const item = (pk: string, sk: number, extra: Record<string, AttributeValue> = {}): Record<string, AttributeValue> => ({ pk: { S: pk }, sk: { N: String(sk) }, ...extra });
  const keyOf = (pk: string, sk: number) => JSON.stringify([pk, String(sk)]);

  function describeTable() {
    for (const r of [EAST, WEST] as const) {
      ddbMock[r].on(DescribeTableCommand).resolves({
        Table: {
          TableName: 'orders-table',
          // RANGE listed first on purpose: the adapter orders the key by HASH then RANGE.
          KeySchema: [
            { AttributeName: 'sk', KeyType: 'RANGE' },
            { AttributeName: 'pk', KeyType: 'HASH' },
          ],
        },
      });
    }
  }

  it('DynamoDB: checksums whole items of both regions in parallel segments, then lists missing and differing keys', async () => {
    describeTable();
    ddbMock[EAST].on(ScanCommand, { Segment: 0 }).callsFake(async (input: { ExclusiveStartKey?: unknown }) =>
      input.ExclusiveStartKey ? { Items: [item('c', 1, { total: { N: '3' } })] } : { Items: [item('a', 1), item('b', 1)], LastEvaluatedKey: item('b', 1) },
    );
    ddbMock[EAST].on(ScanCommand, { Segment: 1 }).resolves({ Items: [item('d', 2)] });
    // `c` has another value in the target; `z` exists only there; legacy replication attributes are not data.
    ddbMock[WEST].on(ScanCommand, { Segment: 0 }).resolves({ Items: [item('a', 1, { 'aws:rep:updateregion': { S: WEST } }), item('c', 1, { total: { N: '4' } })] });
    ddbMock[WEST].on(ScanCommand, { Segment: 1 }).resolves({ Items: [item('z', 9)] });

    const result = await stores({ scanSegments: 2 }).adapter.compare(store('dynamodb-global-table'), EAST, WEST);

    expect(result).toEqual({
      store: 'orders',
      compared: 4,
      missingInTarget: [keyOf('b', 1), keyOf('d', 2)],
      missingCount: 2,
      differing: [keyOf('c', 1)],
      differingCount: 1,
      complete: true,
      detail: expect.stringMatching(/2 missing in us-west-2, 1 differing, 1 only in us-west-2/),
    });
    // Whole items (no projection): a value that differs must change the checksum.
    expect(ddbMock[EAST].commandCalls(ScanCommand)[0].args[0].input).toEqual({ TableName: 'orders-table', Segment: 0, TotalSegments: 2 });
    expect(ddbMock[EAST]).toHaveReceivedCommandWith(ScanCommand, { Segment: 0, ExclusiveStartKey: item('b', 1) });
    expect(ddbMock[WEST]).toHaveReceivedCommandWith(DescribeTableCommand, { TableName: 'orders-table' });
  });

  it('DynamoDB: identical replicas need one checksum pass only', async () => {
    describeTable();
    const same = { Items: [item('a', 1, { tags: { SS: ['x', 'y'] } }), item('b', 2)] };
    ddbMock[EAST].on(ScanCommand).resolves(same);
    // Set members come back in any order; the checksum must not care.
    ddbMock[WEST].on(ScanCommand).resolves({ Items: [item('b', 2), item('a', 1, { tags: { SS: ['y', 'x'] } })] });
    const result = await stores({ scanSegments: 1 }).adapter.compare(store('dynamodb-global-table'), EAST, WEST);
    expect(result).toMatchObject({ compared: 2, missingCount: 0, differing: [], complete: true });
    expect(ddbMock[EAST]).toHaveReceivedCommandTimes(ScanCommand, 1);
    expect(ddbMock[WEST]).toHaveReceivedCommandTimes(ScanCommand, 1);
  });

  it('DynamoDB: keeps at most scanConcurrency scans in flight across both regions', async () => {
    describeTable();
    let inFlight = 0;
    let maxInFlight = 0;
    const scan = async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return { Items: [] };
    };
    ddbMock[EAST].on(ScanCommand).callsFake(scan);
    ddbMock[WEST].on(ScanCommand).callsFake(scan);

    await stores({ scanSegments: 4, scanConcurrency: 3 }).adapter.compare(store('dynamodb-global-table'), EAST, WEST);

    expect(maxInFlight).toBe(3);
    expect(ddbMock[EAST]).toHaveReceivedCommandTimes(ScanCommand, 4);
    expect(ddbMock[WEST]).toHaveReceivedCommandTimes(ScanCommand, 4);
  });

  it('DynamoDB: caps the listed keys but counts every missing one', async () => {
    describeTable();
    ddbMock[EAST].on(ScanCommand).resolves({ Items: [item('a', 1), item('b', 1), item('c', 1)] });
    ddbMock[WEST].on(ScanCommand).resolves({ Items: [] });
    const result = await stores({ scanSegments: 1, maxReportedKeys: 2 }).adapter.compare(store('dynamodb-global-table'), EAST, WEST);
    expect(result.missingInTarget).toHaveLength(2);
    expect(result.missingCount).toBe(3);
    expect(result.detail).toMatch(/3 missing in us-west-2, .*\(first 2 of each listed\)/);
  });

  it('DynamoDB: streams every missing and differing key to onKeys, pass by pass, while the returned lists stay capped', async () => {
    describeTable();
    const many = Array.from({ length: 50 }, (_, i) => item(`k${i}`, i));
    ddbMock[EAST].on(ScanCommand).resolves({ Items: [...many, item('changed', 1, { v: { S: 'a' } })] });
    ddbMock[WEST].on(ScanCommand).resolves({ Items: [item('changed', 1, { v: { S: 'b' } })] });
    const batches: Array<{ missingInTarget: readonly string[]; differing: readonly string[] }> = [];
    const result = await stores({ scanSegments: 1, compareBuckets: 16, maxItemsInMemory: 10, maxReportedKeys: 3 }).adapter.compare(store('dynamodb-global-table'), EAST, WEST, {
      onKeys: async (keys) => void batches.push(keys),
    });
    expect(result).toMatchObject({ missingCount: 50, differingCount: 1 });
    expect(result.missingInTarget).toHaveLength(3);
    expect(batches.length).toBeGreaterThan(1);
    expect(new Set(batches.flatMap((b) => b.missingInTarget))).toEqual(new Set(many.map((_, i) => keyOf(`k${i}`, i))));
    expect(batches.flatMap((b) => b.differing)).toEqual([keyOf('changed', 1)]);
  });

  it('DynamoDB: a large difference takes more key-level passes, never more items in memory than allowed', async () => {
    describeTable();
    const many = Array.from({ length: 50 }, (_, i) => item(`k${i}`, i));
    ddbMock[EAST].on(ScanCommand).resolves({ Items: many });
    ddbMock[WEST].on(ScanCommand).resolves({ Items: [] });
    const result = await stores({ scanSegments: 1, compareBuckets: 16, maxItemsInMemory: 10 }).adapter.compare(store('dynamodb-global-table'), EAST, WEST);
    expect(result.missingCount).toBe(50);
    const passes = ddbMock[EAST].commandCalls(ScanCommand).length;
    // One checksum pass plus at least 50 / 10 key-level passes.
    expect(passes).toBeGreaterThanOrEqual(6);
    expect(result.detail).toMatch(new RegExp(`${passes - 1} key-level pass`));
  });

  it('DynamoDB: an unreachable old primary means "incomplete" with the reason, not a failed step', async () => {
    describeTable();
    ddbMock[EAST].on(ScanCommand).rejects(Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }));
    ddbMock[WEST].on(ScanCommand).resolves({ Items: [item('a', 1)] });
    const result = await stores({ scanSegments: 2 }).adapter.compare(store('dynamodb-global-table'), EAST, WEST);
    expect(result).toEqual(
      expect.objectContaining({ compared: 0, missingCount: 0, complete: false, detail: expect.stringMatching(/Could not read orders-table in us-east-1/) }),
    );
  });

  it('DynamoDB: throttling in the target region is a TransientError, and no further target scan starts', async () => {
    describeTable();
    ddbMock[EAST].on(ScanCommand).callsFake(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return { Items: [] };
    });
    ddbMock[WEST].on(ScanCommand).rejects(awsError('ProvisionedThroughputExceededException'));
    await expect(stores({ scanSegments: 2, scanConcurrency: 2 }).adapter.compare(store('dynamodb-global-table'), EAST, WEST)).rejects.toBeInstanceOf(TransientError);
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(ddbMock[WEST]).toHaveReceivedCommandTimes(ScanCommand, 1);
  });

  it('S3: compares object keys and sizes across both buckets, following continuation tokens', async () => {
    s3Mock[EAST].on(ListObjectsV2Command, { Bucket: 'invoices-use1' }).callsFake(async (input: { ContinuationToken?: string }) =>
      input.ContinuationToken
        ? { Contents: [{ Key: 'inv/3', Size: 30 }], IsTruncated: false }
        : { Contents: [{ Key: 'inv/1', Size: 10 }, { Key: 'inv/2', Size: 20 }], IsTruncated: true, NextContinuationToken: 't1' },
    );
    s3Mock[WEST].on(ListObjectsV2Command, { Bucket: 'invoices-usw2' }).resolves({ Contents: [{ Key: 'inv/1', Size: 10 }, { Key: 'inv/2', Size: 21 }], IsTruncated: false });
    const result = await stores().adapter.compare(store('s3-replicated'), EAST, WEST);
    expect(result).toMatchObject({ store: 'invoices', compared: 3, missingInTarget: ['inv/3'], missingCount: 1, differing: ['inv/2'], complete: true });
    expect(s3Mock[EAST]).toHaveReceivedCommandWith(ListObjectsV2Command, { Bucket: 'invoices-use1', ContinuationToken: 't1' });
  });

  it('Aurora rows are not compared, and the result says it is incomplete rather than clean', async () => {
    const result = await stores().adapter.compare(store('aurora-global'), EAST, WEST);
    expect(result).toMatchObject({ store: 'ledger', compared: 0, missingCount: 0, complete: false, detail: expect.stringMatching(/rows not compared/) });
  });
});

describe('clusterIdFromArn', () => {
  it('takes the identifier out of a cluster ARN', () => {
    expect(clusterIdFromArn(WEST_ARN)).toBe('ledger-usw2');
    expect(clusterIdFromArn('not-an-arn')).toBe('not-an-arn');
  });
});
