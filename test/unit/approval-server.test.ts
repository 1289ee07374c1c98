import { request as httpRequest } from 'node:http';
import { createHandler } from '../../functions/approval-callback/handler';
import { requestApproval } from '../../functions/approval-request/approval-request';
import { createLogger } from '../../functions/shared/middleware';
import { ApprovalServer, MAX_LOCAL_BODY_BYTES, toApiGatewayEvent } from '../../local/world/approval-server';
import { httpCall } from '../../local/world/http';
import { InMemoryApproverChallenges } from '../../local/approver-state';
import { ClientRateLimiter } from '../../local/world/approval-server';
import { APPROVER, approvalEvent, callbackDeps, challengeOf, FakeApprovalStore, form, mailedCode, requestDeps } from '../support/approval-fixtures';
import { FakeClock } from '../support/virtual-time';

/** Sends a raw request line, so paths that URL parsers would normalise reach the server as written. */
function raw(base: string, method: string, path: string, body?: string): Promise<{ status: number; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: u.hostname,
        port: u.port,
        method,
        path,
        agent: false,
        headers: { connection: 'close', ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

describe('the drill approval server (API Gateway event adapter on 127.0.0.1)', () => {
  let server: ApprovalServer;
  let approvals: FakeApprovalStore;
  let url: string;
  let path: string;
  let deps: ReturnType<typeof callbackDeps>;

  beforeEach(async () => {
    const clock = new FakeClock();
    approvals = new FakeApprovalStore();
    const challenges = new InMemoryApproverChallenges();
    deps = callbackDeps(approvals, clock, { challenges });
    server = new ApprovalServer(createHandler({ ...deps, logger: createLogger('approval-callback', 'SILENT') }));
    const base = await server.start();
    url = (await requestApproval(approvalEvent(), requestDeps({ approvals, clock, challenges, approvalBaseUrl: base }))).url;
    path = new URL(url).pathname + new URL(url).search;
  });
  afterEach(() => server.stop());

  const record = () => [...approvals.records.values()][0];

  it('serves the page on GET and decides on POST through the same handler', async () => {
    expect((await httpCall(url)).status).toBe(200);
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    const page = await httpCall(url, { method: 'POST', body: form({ csrf: record().csrfToken, step: 'code', approver: APPROVER }), headers });
    const code = mailedCode(deps.notifier, APPROVER)!.code;
    const fields = { csrf: record().csrfToken, step: 'decide', challenge: challengeOf(page.body)!, code, decision: 'approve', reason: '' };
    const res = await httpCall(url, { method: 'POST', body: form(fields), headers });
    expect(res.status).toBe(200);
    expect(record().status).toBe('APPROVED');
  });

  it('sends no body for HEAD', async () => {
    const res = await raw(server.url, 'HEAD', path);
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
  });

  it('answers malformed percent-encoding in the path with a 4xx page, not a 500', async () => {
    const res = await raw(server.url, 'GET', `/approvals/%E0%A4%A${path.slice(path.indexOf('?'))}`);
    expect(res.status).toBe(404);
    expect(server.requests.some((r) => r.status >= 500)).toBe(false);
  });

  it('treats a request line starting with // as a path, not a host', async () => {
    const res = await raw(server.url, 'GET', `//evil.example.com${path}`);
    expect(res.status).toBe(404);
    expect(toApiGatewayEvent('GET', '//evil.example.com/approvals/x', '', {}).path).toBe('//evil.example.com/approvals/x');
  });

  it('answers a huge query string with a 4xx', async () => {
    const res = await raw(server.url, 'GET', `${path}&pad=${'x'.repeat(10_000)}`);
    expect(res.status).toBe(414);
    const tooBig = await raw(server.url, 'GET', `${path}&pad=${'x'.repeat(70_000)}`);
    expect(tooBig.status).toBe(431);
  });

  it('answers a large form with 413 from the handler, and an enormous one with 413 from the server', async () => {
    expect((await raw(server.url, 'POST', path, `reason=${'x'.repeat(20_000)}`)).status).toBe(413);
    expect((await raw(server.url, 'POST', path, `reason=${'x'.repeat(MAX_LOCAL_BODY_BYTES + 1)}`)).status).toBe(413);
    expect(record().status).toBe('PENDING');
  });

  it('answers an unknown method with 405', async () => {
    expect((await raw(server.url, 'DELETE', path)).status).toBe(405);
    expect(record().status).toBe('PENDING');
  });

  it('POST /decisions over HTTP is refused: nothing a client sends carries an IAM identity', async () => {
    const res = await httpCall(`${server.url}/decisions`, {
      method: 'POST',
      body: JSON.stringify({ execution: 'arn:aws:states:us-west-2:111122223333:execution:failover:inc42', decision: 'approve' }),
      headers: { 'content-type': 'application/json', 'x-amzn-iam-user-arn': 'arn:aws:sts::1:assumed-role/x/y' },
    });
    expect(res.status).toBe(403);
    expect(record().status).toBe('PENDING');
  });
});

describe('ClientRateLimiter (the WAF rule, locally)', () => {
  it('counts each client on its own: a flood from one address never refuses another', () => {
    let now = 1_000_000;
    const limiter = new ClientRateLimiter({ requests: 60, windowSeconds: 60 }, () => now);
    const flood = Array.from({ length: 200 }, () => limiter.allow('10.0.0.1'));
    expect(flood.filter(Boolean)).toHaveLength(60);
    expect(limiter.allow('10.0.0.2')).toBe(true);
    // The flood keeps counting while it goes on, and is let through again once a whole window is quiet.
    now += 59_000;
    expect(limiter.allow('10.0.0.1')).toBe(false);
    now += 61_000;
    expect(limiter.allow('10.0.0.1')).toBe(true);
  });
});
