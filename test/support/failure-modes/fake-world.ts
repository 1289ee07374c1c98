import { EventEmitter } from 'node:events';
import type { DrConfig } from '../../../config/schema';
import { InMemoryIdempotencyStore } from '../../../functions/shared/aws/idempotency';
import { TransientError } from '../../../functions/shared/errors';
import type {
  AlarmStateValue,
  DataStores,
  HealthSignals,
  HeartbeatReading,
  Notifier,
  PromotionResult,
  SegmentPage,
  Signal,
  SiteState,
  SiteStateValue,
  Topic,
  TrafficControl,
  TrafficShift,
} from '../../../functions/shared/ports';
import { alarmNamePrefix } from '../../../config/resource-names';
import { InMemoryApproverChallenges } from '../../../local/approver-state';
import { InMemoryApprovalStore, InMemoryAuditLog, InMemoryComparisonStore, LocalStandbyScaler } from '../../../local/world/adapters';
import { FakeClock } from '../virtual-time';
import { Faults } from './faults';

export interface Message {
  readonly topic: Topic;
  readonly subject: string;
  readonly body: string;
  readonly attributes?: Record<string, string>;
}

export type Shift = { readonly to: string; readonly from: string; readonly at: number };

/**
 * Two regions as the ports see them: site states, a routing switch, stores, alarm states, outboxes.
 * `dark` regions are unreachable (their SSM, their app and their copy of the control plane).
 */
export class FakeWorld {
  readonly primary: string;
  readonly standby: string;
  readonly prefix: string;
  readonly clock = new FakeClock();
  readonly faults = new Faults();
  readonly sites: Record<string, SiteStateValue>;
  readonly dark = new Set<string>();
  /** Applications not serving (a dark region's is down too). */
  readonly appDown = new Set<string>();
  weights: Record<string, number>;
  readonly alarms = new Map<string, AlarmStateValue>();
  /**
   * Replication lag, AWS ms: the age of the newest heartbeat the region being activated holds, and what the lag
   * metric (the second opinion) reports; null = no heartbeat was ever found and no metric has a datapoint.
   */
  lagMs: number | null = 200;
  /** Items the primary has that the standby lacks, found by the comparison. */
  missingItems = 0;
  /** The comparison table's stand-in. */
  readonly comparisons = new InMemoryComparisonStore();
  /** Single-writer stores' writer region. */
  readonly writers = new Map<string, string>();
  readonly effects = {
    siteStateSets: [] as string[],
    shifts: [] as Shift[],
    promotions: [] as Array<{ store: string; to: string; planned: boolean; action: PromotionResult['action'] }>,
    /** Each moment two reachable regions were ACTIVE at once (must stay empty). */
    writerViolations: [] as string[],
    /** Every change in order: `site:<region>=<value>`, `promote:<store>:<action>`, `shift:<to>`. */
    timeline: [] as string[],
  };
  readonly outbox: Message[] = [];
  readonly approvals = new InMemoryApprovalStore();
  readonly challenges = new InMemoryApproverChallenges();
  readonly audit = new InMemoryAuditLog();
  readonly idempotency = new InMemoryIdempotencyStore();
  readonly scaler = new LocalStandbyScaler();
  readonly changes = new EventEmitter();

  constructor(readonly config: DrConfig) {
    this.primary = config.regions.primary.name;
    this.standby = config.regions.standby.name;
    this.prefix = alarmNamePrefix(config.application);
    this.sites = { [this.primary]: 'ACTIVE', [this.standby]: 'PASSIVE' };
    this.weights = { [this.primary]: 100, [this.standby]: 0 };
    for (const name of this.alarmNames()) this.alarms.set(name, 'OK');
    for (const s of config.dataStores) if (s.kind === 'aurora-global') this.writers.set(s.name, this.primary);
    this.changes.setMaxListeners(0);
  }

  changed(): void {
    this.changes.emit('change');
  }

  alarmName(source: 'canary' | 'route53-health-check', vantage: string, target: string): string {
    return `${this.prefix}${source}--${vantage}--${target}`;
  }

  /** Every signal alarm: each region's canary on both regions and the global name, Route 53 on both regions. */
  alarmNames(): string[] {
    const regions = [this.primary, this.standby];
    return [
      ...regions.flatMap((v) => [...regions, 'global'].map((t) => this.alarmName('canary', v, t))),
      ...regions.map((t) => this.alarmName('route53-health-check', 'global', t)),
    ];
  }

  /** Regions whose writers accept writes: ACTIVE and reachable. */
  writerRegions(): string[] {
    return Object.keys(this.sites).filter((r) => this.sites[r] === 'ACTIVE' && !this.dark.has(r));
  }

  serving(): string | null {
    const on = Object.entries(this.weights).filter(([, w]) => w > 0);
    return on.length === 1 ? on[0][0] : null;
  }

  /** As CloudWatchHealthSignals derives signals from DescribeAlarms. */
  signalsFor(regions: readonly string[]): Signal[] {
    const observedAt = new Date(this.clock.now()).toISOString();
    const out: Signal[] = [];
    for (const [name, st] of this.alarms) {
      const [source, vantage, target] = name.slice(this.prefix.length).split('--') as ['canary' | 'route53-health-check', string, string];
      if (!regions.includes(target)) continue;
      const state = st === 'OK' ? 'ok' : st === 'ALARM' ? 'alarm' : 'no-data';
      const id = source === 'canary' ? `canary:${vantage}->${target}` : `route53:${target}`;
      out.push({ id, source, vantage, target, healthy: state === 'ok', state, detail: `alarm ${name} ${st}`, observedAt });
    }
    return out;
  }

