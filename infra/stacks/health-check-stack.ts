import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { DrConfig } from '../../config/schema';
import { Route53HealthChecks } from '../constructs/route53-health-checks';
import { StackOutputs } from '../constructs/stack-outputs';
import { regionOutputKey } from '../naming';
import { exportNamePrefix } from '../../config/resource-names';

export interface HealthCheckStackProps extends StackProps {
  readonly config: DrConfig;
}

/**
 * The Route 53 health checks and their alarms, in us-east-1 whatever the application's regions are
 * (their metrics exist nowhere else). Nothing on the failover path depends on this stack: it feeds the
 * third, slower signal, and the canaries in each control-plane region make the quorum without it.
 */
export class HealthCheckStack extends Stack {
  constructor(scope: Construct, id: string, props: HealthCheckStackProps) {
    super(scope, id, props);
    const checks = new Route53HealthChecks(this, 'HealthChecks', { config: props.config });
    // The ids a routing control or a record set can reuse: HealthCheckIdUsEast1, HealthCheckIdUsWest2, ...
    new StackOutputs(this, 'Outputs', {
      exportPrefix: exportNamePrefix(props.config.application),
      outputs: [...checks.healthChecks].map(([region, check]) => ({
        key: `HealthCheckId${regionOutputKey(region)}`,
        value: check.healthCheckId,
        description: `Route 53 health check of the health URL in ${region}`,
      })),
    });
  }
}
