import type { DrConfig } from '../../config/schema';
import { auditStepOf, STEPS } from '../../config/steps';
import { clip } from '../shared/bounded';
import { InvalidInputError } from '../shared/errors';
import { dashboardConsoleUrl, executionConsoleUrl } from '../shared/console-links';
import { cleanFreeText, quoted } from '../shared/free-text';
import type { ApprovalRecord, ApprovalStore, ApproverChallenges, AuditLog, Clock, Notifier } from '../shared/ports';
import { randomId, signLink } from '../shared/signing';
import { parseRequest, requireState } from '../shared/workflow';

export interface ApprovalRequestDeps {
  readonly config: DrConfig;
  readonly approvals: ApprovalStore;
  /** Where `drctl approve EXECUTION` finds this request: the execution is pointed at its newest approval id. */
  readonly challenges: Pick<ApproverChallenges, 'linkExecution'>;
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
  const lines = raw
    .map((e) =>
      e && typeof e === 'object' && typeof (e as { detail?: unknown }).detail === 'string' ? clip((e as { detail: string }).detail, 240) : undefined,
    )
    .filter((l): l is string => l !== undefined);
  return lines.length > MAX_EVIDENCE_LINES
    ? [...lines.slice(0, MAX_EVIDENCE_LINES), `and ${lines.length - MAX_EVIDENCE_LINES} more store(s): see the AssessDataRisk audit entry`]
    : lines;
}

export function formatMs(ms: number | null): string {
  if (ms === null) return 'unknown';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** AssessDataRisk's per-store lags, kept only when they have the expected shape (a store name -> ms or null). */
function lagsOf(value: unknown): Record<string, number | null> | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v === null || (typeof v === 'number' && Number.isFinite(v)));
  return Object.fromEntries(entries) as Record<string, number | null>;
}

/**
 * The link must expire exactly when Step Functions stops waiting, so it reads the same field the
 * definition's TimeoutSecondsPath reads; the config value only stands in when the field is absent.
 */
function timeoutOf(risk: { approval?: { timeoutSeconds?: unknown } }, config: DrConfig): number {
  const t = risk.approval?.timeoutSeconds;
  if (t === undefined) return config.approval.timeoutSeconds;
  if (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > MAX_TIMEOUT_SECONDS) {
    throw new InvalidInputError(
      `approval-request: state.dataRisk.approval.timeoutSeconds must be an integer from 1 to ${MAX_TIMEOUT_SECONDS} (got ${JSON.stringify(t)})`,
    );
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
  const health = (state.health ?? {}) as { verdict?: string; evidence?: string[]; summary?: string; checkedAt?: unknown };
  const risk = (state.dataRisk ?? {}) as {
    estimatedRpoMs?: number | null;
    rpoTargetMs?: number;
    rpoWithinTarget?: boolean;
    lagByStore?: unknown;
    approval?: { timeoutSeconds?: unknown; reason?: unknown };
    lagEvidence?: unknown;
    rpoUnknownStores?: unknown;
  };
  // The operator's words (drctl failover --reason) go to the approver and the audit trail as data, never as markup.
  const reason = request.trigger.reason === undefined ? undefined : cleanFreeText(request.trigger.reason);
  const evidence = rpoEvidence(risk.lagEvidence);
  const unknownStores = Array.isArray(risk.rpoUnknownStores)
    ? risk.rpoUnknownStores.filter((x): x is string => typeof x === 'string').slice(0, MAX_EVIDENCE_LINES)
    : [];
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
      lagByStore: lagsOf(risk.lagByStore),
      ...(typeof health.checkedAt === 'string' ? { checkedAt: health.checkedAt } : {}),
      trigger: { source: request.trigger.source, at: request.trigger.at, ...(reason ? { reason } : {}) },
    },
  };
  await deps.approvals.put(record);
  await deps.challenges.linkExecution(executionId, approvalId, expiresAt);
  const key = await deps.signingKey();
  const url = approvalUrl(deps.approvalBaseUrl, approvalId, expiresAt, signLink(key, approvalId, expiresAt, APPROVAL_ACTION));
  const s = record.summary;
  const onTimeout =
    deps.config.approval.onTimeout === 'abort' ? 'the failover is aborted and traffic stays where it is' : 'the failover proceeds without a human decision';
  const stores = Object.entries(s.lagByStore ?? {});
  const body = [
    `A regional failover of "${s.application}" is waiting for your decision.`,
    '',
    `What will happen: all traffic for ${deps.config.globalDomain.name} moves from ${request.fromRegion} to ${request.toRegion};`,
    `${request.fromRegion} is fenced (its writers stop) and the data stores are promoted in ${request.toRegion}.`,
    '',
    `Started by: ${request.trigger.source === 'manual' ? 'an operator (drctl failover)' : request.trigger.source} at ${request.trigger.at}.`,
    ...(reason ? [`Operator's reason, quoted as typed: ${quoted(reason)}`] : []),
    '',
    `Health verdict: ${s.verdict}. ${health.summary ?? ''}`.trimEnd(),
    ...s.evidence.map((e) => `  ${e}`),
    ...(s.checkedAt ? [`  (checked ${s.checkedAt})`] : []),
    '',
    `Estimated data loss (replication lag): ${formatMs(s.estimatedRpoMs)}; RPO target ${formatMs(s.rpoTargetMs)}${s.rpoWithinTarget ? '' : '  <-- OVER TARGET OR UNKNOWN'}.`,
    ...stores.map(([store, lag]) => `  ${store}: ${formatMs(lag)}${lag === null || lag > s.rpoTargetMs ? '  (over target or unknown)' : ''}`),
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
    'To decide, you confirm your address with a one-time code the page emails to it; nobody else can decide for you.',
    `With AWS credentials for the approver role instead: drctl approve ${request.execution?.name ?? executionId} (or drctl reject ... --reason TEXT).`,
    '',
    `Execution: ${executionConsoleUrl(executionId, request.toRegion)}`,
    `Dashboard: ${dashboardConsoleUrl(s.application, request.toRegion)}`,
    '',
    `Incident ${request.incidentId}. If nobody decides in time, ${onTimeout}, and ${deps.config.approval.escalation.join(', ')} are alerted.`,
    'Do not forward this email: a forwarded link still shows the request, though only a listed approver can decide.',
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
    step: auditStepOf(STEPS.approvalRequest, event),
    outcome: 'REQUESTED',
    detail: {
      approvalId,
      expiresAt,
      timeoutSeconds,
      approvers: deps.config.approval.approvers,
      estimatedRpoMs: s.estimatedRpoMs,
      trigger: { source: request.trigger.source, ...(reason ? { reason } : {}) },
    },
    at: new Date(now).toISOString(),
  });
  return { approvalId, url, expiresAt, estimatedRpoMs: s.estimatedRpoMs, rpoTargetMs: s.rpoTargetMs };
}
