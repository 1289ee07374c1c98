/**
 * The rules every site-state reader follows, with no SDK and no I/O: the AWS client (./index.ts) and the local
 * drill's regional apps (local/world/regional-app.ts) both decide through this one class, so the drill fences
 * writes exactly as a deployed writer does.
 */

export type SiteStateValue = 'ACTIVE' | 'PASSIVE';

export interface SiteStateReading {
  readonly state: SiteStateValue;
  /**
   * `ssm`: read from SSM just now; `cache`: read from SSM less than `maxAgeSeconds` ago; `stale`: SSM failed and
   * the last value read within `staleIfErrorSeconds` is reused; `fail-safe`: PASSIVE because nothing trustworthy
   * is known (no successful read yet, or the last one is older than `staleIfErrorSeconds`).
   */
  readonly source: 'ssm' | 'cache' | 'stale' | 'fail-safe';
  /** One line for logs: the parameter, the value, the SSM error if any. Not meant for clients of your API. */
  readonly detail: string;
}

export interface FailSafeOptions {
  /**
   * How long a value read from SSM is reused before SSM is asked again: the longest a fenced region keeps writing.
   * @default 5
   */
  readonly maxAgeSeconds?: number;
  /**
   * When SSM cannot be read (or holds something other than ACTIVE/PASSIVE), the last value read successfully is
   * reused for this long after that read; past it the region counts as PASSIVE.
   * @default 60
   */
  readonly staleIfErrorSeconds?: number;
}

export const DEFAULT_MAX_AGE_SECONDS = 5;
export const DEFAULT_STALE_IF_ERROR_SECONDS = 60;

const seconds = (name: string, value: number, max: number): number => {
  if (!(Number.isInteger(value) && value >= 0 && value <= max)) throw new Error(`site state: ${name} must be an integer from 0 to ${max}; got ${value}`);
  return value;
};

/** The last good value and what to answer when SSM answers, fails, or need not be asked. */
export class SiteStateMemory {
  readonly maxAgeMs: number;
  readonly staleIfErrorMs: number;
  private last?: { state: SiteStateValue; at: number };

  constructor(
    /** The parameter, for the readings' `detail`. */
    private readonly parameterName: string,
    opts: FailSafeOptions = {},
  ) {
    this.maxAgeMs = seconds('maxAgeSeconds', opts.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS, 300) * 1000;
    this.staleIfErrorMs = seconds('staleIfErrorSeconds', opts.staleIfErrorSeconds ?? DEFAULT_STALE_IF_ERROR_SECONDS, 3600) * 1000;
  }

  /** The cached reading while the last successful read is younger than maxAgeSeconds; otherwise undefined (ask SSM). */
  cached(now: number): SiteStateReading | undefined {
    if (!this.last || now - this.last.at >= this.maxAgeMs || now < this.last.at) return undefined;
    return { state: this.last.state, source: 'cache', detail: `${this.parameterName} = ${this.last.state} (read ${now - this.last.at} ms ago)` };
  }

  /** What SSM returned. Anything but ACTIVE or PASSIVE is treated as a failed read: never guess ACTIVE. */
  answered(value: unknown, now: number): SiteStateReading {
    if (value !== 'ACTIVE' && value !== 'PASSIVE')
      return this.failed(new Error(`${this.parameterName} holds ${JSON.stringify(value)}; expected ACTIVE or PASSIVE`), now);
    this.last = { state: value, at: now };
    return { state: value, source: 'ssm', detail: `${this.parameterName} = ${value}` };
  }

  /** SSM could not be read: the last value while it is younger than staleIfErrorSeconds, then PASSIVE. */
  failed(error: unknown, now: number): SiteStateReading {
    const why = error instanceof Error ? error.message : String(error);
    if (this.last && now - this.last.at <= this.staleIfErrorMs) {
      return {
        state: this.last.state,
        source: 'stale',
        detail: `SSM read of ${this.parameterName} failed (${why}); reusing ${this.last.state} read ${now - this.last.at} ms ago`,
      };
    }
    const age = this.last ? `the last value was read ${now - this.last.at} ms ago` : 'no value was ever read';
    return { state: 'PASSIVE', source: 'fail-safe', detail: `SSM read of ${this.parameterName} failed (${why}) and ${age}; treating the region as PASSIVE` };
  }
}
