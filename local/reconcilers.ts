import { STEPS } from '../config/steps';
import { createHandler as siteStateReconciler } from '../functions/site-state-reconciler/handler';
import type { ReconcileResult } from '../functions/site-state-reconciler/site-state-reconciler';
import { createLogger } from '../functions/shared/middleware';
import type { Rng } from './sim/random';
import { simClock } from './sim/virtual-time';
import { fakeLambdaContext } from './world/approval-server';
import type { LocalWorld } from './world/world';

/** EventBridge's schedule for the reconciler, as deployed (infra/constructs/site-state-reconciler.ts). */
export const RECONCILER_INTERVAL_MS = 60_000;

/**
 * Each live region's copy of the real site-state reconciler on its one-minute schedule (each on its own seeded
 * phase): the part of the control plane that fences an old primary which comes back ACTIVE after a failover that
 * could not reach it. A dark region's copy does not run.
 */
export class LocalReconcilers {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly pending = new Set<Promise<unknown>>();
  private stopped = false;

  constructor(
    private readonly world: LocalWorld,
    private readonly rng: Rng,
    private readonly onRun: (region: string, outcome: ReconcileResult | { error: string }) => void = () => undefined,
  ) {}

  start(): void {
    for (const region of [this.world.primary, this.world.standby]) {
      const handler = siteStateReconciler({
        config: this.world.config,
        region,
        siteState: this.world.siteState,
        notifier: this.world.notifier,
        audit: this.world.audit,
        clock: simClock,
        logger: createLogger(STEPS.siteStateReconciler.logService, 'SILENT'),
      });
      const tick = () => {
        if (this.stopped || this.world.darkRegions.has(region)) return;
        const run = (
          handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' }, fakeLambdaContext('site-state-reconciler')) as Promise<ReconcileResult>
        ).then(
          (r) => this.onRun(region, r),
          (err: Error) => this.onRun(region, { error: `${err.name}: ${err.message}` }),
        );
        this.pending.add(run);
        void run.finally(() => this.pending.delete(run));
      };
      const first = setTimeout(
        () => {
          tick();
          this.timers.push(setInterval(tick, RECONCILER_INTERVAL_MS));
        },
        this.rng.int(0, RECONCILER_INTERVAL_MS - 1),
      );
      this.timers.push(first);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    while (this.pending.size) await Promise.all([...this.pending]);
  }
}
