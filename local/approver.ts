import type { APIGatewayProxyEvent } from 'aws-lambda';
import { IAM_DECISIONS_PATH } from '../functions/approval-callback/approval-callback';
import type { OutboxMessage } from './world/adapters';
import type { SimNetwork } from './sim/network';
import { sleep } from './sim/network';
import { fakeLambdaContext, type ApiHandler } from './world/approval-server';
import { approverRoleName } from '../config/resource-names';

/**
 * The approver's side of the drill: a person who opens the emailed link, asks for a code, reads it from their own
 * mailbox and decides (`answerApproval`); or an operator with the approver role's credentials (`approveAsIamPrincipal`,
 * what `drctl approve` does in AWS). Both go through the same approval-callback handler as in AWS (docs/adr/0017).
 */

/** What the email approver needs of the drill's world: its network and its outbox (where the code arrives). */
export interface ApproverWorld {
  readonly net: SimNetwork;
  readonly notifier: { readonly outbox: readonly OutboxMessage[] };
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** A form's action resolved against the page's URL; `id` picks the form (`code-form`, `decide-form`). */
function formOf(body: string, id: string, pageUrl: string): { action: string; fields: Record<string, string> } | undefined {
  const form = new RegExp(`<form method="post" action="([^"]*)" id="${id}">([\\s\\S]*?)</form>`).exec(body);
  if (!form) return undefined;
  const fields: Record<string, string> = {};
  for (const m of form[2].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]] = m[2].replace(/&amp;/g, '&');
  return { action: new URL(form[1].replace(/&amp;/g, '&'), pageUrl).toString(), fields };
}

/** The newest code mailed to `address` for `challengeId`, as the person reads it in their mailbox. */
export function mailedCode(outbox: readonly OutboxMessage[], address: string, challengeId: string): string | undefined {
  const mail = outbox.findLast(
    (m) => m.topic === 'approver-code' && m.attributes?.recipient === address.toLowerCase() && m.attributes?.challengeId === challengeId,
  );
  return mail ? /code: (\d{4} \d{4})/.exec(mail.body)?.[1] : undefined;
}

/**
 * Plays the approver from the emailed link, as a person would, over the simulated network: open the page, ask for a
 * code for `approver`, read it from the outbox (the approver's mailbox), and submit the decision form with it. Over
 * the RPO target the person ticks the data-loss box, as an approver who approves must. Returns the final status.
 */
export async function answerApproval(
  world: ApproverWorld,
  url: string,
  decision: 'approve' | 'reject',
  approver: string,
  reason?: string,
): Promise<{ status: number; body: string }> {
  const post = (target: string, fields: Record<string, string>) =>
    world.net.request(target, { from: 'clients', method: 'POST', body: new URLSearchParams(fields).toString(), headers: FORM, timeoutMs: 30_000 });
  const page = await world.net.request(url, { from: 'clients', timeoutMs: 30_000 });
  const ask = page.status === 200 ? formOf(page.body, 'code-form', url) : undefined;
  if (!ask) return { status: page.status, body: page.body };
  const sent = await post(ask.action, { ...ask.fields, approver });
  const decide = sent.status === 200 ? formOf(sent.body, 'decide-form', ask.action) : undefined;
  if (!decide) return { status: sent.status, body: sent.body };
  const code = mailedCode(world.notifier.outbox, approver, decide.fields.challenge ?? '');
  // No code arrived (the address is not an approver, or SNS refused the message): the person cannot decide.
  if (!code) return { status: 403, body: 'no code arrived in the mailbox' };
  const form: Record<string, string> = {
    ...decide.fields,
    code,
    decision,
    reason: decision === 'reject' ? (reason ?? 'drill: rejected by the scenario approver') : (reason ?? ''),
  };
  if (decision === 'approve' && sent.body.includes('name="acceptDataLoss"')) form.acceptDataLoss = 'yes';
  const res = await post(decide.action, form);
  return { status: res.status, body: res.body };
}

/** The drill's account: every local ARN is in it. */
export const LOCAL_ACCOUNT = '000000000000';

/** A session of that role, as `aws sts assume-role --role-session-name <session>` makes one. */
export function localApproverPrincipal(application: string, region: string, session = 'drill-operator'): string {
  return `arn:aws:sts::${LOCAL_ACCOUNT}:assumed-role/${approverRoleName(application, region)}/${session}`;
}

export interface IamDecision {
  /** The execution ARN, as `drctl approve` resolves a name to it. */
  readonly executionArn: string;
  readonly decision: 'approve' | 'reject';
  /** The caller, as API Gateway's IAM authorization would pass it (`requestContext.identity.userArn`). */
  readonly principalArn: string;
  readonly reason?: string;
  /** `drctl approve --accept-data-loss`: needed when the estimated loss is over the RPO target. */
  readonly acceptDataLoss?: boolean;
}

/** Client-to-API latency on the simulated network, AWS ms (the drill's `clients` party). */
const CLI_LATENCY_MS = 20;

/**
 * `drctl approve|reject` in the drill: the signed `POST /decisions` that API Gateway would authorize with AWS_IAM and
 * hand to approval-callback with the caller's ARN. It is built in process: nothing a client sends over HTTP can carry
 * an IAM identity, which is why the drill's HTTP server cannot be used for it. Returns the status and JSON answer.
 */
export async function approveAsIamPrincipal(
  api: { readonly approvalHandler: ApiHandler },
  d: IamDecision,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const body = JSON.stringify({
    execution: d.executionArn,
    decision: d.decision,
    ...(d.reason ? { reason: d.reason } : {}),
    ...(d.acceptDataLoss ? { acceptDataLoss: true } : {}),
  });
  const event = {
    httpMethod: 'POST',
    path: IAM_DECISIONS_PATH,
    resource: IAM_DECISIONS_PATH,
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    headers: { 'content-type': 'application/json' },
    multiValueHeaders: {},
    body,
    isBase64Encoded: false,
    stageVariables: null,
    requestContext: {
      accountId: LOCAL_ACCOUNT,
      stage: 'prod',
      httpMethod: 'POST',
      path: `/prod${IAM_DECISIONS_PATH}`,
      identity: { sourceIp: '127.0.0.1', userArn: d.principalArn, caller: d.principalArn },
    },
  } as unknown as APIGatewayProxyEvent;
  await sleep(CLI_LATENCY_MS);
  const res = await api.approvalHandler(event, fakeLambdaContext('approval-callback'));
  await sleep(CLI_LATENCY_MS);
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(res.body) as Record<string, unknown>;
  } catch {
    parsed = { message: res.body };
  }
  return { status: res.statusCode, body: parsed };
}
