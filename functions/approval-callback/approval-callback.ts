import type { DrConfig } from '../../config/schema';
import { STEPS } from '../../config/steps';
import { APPROVAL_ACTION } from '../approval-request/approval-request';
import { dashboardConsoleUrl, executionConsoleUrl } from '../shared/console-links';
import { cleanFreeText, quoted } from '../shared/free-text';
import type {
  ApprovalRecord,
  ApprovalStore,
  ApprovalTaskReader,
  ApprovalTaskState,
  ApproverChallenges,
  AuditLog,
  Clock,
  Notifier,
  TaskCallbacks,
} from '../shared/ports';
import { TaskNoLongerWaitingError } from '../shared/ports';
import { codeFromRandomId, formatCode, hashCode, normalizeCode, randomId, SIGNATURE_PATTERN, safeEqual, verifyLink } from '../shared/signing';
import { clockTime, codePage, confirmationPage, messagePage, type PageContext } from './page';

export interface ApprovalCallbackDeps {
  readonly config: DrConfig;
  readonly approvals: ApprovalStore;
  readonly callbacks: TaskCallbacks;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly signingKey: () => Promise<Buffer>;
  /** Emailed one-time codes, and each execution's newest approval request (for IAM decisions). */
  readonly challenges: ApproverChallenges;
  /** Codes go out on `approver-code` (to the typed address only); an approval is announced on `alert`. */
  readonly notifier: Notifier;
  /** Reads what Step Functions did when a SendTaskSuccess/Failure outcome is unknown. */
  readonly tasks: ApprovalTaskReader;
  /** Names of the IAM roles, in the API's own account, whose sessions may decide through `POST /decisions` (docs/adr/0017). */
  readonly approverRoleNames: readonly string[];
  /** Challenge ids and codes. @default 128 random bits from node:crypto; a drill passes a seeded source. */
  readonly randomId?: () => string;
}

/** A plain HTTP request, whatever carried it (API Gateway, the drill's server, a test). */
export interface HttpRequest {
  readonly method: string;
  /** Path below the stage, e.g. `/approvals/<id>` or `/decisions`. */
  readonly path: string;
  /** Decoded query parameters. */
  readonly query: Record<string, string | undefined>;
  /** Parsed application/x-www-form-urlencoded body (POST to an approval link). */
  readonly form: Record<string, string>;
  /** The raw body: JSON for `POST /decisions`. */
  readonly body?: string;
  /**
   * The caller's ARN as API Gateway verified it from the SigV4 signature (`requestContext.identity.userArn`). Only
   * the IAM-authorized route has one; nothing a client sends can set it.
   */
  readonly principalArn?: string;
  /** The API's own account (`requestContext.accountId`): approver roles are looked for there. Only on that route. */
  readonly accountId?: string;
}

export interface HttpResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** Why, in one word, for the handler's log line; never sent to the client. */
  readonly outcome: string;
  /** The incident of a link whose signature and record checked out, for the handler's log keys; never sent. */
  readonly incidentId?: string;
  /** Its execution ARN, likewise. */
  readonly executionId?: string;
  /** Things that went wrong after the decision was applied (an audit write, an alert), for the handler to log. */
  readonly warnings?: readonly string[];
}

/** Tags a response with the verified record's incident and execution (only ever after the signature check). */
const about = (record: ApprovalRecord, response: HttpResponse): HttpResponse => ({
  ...response,
  incidentId: record.incidentId,
  executionId: record.executionId,
});

const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};
const JSON_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

export const ALLOWED_METHODS = 'GET, HEAD, POST';
const MAX_ADDRESS_CHARS = 254;
/** How long an emailed code works (never past the request's own expiry). */
export const CODE_TTL_MS = 10 * 60_000;
/** Tries per code: with eight digits, a guesser's chance per code is 5 in 100 million. */
export const MAX_CODE_ATTEMPTS = 5;
/** Codes per address and request, whoever asks for them: bounds the guesses to 50 in 100 million. */
export const MAX_CODES_PER_ADDRESS = 10;
/** The route an IAM principal decides through (AWS_IAM authorization in API Gateway). */
export const IAM_DECISIONS_PATH = '/decisions';

