import type { ApprovalRecord } from '../shared/ports';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

// Phone first: one column under 600 px, and long ids, ARNs and evidence wrap instead of widening the page.
const STYLE = `
html{-webkit-text-size-adjust:100%}
body{font:16px/1.5 system-ui,-apple-system,Segoe UI,sans-serif;margin:0;background:#f4f5f7;color:#1b1f24;overflow-wrap:anywhere}
main{max-width:720px;margin:32px auto;background:#fff;border-radius:10px;box-shadow:0 1px 4px rgba(0,0,0,.12);padding:24px 28px;box-sizing:border-box}
h1{font-size:22px;margin:0 0 12px;line-height:1.3} h2{font-size:17px;margin:22px 0 8px} .muted{color:#57606a} code{font:13px/1.45 ui-monospace,Menlo,monospace}
.warn{background:#fff4e5;border-left:4px solid #d97706;padding:8px 12px;border-radius:4px}
.ok{background:#e8f5e9;border-left:4px solid #2e7d32;padding:8px 12px;border-radius:4px}
.error{background:#fdecea;border-left:4px solid #c62828;padding:8px 12px;border-radius:4px}
.notice{background:#e8f0fe;border-left:4px solid #1a56db;padding:8px 12px;border-radius:4px}
dl{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:4px 16px} dt{font-weight:600} dd{margin:0;min-width:0}
table{border-collapse:collapse;width:100%} th,td{text-align:left;padding:4px 8px 4px 0;border-bottom:1px solid #e5e7eb;vertical-align:top} td.over{color:#b45309;font-weight:600}
ul.evidence{list-style:none;padding:0;margin:0} ul.evidence li{padding:4px 0;border-bottom:1px solid #eef0f2} .since{display:block;color:#57606a;font-size:14px}
label{display:block;margin:14px 0 4px;font-weight:600} label.check{font-weight:400;display:flex;gap:8px;align-items:flex-start} label.check input{width:auto;margin-top:4px}
input,textarea{width:100%;max-width:100%;box-sizing:border-box;padding:10px;font:inherit;border:1px solid #c9d1d9;border-radius:6px}
.buttons{display:flex;flex-wrap:wrap;gap:12px;margin-top:18px} button{font:inherit;padding:12px 18px;border-radius:6px;border:0;cursor:pointer;flex:1 1 auto}
.approve{background:#c62828;color:#fff} .reject{background:#e7e9ec;color:#1b1f24} .primary{background:#1a56db;color:#fff}
.links a{display:inline-block;margin:4px 16px 4px 0}
@media (max-width:600px){main{margin:0;border-radius:0;padding:16px;box-shadow:none} dl{grid-template-columns:minmax(0,1fr)} dt{margin-top:8px}}`;

export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex,nofollow"><title>${esc(title)}</title><style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
}

function ms(v: number | null): string {
  if (v === null) return 'unknown';
  return v < 1000 ? `${v} ms` : `${(v / 1000).toFixed(1)} s`;
}

/** `2025-01-02T03:04:05.000Z` -> `03:04:05 UTC, 2 Jan`: what an on-call engineer compares with a clock. */
export function clockTime(iso: string | number): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const month = d.toLocaleString('en-GB', { month: 'short', timeZone: 'UTC' });
  return `${d.toISOString().slice(11, 19)} UTC, ${d.getUTCDate()} ${month}`;
}

/** Everything both steps of the page show; built by the use case from the record and the config. */
export interface PageContext {
  /** `?exp=..&sig=..`: the link itself, which every form posts back to. */
  readonly formAction: string;
  readonly now: number;
  readonly policy: { readonly onTimeout: 'abort' | 'proceed'; readonly escalation: readonly string[] };
  readonly executionUrl: string;
  readonly dashboardUrl: string;
  /** The execution's name, for the `drctl approve` alternative. */
  readonly executionName: string;
}

/**
 * An evidence line and when its state began. The CloudWatch adapter writes `... since <ISO time> ...` into each
 * alarm's line (its StateUpdatedTimestamp); a line without one was true when the verdict was reached.
 */
function evidenceItem(line: string, checkedAt: string | undefined): string {
  const m = /\bsince (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)/.exec(line);
  const since = m ? `since ${clockTime(m[1])}` : checkedAt ? `seen at the check, ${clockTime(checkedAt)}` : 'time not recorded';
  return `<li><code>${esc(line)}</code><span class="since">${esc(since)}</span></li>`;
}

