import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeTableCommand, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import 'aws-sdk-client-mock-jest';
import { AwsDataStores, awsDataStores } from '../../../functions/shared/aws/aws-data-stores';
import { InvalidInputError } from '../../../functions/shared/errors';
import { config, fixedClock, store } from './fixtures';
import { cw, cwMock, ddb, ddbMock, EAST, NOW, rds, rdsMock, resetRegionalMocks, s3, s3Mock, WEST } from './regional-clients';

/** The composite only: each adapter it delegates to has its own test file (cloudwatch-replication-lag.test.ts, ...). */

const stores = () =>
  new AwsDataStores({
    regions: [EAST, WEST],
    cloudWatchFor: (r) => cw[r],
    rdsFor: (r) => rds[r],
    dynamoDbFor: (r) => ddb[r],
    s3For: (r) => s3[r],
    clock: fixedClock(NOW),
    sleep: async () => {},
  });

beforeEach(resetRegionalMocks);

describe('AwsDataStores', () => {
  it('hands each question to its adapter, in the region its evidence lives in', async () => {
    const adapter = stores();
    cwMock[EAST].on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'lag', Values: [250] }] });
    await expect(adapter.replicationLagMs(store('dynamodb-global-table'), EAST, WEST)).resolves.toBe(250);
    await expect(adapter.promote(store('dynamodb-global-table'), WEST, { planned: false })).resolves.toMatchObject({ action: 'none' });
    await expect(adapter.comparisonLayout(store('s3-replicated'), WEST)).resolves.toMatchObject({ sizeBytes: null });
    await expect(adapter.scanSegment(store('aurora-global'), WEST, 0, 1, null)).rejects.toThrow(/rows are not compared/);
    expect(cwMock[WEST]).not.toHaveReceivedAnyCommand();
    for (const m of [rdsMock, s3Mock]) for (const r of [EAST, WEST] as const) expect(m[r]).not.toHaveReceivedAnyCommand();
  });

  it('reads a table’s key schema once per region, for the heartbeat and the comparison’s pages alike', async () => {
    ddbMock[WEST]
      .on(DescribeTableCommand)
      .resolves({ Table: { KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }] } });
    ddbMock[WEST].on(GetItemCommand).resolves({});
    ddbMock[WEST].on(ScanCommand).resolves({ Items: [{ pk: { S: 'a' } }] });
    const adapter = stores();
    await adapter.newestHeartbeat(store('dynamodb-global-table'), EAST, WEST);
    await expect(adapter.scanSegment(store('dynamodb-global-table'), WEST, 0, 1, null)).resolves.toMatchObject({ items: [['a', '{"pk":{"S":"a"}}']] });
    expect(ddbMock[WEST]).toHaveReceivedCommandTimes(DescribeTableCommand, 1);
  });

  it('awsDataStores(config) builds clients for the configured regions only', async () => {
    await expect(awsDataStores(config).promote(store('aurora-global'), 'eu-west-1', { planned: false })).rejects.toBeInstanceOf(InvalidInputError);
  });
});
