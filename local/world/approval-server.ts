import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { IncomingMessage } from 'node:http';
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

/** Turns a plain HTTP request into the REST API proxy event API Gateway would send the Lambda. */
export function toApiGatewayEvent(method: string, rawUrl: string, body: string, headers: Record<string, string>): APIGatewayProxyEvent {
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
    requestContext: { stage: '$default', httpMethod: method, path: url.pathname } as APIGatewayProxyEvent['requestContext'],
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
  readonly requests: Array<{ method: string; path: string; status: number }> = [];

  constructor(private readonly handler: ApiHandler) {}

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      void (async () => {
        const method = req.method ?? 'GET';
        const body = method === 'POST' ? await readAtMost(req, MAX_LOCAL_BODY_BYTES) : '';
        if (body === undefined) {
          this.requests.push({ method, path: (req.url ?? '/').split('?')[0], status: 413 });
          res.writeHead(413, { 'content-type': 'text/plain' });
          return res.end('request too large');
        }
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]));
        const result = await this.handler(toApiGatewayEvent(method, req.url ?? '/', body, headers), fakeLambdaContext('approval-callback'));
        this.requests.push({ method, path: (req.url ?? '/').split('?')[0], status: result.statusCode });
        const outHeaders = Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)]));
        res.writeHead(result.statusCode, outHeaders);
        res.end(method === 'HEAD' ? undefined : result.body);
      })().catch((err: Error) => {
        this.requests.push({ method: req.method ?? '?', path: req.url ?? '/', status: 500 });
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(err.message);
      });
    });
    // A request line or headers over Node's limit: answer 431 and keep reading (discarding) what the client still
    // sends, so it reads the answer instead of a reset connection; then close.
    server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      if (err.code === 'HPE_HEADER_OVERFLOW' && socket.writable) {
        this.requests.push({ method: '?', path: '(too large)', status: 431 });
        socket.on('data', () => undefined);
        socket.end('HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: 25\r\n\r\nrequest headers too large');
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
