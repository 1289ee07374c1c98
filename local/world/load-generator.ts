import { sleep, type SimNetwork } from '../sim/network';
import { simNow } from '../sim/virtual-time';

export interface WriteAttempt {
  readonly id: string;
  /** Virtual epoch ms the write was sent. */
  readonly at: number;
  readonly ok: boolean;
  readonly region: string | null;
  readonly status: number;
}

/**
 * A client writing orders through the global name, one at a time every `intervalMs` of AWS time. What it
 * observes is the downtime users see; what it was told was written is what must not be lost.
 */
export class LoadGenerator {
  readonly attempts: WriteAttempt[] = [];
  private running = false;
  private loop?: Promise<void>;
  private seq = 0;

  constructor(
    private readonly net: SimNetwork,
    private readonly routerUrl: () => string,
    private readonly intervalMs: number,
    /** A client's own timeout, AWS ms. */
    private readonly timeoutMs = 2_000,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (this.running) {
      const id = `order-${++this.seq}`;
      const at = simNow();
      try {
        const res = await this.net.request(`${this.routerUrl()}/orders`, {
          from: 'clients',
          method: 'POST',
          body: JSON.stringify({ id, amount: this.seq }),
          headers: { 'content-type': 'application/json' },
          timeoutMs: this.timeoutMs,
        });
        const region = res.headers['x-served-by-region'] ?? null;
        this.attempts.push({ id, at, ok: res.status === 201, region, status: res.status });
      } catch {
        this.attempts.push({ id, at, ok: false, region: null, status: 0 });
      }
      const wait = this.intervalMs - (simNow() - at);
      if (wait > 0) await sleep(wait);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** Writes acknowledged (201) by `region`. */
  acknowledgedBy(region: string): WriteAttempt[] {
    return this.attempts.filter((a) => a.ok && a.region === region);
  }

  /**
   * Client-observed downtime after `since`: from the first failed write to the first success after
   * the last failure. Zero when no write failed; open-ended (until the last attempt) when it never recovered.
   */
  downtime(since: number): { ms: number; recovered: boolean; failures: number; firstFailureAt: number | null } {
    const after = this.attempts.filter((a) => a.at >= since);
    const firstFail = after.findIndex((a) => !a.ok);
    if (firstFail < 0) return { ms: 0, recovered: true, failures: 0, firstFailureAt: null };
    let lastFail = firstFail;
    after.forEach((a, i) => {
      if (!a.ok) lastFail = i;
    });
    const failures = after.filter((a) => !a.ok).length;
    const recoveredAt = after[lastFail + 1];
    const firstFailureAt = after[firstFail].at;
    if (!recoveredAt) return { ms: after[after.length - 1].at - firstFailureAt, recovered: false, failures, firstFailureAt };
    return { ms: recoveredAt.at - firstFailureAt, recovered: true, failures, firstFailureAt };
  }
}
