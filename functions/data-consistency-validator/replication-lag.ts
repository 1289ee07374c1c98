import type { DataStoreConfig, DrConfig } from '../../config/schema';
import { clip } from '../shared/bounded';
import type { Clock, HeartbeatReading, RegionName, ReplicationLagEvidence } from '../shared/ports';

/**
 * Replication lag, measured (docs/adr/0019-data-at-risk-measured.md). Each region writes a heartbeat into its own
 * replica of every replicated DynamoDB table and S3 bucket every `dataRisk.heartbeatIntervalSeconds`; the newest
 * heartbeat from `from` that the replica in `to` holds bounds what `to` has: `now - written` is the lag. CloudWatch's
 * replication-lag metric is kept as a second opinion only: it has a datapoint only when an item arrives, so a stall
 * leaves the pre-incident values in its window and a quiet table has none. Aurora cannot carry a heartbeat (the
 * control plane holds no database credentials): its AuroraGlobalDBReplicationLag metric is the evidence, labelled so.
 */

/** Replication and writer scheduling slack on top of the heartbeat interval before a heartbeat counts as stale. */
export const HEARTBEAT_FRESHNESS_SLACK_MS = 3_000;
/** A heartbeat written further in the future than this (clock skew) contradicts the clock reading it. */
export const CLOCK_SKEW_TOLERANCE_MS = 2_000;
/** Characters of a store's evidence kept in the workflow state (100 stores must stay far below 256 KiB). */
const DETAIL_MAX_CHARS = 220;

export interface StoreLag {
  readonly store: string;
  readonly kind: DataStoreConfig['kind'];
  /** `heartbeat`: measured by the replication heartbeat; `metric`: Aurora's AuroraGlobalDBReplicationLag (no heartbeat possible). */
  readonly method: 'heartbeat' | 'metric';
  /**
   * The data at risk for this store in ms: the newest heartbeat's age, or the metric for Aurora. Null when nothing
   * was found at all.
   */
  readonly lagMs: number | null;
  /**
   * True only for fresh, consistent evidence. A missing, stale or contradicted heartbeat is unknown: its age is
   * shown, but it never counts as "within target" (writes may still be arriving at a primary that is not fenced).
   */
  readonly known: boolean;
  /** `measured`, or why not: `missing`, `unreadable`, `stale`, `contradictory`. */
  readonly status: 'measured' | 'missing' | 'unreadable' | 'stale' | 'contradictory';
  /** ISO time of the newest heartbeat found, when there is one. */
  readonly heartbeatAt: string | null;
  /** CloudWatch's replication-lag metric (the second opinion for tables and buckets), ms; null without a datapoint. */
  readonly metricMs: number | null;
  /** One line for the approver and the audit trail. */
  readonly detail: string;
}

const seconds = (ms: number) => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);

