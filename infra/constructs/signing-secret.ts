import { RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface SigningSecretProps {
  /** Name shared by the secret and its replicas; the replica regions find it by this name. */
  readonly secretName: string;
  /** The region whose stack owns (creates) the secret. */
  readonly ownerRegion: string;
  /** Regions that get a read-only replica and import it by name. */
  readonly replicaRegions: readonly string[];
  /**
   * Kept by default: deleting the key invalidates every approval link in flight and, in the owner
   * region, also deletes the replicas the other region depends on.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The HMAC key that signs approval links, identical in both regions so either copy of the control plane
 * can verify a link it issued.
 *
 * Why one secret with a replica instead of one secret per stack or a cross-region reference:
 * - the owner region's stack creates it with `replicaRegions`, so Secrets Manager keeps the value identical
 *   in the replica region without either stack reading the other at deploy time;
 * - the replica region's stack only imports it by name: it creates nothing, has no deploy-time dependency
 *   on the owner region, and its IAM grants match the name with the `-??????` suffix, so each stack can be
 *   deployed on its own and in any order (the replica region's functions can read the key once the owner
 *   stack has been deployed);
 * - the replica stays readable while the owner region is down, which is exactly when the standby copy runs
 *   the failover. If the owner region is lost for good, promote the replica to a standalone secret
 *   (`aws secretsmanager stop-replication-to-replica`) before redeploying.
 * `secretArn` is then a partial ARN (no random suffix) in the replica region; GetSecretValue accepts it.
 */
export class SigningSecret extends Construct {
  readonly secret: secretsmanager.ISecret;
  /** Whether this stack created the secret (owner region) or imported the replica. */
  readonly isOwner: boolean;

  constructor(scope: Construct, id: string, props: SigningSecretProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    if (Token.isUnresolved(region)) {
      throw new Error(`${this.node.path}: SigningSecret needs a stack with an explicit region (env.region)`);
    }
    this.isOwner = region === props.ownerRegion;
    if (this.isOwner) {
      this.secret = new secretsmanager.Secret(this, 'Secret', {
        secretName: props.secretName,
        description: 'HMAC key that signs DR approval links (replicated; do not rotate during an incident)',
        generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
        replicaRegions: props.replicaRegions.filter((r) => r !== region).map((r) => ({ region: r })),
        removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      });
      Validations.of(this).acknowledge({
        id: 'AwsSolutions::AwsSolutions-SMG4',
        reason: 'Rotating the HMAC key invalidates every approval link in flight; rotate by hand between incidents (both regions follow through replication).',
      });
    } else if (props.replicaRegions.includes(region)) {
      this.secret = secretsmanager.Secret.fromSecretNameV2(this, 'Secret', props.secretName);
    } else {
      throw new Error(
        `${this.node.path}: region ${region} is neither the owner (${props.ownerRegion}) nor a replica region (${props.replicaRegions.join(', ')}) of the signing secret`,
      );
    }
  }
}
