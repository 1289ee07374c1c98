import type { AlarmStateValue, Signal } from '../../functions/shared/ports';
import { type AlarmTransition, signalState } from './alarm-evaluator';

/** Route 53 health checking as documented: checks every 30 s, unhealthy after 3 failures, a 1-minute metric. */
export const ROUTE53_CHECK = { intervalMs: 30_000, failureThreshold: 3, metricPeriodMs: 60_000 } as const;

interface HealthCheck {
  failures: number;
  successes: number;
  healthy: boolean;
  alarm: AlarmStateValue;
}

/**
 * Route 53's health checkers on each regional app, emulated (the drill's third, slower signal): a check flips
 * after `failureThreshold` results the other way, and the alarm on the 1-minute HealthCheckStatus metric follows
 * the check at the end of each metric period (forwarded from us-east-1 and mirrored in each region, as deployed).
 * The probing itself is the caller's: this holds only the checks' and alarms' state.
 */
export class Route53HealthCheckers {
  private readonly checks = new Map<string, HealthCheck>();

  constructor(
    private readonly prefix: string,
    private readonly regions: readonly string[],
  ) {
    for (const r of regions) this.checks.set(r, { failures: 0, successes: 0, healthy: true, alarm: 'OK' });
  }

  alarmName(target: string): string {
    return `${this.prefix}route53-health-check--global--${target}`;
  }

  /** One round of checks: whether the check of each region failed. */
  record(results: ReadonlyArray<readonly [region: string, failed: boolean]>): void {
    for (const [region, failed] of results) {
      const hc = this.checks.get(region)!;
      if (failed) {
        hc.failures++;
        hc.successes = 0;
        if (hc.failures >= ROUTE53_CHECK.failureThreshold) hc.healthy = false;
      } else {
        hc.successes++;
        hc.failures = 0;
        if (hc.successes >= ROUTE53_CHECK.failureThreshold) hc.healthy = true;
      }
    }
  }

  /** Closes one metric period: each alarm takes its check's state; returns the alarms that changed, in region order. */
  evaluate(at: number): AlarmTransition[] {
    const out: AlarmTransition[] = [];
    for (const region of this.regions) {
      const hc = this.checks.get(region)!;
      const next: AlarmStateValue = hc.healthy ? 'OK' : 'ALARM';
      if (next === hc.alarm) continue;
      const previous = hc.alarm;
      hc.alarm = next;
      out.push({
        alarmName: this.alarmName(region),
        signalId: `route53:${region}`,
        vantage: 'global',
        target: region,
        state: next,
        previous,
        reason: hc.healthy ? 'health check healthy' : `health check failed ${ROUTE53_CHECK.failureThreshold} consecutive checks`,
        round: 0,
        at,
      });
    }
    return out;
  }

  /** The alarms as the health signals the deployed adapter derives from DescribeAlarms. */
  signals(regions: readonly string[], observedAt: string): Signal[] {
    return regions.map((target) => {
      const alarm = this.checks.get(target)?.alarm ?? 'INSUFFICIENT_DATA';
      const state = signalState(alarm);
      return {
        id: `route53:${target}`,
        source: 'route53-health-check' as const,
        vantage: 'global',
        target,
        healthy: state === 'ok',
        state,
        detail: `alarm ${this.alarmName(target)} ${alarm}`,
        observedAt,
      };
    });
  }
}
