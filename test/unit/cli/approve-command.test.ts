import { DescribeExecutionCommand, ExecutionDoesNotExist, ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { AwsClients } from '../../../cli/aws/clients';
import { signedFetch, type SignedFetch } from '../../../cli/aws/signed-fetch';
import { run } from '../../../cli/main';
import { EAST, WEST, ACCOUNT, shopConfigInput } from '../../support/shop-config';
import { drctlFolder } from '../../support/drctl';

const input = shopConfigInput;
const NAME = 'shop-us-east-1-20261122T030000Z';
const smArn = (region: string, wf: string) => `arn:aws:states:${region}:${ACCOUNT}:stateMachine:shop-dr-${wf}`;
const EXECUTION = `arn:aws:states:${WEST}:${ACCOUNT}:execution:shop-dr-failover:${NAME}`;
const API = 'https://abc123.execute-api.us-west-2.amazonaws.com/prod/';
const SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/shop-dr-approver-us-west-2/alice`;
const NOW = new Date('2026-11-22T03:04:05.000Z');

const sfnClients: Record<string, SFNClient> = { [EAST]: new SFNClient({ region: EAST }), [WEST]: new SFNClient({ region: WEST }) };
const ssmClients: Record<string, SSMClient> = { [EAST]: new SSMClient({ region: EAST }), [WEST]: new SSMClient({ region: WEST }) };
const sfn = Object.fromEntries([EAST, WEST].map((r) => [r, mockClient(sfnClients[r])]));
const ssm = Object.fromEntries([EAST, WEST].map((r) => [r, mockClient(ssmClients[r])]));

/** The signed POST, as API Gateway would answer it; each call recorded with the region it was signed for. */
let answer: { status: number; body: unknown } = { status: 200, body: {} };
const posts: Array<{ region: string; url: string; body: Record<string, unknown> }> = [];
const fakeFetch =
  (region: string): SignedFetch =>
  async (req) => {
    posts.push({ region, url: req.url, body: JSON.parse(req.body) as Record<string, unknown> });
    return { status: answer.status, body: typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body) };
  };
const clients: AwsClients = { sfn: (r) => sfnClients[r], ssm: (r) => ssmClients[r], signedFetch: fakeFetch };

const folder = drctlFolder('drctl-approve-', { 'dr.config.json': input });

beforeEach(() => {
  posts.length = 0;
  answer = { status: 200, body: { outcome: 'approved', decidedBy: SESSION, status: 'APPROVED', confirmedFromHistory: false } };
  for (const r of [EAST, WEST]) {
    sfn[r].reset();
    ssm[r].reset();
    sfn[r].on(ListStateMachinesCommand).resolves({
      stateMachines: (['failover', 'failback'] as const).map((wf) => ({
        name: `shop-dr-${wf}`,
        stateMachineArn: smArn(r, wf),
        type: 'STANDARD' as const,
        creationDate: NOW,
      })),
    });
    sfn[r].on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'does not exist', $metadata: {} }));
  }
  sfn[WEST]
    .on(DescribeExecutionCommand, { executionArn: EXECUTION })
    .resolves({ executionArn: EXECUTION, status: 'RUNNING', startDate: NOW, stateMachineArn: smArn(WEST, 'failover') });
  ssm[WEST].on(GetParameterCommand, { Name: '/dr/shop/approval-api-url' }).resolves({ Parameter: { Name: '/dr/shop/approval-api-url', Value: API } });
});

async function drctl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io = {
    out: (t: string) => {
      out += t;
    },
    err: (t: string) => {
      err += t;
    },
    isTTY: false,
  };
  const code = await run([...args, '--config', folder.path('dr.config.json')], { io, clients: () => clients, now: () => NOW });
  process.exitCode = undefined;
  return { code, out, err };
}

describe('drctl approve|reject EXECUTION (IAM)', () => {
  test('finds the execution by name, the API by its parameter, and POSTs the decision signed for that region; the caller is the decider', async () => {
    const { code, out } = await drctl('approve', NAME);
    expect(code).toBe(0);
    expect(posts).toEqual([{ region: WEST, url: `${API}decisions`, body: { execution: EXECUTION, decision: 'approve' } }]);
    expect(ssm[WEST]).toHaveReceivedCommandWith(GetParameterCommand, { Name: '/dr/shop/approval-api-url' });
    expect(ssm[EAST]).not.toHaveReceivedCommand(GetParameterCommand);
    expect(out).toContain(`Approved the failover ${NAME} in ${WEST} as ${SESSION}.`);
  });

  test('reject needs --reason; it is cleaned of control and bidi characters before it is sent', async () => {
    const missing = await drctl('reject', NAME);
    expect(missing.code).toBe(2);
    expect(posts).toEqual([]);
    answer = { status: 200, body: { outcome: 'rejected', decidedBy: SESSION } };
    const { code } = await drctl('reject', NAME, '--reason', 'primary recovering\n\u202Eforged line');
    expect(code).toBe(0);
    expect(posts[0].body).toEqual({ execution: EXECUTION, decision: 'reject', reason: 'primary recovering forged line' });
  });

  test('an execution ARN is used as given, in its own region', async () => {
    await drctl('approve', EXECUTION, '--accept-data-loss');
    expect(posts[0]).toMatchObject({ region: WEST, body: { execution: EXECUTION, decision: 'approve', acceptDataLoss: true } });
    expect(sfn[EAST]).not.toHaveReceivedCommand(DescribeExecutionCommand);
  });

  test("a principal outside the approver role is refused (API Gateway's 403): exit 2, naming the role to assume", async () => {
    answer = {
      status: 403,
      body: { Message: `User: arn:aws:sts::${ACCOUNT}:assumed-role/Admin/bob is not authorized to perform: execute-api:Invoke on resource: ...` },
    };
    const { code, out } = await drctl('approve', NAME);
    expect(code).toBe(2);
    expect(out).toContain('Not approved (HTTP 403, not-an-approver)');
    expect(out).toContain('assumes shop-dr-approver-us-west-2');
  });

  test('over the RPO target without --accept-data-loss: exit 2 and what to pass; JSON output keeps the figures', async () => {
    answer = { status: 400, body: { outcome: 'data-loss-not-accepted', estimatedRpoMs: 30_000, rpoTargetMs: 5_000, message: 'over target' } };
    const { code, out } = await drctl('approve', NAME, '--output', 'json');
    expect(code).toBe(2);
    expect(JSON.parse(out)).toMatchObject({
      outcome: 'data-loss-not-accepted',
      status: 400,
      answer: { estimatedRpoMs: 30_000 },
      hint: expect.stringContaining('--accept-data-loss'),
    });
  });

  test('already decided or expired: exit 1', async () => {
    answer = { status: 409, body: { outcome: 'already-decided', message: 'Already approved by oncall@example.com.' } };
    expect((await drctl('approve', NAME)).code).toBe(1);
    answer = { status: 410, body: { outcome: 'expired', message: 'expired' } };
    expect((await drctl('approve', NAME)).code).toBe(1);
  });

  test('an outcome Step Functions did not confirm is reported as such, never as "nothing happened"', async () => {
    answer = { status: 502, body: { outcome: 'unconfirmed', message: 'may or may not have been applied' } };
    const { code, out } = await drctl('approve', NAME);
    expect(code).toBe(1);
    expect(out).toContain('may or may not have been applied');
    expect(out).toContain(`drctl history ${EXECUTION}`);
  });

  test('no approval API parameter in the region: exit 2 and how to fix it', async () => {
    ssm[WEST].on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));
    const { code, err } = await drctl('approve', NAME);
    expect(code).toBe(2);
    expect(err).toContain('No approval API in us-west-2');
  });
});

describe("signedFetch: SigV4 for execute-api with the caller's credentials", () => {
  test('signs the POST for execute-api in the region, with the session token, and sends it as signed', async () => {
    const sent: Array<{ url: string; headers: Record<string, string>; body: string }> = [];
    const fetchImpl = async (url: string, init: { headers: Record<string, string>; body: string }) => {
      sent.push({ url, headers: init.headers, body: init.body });
      return { status: 200, text: async () => '{"outcome":"approved"}' };
    };
    const credentials = async () => ({
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      sessionToken: 'session-token',
    });
    const send = signedFetch(WEST, credentials, fetchImpl);
    const res = await send({ method: 'POST', url: `${API}decisions`, body: '{"decision":"approve"}' });
    expect(res).toEqual({ status: 200, body: '{"outcome":"approved"}' });
    const h = sent[0].headers;
    expect(h.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-west-2\/execute-api\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
    );
    expect(h['x-amz-security-token']).toBe('session-token');
    expect(h['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(h['x-amz-content-sha256'] ?? 'not sent').toBeDefined();
    expect(sent[0].body).toBe('{"decision":"approve"}');
  });
});

describe('drctl failover --reason', () => {
  test('reaches the execution input as data: control and bidi characters cleaned (the approval email quotes it)', async () => {
    const { planStart } = await import('../../../cli/aws/start-execution');
    const { parseConfig } = await import('../../../config/load');
    const planned = planStart(parseConfig(input), { direction: 'failover', to: WEST, reason: 'region evacuation\r\nApproved: yes\u202E', now: NOW });
    expect(planned.input.trigger.reason).toBe('region evacuation Approved: yes');
  });
});

describe('drctl drill --approve manual shows the mailed code on the terminal', () => {
  test('an approver-code message prints its code line; other alerts print their subject only', async () => {
    const { humanEvent } = await import('../../../cli/print');
    const code = humanEvent({
      type: 'approver-code',
      at: 0,
      t: 1_000,
      recipient: 'oncall@example.com',
      subject: '[DR] Your code to decide the orders failover',
      message: 'Your one-time code: 1234 5678\n\nEnter it...',
    });
    expect(code).toContain('mail to oncall@example.com: [DR] Your code to decide the orders failover: Your one-time code: 1234 5678');
    expect(code).not.toContain('Enter it');
    const alert = humanEvent({ type: 'alert', at: 0, t: 1_000, topic: 'alert', subject: 'DR: failover starting', message: 'secret details' });
    expect(alert).not.toContain('secret details');
  });
});
