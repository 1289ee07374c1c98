import type { DataStoreConfig } from '../../config/schema';
import { TransientError } from '../../functions/shared/errors';
import type {
  ApprovalRecord,
  ApprovalStore,
  AuditEntry,
  AuditLog,
  ComparisonLayout,
  ComparisonWorkStore,
  DataStores,
  HeartbeatReading,
  HeartbeatWriter,
  HealthSignals,
  Notifier,
  PromotionResult,
  Signal,
  SiteState,
  SiteStateDescriber,
  SiteStateRecord,
  SiteStateValue,
  SegmentPage,
  Topic,
  TrafficControl,
  TrafficShift,
} from '../../functions/shared/ports';
import { heartbeatKey, isHeartbeatKey } from '../../functions/shared/heartbeat';
import { describeTarget, wantedCapacity } from '../../functions/shared/scaling-targets';
import type { ScalingResult, ScalingTarget, StandbyScaler } from '../../functions/shared/ports';
import type { DataPlane } from './data-plane';
import type { SimNetwork } from '../sim/network';
import { sleep } from '../sim/network';
import { simNow } from '../sim/virtual-time';
import type { AwsApiFaults, AwsService } from './aws-api-faults';
import type { GlobalRouter } from './global-router';
import type { RegionalApp } from './regional-app';

/** The local world's implementations of the ports: same contracts as the AWS adapters. */

export class LocalSiteState implements SiteState, SiteStateDescriber {
  constructor(
    private readonly apps: Record<string, RegionalApp>,
    private readonly apis?: AwsApiFaults,
  ) {}
  /** A region that is down cannot be reached: a TransientError, as the SSM adapter reports ECONNREFUSED. */
  async get(region: string): Promise<SiteStateValue> {
    const app = this.app(region);
    this.apis?.check('ssm', region);
    return this.reach(region, () => app.readSiteState());
  }
  async set(region: string, value: SiteStateValue): Promise<void> {
    const app = this.app(region);
    this.apis?.check('ssm', region);
    this.reach(region, () => app.writeSiteState(value));
  }
  async describe(region: string): Promise<SiteStateRecord> {
    const app = this.app(region);
    this.apis?.check('ssm', region);
    return this.reach(region, () => app.describeSiteState());
  }
  private reach<T>(region: string, call: () => T): T {
    try {
      return call();
    } catch (err) {
      throw new TransientError(`SSM in ${region}: ${(err as Error).message}`);
    }
  }
  private app(region: string): RegionalApp {
    const a = this.apps[region];
    if (!a) throw new Error(`no region ${region}`);
    return a;
  }
}

export class LocalRoute53Traffic implements TrafficControl {
  readonly strategy: 'route53-weighted' | 'active-active';
  constructor(
    private readonly router: GlobalRouter,
    private readonly pollMs: number,
    private readonly maxWaitMs: number,
    /** As the AWS adapter: `drain-source` (active-active) only sets the impaired region to 0. */
    private readonly mode: 'all-to-target' | 'drain-source' = 'all-to-target',
  ) {
    this.strategy = mode === 'drain-source' ? 'active-active' : 'route53-weighted';
  }

  async describe() {
    try {
      return { weights: this.router.dnsApi.listWeights() };
    } catch (err) {
      throw new TransientError(`ListResourceRecordSets failed: ${(err as Error).message}`);
    }
  }

  async shiftTo(to: string, from: string): Promise<TrafficShift> {
    const before = await this.describe();
    const weights = { ...before.weights, [to]: this.mode === 'drain-source' ? before.weights[to] || 100 : 100, [from]: 0 };
    let change: ReturnType<typeof this.router.dnsApi.changeWeights>;
    try {
      change = this.router.dnsApi.changeWeights(weights);
    } catch (err) {
      throw new TransientError(`ChangeResourceRecordSets failed: ${(err as Error).message}`);
    }
    const deadline = simNow() + this.maxWaitMs;
    while (this.router.dnsApi.getChange(change.id).status !== 'INSYNC') {
      if (simNow() > deadline) throw new TransientError(`change ${change.id} not INSYNC in time`);
      await sleep(this.pollMs);
    }
    const after = Object.fromEntries(Object.keys(weights).map((r) => [r, r === to ? 100 : 0]));
    return { before, after: { weights: after }, changeId: change.id, via: 'route53:ChangeResourceRecordSets (local)' };
  }
}

