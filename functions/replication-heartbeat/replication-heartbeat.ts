import type { DrConfig } from '../../config/schema';
import { clip } from '../shared/bounded';
import { ConfigurationError } from '../shared/errors';
import type { Clock, HeartbeatWriter, RegionName } from '../shared/ports';

/**
 * The replication heartbeat (docs/adr/0019-data-at-risk-measured.md): every `dataRisk.heartbeatIntervalSeconds`,
 * this region's copy writes the time into its own replica of every replicated DynamoDB table and S3 bucket. The
 * other region's replica then holds the newest heartbeat that replication delivered, and its age is the lag,
 * measured: it keeps growing through a stall, and a quiet table has one too. Aurora gets none: writing into the
 * database needs credentials and a network path the control plane does not have.
 */

export interface ReplicationHeartbeatDeps {
  readonly config: DrConfig;
  /** The region this copy runs in: it writes its own replicas only. */
  readonly region: RegionName;
  readonly writer: HeartbeatWriter;
  readonly clock: Clock;
  readonly sleep: (ms: number) => Promise<void>;
  /** Checked before each round; false ends the run early (the drill ending). @default always true */
  readonly running?: () => boolean;
}

export interface HeartbeatRunResult {
  readonly region: RegionName;
  /** Heartbeats written (stores × rounds that succeeded). */
  readonly beats: number;
  readonly rounds: number;
  /** The last failure per store, when a write failed (the next round tries again). */
  readonly failures: Record<string, string>;
  /** Stores without a heartbeat, and why. */
  readonly skipped: Record<string, string>;
}

/**
 * One run covers a schedule period (EventBridge's `rate(1 minute)`) and one interval more, so consecutive runs
 * overlap by a beat instead of leaving a gap while the next one starts.
 */
export const HEARTBEAT_SCHEDULE_SECONDS = 60;

export function heartbeatRunSeconds(config: DrConfig): number {
  return HEARTBEAT_SCHEDULE_SECONDS + config.dataRisk.heartbeatIntervalSeconds;
}

/** Every failure of every write in a run: the run fails, so Lambda's Errors metric (and its alarm) sees it. */
export class HeartbeatNotWrittenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HeartbeatNotWrittenError';
  }
}

export async function runReplicationHeartbeat(deps: ReplicationHeartbeatDeps): Promise<HeartbeatRunResult> {
  const { config, region } = deps;
  const regions = [config.regions.primary.name, config.regions.standby.name];
  if (!regions.includes(region))
    throw new ConfigurationError(`The heartbeat writer runs in ${region}, which is not one of the configured regions (${regions.join(', ')})`);
  const stores = config.dataStores.filter((s) => s.kind !== 'aurora-global');
  const skipped = Object.fromEntries(
    config.dataStores
      .filter((s) => s.kind === 'aurora-global')
      .map((s) => [
        s.name,
        'Aurora: writing into the database needs credentials the control plane does not hold; its AuroraGlobalDBReplicationLag metric is the evidence',
      ]),
  );
  const intervalMs = config.dataRisk.heartbeatIntervalSeconds * 1000;
  const start = deps.clock.now();
  const end = start + heartbeatRunSeconds(config) * 1000;
  const failures: Record<string, string> = {};
  let beats = 0;
  let rounds = 0;
  let attempts = 0;
  // Rounds on a fixed grid from the start: a slow write never shifts the later ones.
  const running = deps.running ?? (() => true);
  for (let at = start; at < end && stores.length > 0 && running(); at += intervalMs) {
    const wait = at - deps.clock.now();
    if (wait > 0) await deps.sleep(wait);
    if (!running()) break;
    rounds++;
    const now = deps.clock.now();
    await Promise.all(
      stores.map(async (store) => {
        attempts++;
        try {
          await deps.writer.beat(store, region, now);
          beats++;
        } catch (err) {
          failures[store.name] = clip(`${(err as Error).name}: ${(err as Error).message}`, 300);
        }
      }),
    );
  }
  if (attempts > 0 && beats === 0) {
    throw new HeartbeatNotWrittenError(`No heartbeat could be written in ${region} (${attempts} attempts): ${JSON.stringify(failures)}`);
  }
  return { region, beats, rounds, failures, skipped };
}
