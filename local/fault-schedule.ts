import type { DrConfig } from '../config/schema';
import type { LocalDetection } from './detection/loop';
import { formatDuration, resolveRegion, ScenarioError, type Fault } from './scenario-file';
import type { AwsService } from './world/aws-api-faults';
import type { LocalWorld } from './world/world';

/** A fault as the drill applies it: what it does now, and the function that undoes it. */
export interface AppliedFault {
  readonly fault: Fault;
  readonly summary: string;
  heal(): void;
}

/** `canary:primary` -> `canary:us-east-1`; `primary` -> `us-east-1`; other parties as they are. */
function resolveParty(party: string, config: DrConfig, where: string): string {
  if (party.startsWith('canary:')) return `canary:${resolveRegion(party.slice('canary:'.length), config, where)}`;
  if (party === 'clients' || party === 'route53-checkers') return party;
  return resolveRegion(party, config, where);
}

/** Checks every reference in the faults against the config before anything runs, naming the bad field. */
export function checkFaults(faults: readonly Fault[], config: DrConfig, stateNames: ReadonlySet<string>): void {
  const stores = new Set(config.dataStores.map((s) => s.name));
  faults.forEach((f, i) => {
    const where = `faults[${i}] (${f.kind})`;
    if ('region' in f && f.region !== undefined) resolveRegion(f.region, config, `${where}.region`);
    if (f.kind === 'partition') {
      const [a, b] = f.between.map((p) => resolveParty(p, config, `${where}.between`));
      if (a === b) throw new ScenarioError(`${where}.between: a party cannot be partitioned from itself (${a})`);
    }
    if ((f.kind === 'replication-stall' || f.kind === 'replication-lag') && f.store !== '*' && !stores.has(f.store)) {
      throw new ScenarioError(`${where}.store: no data store named "${f.store}" (configured: ${[...stores].join(', ')})`);
    }
    if (f.kind === 'step-fails' && !stateNames.has(f.state)) {
      throw new ScenarioError(`${where}.state: the failover definition has no state "${f.state}"`);
    }
    if ((f.kind === 'aws-api-down' || f.kind === 'throttle') && f.service.startsWith('arc-endpoint:')) {
      if (config.traffic.strategy !== 'arc-routing-control')
        throw new ScenarioError(`${where}.service: ${f.service} needs traffic.strategy arc-routing-control`);
      const r = f.service.slice('arc-endpoint:'.length);
      const region = r === 'primary' || r === 'standby' ? resolveRegion(r, config, where) : r;
      if (!config.traffic.clusterEndpoints.some((e) => e.region === region)) throw new ScenarioError(`${where}.service: no ARC cluster endpoint in ${region}`);
    }
    if (f.kind === 'throttle' && f.service === 'route53') throw new ScenarioError(`${where}.service: throttling route53 is not modelled; use aws-api-down`);
  });
}

/**
 * Applies one drill's faults to its world and detection. It owns what overlapping faults share (how many outages
 * hold each region's application down), so that state lives and dies with the drill: two drills in one process
 * (--seeds, --random, the tests) never see each other's.
 */
export class FaultInjector {
  /** Outages in force per region's application: of two overlapping ones, the first to heal does not bring it back. */
  private readonly appDownHolds = new Map<string, number>();

  constructor(
    private readonly world: LocalWorld,
    private readonly detection: LocalDetection,
  ) {}

