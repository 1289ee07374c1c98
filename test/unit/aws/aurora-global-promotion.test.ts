import { DescribeGlobalClustersCommand, FailoverGlobalClusterCommand, SwitchoverGlobalClusterCommand, type GlobalCluster } from '@aws-sdk/client-rds';
import 'aws-sdk-client-mock-jest';
import { AuroraGlobalPromotion, type AuroraGlobalPromotionProps } from '../../../functions/shared/aws/aurora-global-promotion';
import { StepFailedError, TransientError } from '../../../functions/shared/errors';
import { awsError, store } from './fixtures';
import { cwMock, ddbMock, EAST, EAST_ARN, rds, rdsMock, resetRegionalMocks, s3Mock, WEST, WEST_ARN } from './regional-clients';

function stores(props: Partial<AuroraGlobalPromotionProps> = {}) {
  const sleep = jest.fn(async (_ms: number) => {});
  const adapter = new AuroraGlobalPromotion({ rdsFor: (r) => rds[r], sleep, promotionPollIntervalMs: 1_000, promotionMaxWaitMs: 3_000, ...props });
  return { adapter, sleep };
}

beforeEach(resetRegionalMocks);

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
    await expect(adapter.promote(store('s3-replicated'), WEST, { planned: false })).resolves.toEqual(
      expect.objectContaining({ store: 'invoices', action: 'none' }),
    );
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
    rdsMock[WEST]
      .on(DescribeGlobalClustersCommand)
      .resolvesOnce({ GlobalClusters: [globalCluster(EAST_ARN)] })
      .resolvesOnce({ GlobalClusters: [globalCluster(EAST_ARN, { Status: 'switching-over', FailoverState: { Status: 'pending', ToDbClusterArn: WEST_ARN } })] })
      .resolves({ GlobalClusters: [globalCluster(WEST_ARN)] });
    rdsMock[WEST].on(SwitchoverGlobalClusterCommand).resolves({});
    const { adapter, sleep } = stores();

    const result = await adapter.promote(store('aurora-global'), WEST, { planned: true });

    expect(result).toEqual(expect.objectContaining({ store: 'ledger', kind: 'aurora-global', action: 'switchover' }));
    expect(rdsMock[WEST]).toHaveReceivedCommandTimes(SwitchoverGlobalClusterCommand, 1);
    expect(rdsMock[WEST].commandCalls(SwitchoverGlobalClusterCommand)[0].args[0].input).toEqual({
      GlobalClusterIdentifier: 'ledger-global',
      TargetDbClusterIdentifier: WEST_ARN,
    });
    expect(rdsMock[WEST]).not.toHaveReceivedCommand(FailoverGlobalClusterCommand);
    expect(rdsMock[WEST]).toHaveReceivedCommandTimes(DescribeGlobalClustersCommand, 3);
    expect(sleep).toHaveBeenCalledTimes(2);
    expect(rdsMock[EAST]).not.toHaveReceivedAnyCommand();
  });

  it('Aurora unplanned: failover with AllowDataLoss in the target region, never the failed one', async () => {
    rdsMock[WEST]
      .on(DescribeGlobalClustersCommand)
      .resolvesOnce({ GlobalClusters: [globalCluster(EAST_ARN)] })
      .resolves({ GlobalClusters: [globalCluster(WEST_ARN)] });
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
    rdsMock[WEST]
      .on(DescribeGlobalClustersCommand)
      .resolvesOnce({
        GlobalClusters: [
          globalCluster(EAST_ARN, { Status: 'failing-over', FailoverState: { Status: 'failing-over', ToDbClusterArn: WEST_ARN, IsDataLossAllowed: true } }),
        ],
      })
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
