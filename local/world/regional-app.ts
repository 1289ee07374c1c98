import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { SiteStateValue } from '../../functions/shared/ports';
import { close, createServer, listen, readBody, sendJson, trackSockets } from './http';
import type { DataPlane } from './data-plane';

export type AppFault = 'none' | 'down' | 'slow' | 'errors';

/**
 * One region's application: `/health` for canaries and health checks, `/orders` for clients.
 * Its site state is the region's write gate (what SSM holds in AWS): a PASSIVE region refuses writes.
 */
export class RegionalApp {
  private server?: Server;
  private sockets = new Set<Socket>();
  url = '';
  fault: AppFault = 'none';
  /** How long a `slow` region takes to answer (real ms). */
  slowMs = 3_000;
  requests = 0;

  constructor(
    readonly region: string,
    private siteStateValue: SiteStateValue,
    private readonly data: DataPlane,
  ) {}

  get siteState(): SiteStateValue {
    return this.siteStateValue;
  }

  /** The SSM parameter in this region: unreachable while the region is down. */
  readSiteState(): SiteStateValue {
    if (this.fault === 'down') throw new Error(`${this.region} unreachable (connection refused)`);
    return this.siteStateValue;
  }

  writeSiteState(value: SiteStateValue): void {
    if (this.fault === 'down') throw new Error(`${this.region} unreachable (connection refused)`);
    this.siteStateValue = value;
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      this.requests++;
      void this.route(req, res).catch((err: Error) => {
        if (!res.headersSent) sendJson(res, 500, { error: err.message });
      });
    });
    // A region that is down drops connections at once, as an unreachable load balancer does.
    server.on('connection', (socket) => {
      if (this.fault === 'down') socket.destroy();
    });
    this.sockets = trackSockets(server);
    this.server = server;
    this.url = await listen(server);
    return this.url;
  }

  private async route(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    if (this.fault === 'down') {
      req.socket.destroy();
      return;
    }
    if (this.fault === 'slow') await new Promise((r) => setTimeout(r, this.slowMs));
    if (this.fault === 'errors') return sendJson(res, 503, { error: 'internal error' }, { 'x-served-by-region': this.region });
    const headers = { 'x-served-by-region': this.region };
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET' && url.pathname === '/health') {
      return sendJson(res, 200, { ok: true, region: this.region, siteState: this.siteStateValue }, headers);
    }
    if (req.method === 'POST' && url.pathname === '/orders') {
      const body = JSON.parse((await readBody(req)) || '{}') as { id?: string };
      if (!body.id) return sendJson(res, 400, { error: 'id required' }, headers);
      if (this.siteStateValue !== 'ACTIVE') return sendJson(res, 503, { error: `${this.region} is PASSIVE: writes are fenced` }, headers);
      const refused = this.data.write(this.region, body.id, JSON.stringify(body));
      if (refused) return sendJson(res, 503, { error: refused }, headers);
      return sendJson(res, 201, { id: body.id, region: this.region }, headers);
    }
    const m = /^\/orders\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && m) {
      const item = this.data.read(this.region, decodeURIComponent(m[1]));
      return item ? sendJson(res, 200, item, headers) : sendJson(res, 404, { error: 'not found' }, headers);
    }
    return sendJson(res, 404, { error: 'not found' }, headers);
  }

  async stop(): Promise<void> {
    if (this.server) await close(this.server, this.sockets);
  }
}
