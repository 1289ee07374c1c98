import type { DrConfig } from '../config/schema';
import { STEPS } from '../config/steps';
import { createHandler as replicationHeartbeat } from '../functions/replication-heartbeat/handler';
import { HEARTBEAT_SCHEDULE_SECONDS, type HeartbeatRunResult } from '../functions/replication-heartbeat/replication-heartbeat';
import { createLogger } from '../functions/shared/middleware';
import type { HeartbeatWriter } from '../functions/shared/ports';
import { sleep } from './sim/network';
import { simClock } from './sim/virtual-time';
import { fakeLambdaContext } from './world/approval-server';

/**
 * Each live region's copy of the real heartbeat writer (functions/replication-heartbeat) on its one-minute schedule,
 * on the virtual clock, writing through the local adapter into the local replicas, which ship the heartbeat like any
 * write: a stall holds it back, a dark region stops writing it. As deployed it has been running long before any
 * incident, so the first run starts at once.
 */
export class LocalHeartbeats {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly pending = new Set<Promise<unknown>>();
  private started = false;
  private stopped = false;
  /** Runs that wrote nothing at all (a dark or API-less region), by region. */
  readonly failedRuns = new Map<string, number>();

  constructor(
    private readonly config: DrConfig,
    private readonly writer: HeartbeatWriter,
    private readonly isDark: (region: string) => boolean,
    private readonly onRun: (region: string, outcome: HeartbeatRunResult | { error: string }) => void = () => undefined,
  ) {}

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const region of [this.config.regions.primary.name, this.config.regions.standby.name]) {
      const handler = replicationHeartbeat({
        config: this.config,
        region,
        writer: this.writer,
        clock: simClock,
        sleep,
        running: () => !this.stopped,
        logger: createLogger(STEPS.replicationHeartbeat.logService, 'SILENT'),
      });
      const tick = () => {
        if (this.stopped || this.isDark(region)) return;
        const run = (
          handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' }, fakeLambdaContext('replication-heartbeat')) as Promise<HeartbeatRunResult>
        ).then(
          (r) => this.onRun(region, r),
          (err: Error) => {
            this.failedRuns.set(region, (this.failedRuns.get(region) ?? 0) + 1);
            this.onRun(region, { error: `${err.name}: ${err.message}` });
          },
        );
        this.pending.add(run);
        void run.finally(() => this.pending.delete(run));
      };
      tick();
      this.timers.push(setInterval(tick, HEARTBEAT_SCHEDULE_SECONDS * 1000));
    }
  }

  /** No new run starts, and the runs under way end at their next beat. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    while (this.pending.size) await Promise.all([...this.pending]);
  }
}