export class LocalHealthSignals implements HealthSignals {
  constructor(
    private readonly net: SimNetwork,
    private readonly apps: Record<string, RegionalApp>,
    private readonly routerUrl: () => string,
    private readonly probeTimeoutMs: number,
    /** Where the post-failover probe runs from: the standby region's Lambda. */
    private readonly verifyFrom: string,
  ) {}

  /** One probe per (vantage, target): each region's canary looks at both regions. */
  async read(regions: readonly string[]): Promise<Signal[]> {
    const vantages = Object.keys(this.apps);
    const jobs = regions.flatMap((target) => vantages.map((vantage) => this.probe(vantage, target)));
    return Promise.all(jobs);
  }

  private async probe(vantage: string, target: string): Promise<Signal> {
    const started = simNow();
    const base = { id: `canary:${vantage}->${target}`, source: 'canary' as const, vantage, target, observedAt: new Date(started).toISOString() };
    try {
      const res = await this.net.request(`${this.apps[target].url}/health`, { from: `canary:${vantage}`, timeoutMs: this.probeTimeoutMs });
      const healthy = res.status >= 200 && res.status < 300;
      return { ...base, healthy, detail: `HTTP ${res.status} in ${simNow() - started} ms` };
    } catch (err) {
      return { ...base, healthy: false, detail: (err as Error).message };
    }
  }

  async probeGlobal(attempts: number) {
    const out: Array<{ ok: boolean; servedBy: string | null; detail: string }> = [];
    for (let i = 0; i < attempts; i++) {
      try {
        const res = await this.net.request(`${this.routerUrl()}/health`, { from: this.verifyFrom, timeoutMs: this.probeTimeoutMs });
        const servedBy = res.headers['x-served-by-region'] ?? null;
        out.push({ ok: res.status === 200, servedBy, detail: `HTTP ${res.status}` });
      } catch (err) {
        out.push({ ok: false, servedBy: null, detail: (err as Error).message });
      }
    }
    return out;
  }
}

/** Items per page of a local segment scan: small, so that resuming a segment is exercised in drills too. */
export const LOCAL_SCAN_PAGE_ITEMS = 250;
/** Bytes the local stand-in counts per item, for DescribeTable's size and the read units of a page. */
const LOCAL_ITEM_BYTES = 200;

/** The segment of `key` among `total`, as DynamoDB assigns a partition key to one segment of a parallel scan. */
export function localSegmentOf(key: string, total: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) % total;
}

export class LocalDataStores implements DataStores {
  constructor(
    private readonly data: DataPlane,
    /** AWS ms of lag the local stores report (what CloudWatch's ReplicationLatency would say). */
    private readonly reportedLagMs: (store: string) => number,
    private readonly apis?: AwsApiFaults,
  ) {}

  private async call(store: string): Promise<void> {
    const latency = this.data.store(store).callLatencyMs;
    if (latency > 0) await sleep(latency);
  }

  private service(store: DataStoreConfig): AwsService {
    return store.kind === 'aurora-global' ? 'rds' : 'dynamodb';
  }

  /**
   * CloudWatch's stand-in. Like ReplicationLatency, it keeps its pre-incident value through a stall (it only has
   * datapoints for items that arrive); for tables and buckets it lives in `from`, so a dark `from` gives none.
   */
  async replicationLagMs(store: DataStoreConfig, from: string, to: string): Promise<number | null> {
    await this.call(store.name);
    this.apis?.check('cloudwatch');
    const pair = this.data.store(store.name);
    const home = store.kind === 'aurora-global' ? to : from;
    if (pair.byRegion[home]?.crashed) return null;
    return this.reportedLagMs(store.name);
  }

  /** The heartbeat item `origin` wrote, as the replica in `readIn` holds it: it arrived through replication. */
  async newestHeartbeat(store: DataStoreConfig, origin: string, readIn: string): Promise<HeartbeatReading> {
    await this.call(store.name);
    const replica = this.data.store(store.name).byRegion[readIn];
    try {
      this.apis?.check(this.service(store), readIn);
      if (!replica || replica.crashed) throw new Error(`${store.name} unavailable in ${readIn}`);
    } catch (err) {
      return { writtenAt: null, readable: false, detail: `could not read the heartbeat of ${store.name} in ${readIn} (${(err as Error).message})` };
    }
    const item = replica.get(heartbeatKey(origin));
    if (!item) return { writtenAt: null, readable: true, detail: `no heartbeat item of ${origin} in ${store.name} in ${readIn}` };
    const at = Number((JSON.parse(item.value) as { writtenAt?: unknown }).writtenAt);
    return Number.isFinite(at)
      ? { writtenAt: at, readable: true, detail: `item ${heartbeatKey(origin)} of ${store.name} in ${readIn}` }
      : { writtenAt: null, readable: true, detail: 'heartbeat item without a time' };
  }

