/**
 * Narrow ports the use cases depend on. Each has three implementations: AWS SDK v3 adapters
 * (functions/shared/aws), the local drill world (local/), and whatever a unit test needs.
 */
import type { DataStoreConfig, DrConfig } from '../../config/schema';

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
  /**
   * What the observer reported. `no-data` is silence (an alarm in INSUFFICIENT_DATA): from a vantage
   * inside the observed region it means that region is dark; from any other vantage it means only that
   * the observer is dark, so it says nothing about the target. Absent: derived from `healthy`.
   */
  readonly state?: SignalState;
  readonly detail: string;
  readonly observedAt: string;
}

export type SignalState = 'ok' | 'alarm' | 'no-data';

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
  /** Keys present in the old primary but missing in the new one (writes at risk); capped, see missingCount. */
  readonly missingInTarget: string[];
  /** How many keys are missing in the new primary: the lists are capped to keep the state payload small. */
  readonly missingCount: number;
  /** Keys whose values differ (capped like missingInTarget). */
  readonly differing: string[];
  /** How many keys differ; absent means `differing` lists them all. */
  readonly differingCount?: number;
  /**
   * False when the comparison could not cover the whole store (a region unreachable, a store kind that
   * cannot be compared item by item): "0 missing" then means "unknown", never "all well".
   */
  readonly complete: boolean;
  /** What was compared and how, in a sentence for the report. */
  readonly detail: string;
}

/** A batch of the keys a comparison found. */
export interface ComparisonKeys {
  readonly missingInTarget: readonly string[];
  readonly differing: readonly string[];
}

/** The newest replication heartbeat of one region, as found in a store's replica in another region. */
export interface HeartbeatReading {
  /** Epoch ms at which the origin region wrote it; null when there is none (see `detail`). */
  readonly writtenAt: number | null;
  /** False when the replica could not be read at all (unreachable, denied): nothing is known then. */
  readonly readable: boolean;
  readonly detail: string;
}

/**
 * How big a replica is, so the validator can split its comparison into segments. Which stores are compared item by
 * item, and how they split, is the validator's rule (functions/data-consistency-validator/comparable-stores.ts).
 */
export interface ComparisonLayout {
  /** Size of the replica in bytes, when the service reports one (DescribeTable's TableSizeBytes, updated about every 6 hours); null: unknown. */
  readonly sizeBytes: number | null;
  readonly detail: string;
}

/**
 * What a replica holds for one item, as the comparison sees it: its canonical text (the same item reads the same in
 * every replica; the validator hashes it), or a number that stands for its value and is compared as it is (an S3
 * object's size; a non-negative safe integer).
 */
export type ItemValue = string | number;

/** One page of one segment of one replica: each item's key and value, and where to go on. */
export interface SegmentPage {
  /** `[key, value]`; the control plane's own heartbeat items are never in it. */
  readonly items: ReadonlyArray<readonly [string, ItemValue]>;
  /** Opaque (DynamoDB LastEvaluatedKey, S3 continuation token); null when the segment is done. */
  readonly cursor: string | null;
  /** Read capacity units the page consumed (0 where reads are not metered that way, as S3 listings). */
  readonly readUnits: number;
}

/**
 * Evidence of how far replication is behind, per store: the replication heartbeat and CloudWatch's metric. What the
 * validator's AssessDataRisk and failback resync read (functions/data-consistency-validator/replication-lag.ts).
 */
export interface ReplicationLagEvidence {
  /**
   * CloudWatch's replication-lag metric from `from` to `to` in ms (the worst datapoint of the last minutes); null
   * when there is no datapoint. A second opinion: it only has a datapoint when an item arrives, so it cannot see a
   * stall or a quiet table (docs/adr/0019-data-at-risk-measured.md).
   */
  replicationLagMs(store: DataStoreConfig, from: RegionName, to: RegionName): Promise<number | null>;
  /** The newest heartbeat `origin` wrote that the replica in `readIn` holds. Never throws for an unreachable region. */
  newestHeartbeat(store: DataStoreConfig, origin: RegionName, readIn: RegionName): Promise<HeartbeatReading>;
}

/** The items of a replica, page by page: what the validator's segmented comparison reads. */
export interface ReplicaItems {
  /**
   * How big the replica in `to` (the region being activated) is; null when it cannot say (read as an unknown size).
   * Asked only for the stores the validator compares item by item.
   */
  comparisonLayout(store: DataStoreConfig, to: RegionName): Promise<ComparisonLayout | null>;
  /** One page of segment `segment` of `totalSegments` of the replica in `region`, from `cursor` (null: the start): the items as they are, unhashed. */
  scanSegment(store: DataStoreConfig, region: RegionName, segment: number, totalSegments: number, cursor: string | null): Promise<SegmentPage>;
}

