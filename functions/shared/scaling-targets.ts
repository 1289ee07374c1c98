import type { ScalingTarget } from './ports';

/** How a scaling target is named in results, alerts and errors, in AWS and in the drill alike. */
export function describeTarget(t: ScalingTarget): string {
  switch (t.kind) {
    case 'ecs-service':
      return `ecs-service ${t.cluster}/${t.service}`;
    case 'asg':
      return `asg ${t.name}`;
    case 'lambda-provisioned-concurrency':
      return `lambda-provisioned-concurrency ${t.functionName}:${t.qualifier}`;
  }
}

/** The capacity a target is raised to: ECS desired count, Auto Scaling desired capacity, or provisioned concurrency. */
export function wantedCapacity(t: ScalingTarget): number {
  return t.kind === 'ecs-service' ? t.desiredCount : t.kind === 'asg' ? t.desiredCapacity : t.concurrency;
}
