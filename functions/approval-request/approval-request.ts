import type { DrConfig } from '../../config/schema';
import { clip } from '../shared/bounded';
import { InvalidInputError } from '../shared/errors';
import type { ApprovalRecord, ApprovalStore, AuditLog, Clock, Notifier } from '../shared/ports';
import { randomId, signLink } from '../shared/signing';
import { parseRequest, requireState } from '../shared/workflow';

export interface ApprovalRequestDeps {
  readonly config: DrConfig;
  readonly approvals: ApprovalStore;
  readonly notifier: Notifier;
  readonly audit: AuditLog;
  readonly clock: Clock;
  /** Base URL of the approval endpoint, e.g. https://abc.execute-api.us-west-2.amazonaws.com/prod */
  readonly approvalBaseUrl: string;
  readonly signingKey: () => Promise<Buffer>;
  /** Unguessable ids (approval id, CSRF token). @default 128 random bits from node:crypto; a drill passes a seeded source. */
  readonly randomId?: () => string;
}

export interface ApprovalRequested {
  readonly approvalId: string;
  readonly url: string;
  readonly expiresAt: number;
  readonly estimatedRpoMs: number | null;
  readonly rpoTargetMs: number;
}

export const APPROVAL_ACTION = 'regional-failover';

/** SendTaskSuccess accepts tokens up to 1024 characters; anything longer is not a task token. */
const MAX_TASK_TOKEN_CHARS = 1024;
/** Same cap as the config's approval.timeoutSeconds. */
const MAX_TIMEOUT_SECONDS = 86_400;

export function approvalUrl(baseUrl: string, approvalId: string, expiresAt: number, signature: string): string {
  return `${baseUrl.replace(/\/$/, '')}/approvals/${encodeURIComponent(approvalId)}?exp=${expiresAt}&sig=${signature}`;
}

/** Evidence lines shown at most (one per store; the audit trail has every store). */
const MAX_EVIDENCE_LINES = 20;

/** One line per store from AssessDataRisk's `lagEvidence`, as far as it is well formed. */
function rpoEvidence(raw: unknown): string[] {
  if (!Array.isArray(raw)) return [];
  const lines = raw.map((e) => (e && typeof e === 'object' && typeof (e as { detail?: unknown }).detail === 'string' ? clip((e as { detail: string }).detail, 240) : undefined)).filter((l): l is string => l !== undefined);
  return lines.length > MAX_EVIDENCE_LINES ? [...lines.slice(0, MAX_EVIDENCE_LINES), `and ${lines.length - MAX_EVIDENCE_LINES} more store(s): see the AssessDataRisk audit entry`] : lines;
}

