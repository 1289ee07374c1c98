/**
 * One canary run. Synthetics starts a canary at most once a minute, which alone would make detection take
 * minutes; so each run probes every `intervalSeconds` for most of its minute and publishes one
 * high-resolution datapoint per target and round, on which the 10 s alarms evaluate.
 *
 * Pure: fetch, time and publishing are injected, so tests drive it with a fake clock.
 */

export interface ProbeTarget {
  /** A region name, or `global` for the global name clients use. */
  readonly name: string;
  readonly url: string;
}

export interface CanaryConfig {
  /** The region this canary runs in. */
  readonly vantage: string;
  readonly targets: readonly ProbeTarget[];
  readonly intervalSeconds: number;
  /** A slower answer counts as a failure. */
  readonly timeoutMs: number;
  /** Rounds start while less than this much of the run has passed. */
  readonly runSeconds: number;
  readonly namespace: string;
  /** Every control-plane region gets the datapoints: each decides on local alarms only. */
  readonly metricRegions: readonly string[];
}

export interface ProbeResult {
  readonly target: string;
  readonly ok: boolean;
  readonly status: number | null;
  readonly latencyMs: number;
  readonly detail: string;
}

export type CanaryFetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; signal: AbortSignal },
) => Promise<{ status: number; text(): Promise<string> }>;

export interface CanaryDeps {
  readonly fetch: CanaryFetch;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Publishes one round to one region; rejects when that region cannot be reached. */
  readonly publish: (region: string, round: { at: number; results: readonly ProbeResult[] }) => Promise<void>;
}

export interface CanaryRunSummary {
  readonly vantage: string;
  readonly rounds: number;
  readonly failedProbes: Record<string, number>;
  readonly published: Record<string, number>;
  readonly publishErrors: Record<string, string[]>;
}

export const METRIC_FAILED = 'ProbeFailed';
export const METRIC_LATENCY = 'ProbeLatency';
export const DIMENSION_VANTAGE = 'Vantage';
export const DIMENSION_TARGET = 'Target';

/** Validates the canary's configuration (an environment variable), naming the bad field. */
export function parseCanaryConfig(raw: string | undefined): CanaryConfig {
  if (!raw) throw new Error('CANARY_CONFIG is not set');
  let c: Record<string, unknown>;
  try {
    c = JSON.parse(raw) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`CANARY_CONFIG is not valid JSON: ${(err as Error).message}`);
  }
  const fail = (field: string, why: string): never => {
    throw new Error(`CANARY_CONFIG.${field} ${why}`);
  };
  const str = (field: string) => (typeof c[field] === 'string' && c[field] ? (c[field] as string) : fail(field, 'must be a non-empty string'));
  const num = (field: string, min: number, max: number) => {
    const v = c[field];
    return typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max ? v : fail(field, `must be a number from ${min} to ${max}`);
  };
  const targets = Array.isArray(c.targets) && c.targets.length > 0 ? c.targets : fail('targets', 'must be a non-empty array');
  const parsedTargets = (targets as unknown[]).map((t, i) => {
    const o = (t ?? {}) as Record<string, unknown>;
    if (typeof o.name !== 'string' || !o.name) fail(`targets[${i}].name`, 'must be a non-empty string');
    if (typeof o.url !== 'string' || !/^https?:\/\//.test(o.url)) fail(`targets[${i}].url`, 'must be an http(s) URL');
    return { name: o.name as string, url: o.url as string };
  });
  const regions =
    Array.isArray(c.metricRegions) && c.metricRegions.length > 0 && c.metricRegions.every((r) => typeof r === 'string' && r)
      ? (c.metricRegions as string[])
      : fail('metricRegions', 'must be a non-empty array of region names');
  return {
    vantage: str('vantage'),
    targets: parsedTargets,
    intervalSeconds: num('intervalSeconds', 1, 60),
    timeoutMs: num('timeoutMs', 100, 30_000),
    runSeconds: num('runSeconds', 1, 840),
    namespace: str('namespace'),
    metricRegions: regions,
  };
}

async function probe(target: ProbeTarget, timeoutMs: number, deps: CanaryDeps): Promise<ProbeResult> {
  const started = deps.now();
  try {
    const res = await deps.fetch(target.url, {
      method: 'GET',
      // A fresh connection each time: a kept-alive socket would hide DNS and connection failures.
      headers: { connection: 'close', 'cache-control': 'no-cache', 'user-agent': 'dr-canary' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.text().catch(() => '');
    const latencyMs = deps.now() - started;
    const ok = res.status >= 200 && res.status < 300;
    return { target: target.name, ok, status: res.status, latencyMs, detail: `HTTP ${res.status} in ${latencyMs} ms` };
  } catch (err) {
    const name = (err as Error).name;
    const why = name === 'TimeoutError' || name === 'AbortError' ? `no answer within ${timeoutMs} ms` : (err as Error).message;
    return { target: target.name, ok: false, status: null, latencyMs: deps.now() - started, detail: why };
  }
}

/**
 * Rounds start on a fixed grid from the run's start, so a slow probe or publish never shifts later rounds
 * (each 10 s alarm period needs its datapoint). Publishing to a dark region fails alone.
 */
export async function runCanary(config: CanaryConfig, deps: CanaryDeps): Promise<CanaryRunSummary> {
  const start = deps.now();
  const intervalMs = config.intervalSeconds * 1000;
  const endMs = start + config.runSeconds * 1000;
  const failedProbes: Record<string, number> = Object.fromEntries(config.targets.map((t) => [t.name, 0]));
  const published: Record<string, number> = Object.fromEntries(config.metricRegions.map((r) => [r, 0]));
  const publishErrors: Record<string, string[]> = Object.fromEntries(config.metricRegions.map((r) => [r, [] as string[]]));
  const inFlight: Promise<void>[] = [];
  let rounds = 0;
  for (let at = start; at < endMs; at += intervalMs) {
    const wait = at - deps.now();
    if (wait > 0) await deps.sleep(wait);
    const results = await Promise.all(config.targets.map((t) => probe(t, config.timeoutMs, deps)));
    rounds++;
    for (const r of results) if (!r.ok) failedProbes[r.target]++;
    for (const region of config.metricRegions) {
      inFlight.push(
        deps.publish(region, { at, results }).then(
          () => void published[region]++,
          (err: Error) => void publishErrors[region].push(`${new Date(at).toISOString()}: ${err.name}: ${err.message}`),
        ),
      );
    }
  }
  await Promise.all(inFlight);
  return { vantage: config.vantage, rounds, failedProbes, published, publishErrors };
}

/** The CloudWatch datapoints of one round (high resolution: the alarms evaluate 10 s periods). */
export function metricData(vantage: string, round: { at: number; results: readonly ProbeResult[] }) {
  return round.results.flatMap((r) => {
    const dimensions = [
      { Name: DIMENSION_VANTAGE, Value: vantage },
      { Name: DIMENSION_TARGET, Value: r.target },
    ];
    const common = { Dimensions: dimensions, Timestamp: new Date(round.at), StorageResolution: 1 };
    return [
      { ...common, MetricName: METRIC_FAILED, Value: r.ok ? 0 : 1, Unit: 'Count' as const },
      { ...common, MetricName: METRIC_LATENCY, Value: r.latencyMs, Unit: 'Milliseconds' as const },
    ];
  });
}
