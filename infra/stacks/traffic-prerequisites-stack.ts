import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { DrConfig } from '../../config/schema';
import { ArcRoutingControls } from '../constructs/arc-routing-controls';
import { type StackOutput, StackOutputs } from '../constructs/stack-outputs';
import { WeightedRecords } from '../constructs/weighted-records';
import { regionOutputKey } from '../naming';
import { exportNamePrefix } from '../../config/resource-names';

export interface TrafficPrerequisitesStackProps extends StackProps {
  readonly config: DrConfig;
}

/** True when the config asks for any traffic prerequisite; infra/app.ts creates the stack only then. */
export function wantsTrafficPrerequisites(config: DrConfig): boolean {
  const { arc, route53Records } = config.prerequisites;
  return Boolean(arc?.create || arc?.clusterArn || route53Records?.create);
}

/**
 * The traffic-routing resources the control plane flips but does not own, created once per application
 * (never per region: two copies would be two sets of routing controls). Off by default (`prerequisites` in
 * the config); nothing on the failover path reads this stack, the control plane gets the ARNs from the config.
 */
export class TrafficPrerequisitesStack extends Stack {
  readonly arc?: ArcRoutingControls;
  readonly records?: WeightedRecords;

  constructor(scope: Construct, id: string, props: TrafficPrerequisitesStackProps) {
    super(scope, id, props);
    const { config } = props;
    const app = config.application;
    const { arc, route53Records } = config.prerequisites;
    const regions = [config.regions.primary, config.regions.standby];
    const outputs: StackOutput[] = [];

    if (arc?.create || arc?.clusterArn) {
      this.arc = new ArcRoutingControls(this, 'Arc', { namePrefix: `${app}-dr`, regions: regions.map((r) => r.name), clusterArn: arc.clusterArn });
      outputs.push(
        {
          key: 'ArcClusterArn',
          value: this.arc.clusterArn,
          description: arc.clusterArn
            ? 'The existing ARC cluster the control panel was created in'
            : 'The ARC cluster (its five endpoints: aws route53-recovery-control-config describe-cluster --region us-west-2)',
        },
        { key: 'ArcControlPanelArn', value: this.arc.controlPanel.attrControlPanelArn, description: "The application's ARC control panel" },
        { key: 'ArcSafetyRuleArn', value: this.arc.safetyRule.attrSafetyRuleArn, description: 'Assertion rule: at least one region is On' },
      );
      for (const [region, control] of this.arc.routingControls) {
        outputs.push({
          key: `RoutingControlArn${regionOutputKey(region)}`,
          value: control.attrRoutingControlArn,
          description: `Routing control of ${region}: copy into traffic.routingControlArns.${region}`,
        });
      }
      for (const [region, check] of this.arc.healthChecks) {
        outputs.push({
          key: `RoutingControlHealthCheckId${regionOutputKey(region)}`,
          value: check.attrHealthCheckId,
          description: `RECOVERY_CONTROL health check following the routing control of ${region} (for the DNS records)`,
        });
      }
    }

    if (route53Records?.create && config.traffic.strategy === 'route53-weighted') {
      this.records = new WeightedRecords(this, 'WeightedRecords', {
        hostedZoneId: config.traffic.hostedZoneId,
        recordName: config.globalDomain.name,
        ttlSeconds: config.globalDomain.ttlSeconds,
        regions: regions.map((r) => ({ name: r.name, host: new URL(r.apiEndpoint).hostname })),
      });
      outputs.push({
        key: 'WeightedRecordName',
        value: config.globalDomain.name,
        description: `Weighted CNAME records (SetIdentifier = region name) in hosted zone ${config.traffic.hostedZoneId}`,
      });
    }

    new StackOutputs(this, 'Outputs', { exportPrefix: exportNamePrefix(app), outputs });
  }
}
