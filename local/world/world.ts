import type { DrConfig } from '../../config/schema';
import { ArcRoutingControlTraffic } from '../../functions/shared/aws/arc-routing-control-traffic';
import { InMemoryIdempotencyStore } from '../../functions/shared/aws/idempotency';
import type { TrafficControl } from '../../functions/shared/ports';
import { SimNetwork } from '../sim/network';
import { createRng, type Rng } from '../sim/random';
import { LocalHeartbeats } from '../heartbeats';
import {
  InMemoryApprovalStore,
  InMemoryAuditLog,
  InMemoryComparisonStore,
  LocalDataStores,
  LocalHeartbeatWriter,
  LocalHealthSignals,
  LocalNotifier,
  LocalRoute53Traffic,
  LocalSiteState,
  LocalStandbyScaler,
} from './adapters';
import { AwsApiFaults } from './aws-api-faults';
import { DataPlane } from './data-plane';
import { ArcClusterStandIn, GlobalRouter } from './global-router';
import { LoadGenerator } from './load-generator';
import { RegionalApp } from './regional-app';
import { TaskFaults } from './task-faults';

export interface WorldSettings {
  /** Replication lag between regions in AWS ms. */
  readonly replicationLagMs: number;
  /** Seed of every random choice in the world (latency jitter, weighted answers, error rates). @default 1 */
  readonly seed?: number;
}

/**
 * The simulated two-region world, on the in-process network and the virtual clock (local/sim/): regional apps
 * with their stores, the weighted global name, the ARC stand-in, AWS API faults, and a client writing orders.
 * All durations are AWS time.
 */
export class LocalWorld {
  readonly primary: string;
  readonly standby: string;
  readonly rng: Rng;
  readonly net: SimNetwork;
  readonly apis: AwsApiFaults;
  /** Faults the local Step Functions runtime applies to Task states. */
  readonly taskFaults: TaskFaults;
  readonly apps: Record<string, RegionalApp>;
  readonly data: DataPlane;
  readonly router: GlobalRouter;
  readonly load: LoadGenerator;
  readonly notifier: LocalNotifier;
  readonly approvals = new InMemoryApprovalStore();
  readonly audit = new InMemoryAuditLog();
  readonly siteState: LocalSiteState;
  readonly signals: LocalHealthSignals;
  /** Chosen by `config.traffic.strategy`, like the Lambda's deps. */
  readonly traffic: TrafficControl;
  /** The ARC cluster stand-in, with the arc-routing-control strategy. */
  readonly arc?: ArcClusterStandIn;
  readonly dataStores: LocalDataStores;
  /** The comparison table's stand-in (one for both regions: a comparison runs in one region). */
  readonly comparisons = new InMemoryComparisonStore();
  /** Each region's heartbeat writer, on its schedule; started with the control plane (local/control-plane.ts). */
  readonly heartbeats: LocalHeartbeats;
  readonly scaler = new LocalStandbyScaler();
  /** The drill's stand-in for the idempotency table: a redrive of the same execution finds its results here. */
  readonly idempotency = new InMemoryIdempotencyStore();
  /** Regions whose whole footprint is dark: app, canary and control-plane copy (`region-down`). */
  readonly darkRegions = new Set<string>();
  replicationLagMs: number;

  constructor(
    readonly config: DrConfig,
    settings: WorldSettings,
  ) {
    this.primary = config.regions.primary.name;
    this.standby = config.regions.standby.name;
    this.rng = createRng(settings.seed ?? 1, 'world');
    this.net = new SimNetwork(this.rng.fork('network'), [this.primary, this.standby]);
    this.apis = new AwsApiFaults(this.rng.fork('aws-apis'));
    this.taskFaults = new TaskFaults(this.rng.fork('task-faults'));
    this.notifier = new LocalNotifier(this.apis);
    this.replicationLagMs = settings.replicationLagMs;
    this.data = new DataPlane(config.dataStores, [this.primary, this.standby], () => this.replicationLagMs);
    for (const s of this.data.stores) s.callLatencyMs = config.drill.storeCallLatencyMs;
    // Active-active serves from both regions, both writing (multi-writer stores); the others from the primary.
    const activeActive = config.traffic.strategy === 'active-active';
    this.apps = {
      [this.primary]: this.app(this.primary, 'ACTIVE'),
      [this.standby]: this.app(this.standby, activeActive ? 'ACTIVE' : 'PASSIVE'),
    };
    this.router = new GlobalRouter(
      this.net,
      { [this.primary]: () => this.apps[this.primary].url, [this.standby]: () => this.apps[this.standby].url },
      activeActive ? { [this.primary]: 50, [this.standby]: 50 } : { [this.primary]: 100, [this.standby]: 0 },
      { syncMs: config.drill.dnsSyncSeconds * 1000, ttlMs: config.globalDomain.ttlSeconds * 1000 },
      this.rng.fork('router'),
    );
    this.load = new LoadGenerator(this.net, () => this.router.url, config.drill.writeIntervalMs);
    this.siteState = new LocalSiteState(this.apps, this.apis);
    this.signals = new LocalHealthSignals(this.net, this.apps, () => this.router.url, config.detection.probeTimeoutMs, this.standby);
    const traffic = config.traffic;
    if (traffic.strategy === 'arc-routing-control') {
      const arc = new ArcClusterStandIn(this.router, traffic.clusterEndpoints, traffic.routingControlArns, this.primary, this.apis);
      this.arc = arc;
      // The real ARC adapter (endpoint rotation included), talking to the stand-in instead of AWS.
      this.traffic = new ArcRoutingControlTraffic({
        endpoints: traffic.clusterEndpoints,
        clientFor: (e) => arc.clientFor(e) as never,
        routingControlArns: traffic.routingControlArns,
      });
    } else {
      const mode = traffic.strategy === 'active-active' ? 'drain-source' : 'all-to-target';
      // GetChange every 2 s for up to 2 minutes, as the AWS adapter polls.
      this.traffic = new LocalRoute53Traffic(this.router, 2_000, 120_000, mode);
    }
    this.dataStores = new LocalDataStores(this.data, (store) => this.data.store(store).lagOverrideMs ?? this.replicationLagMs, this.apis);
    this.heartbeats = new LocalHeartbeats(config, new LocalHeartbeatWriter(this.data, this.apis), (region) => this.darkRegions.has(region));
  }

  private app(region: string, initial: 'ACTIVE' | 'PASSIVE'): RegionalApp {
    return new RegionalApp(
      region,
      initial,
      this.data,
      this.net,
      this.rng.fork(`app:${region}`),
      () => this.darkRegions.has(region),
      () => !this.apis.isDown('ssm', region),
    );
  }

  /** Which region currently serves the global name (all weight on one region), or null. */
  get servingRegion(): string | null {
    const on = Object.entries(this.router.weights).filter(([, w]) => w > 0);
    return on.length === 1 ? on[0][0] : null;
  }

  activeRegions(): string[] {
    return Object.values(this.apps)
      .filter((a) => a.siteState === 'ACTIVE')
      .map((a) => a.region);
  }

  /** Replication stalled (true) or resumed (false) for `store` (a name) or every store (`*`). */
  stallReplication(store: string, stalled: boolean): void {
    for (const s of this.data.stores) {
      if (store !== '*' && s.config.name !== store) continue;
      for (const r of Object.values(s.byRegion)) r.setStalled(stalled);
    }
  }

  async stop(): Promise<void> {
    await this.heartbeats.stop();
    await this.load.stop();
    this.data.stop();
  }
}
