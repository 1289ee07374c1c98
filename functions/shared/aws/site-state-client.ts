import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { SSMClient } from '@aws-sdk/client-ssm';

/**
 * For the protected application's workers: read this region's site state (the switch the failover flips,
 * `<prefix>/<region>` in SSM Parameter Store of that region) with a short cache, so a PASSIVE region's
 * workers dry-run instead of writing. This is the other half of fencing: the control plane sets PASSIVE,
 * the workers honour it within `maxAgeSeconds`.
 */

export type SiteStateValue = 'ACTIVE' | 'PASSIVE';

export interface SiteStateReading {
  readonly state: SiteStateValue;
  /** `ssm`: read (or cached) from SSM; `stale`: SSM failed, last known value reused; `fail-safe`: PASSIVE because nothing trustworthy was known. */
  readonly source: 'ssm' | 'stale' | 'fail-safe';
  readonly detail: string;
}

export interface SiteStateClientOptions {
  /** The worker's own region: a region only ever reads its own switch. */
  readonly region: string;
  /** The control plane's SITE_STATE_PARAMETER_PREFIX, e.g. `/dr/orders/site-state`. */
  readonly parameterPrefix: string;
  /**
   * How long a value is reused before SSM is asked again: the longest a fenced region keeps writing.
   * @default 5
   */
  readonly maxAgeSeconds?: number;
  /**
   * If SSM cannot be read, the last value read within this window is reused; after that the worker
   * treats its region as PASSIVE (never guess ACTIVE: two writers are worse than none).
   * @default 60
   */
  readonly staleIfErrorSeconds?: number;
  /** @default a client for `region` */
  readonly ssmClient?: SSMClient;
  /** @default Date.now */
  readonly now?: () => number;
}

export class SiteStateClient {
  readonly parameterName: string;
  private readonly provider: SSMProvider;
  private readonly maxAgeSeconds: number;
  private readonly staleIfErrorMs: number;
  private readonly now: () => number;
  private lastKnown?: { state: SiteStateValue; at: number };

  constructor(opts: SiteStateClientOptions) {
    if (!/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(opts.region)) throw new Error(`SiteStateClient: region must be an AWS region name such as us-east-1; got ${JSON.stringify(opts.region)}`);
    if (!opts.parameterPrefix.startsWith('/')) throw new Error(`SiteStateClient: parameterPrefix must start with "/"; got ${JSON.stringify(opts.parameterPrefix)}`);
    const maxAge = opts.maxAgeSeconds ?? 5;
    if (!(Number.isInteger(maxAge) && maxAge >= 0 && maxAge <= 300)) throw new Error(`SiteStateClient: maxAgeSeconds must be an integer from 0 to 300; got ${maxAge}`);
    this.parameterName = `${opts.parameterPrefix.replace(/\/+$/, '')}/${opts.region}`;
    this.provider = new SSMProvider({ awsSdkV3Client: opts.ssmClient ?? new SSMClient({ region: opts.region, maxAttempts: 2 }) });
    this.maxAgeSeconds = maxAge;
    this.staleIfErrorMs = (opts.staleIfErrorSeconds ?? 60) * 1000;
    this.now = opts.now ?? Date.now;
  }

  async read(): Promise<SiteStateReading> {
    try {
      const value = await this.provider.get(this.parameterName, { maxAge: this.maxAgeSeconds });
      if (value !== 'ACTIVE' && value !== 'PASSIVE') throw new Error(`${this.parameterName} holds ${JSON.stringify(value)}; expected ACTIVE or PASSIVE`);
      this.lastKnown = { state: value, at: this.now() };
      return { state: value, source: 'ssm', detail: `${this.parameterName} = ${value}` };
    } catch (err) {
      const why = (err as Error).message;
      if (this.lastKnown && this.now() - this.lastKnown.at <= this.staleIfErrorMs) {
        return { state: this.lastKnown.state, source: 'stale', detail: `SSM read failed (${why}); reusing ${this.lastKnown.state} read ${this.now() - this.lastKnown.at} ms ago` };
      }
      return { state: 'PASSIVE', source: 'fail-safe', detail: `SSM read failed (${why}) and no recent value is known; treating the region as PASSIVE` };
    }
  }

  async isActive(): Promise<boolean> {
    return (await this.read()).state === 'ACTIVE';
  }

  /**
   * Runs `work` in an ACTIVE region; elsewhere runs `dryRun` with the reading, which should do everything
   * but the writes (validate, log what it would have done) so the region stays warm and observable.
   */
  async whenActive<T>(work: () => Promise<T>, dryRun: (reading: SiteStateReading) => Promise<T> | T): Promise<T> {
    const reading = await this.read();
    return reading.state === 'ACTIVE' ? work() : dryRun(reading);
  }
}