const PATH = /^\/approvals\/([A-Za-z0-9_-]{10,64})\/?$/;
const ID = /^[A-Za-z0-9_-]{10,64}$/;
/** Epoch milliseconds: digits only, so `1e12`, `0x..`, signs and spaces are refused rather than coerced. */
const EXP = /^\d{1,15}$/;
/** Enough of an address to be worth mailing; whether it is listed is never part of any answer. */
const EMAIL = /^[^\s@<>"',;]+@[^\s@<>"',;]+\.[^\s@<>"',;]+$/;
const EXECUTION_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[A-Za-z0-9_-]{1,80}:[A-Za-z0-9_-]{1,80}$/;

/**
 * What every unverified person is told when a decision is refused, listed address or not: one status, one
 * message, whatever the reason (no code, wrong code, expired code, too many tries, an address not on the list).
 */
const NOT_VERIFIED = {
  status: 403,
  title: 'Code not accepted',
  message: `Nothing was decided. Use the newest code emailed to you for this request: a code works for 10 minutes and ${MAX_CODE_ATTEMPTS} tries, and only a listed approver's address receives one. Ask for a new code if needed.`,
} as const;

function respond(statusCode: number, outcome: string, body: string, method: string, extra: Record<string, string> = {}): HttpResponse {
  // HEAD gets the headers a GET would, never the page.
  return { statusCode, headers: { ...HEADERS, ...extra }, body: method === 'HEAD' ? '' : body, outcome };
}

function json(statusCode: number, outcome: string, body: Record<string, unknown>): HttpResponse {
  return { statusCode, headers: JSON_HEADERS, body: JSON.stringify({ outcome, ...body }), outcome };
}

/** Who decided, as verified: an address that received the code, or an IAM principal that signed the request. */
interface Identity {
  readonly id: string;
  readonly method: 'email-code' | 'iam';
}

const describeIdentity = (who: Identity) =>
  who.method === 'email-code'
    ? `${who.id} (verified by a one-time code emailed to that address)`
    : `${who.id} (AWS IAM principal, verified from its SigV4-signed request)`;

type Checked = { ok: true; record: ApprovalRecord; exp: number; sig: string } | { ok: false; response: HttpResponse };

function links(record: ApprovalRecord) {
  return { execution: executionConsoleUrl(record.executionId, record.toRegion) };
}

function expiredPage(record: ApprovalRecord, method: string): HttpResponse {
  return respond(
    410,
    'expired',
    messagePage(
      'Link expired',
      `This approval request expired at ${clockTime(record.expiresAt)} without an answer being applied. Nothing was decided from this page; the escalation alert for incident ${record.incidentId} says what happened next.`,
      links(record),
    ),
    method,
  );
}

function alreadyDecidedPage(record: ApprovalRecord, method: string): HttpResponse {
  const by = record.decidedBy ? ` by ${record.decidedBy}` : '';
  const when = record.decidedAt ? ` at ${clockTime(record.decidedAt)}` : '';
  const page = messagePage(
    'Already decided',
    `This request was already ${record.status.toLowerCase()}${by}${when}. Each request is decided once; nothing was changed.`,
    links(record),
  );
  return respond(409, 'already-decided', page, method);
}

/** Link checks shared by every method, in order from cheapest to the one that reads the store. */
async function checkLink(req: HttpRequest, method: string, deps: ApprovalCallbackDeps): Promise<Checked> {
  const fail = (code: number, outcome: string, title: string, msg: string): Checked => ({
    ok: false,
    response: respond(code, outcome, messagePage(title, msg), method),
  });
  const m = PATH.exec(req.path);
  if (!m) return fail(404, 'not-found', 'Not found', 'There is no approval at this address.');
  const approvalId = m[1];
  const expText = req.query.exp ?? '';
  const sig = req.query.sig ?? '';
  if (!EXP.test(expText) || !SIGNATURE_PATTERN.test(sig)) {
    return fail(
      400,
      'malformed-link',
      'Incomplete link',
      'This link is missing or has a damaged expiry or signature. Open the link exactly as it was emailed (some mail clients break long links). Nothing was decided.',
    );
  }
  const exp = Number(expText);
  if (!verifyLink(await deps.signingKey(), approvalId, exp, APPROVAL_ACTION, sig)) {
    return fail(403, 'bad-signature', 'Invalid link', 'This link is not valid: it was altered or not issued by this control plane. Nothing was decided.');
  }
  const record = await deps.approvals.get(approvalId);
  if (!record)
    return fail(
      404,
      'unknown',
      'Unknown request',
      'No approval request exists for this link (records are kept for a week after they expire). Nothing was decided.',
    );
  // A valid signature over another expiry or action than the record's is a link this request never issued.
  if (record.action !== APPROVAL_ACTION || record.expiresAt !== exp) {
    return fail(403, 'record-mismatch', 'Invalid link', 'This link does not match the approval request it names. Nothing was decided.');
  }
  if (record.status === 'EXPIRED') return { ok: false, response: about(record, expiredPage(record, method)) };
  if (record.status !== 'PENDING') return { ok: false, response: about(record, alreadyDecidedPage(record, method)) };
  const now = deps.clock.now();
  if (now >= record.expiresAt) {
    // Housekeeping only on POST: a scanner's GET must leave no trace in the store.
    if (method === 'POST') await deps.approvals.decide(approvalId, { status: 'EXPIRED', by: 'nobody: expired unanswered', at: now });
    return { ok: false, response: about(record, expiredPage(record, method)) };
  }
  return { ok: true, record, exp, sig };
}

