import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createWorker, type Order } from '../../examples/worker';
import { siteStateParameterPrefix } from '../../config/resource-names';
import { createSiteStateClient, type SiteStateClientOptions, siteStateParameterName } from '../../integration/site-state';

const ssm = new SSMClient({ region: 'us-west-2' });
const ssmMock = mockClient(ssm);
const NAME = '/dr/orders/site-state/us-west-2';
const answer = (value: string) => ({ Parameter: { Name: NAME, Value: value, Type: 'String' as const } });
const timeout = () => Object.assign(new Error('connect ETIMEDOUT'), { name: 'TimeoutError' });

// A fake clock the client reads through its `clock` option: time moves only when a test moves it.
let now = Date.parse('2026-01-02T03:04:05.000Z');
const advance = (ms: number) => {
  now += ms;
};
const client = (over: Partial<SiteStateClientOptions> = {}) =>
  createSiteStateClient({ application: 'orders', region: 'us-west-2', ssm, maxAgeSeconds: 5, staleIfErrorSeconds: 60, clock: () => now, ...over });

beforeEach(() => {
  ssmMock.reset();
  now = Date.parse('2026-01-02T03:04:05.000Z');
});

describe('createSiteStateClient', () => {
  it("reads its own region's switch, named as the stack names it", async () => {
    ssmMock.on(GetParameterCommand).resolves(answer('ACTIVE'));
    const c = client();
    expect(c.parameterName).toBe(NAME);
    expect(siteStateParameterName('orders', 'us-west-2')).toBe(NAME);
    // The package cannot import infra/ (a lint rule), so this pins the two to the same pattern.
    expect(siteStateParameterName('orders', 'us-west-2')).toBe(`${siteStateParameterPrefix('orders')}/us-west-2`);
    await expect(c.state()).resolves.toMatchObject({ state: 'ACTIVE', source: 'ssm' });
    expect(ssmMock).toHaveReceivedCommandWith(GetParameterCommand, { Name: NAME });
  });

  it('ACTIVE can write; PASSIVE cannot', async () => {
    ssmMock.on(GetParameterCommand).resolvesOnce(answer('ACTIVE')).resolves(answer('PASSIVE'));
    await expect(client().canWrite()).resolves.toBe(true);
    await expect(client().canWrite()).resolves.toBe(false);
  });

  it('caches a value for maxAgeSeconds: one SSM call, then the fence is seen once the cache expires', async () => {
    ssmMock.on(GetParameterCommand).resolvesOnce(answer('ACTIVE')).resolves(answer('PASSIVE'));
    const c = client();
    await expect(c.canWrite()).resolves.toBe(true);
    advance(4_999);
    await expect(c.state()).resolves.toMatchObject({ state: 'ACTIVE', source: 'cache' });
    await expect(c.canWrite()).resolves.toBe(true);
    expect(ssmMock).toHaveReceivedCommandTimes(GetParameterCommand, 1);
    advance(1);
    await expect(c.state()).resolves.toMatchObject({ state: 'PASSIVE', source: 'ssm' });
    expect(ssmMock).toHaveReceivedCommandTimes(GetParameterCommand, 2);
  });

  it('maxAgeSeconds 0 asks SSM every time', async () => {
    ssmMock.on(GetParameterCommand).resolves(answer('ACTIVE'));
    const c = client({ maxAgeSeconds: 0 });
    await c.state();
    await c.state();
    expect(ssmMock).toHaveReceivedCommandTimes(GetParameterCommand, 2);
  });

  it('concurrent callers share one SSM call', async () => {
    ssmMock.on(GetParameterCommand).resolves(answer('ACTIVE'));
    const c = client();
    await expect(Promise.all([c.canWrite(), c.canWrite(), c.canWrite()])).resolves.toEqual([true, true, true]);
    expect(ssmMock).toHaveReceivedCommandTimes(GetParameterCommand, 1);
  });

  it('keeps the last value while SSM fails within staleIfErrorSeconds of the last good read, then refuses writes', async () => {
    ssmMock.on(GetParameterCommand).resolvesOnce(answer('ACTIVE')).rejects(timeout());
    const c = client();
    await expect(c.canWrite()).resolves.toBe(true);
    advance(30_000);
    await expect(c.state()).resolves.toMatchObject({ state: 'ACTIVE', source: 'stale' });
    advance(30_000); // exactly 60 s after the last good read: still trusted
    await expect(c.canWrite()).resolves.toBe(true);
    advance(1);
    const r = await c.state();
    expect(r).toMatchObject({ state: 'PASSIVE', source: 'fail-safe' });
    expect(r.detail).toMatch(/ETIMEDOUT/);
    await expect(c.canWrite()).resolves.toBe(false);
    // A failed read is not cached: every call past maxAge asks SSM again, so recovery is seen at once.
    expect(ssmMock).toHaveReceivedCommandTimes(GetParameterCommand, 5);
    ssmMock.on(GetParameterCommand).resolves(answer('ACTIVE'));
    await expect(c.canWrite()).resolves.toBe(true);
  });

  it('a stale PASSIVE stays PASSIVE', async () => {
    ssmMock.on(GetParameterCommand).resolvesOnce(answer('PASSIVE')).rejects(timeout());
    const c = client();
    await c.state();
    advance(10_000);
    await expect(c.state()).resolves.toMatchObject({ state: 'PASSIVE', source: 'stale' });
  });

  it('never guesses ACTIVE: no value yet, or a value that is not ACTIVE/PASSIVE, means PASSIVE', async () => {
    ssmMock.on(GetParameterCommand).rejectsOnce(timeout()).resolves(answer('active-ish'));
    await expect(client().state()).resolves.toMatchObject({ state: 'PASSIVE', source: 'fail-safe', detail: expect.stringContaining('no value was ever read') });
    await expect(client().state()).resolves.toMatchObject({ state: 'PASSIVE', source: 'fail-safe', detail: expect.stringContaining('"active-ish"') });
  });

  it('refuses bad options, naming them', () => {
    expect(() => client({ region: 'west' })).toThrow(/region must be an AWS region name/);
    expect(() => client({ application: '' })).toThrow(/application must be/);
    expect(() => client({ maxAgeSeconds: -1 })).toThrow(/maxAgeSeconds/);
    expect(() => client({ staleIfErrorSeconds: 1.5 })).toThrow(/staleIfErrorSeconds/);
  });
});

describe('examples/worker.ts', () => {
  const event = (...orders: Array<Order | string>): SQSEvent =>
    ({ Records: orders.map((o, i) => ({ messageId: `m${i}`, body: typeof o === 'string' ? o : JSON.stringify(o) })) }) as unknown as SQSEvent;

  it('writes in an ACTIVE region; in a PASSIVE one it dry-runs and returns every message to the queue', async () => {
    ssmMock.on(GetParameterCommand).resolvesOnce(answer('ACTIVE')).resolves(answer('PASSIVE'));
    const saved: string[] = [];
    const logs: string[] = [];
    const worker = createWorker({ siteState: client({ maxAgeSeconds: 0 }), saveOrder: async (o) => void saved.push(o.id), log: (m) => void logs.push(m) });
    await expect(worker(event({ id: 'a', total: 1 }))).resolves.toEqual({ batchItemFailures: [] });
    expect(saved).toEqual(['a']);
    await expect(worker(event({ id: 'b', total: 2 }, 'not json'))).resolves.toEqual({ batchItemFailures: [{ itemIdentifier: 'm0' }] });
    expect(saved).toEqual(['a']);
    expect(logs).toEqual(['dry run: region is PASSIVE, not writing', 'rejected malformed order']);
  });
});
