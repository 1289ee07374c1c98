import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeTableCommand, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import 'aws-sdk-client-mock-jest';
import { AwsReplicaReadings, awsReplicaReadings } from '../../../functions/shared/aws/aws-replica-readings';
import { InvalidInputError } from '../../../functions/shared/errors';
import { config, fixedClock, store } from './fixtures';
import { cw, cwMock, ddb, ddbMock, EAST, NOW, resetRegionalMocks, s3, s3Mock, WEST } from './regional-clients';

/** The composite only: each adapter it delegates to has its own test file (cloudwatch-replication-lag.test.ts, ...). */

const readings = () =>
  new AwsReplicaReadings({
    regions: [EAST, WEST],
    cloudWatchFor: (r) => cw[r],
    dynamoDbFor: (r) => ddb[r],
    s3For: (r) => s3[r],
    clock: fixedClock(NOW),
  });

beforeEach(resetRegionalMocks);

describe('AwsReplicaReadings', () => {
  it('hands each question to its adapter, in the region its evidence lives in', async () => {
    const adapter = readings();
    cwMock[EAST].on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'lag', Values: [250] }] });
    await expect(adapter.replicationLagMs(store('dynamodb-global-table'), EAST, WEST)).resolves.toBe(250);
    await expect(adapter.comparisonLayout(store('s3-replicated'), WEST)).resolves.toMatchObject({ sizeBytes: null });
    await expect(adapter.scanSegment(store('aurora-global'), WEST, 0, 1, null)).rejects.toThrow(/rows are not compared/);
    expect(cwMock[WEST]).not.toHaveReceivedAnyCommand();
    for (const r of [EAST, WEST] as const) expect(s3Mock[r]).not.toHaveReceivedAnyCommand();
  });

  it('reads a table’s key schema once per region, for the heartbeat and the comparison’s pages alike', async () => {
    ddbMock[WEST]
      .on(DescribeTableCommand)
      .resolves({ Table: { KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }] } });
    ddbMock[WEST].on(GetItemCommand).resolves({});
    ddbMock[WEST].on(ScanCommand).resolves({ Items: [{ pk: { S: 'a' } }] });
    const adapter = readings();
    await adapter.newestHeartbeat(store('dynamodb-global-table'), EAST, WEST);
    await expect(adapter.scanSegment(store('dynamodb-global-table'), WEST, 0, 1, null)).resolves.toMatchObject({ items: [['a', '{"pk":{"S":"a"}}']] });
    expect(ddbMock[WEST]).toHaveReceivedCommandTimes(DescribeTableCommand, 1);
  });

  it('awsReplicaReadings(config) builds clients for the configured regions only', async () => {
    await expect(awsReplicaReadings(config).comparisonLayout(store('dynamodb-global-table'), 'eu-west-1')).rejects.toBeInstanceOf(InvalidInputError);
  });
});