export async function handleApprovalRequest(req: HttpRequest, deps: ApprovalCallbackDeps): Promise<HttpResponse> {
  const method = req.method.toUpperCase();
  if (req.path === IAM_DECISIONS_PATH || req.path === `${IAM_DECISIONS_PATH}/`) return handleIamDecision(req, method, deps);
  if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') {
    return respond(405, 'method-not-allowed', messagePage('Method not allowed', 'Open the emailed link in a browser and use the form on the page.'), method, {
      allow: ALLOWED_METHODS,
    });
  }
  const checked = await checkLink(req, method, deps);
  if (!checked.ok) return checked.response;
  const { record, exp, sig } = checked;
  const ctx = pageContext(record, `?exp=${exp}&sig=${sig}`, deps);
  if (method !== 'POST') {
    // Mail scanners fetch every link: GET and HEAD only ever render, they never decide.
    return about(record, respond(200, 'rendered', confirmationPage(record, ctx), method));
  }
  return about(record, await post(req, record, ctx, deps));
}

function pageContext(record: ApprovalRecord, formAction: string, deps: ApprovalCallbackDeps): PageContext {
  return {
    formAction,
    now: deps.clock.now(),
    policy: deps.config.approval,
    executionUrl: executionConsoleUrl(record.executionId, record.toRegion),
    dashboardUrl: dashboardConsoleUrl(record.summary.application, record.toRegion),
    executionName: record.executionId.split(':').pop() ?? record.executionId,
  };
}

function auditFor(record: ApprovalRecord, deps: ApprovalCallbackDeps) {
  return (outcome: string, detail: Record<string, unknown>) =>
    deps.audit.record({
      incidentId: record.incidentId,
      executionId: record.executionId,
      step: STEPS.approvalCallback.auditStep,
      outcome,
      detail: { approvalId: record.approvalId, ...detail },
      at: new Date(deps.clock.now()).toISOString(),
    });
}

async function post(req: HttpRequest, record: ApprovalRecord, ctx: PageContext, deps: ApprovalCallbackDeps): Promise<HttpResponse> {
  const method = 'POST';
  const audit = auditFor(record, deps);
  const { csrf = '', step = '' } = req.form;
  // An email scanner that auto-submits forms never has this token: it is in the page, not the link.
  if (!csrf || !safeEqual(csrf, record.csrfToken)) {
    await audit('REFUSED', { why: 'csrf' });
    return respond(
      403,
      'csrf',
      messagePage('Form expired or forged', 'Submit from the approval page itself: go back to the request for a fresh form. Nothing was decided.', {
        back: ctx.formAction,
      }),
      method,
    );
  }
  if (step === 'code') return sendCode(req, record, ctx, deps);
  if (step === 'decide') return decideByCode(req, record, ctx, deps);
  await audit('REFUSED', { why: 'no-step' });
  return respond(
    400,
    'no-step',
    messagePage('No decision', 'Use the buttons on the approval page: first ask for a code, then approve or reject. Nothing was decided.', {
      back: ctx.formAction,
    }),
    method,
  );
}

/**
 * Step 1: a code for the typed address. Every well-formed address gets the same answer and the same work (a
 * challenge stored, a message published): SNS delivers it only when the address has a subscription, that is,
 * when it is a listed approver. So neither the page nor its timing says who is listed.
 */
