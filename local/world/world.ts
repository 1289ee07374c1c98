import type { DrConfig } from '../../config/schema';
import { ApprovalServer } from './approval-server';
import { DataPlane } from './data-plane';
import { ArcRoutingControlTraffic } from '../../functions/shared/aws/arc-routing-control-traffic';
import { InMemoryIdempotencyStore } from '../../functions/shared/aws/idempotency';
import type { TrafficControl } from '../../functions/shared/ports';
import { ArcClusterStandIn, GlobalRouter } from './global-router';
import { LoadGenerator } from './load-generator';
import { RegionalApp } from './regional-app';
import {
  InMemoryApprovalStore,
  InMemoryAuditLog,
  LocalDataStores,
  LocalHealthSignals,
  LocalNotifier,
  LocalRoute53Traffic,
  LocalSiteState,
  LocalStandbyScaler,
} from './adapters';

/** Converts AWS durations to local ones. */
export class TimeScale {
  constructor(readonly factor: number) {}
  /** AWS seconds -> real ms. */
  ms(awsSeconds: number): number {
    return (awsSeconds * 1000) / this.factor;
  }
  /** Real ms -> AWS seconds. */
  aws(realMs: number): number {
    return (realMs * this.factor) / 1000;
  }
}

export interface WorldSettings {
  /** Replication lag between regions in AWS ms. */
  readonly replicationLagMs: number;
}

/**
 * The simulated two-region world, all on 127.0.0.1: regional apps with their stores, the weighted
 * global name, an approval endpoint, and a client writing orders. Started and stopped by the drill.
 */
export class LocalWorld {
  readonly primary: string;
  readonly standby: string;
  readonly apps: Record<string, RegionalApp>;
  readonly data: DataPlane;
  readonly router: GlobalRouter;
  readonly load: LoadGenerator;
  readonly notifier = new LocalNotifier();
  readonly approvals = new InMemoryApprovalStore();
  readonly audit = new InMemoryAuditLog();
  readonly siteState: LocalSiteState;
  readonly signals: LocalHealthSignals;
  /** Chosen by `config.traffic.strategy`, like the Lambda's deps. */
  readonly traffic: TrafficControl;
  /** The ARC cluster stand-in, with the arc-routing-control strategy. */
  readonly arc?: ArcClusterStandIn;
  readonly dataStores: LocalDataStores;
  readonly scaler = new LocalStandbyScaler();
  /** The drill's stand-in for the idempotency table: a redrive of the same execution finds its results here. */
  readonly idempotency = new InMemoryIdempotencyStore();
  approvalServer?: ApprovalServer;
  replicationLagMs: number;

  constructor(
    readonly config: DrConfig,
    readonly time: TimeScale,
    settings: WorldSettings,
  ) {
    this.primary = config.regions.primary.name;
    this.standby = config.regions.standby.name;
    this.replicationLagMs = settings.replicationLagMs;
    const lagReal = () => time.ms(this.replicationLagMs / 1000);
    this.data = new DataPlane(config.dataStores, [this.primary, this.standby], lagReal);
    // Active-active serves from both regions, both writing (multi-writer stores); the others from the primary.
    const activeActive = config.traffic.strategy === 'active-active';
    this.apps = {
      [this.primary]: new RegionalApp(this.primary, 'ACTIVE', this.data),
      [this.standby]: new RegionalApp(this.standby, activeActive ? 'ACTIVE' : 'PASSIVE', this.data),
    };
    this.router = new GlobalRouter(
      { [this.primary]: () => this.apps[this.primary].url, [this.standby]: () => this.apps[this.standby].url },
      activeActive ? { [this.primary]: 50, [this.standby]: 50 } : { [this.primary]: 100, [this.standby]: 0 },
      { syncMs: time.ms(config.drill.dnsSyncSeconds), ttlMs: time.ms(config.globalDomain.ttlSeconds) },
    );
    this.load = new LoadGenerator(() => this.router.url, config.drill.writeIntervalMs);
    this.siteState = new LocalSiteState(this.apps);
    // Loopback answers in about a millisecond; a scaled 2 s timeout would be flaky on a loaded machine.
    const probeTimeoutMs = Math.max(100, time.ms(config.detection.probeTimeoutMs / 1000));
    this.signals = new LocalHealthSignals(this.apps, () => this.router.url, probeTimeoutMs);
    const traffic = config.traffic;
    if (traffic.strategy === 'arc-routing-control') {
      const arc = new ArcClusterStandIn(this.router, traffic.clusterEndpoints, traffic.routingControlArns, this.primary);
      this.arc = arc;
      // The real ARC adapter (endpoint rotation included), talking to the stand-in instead of AWS.
      this.traffic = new ArcRoutingControlTraffic({
        endpoints: traffic.clusterEndpoints,
        clientFor: (e) => arc.clientFor(e) as never,
        routingControlArns: traffic.routingControlArns,
      });
    } else {
      const mode = traffic.strategy === 'active-active' ? 'drain-source' : 'all-to-target';
      this.traffic = new LocalRoute53Traffic(this.router, Math.max(1, time.ms(2)), time.ms(120) + 1_000, mode);
    }
    this.dataStores = new LocalDataStores(this.data, this.apps, () => this.replicationLagMs);
  }

  async start(): Promise<void> {
    await Promise.all(Object.values(this.apps).map((a) => a.start()));
    await this.router.start();
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

  async stop(): Promise<void> {
    await this.load.stop();
    await Promise.all([...Object.values(this.apps).map((a) => a.stop()), this.router.stop(), this.approvalServer?.stop()]);
    this.data.stop();
  }
}
