import { ArnFormat, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import type { DrConfig } from '../../../config/schema';

/**
 * Pilot light / warm standby. Only the standby region's copy ever scales (each copy activates only its
 * own region, and failback needs no scaling), so only that copy gets these rights, on exactly the
 * configured services, groups and function versions. Findings are acknowledged on `acknowledgeOn`.
 */
export function grantStandbyScaling(orchestrator: lambda.IFunction, config: DrConfig, acknowledgeOn: IConstruct): void {
  const stack = Stack.of(orchestrator);
  const { standby, regions } = config;
  if (standby.scaling.length === 0 || stack.region !== regions.standby.name) return;
  const region = stack.region;
  const ecs = standby.scaling.flatMap((t) => (t.kind === 'ecs-service' ? [t] : []));
  const asgs = standby.scaling.flatMap((t) => (t.kind === 'asg' ? [t] : []));
  const lambdas = standby.scaling.flatMap((t) => (t.kind === 'lambda-provisioned-concurrency' ? [t] : []));
  if (ecs.length > 0) {
    const clusterName = (c: string) => (c.startsWith('arn:') ? c.split('/').pop()! : c);
    orchestrator.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ScaleStandbyEcsServices',
        actions: ['ecs:DescribeServices', 'ecs:UpdateService'],
        resources: ecs.map((t) => stack.formatArn({ service: 'ecs', region, resource: 'service', resourceName: `${clusterName(t.cluster)}/${t.service}` })),
      }),
    );
  }
  if (asgs.length > 0) {
    const groupArns = asgs.map((t) =>
      // The group's UUID is only known after it exists, hence the one wildcard segment.
      stack.formatArn({
        service: 'autoscaling',
        region,
        resource: 'autoScalingGroup',
        resourceName: `*:autoScalingGroupName/${t.name}`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    );
    orchestrator.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'ScaleStandbyAutoScalingGroups', actions: ['autoscaling:UpdateAutoScalingGroup'], resources: groupArns }),
    );
    // DescribeAutoScalingGroups has no resource-level permissions.
    orchestrator.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'ReadAutoScalingGroups', actions: ['autoscaling:DescribeAutoScalingGroups'], resources: ['*'] }),
    );
    const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
    Validations.of(acknowledgeOn).acknowledge(
      ...asgs.map((t) => ({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:autoscaling:${region}:${account}:autoScalingGroup:*:autoScalingGroupName/${t.name}]`,
        reason: 'The group id segment of an Auto Scaling group ARN is generated; the name pins the group.',
      })),
    );
  }
  if (lambdas.length > 0) {
    orchestrator.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ScaleStandbyProvisionedConcurrency',
        actions: ['lambda:GetProvisionedConcurrencyConfig', 'lambda:PutProvisionedConcurrencyConfig'],
        resources: lambdas.map((t) =>
          t.functionName.startsWith('arn:')
            ? `${t.functionName}:${t.qualifier}`
            : stack.formatArn({
                service: 'lambda',
                region,
                resource: 'function',
                resourceName: `${t.functionName}:${t.qualifier}`,
                arnFormat: ArnFormat.COLON_RESOURCE_NAME,
              }),
        ),
      }),
    );
  }
}
