import { DescribeAutoScalingGroupsCommand, UpdateAutoScalingGroupCommand, type AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { DescribeServicesCommand, UpdateServiceCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { GetProvisionedConcurrencyConfigCommand, PutProvisionedConcurrencyConfigCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { StepFailedError, TransientError } from '../errors';
import type { RegionName, ScalingResult, ScalingTarget, StandbyScaler } from '../ports';
import { describeTarget, wantedCapacity } from '../scaling-targets';
import { callAws, errorName } from './sdk-errors';

export interface AwsStandbyScalerProps {
  /** Clients of the region being scaled: only ever the standby region, the one being activated. */
  readonly ecsFor: (region: RegionName) => ECSClient;
  readonly autoScalingFor: (region: RegionName) => AutoScalingClient;
  readonly lambdaFor: (region: RegionName) => LambdaClient;
  /** @default real timer */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default 10000 */
  readonly pollIntervalMs?: number;
  /**
   * How long one invocation waits for the capacity to serve before handing back to the ASL Retry (which
   * waits again without re-issuing: the desired values are already set). Keep it under the Lambda timeout.
   * @default 600000
   */
  readonly maxWaitMs?: number;
}

interface Observed {
  readonly current: number | null;
  readonly ready: boolean;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Pilot light / warm standby: raises ECS services, Auto Scaling groups and Lambda provisioned concurrency to
 * production size. Reads first and only ever raises, so a retry or redrive sends no second update, and a
 * standby someone already scaled further is left alone.
 */
export class AwsStandbyScaler implements StandbyScaler {
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly props: AwsStandbyScalerProps) {
    this.sleep = props.sleep ?? realSleep;
  }

  async scale(target: ScalingTarget, region: RegionName, opts: { dryRun: boolean }): Promise<ScalingResult> {
    const name = describeTarget(target);
    const want = wantedCapacity(target);
    const before = await this.observe(target, region, want);
    const needsChange = this.needsChange(target, before);
    if (opts.dryRun) {
      return {
        target: name,
        before: before.current,
        after: Math.max(want, before.current ?? 0),
        changed: needsChange,
        ready: before.ready,
        detail: needsChange
          ? `would raise ${name} in ${region} from ${before.current ?? 'none'} to ${want}`
          : `${name} in ${region} already at ${before.current} (>= ${want})`,
      };
    }
    if (needsChange) await this.apply(target, region, before);
    const ready = before.ready && !needsChange ? true : await this.waitReady(target, region, want);
    const after = Math.max(want, before.current ?? 0);
    return {
      target: name,
      before: before.current,
      after,
      changed: needsChange,
      ready,
      detail: needsChange
        ? `raised ${name} in ${region} from ${before.current ?? 'none'} to ${after}; serving`
        : `${name} in ${region} already at ${before.current} (>= ${want}); serving`,
    };
  }

  private needsChange(target: ScalingTarget, before: Observed & { minSize?: number }): boolean {
    if ((before.current ?? 0) < wantedCapacity(target)) return true;
    return target.kind === 'asg' && (before.minSize ?? 0) < target.minSize;
  }

  private async observe(target: ScalingTarget, region: RegionName, want: number): Promise<Observed & { minSize?: number; maxSize?: number }> {
    switch (target.kind) {
      case 'ecs-service': {
        const res = await callAws(`ECS DescribeServices ${target.cluster}/${target.service} in ${region}`, () =>
          this.props.ecsFor(region).send(new DescribeServicesCommand({ cluster: target.cluster, services: [target.service] })),
        );
        const svc = res.services?.find((s) => s.status !== 'INACTIVE');
        if (!svc) {
          const why = res.failures?.map((f) => f.reason).join(', ') || 'not found';
          throw new StepFailedError(`ECS service ${target.service} in cluster ${target.cluster} (${region}): ${why}; check standby.scaling`);
        }
        return { current: svc.desiredCount ?? 0, ready: (svc.runningCount ?? 0) >= want };
      }
      case 'asg': {
        const res = await callAws(`AutoScaling DescribeAutoScalingGroups ${target.name} in ${region}`, () =>
          this.props.autoScalingFor(region).send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [target.name] })),
        );
        const group = res.AutoScalingGroups?.[0];
        if (!group) throw new StepFailedError(`Auto Scaling group ${target.name} not found in ${region}; check standby.scaling`);
        const serving = (group.Instances ?? []).filter((i) => i.LifecycleState === 'InService' && i.HealthStatus === 'Healthy').length;
        return { current: group.DesiredCapacity ?? 0, minSize: group.MinSize ?? 0, maxSize: group.MaxSize ?? 0, ready: serving >= want };
      }
      case 'lambda-provisioned-concurrency': {
        try {
          const res = await callAws(`Lambda GetProvisionedConcurrencyConfig ${target.functionName}:${target.qualifier} in ${region}`, () =>
            this.props.lambdaFor(region).send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: target.functionName, Qualifier: target.qualifier })),
          );
          if (res.Status === 'FAILED') {
            throw new StepFailedError(
              `Provisioned concurrency of ${target.functionName}:${target.qualifier} in ${region} FAILED: ${res.StatusReason ?? 'no reason given'}`,
            );
          }
          return {
            current: res.RequestedProvisionedConcurrentExecutions ?? 0,
            ready: res.Status === 'READY' && (res.AvailableProvisionedConcurrentExecutions ?? 0) >= want,
          };
        } catch (err) {
          if (errorName(err) === 'ProvisionedConcurrencyConfigNotFoundException') return { current: null, ready: false };
          if (errorName(err) === 'ResourceNotFoundException') {
            throw new StepFailedError(`Lambda function ${target.functionName}:${target.qualifier} not found in ${region}; check standby.scaling`, {
              cause: err,
            });
          }
          throw err;
        }
      }
    }
  }

  private async apply(target: ScalingTarget, region: RegionName, now: Observed & { minSize?: number; maxSize?: number }): Promise<void> {
    switch (target.kind) {
      case 'ecs-service':
        await callAws(`ECS UpdateService ${target.cluster}/${target.service} in ${region}`, () =>
          this.props.ecsFor(region).send(new UpdateServiceCommand({ cluster: target.cluster, service: target.service, desiredCount: target.desiredCount })),
        );
        return;
      case 'asg': {
        await callAws(`AutoScaling UpdateAutoScalingGroup ${target.name} in ${region}`, () =>
          this.props.autoScalingFor(region).send(
            new UpdateAutoScalingGroupCommand({
              AutoScalingGroupName: target.name,
              // Raise only: a group someone scaled further during the incident keeps its extra capacity.
              MinSize: Math.max(now.minSize ?? 0, target.minSize),
              DesiredCapacity: Math.max(now.current ?? 0, target.desiredCapacity),
              MaxSize: Math.max(now.maxSize ?? 0, target.desiredCapacity),
            }),
          ),
        );
        return;
      }
      case 'lambda-provisioned-concurrency':
        await callAws(`Lambda PutProvisionedConcurrencyConfig ${target.functionName}:${target.qualifier} in ${region}`, () =>
          this.props.lambdaFor(region).send(
            new PutProvisionedConcurrencyConfigCommand({
              FunctionName: target.functionName,
              Qualifier: target.qualifier,
              ProvisionedConcurrentExecutions: target.concurrency,
            }),
          ),
        );
        return;
    }
  }

  private async waitReady(target: ScalingTarget, region: RegionName, want: number): Promise<boolean> {
    const interval = this.props.pollIntervalMs ?? 10_000;
    const maxWait = this.props.maxWaitMs ?? 600_000;
    const polls = Math.max(1, Math.ceil(maxWait / interval));
    for (let i = 0; i < polls; i++) {
      await this.sleep(interval);
      if ((await this.observe(target, region, want)).ready) return true;
    }
    throw new TransientError(
      `${describeTarget(target)} in ${region} not serving at ${want} after ${maxWait} ms; the retry waits again without re-issuing the update`,
    );
  }
}