/** Moves a store's writer: the orchestrator's `promote` action, and all it asks of the data stores. */
export interface DataStorePromotion {
  /** Makes `to` the writer for `store`. `planned` is true when the old primary is healthy (switchover, RPO 0). */
  promote(store: DataStoreConfig, to: RegionName, opts: { planned: boolean }): Promise<PromotionResult>;
}

/**
 * Every data-store port in one: what the drill's world (and a test fake) implements as one object, since there all
 * of them act on the same simulated replicas. A use case names only the narrow ports it calls, so each Lambda's
 * composition root wires (and bundles) only the SDK clients those need.
 */
export interface DataStores extends ReplicationLagEvidence, ReplicaItems, DataStorePromotion {}

/** Writes a region's replication heartbeat into its own replica of a store (functions/replication-heartbeat). */
export interface HeartbeatWriter {
  /** Puts the heartbeat of `region`, written at `at` (epoch ms), into the replica of `store` in `region`. */
  beat(store: DataStoreConfig, region: RegionName, at: number): Promise<void>;
}

/**
 * Durable scratch space of a segmented comparison (digests and keys of each segment), in the region running it:
 * what the invocations pass each other, since it does not fit in the workflow state. Parts expire by themselves.
 */
export interface ComparisonWorkStore {
  /** Writes (or overwrites: a retried invocation writes the same part again) one part of a comparison. */
  put(comparisonId: string, part: string, body: Uint8Array): Promise<void>;
  /** Every part of the comparison whose name starts with `prefix`, in name order. */
  list(comparisonId: string, prefix: string): Promise<Array<{ part: string; body: Uint8Array }>>;
}

/** One thing to bring to production size in the standby region (config `standby.scaling`). */
export type ScalingTarget = NonNullable<DrConfig['standby']>['scaling'][number];

export interface ScalingResult {
  /** e.g. `ecs-service orders/api`. */
  readonly target: string;
  /** Capacity before, as the provider reported it (null when it had none configured). */
  readonly before: number | null;
  /** Capacity asked for (never less than before: a failover never scales down). */
  readonly after: number;
  readonly changed: boolean;
  /** The capacity is serving (tasks running, instances in service, concurrency READY). */
  readonly ready: boolean;
  readonly detail: string;
}

/** Pilot light / warm standby: raises capacity in one region; reads first so a retry changes nothing. */
export interface StandbyScaler {
  /** With `dryRun`, only reads and says what it would change. */
  scale(target: ScalingTarget, region: RegionName, opts: { dryRun: boolean }): Promise<ScalingResult>;
}

export interface SiteState {
  get(region: RegionName): Promise<SiteStateValue>;
  set(region: RegionName, value: SiteStateValue): Promise<void>;
}

/** A region's site state and when it last changed (SSM's LastModifiedDate), epoch ms. */
export interface SiteStateRecord {
  readonly value: SiteStateValue;
  readonly changedAt: number;
}

/**
 * Reads a site state with its change time: what the site-state reconciler compares across the two regions to
 * find which ACTIVE is the older one (an old primary that returned after a failover it could not be fenced for).
 */
export interface SiteStateDescriber {
  describe(region: RegionName): Promise<SiteStateRecord>;
}

/**
 * `approver-code`: a one-time code for one approver, delivered only to the address in its `recipient` attribute
 * (in AWS, a topic whose email subscriptions each filter on their own address; docs/adr/0017).
 */
export type Topic = 'alert' | 'escalation' | 'approval' | 'approver-code';

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
  /**
   * How the data at risk was established, one line per store: the replication heartbeat's age (or, for Aurora, the
   * replication-lag metric) and CloudWatch's second opinion. Absent in records written before heartbeats existed.
   */
  readonly rpoEvidence?: string[];
  /** Stores whose data at risk is unknown (no heartbeat, a stale one, contradicting evidence): never "within target". */
  readonly rpoUnknownStores?: string[];
  /** Why a human is asked (AssessDataRisk's approval policy), e.g. the data at risk is unknown. */
  readonly approvalReason?: string;
  readonly dryRun: boolean;
  /** Replication lag per store, AWS ms (null: the store reports none), as AssessDataRisk measured it. */
  readonly lagByStore?: Record<string, number | null>;
  /** When the health verdict was reached (ISO); evidence lines without their own "since" were true then. */
  readonly checkedAt?: string;
  /** Who started the execution and why: `alarm`, or `manual` with the operator's reason (cleaned free text). */
  readonly trigger?: { readonly source: string; readonly at?: string; readonly reason?: string };
}

