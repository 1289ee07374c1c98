import { GetRoutingControlStateCommand, UpdateRoutingControlStatesCommand } from '@aws-sdk/client-route53-recovery-cluster';
import { json, type SimNetwork, type SimRequest, type SimResponse } from '../sim/network';
import type { Rng } from '../sim/random';
import { simNow } from '../sim/virtual-time';
import type { AwsApiFaults } from './aws-api-faults';

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
  readonly url: string;
  /** Weights clients currently act on. */
  private effective: Record<string, number>;
  /** Weights as last written through the API. */
  private published: Record<string, number>;
  private readonly changes = new Map<string, ChangeInfo>();
  private seq = 0;
  dnsApiAvailable = true;
  dnsApiCalls = 0;
  /** Each weight change that reached clients, in order. */
  readonly applied: Array<{ at: number; weights: Record<string, number> }> = [];
  private readonly applyListeners: Array<(weights: Record<string, number>) => void> = [];

  constructor(
    private readonly net: SimNetwork,
    private readonly upstreams: Record<string, () => string>,
    initial: Record<string, number>,
    private readonly timing: { syncMs: number; ttlMs: number },
    private readonly rng: Rng,
  ) {
    this.effective = { ...initial };
    this.published = { ...initial };
    // The global name: resolution costs nothing here, the request then goes straight to the chosen region
    // from the sender (so a partition between the sender and that region applies).
    this.url = net.host('global.drill.test', 'dns', (req) => this.forward(req));
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
      const change: ChangeInfo = { id: `C${++this.seq}`, status: 'PENDING', submittedAt: simNow() };
      this.changes.set(change.id, change);
      setTimeout(() => {
        change.status = 'INSYNC';
        // Resolvers keep serving the old answer until its TTL runs out.
        setTimeout(() => this.apply(weights), this.timing.ttlMs);
      }, this.timing.syncMs);
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
    setTimeout(() => this.apply(weights), this.timing.ttlMs);
  }

  /** Called each time clients start acting on new weights. */
  onApply(listener: (weights: Record<string, number>) => void): void {
    this.applyListeners.push(listener);
  }

  private apply(weights: Record<string, number>): void {
    this.effective = { ...weights };
    this.applied.push({ at: simNow(), weights: { ...weights } });
    for (const l of this.applyListeners) l({ ...weights });
  }

  private pick(): string | undefined {
    const entries = Object.entries(this.effective).filter(([, w]) => w > 0);
    const total = entries.reduce((n, [, w]) => n + w, 0);
    if (total === 0) return undefined;
    let r = this.rng.next() * total;
    for (const [region, w] of entries) {
      r -= w;
      if (r < 0) return region;
    }
    return entries[entries.length - 1][0];
  }

  private async forward(req: SimRequest): Promise<SimResponse> {
    const region = this.pick();
    if (!region) return json(503, { error: 'no region has weight' });
    const up = await this.net.request(`${this.upstreams[region]()}${req.url.pathname}${req.url.search}`, {
      from: req.from,
      method: req.method,
      body: req.body,
      headers: { ...req.headers },
      // The caller's own timeout is what the caller sees; this one only bounds the forwarded request.
      timeoutMs: 120_000,
    });
    return { ...up, headers: { ...up.headers, 'x-served-by-region': region } };
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
    private readonly apis?: AwsApiFaults,
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
        if (!e.available || this.apis?.isDown(`arc-endpoint:${e.region}`))
          throw arcError('EndpointTemporarilyUnavailableException', `cluster endpoint in ${e.region} is unavailable`);
        if (command instanceof GetRoutingControlStateCommand) {
          const arn = String(command.input.RoutingControlArn);
          const state = this.states.get(arn);
          if (!state) throw arcError('ResourceNotFoundException', `no routing control ${arn}`);
          return { RoutingControlArn: arn, RoutingControlState: state };
        }
        if (command instanceof UpdateRoutingControlStatesCommand) {
          return this.update(
            (command.input.UpdateRoutingControlStateEntries ?? []).map((x) => ({
              arn: String(x.RoutingControlArn),
              state: x.RoutingControlState as RoutingControlValue,
            })),
          );
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
