import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { DrConfig } from '../../../config/schema';
import { siteStateParameterPrefix } from '../../../config/resource-names';

/** Fencing and activation (the site-state switches of both regions) and promoting the configured Aurora global clusters. */
export function grantFailoverOrchestrator(orchestrator: lambda.IFunction, config: DrConfig, regionNames: readonly string[]): void {
  const stack = Stack.of(orchestrator);
  const prefix = siteStateParameterPrefix(config.application);
  // Both regions: fencing writes the old primary's flag, activation writes this region's.
  orchestrator.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'ToggleSiteState',
      actions: ['ssm:GetParameter', 'ssm:PutParameter'],
      resources: regionNames.map((region) => stack.formatArn({ service: 'ssm', region, resource: 'parameter', resourceName: `${prefix.slice(1)}/${region}` })),
    }),
  );
  const aurora = config.dataStores.filter((s) => s.kind === 'aurora-global');
  if (aurora.length > 0) {
    const globalClusterArns = aurora.map((s) => globalClusterArn(stack, s.globalClusterIdentifier, Object.values(s.clusterArns)[0]));
    const clusterArns = aurora.flatMap((s) => Object.values(s.clusterArns));
    orchestrator.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'PromoteAuroraGlobalClusters',
        // Both actions authorize against the global cluster and the target regional cluster.
        actions: ['rds:FailoverGlobalCluster', 'rds:SwitchoverGlobalCluster'],
        resources: [...globalClusterArns, ...clusterArns],
      }),
    );
    orchestrator.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'ReadAuroraGlobalClusters', actions: ['rds:DescribeGlobalClusters'], resources: globalClusterArns }),
    );
  }
}

/** Global clusters are account-wide (no region); the account is the one that owns the regional clusters. */
function globalClusterArn(stack: Stack, identifier: string, someClusterArn: string | undefined): string {
  const account = someClusterArn?.split(':')[4] || stack.account;
  return stack.formatArn({
    service: 'rds',
    region: '',
    account,
    resource: 'global-cluster',
    resourceName: identifier,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}
