import type { DrConfig } from '../../config/schema';
import { APPROVAL_ACTION } from '../approval-request/approval-request';
import type { ApprovalRecord, ApprovalStore, AuditLog, Clock, TaskCallbacks } from '../shared/ports';
import { TaskNoLongerWaitingError } from '../shared/ports';
import { safeEqual, verifyLink } from '../shared/signing';
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
  readonly path: string;
  readonly query: Record<string, string | undefined>;
  /** Parsed application/x-www-form-urlencoded body (POST). */
  readonly form: Record<string, string>;
  /** How the caller reached us, used as the form action. */
  readonly url: string;
}

export interface HttpResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
};

const respond = (statusCode: number, body: string, method: string): HttpResponse => ({
  statusCode,
  headers: { ...HEADERS },
  body: method === 'HEAD' ? '' : body,
});

const PATH = /^\/approvals\/([A-Za-z0-9_-]{10,64})\/?$/;

type Checked = { ok: true; record: ApprovalRecord } | { ok: false; response: HttpResponse };

/** Link checks shared by GET and POST: signature, expiry, existence, status. */
async function checkLink(req: HttpRequest, deps: ApprovalCallbackDeps): Promise<Checked> {
  const m = PATH.exec(req.path);
  const fail = (code: number, title: string, msg: string): Checked => ({ ok: false, response: respond(code, messagePage(title, msg), req.method) });
  if (!m) return fail(404, 'Not found', 'There is no approval at this address.');
  const approvalId = m[1];
  const exp = Number(req.query.exp);
  const sig = req.query.sig ?? '';
  if (!Number.isSafeInteger(exp) || !sig) return fail(400, 'Incomplete link', 'This link is missing its expiry or signature. Open the link exactly as it was emailed.');
  if (!verifyLink(await deps.signingKey(), approvalId, exp, APPROVAL_ACTION, sig)) {
    return fail(403, 'Invalid link', 'This link is not valid (it was altered or not issued by this control plane). Nothing was decided.');
  }
  const record = await deps.approvals.get(approvalId);
  if (!record) return fail(404, 'Unknown request', 'No approval request exists for this link.');
  if (record.status !== 'PENDING') {
    const by = record.decidedBy ? ` by ${record.decidedBy}` : '';
    const when = record.decidedAt ? ` at ${new Date(record.decidedAt).toISOString()}` : '';
    return fail(409, 'Already decided', `This request was already ${record.status.toLowerCase()}${by}${when}. Nothing was changed.`);
  }
  if (deps.clock.now() >= Math.min(exp, record.expiresAt)) {
    return fail(410, 'Link expired', `This approval request expired at ${new Date(record.expiresAt).toISOString()}. Nothing was decided; check the escalation alert for what happened.`);
  }
  return { ok: true, record };
}

export async function handleApprovalRequest(req: HttpRequest, deps: ApprovalCallbackDeps): Promise<HttpResponse> {
  const method = req.method.toUpperCase();
  if (method === 'GET' || method === 'HEAD') {
    // Mail scanners fetch every link: a GET or HEAD only ever renders, it never decides.
    const checked = await checkLink({ ...req, method }, deps);
    if (!checked.ok) return checked.response;
    return respond(200, confirmationPage(checked.record, req.url, deps.clock.now()), method);
  }
  if (method !== 'POST') return { ...respond(405, messagePage('Method not allowed', 'Use the form on the approval page.'), method), headers: { ...HEADERS, allow: 'GET, HEAD, POST' } };

  const checked = await checkLink(req, deps);
  if (!checked.ok) return checked.response;
  const record = checked.record;
  const { csrf = '', decision = '', approver = '', reason = '' } = req.form;
  if (!csrf || !safeEqual(csrf, record.csrfToken)) {
    return respond(403, messagePage('Form expired or forged', 'Submit the decision from the approval page itself. Nothing was decided.'), method);
  }
  if (decision !== 'approve' && decision !== 'reject') return respond(400, messagePage('No decision', 'Choose Approve or Reject. Nothing was decided.'), method);
  const who = approver.trim().toLowerCase();
  if (!deps.config.approval.approvers.map((a) => a.toLowerCase()).includes(who)) {
    return respond(403, messagePage('Not an approver', 'That email is not on the approver list for this control plane. Nothing was decided.'), method);
  }
  const why = reason.trim().slice(0, 500);
  if (decision === 'reject' && !why) return respond(400, messagePage('Reason needed', 'Say why you reject, so the on-call team knows. Nothing was decided.'), method);

  const now = deps.clock.now();
  const status = decision === 'approve' ? 'APPROVED' : 'REJECTED';
  // Single use: only the first conditional write from PENDING wins; a replay gets 409.
  if (!(await deps.approvals.decide(record.approvalId, { status, by: who, at: now, reason: why || undefined }))) {
    return respond(409, messagePage('Already decided', 'Someone decided this request first. Nothing was changed.'), method);
  }
  try {
    if (status === 'APPROVED') {
      await deps.callbacks.sendSuccess(record.taskToken, { decision: 'APPROVED', approver: who, reason: why, approvalId: record.approvalId, decidedAt: new Date(now).toISOString() });
    } else {
      await deps.callbacks.sendFailure(record.taskToken, 'ApprovalRejected', `Rejected by ${who}: ${why}`);
    }
  } catch (err) {
    if (err instanceof TaskNoLongerWaitingError) {
      return respond(410, messagePage('Too late', 'The failover stopped waiting for this decision (it timed out or was stopped). Your answer was not applied.'), method);
    }
    throw err;
  }
  await deps.audit.record({
    incidentId: record.incidentId,
    executionId: record.executionId,
    step: 'ApprovalDecision',
    outcome: status,
    detail: { approvalId: record.approvalId, approver: who, reason: why },
    at: new Date(now).toISOString(),
  });
  return status === 'APPROVED'
    ? respond(200, messagePage('Failover approved', `Thank you, ${who}. The failover from ${record.fromRegion} to ${record.toRegion} continues; alerts will follow.`), method)
    : respond(200, messagePage('Failover rejected', `Thank you, ${who}. The failover was rejected and nothing was changed.`), method);
}