  readonly signals: HealthSignals = {
    read: (regions) => this.faults.run('signals.read', () => this.signalsFor(regions)),
    probeGlobal: (attempts) =>
      this.faults.run('signals.probeGlobal', () => {
        const region = this.serving();
        const ok = region !== null && !this.appDown.has(region) && !this.dark.has(region);
        return Array.from({ length: attempts }, () => ({ ok, servedBy: ok ? region : null, detail: ok ? 'HTTP 200' : 'connection refused' }));
      }),
  };

  /** What the alarm trigger reads: its own region's alarms (a separate schedule from the health-checker's). */
  readonly triggerSignals: HealthSignals = {
    read: (regions) => this.faults.run('trigger.signals', () => this.signalsFor(regions)),
    probeGlobal: () => Promise.reject(new Error('the alarm trigger never probes')),
  };

  private unreachable(region: string): never {
    throw new TransientError(`SSM in ${region}: connect ECONNREFUSED (region unreachable)`);
  }

  readonly siteState: SiteState = {
    get: (region) =>
      this.faults.run('siteState.get', () => {
        if (this.dark.has(region)) this.unreachable(region);
        return this.sites[region];
      }),
    set: (region, value) =>
      this.faults.run('siteState.set', () => {
        if (this.dark.has(region)) this.unreachable(region);
        this.sites[region] = value;
        this.effects.siteStateSets.push(`${region}=${value}`);
        this.effects.timeline.push(`site:${region}=${value}`);
        const writers = this.writerRegions();
        if (writers.length > 1) this.effects.writerViolations.push(`after ${region}=${value}: ${writers.join(' and ')} both accept writes`);
        this.changed();
      }),
  };

  /** The trigger reads its own region's flag without going through the fault schedule of the failover steps. */
  readonly ownSiteState: SiteState = {
    get: async (region) => this.sites[region],
    set: async () => {
      throw new Error('the alarm trigger never changes a site state');
    },
  };

  readonly traffic: TrafficControl = {
    strategy: 'fake-routing-switch',
    describe: () => this.faults.run('traffic.describe', () => ({ weights: { ...this.weights } })),
    shiftTo: (to, from) =>
      this.faults.run('traffic.shiftTo', (): TrafficShift => {
        const before = { weights: { ...this.weights } };
        this.weights = { [to]: 100, [from]: 0 };
        this.effects.shifts.push({ to, from, at: this.clock.now() });
        this.effects.timeline.push(`shift:${to}`);
        this.changed();
        return { before, after: { weights: { ...this.weights } }, via: 'fake routing switch' };
      }),
  };

  readonly dataStores: DataStores = {
    replicationLagMs: () => this.faults.run('data.lag', () => this.lagMs),
    promote: (store, to, opts) =>
      this.faults.run('data.promote', (): PromotionResult => {
        if (store.kind !== 'aurora-global') {
          this.effects.promotions.push({ store: store.name, to, planned: opts.planned, action: 'none' });
          return { store: store.name, kind: store.kind, action: 'none', detail: `${store.name} is multi-writer` };
        }
        if (this.writers.get(store.name) === to) return { store: store.name, kind: store.kind, action: 'none', detail: `${to} already writes ${store.name}` };
        this.writers.set(store.name, to);
        const action = opts.planned ? 'switchover' : 'failover';
        this.effects.promotions.push({ store: store.name, to, planned: opts.planned, action });
        this.effects.timeline.push(`promote:${store.name}:${action}`);
        return { store: store.name, kind: store.kind, action, detail: `${store.name}: ${action} to ${to}` };
      }),
    newestHeartbeat: (store, _origin, readIn) =>
      this.faults.run('data.heartbeat', (): HeartbeatReading => {
        if (this.dark.has(readIn)) return { writtenAt: null, readable: false, detail: `${readIn} unreachable` };
        if (this.lagMs === null) return { writtenAt: null, readable: true, detail: `no heartbeat in ${store.name}` };
        return { writtenAt: this.clock.now() - this.lagMs, readable: true, detail: `heartbeat of ${store.name}` };
      }),
    comparisonLayout: async (store) => ({ sizeBytes: 100_000, detail: `${store.name}: 100 items` }),
    scanSegment: (store, region) =>
      this.faults.run('data.compare', (): SegmentPage => {
        if (this.dark.has(region)) throw new TransientError(`${store.name} in ${region}: connect ECONNREFUSED (region unreachable)`);
        const common = Array.from({ length: 100 }, (_, i) => [`item-${i}`, i] as const);
        const extra = region === this.primary ? Array.from({ length: this.missingItems }, (_, i) => [`order-${i}`, 1_000 + i] as const) : [];
        return { items: [...common, ...extra], cursor: null, readUnits: 13 };
      }),
  };

  readonly notifier: Notifier = {
    publish: async (m) => {
      const send = () => {
        this.outbox.push(m);
        this.changed();
      };
      if (m.topic === 'approval') await this.faults.run('notifier.approval', send);
      else send();
    },
  };
}
