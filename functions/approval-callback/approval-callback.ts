import type { DrConfig } from '../../config/schema';
import { APPROVAL_ACTION } from '../approval-request/approval-request';
import type { ApprovalRecord, ApprovalStore, AuditLog, Clock, TaskCallbacks } from '../shared/ports';
import { TaskNoLongerWaitingError } from '../shared/ports';
import { SIGNATURE_PATTERN, safeEqual, verifyLink } from '../shared/signing';
import { confirmationPage, messagePage } from './page';

export interface ApprovalCallbackDeps {
  readonly config: DrConfig;
  readonly approvals: ApprovalStore;
  readonly callbacks: TaskCallbacks;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly signingKey: () => Promise<Buffer>;
}

/** A plain HTTP request, whatever carried it (API Gateway, the drill's server, a test). */
export interface HttpRequest {
  readonly method: string;
  /** Path below the stage, e.g. `/approvals/<id>`. */
  readonly path: string;
  /** Decoded query parameters. */
  readonly query: Record<string, string | undefined>;
  /** Parsed application/x-www-form-urlencoded body (POST). */
  readonly form: Record<string, string>;
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
}

/** Tags a response with the verified record's incident and execution (only ever after the signature check). */
const about = (record: ApprovalRecord, response: HttpResponse): HttpResponse => ({ ...response, incidentId: record.incidentId, executionId: record.executionId });

const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};

export const ALLOWED_METHODS = 'GET, HEAD, POST';
const MAX_APPROVER_CHARS = 254;
export const MAX_REASON_CHARS = 500;
const PATH = /^\/approvals\/([A-Za-z0-9_-]{10,64})\/?$/;
/** Epoch milliseconds: digits only, so `1e12`, `0x..`, signs and spaces are refused rather than coerced. */
const EXP = /^\d{1,15}$/;

function respond(statusCode: number, outcome: string, body: string, method: string, extra: Record<string, string> = {}): HttpResponse {
  // HEAD gets the headers a GET would, never the page.
  return { statusCode, headers: { ...HEADERS, ...extra }, body: method === 'HEAD' ? '' : body, outcome };
}

type Checked = { ok: true; record: ApprovalRecord; exp: number; sig: string } | { ok: false; response: HttpResponse };

function expiredPage(record: ApprovalRecord, method: string): HttpResponse {
  return respond(
    410,
    'expired',
    messagePage(
      'Link expired',
      `This approval request expired at ${new Date(record.expiresAt).toISOString()} without an answer being applied. Nothing was decided from this page; the escalation alert for incident ${record.incidentId} says what happened next.`,
    ),
    method,
  );
}

/** Link checks shared by every method, in order from cheapest to the one that reads the store. */
async function checkLink(req: HttpRequest, method: string, deps: ApprovalCallbackDeps): Promise<Checked> {
  const fail = (code: number, outcome: string, title: string, msg: string): Checked => ({ ok: false, response: respond(code, outcome, messagePage(title, msg), method) });
  const m = PATH.exec(req.path);
  if (!m) return fail(404, 'not-found', 'Not found', 'There is no approval at this address.');
  const approvalId = m[1];
  const expText = req.query.exp ?? '';
  const sig = req.query.sig ?? '';
  if (!EXP.test(expText) || !SIGNATURE_PATTERN.test(sig)) {
    return fail(400, 'malformed-link', 'Incomplete link', 'This link is missing or has a damaged expiry or signature. Open the link exactly as it was emailed (some mail clients break long links). Nothing was decided.');
  }
  const exp = Number(expText);
  if (!verifyLink(await deps.signingKey(), approvalId, exp, APPROVAL_ACTION, sig)) {
    return fail(403, 'bad-signature', 'Invalid link', 'This link is not valid: it was altered or not issued by this control plane. Nothing was decided.');
  }
  const record = await deps.approvals.get(approvalId);
  if (!record) return fail(404, 'unknown', 'Unknown request', 'No approval request exists for this link (records are kept for a week after they expire). Nothing was decided.');
  // A valid signature over another expiry or action than the record's is a link this request never issued.
  if (record.action !== APPROVAL_ACTION || record.expiresAt !== exp) {
    return fail(403, 'record-mismatch', 'Invalid link', 'This link does not match the approval request it names. Nothing was decided.');
  }
  if (record.status === 'EXPIRED') return { ok: false, response: about(record, expiredPage(record, method)) };
  if (record.status !== 'PENDING') {
    const by = record.decidedBy ? ` by ${record.decidedBy}` : '';
    const when = record.decidedAt ? ` at ${new Date(record.decidedAt).toISOString()}` : '';
    const page = messagePage('Already decided', `This request was already ${record.status.toLowerCase()}${by}${when}. Each link works once; nothing was changed.`);
    return { ok: false, response: about(record, respond(409, 'already-decided', page, method)) };
  }
  const now = deps.clock.now();
  if (now >= Math.min(exp, record.expiresAt)) {
    // Housekeeping only on POST: a scanner's GET must leave no trace in the store.
    if (method === 'POST') await deps.approvals.decide(approvalId, { status: 'EXPIRED', by: 'nobody: expired unanswered', at: now });
    return { ok: false, response: about(record, expiredPage(record, method)) };
  }
  return { ok: true, record, exp, sig };
}

