import { CloudWatchClient, DescribeAlarmsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { CloudWatchHealthSignals, parseAlarmName, type FetchLike } from '../../../functions/shared/aws/cloudwatch-health-signals';
import { TransientError } from '../../../functions/shared/errors';
import { decideVerdict } from '../../../functions/health-checker/health-checker';
import { awsError, fixedClock } from './fixtures';

const PREFIX = 'orders-dr-';
const cw = mockClient(CloudWatchClient);

function alarm(name: string, state: MetricAlarm['StateValue'], reason = 'Threshold Crossed'): MetricAlarm {
  return { AlarmName: name, StateValue: state, StateReason: reason, StateUpdatedTimestamp: new Date('2025-01-02T03:00:00.000Z') };
}

function signals(fetch?: FetchLike) {
  return new CloudWatchHealthSignals({
    cloudWatch: new CloudWatchClient({ region: 'us-west-2' }),
    alarmNamePrefix: PREFIX,
    globalDomainName: 'api.orders.example.com',
    probeTimeoutMs: 1500,
    fetch,
    clock: fixedClock('2025-01-02T03:04:05.000Z'),
  });
}

beforeEach(() => cw.reset());

describe('parseAlarmName', () => {
  it('reads <prefix><source>--<vantage>--<target>', () => {
    expect(parseAlarmName('orders-dr-canary--us-west-2--us-east-1', PREFIX)).toEqual({ source: 'canary', vantage: 'us-west-2', target: 'us-east-1' });
    expect(parseAlarmName('orders-dr-route53-health-check--global--us-east-1', PREFIX)).toEqual({
      source: 'route53-health-check',
      vantage: 'global',
      target: 'us-east-1',
    });
  });

  it.each([
    'orders-dr-canary--us-west-2',
    'orders-dr-latency--us-west-2--us-east-1',
    'other-canary--us-west-2--us-east-1',
    'orders-dr-canary--us-west-2--us-east-1--extra',
    'orders-dr-canary----us-east-1',
  ])('ignores %s', (name) => {
    expect(parseAlarmName(name, PREFIX)).toBeUndefined();
  });
});

describe('CloudWatchHealthSignals.read', () => {
  it('pages through DescribeAlarms under the prefix and maps alarm states to signals', async () => {
    cw.on(DescribeAlarmsCommand)
      .resolvesOnce({
        MetricAlarms: [
          alarm('orders-dr-canary--us-west-2--us-east-1', 'ALARM', '3 of 3 datapoints breached'),
          alarm('orders-dr-canary--us-east-1--us-west-2', 'OK'),
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        MetricAlarms: [alarm('orders-dr-canary--us-east-1--us-east-1', 'INSUFFICIENT_DATA')],
        CompositeAlarms: [{ AlarmName: 'orders-dr-route53-health-check--global--us-east-1', StateValue: 'ALARM', StateReason: 'health check failing' }],
      });

    const result = await signals().read(['us-east-1', 'us-west-2']);

    expect(cw).toHaveReceivedCommandTimes(DescribeAlarmsCommand, 2);
    expect(cw.commandCalls(DescribeAlarmsCommand)[0].args[0].input).toEqual({
      AlarmNamePrefix: PREFIX,
      AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
      MaxRecords: 100,
    });
    expect(cw).toHaveReceivedNthCommandWith(2, DescribeAlarmsCommand, { AlarmNamePrefix: PREFIX, NextToken: 'page-2' });
    expect(result.map(({ detail: _d, ...s }) => s)).toEqual([
      {
        id: 'canary:us-west-2->us-east-1',
        source: 'canary',
        vantage: 'us-west-2',
        target: 'us-east-1',
        healthy: false,
        state: 'alarm',
        observedAt: '2025-01-02T03:04:05.000Z',
      },
      {
        id: 'canary:us-east-1->us-west-2',
        source: 'canary',
        vantage: 'us-east-1',
        target: 'us-west-2',
        healthy: true,
        state: 'ok',
        observedAt: '2025-01-02T03:04:05.000Z',
      },
      {
        id: 'canary:us-east-1->us-east-1',
        source: 'canary',
        vantage: 'us-east-1',
        target: 'us-east-1',
        healthy: false,
        state: 'no-data',
        observedAt: '2025-01-02T03:04:05.000Z',
      },
      {
        id: 'route53:us-east-1',
        source: 'route53-health-check',
        vantage: 'global',
        target: 'us-east-1',
        healthy: false,
        state: 'alarm',
        observedAt: '2025-01-02T03:04:05.000Z',
      },
    ]);
    expect(result[0].detail).toContain('3 of 3 datapoints breached');
    expect(result[2].detail).toMatch(/no data/);
  });

  it('reports INSUFFICIENT_DATA as no-data, so the verdict can judge silence by where the observer sits', async () => {
    cw.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [
        alarm('orders-dr-canary--us-east-1--us-east-1', 'INSUFFICIENT_DATA'),
        alarm('orders-dr-canary--us-east-1--us-west-2', 'INSUFFICIENT_DATA'),
        alarm('orders-dr-canary--us-west-2--us-east-1', 'ALARM'),
        alarm('orders-dr-canary--us-west-2--us-west-2', 'OK'),
      ],
    });
    const result = await signals().read(['us-east-1', 'us-west-2']);
    expect(result.map((s) => [s.id, s.state])).toEqual([
      ['canary:us-east-1->us-east-1', 'no-data'],
      ['canary:us-east-1->us-west-2', 'no-data'],
      ['canary:us-west-2->us-east-1', 'alarm'],
      ['canary:us-west-2->us-west-2', 'ok'],
    ]);
    // The dark us-east-1 canary counts against us-east-1 (its own region) but never against us-west-2.
    expect(decideVerdict(result, 'us-east-1', 'us-west-2', 2).verdict).toBe('FAILOVER_WARRANTED');
  });

  it('keeps only alarms about the requested regions and skips names off the convention', async () => {
    cw.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [
        alarm('orders-dr-canary--us-west-2--eu-west-1', 'ALARM'),
        alarm('orders-dr-control-plane-errors', 'ALARM'),
        alarm('orders-dr-canary--us-west-2--us-east-1', 'OK'),
      ],
    });
    const result = await signals().read(['us-east-1']);
    expect(result.map((s) => s.id)).toEqual(['canary:us-west-2->us-east-1']);
  });

  it.each([
    ['throttling', awsError('Throttling', { message: 'Rate exceeded' })],
    ['a 5xx', awsError('InternalFailure', { status: 500 })],
  ])('turns %s into TransientError', async (_what, error) => {
    cw.on(DescribeAlarmsCommand).rejects(error);
    await expect(signals().read(['us-east-1'])).rejects.toBeInstanceOf(TransientError);
  });

  it('lets a permanent error through as it is', async () => {
    const denied = awsError('AccessDenied', { status: 403 });
    cw.on(DescribeAlarmsCommand).rejects(denied);
    await expect(signals().read(['us-east-1'])).rejects.toBe(denied);
  });
});

