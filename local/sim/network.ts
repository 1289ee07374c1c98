import type { Rng } from './random';

/**
 * The drill's network, in process: hosts are functions, latency and timeouts are timers on the virtual clock,
 * and partitions black-hole requests between two parties. Real sockets would bring the kernel's scheduling into
 * the results (which response lands first), so the simulated world never opens one; real HTTP serves only people
 * and browsers (local/world/approval-server.ts).
 *
 * Parties: a region name (its application and stores), `canary:<region>` (a canary running in that region),
 * `clients` (users, through the global name), `route53-checkers` (Route 53's health checkers, outside both
 * regions). A partition between a region and another party also cuts every party located in that region.
 */

export interface SimRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Who sends it (a party). */
  readonly from: string;
}

export interface SimResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export type SimEndpoint = (req: SimRequest) => Promise<SimResponse>;

export class NetworkError extends Error {
  constructor(
    readonly code: 'ECONNREFUSED' | 'ETIMEDOUT' | 'ENOTFOUND',
    message: string,
  ) {
    super(message);
    this.name = 'NetworkError';
  }
}

interface Host {
  /** The party the host belongs to (a region, or `dns` for the global name). */
  readonly site: string;
  readonly endpoint: SimEndpoint;
  /** True while the host refuses connections (a region that is down). */
  readonly refuses?: () => boolean;
}

/** One-way latencies in AWS ms, before jitter. */
export const LATENCY_MS = { sameSite: 1, crossRegion: 35, clients: 20, checkers: 25 } as const;

/** The party a sender is located at: `canary:us-east-1` sits in us-east-1. */
export function siteOf(party: string): string {
  return party.startsWith('canary:') ? party.slice('canary:'.length) : party;
}

export class SimNetwork {
  private readonly hosts = new Map<string, Host>();
  private readonly partitions: Array<readonly [string, string]> = [];
  /** Requests sent, for benchmarks and tests. */
  requests = 0;

  constructor(
    private readonly rng: Rng,
    /** The region names, to tell cross-region latency from the rest. */
    private readonly regions: readonly string[],
  ) {}

  host(name: string, site: string, endpoint: SimEndpoint, opts: { refuses?: () => boolean } = {}): string {
    if (this.hosts.has(name)) throw new Error(`host ${name} is already on the simulated network`);
    this.hosts.set(name, { site, endpoint, refuses: opts.refuses });
    return `http://${name}`;
  }

  /** Cuts the path between two parties both ways; returns the heal function. */
  partition(a: string, b: string): () => void {
    const p = [a, b] as const;
    this.partitions.push(p);
    return () => {
      const i = this.partitions.indexOf(p);
      if (i >= 0) this.partitions.splice(i, 1);
    };
  }

  /** Whether a request from `from` to a host at `site` is black-holed by a partition. */
  blocked(from: string, site: string): boolean {
    const ends = [from, siteOf(from)];
    return this.partitions.some(([a, b]) => (ends.includes(a) && site === b) || (ends.includes(b) && site === a));
  }

  private latency(from: string, site: string): number {
    const a = siteOf(from);
    let base: number;
    if (site === 'dns') base = 0;
    else if (a === site) base = LATENCY_MS.sameSite;
    else if (a === 'clients') base = LATENCY_MS.clients;
    else if (a === 'route53-checkers') base = LATENCY_MS.checkers;
    else if (this.regions.includes(a) && this.regions.includes(site)) base = LATENCY_MS.crossRegion;
    else base = LATENCY_MS.clients;
    return base === 0 ? 0 : Math.round(base * this.rng.between(0.9, 1.1));
  }

  /**
   * One request and its response. Rejects with ECONNREFUSED (host down), ETIMEDOUT (no answer in `timeoutMs`,
   * e.g. across a partition or from a slow host) or ENOTFOUND. The host's work goes on after a timeout, as a
   * server's does.
   */
  request(
    url: string,
    opts: { readonly from: string; readonly method?: string; readonly body?: string; readonly headers?: Record<string, string>; readonly timeoutMs: number },
  ): Promise<SimResponse> {
    this.requests++;
    const u = new URL(url);
    const host = this.hosts.get(u.host);
    if (!host) return Promise.reject(new NetworkError('ENOTFOUND', `no host ${u.host} on the simulated network`));
    const oneWay = this.latency(opts.from, host.site);
    const blocked = this.blocked(opts.from, host.site);
    const req: SimRequest = { method: opts.method ?? 'GET', url: u, headers: opts.headers ?? {}, body: opts.body ?? '', from: opts.from };
    return new Promise<SimResponse>((resolve, reject) => {
      let done = false;
      const timer = setTimeout(() => {
        done = true;
        reject(new NetworkError('ETIMEDOUT', `no answer from ${u.host} in ${opts.timeoutMs} ms`));
      }, opts.timeoutMs);
      const settle = (fn: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        fn();
      };
      // Across a partition nothing comes back: only the timeout answers.
      if (blocked) return;
      setTimeout(() => {
        if (done) return;
        if (host.refuses?.()) {
          setTimeout(() => settle(() => reject(new NetworkError('ECONNREFUSED', `${u.host} refused the connection`))), oneWay);
          return;
        }
        host.endpoint(req).then(
          (res) => setTimeout(() => settle(() => resolve(res)), oneWay),
          // A forwarder (the global name) passes connection errors through; any other failure is the host's 500.
          (err: Error) =>
            setTimeout(
              () =>
                settle(() => (err instanceof NetworkError ? reject(err) : resolve({ status: 500, headers: {}, body: JSON.stringify({ error: err.message }) }))),
              oneWay,
            ),
        );
      }, oneWay);
    });
  }
}

/** A JSON response. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): SimResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/** Resolves after `ms` of virtual time (a timer on whatever clock is installed). */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
