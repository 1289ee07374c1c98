import * as route53 from 'aws-cdk-lib/aws-route53';
import * as arc from 'aws-cdk-lib/aws-route53recoverycontrol';
import { Construct } from 'constructs';

export interface ArcRoutingControlsProps {
  /** Prefix of every name (cluster, control panel, routing controls, health-check Name tags). */
  readonly namePrefix: string;
  /** Region names, one routing control each; the safety rule keeps at least one of them on. */
  readonly regions: readonly string[];
  /**
   * An existing cluster to create the control panel in (ARC allows two clusters per account, each billed by
   * the hour, so applications usually share one).
   * @default a new cluster
   */
  readonly clusterArn?: string;
  /**
   * How long the safety rule waits before it lets a blocked update through once the rule is satisfied again.
   * @default 5000
   */
  readonly safetyRuleWaitPeriodMs?: number;
}

/**
 * What the `arc-routing-control` strategy flips, as code: a cluster (unless one is given), a control panel, one
 * routing control per region, an assertion safety rule "at least one region on" (so no update, by drctl, a
 * person in the console or a bug, can switch both regions off), and a RECOVERY_CONTROL health check per routing
 * control for the application's DNS records to use. L1 constructs: aws-cdk-lib has no L2 for ARC.
 */
export class ArcRoutingControls extends Construct {
  readonly cluster?: arc.CfnCluster;
  readonly clusterArn: string;
  readonly controlPanel: arc.CfnControlPanel;
  readonly safetyRule: arc.CfnSafetyRule;
  readonly routingControls = new Map<string, arc.CfnRoutingControl>();
  readonly healthChecks = new Map<string, route53.CfnHealthCheck>();

  constructor(scope: Construct, id: string, props: ArcRoutingControlsProps) {
    super(scope, id);
    if (props.regions.length < 2) throw new Error(`${this.node.path}: needs at least two regions, got ${props.regions.join(', ') || 'none'}`);
    if (props.clusterArn) {
      this.clusterArn = props.clusterArn;
    } else {
      this.cluster = new arc.CfnCluster(this, 'Cluster', { name: `${props.namePrefix}-cluster` });
      this.clusterArn = this.cluster.attrClusterArn;
    }
    this.controlPanel = new arc.CfnControlPanel(this, 'ControlPanel', { name: `${props.namePrefix}-panel`, clusterArn: this.clusterArn });
    for (const region of props.regions) {
      const control = new arc.CfnRoutingControl(this, `RoutingControl-${region}`, {
        name: `${props.namePrefix}-${region}`,
        clusterArn: this.clusterArn,
        controlPanelArn: this.controlPanel.attrControlPanelArn,
      });
      this.routingControls.set(region, control);
      // Route 53 answers "healthy" exactly while the routing control is On: a record using this check follows it.
      const check = new route53.CfnHealthCheck(this, `HealthCheck-${region}`, {
        healthCheckConfig: { type: 'RECOVERY_CONTROL', routingControlArn: control.attrRoutingControlArn },
        healthCheckTags: [{ key: 'Name', value: `${props.namePrefix}-${region}` }],
      });
      this.healthChecks.set(region, check);
    }
    this.safetyRule = new arc.CfnSafetyRule(this, 'AtLeastOneRegionOn', {
      name: `${props.namePrefix}-at-least-one-on`,
      controlPanelArn: this.controlPanel.attrControlPanelArn,
      assertionRule: {
        assertedControls: [...this.routingControls.values()].map((c) => c.attrRoutingControlArn),
        waitPeriodMs: props.safetyRuleWaitPeriodMs ?? 5_000,
      },
      // ATLEAST 1, not inverted: an update that would leave every region Off is refused.
      ruleConfig: { type: 'ATLEAST', threshold: 1, inverted: false },
    });
  }
}