/** Pure: what one store's heartbeat and metric say. */
export function assessStoreLag(args: {
  store: DataStoreConfig;
  from: RegionName;
  to: RegionName;
  now: number;
  heartbeatIntervalMs: number;
  /** Null for Aurora (no heartbeat). */
  heartbeat: HeartbeatReading | null;
  metricMs: number | null;
}): StoreLag {
  const { store, from, to, now, metricMs } = args;
  const base = { store: store.name, kind: store.kind, metricMs };
  const metricText = metricMs === null ? 'no datapoint' : seconds(metricMs);
  const secondOpinion = `CloudWatch ReplicationLatency (second opinion): ${metricText}`;
  const out = (o: Omit<StoreLag, 'store' | 'kind' | 'metricMs'>): StoreLag => ({ ...base, ...o, detail: clip(`${store.name}: ${o.detail}`, DETAIL_MAX_CHARS) });
  if (store.kind === 'aurora-global' || args.heartbeat === null) {
    return metricMs === null
      ? out({
          method: 'metric',
          lagMs: null,
          known: false,
          status: 'missing',
          heartbeatAt: null,
          detail: `AuroraGlobalDBReplicationLag has no recent datapoint in ${to}: unknown (Aurora carries no heartbeat)`,
        })
      : out({
          method: 'metric',
          lagMs: metricMs,
          known: true,
          status: 'measured',
          heartbeatAt: null,
          detail: `AuroraGlobalDBReplicationLag metric ${seconds(metricMs)} (no heartbeat: writing into the database needs credentials the control plane does not hold)`,
        });
  }
  const hb = args.heartbeat;
  if (!hb.readable) return out({ method: 'heartbeat', lagMs: null, known: false, status: 'unreadable', heartbeatAt: null, detail: `unknown: ${hb.detail}` });
  if (hb.writtenAt === null)
    return out({
      method: 'heartbeat',
      lagMs: null,
      known: false,
      status: 'missing',
      heartbeatAt: null,
      detail: `unknown: no heartbeat from ${from} in ${to} (${hb.detail}); ${secondOpinion}`,
    });
  const heartbeatAt = new Date(hb.writtenAt).toISOString();
  if (hb.writtenAt > now + CLOCK_SKEW_TOLERANCE_MS) {
    return out({
      method: 'heartbeat',
      lagMs: null,
      known: false,
      status: 'contradictory',
      heartbeatAt,
      detail: `unknown: the heartbeat from ${from} is dated ${heartbeatAt}, ${seconds(hb.writtenAt - now)} in the future of this clock`,
    });
  }
  const age = Math.max(0, now - hb.writtenAt);
  const measured = `heartbeat from ${from} written ${heartbeatAt}, ${seconds(age)} old in ${to}`;
  if (age > args.heartbeatIntervalMs + HEARTBEAT_FRESHNESS_SLACK_MS) {
    return out({
      method: 'heartbeat',
      lagMs: age,
      known: false,
      status: 'stale',
      heartbeatAt,
      detail: `${measured}: heartbeats stopped arriving (replication stalled, or ${from} stopped writing), so at least ${seconds(age)} of writes may be lost; ${secondOpinion}`,
    });
  }
  if (metricMs !== null && metricMs > age + HEARTBEAT_FRESHNESS_SLACK_MS) {
    return out({
      method: 'heartbeat',
      lagMs: Math.max(age, metricMs),
      known: false,
      status: 'contradictory',
      heartbeatAt,
      detail: `unknown: ${measured}, but ${secondOpinion} says more`,
    });
  }
  return out({ method: 'heartbeat', lagMs: age, known: true, status: 'measured', heartbeatAt, detail: `${measured} (measured); ${secondOpinion}` });
}

/** Reads every store's heartbeat from `from` in `to` and the metric, and assesses each. */
export async function measureReplicationLag(
  deps: { readonly config: DrConfig; readonly dataStores: ReplicationLagEvidence; readonly clock: Clock },
  from: RegionName,
  to: RegionName,
): Promise<StoreLag[]> {
  const intervalMs = deps.config.dataRisk.heartbeatIntervalSeconds * 1000;
  return Promise.all(
    deps.config.dataStores.map(async (store) => {
      const [heartbeat, metricMs] = await Promise.all([
        store.kind === 'aurora-global' ? Promise.resolve(null) : deps.dataStores.newestHeartbeat(store, from, to),
        // The adapter answers null when the region holding the metric cannot be read; any other failure is retried.
        deps.dataStores.replicationLagMs(store, from, to),
      ]);
      // Read the clock after the reads: a heartbeat that arrived while they ran is never "in the future".
      return assessStoreLag({ store, from, to, now: deps.clock.now(), heartbeatIntervalMs: intervalMs, heartbeat, metricMs });
    }),
  );
}

/** Worst lag over the stores; null when any store has no figure at all. */
export function worstLag(lags: readonly StoreLag[]): number | null {
  if (lags.some((l) => l.lagMs === null)) return null;
  return Math.max(0, ...lags.map((l) => l.lagMs as number));
}