function summary(rec: ApprovalRecord, ctx: PageContext): string {
  const s = rec.summary;
  const unknown = s.rpoUnknownStores ?? [];
  const rpo = s.rpoWithinTarget
    ? `<p class="ok" id="rpo">Estimated data loss <strong>${ms(s.estimatedRpoMs)}</strong>, within the RPO target of ${ms(s.rpoTargetMs)}.</p>`
    : unknown.length > 0
      ? `<p class="warn" id="rpo">Estimated data loss <strong>${ms(s.estimatedRpoMs)}</strong>, but <strong>unknown</strong> for ${esc(unknown.join(', '))}, so it counts as <strong>over</strong> the RPO target of ${ms(s.rpoTargetMs)}: the data at risk there cannot be bounded. Writes acknowledged by ${esc(rec.fromRegion)} in that window may be lost.</p>`
      : `<p class="warn" id="rpo">Estimated data loss <strong>${ms(s.estimatedRpoMs)}</strong> is <strong>over</strong> the RPO target of ${ms(s.rpoTargetMs)}${s.estimatedRpoMs === null ? ' (a store reports no lag, so it cannot be bounded)' : ''}. Writes acknowledged by ${esc(rec.fromRegion)} in that window may be lost.</p>`;
  const stores = Object.entries(s.lagByStore ?? {});
  const storeTable = stores.length
    ? `<table id="stores"><thead><tr><th>Data store</th><th>Estimated loss (replication lag)</th></tr></thead><tbody>${stores
        .map(([name, lag]) => {
          const over = lag === null || lag > s.rpoTargetMs;
          return `<tr><td>${esc(name)}</td><td${over ? ' class="over"' : ''}>${esc(ms(lag))}${over ? ' (over target)' : ''}</td></tr>`;
        })
        .join('')}</tbody></table>`
    : '';
  const measured = s.rpoEvidence?.length
    ? `<p class="muted" id="rpo-method">Measured by replication heartbeat: each region writes the time into its own replica of every table and bucket every few seconds; the newest one from ${esc(rec.fromRegion)} that ${esc(rec.toRegion)} holds says how far behind ${esc(rec.toRegion)} is. CloudWatch's replication metric is a second opinion only (it cannot see a stall). Aurora carries no heartbeat: its lag metric is shown instead.</p>
<ul id="rpo-evidence">${s.rpoEvidence.map((e) => `<li>${esc(e)}</li>`).join('')}</ul>`
    : '';
  const why = s.approvalReason ? `<p id="why">Why you are asked: ${esc(s.approvalReason)}.</p>` : '';
  const minutes = Math.max(0, Math.round((rec.expiresAt - ctx.now) / 60_000));
  const onTimeout =
    ctx.policy.onTimeout === 'abort' ? 'the failover is aborted and traffic stays where it is' : 'the failover proceeds without a human decision';
  const t = s.trigger;
  const started = t
    ? `<dt>Started by</dt><dd id="trigger">${t.source === 'manual' ? 'an operator (drctl failover)' : esc(t.source)}${t.at ? `, ${esc(clockTime(t.at))}` : ''}${t.reason ? `<br>reason, quoted as typed: <q id="trigger-reason">${esc(t.reason)}</q>` : ''}</dd>`
    : '';
  return `<h1>Fail over ${esc(s.application)} from ${esc(rec.fromRegion)} to ${esc(rec.toRegion)}?</h1>
<p class="muted">Incident <code id="incident">${esc(rec.incidentId)}</code> · expires ${esc(clockTime(rec.expiresAt))} (about ${minutes} min)${s.dryRun ? ' · DRY RUN' : ''}</p>
${rpo}
${storeTable}
${measured}
${why}
<dl><dt>Health verdict</dt><dd><strong id="verdict">${esc(s.verdict)}</strong></dd>
<dt>Regions</dt><dd id="regions">from ${esc(rec.fromRegion)} to ${esc(rec.toRegion)}</dd>
<dt>What happens</dt><dd>${esc(rec.fromRegion)} is fenced (its writers stop), data stores are promoted in ${esc(rec.toRegion)}, and all traffic moves to ${esc(rec.toRegion)}.</dd>
${started}
<dt>If nobody answers</dt><dd>${esc(onTimeout)}; ${esc(ctx.policy.escalation.join(', '))} are alerted.</dd></dl>
<h2>Evidence</h2>
<ul class="evidence" id="evidence">${s.evidence.length ? s.evidence.map((e) => evidenceItem(e, s.checkedAt)).join('') : '<li>no evidence recorded</li>'}</ul>
<p class="links"><a id="execution-link" href="${esc(ctx.executionUrl)}" rel="noopener noreferrer">Execution in the Step Functions console</a><a id="dashboard-link" href="${esc(ctx.dashboardUrl)}" rel="noopener noreferrer">Control-plane dashboard</a></p>`;
}