  async promote(store: DataStoreConfig, to: string, opts: { planned: boolean }): Promise<PromotionResult> {
    const pair = this.data.store(store.name);
    await this.call(store.name);
    this.apis?.check(pair.singleWriter ? 'rds' : 'dynamodb', to);
    if (pair.failPromotion) throw new Error(pair.failPromotion);
    if (!pair.singleWriter)
      return { store: store.name, kind: store.kind, action: 'none', detail: `${store.name} is multi-writer; ${to} already accepts writes.` };
    if (pair.writer === to) return { store: store.name, kind: store.kind, action: 'none', detail: `${to} is already the writer of ${store.name}.` };
    pair.writer = to;
    pair.promotions++;
    const action = opts.planned ? 'switchover' : 'failover';
    return { store: store.name, kind: store.kind, action, detail: `${store.name}: ${action} to ${to} done.` };
  }

  /** The replica's size, as DescribeTable would report it (the validator decides what is compared and how it splits). */
  async comparisonLayout(store: DataStoreConfig, to: string): Promise<ComparisonLayout> {
    await this.call(store.name);
    this.apis?.check('dynamodb', to);
    const replica = this.data.store(store.name).byRegion[to];
    if (replica.crashed) throw new TransientError(`${store.name} unavailable in ${to}`);
    const sizeBytes = replica.size * LOCAL_ITEM_BYTES;
    return { sizeBytes, detail: `${store.name} in ${to}: ${replica.size} item(s)` };
  }

  /**
   * One page of one segment, in key order from the cursor (the last key of the previous page). A region that is down
   * cannot be read: the SDK would give an unreachable endpoint, a TransientError.
   */
  async scanSegment(store: DataStoreConfig, region: string, segment: number, totalSegments: number, cursor: string | null): Promise<SegmentPage> {
    await this.call(store.name);
    this.apis?.check(this.service(store), region);
    const replica = this.data.store(store.name).byRegion[region];
    if (replica.crashed) throw new TransientError(`${store.name} in ${region}: connect ECONNREFUSED (region unreachable)`);
    const keys = replica
      .keys()
      .filter((k) => !isHeartbeatKey(k) && localSegmentOf(k, totalSegments) === segment && (cursor === null || k > cursor))
      .sort();
    const page = keys.slice(0, LOCAL_SCAN_PAGE_ITEMS);
    // The values as stored: the validator hashes them, as it does the AWS readers' items.
    const items = page.map((k) => [k, replica.get(k)!.value] as const);
    const more = keys.length > page.length;
    return {
      items,
      cursor: more ? page[page.length - 1] : null,
      readUnits: store.kind === 's3-replicated' ? 0 : Math.ceil((page.length * LOCAL_ITEM_BYTES) / 8192),
    };
  }
}

/** The heartbeat writer's local adapter: the same item in the same replica, shipped by the local replication. */
export class LocalHeartbeatWriter implements HeartbeatWriter {
  constructor(
    private readonly data: DataPlane,
    private readonly apis?: AwsApiFaults,
  ) {}

  async beat(store: DataStoreConfig, region: string, at: number): Promise<void> {
    if (store.kind === 'aurora-global') throw new Error(`${store.name}: Aurora gets no heartbeat`);
    this.apis?.check('dynamodb', region);
    this.data.store(store.name).byRegion[region].write(heartbeatKey(region), JSON.stringify({ origin: region, writtenAt: at }), at);
  }
}

/** The comparison table's stand-in: parts in memory, listed in name order. */
export class InMemoryComparisonStore implements ComparisonWorkStore {
  private readonly comparisons = new Map<string, Map<string, Uint8Array>>();
  puts = 0;

