import {
  DescribeGlobalClustersCommand,
  FailoverGlobalClusterCommand,
  SwitchoverGlobalClusterCommand,
  type GlobalCluster,
  type RDSClient,
} from '@aws-sdk/client-rds';
import type { DataStoreConfig } from '../../../config/schema';
import { StepFailedError, TransientError } from '../errors';
import type { DataStorePromotion, PromotionResult, RegionName } from '../ports';
import { callAws, errorName, isTransient } from './sdk-errors';
import { auroraClusterArn, bucketIn } from './store-resources';

type AuroraStore = Extract<DataStoreConfig, { kind: 'aurora-global' }>;

export interface AuroraGlobalPromotionProps {
  readonly rdsFor: (region: RegionName) => RDSClient;
  /** @default real timer */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default 10000 */
  readonly promotionPollIntervalMs?: number;
  /**
   * How long one invocation waits for Aurora to report the new writer before handing back to the ASL
   * Retry (which waits again without re-issuing). Keep it under the Lambda timeout.
   * @default 240000
   */
  readonly promotionMaxWaitMs?: number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** RDS refuses a switchover/failover while the cluster is busy (modifying, another operation); later it may not. */
const RDS_BUSY = new Set(['InvalidGlobalClusterStateFault', 'InvalidDBClusterStateFault']);

/**
 * Makes the region being activated the writer of each store. Only an Aurora global cluster has a writer to move
 * (switchover when planned, failover allowing data loss when not); DynamoDB global tables and S3 buckets already
 * accept writes in every region.
 */
export class AuroraGlobalPromotion implements DataStorePromotion {
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly props: AuroraGlobalPromotionProps) {
    this.sleep = props.sleep ?? realSleep;
  }

  async promote(store: DataStoreConfig, to: RegionName, opts: { planned: boolean }): Promise<PromotionResult> {
    switch (store.kind) {
      case 'dynamodb-global-table':
        return {
          store: store.name,
          kind: store.kind,
          action: 'none',
          detail: `DynamoDB global table ${store.tableName} is multi-writer: its ${to} replica already accepts writes; nothing to promote.`,
        };
      case 's3-replicated':
        return {
          store: store.name,
          kind: store.kind,
          action: 'none',
          detail: `S3 bucket ${bucketIn(store, to)} in ${to} already accepts writes; nothing to promote.`,
        };
      case 'aurora-global':
        return this.promoteAurora(store, to, opts.planned);
    }
  }

  /**
   * Every call goes to `to`'s RDS endpoint: the global cluster can be described and failed over from any
   * member region, and the old writer's region may be down.
   */
  private async promoteAurora(store: AuroraStore, to: RegionName, planned: boolean): Promise<PromotionResult> {
    const rds = this.props.rdsFor(to);
    const targetArn = auroraClusterArn(store, to);
    const gid = store.globalClusterIdentifier;
    const before = await this.describeGlobalCluster(rds, gid);
    const writer = writerArn(before);
    const inFlight = operationInFlight(before);
    if (!inFlight && writer === targetArn) {
      return { store: store.name, kind: store.kind, action: 'none', detail: `${targetArn} is already the writer of global cluster ${gid}; nothing to do.` };
    }
    let action: 'switchover' | 'failover';
    if (inFlight) {
      // A previous attempt (or a person) already started it: wait for it rather than issue a second one.
      const heading = before.FailoverState?.ToDbClusterArn;
      if (heading && heading !== targetArn) {
        throw new StepFailedError(`Global cluster ${gid} is already moving its writer to ${heading}, not ${targetArn}; resolve that first`);
      }
      action = before.FailoverState?.IsDataLossAllowed ? 'failover' : planned ? 'switchover' : 'failover';
    } else {
      action = planned ? 'switchover' : 'failover';
      await this.rdsCall(`RDS ${planned ? 'SwitchoverGlobalCluster' : 'FailoverGlobalCluster'} ${gid} in ${to}`, () =>
        planned
          ? rds.send(new SwitchoverGlobalClusterCommand({ GlobalClusterIdentifier: gid, TargetDbClusterIdentifier: targetArn }))
          : // Unplanned: the old writer cannot confirm what it has not replicated, so data loss must be allowed
            // explicitly. The workflow only gets here after approval (or auto-approval within RPO).
            rds.send(new FailoverGlobalClusterCommand({ GlobalClusterIdentifier: gid, TargetDbClusterIdentifier: targetArn, AllowDataLoss: true })),
      );
    }
    await this.waitForWriter(rds, gid, targetArn);
    const detail =
      action === 'switchover'
        ? `Switched over global cluster ${gid} to ${targetArn} (planned: no data loss).`
        : `Failed over global cluster ${gid} to ${targetArn} allowing data loss: writes ${writer ?? 'the old writer'} had not replicated may be lost.`;
    return { store: store.name, kind: store.kind, action, detail };
  }

  private async waitForWriter(rds: RDSClient, gid: string, targetArn: string): Promise<void> {
    const interval = this.props.promotionPollIntervalMs ?? 10_000;
    const maxWait = this.props.promotionMaxWaitMs ?? 240_000;
    const polls = Math.max(1, Math.ceil(maxWait / interval));
    for (let i = 0; i < polls; i++) {
      await this.sleep(interval);
      const gc = await this.describeGlobalCluster(rds, gid);
      if (writerArn(gc) === targetArn && !operationInFlight(gc)) return;
    }
    throw new TransientError(
      `Global cluster ${gid}: ${targetArn} is not the writer yet after ${maxWait} ms; a retry waits again without re-issuing the operation`,
    );
  }

  private async describeGlobalCluster(rds: RDSClient, gid: string): Promise<GlobalCluster> {
    const res = await callAws(`RDS DescribeGlobalClusters ${gid}`, () => rds.send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: gid })));
    const gc = res.GlobalClusters?.find((c) => c.GlobalClusterIdentifier === gid) ?? res.GlobalClusters?.[0];
    if (!gc) throw new StepFailedError(`Global cluster ${gid} not found`);
    return gc;
  }

  private async rdsCall<T>(doing: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (RDS_BUSY.has(errorName(err)) || isTransient(err))
        throw new TransientError(`${doing} failed (${errorName(err)}): ${(err as Error).message}`, { cause: err });
      throw err;
    }
  }
}

function writerArn(gc: GlobalCluster): string | undefined {
  return gc.GlobalClusterMembers?.find((m) => m.IsWriter)?.DBClusterArn;
}

function operationInFlight(gc: GlobalCluster): boolean {
  return Boolean(gc.FailoverState?.Status) || gc.Status === 'failing-over' || gc.Status === 'switching-over';
}