async function sendCode(req: HttpRequest, record: ApprovalRecord, ctx: PageContext, deps: ApprovalCallbackDeps): Promise<HttpResponse> {
  const method = 'POST';
  const audit = auditFor(record, deps);
  const address = (req.form.approver ?? '').trim().toLowerCase();
  if (!address || address.length > MAX_ADDRESS_CHARS || !EMAIL.test(address)) {
    await audit('REFUSED', { why: 'no-address' });
    return respond(400, 'no-address', confirmationPage(record, ctx, 'Type your email address: a one-time code is sent to it.'), method);
  }
  const listed = deps.config.approval.approvers.some((a) => a.toLowerCase() === address);
  const newId = deps.randomId ?? randomId;
  const now = deps.clock.now();
  const challengeId = newId();
  const code = codeFromRandomId(newId());
  const expiresAt = Math.min(now + CODE_TTL_MS, record.expiresAt);
  const key = await deps.signingKey();
  const challenge = { challengeId, approvalId: record.approvalId, address, expiresAt, attempts: 0 };
  const issued = await deps.challenges.issue(listed ? { ...challenge, codeHash: hashCode(key, challenge, code) } : challenge, MAX_CODES_PER_ADDRESS);
  if (!issued) {
    await audit('REFUSED', { why: 'code-limit', address, listed });
    return respond(
      429,
      'code-limit',
      messagePage(
        'No more codes',
        `${MAX_CODES_PER_ADDRESS} codes were already sent for this address and request. Use the newest one you received, or decide with drctl approve (AWS credentials). Nothing was decided.`,
        { back: ctx.formAction },
      ),
      method,
    );
  }
  await deps.notifier.publish({
    topic: 'approver-code',
    subject: `[DR] Your code to decide the ${record.summary.application} failover`,
    body: [
      `Your one-time code: ${formatCode(code)}`,
      '',
      `Enter it on the approval page for incident ${record.incidentId} (failover ${record.fromRegion} -> ${record.toRegion}).`,
      `It works until ${new Date(expiresAt).toISOString()}, for ${MAX_CODE_ATTEMPTS} tries, for this request only.`,
      'If you did not ask for it, someone who has the approval link typed your address: do not share the code, and tell the on-call lead.',
    ].join('\n'),
    attributes: { recipient: address, approvalId: record.approvalId, challengeId },
  });
  await audit('CODE_REQUESTED', { address, listed, challengeId });
  return respond(200, 'code-sent', codePage(record, ctx, { challengeId, address, codeExpiresAt: expiresAt, maxAttempts: MAX_CODE_ATTEMPTS }), method);
}

/** The address a code proves, or undefined; every failure looks the same from outside (NOT_VERIFIED). */
async function verifyCode(record: ApprovalRecord, challengeId: string, typed: string, deps: ApprovalCallbackDeps): Promise<{ address?: string; why: string }> {
  if (!ID.test(challengeId)) return { why: 'no-challenge' };
  const c = await deps.challenges.get(challengeId);
  if (!c || c.approvalId !== record.approvalId) return { why: 'unknown-challenge' };
  if (deps.clock.now() >= c.expiresAt) return { why: 'code-expired' };
  // Counted before the comparison, so parallel guesses cannot outrun the limit.
  if (!(await deps.challenges.countAttempt(challengeId, MAX_CODE_ATTEMPTS))) return { why: 'too-many-tries' };
  const code = normalizeCode(typed);
  if (!code) return { why: 'no-code' };
  if (!c.codeHash) return { why: 'not-an-approver' };
  if (!safeEqual(hashCode(await deps.signingKey(), c, code), c.codeHash)) return { why: 'wrong-code' };
  return { address: c.address, why: 'verified' };
}

