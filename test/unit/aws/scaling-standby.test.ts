import { AutoScalingClient, DescribeAutoScalingGroupsCommand, UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { GetProvisionedConcurrencyConfigCommand, LambdaClient, PutProvisionedConcurrencyConfigCommand } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { AwsStandbyScaler } from '../../../functions/shared/aws/scaling-standby';
import { StepFailedError, TransientError } from '../../../functions/shared/errors';
import type { ScalingTarget } from '../../../functions/shared/ports';
import { awsError } from './fixtures';

const WEST = 'us-west-2';
const ecs = new ECSClient({ region: WEST });
const asg = new AutoScalingClient({ region: WEST });
const lambda = new LambdaClient({ region: WEST });
const ecsMock = mockClient(ecs);
const asgMock = mockClient(asg);
const lambdaMock = mockClient(lambda);

const ECS: ScalingTarget = { kind: 'ecs-service', cluster: 'orders', service: 'api', desiredCount: 10 };
const ASG: ScalingTarget = { kind: 'asg', name: 'workers', minSize: 4, desiredCapacity: 6 };
const PC: ScalingTarget = { kind: 'lambda-provisioned-concurrency', functionName: 'checkout', qualifier: 'live', concurrency: 50 };

function scaler(maxWaitMs = 30_000) {
  const sleep = jest.fn(async (_ms: number) => {});
  // Every client is for the region it is asked for; these tests only ever ask for the standby.
  const only =
    <C>(c: C) =>
    (r: string) => {
      if (r !== WEST) throw new Error(`unexpected region ${r}`);
      return c;
    };
  return {
    scaler: new AwsStandbyScaler({ ecsFor: only(ecs), autoScalingFor: only(asg), lambdaFor: only(lambda), sleep, pollIntervalMs: 10_000, maxWaitMs }),
    sleep,
  };
}

beforeEach(() => {
  ecsMock.reset();
  asgMock.reset();
  lambdaMock.reset();
});

describe('ECS service', () => {
  it('raises desiredCount, then waits until the tasks run', async () => {
    ecsMock
      .on(DescribeServicesCommand)
      .resolvesOnce({ services: [{ serviceName: 'api', status: 'ACTIVE', desiredCount: 1, runningCount: 1 }] })
      .resolvesOnce({ services: [{ serviceName: 'api', status: 'ACTIVE', desiredCount: 10, runningCount: 4 }] })
      .resolves({ services: [{ serviceName: 'api', status: 'ACTIVE', desiredCount: 10, runningCount: 10 }] });
    const { scaler: s, sleep } = scaler();
    const r = await s.scale(ECS, WEST, { dryRun: false });
    expect(r).toMatchObject({ target: 'ecs-service orders/api', before: 1, after: 10, changed: true, ready: true });
    expect(ecsMock).toHaveReceivedCommandTimes(UpdateServiceCommand, 1);
    expect(ecsMock).toHaveReceivedCommandWith(UpdateServiceCommand, { cluster: 'orders', service: 'api', desiredCount: 10 });
    expect(sleep).toHaveBeenCalledTimes(2);
  });

  it('sends no update when the service already runs at (or above) production size: a retry changes nothing', async () => {
    ecsMock.on(DescribeServicesCommand).resolves({ services: [{ serviceName: 'api', status: 'ACTIVE', desiredCount: 14, runningCount: 14 }] });
    const r = await scaler().scaler.scale(ECS, WEST, { dryRun: false });
    expect(r).toMatchObject({ before: 14, after: 14, changed: false, ready: true });
    expect(ecsMock).not.toHaveReceivedCommand(UpdateServiceCommand);
  });

  it('a missing service is a StepFailedError naming it', async () => {
    ecsMock.on(DescribeServicesCommand).resolves({ services: [], failures: [{ arn: 'x', reason: 'MISSING' }] });
    await expect(scaler().scaler.scale(ECS, WEST, { dryRun: false })).rejects.toThrow(StepFailedError);
    await expect(scaler().scaler.scale(ECS, WEST, { dryRun: false })).rejects.toThrow(/ECS service api in cluster orders \(us-west-2\): MISSING/);
  });

  it('not serving within the wait is a TransientError, so the ASL retries (and the retry will not re-issue)', async () => {
    ecsMock
      .on(DescribeServicesCommand)
      .resolvesOnce({ services: [{ status: 'ACTIVE', desiredCount: 1, runningCount: 1 }] })
      .resolves({ services: [{ status: 'ACTIVE', desiredCount: 10, runningCount: 2 }] });
    await expect(scaler(20_000).scaler.scale(ECS, WEST, { dryRun: false })).rejects.toBeInstanceOf(TransientError);
    expect(ecsMock).toHaveReceivedCommandTimes(UpdateServiceCommand, 1);
  });
});

describe('Auto Scaling group', () => {
  const group = (min: number, desired: number, max: number, inService: number) => ({
    AutoScalingGroups: [
      {
        AutoScalingGroupName: 'workers',
        MinSize: min,
        DesiredCapacity: desired,
        MaxSize: max,
        Instances: Array.from({ length: inService }, (_, i) => ({
          InstanceId: `i-${i}`,
          LifecycleState: 'InService' as const,
          HealthStatus: 'Healthy',
          AvailabilityZone: 'a',
          ProtectedFromScaleIn: false,
        })),
        AutoScalingGroupARN: 'arn',
        LaunchConfigurationName: 'lc',
        DefaultCooldown: 1,
        AvailabilityZones: ['a'],
        HealthCheckType: 'EC2',
        CreatedTime: new Date(0),
      },
    ],
  });

  it('raises min, desired and (if needed) max together, only upwards', async () => {
    asgMock
      .on(DescribeAutoScalingGroupsCommand)
      .resolvesOnce(group(1, 1, 3, 1))
      .resolves(group(4, 6, 6, 6));
    const r = await scaler().scaler.scale(ASG, WEST, { dryRun: false });
    expect(r).toMatchObject({ before: 1, after: 6, changed: true, ready: true });
    expect(asgMock).toHaveReceivedCommandWith(UpdateAutoScalingGroupCommand, { AutoScalingGroupName: 'workers', MinSize: 4, DesiredCapacity: 6, MaxSize: 6 });
  });

  it('a group already at size but with a lower floor still gets the floor raised', async () => {
    asgMock.on(DescribeAutoScalingGroupsCommand).resolves(group(1, 8, 10, 8));
    await scaler().scaler.scale(ASG, WEST, { dryRun: false });
    expect(asgMock).toHaveReceivedCommandWith(UpdateAutoScalingGroupCommand, { MinSize: 4, DesiredCapacity: 8, MaxSize: 10 });
  });
});

describe('Lambda provisioned concurrency', () => {
  it('sets it when none exists, then waits for READY', async () => {
    lambdaMock
      .on(GetProvisionedConcurrencyConfigCommand)
      .rejectsOnce(awsError('ProvisionedConcurrencyConfigNotFoundException', { status: 404 }))
      .resolves({ RequestedProvisionedConcurrentExecutions: 50, AvailableProvisionedConcurrentExecutions: 50, Status: 'READY' });
    const r = await scaler().scaler.scale(PC, WEST, { dryRun: false });
    expect(r).toMatchObject({ target: 'lambda-provisioned-concurrency checkout:live', before: null, after: 50, changed: true, ready: true });
    expect(lambdaMock).toHaveReceivedCommandWith(PutProvisionedConcurrencyConfigCommand, {
      FunctionName: 'checkout',
      Qualifier: 'live',
      ProvisionedConcurrentExecutions: 50,
    });
  });

  it('a FAILED allocation is a StepFailedError with its reason', async () => {
    lambdaMock
      .on(GetProvisionedConcurrencyConfigCommand)
      .resolves({ Status: 'FAILED', StatusReason: 'account concurrency limit', RequestedProvisionedConcurrentExecutions: 50 });
    await expect(scaler().scaler.scale(PC, WEST, { dryRun: false })).rejects.toThrow(/FAILED: account concurrency limit/);
  });
});

describe('dry run', () => {
  it('only reads and says what it would raise, for every kind of target', async () => {
    ecsMock.on(DescribeServicesCommand).resolves({ services: [{ status: 'ACTIVE', desiredCount: 1, runningCount: 1 }] });
    asgMock
      .on(DescribeAutoScalingGroupsCommand)
      .resolves({ AutoScalingGroups: [{ AutoScalingGroupName: 'workers', MinSize: 0, DesiredCapacity: 0, MaxSize: 2, Instances: [] } as never] });
    lambdaMock.on(GetProvisionedConcurrencyConfigCommand).rejects(awsError('ProvisionedConcurrencyConfigNotFoundException', { status: 404 }));
    const { scaler: s, sleep } = scaler();
    const results = await Promise.all([ECS, ASG, PC].map((t) => s.scale(t, WEST, { dryRun: true })));
    expect(results.map((r) => r.detail)).toEqual([
      'would raise ecs-service orders/api in us-west-2 from 1 to 10',
      'would raise asg workers in us-west-2 from 0 to 6',
      'would raise lambda-provisioned-concurrency checkout:live in us-west-2 from none to 50',
    ]);
    expect(ecsMock).not.toHaveReceivedCommand(UpdateServiceCommand);
    expect(asgMock).not.toHaveReceivedCommand(UpdateAutoScalingGroupCommand);
    expect(lambdaMock).not.toHaveReceivedCommand(PutProvisionedConcurrencyConfigCommand);
    expect(sleep).not.toHaveBeenCalled();
  });
});