/**
 * Step 1, what a GET shows (and decides nothing): the request, and a form that asks for the approver's address to
 * email a one-time code to. Pressing Enter here only asks for a code.
 */
export function confirmationPage(rec: ApprovalRecord, ctx: PageContext, error?: string): string {
  return page(
    'Approve regional failover?',
    `${summary(rec, ctx)}
<h2>Decide</h2>
${error ? `<p class="error" id="error">${esc(error)}</p>` : ''}
<form method="post" action="${esc(ctx.formAction)}" id="code-form">
<input type="hidden" name="csrf" value="${esc(rec.csrfToken)}">
<input type="hidden" name="step" value="code">
<label for="approver">Your email address</label>
<input id="approver" name="approver" type="email" required maxlength="254" autocomplete="email" inputmode="email">
<p class="muted">We email a one-time code to that address. Only a listed approver can decide, with the code from their own mailbox.</p>
<div class="buttons"><button class="primary" id="send-code" type="submit">Email me a code</button></div>
</form>
<p class="muted">Or, with AWS credentials for the approver role: <code>drctl approve ${esc(ctx.executionName)}</code></p>`,
  );
}

/**
 * Step 2, after a code was asked for: the same request, and the decision form. Enter in a field submits a form
 * through its default button, its first submit button; here that is a hidden one that carries no decision, so
 * Enter only brings the form back with a reminder. Reject comes before Approve as well, so a browser that ever
 * skipped the hidden button would still never approve on Enter. Only pressing Approve approves.
 */
export function codePage(
  rec: ApprovalRecord,
  ctx: PageContext,
  c: { challengeId: string; address: string; codeExpiresAt: number; maxAttempts: number; notice?: string; error?: string; reason?: string },
): string {
  const over = !rec.summary.rpoWithinTarget;
  const accept = over
    ? `<label class="check"><input type="checkbox" id="acceptDataLoss" name="acceptDataLoss" value="yes"> <span>I accept the estimated data loss above (needed to approve)</span></label>`
    : '';
  const notice =
    c.notice ??
    `If ${c.address} is on the approver list, a one-time code is on its way to it. It works until ${clockTime(c.codeExpiresAt)}, for ${c.maxAttempts} tries.`;
  return page(
    'Approve regional failover?',
    `${summary(rec, ctx)}
<h2>Decide</h2>
<p class="notice" id="notice">${esc(notice)}</p>
${c.error ? `<p class="error" id="error">${esc(c.error)}</p>` : ''}
<form method="post" action="${esc(ctx.formAction)}" id="decide-form">
<button type="submit" id="enter-guard" name="decision" value="enter" hidden aria-hidden="true" tabindex="-1"></button>
<input type="hidden" name="csrf" value="${esc(rec.csrfToken)}">
<input type="hidden" name="step" value="decide">
<input type="hidden" name="challenge" value="${esc(c.challengeId)}">
<label for="code">Code from the email</label>
<input id="code" name="code" required maxlength="16" autocomplete="one-time-code" inputmode="numeric">
<label for="reason">Reason (required to reject; quoted in the alert)</label>
<textarea id="reason" name="reason" rows="2" maxlength="500">${esc(c.reason ?? '')}</textarea>
${accept}
<div class="buttons"><button class="reject" id="reject" type="submit" name="decision" value="reject">Reject</button>
<button class="approve" id="approve" type="submit" name="decision" value="approve">${over ? 'Approve failover, accepting the loss' : 'Approve failover'}</button></div>
</form>
<p><a id="back" href="${esc(ctx.formAction)}">Send a new code, or use another address</a></p>`,
  );
}

/** A page with a title and a sentence; `links` lead back to the form or on to the execution. */
export function messagePage(title: string, message: string, links: { back?: string; execution?: string } = {}): string {
  const nav = [
    links.back ? `<a id="back" href="${esc(links.back)}">Back to the approval request</a>` : '',
    links.execution ? `<a id="execution-link" href="${esc(links.execution)}" rel="noopener noreferrer">The execution in the Step Functions console</a>` : '',
  ].filter(Boolean);
  return page(title, `<h1 id="title">${esc(title)}</h1><p id="message">${esc(message)}</p>${nav.length ? `<p class="links">${nav.join('')}</p>` : ''}`);
}
