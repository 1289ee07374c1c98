import { GetParameterCommand, type GetParameterCommandOutput, SSMClient } from '@aws-sdk/client-ssm';
import { type FailSafeOptions, SiteStateMemory, type SiteStateReading } from './fail-safe';

/**
 * The site-state client for the protected application's own code (workers, API servers): reads this region's
 * ACTIVE/PASSIVE switch, `/dr/<application>/site-state/<region>` in SSM Parameter Store of that region, which the
 * failover workflow flips. A PASSIVE region must not write. Documented in docs/integration.md.
 *
 * Depends on `@aws-sdk/client-ssm` only. Import it as `regionflip/site-state` (package.json "exports") or by path.
 */

export {
  DEFAULT_MAX_AGE_SECONDS,
  DEFAULT_STALE_IF_ERROR_SECONDS,
  SiteStateMemory,
  type FailSafeOptions,
  type SiteStateReading,
  type SiteStateValue,
} from './fail-safe';

/** The one call the client makes; an `SSMClient` satisfies it (so do test fakes). */
export interface SiteStateSsm {
  send(command: GetParameterCommand): Promise<GetParameterCommandOutput>;
}

export interface SiteStateClientOptions extends FailSafeOptions {
  /** The control plane's application name (`application` in dr.config.json), e.g. `orders`. */
  readonly application: string;
  /** The caller's own region: a region only ever reads its own switch, stored in that region. */
  readonly region: string;
  /** @default new SSMClient({ region, maxAttempts: 2 }) */
  readonly ssm?: SiteStateSsm;
  /** Epoch milliseconds; drives the cache and the stale window. @default Date.now */
  readonly clock?: () => number;
}

export interface SiteStateClient {
  /** `/dr/<application>/site-state/<region>` */
  readonly parameterName: string;
  readonly region: string;
  /** The current reading, with where it came from. Never rejects: a failure is a `stale` or `fail-safe` reading. */
  state(): Promise<SiteStateReading>;
  /** True only when the reading is ACTIVE. */
  canWrite(): Promise<boolean>;
}

const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const APPLICATION = /^[a-z][a-z0-9-]{1,30}$/;

/** The switch of `region`, as the control-plane stack names it (config/resource-names.ts, infra/constructs/site-state.ts). */
export function siteStateParameterName(application: string, region: string): string {
  return `/dr/${application}/site-state/${region}`;
}

export function createSiteStateClient(opts: SiteStateClientOptions): SiteStateClient {
  if (!REGION.test(opts.region)) throw new Error(`site state: region must be an AWS region name such as us-east-1; got ${JSON.stringify(opts.region)}`);
  if (!APPLICATION.test(opts.application)) {
    throw new Error(
      `site state: application must be the control plane's application name (2-31 lowercase letters, digits or dashes); got ${JSON.stringify(opts.application)}`,
    );
  }
  const parameterName = siteStateParameterName(opts.application, opts.region);
  const memory = new SiteStateMemory(parameterName, opts);
  const clock = opts.clock ?? Date.now;
  let ssm = opts.ssm;
  // Concurrent callers (an HTTP server's requests) share one SSM call instead of each making their own.
  let inFlight: Promise<SiteStateReading> | undefined;

  const fetch = async (): Promise<SiteStateReading> => {
    ssm ??= new SSMClient({ region: opts.region, maxAttempts: 2 });
    try {
      const res = await ssm.send(new GetParameterCommand({ Name: parameterName }));
      return memory.answered(res.Parameter?.Value, clock());
    } catch (err) {
      return memory.failed(err, clock());
    }
  };

  const state = (): Promise<SiteStateReading> => {
    const cached = memory.cached(clock());
    if (cached) return Promise.resolve(cached);
    inFlight ??= fetch().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  return {
    parameterName,
    region: opts.region,
    state,
    canWrite: async () => (await state()).state === 'ACTIVE',
  };
}