export function formatMs(ms: number | null): string {
  if (ms === null) return 'unknown';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * The link must expire exactly when Step Functions stops waiting, so it reads the same field the
 * definition's TimeoutSecondsPath reads; the config value only stands in when the field is absent.
 */
function timeoutOf(risk: { approval?: { timeoutSeconds?: unknown } }, config: DrConfig): number {
  const t = risk.approval?.timeoutSeconds;
  if (t === undefined) return config.approval.timeoutSeconds;
  if (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > MAX_TIMEOUT_SECONDS) {
    throw new InvalidInputError(`approval-request: state.dataRisk.approval.timeoutSeconds must be an integer from 1 to ${MAX_TIMEOUT_SECONDS} (got ${JSON.stringify(t)})`);
  }
  return t;
}

/**
 * The `.waitForTaskToken` task: keeps the token server-side under a random id and emails a link that
 * carries only that id, an expiry and a signature. Returns what it sent (Step Functions ignores it).
 */
export async function requestApproval(event: unknown, deps: ApprovalRequestDeps): Promise<ApprovalRequested> {
  const taskToken = (event as { taskToken?: unknown } | null)?.taskToken;
  if (typeof taskToken !== 'string' || taskToken.length === 0 || taskToken.length > MAX_TASK_TOKEN_CHARS) {
    throw new InvalidInputError(`approval-request needs a "taskToken" string of 1-${MAX_TASK_TOKEN_CHARS} characters`);
  }
  const state = requireState(event);
  const request = parseRequest(state);
  // A dry run changes nothing, so it never pages a human; the approval gate skips this task for it.
  if (request.dryRun) throw new InvalidInputError('approval-request: dry runs are never sent for approval (state.dryRun is true)');
  const executionId = request.execution?.id;
  if (!executionId) throw new InvalidInputError('approval-request: state.execution.id is missing (the link must be bound to one execution)');
  const health = (state.health ?? {}) as { verdict?: string; evidence?: string[]; summary?: string };
  const risk = (state.dataRisk ?? {}) as {
    estimatedRpoMs?: number | null;
    rpoTargetMs?: number;
    rpoWithinTarget?: boolean;
    approval?: { timeoutSeconds?: unknown; reason?: unknown };
    lagEvidence?: unknown;
    rpoUnknownStores?: unknown;
  };
  const evidence = rpoEvidence(risk.lagEvidence);
  const unknownStores = Array.isArray(risk.rpoUnknownStores) ? risk.rpoUnknownStores.filter((x): x is string => typeof x === 'string').slice(0, MAX_EVIDENCE_LINES) : [];
  const approvalReason = typeof risk.approval?.reason === 'string' ? clip(risk.approval.reason, 400) : undefined;
  const now = deps.clock.now();
  const timeoutSeconds = timeoutOf(risk, deps.config);
  const expiresAt = now + timeoutSeconds * 1000;
  const newId = deps.randomId ?? randomId;
  const approvalId = newId();
  const record: ApprovalRecord = {
    approvalId,
    taskToken,
    executionId,
    incidentId: request.incidentId,
    action: APPROVAL_ACTION,
    fromRegion: request.fromRegion,
    toRegion: request.toRegion,
    expiresAt,
    createdAt: now,
    status: 'PENDING',
    // Independent of the link: holding the URL alone is not enough to post a decision.
    csrfToken: newId(),
    summary: {
      application: deps.config.application,
      verdict: health.verdict ?? 'UNKNOWN',
      evidence: Array.isArray(health.evidence) ? health.evidence.map(String) : [],
      estimatedRpoMs: typeof risk.estimatedRpoMs === 'number' ? risk.estimatedRpoMs : null,
      rpoTargetMs: risk.rpoTargetMs ?? Math.round(deps.config.objectives.rpoSeconds * 1000),
      rpoWithinTarget: risk.rpoWithinTarget ?? false,
      ...(evidence.length > 0 ? { rpoEvidence: evidence } : {}),
      ...(unknownStores.length > 0 ? { rpoUnknownStores: unknownStores } : {}),
      ...(approvalReason ? { approvalReason } : {}),
      dryRun: false,
    },
  };
  await deps.approvals.put(record);
  const key = await deps.signingKey();
  const url = approvalUrl(deps.approvalBaseUrl, approvalId, expiresAt, signLink(key, approvalId, expiresAt, APPROVAL_ACTION));
  const s = record.summary;
  const onTimeout = deps.config.approval.onTimeout === 'abort' ? 'the failover is aborted and traffic stays where it is' : 'the failover proceeds without a human decision';
  const body = [
    `A regional failover of "${s.application}" is waiting for your decision.`,
    '',
    `What will happen: all traffic for ${deps.config.globalDomain.name} moves from ${request.fromRegion} to ${request.toRegion};`,
    `${request.fromRegion} is fenced (its writers stop) and the data stores are promoted in ${request.toRegion}.`,
    '',
    `Health verdict: ${s.verdict}. ${health.summary ?? ''}`.trimEnd(),
    ...s.evidence.map((e) => `  ${e}`),
    '',
    `Estimated data loss (replication lag): ${formatMs(s.estimatedRpoMs)}; RPO target ${formatMs(s.rpoTargetMs)}${s.rpoWithinTarget ? '' : '  <-- OVER TARGET OR UNKNOWN'}.`,
    'Writes acknowledged by the old primary within that window may never reach the new one.',
    ...(s.rpoUnknownStores?.length ? [`Unknown, so never counted as within target: ${s.rpoUnknownStores.join(', ')}.`] : []),
    ...(s.rpoEvidence?.length
      ? [
          `How it was measured (replication heartbeat: the newest heartbeat ${request.fromRegion} wrote that ${request.toRegion} holds; CloudWatch's replication metric is a second opinion only):`,
          ...s.rpoEvidence.map((e) => `  ${e}`),
        ]
      : []),
    ...(s.approvalReason ? [`Why you are asked: ${s.approvalReason}.`] : []),
    '',
    `Open this link to review and decide (it expires ${new Date(expiresAt).toISOString()}; opening it decides nothing):`,
    url,
    '',
    `Incident ${request.incidentId}. If nobody decides in time, ${onTimeout}, and ${deps.config.approval.escalation.join(', ')} are alerted.`,
    'Do not forward this email: anyone with the link can see the request.',
  ].join('\n');
  await deps.notifier.publish({
    topic: 'approval',
    subject: `[DR] Approve failover of ${s.application} ${request.fromRegion} -> ${request.toRegion}?`,
    body,
    attributes: { incidentId: request.incidentId, approvalId },
  });
  await deps.audit.record({
    incidentId: request.incidentId,
    executionId,
    step: 'RequestApproval',
    outcome: 'REQUESTED',
    detail: { approvalId, expiresAt, timeoutSeconds, approvers: deps.config.approval.approvers, estimatedRpoMs: s.estimatedRpoMs },
    at: new Date(now).toISOString(),
  });
  return { approvalId, url, expiresAt, estimatedRpoMs: s.estimatedRpoMs, rpoTargetMs: s.rpoTargetMs };
}
