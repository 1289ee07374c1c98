import { createHandler, fromApiGatewayEvent, MAX_FORM_BYTES } from '../../functions/approval-callback/handler';
import { requestApproval } from '../../functions/approval-request/approval-request';
import { TransientError } from '../../functions/shared/errors';
import { createLogger } from '../../functions/shared/middleware';
import { fakeLambdaContext } from '../../local/world/approval-server';
import { InMemoryApproverChallenges } from '../../local/approver-state';
import {
  APPROVER,
  APPROVER_SESSION,
  apiGatewayEvent,
  approvalEvent,
  callbackDeps,
  captureOutput,
  challengeOf,
  EXECUTION_ARN,
  FakeApprovalStore,
  form,
  linkParts,
  mailedCode,
  requestDeps,
  TASK_TOKEN,
} from '../support/approval-fixtures';
import { FakeClock } from '../support/virtual-time';

/** A real request issued into a store, and the approval-callback Lambda handler over the same store. */
async function setup(logLevel: 'SILENT' | 'DEBUG' = 'SILENT') {
  const clock = new FakeClock();
  const approvals = new FakeApprovalStore();
  const challenges = new InMemoryApproverChallenges();
  const out = await requestApproval(approvalEvent(), requestDeps({ approvals, clock, challenges }));
  const deps = callbackDeps(approvals, clock, { challenges });
  const handler = createHandler({ ...deps, logger: createLogger('approval-callback', logLevel) });
  const { path, query } = linkParts(out.url);
  const call = (method: string, body: string | null = null, q: Record<string, string> | null = query, base64 = false) =>
    handler(apiGatewayEvent(method, path, q, body, base64), fakeLambdaContext('approval-callback'));
  const record = () => approvals.records.get(out.approvalId)!;
  /** The decision form's fields, with a code asked for through the handler and read from the approver's mailbox. */
  const decideFields = async (extra: Record<string, string> = {}) => {
    const page = await call('POST', form({ csrf: record().csrfToken, step: 'code', approver: APPROVER }));
    const mail = mailedCode(deps.notifier, APPROVER)!;
    return { csrf: record().csrfToken, step: 'decide', challenge: challengeOf(page.body)!, code: mail.code, decision: 'approve', reason: '', ...extra };
  };
  return { out, deps, approvals, call, record, query, decideFields };
}