/** Step 2: checks that need no identity come first (so a typo costs no try), then the code, then the decision. */
async function decideByCode(req: HttpRequest, record: ApprovalRecord, ctx: PageContext, deps: ApprovalCallbackDeps): Promise<HttpResponse> {
  const method = 'POST';
  const audit = auditFor(record, deps);
  const { decision = '', reason = '', acceptDataLoss = '', challenge = '', code = '' } = req.form;
  const again = async (status: number, outcome: string, error: string) => {
    const c = ID.test(challenge) ? await deps.challenges.get(challenge) : undefined;
    const body =
      c && c.approvalId === record.approvalId
        ? codePage(record, ctx, {
            challengeId: c.challengeId,
            address: c.address,
            codeExpiresAt: c.expiresAt,
            maxAttempts: MAX_CODE_ATTEMPTS,
            notice: 'Enter the code from the email again.',
            error,
            reason: cleanFreeText(reason),
          })
        : messagePage(status === NOT_VERIFIED.status ? NOT_VERIFIED.title : 'Not decided', error, { back: ctx.formAction });
    return respond(status, outcome, body, method);
  };
  if (decision === 'enter') {
    // Enter in a field submits through the form's hidden first button: a reminder, never a decision, no try used.
    return again(400, 'enter-pressed', 'Enter does not decide. Press Approve failover or Reject. Nothing was decided.');
  }
  if (decision !== 'approve' && decision !== 'reject') {
    await audit('REFUSED', { why: 'no-decision' });
    return again(400, 'no-decision', 'Choose Approve or Reject with its button. Nothing was decided.');
  }
  const why = cleanFreeText(reason);
  if (decision === 'reject' && !why) {
    await audit('REFUSED', { why: 'no-reason' });
    return again(400, 'no-reason', 'Say why you reject, so the on-call team knows. Nothing was decided.');
  }
  if (decision === 'approve' && !record.summary.rpoWithinTarget && acceptDataLoss !== 'yes') {
    await audit('REFUSED', { why: 'data-loss-not-accepted' });
    return again(
      400,
      'data-loss-not-accepted',
      'The estimated data loss is over the RPO target or unknown: tick the box that accepts it, or reject. Nothing was decided.',
    );
  }
  const verified = await verifyCode(record, challenge, code, deps);
  if (!verified.address) {
    await audit('REFUSED', { why: verified.why, challengeId: ID.test(challenge) ? challenge : undefined });
    return again(NOT_VERIFIED.status, 'not-verified', `${NOT_VERIFIED.title}. ${NOT_VERIFIED.message}`);
  }
  const who: Identity = { id: verified.address, method: 'email-code' };
  const status = decision === 'approve' ? 'APPROVED' : 'REJECTED';
  const result = await apply(record, who, status, why, deps);
  const execution = links(record).execution;
  const warnings = result.warnings;
  switch (result.kind) {
    case 'applied': {
      const confirmed = result.confirmedFromHistory ? " Step Functions' own answer was lost, so this was confirmed from the execution's history." : '';
      const page =
        status === 'APPROVED'
          ? messagePage(
              'Failover approved',
              `Thank you, ${who.id}. The failover from ${record.fromRegion} to ${record.toRegion} continues; alerts will follow.${confirmed}`,
              { execution },
            )
          : messagePage('Failover rejected', `Thank you, ${who.id}. The failover was rejected and nothing was changed.${confirmed}`, { execution });
      return { ...respond(200, status === 'APPROVED' ? 'approved' : 'rejected', page, method), warnings };
    }
    case 'lost-race':
    case 'already':
      return { ...respond(409, result.kind, messagePage('Already decided', result.message, { execution }), method), warnings };
    case 'late':
      return { ...respond(410, 'late', messagePage('Too late', result.message, { execution }), method), warnings };
    case 'retry':
      return { ...(await again(503, 'not-applied', result.message)), headers: { ...HEADERS, 'retry-after': '5' }, warnings };
    case 'unknown':
      return { ...respond(502, 'unconfirmed', messagePage('Outcome unknown', result.message, { execution, back: ctx.formAction }), method), warnings };
  }
}

type Applied =
  | { kind: 'applied'; confirmedFromHistory: boolean; warnings?: string[] }
  | { kind: 'lost-race' | 'already' | 'late' | 'retry' | 'unknown'; message: string; warnings?: string[] };

/**
 * Records the decision (single use: only the first conditional write from PENDING wins), then answers Step
 * Functions. When Step Functions' answer is lost or refused, the execution is read and the record and the person
 * are told what actually happened: a failover never proceeds while someone is told "nothing was decided".
 */
async function apply(record: ApprovalRecord, who: Identity, status: 'APPROVED' | 'REJECTED', why: string, deps: ApprovalCallbackDeps): Promise<Applied> {
  const now = deps.clock.now();
  let won: boolean;
  try {
    won = await deps.approvals.decide(record.approvalId, { status, by: who.id, at: now, reason: why || undefined });
  } catch (err) {
    // The conditional write may or may not have landed; Step Functions was not called, so reopen it if it did.
    await deps.approvals.revertDecision(record.approvalId, { decidedAt: now, to: 'PENDING' }).catch(() => false);
    throw err;
  }
  if (!won) {
    const current = await deps.approvals.get(record.approvalId);
    const by = current?.decidedBy ? ` by ${current.decidedBy}` : '';
    return { kind: 'lost-race', message: `Someone decided this request first (${(current?.status ?? 'decided').toLowerCase()}${by}). Nothing was changed.` };
  }
  try {
    if (status === 'APPROVED') {
      await deps.callbacks.sendSuccess(record.taskToken, {
        decision: 'APPROVED',
        approver: who.id,
        verifiedBy: who.method,
        reason: why,
        approvalId: record.approvalId,
        decidedAt: new Date(now).toISOString(),
      });
    } else {
      await deps.callbacks.sendFailure(record.taskToken, 'ApprovalRejected', rejectionCause(record, who, why));
    }
  } catch (err) {
    return reconcile(record, who, status, why, now, err, deps);
  }
  return { kind: 'applied', confirmedFromHistory: false, warnings: await afterApplied(record, who, status, why, false, deps) };
}

