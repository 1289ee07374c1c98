import { Stack, Token } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { DrConfig } from '../../config/schema';

/**
 * The region of `scope`'s stack, which must be written out (`env.region`) and be one of the config's two: each region's
 * copy of the control plane acts for its own region and reads its peer, so a construct in a third region, or in a
 * region-agnostic stack, would watch or change the wrong thing. `what` names the construct in the error.
 */
export function configuredRegionOf(scope: Construct, config: DrConfig, what: string): string {
  const region = Stack.of(scope).region;
  const regions = [config.regions.primary.name, config.regions.standby.name];
  if (Token.isUnresolved(region) || !regions.includes(region)) {
    throw new Error(`${scope.node.path}: ${what} needs a stack in one of the configured regions (${regions.join(', ')}), got ${region}`);
  }
  return region;
}
