import type { DrConfig } from '../../config/schema';
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
}

export interface ApprovalRequested {
  readonly approvalId: string;
  readonly url: string;
  readonly expiresAt: number;
  readonly estimatedRpoMs: number | null;
  readonly rpoTargetMs: number;
}

export const APPROVAL_ACTION = 'regional-failover';

export function approvalUrl(baseUrl: string, approvalId: string, expiresAt: number, signature: string): string {
  return `${baseUrl.replace(/\/$/, '')}/approvals/${encodeURIComponent(approvalId)}?exp=${expiresAt}&sig=${signature}`;
}

function formatMs(ms: number | null): string {
  if (ms === null) return 'unknown';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * The `.waitForTaskToken` task: keeps the token server-side under a random id and emails a link that
 * carries only that id, an expiry and a signature. Returns what it sent (Step Functions ignores it).
 */
export async function requestApproval(event: unknown, deps: ApprovalRequestDeps): Promise<ApprovalRequested> {
  const taskToken = (event as { taskToken?: unknown } | null)?.taskToken;
  if (typeof taskToken !== 'string' || taskToken.length === 0) throw new InvalidInputError('approval-request needs a "taskToken"');
  const state = requireState(event);
  const request = parseRequest(state);
  const health = (state.health ?? {}) as { verdict?: string; evidence?: string[]; summary?: string };
  const risk = (state.dataRisk ?? {}) as { estimatedRpoMs?: number | null; rpoTargetMs?: number; rpoWithinTarget?: boolean; approval?: { timeoutSeconds?: number } };
  const now = deps.clock.now();
  const timeoutSeconds = risk.approval?.timeoutSeconds ?? deps.config.approval.timeoutSeconds;
  const expiresAt = now + timeoutSeconds * 1000;
  const approvalId = randomId();
  const record: ApprovalRecord = {
    approvalId,
    taskToken,
    executionId: request.execution?.id ?? '',
    incidentId: request.incidentId,
    action: APPROVAL_ACTION,
    fromRegion: request.fromRegion,
    toRegion: request.toRegion,
    expiresAt,
    createdAt: now,
    status: 'PENDING',
    csrfToken: randomId(),
    summary: {
      application: deps.config.application,
      verdict: health.verdict ?? 'UNKNOWN',
      evidence: health.evidence ?? [],
      estimatedRpoMs: risk.estimatedRpoMs ?? null,
      rpoTargetMs: risk.rpoTargetMs ?? Math.round(deps.config.objectives.rpoSeconds * 1000),
      rpoWithinTarget: risk.rpoWithinTarget ?? false,
      dryRun: request.dryRun,
    },
  };
  await deps.approvals.put(record);
  const key = await deps.signingKey();
  const url = approvalUrl(deps.approvalBaseUrl, approvalId, expiresAt, signLink(key, approvalId, expiresAt, APPROVAL_ACTION));
  const s = record.summary;
  const body = [
    `A regional failover of "${s.application}" is waiting for your decision.`,
    '',
    `What will happen: all traffic for ${deps.config.globalDomain.name} moves from ${request.fromRegion} to ${request.toRegion};`,
    `${request.fromRegion} is fenced (its writers stop) and the data stores are promoted in ${request.toRegion}.`,
    '',
    `Health verdict: ${s.verdict}. ${health.summary ?? ''}`,
    ...s.evidence.map((e) => `  ${e}`),
    '',
    `Estimated data loss (replication lag): ${formatMs(s.estimatedRpoMs)}; RPO target ${formatMs(s.rpoTargetMs)}${s.rpoWithinTarget ? '' : '  <-- OVER TARGET'}.`,
    '',
    `Open this link to review and decide (it expires ${new Date(expiresAt).toISOString()}, and opening it decides nothing):`,
    url,
    '',
    `Incident ${request.incidentId}. If nobody decides in time: ${deps.config.approval.onTimeout === 'abort' ? 'the failover is aborted' : 'the failover proceeds'} and ${deps.config.approval.escalation.join(', ')} are alerted.`,
  ].join('\n');
  await deps.notifier.publish({
    topic: 'approval',
    subject: `[DR] Approve failover of ${s.application} ${request.fromRegion} -> ${request.toRegion}?`,
    body,
    attributes: { incidentId: request.incidentId, approvalId },
  });
  await deps.audit.record({
    incidentId: request.incidentId,
    executionId: record.executionId,
    step: 'RequestApproval',
    outcome: 'REQUESTED',
    detail: { approvalId, expiresAt, approvers: deps.config.approval.approvers, estimatedRpoMs: s.estimatedRpoMs },
    at: new Date(now).toISOString(),
  });
  return { approvalId, url, expiresAt, estimatedRpoMs: s.estimatedRpoMs, rpoTargetMs: s.rpoTargetMs };
}
