import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

export interface StateTablesProps {
  /**
   * What happens to the approvals, incident-lock and idempotency tables when the stack is deleted. They hold
   * short-lived items that expire through TTL, so nothing of value is lost by default.
   *
   * @default RemovalPolicy.DESTROY
   */
  readonly ephemeralRemovalPolicy?: RemovalPolicy;
  /**
   * Whether the audit table refuses deletion. Step Functions forgets executions after 90 days;
   * this table is the durable record of who decided what during an incident.
   *
   * @default true
   */
  readonly auditDeletionProtection?: boolean;
}

/**
 * The control plane's regional state: pending approvals (task tokens kept server-side under a random id),
 * the audit trail, and the per-region incident lock. Each region's copy keeps its own tables: a copy
 * only ever activates its own region, so there is never a second writer and no global table is needed.
 */
export class StateTables extends Construct {
  /**
   * Pinned CloudFormation logical ids. A logical id change makes CloudFormation replace the table
   * (losing the audit trail and in-flight approvals), so they must not follow the construct tree.
   * Consequently one StateTables per stack.
   */
  static readonly LOGICAL_IDS = {
    approvals: 'ApprovalsTable',
    audit: 'AuditTable',
    incidentLock: 'IncidentLockTable',
    idempotency: 'IdempotencyTable',
    comparison: 'ComparisonTable',
  } as const;

  /** Partition key `approvalId`; items expire through the `ttl` attribute (epoch seconds). */
  readonly approvals: dynamodb.Table;
  /** Partition key `incidentId`, sort key `sk` = `<ISO timestamp>#<step>` so an incident reads in order. */
  readonly audit: dynamodb.Table;
  /** Partition key `lockId`; a lock is released by its `ttl` if its holder dies. */
  readonly incidentLock: dynamodb.Table;
  /**
   * Powertools idempotency records of the state-changing steps (partition key `id` = execution + step
   * hash, TTL `expiration`): a Retry or redrive gets the stored result instead of acting twice.
   */
  readonly idempotency: dynamodb.Table;
  /**
   * The segmented data comparison's scratch space (partition key `comparisonId`, sort key `part`, TTL `expiresAt`):
   * digests and keys the segments' invocations hand to the merges. Kept a week, then TTL removes it.
   */
  readonly comparison: dynamodb.Table;

  constructor(scope: Construct, id: string, props: StateTablesProps = {}) {
    super(scope, id);
    const ephemeral = props.ephemeralRemovalPolicy ?? RemovalPolicy.DESTROY;
    const common = {
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
    } as const;

    this.approvals = new dynamodb.Table(this, 'Approvals', {
      ...common,
      partitionKey: { name: 'approvalId', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: 'ttl',
      removalPolicy: ephemeral,
    });

    this.audit = new dynamodb.Table(this, 'Audit', {
      ...common,
      partitionKey: { name: 'incidentId', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.auditDeletionProtection ?? true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.incidentLock = new dynamodb.Table(this, 'IncidentLock', {
      ...common,
      partitionKey: { name: 'lockId', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: 'ttl',
      removalPolicy: ephemeral,
    });

    // Attribute names are Powertools' defaults (DynamoDBPersistenceLayer).
    this.idempotency = new dynamodb.Table(this, 'Idempotency', {
      ...common,
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: 'expiration',
      removalPolicy: ephemeral,
    });

    this.comparison = new dynamodb.Table(this, 'Comparison', {
      ...common,
      partitionKey: { name: 'comparisonId', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'part', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: 'expiresAt',
      removalPolicy: ephemeral,
    });

    for (const table of [this.approvals, this.incidentLock, this.idempotency, this.comparison]) {
      Validations.of(table).acknowledge({
        id: 'AwsSolutions::AwsSolutions-DDB3',
        reason:
          'Items live minutes to days and expire by TTL; a restore would bring back stale task tokens, locks and comparison parts. The audit table has PITR.',
      });
    }
    pinLogicalId(this.approvals, StateTables.LOGICAL_IDS.approvals);
    pinLogicalId(this.audit, StateTables.LOGICAL_IDS.audit);
    pinLogicalId(this.incidentLock, StateTables.LOGICAL_IDS.incidentLock);
    pinLogicalId(this.idempotency, StateTables.LOGICAL_IDS.idempotency);
    pinLogicalId(this.comparison, StateTables.LOGICAL_IDS.comparison);
  }
}

function pinLogicalId(table: dynamodb.Table, logicalId: string): void {
  (table.node.defaultChild as dynamodb.CfnTable).overrideLogicalId(logicalId);
}
