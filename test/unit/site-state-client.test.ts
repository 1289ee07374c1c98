import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createWorker, type Order } from '../../examples/worker';
import { SiteStateClient } from '../../functions/shared/aws/site-state-client';

const ssm = new SSMClient({ region: 'us-west-2' });
const ssmMock = mockClient(ssm);
const NAME = '/dr/orders/site-state/us-west-2';
const answer = (value: string) => ({ Parameter: { Name: NAME, Value: value, Type: 'String' as const } });

const client = (over: Partial<ConstructorParameters<typeof SiteStateClient>[0]> = {}) =>
  new SiteStateClient({ region: 'us-west-2', parameterPrefix: '/dr/orders/site-state/', ssmClient: ssm, maxAgeSeconds: 5, staleIfErrorSeconds: 60, ...over });

beforeEach(() => {
  ssmMock.reset();
  // A fake clock: Powertools' cache and the stale window both read Date.now().
  jest.useFakeTimers({ now: Date.parse('2025-01-02T03:04:05.000Z'), doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
});
afterEach(() => jest.useRealTimers());

describe('SiteStateClient', () => {
  it("reads its own region's parameter and caches it for maxAgeSeconds", async () => {
    ssmMock.on(GetParameterCommand).resolvesOnce(answer('ACTIVE')).resolves(answer('PASSIVE'));
    const c = client();
    await expect(c.read()).resolves.toMatchObject({ state: 'ACTIVE', source: 'ssm' });
    expect(ssmMock).toHaveReceivedCommandWith(GetParameterCommand, { Name: NAME });
    jest.advanceTimersByTime(4_000);
    await expect(c.isActive()).resolves.toBe(true);
    expect(ssmMock).toHaveReceivedCommandTimes(GetParameterCommand, 1);
    // Past maxAge the fence the control plane set is seen.
    jest.advanceTimersByTime(2_000);
    await expect(c.read()).resolves.toMatchObject({ state: 'PASSIVE', source: 'ssm' });
    expect(ssmMock).toHaveReceivedCommandTimes(GetParameterCommand, 2);
  });

  it('reuses the last value for a while when SSM fails, then fails safe to PASSIVE', async () => {
    ssmMock.on(GetParameterCommand).resolvesOnce(answer('ACTIVE')).rejects(Object.assign(new Error('connect ETIMEDOUT'), { name: 'TimeoutError' }));
    const c = client();
    await c.read();
    jest.advanceTimersByTime(30_000);
    await expect(c.read()).resolves.toMatchObject({ state: 'ACTIVE', source: 'stale' });
    jest.advanceTimersByTime(31_000);
    const r = await c.read();
    expect(r).toMatchObject({ state: 'PASSIVE', source: 'fail-safe' });
    expect(r.detail).toMatch(/ETIMEDOUT/);
  });

  it('never guesses ACTIVE: no value yet, or a value that is not ACTIVE/PASSIVE, means PASSIVE', async () => {
    ssmMock.on(GetParameterCommand).resolves(answer('active-ish'));
    await expect(client().read()).resolves.toMatchObject({ state: 'PASSIVE', source: 'fail-safe', detail: expect.stringContaining('"active-ish"') });
  });

  it('whenActive runs the work in an ACTIVE region and the dry run elsewhere', async () => {
    ssmMock.on(GetParameterCommand).resolves(answer('PASSIVE'));
    const work = jest.fn(async () => 'wrote');
    const out = await client({ maxAgeSeconds: 0 }).whenActive(work, (r) => `dry run (${r.state})`);
    expect(out).toBe('dry run (PASSIVE)');
    expect(work).not.toHaveBeenCalled();
  });

  it('refuses bad options, naming them', () => {
    expect(() => client({ region: 'west' })).toThrow(/region must be an AWS region name/);
    expect(() => client({ parameterPrefix: 'dr/x' })).toThrow(/parameterPrefix must start with "\/"/);
    expect(() => client({ maxAgeSeconds: -1 })).toThrow(/maxAgeSeconds/);
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
