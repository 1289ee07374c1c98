import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetBucketReplicationCommand } from '@aws-sdk/client-s3';
import 'aws-sdk-client-mock-jest';
import { CloudWatchReplicationLag, clusterIdFromArn } from '../../../functions/shared/aws/cloudwatch-replication-lag';
import { TransientError } from '../../../functions/shared/errors';
import { awsError, fixedClock, store } from './fixtures';
import { cw, cwMock, EAST, NOW, resetRegionalMocks, s3, s3Mock, WEST, WEST_ARN } from './regional-clients';

function stores() {
  return { adapter: new CloudWatchReplicationLag({ cloudWatchFor: (r) => cw[r], s3For: (r) => s3[r], clock: fixedClock(NOW) }) };
}

beforeEach(resetRegionalMocks);

const metricQuery = (namespace: string, metricName: string, dimensions: Array<{ Name: string; Value: string }>) => ({
  StartTime: new Date(Date.parse(NOW) - 300_000),
  EndTime: new Date(NOW),
  ScanBy: 'TimestampDescending',
  MetricDataQueries: [
    {
      Id: 'lag',
      MetricStat: { Metric: { Namespace: namespace, MetricName: metricName, Dimensions: dimensions }, Period: 60, Stat: 'Maximum' },
      ReturnData: true,
    },
  ],
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

describe('clusterIdFromArn', () => {
  it('takes the identifier out of a cluster ARN', () => {
    expect(clusterIdFromArn(WEST_ARN)).toBe('ledger-usw2');
    expect(clusterIdFromArn('not-an-arn')).toBe('not-an-arn');
  });
});
