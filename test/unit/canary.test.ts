import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { runInNewContext } from 'node:vm';
import { metricData, parseCanaryConfig, runCanary, type CanaryConfig, type CanaryFetch } from '../../functions/canary/probe-loop';
import { bundleCanary } from '../../infra/constructs/detection';

const base: CanaryConfig = {
  vantage: 'us-west-2',
  targets: [
    { name: 'us-east-1', url: 'https://use1.example.com/health' },
    { name: 'us-west-2', url: 'https://usw2.example.com/health' },
    { name: 'global', url: 'https://api.example.com/health' },
  ],
  intervalSeconds: 10,
  timeoutMs: 2000,
  runSeconds: 55,
  namespace: 'orders-dr/Detection',
  metricRegions: ['us-east-1', 'us-west-2'],
};

/** A clock that only moves when the loop sleeps or a probe "takes" time. */
function fakeTime(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('runCanary', () => {
  it('probes every target every interval for most of the minute, on a fixed grid even when probes are slow', async () => {
    const time = fakeTime();
    const rounds: Array<{ region: string; at: number; failed: string[] }> = [];
    const fetch: CanaryFetch = async (url) => {
      time.advance(1_500); // slow answers must not shift the next round
      if (url.includes('use1')) throw Object.assign(new Error('connect ECONNREFUSED'), { name: 'TypeError' });
      return { status: url.includes('api.') ? 503 : 200, text: async () => '{}' };
    };
    const summary = await runCanary(base, {
      fetch,
      now: time.now,
      sleep: time.sleep,
      publish: async (region, round) => void rounds.push({ region, at: round.at, failed: round.results.filter((r) => !r.ok).map((r) => r.target) }),
    });
    expect(summary.rounds).toBe(6);
    const starts = rounds.filter((r) => r.region === 'us-west-2').map((r) => r.at - 1_000_000);
    expect(starts).toEqual([0, 10_000, 20_000, 30_000, 40_000, 50_000]);
    expect(rounds.every((r) => r.failed.sort().join() === 'global,us-east-1')).toBe(true);
    expect(summary.failedProbes).toEqual({ 'us-east-1': 6, 'us-west-2': 0, global: 6 });
    expect(summary.published).toEqual({ 'us-east-1': 6, 'us-west-2': 6 });
  });

  it('a region that cannot take datapoints (dark) fails alone; the other still gets every round', async () => {
    const time = fakeTime();
    const summary = await runCanary(
      { ...base, runSeconds: 30 },
      {
        fetch: async () => ({ status: 200, text: async () => 'ok' }),
        now: time.now,
        sleep: time.sleep,
        publish: async (region) => {
          if (region === 'us-east-1') throw Object.assign(new Error('connect timeout'), { name: 'TimeoutError' });
        },
      },
    );
    expect(summary.published).toEqual({ 'us-east-1': 0, 'us-west-2': 3 });
    expect(summary.publishErrors['us-east-1']).toHaveLength(3);
    expect(summary.publishErrors['us-east-1'][0]).toContain('TimeoutError: connect timeout');
  });

  it('a probe without an answer in time is a failure, reported as such', async () => {
    const time = fakeTime();
    const seen: string[] = [];
    await runCanary(
      { ...base, runSeconds: 1, timeoutMs: 150 },
      {
        // Waits for the abort signal the probe must pass: no answer at all.
        fetch: (_url, init) =>
          new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'TimeoutError' })))),
        now: time.now,
        sleep: time.sleep,
        publish: async (_r, round) => void seen.push(...round.results.map((r) => `${r.target}:${r.ok}:${r.detail}`)),
      },
    );
    expect(seen).toContain('us-east-1:false:no answer within 150 ms');
  });
});

