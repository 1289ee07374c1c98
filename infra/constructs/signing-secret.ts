import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface SigningSecretProps {
  /**
   * Deleting the stack deletes the key: the approval links it signed are dead with the stack's API anyway, and the
   * generated name means a re-created stack never collides with a key still in its recovery window.
   *
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The HMAC key that signs this region's approval links.
 *
 * One key per regional stack, with a name CloudFormation generates: a link is only ever decided in the region that
 * issued it (its URL is that region's approval API, and its record lives in that region's approvals table), so no
 * other region needs the key, and nothing ties the name to the stack's name. A fixed name would make a deleted
 * stack impossible to re-create: Secrets Manager keeps a deleted secret for a recovery window of at least 7 days,
 * and a retained one forever (docs/adr/0018-config-outside-the-environment.md).
 */
export class SigningSecret extends Construct {
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: SigningSecretProps = {}) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      description: "HMAC key that signs this region's DR approval links (do not rotate during an incident)",
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason: 'Rotating the HMAC key invalidates every approval link in flight; rotate by hand between incidents.',
    });
  }
}
