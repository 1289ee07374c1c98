import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { DrConfig } from '../../../config/schema';

/** The traffic router may move the global name and nothing else: ARC routing controls, or the one Route 53 record. */
export function grantTrafficRouter(trafficRouter: lambda.IFunction, config: DrConfig): void {
  const stack = Stack.of(trafficRouter);
  const traffic = config.traffic;
  if (traffic.strategy === 'arc-routing-control') {
    // ARC data-plane calls only: the failover path must not need the Route 53 control plane in us-east-1.
    trafficRouter.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'FlipRoutingControls',
        actions: [
          'route53-recovery-cluster:GetRoutingControlState',
          'route53-recovery-cluster:UpdateRoutingControlState',
          'route53-recovery-cluster:UpdateRoutingControlStates',
        ],
        resources: Object.values(traffic.routingControlArns),
      }),
    );
    return;
  }
  const zoneArn = stack.formatArn({ service: 'route53', region: '', account: '', resource: 'hostedzone', resourceName: traffic.hostedZoneId });
  trafficRouter.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'ChangeGlobalRecordOnly',
      actions: ['route53:ChangeResourceRecordSets'],
      resources: [zoneArn],
      // Only the global name may change, even though the zone probably holds other records.
      conditions: {
        'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': [config.globalDomain.name.toLowerCase()] },
      },
    }),
  );
  trafficRouter.addToRolePolicy(new iam.PolicyStatement({ sid: 'ReadGlobalRecord', actions: ['route53:ListResourceRecordSets'], resources: [zoneArn] }));
  trafficRouter.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'WaitForChangeInSync',
      actions: ['route53:GetChange'],
      resources: [stack.formatArn({ service: 'route53', region: '', account: '', resource: 'change', resourceName: '*' })],
    }),
  );
}