export interface ApprovalStore {
  put(record: ApprovalRecord): Promise<void>;
  get(approvalId: string): Promise<ApprovalRecord | undefined>;
  /**
   * Moves a PENDING record to a decided status. Returns false when it was not PENDING any more
   * (someone decided first): the conditional write that makes a link single-use.
   */
  decide(approvalId: string, decision: { status: Exclude<ApprovalStatus, 'PENDING'>; by: string; at: number; reason?: string }): Promise<boolean>;
  /**
   * Undoes a decision that never reached Step Functions, only while the record still holds the decision
   * made at `decidedAt`: back to PENDING when delivery failed and may be retried (decidedBy/At and reason
   * cleared), or to EXPIRED when Step Functions no longer waits (the late answer kept, `note` as reason).
   * Returns false when the record holds something else.
   */
  revertDecision(approvalId: string, revert: { decidedAt: number; to: 'PENDING' | 'EXPIRED'; note?: string }): Promise<boolean>;
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

/**
 * A one-time code emailed to the address a person typed on the approval page. Only its HMAC is stored. A
 * challenge exists for any well-formed address, listed or not, so the page behaves the same for both; an
 * address that is not an approver simply has no code that could ever match (docs/adr/0017).
 */
export interface CodeChallenge {
  readonly challengeId: string;
  readonly approvalId: string;
  /** Trimmed and lower-cased. */
  readonly address: string;
  /** HMAC of the code; absent when the address is not on the approver list. */
  readonly codeHash?: string;
  /** Epoch ms. */
  readonly expiresAt: number;
  /** Wrong codes tried so far. */
  readonly attempts: number;
}

/** Storage for emailed codes and for finding an execution's approval request (`drctl approve EXECUTION`). */
export interface ApproverChallenges {
  /**
   * Stores a new challenge, unless `limit` challenges were already issued for this approval and address:
   * then false, and nothing is stored (bounded codes per person and request, whoever asks).
   */
  issue(challenge: CodeChallenge, limit: number): Promise<boolean>;
  get(challengeId: string): Promise<CodeChallenge | undefined>;
  /** Counts one try; false when the challenge is unknown or already had `maxAttempts` tries (nothing counted). */
  countAttempt(challengeId: string, maxAttempts: number): Promise<boolean>;
  /** Points an execution at its newest approval request. */
  linkExecution(executionId: string, approvalId: string, expiresAt: number): Promise<void>;
  /** The newest approval request of an execution, if one was made. */
  approvalOf(executionId: string): Promise<string | undefined>;
}

/**
 * What Step Functions says happened to an execution's approval task: read from the execution (DescribeExecution,
 * GetExecutionHistory) when a SendTaskSuccess/Failure outcome is unknown, so the approver is told the truth.
 */
export type ApprovalTaskState =
  | { readonly task: 'waiting'; readonly executionStatus: string }
  | { readonly task: 'succeeded'; readonly output: unknown; readonly at?: number; readonly executionStatus: string }
  | { readonly task: 'failed'; readonly error: string; readonly cause: string; readonly at?: number; readonly executionStatus: string }
  | { readonly task: 'timed-out'; readonly at?: number; readonly executionStatus: string }
  /** The execution ended (or was stopped) without the task ending on its own. */
  | { readonly task: 'not-waiting'; readonly executionStatus: string };

export interface ApprovalTaskReader {
  read(executionId: string): Promise<ApprovalTaskState>;
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

/** Who holds an incident lock. Times are epoch ms. */
export interface IncidentLockHolder {
  readonly incidentId: string;
  readonly acquiredAt: number;
  readonly expiresAt: number;
}

/**
 * One failover per incident: a conditional write on `key` that only one caller wins until the holder's
 * `expiresAt`. Regional on purpose (each region's copy only activates itself), never a global table.
 */
export interface IncidentLock {
  /** Takes `key` for `incidentId` unless a live holder has it; returns the holder either way. */
  acquire(key: string, holder: IncidentLockHolder, now: number): Promise<{ acquired: boolean; holder: IncidentLockHolder }>;
}

/** Starts the failover state machine of this region. */
export interface FailoverStarter {
  /**
   * Starts an execution named `name`. An execution of that name that already exists is not an error:
   * `started` is then false and `executionId` names the existing one.
   */
  start(name: string, input: unknown): Promise<{ executionId: string; started: boolean }>;
}

export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/**
 * Copies the state of an alarm that lives in another region (Route 53 health-check alarms exist only in
 * us-east-1) onto a same-named alarm in this region, so every signal can be read locally.
 */
export interface AlarmMirror {
  mirror(alarmName: string, state: AlarmStateValue, reason: string): Promise<void>;
}

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
