import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { close, createServer, listen, readBody, trackSockets } from './http';

export type ApiHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** Turns a plain HTTP request into the REST API proxy event API Gateway would send the Lambda. */
export function toApiGatewayEvent(method: string, rawUrl: string, body: string, headers: Record<string, string>): APIGatewayProxyEvent {
  const url = new URL(rawUrl, 'http://local');
  const query: Record<string, string> = {};
  url.searchParams.forEach((v, k) => {
    query[k] = v;
  });
  const id = /^\/approvals\/([^/]+)/.exec(url.pathname)?.[1];
  return {
    httpMethod: method,
    path: url.pathname,
    resource: '/approvals/{approvalId}',
    pathParameters: id ? { approvalId: decodeURIComponent(id) } : null,
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
        let body = '';
        try {
          body = method === 'POST' ? await readBody(req, 16_384) : '';
        } catch {
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
    this.sockets = trackSockets(server);
    this.server = server;
    this.url = await listen(server);
    return this.url;
  }

  async stop(): Promise<void> {
    if (this.server) await close(this.server, this.sockets);
  }
}
