import { Stack, Token } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';

export type SiteStateValue = 'ACTIVE' | 'PASSIVE';

export interface SiteStateParameterProps {
  /** Path prefix; this region's switch is `<prefix>/<stack region>`. */
  readonly parameterPrefix: string;
  /** The value the parameter is created with: ACTIVE for the primary region, PASSIVE for the standby. */
  readonly initialValue: SiteStateValue;
}

/**
 * This region's ACTIVE/PASSIVE switch, which the application's writers read and the failover-orchestrator
 * flips (fence / activate). It lives in its own region, next to the writers that read it.
 *
 * CloudFormation writes the value only when the resource is created or one of its properties changes.
 * After a failover the live value differs from `initialValue` on purpose, so never edit this resource's
 * properties (description, tier, pattern) in place: that would reset the switch on the next deploy.
 * The logical id is pinned for the same reason: a replacement would recreate it with the initial value.
 */
export class SiteStateParameter extends Construct {
  static readonly LOGICAL_ID = 'SiteStateParameter';

  readonly parameter: ssm.StringParameter;

  constructor(scope: Construct, id: string, props: SiteStateParameterProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    if (Token.isUnresolved(region)) {
      throw new Error(`${this.node.path}: SiteStateParameter needs a stack with an explicit region (env.region)`);
    }
    this.parameter = new ssm.StringParameter(this, 'Parameter', {
      parameterName: `${props.parameterPrefix}/${region}`,
      stringValue: props.initialValue,
      // SSM then refuses any other value from any writer, not just from our orchestrator.
      allowedPattern: '^(ACTIVE|PASSIVE)$',
      tier: ssm.ParameterTier.STANDARD,
      description: 'DR site state: ACTIVE accepts writes, PASSIVE is fenced. Flipped by the failover workflow.',
    });
    (this.parameter.node.defaultChild as ssm.CfnParameter).overrideLogicalId(SiteStateParameter.LOGICAL_ID);
  }
}
