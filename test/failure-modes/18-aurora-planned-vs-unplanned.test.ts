import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeGlobalClustersCommand, FailoverGlobalClusterCommand, RDSClient, SwitchoverGlobalClusterCommand } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { AuroraGlobalPromotion } from '../../functions/shared/aws/aurora-global-promotion';
import { AwsReplicaReadings } from '../../functions/shared/aws/aws-replica-readings';
import { Harness, PRIMARY, STANDBY, configWith, failoverInput, outcomeOf, primaryImpaired, storeOf } from './harness';
import { useVirtualTime } from '../support/virtual-time';

// Retry intervals, Waits and timeouts take virtual time only: nothing here waits on the real clock.
useVirtualTime();

/**
 * Failure mode 18: Aurora global database. A planned move (the region being left is healthy: failback)
 * is a switchover, RPO 0. An unplanned one (failover from an impaired primary) is FailoverGlobalCluster
 * with AllowDataLoss, issued only after the approval, and never when the approver rejects. The real
 * AWS adapters run inside the real state machine, as each function wires them: the orchestrator's
 * AuroraGlobalPromotion against mocked RDS clients, the validator's AwsReplicaReadings against mocked CloudWatch.
 */
const ledger = storeOf('aurora') as Extract<ReturnType<typeof storeOf>, { kind: 'aurora-global' }>;
const ARN = ledger.clusterArns as Record<string, string>;
const config = configWith({ traffic: 'route53-weighted', stores: [ledger], approval: { mode: 'required' } });

const regions = [PRIMARY, STANDBY];
const rds = Object.fromEntries(regions.map((r) => [r, new RDSClient({ region: r })]));
const cw = Object.fromEntries(regions.map((r) => [r, new CloudWatchClient({ region: r })]));
const rdsMock = Object.fromEntries(regions.map((r) => [r, mockClient(rds[r])]));
const cwMock = Object.fromEntries(regions.map((r) => [r, mockClient(cw[r])]));

/** One global cluster seen from every region; promotions record what the approval said at that moment. */
function globalCluster(h: () => Harness, writer: string) {
  const calls: Array<{ command: string; region: string; input: Record<string, unknown>; approvalAnswers: string[] }> = [];
  const describe = async () => ({
    GlobalClusters: [
      {
        GlobalClusterIdentifier: ledger.globalClusterIdentifier,
        Status: 'available',
        GlobalClusterMembers: regions.map((r) => ({ DBClusterArn: ARN[r], IsWriter: ARN[r] === writer })),
      },
    ],
  });
  for (const r of regions) {
    rdsMock[r].reset();
    cwMock[r].reset();
    rdsMock[r].on(DescribeGlobalClustersCommand).callsFake(describe);
    for (const [command, type] of [
      ['FailoverGlobalCluster', FailoverGlobalClusterCommand],
      ['SwitchoverGlobalCluster', SwitchoverGlobalClusterCommand],
    ] as const) {
      rdsMock[r].on(type).callsFake(async (input: { TargetDbClusterIdentifier: string }) => {
        calls.push({ command, region: r, input, approvalAnswers: h().broker.answered.map((a) => a.kind) });
        writer = input.TargetDbClusterIdentifier;
        return {};
      });
    }
    // Aurora's lag metric, published by the secondary: well within the RPO target.
    // A recent datapoint: Aurora's lag metric is its only evidence (no heartbeat), and a stale one counts as unknown.
    cwMock[r]
      .on(GetMetricDataCommand)
      .callsFake(async () => ({ MetricDataResults: [{ Id: 'lag', Values: [800], Timestamps: [new Date(Date.now() - 30_000)] }] }));
  }
  return calls;
}