describe('approval-callback handler through the Middy chain (API Gateway proxy events)', () => {
  it('GET renders the page with status 200 and HTML headers', async () => {
    const s = await setup();
    const res = await s.call('GET');
    expect(res.statusCode).toBe(200);
    expect(res.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('Email me a code');
    expect(res.body).not.toContain('outcome');
  });

  it('HEAD returns no body', async () => {
    const s = await setup();
    const res = await s.call('HEAD');
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
  });

  it('POST of the form decides: 200 and SendTaskSuccess', async () => {
    const s = await setup();
    const res = await s.call('POST', form(await s.decideFields()));
    expect(res.statusCode).toBe(200);
    expect(s.deps.callbacks.calls).toHaveLength(1);
  });

  it('POST with a base64-encoded body (binary media types) is decoded', async () => {
    const s = await setup();
    const body = Buffer.from(form(await s.decideFields())).toString('base64');
    expect((await s.call('POST', body, s.query, true)).statusCode).toBe(200);
  });

  it('a second POST gets 409', async () => {
    const s = await setup();
    const body = form(await s.decideFields());
    await s.call('POST', body);
    expect((await s.call('POST', body)).statusCode).toBe(409);
  });

  it(`a body over ${MAX_FORM_BYTES} bytes gets 413 and decides nothing`, async () => {
    const s = await setup();
    const body = form(await s.decideFields({ reason: 'x'.repeat(MAX_FORM_BYTES) }));
    const res = await s.call('POST', body);
    expect(res.statusCode).toBe(413);
    expect(s.record().status).toBe('PENDING');
  });

  it('a huge query string gets 414', async () => {
    const s = await setup();
    const res = await s.call('GET', null, { ...s.query, pad: 'x'.repeat(5_000) });
    expect(res.statusCode).toBe(414);
  });

  it('malformed percent-encoding in the body is a 4xx, never a 5xx', async () => {
    const s = await setup();
    const res = await s.call('POST', 'csrf=%E0%A4%A&decision=%ZZapprove&approver=%');
    expect(res.statusCode).toBe(403);
    expect(s.record().status).toBe('PENDING');
  });

  it('a request without query parameters gets 400', async () => {
    const s = await setup();
    expect((await s.call('GET', null, null)).statusCode).toBe(400);
  });

  it('an unknown method gets 405', async () => {
    const s = await setup();
    expect((await s.call('PUT')).statusCode).toBe(405);
  });

  it('a failing dependency (not the request) gets 503 with Retry-After and a way back to the form; nothing was decided', async () => {
    const s = await setup();
    s.approvals.failGet = new TransientError('DynamoDB GetItem throttled');
    const res = await s.call('GET');
    expect(res.statusCode).toBe(503);
    expect(res.headers?.['retry-after']).toBe('5');
    expect(res.body).toContain(`id="back" href="?exp=${s.query.exp}&amp;sig=${s.query.sig}"`);
    expect(s.record().status).toBe('PENDING');
  });

  it('POST /decisions carries the caller API Gateway verified (identity.userArn) to the use case; the page routes never do', async () => {
    const s = await setup();
    const event = apiGatewayEvent('POST', '/decisions', null, JSON.stringify({ execution: EXECUTION_ARN, decision: 'approve' }));
    const signed = {
      ...event,
      resource: '/decisions',
      pathParameters: null,
      requestContext: { ...event.requestContext, identity: { ...event.requestContext.identity, userArn: APPROVER_SESSION } },
    };
    expect(fromApiGatewayEvent(signed)).toMatchObject({ path: '/decisions', principalArn: APPROVER_SESSION, form: {} });
    const onPage = apiGatewayEvent('GET', '/approvals/abcdefghijk', { exp: '1', sig: 'x' });
    expect(
      fromApiGatewayEvent({
        ...onPage,
        requestContext: { ...onPage.requestContext, identity: { ...onPage.requestContext.identity, userArn: APPROVER_SESSION } },
      }).principalArn,
    ).toBeUndefined();
    const res = await createHandler({ ...s.deps, logger: createLogger('approval-callback', 'SILENT') })(signed, fakeLambdaContext('approval-callback'));
    expect(res.statusCode).toBe(200);
    expect(s.record()).toMatchObject({ status: 'APPROVED', decidedBy: APPROVER_SESSION });
  });

  it('logs what happened, but never the task token, the signature or the CSRF token', async () => {
    const s = await setup('DEBUG');
    const lines = await captureOutput(async () => {
      await s.call('GET');
      await s.call('POST', form({ decision: 'approve' }));
      await s.call('POST', form(await s.decideFields()));
      s.approvals.failGet = new TransientError('DynamoDB GetItem throttled');
      await s.call('GET');
    });
    const log = lines.join('');
    expect(log).toContain('"outcome":"rendered"');
    expect(log).toContain('"outcome":"csrf"');
    expect(log).toContain('"outcome":"approved"');
    expect(log).toContain('approval request failed');
    for (const secret of [TASK_TOKEN, s.query.sig, s.record().csrfToken]) expect(log).not.toContain(secret);
  });
});

describe('fromApiGatewayEvent', () => {
  it('keeps the path below the stage and the decoded query', () => {
    const req = fromApiGatewayEvent(apiGatewayEvent('GET', '/approvals/abcdefghijk', { exp: '1', sig: 'a+b' }));
    expect(req).toEqual({ method: 'GET', path: '/approvals/abcdefghijk', query: { exp: '1', sig: 'a+b' }, form: {} });
  });

  it('ignores a body on GET', () => {
    expect(fromApiGatewayEvent(apiGatewayEvent('GET', '/approvals/abcdefghijk', null, 'decision=approve')).form).toEqual({});
  });
});
