import type { Server } from 'node:http';
import { GetRoutingControlStateCommand, UpdateRoutingControlStatesCommand } from '@aws-sdk/client-route53-recovery-cluster';
import type { Socket } from 'node:net';
import { close, createServer, httpCall, listen, readBody, sendJson, trackSockets } from './http';

export interface ChangeInfo {
  readonly id: string;
  status: 'PENDING' | 'INSYNC';
  readonly submittedAt: number;
}

/**
 * The stand-in for Route 53: a weighted global name. The control plane changes weights through
 * `dnsApi` (ChangeResourceRecordSets / GetChange semantics: PENDING, then INSYNC after a delay);
 * clients keep using the old answer for the record's TTL after that. The API can be made unavailable
 * (scenario `dns-api-down`) and every call is counted.
 */
export class GlobalRouter {
  private server?: Server;
  private sockets = new Set<Socket>();
  url = '';
  /** Weights clients currently act on. */
  private effective: Record<string, number>;
  /** Weights as last written through the API. */
  private published: Record<string, number>;
  private readonly changes = new Map<string, ChangeInfo>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private seq = 0;
  dnsApiAvailable = true;
  dnsApiCalls = 0;
  /** Each weight change that reached clients, in order. */
  readonly applied: Array<{ at: number; weights: Record<string, number> }> = [];

  constructor(
    private readonly upstreams: Record<string, () => string>,
    initial: Record<string, number>,
    private readonly timing: { syncMs: number; ttlMs: number },
  ) {
    this.effective = { ...initial };
    this.published = { ...initial };
  }

  get weights(): Record<string, number> {
    return { ...this.effective };
  }

  private callApi(): void {
    this.dnsApiCalls++;
    if (!this.dnsApiAvailable) {
      const err = new Error('Route 53 control plane unavailable (us-east-1 impaired)');
      err.name = 'ServiceUnavailable';
      throw err;
    }
  }

  readonly dnsApi = {
    listWeights: (): Record<string, number> => {
      this.callApi();
      return { ...this.published };
    },
    changeWeights: (weights: Record<string, number>): ChangeInfo => {
      this.callApi();
      this.published = { ...weights };
      const change: ChangeInfo = { id: `C${++this.seq}`, status: 'PENDING', submittedAt: Date.now() };
      this.changes.set(change.id, change);
      this.after(this.timing.syncMs, () => {
        change.status = 'INSYNC';
        // Resolvers keep serving the old answer until its TTL runs out.
        this.after(this.timing.ttlMs, () => this.apply(weights));
      });
      return change;
    },
    getChange: (id: string): ChangeInfo => {
      this.callApi();
      const c = this.changes.get(id);
      if (!c) throw new Error(`NoSuchChange ${id}`);
      return { ...c };
    },
  };

  /** A routing-control flip (ARC data plane): no Route 53 API call, clients follow after the TTL. */
  setRoutingControl(weights: Record<string, number>): void {
    this.published = { ...weights };
    this.after(this.timing.ttlMs, () => this.apply(weights));
  }

  private apply(weights: Record<string, number>): void {
    this.effective = { ...weights };
    this.applied.push({ at: Date.now(), weights: { ...weights } });
  }

  private after(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private pick(): string | undefined {
    const entries = Object.entries(this.effective).filter(([, w]) => w > 0);
    const total = entries.reduce((n, [, w]) => n + w, 0);
    if (total === 0) return undefined;
    let r = Math.random() * total;
    for (const [region, w] of entries) {
      if ((r -= w) < 0) return region;
    }
    return entries[entries.length - 1][0];
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      void (async () => {
        const region = this.pick();
        if (!region) return sendJson(res, 503, { error: 'no region has weight' });
        const body = req.method === 'POST' ? await readBody(req) : undefined;
        try {
          const up = await httpCall(`${this.upstreams[region]()}${req.url ?? '/'}`, {
            method: req.method,
            body,
            headers: body !== undefined ? { 'content-type': 'application/json' } : {},
            timeoutMs: 1_000,
          });
          res.writeHead(up.status, { 'content-type': String(up.headers['content-type'] ?? 'application/json'), 'x-served-by-region': region });
          res.end(up.body);
        } catch (err) {
          sendJson(res, 502, { error: `upstream ${region}: ${(err as Error).message}` }, { 'x-served-by-region': region });
        }
      })().catch(() => res.destroy());
    });
    this.sockets = trackSockets(server);
    this.server = server;
    this.url = await listen(server);
    return this.url;
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.server) await close(this.server, this.sockets);
  }
}