describe('metricData and parseCanaryConfig', () => {
  it('one high-resolution ProbeFailed (0/1) and ProbeLatency per target, dimensioned by vantage and target', () => {
    const data = metricData('us-west-2', { at: 5_000, results: [{ target: 'us-east-1', ok: false, status: null, latencyMs: 2000, detail: 'x' }] });
    expect(data).toEqual([
      {
        MetricName: 'ProbeFailed',
        Value: 1,
        Unit: 'Count',
        StorageResolution: 1,
        Timestamp: new Date(5_000),
        Dimensions: [
          { Name: 'Vantage', Value: 'us-west-2' },
          { Name: 'Target', Value: 'us-east-1' },
        ],
      },
      {
        MetricName: 'ProbeLatency',
        Value: 2000,
        Unit: 'Milliseconds',
        StorageResolution: 1,
        Timestamp: new Date(5_000),
        Dimensions: [
          { Name: 'Vantage', Value: 'us-west-2' },
          { Name: 'Target', Value: 'us-east-1' },
        ],
      },
    ]);
  });

  it.each([
    ['unset', undefined, 'CANARY_CONFIG is not set'],
    ['not JSON', '{', 'not valid JSON'],
    ['no targets', JSON.stringify({ ...base, targets: [] }), 'CANARY_CONFIG.targets must be a non-empty array'],
    ['bad URL', JSON.stringify({ ...base, targets: [{ name: 'x', url: 'ftp://x' }] }), 'CANARY_CONFIG.targets[0].url must be an http(s) URL'],
    ['zero interval', JSON.stringify({ ...base, intervalSeconds: 0 }), 'CANARY_CONFIG.intervalSeconds must be a number from 1 to 60'],
    ['no metric regions', JSON.stringify({ ...base, metricRegions: [] }), 'CANARY_CONFIG.metricRegions'],
  ])('rejects bad configuration naming the field: %s', (_label, raw, message) => {
    expect(() => parseCanaryConfig(raw)).toThrow(message);
  });
});

describe('the bundled canary script (what the Synthetics canary runs)', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      res.writeHead(req.url === '/broken' ? 500 : 200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('exports index.handler, needs only the runtime SDK, probes and publishes a datapoint per target to each region', async () => {
    const script = bundleCanary(resolve(__dirname, '..', '..', 'functions', 'canary', 'handler.ts'));
    const sent: Array<{
      region: string;
      input: { Namespace: string; MetricData: Array<{ MetricName: string; Value: number; Dimensions: Array<{ Value: string }> }> };
    }> = [];
    class CloudWatchClient {
      constructor(private readonly cfg: { region: string }) {}
      async send(cmd: { input: (typeof sent)[number]['input'] }) {
        sent.push({ region: this.cfg.region, input: cmd.input });
        return {};
      }
    }
    class PutMetricDataCommand {
      constructor(readonly input: unknown) {}
    }
    const required: string[] = [];
    const module = { exports: {} as { handler?: () => Promise<unknown> } };
    const config = {
      ...base,
      targets: [
        { name: 'us-east-1', url: `${url}/health` },
        { name: 'global', url: `${url}/broken` },
      ],
      runSeconds: 1,
      timeoutMs: 2000,
    };
    runInNewContext(script, {
      module,
      exports: module.exports,
      require: (id: string) => {
        required.push(id);
        if (id === '@aws-sdk/client-cloudwatch') return { CloudWatchClient, PutMetricDataCommand };
        throw new Error(`unexpected require ${id}`);
      },
      process: { env: { CANARY_CONFIG: JSON.stringify(config) } },
      console: { log: () => undefined },
      fetch,
      AbortSignal,
      setTimeout,
      Date,
      JSON,
      Promise,
      Error,
    });
    expect(typeof module.exports.handler).toBe('function');
    await expect(module.exports.handler!()).resolves.toMatchObject({ rounds: 1, failedProbes: { 'us-east-1': 0, global: 1 } });
    expect(required).toEqual(['@aws-sdk/client-cloudwatch']);
    expect(sent.map((s) => s.region).sort()).toEqual(['us-east-1', 'us-west-2']);
    const failed = sent[0].input.MetricData.filter((m) => m.MetricName === 'ProbeFailed').map((m) => [m.Dimensions[1].Value, m.Value]);
    expect(failed).toEqual([
      ['us-east-1', 0],
      ['global', 1],
    ]);
    expect(sent[0].input.Namespace).toBe('orders-dr/Detection');
  });
});
