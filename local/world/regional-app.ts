import type { SiteStateValue } from '../../functions/shared/ports';
import { SiteStateMemory } from '../../integration/site-state/fail-safe';
import { json, sleep, type SimNetwork, type SimRequest, type SimResponse } from '../sim/network';
import type { Rng } from '../sim/random';
import { simNow } from '../sim/virtual-time';
import type { DataPlane } from './data-plane';

/** What a scenario can do to a region's application (combinable). */
export interface AppImpairment {
  /** Connections refused, as an unreachable load balancer. */
  down: boolean;
  /** Extra AWS ms before every answer (`region-slow`). */
  latencyMs: number;
  /** Share of requests answered 503 (`region-errors`), 0..1. */
  errorRate: number;
}

/**
 * One region's application on the simulated network: `/health` for canaries and health checks, `/orders` for
 * clients. Its site state is the region's write gate (what SSM holds in AWS): a PASSIVE region refuses writes.
 */
export class RegionalApp {
  readonly url: string;
  readonly impairment: AppImpairment = { down: false, latencyMs: 0, errorRate: 0 };
  requests = 0;
  /** When the site state last changed (SSM's LastModifiedDate), virtual epoch ms. */
  private siteStateChangedAt = simNow();
  /**
   * The application's site-state client (integration/site-state): its fail-safe rules with the default
   * staleIfErrorSeconds, reading SSM on every write (maxAgeSeconds 0) as the drill always has.
   */
  private readonly writeGate: SiteStateMemory;

  constructor(
    readonly region: string,
    private siteStateValue: SiteStateValue,
    private readonly data: DataPlane,
    net: SimNetwork,
    private readonly rng: Rng,
    /** The region's own AWS services (SSM) are unreachable: the whole region is dark, not only this app. */
    private readonly dark: () => boolean = () => false,
    /** SSM in this region answers (the drill's aws-api-down faults can take it away on its own). */
    private readonly ssmUp: () => boolean = () => true,
  ) {
    this.writeGate = new SiteStateMemory(`/dr/<app>/site-state/${region}`, { maxAgeSeconds: 0 });
    this.url = net.host(`app.${region}.drill.test`, region, (req) => this.route(req), { refuses: () => this.unreachable });
  }

  /** Refuses connections: the application is down, or its whole region is dark. */
  get unreachable(): boolean {
    return this.impairment.down || this.dark();
  }

  /** A one-word label of the current impairment, for reports and invariants. */
  get fault(): 'none' | 'down' | 'slow' | 'errors' {
    if (this.unreachable) return 'down';
    if (this.impairment.errorRate > 0) return 'errors';
    if (this.impairment.latencyMs > 0) return 'slow';
    return 'none';
  }

  get siteState(): SiteStateValue {
    return this.siteStateValue;
  }

  /** The SSM parameter in this region: unreachable while the region is dark (an app that is down alone does not take SSM with it). */
  readSiteState(): SiteStateValue {
    return this.describeSiteState().value;
  }

  describeSiteState(): { value: SiteStateValue; changedAt: number } {
    if (this.dark()) throw new Error(`${this.region} unreachable (connection refused)`);
    return { value: this.siteStateValue, changedAt: this.siteStateChangedAt };
  }

  writeSiteState(value: SiteStateValue): void {
    if (this.dark()) throw new Error(`${this.region} unreachable (connection refused)`);
    if (value !== this.siteStateValue) this.siteStateChangedAt = simNow();
    this.siteStateValue = value;
  }

  /**
   * The write gate as the application's site-state client sees it: the parameter when SSM answers; when it does
   * not, the last value read within 60 s (staleIfErrorSeconds), and after that PASSIVE — never a guessed ACTIVE.
   */
  acceptsWrites(): boolean {
    if (this.unreachable) return false;
    const now = simNow();
    const reading = this.ssmUp()
      ? this.writeGate.answered(this.siteStateValue, now)
      : this.writeGate.failed(new Error(`SSM in ${this.region} unreachable`), now);
    return reading.state === 'ACTIVE';
  }

  private async route(req: SimRequest): Promise<SimResponse> {
    this.requests++;
    if (this.impairment.latencyMs > 0) await sleep(this.impairment.latencyMs);
    const headers = { 'x-served-by-region': this.region };
    if (this.impairment.errorRate > 0 && this.rng.next() < this.impairment.errorRate) return json(503, { error: 'internal error' }, headers);
    const path = req.url.pathname;
    if (req.method === 'GET' && path === '/health') return json(200, { ok: true, region: this.region, siteState: this.siteStateValue }, headers);
    if (req.method === 'POST' && path === '/orders') {
      let body: { id?: string };
      try {
        body = JSON.parse(req.body || '{}') as { id?: string };
      } catch {
        return json(400, { error: 'body must be JSON' }, headers);
      }
      if (!body.id) return json(400, { error: 'id required' }, headers);
      if (!this.acceptsWrites()) return json(503, { error: `${this.region} is PASSIVE: writes are fenced` }, headers);
      const refused = this.data.write(this.region, body.id, req.body);
      if (refused) return json(503, { error: refused }, headers);
      return json(201, { id: body.id, region: this.region }, headers);
    }
    const m = /^\/orders\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && m) {
      const item = this.data.read(this.region, decodeURIComponent(m[1]));
      return item ? json(200, item, headers) : json(404, { error: 'not found' }, headers);
    }
    return json(404, { error: 'not found' }, headers);
  }
}
