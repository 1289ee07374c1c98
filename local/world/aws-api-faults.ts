import { ThrottledError, TransientError } from '../../functions/shared/errors';
import type { Rng } from '../sim/random';

/** The AWS APIs a drill can make unavailable or throttle; `arc-endpoint:<region>` is one ARC cluster endpoint. */
export const AWS_SERVICES = ['route53', 'rds', 'ssm', 'sns', 'dynamodb', 'cloudwatch', 'states', 'lambda'] as const;
export type AwsService = (typeof AWS_SERVICES)[number] | `arc-endpoint:${string}`;

interface Rule {
  readonly service: AwsService;
  /** undefined = every region */
  readonly region?: string;
  readonly kind: 'down' | 'throttle';
  /** Share of calls refused (throttle), 0..1. */
  readonly rate: number;
}

/**
 * API faults of the simulated AWS: the local adapters ask `check(service, region)` before every call, as the SDK
 * would reach that endpoint. `down` answers like an unreachable endpoint (TransientError: retried by the ASL,
 * then the step fails); `throttle` refuses a share of calls with ThrottledError, drawn from the drill's seed.
 */
export class AwsApiFaults {
  private readonly rules: Rule[] = [];
  /** Calls refused so far, by `service@region`. */
  readonly refused = new Map<string, number>();

  constructor(private readonly rng: Rng) {}

  /** Adds a rule; returns the function that removes it (a fault that heals). */
  add(rule: Rule): () => void {
    this.rules.push(rule);
    return () => {
      const i = this.rules.indexOf(rule);
      if (i >= 0) this.rules.splice(i, 1);
    };
  }

  isDown(service: AwsService, region?: string): boolean {
    return this.rules.some((r) => r.kind === 'down' && r.service === service && (r.region === undefined || region === undefined || r.region === region));
  }

  check(service: AwsService, region?: string): void {
    const key = `${service}@${region ?? '*'}`;
    if (this.isDown(service, region)) {
      this.refused.set(key, (this.refused.get(key) ?? 0) + 1);
      throw new TransientError(`${service} API${region ? ` in ${region}` : ''} unavailable (drill fault aws-api-down)`);
    }
    for (const r of this.rules) {
      if (r.kind !== 'throttle' || r.service !== service || (r.region !== undefined && region !== undefined && r.region !== region)) continue;
      if (this.rng.next() < r.rate) {
        this.refused.set(key, (this.refused.get(key) ?? 0) + 1);
        throw new ThrottledError(`${service}${region ? ` in ${region}` : ''}: Rate exceeded (drill fault throttle)`);
      }
    }
  }
}