export type RoutingControlValue = 'On' | 'Off';

function arcError(name: string, message: string): Error {
  const err = new Error(message);
  err.name = name;
  return err;
}

/**
 * The stand-in for a Route 53 ARC cluster: routing controls (one per region) served by several regional
 * endpoints, any of which can be made unavailable. Updates flip the global router through
 * `setRoutingControl`, so a failover through ARC makes zero calls on the Route 53 API stand-in. Its
 * `clientFor` speaks the SDK's command shapes, so the drill runs the real AWS adapter against it.
 */
export class ArcClusterStandIn {
  readonly endpoints: Array<{ readonly region: string; readonly endpoint: string; available: boolean; calls: number }>;
  private readonly states = new Map<string, RoutingControlValue>();
  /** Successful UpdateRoutingControlStates calls. */
  updates = 0;

  constructor(
    private readonly router: GlobalRouter,
    endpoints: ReadonlyArray<{ readonly region: string; readonly endpoint: string }>,
    /** Routing control ARN per region. */
    private readonly controls: Readonly<Record<string, string>>,
    initiallyOn: string,
  ) {
    this.endpoints = endpoints.map((e) => ({ ...e, available: true, calls: 0 }));
    for (const [region, arn] of Object.entries(controls)) this.states.set(arn, region === initiallyOn ? 'On' : 'Off');
  }

  /** Makes one cluster endpoint unreachable (or reachable again). */
  setAvailable(endpoint: string, available: boolean): void {
    const e = this.endpoints.find((x) => x.endpoint === endpoint);
    if (!e) throw new Error(`no ARC cluster endpoint ${endpoint}`);
    e.available = available;
  }

  state(region: string): RoutingControlValue | undefined {
    return this.states.get(this.controls[region]);
  }

  /** A client bound to one endpoint, answering GetRoutingControlState and UpdateRoutingControlStates. */
  clientFor(endpoint: { readonly endpoint: string }): { send: (command: object) => Promise<unknown> } {
    return {
      send: async (command) => {
        const e = this.endpoints.find((x) => x.endpoint === endpoint.endpoint);
        if (!e) throw arcError('ValidationException', `unknown cluster endpoint ${endpoint.endpoint}`);
        e.calls++;
        if (!e.available) throw arcError('EndpointTemporarilyUnavailableException', `cluster endpoint in ${e.region} is unavailable`);
        if (command instanceof GetRoutingControlStateCommand) {
          const arn = String(command.input.RoutingControlArn);
          const state = this.states.get(arn);
          if (!state) throw arcError('ResourceNotFoundException', `no routing control ${arn}`);
          return { RoutingControlArn: arn, RoutingControlState: state };
        }
        if (command instanceof UpdateRoutingControlStatesCommand) {
          return this.update((command.input.UpdateRoutingControlStateEntries ?? []).map((x) => ({ arn: String(x.RoutingControlArn), state: x.RoutingControlState as RoutingControlValue })));
        }
        throw arcError('ValidationException', `the ARC stand-in does not answer ${command.constructor.name}`);
      },
    };
  }

  private update(entries: Array<{ arn: string; state: RoutingControlValue }>): Record<string, never> {
    const next = new Map(this.states);
    for (const entry of entries) {
      if (!next.has(entry.arn)) throw arcError('ResourceNotFoundException', `no routing control ${entry.arn}`);
      next.set(entry.arn, entry.state);
    }
    // The assertion safety rule every sensible cluster has: never all regions off.
    if (![...next.values()].includes('On')) throw arcError('ValidationException', 'safety rule violated: at least one routing control must stay On');
    for (const [arn, state] of next) this.states.set(arn, state);
    this.updates++;
    const weights = Object.fromEntries(Object.entries(this.controls).map(([region, arn]) => [region, next.get(arn) === 'On' ? 100 : 0]));
    this.router.setRoutingControl(weights);
    return {};
  }
}