describe('CloudWatchHealthSignals.probeGlobal', () => {
  it('GETs https://<global name>/health once per attempt, fresh connection, with a timeout signal', async () => {
    const fetch = jest.fn<ReturnType<FetchLike>, Parameters<FetchLike>>(
      async () => new Response('{}', { status: 200, headers: { 'x-served-by-region': 'us-west-2' } }),
    );
    const result = await signals(fetch).probeGlobal(3);
    expect(fetch).toHaveBeenCalledTimes(3);
    const [url, init] = fetch.mock.calls[0];
    expect(url).toBe('https://api.orders.example.com/health');
    expect(init.method).toBe('GET');
    expect(init.headers.connection).toBe('close');
    expect(init.signal).toBeInstanceOf(AbortSignal);
    expect(result).toEqual(Array(3).fill({ ok: true, servedBy: 'us-west-2', detail: 'GET https://api.orders.example.com/health -> 200 from us-west-2' }));
  });

  it('reads the region from the JSON body when there is no header', async () => {
    const fetch: FetchLike = async () => new Response(JSON.stringify({ status: 'ok', region: 'us-east-1' }), { status: 200 });
    expect(await signals(fetch).probeGlobal(1)).toEqual([expect.objectContaining({ ok: true, servedBy: 'us-east-1' })]);
  });

  it('reports a 2xx that names no region as ok with servedBy null', async () => {
    const fetch: FetchLike = async () => new Response('fine', { status: 200 });
    const [probe] = await signals(fetch).probeGlobal(1);
    expect(probe.ok).toBe(true);
    expect(probe.servedBy).toBeNull();
    expect(probe.detail).toMatch(/x-served-by-region/);
  });

  it('reports an error status, a timeout and a network failure as failed probes', async () => {
    const outcomes: Array<() => Promise<Response>> = [
      async () => new Response('down', { status: 503, headers: { 'x-served-by-region': 'us-east-1' } }),
      async () => {
        throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
      },
      async () => {
        throw new TypeError('fetch failed');
      },
    ];
    const fetch: FetchLike = () => outcomes.shift()!();
    const result = await signals(fetch).probeGlobal(3);
    expect(result.map((p) => [p.ok, p.servedBy])).toEqual([
      [false, null],
      [false, null],
      [false, null],
    ]);
    expect(result[0].detail).toMatch(/503/);
    expect(result[1].detail).toMatch(/timed out after 1500 ms/);
    expect(result[2].detail).toMatch(/fetch failed/);
  });
});