/** The rejection as Step Functions records it; NotifyRejected puts this cause in the alert verbatim. */
function rejectionCause(record: ApprovalRecord, who: Identity, why: string): string {
  return `Rejected by ${describeIdentity(who)} (approval ${record.approvalId}). Their reason, quoted as typed: ${quoted(why)}`;
}

/** Audit, and an alert for an approval (a rejection already has the workflow's NotifyRejected): best effort, logged when they fail. */
async function afterApplied(
  record: ApprovalRecord,
  who: Identity,
  status: 'APPROVED' | 'REJECTED',
  why: string,
  confirmedFromHistory: boolean,
  deps: ApprovalCallbackDeps,
): Promise<string[]> {
  const warnings: string[] = [];
  const detail = { decidedBy: who.id, verifiedBy: who.method, reason: why, ...(confirmedFromHistory ? { confirmedFrom: 'execution history' } : {}) };
  await auditFor(record, deps)(status, detail).catch((err: Error) => warnings.push(`audit ${status}: ${err.name}: ${err.message}`));
  if (status === 'APPROVED') {
    await deps.notifier
      .publish({
        topic: 'alert',
        subject: `DR: failover ${record.fromRegion} -> ${record.toRegion} approved by ${who.id}`,
        body: [
          `The failover of ${record.summary.application} from ${record.fromRegion} to ${record.toRegion} (incident ${record.incidentId}) was approved by ${describeIdentity(who)}.`,
          ...(why ? [`Their note, quoted as typed: ${quoted(why)}`] : []),
          `Approval ${record.approvalId}, execution ${record.executionId}.`,
        ].join('\n'),
        attributes: { incidentId: record.incidentId, approvalId: record.approvalId },
      })
      .catch((err: Error) => warnings.push(`approval alert: ${err.name}: ${err.message}`));
  }
  return warnings;
}

/** What the execution's history says about this approval, in the approver's terms. */
function interpret(state: ApprovalTaskState, record: ApprovalRecord): { decided?: 'APPROVED' | 'REJECTED'; by?: string; waiting?: boolean; what: string } {
  const ex = `the execution is ${state.executionStatus}`;
  switch (state.task) {
    case 'waiting':
      return { waiting: true, what: `Step Functions is still waiting for this decision (${ex})` };
    case 'succeeded': {
      const out = (state.output ?? {}) as { approvalId?: unknown; approver?: unknown };
      if (out.approvalId === record.approvalId)
        return { decided: 'APPROVED', by: typeof out.approver === 'string' ? out.approver : undefined, what: `the approval was applied (${ex})` };
      return { what: `the approval step ended with another answer than this request's (${ex})` };
    }
    case 'failed':
      if (state.error === 'ApprovalRejected' && state.cause.includes(record.approvalId))
        return { decided: 'REJECTED', by: /^Rejected by (\S+)/.exec(state.cause)?.[1], what: `the rejection was applied (${ex})` };
      if (state.error === 'States.Timeout') return { what: `the approval step timed out (${ex})` };
      return { what: `the approval step ended with ${state.error} (${ex})` };
    case 'timed-out':
      return { what: `the approval step timed out (${ex})` };
    case 'not-waiting':
      return { what: `Step Functions no longer waits for an approval (${ex})` };
  }
}

