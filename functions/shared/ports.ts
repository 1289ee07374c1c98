/**
 * Narrow ports the use cases depend on. Each has three implementations: AWS SDK v3 adapters
 * (functions/shared/aws), the local drill world (local/), and whatever a unit test needs.
 */
import type { DataStoreConfig } from '../../config/schema';

export type RegionName = string;
export type SiteStateValue = 'ACTIVE' | 'PASSIVE';

/** One health observation. Independent signals differ by `source` or `vantage`. */
export interface Signal {
  /** Stable id, e.g. `canary:us-west-2->us-east-1` or `route53:us-east-1`. */
  readonly id: string;
  readonly source: 'canary' | 'route53-health-check' | 'probe';
  /** Where the observation was made from (a region, or `global` for Route 53's checkers). */
  readonly vantage: string;
  /** The region observed. */
  readonly target: RegionName;
  readonly healthy: boolean;
  readonly detail: string;
  readonly observedAt: string;
}

export interface HealthSignals {
  /** Current signals about both regions, read at call time (never cached across an incident). */
  read(regions: readonly RegionName[]): Promise<Signal[]>;
  /**
   * Probes through the global name `attempts` times and reports which region served each request
   * (null when the request failed).
   */
  probeGlobal(attempts: number): Promise<Array<{ ok: boolean; servedBy: RegionName | null; detail: string }>>;
}

export interface TrafficState {
  /** Share of traffic per region, 0-100. */
  readonly weights: Record<RegionName, number>;
}

export interface TrafficShift {
  readonly before: TrafficState;
  readonly after: TrafficState;
  /** Provider change id (Route 53 change, ARC update), when there is one. */
  readonly changeId?: string;
  /** Which API/endpoint did it, for the audit trail. */
  readonly via: string;
}

export interface TrafficControl {
  readonly strategy: string;
  describe(): Promise<TrafficState>;
  /** Sends all traffic to `to` and waits until the provider reports the change in effect. */
  shiftTo(to: RegionName, from: RegionName): Promise<TrafficShift>;
}

export interface PromotionResult {
  readonly store: string;
  readonly kind: DataStoreConfig['kind'];
  /** What was done: `switchover` (planned, no data loss), `failover` (unplanned), `none` (nothing to do). */
  readonly action: 'switchover' | 'failover' | 'none';
  readonly detail: string;
}

export interface StoreComparison {
  readonly store: string;
  readonly compared: number;
  /** Keys present in the old primary but missing in the new one (writes at risk). */
  readonly missingInTarget: string[];
  /** Keys whose values differ. */
  readonly differing: string[];
}

export interface DataStores {
  /** Replication lag from `from` to `to` in ms; null when the store cannot tell (no metric). */
  replicationLagMs(store: DataStoreConfig, from: RegionName, to: RegionName): Promise<number | null>;
  /** Makes `to` the writer for `store`. `planned` is true when the old primary is healthy (switchover, RPO 0). */
  promote(store: DataStoreConfig, to: RegionName, opts: { planned: boolean }): Promise<PromotionResult>;
  /** Compares the store between regions (post-failover). */
  compare(store: DataStoreConfig, from: RegionName, to: RegionName): Promise<StoreComparison>;
}

export interface SiteState {
  get(region: RegionName): Promise<SiteStateValue>;
  set(region: RegionName, value: SiteStateValue): Promise<void>;
}

export type Topic = 'alert' | 'escalation' | 'approval';

export interface Notifier {
  publish(message: { topic: Topic; subject: string; body: string; attributes?: Record<string, string> }): Promise<void>;
}

export type ApprovalStatus = 'PENDING' | 'APPROVED' | 'REJECTED' | 'EXPIRED';

export interface ApprovalRecord {
  readonly approvalId: string;
  readonly taskToken: string;
  readonly executionId: string;
  readonly incidentId: string;
  readonly action: string;
  readonly fromRegion: RegionName;
  readonly toRegion: RegionName;
  /** Epoch ms. */
  readonly expiresAt: number;
  readonly createdAt: number;
  readonly status: ApprovalStatus;
  /** One-time CSRF token the confirmation form must carry back. */
  readonly csrfToken: string;
  /** What the approver is shown: verdict, evidence, estimated data loss. */
  readonly summary: ApprovalSummary;
  readonly decidedBy?: string;
  readonly decidedAt?: number;
  readonly reason?: string;
}

export interface ApprovalSummary {
  readonly application: string;
  readonly verdict: string;
  readonly evidence: string[];
  readonly estimatedRpoMs: number | null;
  readonly rpoTargetMs: number;
  readonly rpoWithinTarget: boolean;
  readonly dryRun: boolean;
}

export interface ApprovalStore {
  put(record: ApprovalRecord): Promise<void>;
  get(approvalId: string): Promise<ApprovalRecord | undefined>;
  /**
   * Moves a PENDING record to a decided status. Returns false when it was not PENDING any more
   * (someone decided first): the conditional write that makes a link single-use.
   */
  decide(approvalId: string, decision: { status: Exclude<ApprovalStatus, 'PENDING'>; by: string; at: number; reason?: string }): Promise<boolean>;
}

/** Error raised when Step Functions no longer waits for the token (timed out, already answered). */
export class TaskNoLongerWaitingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TaskNoLongerWaitingError';
  }
}

export interface TaskCallbacks {
  sendSuccess(taskToken: string, output: unknown): Promise<void>;
  sendFailure(taskToken: string, error: string, cause: string): Promise<void>;
}

export interface AuditEntry {
  readonly incidentId: string;
  readonly executionId: string;
  readonly step: string;
  readonly outcome: string;
  readonly detail: unknown;
  readonly at: string;
}

export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
}

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
