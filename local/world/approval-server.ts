import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { IncomingMessage } from 'node:http';
import { APPROVAL_RATE_LIMIT } from '../../config/approval-rate-limit';
import { messagePage } from '../../functions/approval-callback/page';
import { close, createServer, listen, trackSockets } from './http';

export type ApiHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** What the drill's server reads of a request body at most; the handler applies the form's own, smaller limit. */
export const MAX_LOCAL_BODY_BYTES = 1_048_576;

/**
 * Reads the body, or undefined when it exceeds `limit`. The excess is still consumed (and dropped), so
 * the client has finished sending when it gets the 413 instead of a reset connection.
 */
async function readAtMost(req: IncomingMessage, limit: number): Promise<string | undefined> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= limit) chunks.push(chunk as Buffer);
  }
  return size > limit ? undefined : Buffer.concat(chunks).toString('utf8');
}

function decodeOrRaw(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    // API Gateway passes a path parameter it cannot decode through as is; the handler then refuses it.
    return s;
  }
}

/**
 * The approval API's per-client rule, as the WAF rate-based rule applies it in AWS (config/approval-rate-limit.ts):
 * at most `requests` per client address in any `windowSeconds`, counted in one-second buckets, refused requests
 * included (so a flood stays refused while it goes on). Each address has its own count: a flood from one client
 * never slows another.
 */
export class ClientRateLimiter {
  private readonly buckets = new Map<string, Map<number, number>>();

  constructor(
    private readonly rule: { readonly requests: number; readonly windowSeconds: number } = APPROVAL_RATE_LIMIT,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Counts a request from `client`; false when it is over the limit and must be refused. */
  allow(client: string): boolean {
    const second = Math.floor(this.now() / 1000);
    const oldest = second - this.rule.windowSeconds + 1;
    const mine = this.buckets.get(client) ?? new Map<number, number>();
    let total = 0;
    for (const [s, n] of mine) {
      if (s < oldest) mine.delete(s);
      else total += n;
    }
    mine.set(second, (mine.get(second) ?? 0) + 1);
    this.buckets.set(client, mine);
    // Forget quiet clients so a scan over many addresses cannot grow the map without bound.
    if (this.buckets.size > 10_000) for (const [c, b] of this.buckets) if (c !== client && [...b.keys()].every((s) => s < oldest)) this.buckets.delete(c);
    return total < this.rule.requests;
  }
}

/** What a refused client gets: the status and page the WAF rule's custom response gives in AWS. */
export const RATE_LIMITED = {
  status: 429,
  headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'retry-after': String(APPROVAL_RATE_LIMIT.windowSeconds) },
  body: messagePage('Too many requests', `Too many requests came from your network address. Wait a minute and reload the link. Nothing was decided.`),
};

/** Turns a plain HTTP request into the REST API proxy event API Gateway would send the Lambda. */
export function toApiGatewayEvent(method: string, rawUrl: string, body: string, headers: Record<string, string>, sourceIp = '127.0.0.1'): APIGatewayProxyEvent {
  // Prefixing keeps a request line like `//evil/x` a path instead of a host.
  const url = new URL(`http://local${rawUrl.startsWith('/') ? '' : '/'}${rawUrl}`);
  const query: Record<string, string> = {};
  url.searchParams.forEach((v, k) => {
    query[k] = v;
  });
  const id = /^\/approvals\/([^/]+)/.exec(url.pathname)?.[1];
  return {
    httpMethod: method,
    path: url.pathname,
    resource: '/approvals/{approvalId}',
    pathParameters: id ? { approvalId: decodeOrRaw(id) } : null,
    queryStringParameters: Object.keys(query).length ? query : null,
    multiValueQueryStringParameters: null,
    headers,
    multiValueHeaders: {},
    body: body || null,
    isBase64Encoded: false,
    stageVariables: null,
    // No userArn: nothing over HTTP is IAM-authorized here, so POST /decisions is refused as unsigned (local/approver.ts calls it in process).
    requestContext: { stage: '$default', httpMethod: method, path: url.pathname, identity: { sourceIp } } as APIGatewayProxyEvent['requestContext'],
  };
}

export function fakeLambdaContext(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: `local-${Math.random().toString(36).slice(2)}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** The approval page on 127.0.0.1, served by the same approval-callback handler as in AWS. */
export class ApprovalServer {
  private server?: Server;
  private sockets = new Set<Socket>();
  url = '';
  readonly requests: Array<{ method: string; path: string; status: number; client: string }> = [];

  constructor(
    private readonly handler: ApiHandler,
    /** The per-client rule; a test may pass its own clock. @default APPROVAL_RATE_LIMIT on the (drill's) clock */
    private readonly limiter = new ClientRateLimiter(),
  ) {}

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      void (async () => {
        const method = req.method ?? 'GET';
        const client = req.socket.remoteAddress ?? 'unknown';
        const path = (req.url ?? '/').split('?')[0];
        if (!this.limiter.allow(client)) {
          // Refused before the body is read or the handler runs, as WAF refuses before API Gateway and Lambda.
          this.requests.push({ method, path, status: RATE_LIMITED.status, client });
          res.writeHead(RATE_LIMITED.status, { ...RATE_LIMITED.headers, connection: 'close' });
          return res.end(method === 'HEAD' ? undefined : RATE_LIMITED.body);
        }
        const body = method === 'POST' ? await readAtMost(req, MAX_LOCAL_BODY_BYTES) : '';
        if (body === undefined) {
          this.requests.push({ method, path, status: 413, client });
          res.writeHead(413, { 'content-type': 'text/plain' });
          return res.end('request too large');
        }
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]));
        const result = await this.handler(toApiGatewayEvent(method, req.url ?? '/', body, headers, client), fakeLambdaContext('approval-callback'));
        this.requests.push({ method, path, status: result.statusCode, client });
        const outHeaders = Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)]));
        res.writeHead(result.statusCode, outHeaders);
        res.end(method === 'HEAD' ? undefined : result.body);
      })().catch((err: Error) => {
        this.requests.push({ method: req.method ?? '?', path: req.url ?? '/', status: 500, client: req.socket.remoteAddress ?? 'unknown' });
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(err.message);
      });
    });
    // A request line or headers over Node's limit: answer 431 and keep reading (discarding) what the client still
    // sends, so it reads the answer instead of a reset connection; then close.
    server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      if (err.code === 'HPE_HEADER_OVERFLOW' && socket.writable) {
        this.requests.push({ method: '?', path: '(too large)', status: 431, client: (socket as import('node:net').Socket).remoteAddress ?? 'unknown' });
        socket.on('data', () => undefined);
        socket.end(
          'HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: 25\r\n\r\nrequest headers too large',
        );
        return;
      }
      socket.destroy();
    });
    this.sockets = trackSockets(server);
    this.server = server;
    this.url = await listen(server);
    return this.url;
  }

  async stop(): Promise<void> {
    if (this.server) await close(this.server, this.sockets);
  }
}