async function reconcile(
  record: ApprovalRecord,
  who: Identity,
  status: 'APPROVED' | 'REJECTED',
  why: string,
  at: number,
  err: unknown,
  deps: ApprovalCallbackDeps,
): Promise<Applied> {
  // Nothing in here may throw: whatever happens, the person must be told what the execution did.
  const warnings: string[] = [];
  const audit = (outcome: string, detail: Record<string, unknown>) =>
    auditFor(record, deps)(outcome, detail).catch((e: Error) => {
      warnings.push(`audit ${outcome}: ${e.name}: ${e.message}`);
    });
  const refused = err instanceof TaskNoLongerWaitingError;
  const error = `${(err as Error)?.name ?? 'Error'}: ${(err as Error)?.message ?? String(err)}`;
  const observed = await deps.tasks.read(record.executionId).catch((readErr: Error) => readErr);
  const expire = (note: string) => deps.approvals.revertDecision(record.approvalId, { decidedAt: at, to: 'EXPIRED', note }).catch(() => false);
  const reopen = () => deps.approvals.revertDecision(record.approvalId, { decidedAt: at, to: 'PENDING' }).catch(() => false);
  if (observed instanceof Error) {
    if (refused) {
      await expire(`${status.toLowerCase()} by ${who.id} after Step Functions stopped waiting`);
      await audit('LATE', { approver: who.id, attempted: status, error, observed: `unreadable: ${observed.message}` });
      return {
        kind: 'late',
        warnings,
        message: `Step Functions no longer waits for this decision (it timed out, was stopped, or was already answered), and the execution could not be read just now. Your answer was not applied by this request; open the execution to see what happened for incident ${record.incidentId}.`,
      };
    }
    // Not known either way: reopen it, so a second try either lands or learns from Step Functions that it already did.
    await reopen();
    await audit('UNCONFIRMED', { approver: who.id, attempted: status, error, observed: `unreadable: ${observed.message}` });
    return {
      kind: 'unknown',
      warnings,
      message: `Step Functions did not confirm your decision and the execution could not be read, so your ${status === 'APPROVED' ? 'approval' : 'rejection'} may or may not have been applied. Do not assume nothing happened: open the execution. If it still waits for approval, go back and submit again.`,
    };
  }
  const seen = interpret(observed, record);
  if (seen.decided === status) {
    warnings.push(...(await afterApplied(record, who, status, why, true, deps)));
    return { kind: 'applied', confirmedFromHistory: true, warnings };
  }
  if (seen.decided) {
    // An earlier answer for this request was applied (its response was lost); the record must say that one.
    const by = seen.by ?? 'an earlier answer (from the execution history)';
    await reopen();
    await deps.approvals.decide(record.approvalId, { status: seen.decided, by, at }).catch(() => false);
    await audit('RECONCILED', { attempted: status, approver: who.id, applied: seen.decided, appliedBy: by, error });
    return {
      kind: 'already',
      warnings,
      message: `The execution's history shows this request was already ${seen.decided.toLowerCase()} by ${by}; ${seen.what}. Your answer changed nothing.`,
    };
  }
  if (seen.waiting && !refused) {
    await reopen();
    await audit('NOT_APPLIED', { approver: who.id, attempted: status, error, observed: seen.what });
    return {
      kind: 'retry',
      warnings,
      message: `Step Functions did not confirm your decision, so the execution was read: ${seen.what}. Nothing was decided yet; submit your decision again.`,
    };
  }
  await expire(`${status.toLowerCase()} by ${who.id} after Step Functions stopped waiting: ${seen.what}`);
  await audit('LATE', { approver: who.id, attempted: status, error, observed: seen.what });
  return { kind: 'late', warnings, message: `Your answer was not applied: ${seen.what}. The alerts for incident ${record.incidentId} say what happened next.` };
}

/**
 * A session of one of the roles named `roleNames` in `accountId` (or such a role itself): the only principals that
 * may decide by IAM. The account is the API's own, so a same-named role in another account never matches.
 */
export function isApproverPrincipal(principalArn: string, roleNames: readonly string[], accountId: string | undefined): boolean {
  if (!accountId || !/^\d{12}$/.test(accountId)) return false;
  const session = /^arn:aws[a-z-]*:sts::(\d{12}):assumed-role\/([\w+=,.@-]+)\/([\w+=,.@-]{2,64})$/.exec(principalArn);
  if (session) return session[1] === accountId && roleNames.includes(session[2]);
  const role = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)$/.exec(principalArn);
  return role !== null && role[1] === accountId && roleNames.includes(role[2]);
}

/**
 * `POST /decisions` with an IAM principal's SigV4 signature (API Gateway authorizes it with AWS_IAM and passes the
 * caller's ARN): the `drctl approve|reject` path. JSON in, JSON out; the same record, rules and reconciliation as
 * the page.
 */
