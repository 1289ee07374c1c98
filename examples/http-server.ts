/**
 * An application API server (plain node:http, part of the protected application, not of the control plane) that
 * honours the region's site state: GET serves in both regions; POST /orders writes only where the region is ACTIVE
 * and gets 503 with Retry-After elsewhere, from the site-state middleware. With Express it is one line:
 * `app.use(siteStateMiddleware(siteState))`.
 *
 *   DR_APPLICATION=orders AWS_REGION=us-west-2 PORT=8080 npx tsx examples/http-server.ts
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createSiteStateClient, type SiteStateClient } from '../integration/site-state';
import { siteStateMiddleware } from '../integration/site-state/middleware';

export interface OrdersServerDeps {
  readonly siteState: Pick<SiteStateClient, 'state' | 'region'>;
  readonly orders: Map<string, unknown>;
  readonly log: (message: string, fields?: Record<string, unknown>) => void;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function route(deps: OrdersServerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (req.method === 'GET' && path === '/health') return send(res, 200, { ok: true, region: deps.siteState.region });
  const m = /^\/orders\/([^/]+)$/.exec(path);
  if (req.method === 'GET' && m) {
    const order = deps.orders.get(decodeURIComponent(m[1]));
    return order ? send(res, 200, order) : send(res, 404, { error: 'not found' });
  }
  if (req.method === 'POST' && path === '/orders') {
    // Only reached when the middleware let the write through: this region is ACTIVE.
    let order: { id?: unknown };
    try {
      order = JSON.parse(await readBody(req)) as { id?: unknown };
    } catch {
      return send(res, 400, { error: 'body must be JSON' });
    }
    if (typeof order.id !== 'string') return send(res, 400, { error: 'order needs a string "id"' });
    deps.orders.set(order.id, order);
    return send(res, 201, { id: order.id, region: deps.siteState.region });
  }
  send(res, 404, { error: 'not found' });
}

export function createOrdersServer(deps: OrdersServerDeps): Server {
  const guard = siteStateMiddleware(deps.siteState, { onRefused: (reading) => deps.log('write refused', { detail: reading.detail }) });
  return createServer((req, res) => {
    // The middleware first, the application's handler as its `next`.
    guard(req, res, (err) => {
      if (err) {
        deps.log('site state middleware failed', { error: String(err) });
        return send(res, 500, { error: 'internal error' });
      }
      route(deps, req, res).catch((e: unknown) => {
        deps.log('request failed', { error: String(e) });
        if (!res.headersSent) send(res, 500, { error: 'internal error' });
      });
    });
  });
}

if (require.main === module) {
  const siteState = createSiteStateClient({ application: process.env.DR_APPLICATION ?? '', region: process.env.AWS_REGION ?? '' });
  const server = createOrdersServer({ siteState, orders: new Map(), log: (message, fields) => console.log(JSON.stringify({ message, ...fields })) });
  server.listen(Number(process.env.PORT ?? 8080), () => console.log(`orders API on ${JSON.stringify(server.address())}, switch ${siteState.parameterName}`));
}
