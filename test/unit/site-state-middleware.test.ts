import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import type { SiteStateReading } from '../../integration/site-state';
import { siteStateMiddleware } from '../../integration/site-state/middleware';
import { createOrdersServer } from '../../examples/http-server';

/** A site-state client that answers what the test says, counting the reads. */
function fakeClient(reading: SiteStateReading) {
  const fake = {
    region: 'us-west-2',
    reads: 0,
    reading,
    state: async () => {
      fake.reads++;
      return fake.reading;
    },
  };
  return fake;
}
const ACTIVE: SiteStateReading = { state: 'ACTIVE', source: 'ssm', detail: '/dr/orders/site-state/us-west-2 = ACTIVE' };
const PASSIVE: SiteStateReading = { state: 'PASSIVE', source: 'ssm', detail: '/dr/orders/site-state/us-west-2 = PASSIVE' };
const UNKNOWN: SiteStateReading = { state: 'PASSIVE', source: 'fail-safe', detail: 'SSM read failed (ETIMEDOUT) and no value was ever read' };

/** Starts `server` on 127.0.0.1, an OS-chosen port; closed after each test. */
let open: Server | undefined;
async function listen(server: Server): Promise<string> {
  open = server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
afterEach(async () => {
  await new Promise<void>((resolve) => (open ? open.close(() => resolve()) : resolve()));
  open = undefined;
});

/** A bare node:http server: the middleware, then a handler that answers 200 with the method it served. */
function guarded(client: ReturnType<typeof fakeClient>, opts?: Parameters<typeof siteStateMiddleware>[1]): Server {
  const mw = siteStateMiddleware(client, opts);
  return createServer((req, res) => mw(req, res, () => res.end(JSON.stringify({ served: req.method }))));
}

describe('siteStateMiddleware', () => {
  it('refuses a write in a PASSIVE region: 503, Retry-After and a JSON body; the handler never runs', async () => {
    const refused: SiteStateReading[] = [];
    const url = await listen(guarded(fakeClient(PASSIVE), { onRefused: (r) => void refused.push(r) }));
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const res = await fetch(`${url}/orders`, { method, body: method === 'DELETE' ? undefined : '{}' });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('30');
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      await expect(res.json()).resolves.toEqual({
        error: 'region-passive',
        message: expect.stringContaining('us-west-2 is PASSIVE'),
        region: 'us-west-2',
        retryAfterSeconds: 30,
      });
    }
    expect(refused).toHaveLength(4);
  });

  it('passes reads in a PASSIVE region without reading the site state', async () => {
    const client = fakeClient(PASSIVE);
    const url = await listen(guarded(client));
    const res = await fetch(`${url}/orders/a`);
    expect(res.status).toBe(200);
    await expect(res.json()).resolves.toEqual({ served: 'GET' });
    expect((await fetch(url, { method: 'HEAD' })).status).toBe(200);
    expect(client.reads).toBe(0);
  });

  it('passes writes in an ACTIVE region', async () => {
    const url = await listen(guarded(fakeClient(ACTIVE)));
    const res = await fetch(`${url}/orders`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(200);
    await expect(res.json()).resolves.toEqual({ served: 'POST' });
  });

  it('refuses writes when the state could not be read past the fail-safe window, saying so', async () => {
    const url = await listen(guarded(fakeClient(UNKNOWN), { retryAfterSeconds: 5 }));
    const res = await fetch(`${url}/orders`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ error: 'site-state-unavailable', region: 'us-west-2' });
    // The internal detail (parameter name, SSM error) goes to onRefused, not to clients.
    expect(JSON.stringify(body)).not.toMatch(/ETIMEDOUT|\/dr\//);
  });

  it('hands a client that rejects to next(err), never to the write', async () => {
    const mw = siteStateMiddleware({ region: 'us-west-2', state: () => Promise.reject(new Error('boom')) });
    const server = createServer((req, res) =>
      mw(req, res, (err) => {
        res.statusCode = err ? 500 : 200;
        res.end(err ? 'error' : 'wrote');
      }),
    );
    const url = await listen(server);
    const res = await fetch(`${url}/orders`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(500);
    await expect(res.text()).resolves.toBe('error');
  });

  it('refuses bad options', () => {
    expect(() => siteStateMiddleware(fakeClient(ACTIVE), { retryAfterSeconds: -1 })).toThrow(/retryAfterSeconds/);
  });
});

describe('examples/http-server.ts', () => {
  it('writes an order where ACTIVE; once fenced, refuses writes and still serves reads', async () => {
    const client = fakeClient(ACTIVE);
    const logs: string[] = [];
    const url = await listen(createOrdersServer({ siteState: client, orders: new Map(), log: (m) => void logs.push(m) }));
    const created = await fetch(`${url}/orders`, { method: 'POST', body: JSON.stringify({ id: 'a' }) });
    expect(created.status).toBe(201);
    await expect(created.json()).resolves.toEqual({ id: 'a', region: 'us-west-2' });
    client.reading = PASSIVE;
    const refused = await fetch(`${url}/orders`, { method: 'POST', body: JSON.stringify({ id: 'b' }) });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('30');
    await refused.text();
    expect((await fetch(`${url}/orders/a`)).status).toBe(200);
    expect((await fetch(`${url}/orders/b`)).status).toBe(404);
    expect(logs).toEqual(['write refused']);
  });
});