async function handleIamDecision(req: HttpRequest, method: string, deps: ApprovalCallbackDeps): Promise<HttpResponse> {
  if (method !== 'POST')
    return {
      ...json(405, 'method-not-allowed', { message: 'POST a JSON decision: {"execution": ARN, "decision": "approve"|"reject", "reason": TEXT}' }),
      headers: { ...JSON_HEADERS, allow: 'POST' },
    };
  const principal = req.principalArn;
  if (!principal) return json(403, 'not-signed', { message: 'This route takes SigV4-signed requests (IAM authorization) only.' });
  let body: { execution?: unknown; decision?: unknown; reason?: unknown; acceptDataLoss?: unknown };
  try {
    body = JSON.parse(req.body ?? '') as typeof body;
  } catch {
    return json(400, 'bad-request', { message: 'The body must be JSON: {"execution": ARN, "decision": "approve"|"reject", "reason": TEXT}' });
  }
  const execution = typeof body?.execution === 'string' ? body.execution : '';
  if (!EXECUTION_ARN.test(execution)) return json(400, 'bad-request', { message: '"execution" must be an execution ARN' });
  const approvalId = await deps.challenges.approvalOf(execution);
  const record = approvalId ? await deps.approvals.get(approvalId) : undefined;
  if (!record || record.executionId !== execution)
    return json(404, 'no-request', { message: `No approval was requested for ${execution} in this region.`, execution });
  const tag = (r: HttpResponse) => about(record, r);
  const audit = auditFor(record, deps);
  if (!isApproverPrincipal(principal, deps.approverRoleNames, req.accountId)) {
    await audit('REFUSED', { why: 'not-an-approver-principal', principal });
    return tag(
      json(403, 'not-an-approver', {
        message: `${principal} may not decide: only sessions of the approver role may (${deps.approverRoleNames.join(', ')}).`,
        principal,
      }),
    );
  }
  const common = { execution, approvalId: record.approvalId, principal };
  if (record.status === 'EXPIRED')
    return tag(json(410, 'expired', { ...common, message: `The approval request expired at ${new Date(record.expiresAt).toISOString()} unanswered.` }));
  if (record.status !== 'PENDING') {
    return tag(
      json(409, 'already-decided', {
        ...common,
        status: record.status,
        decidedBy: record.decidedBy,
        decidedAt: record.decidedAt,
        message: `Already ${record.status.toLowerCase()} by ${record.decidedBy ?? 'someone'}.`,
      }),
    );
  }
  const now = deps.clock.now();
  if (now >= record.expiresAt) {
    await deps.approvals.decide(record.approvalId, { status: 'EXPIRED', by: 'nobody: expired unanswered', at: now });
    return tag(json(410, 'expired', { ...common, message: `The approval request expired at ${new Date(record.expiresAt).toISOString()} unanswered.` }));
  }
  const decision = body.decision;
  if (decision !== 'approve' && decision !== 'reject') return tag(json(400, 'no-decision', { ...common, message: '"decision" must be "approve" or "reject"' }));
  const why = typeof body.reason === 'string' ? cleanFreeText(body.reason) : '';
  if (decision === 'reject' && !why)
    return tag(json(400, 'no-reason', { ...common, message: 'A rejection needs a reason (--reason TEXT): it goes into the alert.' }));
  const s = record.summary;
  if (decision === 'approve' && !s.rpoWithinTarget && body.acceptDataLoss !== true) {
    return tag(
      json(400, 'data-loss-not-accepted', {
        ...common,
        estimatedRpoMs: s.estimatedRpoMs,
        rpoTargetMs: s.rpoTargetMs,
        lagByStore: s.lagByStore ?? {},
        message: `The estimated data loss (${s.estimatedRpoMs === null ? 'unknown' : `${s.estimatedRpoMs} ms`}) is over the RPO target (${s.rpoTargetMs} ms): approve with --accept-data-loss, or reject.`,
      }),
    );
  }
  const status = decision === 'approve' ? 'APPROVED' : 'REJECTED';
  const result = await apply(record, { id: principal, method: 'iam' }, status, why, deps);
  const warnings = result.warnings;
  switch (result.kind) {
    case 'applied':
      return {
        ...tag(
          json(200, status === 'APPROVED' ? 'approved' : 'rejected', {
            ...common,
            status,
            decidedBy: principal,
            confirmedFromHistory: result.confirmedFromHistory,
          }),
        ),
        warnings,
      };
    case 'lost-race':
    case 'already':
      return { ...tag(json(409, 'already-decided', { ...common, message: result.message })), warnings };
    case 'late':
      return { ...tag(json(410, 'late', { ...common, message: result.message })), warnings };
    case 'retry':
      return { ...tag(json(503, 'not-applied', { ...common, message: result.message })), warnings };
    case 'unknown':
      return { ...tag(json(502, 'unconfirmed', { ...common, message: result.message })), warnings };
  }
}