export async function handleApprovalRequest(req: HttpRequest, deps: ApprovalCallbackDeps): Promise<HttpResponse> {
  const method = req.method.toUpperCase();
  if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') {
    return respond(405, 'method-not-allowed', messagePage('Method not allowed', 'Open the emailed link in a browser and use the form on the page.'), method, { allow: ALLOWED_METHODS });
  }
  const checked = await checkLink(req, method, deps);
  if (!checked.ok) return checked.response;
  const { record, exp, sig } = checked;
  if (method !== 'POST') {
    // Mail scanners fetch every link: GET and HEAD only ever render, they never decide.
    const action = `?exp=${exp}&sig=${sig}`;
    return about(record, respond(200, 'rendered', confirmationPage(record, action, deps.clock.now(), deps.config.approval), method));
  }
  return about(record, await decide(req, record, deps));
}

async function decide(req: HttpRequest, record: ApprovalRecord, deps: ApprovalCallbackDeps): Promise<HttpResponse> {
  const method = 'POST';
  const now = deps.clock.now();
  const audit = (outcome: string, detail: Record<string, unknown>) =>
    deps.audit.record({
      incidentId: record.incidentId,
      executionId: record.executionId,
      step: 'ApprovalDecision',
      outcome,
      detail: { approvalId: record.approvalId, ...detail },
      at: new Date(now).toISOString(),
    });
  const refuse = async (code: number, outcome: string, title: string, msg: string) => {
    await audit('REFUSED', { why: outcome });
    return respond(code, outcome, messagePage(title, `${msg} Nothing was decided.`), method);
  };

  const { csrf = '', decision = '', approver = '', reason = '', acceptDataLoss = '' } = req.form;
  // An email scanner that auto-submits forms never has this token: it is in the page, not the link.
  if (!csrf || !safeEqual(csrf, record.csrfToken)) {
    return refuse(403, 'csrf', 'Form expired or forged', 'Submit the decision from the approval page itself (reload the link to get a fresh form).');
  }
  if (decision !== 'approve' && decision !== 'reject') return refuse(400, 'no-decision', 'No decision', 'Choose Approve or Reject.');
  const who = approver.trim().toLowerCase();
  if (!who) return refuse(400, 'no-approver', 'Your email is needed', 'Type your email address: it must be on the approver list.');
  if (who.length > MAX_APPROVER_CHARS || !deps.config.approval.approvers.some((a) => a.toLowerCase() === who)) {
    return refuse(403, 'not-approver', 'Not an approver', 'That email is not on the approver list for this control plane.');
  }
  const why = reason.trim();
  if (why.length > MAX_REASON_CHARS) return refuse(400, 'reason-too-long', 'Reason too long', `Keep the reason under ${MAX_REASON_CHARS} characters.`);
  if (decision === 'reject' && !why) return refuse(400, 'no-reason', 'Reason needed', 'Say why you reject, so the on-call team knows.');
  if (decision === 'approve' && !record.summary.rpoWithinTarget && acceptDataLoss !== 'yes') {
    return refuse(400, 'data-loss-not-accepted', 'Data loss not accepted', 'The estimated data loss is over the RPO target or unknown: tick the box that accepts it, or reject.');
  }

  const status = decision === 'approve' ? 'APPROVED' : 'REJECTED';
  // Single use: only the first conditional write from PENDING wins; a replay or a racing submit gets 409.
  if (!(await deps.approvals.decide(record.approvalId, { status, by: who, at: now, reason: why || undefined }))) {
    return respond(409, 'lost-race', messagePage('Already decided', 'Someone decided this request first. Nothing was changed.'), method);
  }
  try {
    if (status === 'APPROVED') {
      await deps.callbacks.sendSuccess(record.taskToken, { decision: 'APPROVED', approver: who, reason: why, approvalId: record.approvalId, decidedAt: new Date(now).toISOString() });
    } else {
      await deps.callbacks.sendFailure(record.taskToken, 'ApprovalRejected', `Rejected by ${who}: ${why}`);
    }
  } catch (err) {
    if (err instanceof TaskNoLongerWaitingError) {
      // Timed out (or stopped) between the page and the click: the record must not claim a decision that did nothing.
      await deps.approvals.revertDecision(record.approvalId, { decidedAt: now, to: 'EXPIRED', note: `${status.toLowerCase()} by ${who} after Step Functions stopped waiting` });
      await audit('LATE', { approver: who, attempted: status });
      return respond(
        410,
        'late',
        messagePage('Too late', `The failover stopped waiting for this decision (it timed out or was stopped) before your answer arrived. Your answer was not applied; the escalation alert for incident ${record.incidentId} says what happened.`),
        method,
      );
    }
    // Delivery failed for another reason: reopen the request so a retry can succeed, then report the failure.
    await deps.approvals.revertDecision(record.approvalId, { decidedAt: now, to: 'PENDING' }).catch(() => false);
    throw err;
  }
  await audit(status, { approver: who, reason: why });
  return status === 'APPROVED'
    ? respond(200, 'approved', messagePage('Failover approved', `Thank you, ${who}. The failover from ${record.fromRegion} to ${record.toRegion} continues; alerts will follow.`), method)
    : respond(200, 'rejected', messagePage('Failover rejected', `Thank you, ${who}. The failover was rejected and nothing was changed.`), method);
}
