import { DescribeAlarmsCommand, type CloudWatchClient, type CompositeAlarm, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { type DetectionSource, parseDetectionAlarmName } from '../../../config/resource-names';
import { systemClock, type Clock, type HealthSignals, type RegionName, type Signal, type SignalState } from '../ports';
import { callAws } from './sdk-errors';

/**
 * Health signals read from CloudWatch alarm states, and the post-failover probe through the global name.
 *
 * The signals are the alarms named `<prefix><source>--<vantage>--<target>` (config/resource-names.ts, which the
 * detection constructs build the names with). Names under the prefix that are not signals (the quorum composite,
 * the control plane's own alarms) are ignored.
 *
 * Every signal must be readable as an alarm in the control-plane region that reads it: this adapter
 * never calls another region, because during an incident the other region may be the dark one.
 */

export interface ParsedAlarmName {
  readonly source: DetectionSource;
  readonly vantage: string;
  readonly target: RegionName;
}

/** The signal an alarm's name describes, or `undefined` for any other name. */
export function parseAlarmName(alarmName: string, prefix: string): ParsedAlarmName | undefined {
  const parsed = parseDetectionAlarmName(alarmName, prefix);
  return parsed?.kind === 'signal' ? { source: parsed.source, vantage: parsed.vantage, target: parsed.target } : undefined;
}

/** Stable ids in the form the ports document: `canary:us-west-2->us-east-1`, `route53:us-east-1`. */
function signalId(p: ParsedAlarmName): string {
  if (p.source === 'route53-health-check') return p.vantage === 'global' ? `route53:${p.target}` : `route53:${p.vantage}->${p.target}`;
  return `canary:${p.vantage}->${p.target}`;
}

const MAX_REASON = 300;

function toSignal(alarm: MetricAlarm | CompositeAlarm, parsed: ParsedAlarmName, observedAt: string): Signal {
  const since = alarm.StateUpdatedTimestamp ? ` since ${alarm.StateUpdatedTimestamp.toISOString()}` : '';
  const reason = (alarm.StateReason ?? '').slice(0, MAX_REASON);
  let state: SignalState;
  let detail: string;
  switch (alarm.StateValue) {
    case 'OK':
      state = 'ok';
      detail = `alarm ${alarm.AlarmName} OK${since}`;
      break;
    case 'ALARM':
      state = 'alarm';
      detail = `alarm ${alarm.AlarmName} in ALARM${since}: ${reason}`;
      break;
    case 'INSUFFICIENT_DATA':
      // Silence is never evidence of health. Whether it counts against the target depends on where the
      // observer sits (a canary inside a dark region goes quiet): the verdict decides by vantage.
      state = 'no-data';
      detail = `alarm ${alarm.AlarmName} has no data (INSUFFICIENT_DATA${since}); the observer ${parsed.vantage} may be dark`;
      break;
    default:
      state = 'no-data';
      detail = `alarm ${alarm.AlarmName} in unknown state ${String(alarm.StateValue)}`;
  }
  return { id: signalId(parsed), source: parsed.source, vantage: parsed.vantage, target: parsed.target, healthy: state === 'ok', state, detail, observedAt };
}

export type FetchLike = (input: string, init: { method: string; headers: Record<string, string>; signal: AbortSignal }) => Promise<Response>;

export interface CloudWatchHealthSignalsProps {
  /** CloudWatch of the control-plane region this copy runs in. */
  readonly cloudWatch: CloudWatchClient;
  readonly alarmNamePrefix: string;
  /** The global DNS name; the probe requests `https://<name>/health`. */
  readonly globalDomainName: string;
  /** A probe slower than this counts as failed. */
  readonly probeTimeoutMs: number;
  /** @default globalThis.fetch */
  readonly fetch?: FetchLike;
  /** @default systemClock */
  readonly clock?: Clock;
}

export const SERVED_BY_HEADER = 'x-served-by-region';

export class CloudWatchHealthSignals implements HealthSignals {
  private readonly fetch: FetchLike;
  private readonly clock: Clock;

  constructor(private readonly props: CloudWatchHealthSignalsProps) {
    this.fetch = props.fetch ?? ((input, init) => fetch(input, init));
    this.clock = props.clock ?? systemClock;
  }

  async read(regions: readonly RegionName[]): Promise<Signal[]> {
    const { cloudWatch, alarmNamePrefix } = this.props;
    const observedAt = new Date(this.clock.now()).toISOString();
    const signals: Signal[] = [];
    let nextToken: string | undefined;
    do {
      const page = await callAws('CloudWatch DescribeAlarms', () =>
        cloudWatch.send(
          new DescribeAlarmsCommand({
            AlarmNamePrefix: alarmNamePrefix,
            AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
            MaxRecords: 100,
            ...(nextToken ? { NextToken: nextToken } : {}),
          }),
        ),
      );
      for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
        const parsed = alarm.AlarmName ? parseAlarmName(alarm.AlarmName, alarmNamePrefix) : undefined;
        if (parsed && regions.includes(parsed.target)) signals.push(toSignal(alarm, parsed, observedAt));
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return signals;
  }

  async probeGlobal(attempts: number): Promise<Array<{ ok: boolean; servedBy: RegionName | null; detail: string }>> {
    const url = `https://${this.props.globalDomainName}/health`;
    const results: Array<{ ok: boolean; servedBy: RegionName | null; detail: string }> = [];
    // Sequential on purpose: each probe is a fresh connection and DNS lookup, like a new client.
    for (let i = 0; i < attempts; i++) results.push(await this.probeOnce(url));
    return results;
  }

  private async probeOnce(url: string): Promise<{ ok: boolean; servedBy: RegionName | null; detail: string }> {
    const timeoutMs = this.props.probeTimeoutMs;
    let response: Response;
    try {
      response = await this.fetch(url, {
        method: 'GET',
        // A kept-alive socket would stay pinned to whichever region the old DNS answer named.
        headers: { connection: 'close', accept: 'application/json', 'cache-control': 'no-cache' },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const name = (err as Error).name;
      const why = name === 'TimeoutError' || name === 'AbortError' ? `timed out after ${timeoutMs} ms` : (err as Error).message;
      return { ok: false, servedBy: null, detail: `GET ${url} failed: ${why}` };
    }
    let body = '';
    try {
      body = await response.text();
    } catch {
      // The status and headers are enough to judge the probe; a body cut off by the timeout is not.
    }
    const servedBy = response.headers.get(SERVED_BY_HEADER)?.trim() || regionFromBody(body);
    if (!response.ok) return { ok: false, servedBy: null, detail: `GET ${url} -> ${response.status}${servedBy ? ` from ${servedBy}` : ''}` };
    if (!servedBy)
      return { ok: true, servedBy: null, detail: `GET ${url} -> ${response.status}, but no ${SERVED_BY_HEADER} header or "region" field says who served it` };
    return { ok: true, servedBy, detail: `GET ${url} -> ${response.status} from ${servedBy}` };
  }
}

function regionFromBody(body: string): string | null {
  try {
    const parsed: unknown = JSON.parse(body);
    const region = (parsed as { region?: unknown } | null)?.region;
    return typeof region === 'string' && region.trim() ? region.trim() : null;
  } catch {
    return null;
  }
}
