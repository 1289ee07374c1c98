import {
  GetRoutingControlStateCommand,
  UpdateRoutingControlStatesCommand,
  type Route53RecoveryClusterClient,
  type RoutingControlState,
} from '@aws-sdk/client-route53-recovery-cluster';
import { InvalidInputError, TransientError } from '../errors';
import type { RegionName, TrafficControl, TrafficShift, TrafficState } from '../ports';
import { errorName, isTransient } from './sdk-errors';

export interface ClusterEndpoint {
  readonly region: RegionName;
  readonly endpoint: string;
}

export interface ArcRoutingControlTrafficProps {
  /** The cluster's regional data-plane endpoints (five in AWS), in the order to try them. */
  readonly endpoints: readonly ClusterEndpoint[];
  /** A client bound to one endpoint (its region signs the request). */
  readonly clientFor: (endpoint: ClusterEndpoint) => Pick<Route53RecoveryClusterClient, 'send'>;
  /** Routing control ARN per region name. */
  readonly routingControlArns: Readonly<Record<RegionName, string>>;
}

/** Errors that say "this endpoint, now" rather than "this request": the next endpoint may well answer. */
const ENDPOINT_ERRORS = new Set(['EndpointTemporarilyUnavailableException', 'InternalServerException', 'ThrottlingException']);

export function isEndpointFailure(err: unknown): boolean {
  return ENDPOINT_ERRORS.has(errorName(err)) || isTransient(err);
}

/**
 * Calls `call` on each endpoint in turn, starting at `start`, until one answers. Returns the answer and
 * the index that gave it. A request-level error (access denied, validation, unknown control) is thrown at
 * once: another endpoint would refuse it the same way.
 */
export async function tryEndpoints<E, T>(
  endpoints: readonly E[],
  start: number,
  call: (endpoint: E) => Promise<T>,
  describe: (endpoint: E) => string,
): Promise<{ result: T; index: number; failures: string[] }> {
  if (endpoints.length === 0) throw new InvalidInputError('No ARC cluster endpoint configured (traffic.clusterEndpoints)');
  const failures: string[] = [];
  for (let i = 0; i < endpoints.length; i++) {
    const index = (start + i) % endpoints.length;
    try {
      return { result: await call(endpoints[index]), index, failures };
    } catch (err) {
      if (!isEndpointFailure(err)) throw err;
      failures.push(`${describe(endpoints[index])}: ${errorName(err)}: ${(err as Error).message}`);
    }
  }
  throw new TransientError(`Every ARC cluster endpoint failed (${failures.join('; ')}); the retry tries them all again`);
}

/**
 * Route 53 ARC routing controls: the failover flips ON/OFF states through the cluster's data plane, which
 * is spread over five regions, so it needs neither the Route 53 control plane nor us-east-1 (failure mode 4).
 * Both states change in one UpdateRoutingControlStates call with the target first, so no moment has both
 * regions off, and a safety rule such as "at least one ON" is satisfied by the request as a whole.
 */
export class ArcRoutingControlTraffic implements TrafficControl {
  readonly strategy = 'arc-routing-control';
  /** Where the last call succeeded: the next call starts there instead of re-trying a dead endpoint first. */
  private preferred = 0;
  /** Endpoints skipped since the last shift (the describe before it included), for the audit trail. */
  private skipped = new Set<string>();

  constructor(private readonly props: ArcRoutingControlTrafficProps) {}

  async describe(): Promise<TrafficState> {
    const states: Record<RegionName, RoutingControlState | undefined> = {};
    for (const region of Object.keys(this.props.routingControlArns)) {
      const arn = this.props.routingControlArns[region];
      const res = await this.onAnyEndpoint(`GetRoutingControlState ${arn}`, (client) =>
        client.send(new GetRoutingControlStateCommand({ RoutingControlArn: arn })),
      );
      states[region] = res.result.RoutingControlState;
    }
    return { weights: toShares(states) };
  }

  async shiftTo(to: RegionName, from: RegionName): Promise<TrafficShift> {
    if (to === from) throw new InvalidInputError('shiftTo needs two different regions');
    const target = this.arn(to);
    const source = this.arn(from);
    const before = await this.describe();
    const update = await this.onAnyEndpoint(`UpdateRoutingControlStates ${to}=On ${from}=Off`, (client) =>
      client.send(
        new UpdateRoutingControlStatesCommand({
          UpdateRoutingControlStateEntries: [
            { RoutingControlArn: target, RoutingControlState: 'On' },
            { RoutingControlArn: source, RoutingControlState: 'Off' },
          ],
        }),
      ),
    );
    // Read back: the cluster is consistent across its endpoints, so this confirms the change is in effect.
    const after = await this.describe();
    if ((after.weights[to] ?? 0) !== 100) {
      throw new TransientError(`ARC accepted the update but ${to} reads ${JSON.stringify(after.weights)}; the retry re-applies the same states`);
    }
    const rotated = this.skipped.size > 0 ? ` (skipped unavailable endpoint(s) in ${[...this.skipped].join(', ')})` : '';
    this.skipped = new Set();
    return { before, after, via: `arc:UpdateRoutingControlStates via ${update.endpoint.region}${rotated}` };
  }

  private arn(region: RegionName): string {
    const arn = this.props.routingControlArns[region];
    if (!arn)
      throw new InvalidInputError(
        `Region ${region} has no routing control (traffic.routingControlArns has ${Object.keys(this.props.routingControlArns).join(', ')})`,
      );
    return arn;
  }

  private async onAnyEndpoint<T>(doing: string, call: (client: Pick<Route53RecoveryClusterClient, 'send'>) => Promise<T>) {
    try {
      const { result, index, failures } = await tryEndpoints(
        this.props.endpoints,
        this.preferred,
        (e) => call(this.props.clientFor(e)),
        (e) => e.region,
      );
      this.preferred = index;
      for (const f of failures) this.skipped.add(f.slice(0, f.indexOf(':')));
      return { result, endpoint: this.props.endpoints[index] };
    } catch (err) {
      if (errorName(err) === 'ConflictException') throw new TransientError(`ARC ${doing}: ${(err as Error).message}`, { cause: err });
      throw err;
    }
  }
}

/** ON regions share the traffic equally (with failover records, ON is "may answer"); OFF regions get none. */
function toShares(states: Record<RegionName, RoutingControlState | undefined>): Record<RegionName, number> {
  const on = Object.keys(states).filter((r) => states[r] === 'On');
  return Object.fromEntries(Object.keys(states).map((r) => [r, on.includes(r) ? Math.round(100 / on.length) : 0]));
}
