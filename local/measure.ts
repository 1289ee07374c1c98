import type { DrConfig } from '../config/schema';

/**
 * The physical floor of one drill's client downtime, for its own fault phase: no control plane can move clients
 * before the quorum's alarms fire (each canary needs `datapointsToAlarm` runs at or after the fault, on its own
 * seeded schedule), the record change is in sync (Route 53 only; a routing-control flip needs none), and resolvers
 * drop the old answer (TTL). Everything else (event delivery, Lambda work, approval) is the control plane's cost.
 */
export function physicalFloorMs(config: DrConfig, firstRunAt: Readonly<Record<string, number>>, faultAt: number): { floorMs: number; phaseMs: number } | null {
  const d = config.detection;
  const interval = d.probeIntervalSeconds * 1000;
  const alarmsAt = Object.values(firstRunAt)
    .map((first) => {
      // The first run at or after the fault, then datapointsToAlarm - 1 more.
      const k = Math.max(0, Math.ceil((faultAt - first) / interval));
      return first + (k + d.datapointsToAlarm - 1) * interval;
    })
    .sort((a, b) => a - b);
  if (alarmsAt.length < d.quorum) return null;
  const quorumAt = alarmsAt[d.quorum - 1];
  const syncMs = config.traffic.strategy === 'arc-routing-control' ? 0 : config.drill.dnsSyncSeconds * 1000;
  const floorMs = quorumAt - faultAt + syncMs + config.globalDomain.ttlSeconds * 1000;
  // How far into the deciding canary's interval the fault landed.
  const decider = Object.values(firstRunAt).find(
    (first) => first + (Math.max(0, Math.ceil((faultAt - first) / interval)) + d.datapointsToAlarm - 1) * interval === quorumAt,
  )!;
  const phaseMs = (((faultAt - decider) % interval) + interval) % interval;
  return { floorMs, phaseMs };
}