describe('FM18 Aurora: planned switchover vs unplanned failover', () => {
  let h: Harness;
  const harness = () =>
    new Harness(config, {
      ports: {
        promotion: new AuroraGlobalPromotion({
          rdsFor: (r) => rds[r],
          sleep: async () => undefined,
          promotionPollIntervalMs: 1,
          promotionMaxWaitMs: 10,
        }),
        replicaReadings: new AwsReplicaReadings({
          regions: [PRIMARY, STANDBY],
          cloudWatchFor: (r) => cw[r],
          dynamoDbFor: (r) => new DynamoDBClient({ region: r }),
          s3For: (r) => new S3Client({ region: r }),
        }),
      },
    });
  afterEach(() => h.dispose());

  it('unplanned (primary impaired): FailoverGlobalCluster with AllowDataLoss in the standby region, issued only after the approval', async () => {
    h = harness();
    const calls = globalCluster(() => h, ARN[PRIMARY]);
    primaryImpaired(h.world);
    const ex = h.start(failoverInput(), 'inc-aurora-unplanned');
    await h.quiesce();
    // Waiting for the human: nothing asked of RDS that changes anything.
    expect(calls).toEqual([]);
    const record = h.waitingApproval(ex)!;
    expect((await h.decide(record, 'approve')).status).toBe(200);
    const result = await h.result(ex);

    expect(outcomeOf(result)).toBe('FAILED_OVER');
    expect(calls).toEqual([
      {
        command: 'FailoverGlobalCluster',
        region: STANDBY,
        input: { GlobalClusterIdentifier: ledger.globalClusterIdentifier, TargetDbClusterIdentifier: ARN[STANDBY], AllowDataLoss: true },
        approvalAnswers: ['success'],
      },
    ]);
    expect(rdsMock[PRIMARY].calls()).toHaveLength(0);
    expect((result.output as { steps: { promote: Array<{ action: string }> } }).steps.promote).toEqual([expect.objectContaining({ action: 'failover' })]);
  });

  it('unplanned and rejected: no promotion call at all', async () => {
    h = harness();
    const calls = globalCluster(() => h, ARN[PRIMARY]);
    primaryImpaired(h.world);
    const ex = h.start(failoverInput(), 'inc-aurora-rejected');
    await h.quiesce();
    await h.decide(h.waitingApproval(ex)!, 'reject');
    expect(outcomeOf(await h.result(ex))).toBe('REJECTED');
    expect(calls).toEqual([]);
    for (const r of regions) {
      expect(rdsMock[r]).not.toHaveReceivedCommand(FailoverGlobalClusterCommand);
      expect(rdsMock[r]).not.toHaveReceivedCommand(SwitchoverGlobalClusterCommand);
    }
  });

  it('planned (failback, the region being left is healthy): SwitchoverGlobalCluster to the primary, RPO 0, never AllowDataLoss', async () => {
    h = harness();
    const calls = globalCluster(() => h, ARN[STANDBY]);
    h.world.sites[PRIMARY] = 'PASSIVE';
    h.world.sites[STANDBY] = 'ACTIVE';
    h.world.weights = { [PRIMARY]: 0, [STANDBY]: 100 };
    const ex = h.start(
      failoverInput({ incidentId: 'inc-aurora-planned', direction: 'failback', fromRegion: STANDBY, toRegion: PRIMARY }),
      'inc-aurora-planned',
      'failback',
    );
    await h.quiesce();
    expect(calls).toEqual([]);
    await h.decide(h.waitingApproval(ex)!, 'approve');
    const result = await h.result(ex);

    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { outcome: 'FAILED_BACK' } });
    expect(calls).toEqual([
      {
        command: 'SwitchoverGlobalCluster',
        region: PRIMARY,
        input: { GlobalClusterIdentifier: ledger.globalClusterIdentifier, TargetDbClusterIdentifier: ARN[PRIMARY] },
        approvalAnswers: ['success'],
      },
    ]);
    const promote = (result.output as { steps: { promote: Array<{ action: string; summary: string }> } }).steps.promote;
    expect(promote).toEqual([expect.objectContaining({ action: 'switchover', summary: expect.stringContaining('planned: no data loss') })]);
  });
});
