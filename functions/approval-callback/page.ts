import type { ApprovalRecord } from '../shared/ports';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

const STYLE = `
body{font:16px/1.5 system-ui,-apple-system,Segoe UI,sans-serif;margin:0;background:#f4f5f7;color:#1b1f24}
main{max-width:720px;margin:40px auto;background:#fff;border-radius:10px;box-shadow:0 1px 4px rgba(0,0,0,.12);padding:28px 32px}
h1{font-size:22px;margin:0 0 12px} .muted{color:#57606a} code,pre{font:13px/1.45 ui-monospace,Menlo,monospace}
pre{background:#f6f8fa;border-radius:6px;padding:10px;white-space:pre-wrap}
.warn{background:#fff4e5;border-left:4px solid #d97706;padding:8px 12px;border-radius:4px}
.ok{background:#e8f5e9;border-left:4px solid #2e7d32;padding:8px 12px;border-radius:4px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px} dt{font-weight:600}
label{display:block;margin:14px 0 4px;font-weight:600} label.check{font-weight:400} label.check input{width:auto} input,textarea{width:100%;box-sizing:border-box;padding:8px;font:inherit;border:1px solid #c9d1d9;border-radius:6px}
.buttons{display:flex;gap:12px;margin-top:18px} button{font:inherit;padding:10px 18px;border-radius:6px;border:0;cursor:pointer}
.approve{background:#c62828;color:#fff} .reject{background:#e7e9ec;color:#1b1f24}`;

export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex,nofollow"><title>${esc(title)}</title><style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
}

function ms(v: number | null): string {
  if (v === null) return 'unknown';
  return v < 1000 ? `${v} ms` : `${(v / 1000).toFixed(1)} s`;
}

/** The confirmation page a GET shows. Rendering it decides nothing. `formAction` keeps the link's exp and sig. */
export function confirmationPage(rec: ApprovalRecord, formAction: string, now: number, policy: { onTimeout: 'abort' | 'proceed'; escalation: readonly string[] }): string {
  const s = rec.summary;
  const unknown = s.rpoUnknownStores ?? [];
  const rpo = s.rpoWithinTarget
    ? `<p class="ok" id="rpo">Estimated data loss <strong>${ms(s.estimatedRpoMs)}</strong>, within the RPO target of ${ms(s.rpoTargetMs)}.</p>`
    : unknown.length > 0
      ? `<p class="warn" id="rpo">Estimated data loss <strong>${ms(s.estimatedRpoMs)}</strong>, but <strong>unknown</strong> for ${esc(unknown.join(', '))}, so it counts as <strong>over</strong> the RPO target of ${ms(s.rpoTargetMs)}: the data at risk there cannot be bounded. Writes acknowledged by ${esc(rec.fromRegion)} in that window may be lost.</p>`
      : `<p class="warn" id="rpo">Estimated data loss <strong>${ms(s.estimatedRpoMs)}</strong> is <strong>over</strong> the RPO target of ${ms(s.rpoTargetMs)}${s.estimatedRpoMs === null ? ' (a store reports no lag, so it cannot be bounded)' : ''}. Writes acknowledged by ${esc(rec.fromRegion)} in that window may be lost.</p>`;
  const measured = s.rpoEvidence?.length
    ? `<p class="muted" id="rpo-method">Measured by replication heartbeat: each region writes the time into its own replica of every table and bucket every few seconds; the newest one from ${esc(rec.fromRegion)} that ${esc(rec.toRegion)} holds says how far behind ${esc(rec.toRegion)} is. CloudWatch's replication metric is a second opinion only (it cannot see a stall). Aurora carries no heartbeat: its lag metric is shown instead.</p>
<ul id="rpo-evidence">${s.rpoEvidence.map((e) => `<li>${esc(e)}</li>`).join('')}</ul>`
    : '';
  const why = s.approvalReason ? `<p id="why">Why you are asked: ${esc(s.approvalReason)}.</p>` : '';
  // Over target, approving must be a deliberate act: the box is required for Approve (the server checks too).
  const accept = s.rpoWithinTarget
    ? ''
    : `<label class="check"><input type="checkbox" id="acceptDataLoss" name="acceptDataLoss" value="yes"> I accept the estimated data loss above (needed to approve)</label>`;
  const minutes = Math.max(0, Math.round((rec.expiresAt - now) / 60_000));
  const onTimeout = policy.onTimeout === 'abort' ? 'the failover is aborted and traffic stays where it is' : 'the failover proceeds without a human decision';
  return page(
    'Approve regional failover?',
    `<h1>Fail over ${esc(s.application)} from ${esc(rec.fromRegion)} to ${esc(rec.toRegion)}?</h1>
<p class="muted">Incident <code id="incident">${esc(rec.incidentId)}</code> · expires ${esc(new Date(rec.expiresAt).toISOString())} (about ${minutes} min)${s.dryRun ? ' · DRY RUN' : ''}</p>
<dl><dt>Health verdict</dt><dd><strong id="verdict">${esc(s.verdict)}</strong></dd>
<dt>Regions</dt><dd id="regions">from ${esc(rec.fromRegion)} to ${esc(rec.toRegion)}</dd>
<dt>What happens</dt><dd>${esc(rec.fromRegion)} is fenced (its writers stop), data stores are promoted in ${esc(rec.toRegion)}, and all traffic moves to ${esc(rec.toRegion)}.</dd>
<dt>If nobody answers</dt><dd>${esc(onTimeout)}; ${esc(policy.escalation.join(', '))} are alerted.</dd></dl>
${rpo}
${measured}
${why}
<pre id="evidence">${esc(s.evidence.join('\n') || 'no evidence recorded')}</pre>
<form method="post" action="${esc(formAction)}">
<input type="hidden" name="csrf" value="${esc(rec.csrfToken)}">
<label for="approver">Your email (must be a listed approver)</label>
<input id="approver" name="approver" type="email" required maxlength="254" autocomplete="email">
<label for="reason">Reason (required to reject)</label>
<textarea id="reason" name="reason" rows="2" maxlength="500"></textarea>
${accept}
<div class="buttons"><button class="approve" id="approve" type="submit" name="decision" value="approve">Approve failover</button>
<button class="reject" id="reject" type="submit" name="decision" value="reject">Reject</button></div>
</form>`,
  );
}

export function messagePage(title: string, message: string): string {
  return page(title, `<h1 id="title">${esc(title)}</h1><p id="message">${esc(message)}</p>`);
}