  async put(comparisonId: string, part: string, body: Uint8Array): Promise<void> {
    let parts = this.comparisons.get(comparisonId);
    if (!parts) {
      parts = new Map();
      this.comparisons.set(comparisonId, parts);
    }
    parts.set(part, new Uint8Array(body));
    this.puts++;
  }

  async list(comparisonId: string, prefix: string): Promise<Array<{ part: string; body: Uint8Array }>> {
    const parts = this.comparisons.get(comparisonId);
    if (!parts) return [];
    return [...parts.entries()]
      .filter(([name]) => name.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([part, body]) => ({ part, body: new Uint8Array(body) }));
  }

  /** Bytes held, for tests that check the comparison's footprint. */
  get bytes(): number {
    let n = 0;
    for (const parts of this.comparisons.values()) for (const b of parts.values()) n += b.byteLength;
    return n;
  }
}

/**
 * Pilot light / warm standby capacity of the local standby: numbers only (the local apps serve at any
 * size), with the AWS adapter's rules: read first, only ever raise, dry run reads only.
 */
export class LocalStandbyScaler implements StandbyScaler {
  readonly capacity = new Map<string, number>();
  /** Capacity changes actually made (a retry or redrive must not add any). */
  updates = 0;

  async scale(target: ScalingTarget, region: string, opts: { dryRun: boolean }): Promise<ScalingResult> {
    const name = describeTarget(target);
    const want = wantedCapacity(target);
    const key = `${region}/${name}`;
    const before = this.capacity.get(key) ?? 0;
    const change = before < want;
    if (change && !opts.dryRun) {
      this.capacity.set(key, want);
      this.updates++;
    }
    const verb = opts.dryRun ? 'would raise' : 'raised';
    return {
      target: name,
      before,
      after: Math.max(before, want),
      changed: change,
      ready: !opts.dryRun || !change,
      detail: change ? `${verb} ${name} in ${region} from ${before} to ${want}` : `${name} in ${region} already at ${before} (>= ${want})`,
    };
  }
}

export interface OutboxMessage {
  readonly topic: Topic;
  readonly subject: string;
  readonly body: string;
  readonly attributes?: Record<string, string>;
  readonly at: number;
}

export class LocalNotifier implements Notifier {
  readonly outbox: OutboxMessage[] = [];
  private readonly listeners: Array<(m: OutboxMessage) => void> = [];
  constructor(private readonly apis?: AwsApiFaults) {}
  on(l: (m: OutboxMessage) => void): void {
    this.listeners.push(l);
  }
  async publish(message: { topic: Topic; subject: string; body: string; attributes?: Record<string, string> }): Promise<void> {
    this.apis?.check('sns');
    const m = { ...message, at: simNow() };
    this.outbox.push(m);
    for (const l of this.listeners) l(m);
  }
}

export class InMemoryApprovalStore implements ApprovalStore {
  readonly records = new Map<string, ApprovalRecord>();
  async put(record: ApprovalRecord): Promise<void> {
    if (this.records.has(record.approvalId)) throw new Error('approval id collision');
    this.records.set(record.approvalId, record);
  }
  async get(id: string): Promise<ApprovalRecord | undefined> {
    return this.records.get(id);
  }
  async decide(id: string, d: { status: Exclude<ApprovalRecord['status'], 'PENDING'>; by: string; at: number; reason?: string }): Promise<boolean> {
    const r = this.records.get(id);
    if (r?.status !== 'PENDING') return false;
    this.records.set(id, { ...r, status: d.status, decidedBy: d.by, decidedAt: d.at, reason: d.reason });
    return true;
  }
  async revertDecision(id: string, v: { decidedAt: number; to: 'PENDING' | 'EXPIRED'; note?: string }): Promise<boolean> {
    const r = this.records.get(id);
    if (!r || (r.status !== 'APPROVED' && r.status !== 'REJECTED') || r.decidedAt !== v.decidedAt) return false;
    if (v.to === 'PENDING') this.records.set(id, { ...r, status: 'PENDING', decidedBy: undefined, decidedAt: undefined, reason: undefined });
    else this.records.set(id, { ...r, status: 'EXPIRED', reason: v.note ?? 'answered after Step Functions stopped waiting' });
    return true;
  }
}

export class InMemoryAuditLog implements AuditLog {
  readonly entries: AuditEntry[] = [];
  async record(entry: AuditEntry): Promise<void> {
    this.entries.push(JSON.parse(JSON.stringify(entry)) as AuditEntry);
  }
}