  /** Applies one fault now; the result's `heal` undoes it. */
  apply(f: Fault): AppliedFault {
    const { world, detection } = this;
    const config = world.config;
    const region = 'region' in f && f.region !== undefined ? resolveRegion(f.region, config, f.kind) : undefined;
    const done = (summary: string, heal: () => void): AppliedFault => ({ fault: f, summary, heal });
    switch (f.kind) {
      case 'region-down': {
        // A dark region refuses connections whatever its application's own state (RegionalApp.unreachable).
        const r = region!;
        world.data.crash(r);
        world.darkRegions.add(r);
        return done(`${r} is dark: connections refused, its canary and control-plane copy gone, unreplicated writes lost`, () => {
          world.data.recover(r);
          world.darkRegions.delete(r);
        });
      }
      case 'app-down': {
        // Counted, so that of two overlapping outages the first to heal does not bring the application back.
        const r = region!;
        this.appDownHolds.set(r, (this.appDownHolds.get(r) ?? 0) + 1);
        world.apps[r].impairment.down = true;
        return done(`the application in ${r} refuses connections`, () => {
          const left = (this.appDownHolds.get(r) ?? 1) - 1;
          this.appDownHolds.set(r, left);
          world.apps[r].impairment.down = left > 0;
        });
      }
      case 'region-slow': {
        const app = world.apps[region!];
        app.impairment.latencyMs = f.latency;
        return done(`${region} answers ${formatDuration(f.latency)} late`, () => {
          app.impairment.latencyMs = 0;
        });
      }
      case 'region-errors': {
        const app = world.apps[region!];
        app.impairment.errorRate = f.rate;
        return done(`${region} answers 503 to ${Math.round(f.rate * 100)}% of requests`, () => {
          app.impairment.errorRate = 0;
        });
      }
      case 'partition': {
        const [a, b] = f.between.map((p) => resolveParty(p, config, 'partition'));
        const heal = world.net.partition(a, b);
        const regions = [world.primary, world.standby];
        const betweenRegions = regions.includes(a) && regions.includes(b);
        // Replication crosses the same network: two regions that cannot see each other cannot replicate either.
        if (betweenRegions) world.stallReplication('*', true);
        return done(`no traffic between ${a} and ${b}`, () => {
          heal();
          if (betweenRegions) world.stallReplication('*', false);
        });
      }
      case 'replication-stall':
        world.stallReplication(f.store, true);
        return done(`replication of ${f.store === '*' ? 'every store' : f.store} stalled`, () => world.stallReplication(f.store, false));
      case 'replication-lag': {
        const pairs = world.data.stores.filter((s) => f.store === '*' || s.config.name === f.store);
        const before = pairs.map((p) => p.lagOverrideMs);
        for (const p of pairs) p.lagOverrideMs = f.lag;
        return done(`replication of ${f.store === '*' ? 'every store' : f.store} lags ${formatDuration(f.lag)}`, () => {
          for (const [i, p] of pairs.entries()) p.lagOverrideMs = before[i];
        });
      }
      case 'aws-api-down': {
        if (f.service.startsWith('arc-endpoint:')) {
          const r = f.service.slice('arc-endpoint:'.length);
          const endpointRegion = r === 'primary' || r === 'standby' ? resolveRegion(r, config, f.kind) : r;
          const heal = world.apis.add({ service: `arc-endpoint:${endpointRegion}`, kind: 'down', rate: 1 });
          return done(`the ARC cluster endpoint in ${endpointRegion} is unavailable`, heal);
        }
        const heal = world.apis.add({ service: f.service as AwsService, region, kind: 'down', rate: 1 });
        if (f.service === 'route53') world.router.dnsApiAvailable = false;
        return done(`the ${f.service} API${region ? ` in ${region}` : ''} is unavailable`, () => {
          heal();
          if (f.service === 'route53') world.router.dnsApiAvailable = true;
        });
      }
      case 'step-fails': {
        const heal = world.taskFaults.failStep(f.state, f.error, f.times);
        return done(`${f.state} fails with ${f.error} (${f.times} time${f.times === 1 ? '' : 's'})`, heal);
      }
      case 'throttle': {
        const heal =
          f.service === 'lambda'
            ? world.taskFaults.throttleLambda(f.rate)
            : world.apis.add({ service: f.service as AwsService, region, kind: 'throttle', rate: f.rate });
        return done(`${f.service}${region ? ` in ${region}` : ''} throttles ${Math.round(f.rate * 100)}% of calls`, heal);
      }
      case 'duplicate-events': {
        const before = { ...detection.delivery };
        detection.delivery.copies = f.copies;
        detection.delivery.redeliverAfterMs = f.redeliverAfter ?? 0;
        return done(`every alarm event delivered ${f.copies} times${f.redeliverAfter ? `, and again after ${formatDuration(f.redeliverAfter)}` : ''}`, () => {
          detection.delivery.copies = before.copies;
          detection.delivery.redeliverAfterMs = before.redeliverAfterMs;
        });
      }
    }
  }
}
