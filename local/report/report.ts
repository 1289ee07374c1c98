import type { DrillEvent, DrillSummary } from '../drill';
import type { HistoryEvent } from '../runtime/history';
import { layoutMachine, NODE_H, type LayoutMachine, type MachineLayout, type PlacedNode } from './graph-layout';
import { STATUS_LABEL, stateStatuses, takenTransitions, type StateRun, type StateStatus } from './state-status';

/** The deployed configuration's projection (from `drctl plan`), to set the measured figures against. */
export interface ReportProjection {
  readonly rtoSeconds: number;
  readonly rtoTargetSeconds: number;
  readonly rpoSeconds: number;
  readonly rpoTargetSeconds: number;
  readonly terms: readonly { readonly key: string; readonly label: string; readonly seconds: number }[];
  readonly approvalNote?: string;
}

export interface DrillReportInput {
  readonly summary: DrillSummary;
  /** The drill's own events (faults, alarms, alerts), in order. */
  readonly events: readonly DrillEvent[];
  /** The failover definition the drill ran. */
  readonly definition: LayoutMachine;
  readonly projection?: ReportProjection;
  readonly generatedAt?: Date;
}

const esc = (v: unknown): string =>
  String(v ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');

const fmtMs = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : `${v} ms`);
const fmtS = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : `${Math.round(v * 10) / 10} s`);

/** A self-contained page: inline CSS and SVG, no script, nothing fetched. */
export function renderDrillReport(input: DrillReportInput): string {
  const { summary: s, definition } = input;
  const statuses = stateStatuses(s.history, definition);
  const taken = takenTransitions(s.history, definition);
  const layout = layoutMachine(definition);
  const generated = (input.generatedAt ?? new Date()).toISOString();
  const outcomeClass = s.outcome === 'FAILED_OVER' || s.outcome === 'NO_ACTION' || s.outcome === 'DRY_RUN' ? 'good' : s.outcome === 'INCOMPLETE' ? 'bad' : 'warn';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>DR drill ${esc(s.scenario)}: ${esc(s.outcome)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
  <h1>Failover drill <code>${esc(s.scenario)}</code> <span class="badge ${outcomeClass}" id="outcome">${esc(s.outcome)}</span></h1>
  <p class="meta">execution <code>${esc(s.executionName ?? 'none started')}</code> · serving region now <strong>${esc(s.activeRegion ?? 'none')}</strong> · seed ${s.seed} · AWS time on a virtual clock · expected <strong class="${s.matched ? 'ok' : 'ko'}">${s.matched ? 'met' : 'MISSED'}</strong> · invariants <strong class="${s.invariantsHeld ? 'ok' : 'ko'}">${s.invariantsHeld ? 'all held' : 'VIOLATED'}</strong> · generated ${esc(generated)}</p>
</header>
<main>
<section id="graph">
  <h2>State machine</h2>
  ${legend()}
  ${graphSvg(layout, statuses, taken)}
</section>
<section id="rto">
  <h2>RTO: measured vs projected</h2>
  ${rtoSection(s, input.projection)}
</section>
<section id="data">
  <h2>Data</h2>
  ${dataSection(s, input.projection)}
</section>
<section id="timeline">
  <h2>Timeline</h2>
  ${timelineSvg(s.history, input.events)}
  ${eventsTable(s.history)}
</section>
<section id="alerts">
  <h2>Alerts and invariants</h2>
  ${alertsSection(input.events, s)}
</section>
</main>
</body>
</html>
`;
}

function legend(): string {
  const items: StateStatus[] = ['succeeded', 'failed', 'caught', 'running', 'not-reached'];
  return `<ul class="legend">${items.map((st) => `<li><span class="swatch status-${st}"></span>${esc(STATUS_LABEL[st])}</li>`).join('')}</ul>`;
}

function graphSvg(layout: MachineLayout, statuses: Map<string, StateRun>, taken: Set<string>): string {
  const margin = 20;
  const w = layout.width + margin * 2 + 40;
  const h = layout.height + margin * 2;
  return `<div class="graph-wrap"><svg xmlns="http://www.w3.org/2000/svg" class="graph" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="failover state machine">
<defs>
  <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#6b7280"/></marker>
  <marker id="arrow-taken" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#1d4ed8"/></marker>
</defs>
<g transform="translate(${margin},${margin})">${machineSvg(layout, statuses, taken)}</g>
</svg></div>`;
}

function machineSvg(layout: MachineLayout, statuses: Map<string, StateRun>, taken: Set<string>): string {
  const edges = layout.edges
    .map((e) => {
      const isTaken = taken.has(`${e.from}->${e.to}`);
      return `<path class="edge edge-${e.kind}${isTaken ? ' taken' : ''}" d="${e.d}" marker-end="url(#${isTaken ? 'arrow-taken' : 'arrow'})"><title>${esc(`${e.from} → ${e.to} (${e.kind})`)}</title></path>`;
    })
    .join('\n');
  const nodes = layout.nodes.map((n) => nodeSvg(n, statuses, taken)).join('\n');
  return `${edges}\n${nodes}`;
}

function nodeSvg(n: PlacedNode, statuses: Map<string, StateRun>, taken: Set<string>): string {
  const run = statuses.get(n.name);
  const status: StateStatus = run?.status ?? 'not-reached';
  const details = [
    `${n.name} (${n.type}): ${STATUS_LABEL[status]}`,
    run && run.entered > 1 ? `entered ${run.entered} times` : '',
    run && run.retries > 0 ? `${run.retries} retr${run.retries === 1 ? 'y' : 'ies'}` : '',
    ...(run?.errors ?? []),
  ].filter(Boolean);
  const badge = run && run.entered > 1 ? `<text class="count" x="${n.w - 8}" y="13" text-anchor="end">×${run.entered}</text>` : '';
  const glyph = { succeeded: '✓', failed: '✗', caught: '!', running: '…', 'not-reached': '' }[status];
  const attrs = `class="state status-${status}${n.inner ? ' container' : ''}" data-state="${esc(n.name)}" data-status="${status}" data-type="${esc(n.type)}" transform="translate(${n.x},${n.y})"`;
  if (!n.inner) {
    return `<g ${attrs}><title>${esc(details.join('\n'))}</title><rect width="${n.w}" height="${n.h}" rx="6"/><text class="label" x="${n.w / 2 + 6}" y="${NODE_H / 2 + 4}" text-anchor="middle">${esc(n.name)}</text><text class="glyph" x="10" y="${NODE_H / 2 + 4}">${glyph}</text>${badge}</g>`;
  }
  const inner = n.inner
    .map((i) => `<g transform="translate(${i.x},${i.y})"><text class="branch-label" x="0" y="-4">${esc(i.label)}</text><rect class="branch" x="-6" y="-2" width="${i.layout.width + 12}" height="${i.layout.height + 8}" rx="6"/>${machineSvg(i.layout, statuses, taken)}</g>`)
    .join('');
  return `<g ${attrs}><title>${esc(details.join('\n'))}</title><rect width="${n.w}" height="${n.h}" rx="8"/><text class="label container-label" x="12" y="18">${esc(n.name)} <tspan class="kind">${esc(n.type)}</tspan></text><text class="glyph" x="${n.w - 16}" y="18">${glyph}</text>${badge}${inner}</g>`;
}

function rtoSection(s: DrillSummary, p: ReportProjection | undefined): string {
  const projected = (key: string) => p?.terms.filter((t) => t.key === key).reduce((a, t) => a + t.seconds, 0);
  const controlPlaneProjected = p ? (projected('orchestration') ?? 0) + (projected('promotion') ?? 0) + (projected('traffic') ?? 0) : undefined;
  const sec = (v: number | null) => (v === null ? null : v / 1000);
  const rows: [string, string, string, string][] = [
    ['detection', fmtS(sec(s.detectionMs)), p ? fmtS(projected('detection')) : 'n/a', 'fault → quorum of alarms → execution started'],
    ['control plane', fmtS(sec(s.controlPlaneMs)), p ? fmtS(controlPlaneProjected) : 'n/a', 'execution start → traffic change made, approval wait excluded (projection: orchestration + promotion + traffic switch)'],
    ['approval wait', fmtS(sec(s.approvalWaitMs)), 'human time', p?.approvalNote ?? 'a person deciding'],
    ['client downtime', fmtS(sec(s.downtimeMs)), p ? fmtS(p.rtoSeconds) : 'n/a', `failed writes seen by clients; RTO target ${p ? `${p.rtoTargetSeconds} s` : 'n/a'}`],
    ['physical minimum', fmtS(sec(s.theoreticalMinMs)), '', "this run's fault phase: quorum of alarm datapoints + DNS sync + TTL, no orchestration at all"],
  ];
  const table = `<table class="rto"><thead><tr><th>term</th><th>measured (AWS time)</th><th>projected for AWS</th><th>what it covers</th></tr></thead><tbody>${rows
    .map((r) => `<tr data-term="${esc(r[0])}">${r.map((c, i) => `<td${i > 0 && i < 3 ? ' class="num"' : ''}>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
  return `${table}${p ? budgetBars(s, p) : '<p class="muted">No projection was given.</p>'}`;
}

/** Two stacked bars on one scale: the projected terms, and what the drill measured (AWS time). */
function budgetBars(s: DrillSummary, p: ReportProjection): string {
  const downtimeSeconds = s.downtimeMs / 1000;
  const measured = [
    { label: 'detection', seconds: (s.detectionMs ?? 0) / 1000, cls: 't-detection' },
    { label: 'control plane', seconds: (s.controlPlaneMs ?? 0) / 1000, cls: 't-orchestration' },
  ];
  const rest = Math.max(0, downtimeSeconds - measured.reduce((a, m) => a + m.seconds, 0));
  measured.push({ label: 'clients following (TTL, DNS sync)', seconds: rest, cls: 't-dnsTtl' });
  const projected = p.terms.map((t) => ({ label: t.label, seconds: t.seconds, cls: `t-${t.key}` }));
  const total = Math.max(p.rtoSeconds, downtimeSeconds, p.rtoTargetSeconds, 1);
  const width = 760;
  const scale = width / total;
  const bar = (y: number, parts: { label: string; seconds: number; cls: string }[]) => {
    let x = 0;
    return parts
      .map((part) => {
        const w = part.seconds * scale;
        const g = `<g class="seg ${part.cls}"><rect x="${x}" y="${y}" width="${Math.max(0, w)}" height="22"><title>${esc(`${part.label}: ${fmtS(part.seconds)}`)}</title></rect>${w > part.label.length * 6.5 + 8 ? `<text x="${x + 4}" y="${y + 15}">${esc(part.label)}</text>` : ''}</g>`;
        x += w;
        return g;
      })
      .join('');
  };
  const target = p.rtoTargetSeconds * scale;
  return `<svg xmlns="http://www.w3.org/2000/svg" class="bars" width="${width + 170}" height="96" viewBox="0 0 ${width + 170} 96">
<text x="0" y="26">projected</text><g transform="translate(90,10)">${bar(0, projected)}<text x="${p.rtoSeconds * scale + 6}" y="15">${esc(fmtS(p.rtoSeconds))}</text></g>
<text x="0" y="62">measured</text><g transform="translate(90,46)">${bar(0, measured)}<text x="${downtimeSeconds * scale + 6}" y="15">${esc(fmtS(downtimeSeconds))}</text></g>
<line class="target" x1="${90 + target}" x2="${90 + target}" y1="4" y2="80"/><text class="target-label" x="${90 + target + 4}" y="92">RTO target ${p.rtoTargetSeconds} s</text>
</svg>`;
}

interface StoreRow {
  store: string;
  compared?: number;
  missingInTarget?: unknown[];
  differing?: unknown[];
  detail?: string;
}

function lastOutput(history: readonly HistoryEvent[], state: string): Record<string, unknown> | undefined {
  const e = [...history].reverse().find((x) => x.stateName === state && x.type.endsWith('StateExited'));
  return e?.output && typeof e.output === 'object' ? (e.output as Record<string, unknown>) : undefined;
}

function dataSection(s: DrillSummary, p: ReportProjection | undefined): string {
  const risk = (lastOutput(s.history, 'AssessDataRisk')?.dataRisk ?? {}) as { estimatedRpoMs?: number | null; rpoTargetMs?: number; lagByStore?: Record<string, number | null>; summary?: string };
  const validate = ((lastOutput(s.history, 'ValidateData')?.steps as Record<string, unknown> | undefined)?.validate ?? {}) as { stores?: StoreRow[]; summary?: string };
  const lost = `<p class="lost ${s.lostWrites > 0 ? 'ko' : 'ok'}" id="lost-writes"><strong>${s.lostWrites}</strong> lost write${s.lostWrites === 1 ? '' : 's'} of ${s.acknowledgedWrites} acknowledged (acknowledged by the old primary, absent from the new one after the failover)</p>`;
  const estimate = `<p>Estimated data at risk before approval: <strong>${esc(fmtMs(risk.estimatedRpoMs ?? null))}</strong> against a target of ${esc(fmtMs(risk.rpoTargetMs ?? null))}${p ? `; projected RPO for the deployed stores ${esc(fmtS(p.rpoSeconds))} (target ${esc(fmtS(p.rpoTargetSeconds))})` : ''}.</p>`;
  const lags = risk.lagByStore ? Object.entries(risk.lagByStore) : [];
  const stores = validate.stores ?? [];
  const names = [...new Set([...lags.map(([n]) => n), ...stores.map((r) => r.store)])];
  const rows = names
    .map((n) => {
      const v = stores.find((r) => r.store === n);
      const lag = risk.lagByStore?.[n];
      return `<tr><td>${esc(n)}</td><td class="num">${esc(fmtMs(lag ?? null))}</td><td class="num">${esc(v?.compared ?? 'not validated')}</td><td class="num">${esc(v?.missingInTarget?.length ?? '')}</td><td class="num">${esc(v?.differing?.length ?? '')}</td><td>${esc(v?.detail ?? '')}</td></tr>`;
    })
    .join('');
  const table = names.length
    ? `<table class="data"><thead><tr><th>store</th><th>replication lag at decision</th><th>items compared</th><th>missing in new primary</th><th>differing</th><th>detail</th></tr></thead><tbody>${rows}</tbody></table>`
    : '<p class="muted">The execution did not get as far as the data checks.</p>';
  const summaryLine = validate.summary ? `<p>${esc(validate.summary)}</p>` : '';
  return `${lost}${estimate}${table}${summaryLine}`;
}

function timelineSvg(history: readonly HistoryEvent[], events: readonly DrillEvent[]): string {
  if (history.length === 0 && events.length === 0) return '<p class="muted">Nothing happened.</p>';
  const times = [...events.map((e) => e.at), ...history.map((e) => e.timestamp)];
  const t0 = Math.min(...times);
  const t1 = Math.max(...times, t0 + 1);
  // One bar per state entry (Map items apart); a bar that saw a failure and still left is amber.
  const spans: { name: string; start: number; end: number; status: StateStatus }[] = [];
  const open = new Map<string, { start: number; failed: boolean }>();
  for (const e of history) {
    if (!e.stateName) continue;
    const key = `${e.stateName}${e.index !== undefined ? `[${e.index}]` : ''}`;
    if (e.type.endsWith('StateEntered')) open.set(key, { start: e.timestamp, failed: false });
    else if (e.type === 'TaskFailed' || e.type.endsWith('StateFailed')) {
      const o = open.get(key);
      if (o) o.failed = true;
    } else if (e.type === 'ErrorCaught') {
      const o = open.get(key);
      if (o) {
        spans.push({ name: key, start: o.start, end: e.timestamp, status: 'caught' });
        open.delete(key);
      }
    } else if (e.type.endsWith('StateExited')) {
      const o = open.get(key);
      if (!o) continue;
      spans.push({ name: key, start: o.start, end: e.timestamp, status: o.failed ? 'caught' : 'succeeded' });
      open.delete(key);
    }
  }
  for (const [name, o] of open) spans.push({ name, start: o.start, end: t1, status: o.failed ? 'failed' : 'running' });
  spans.sort((a, b) => a.start - b.start);
  const markers = events.filter(
    (e) => ['fault-injected', 'execution-started', 'approval-requested', 'approval-answered', 'traffic-shifted'].includes(e.type) || (e.type === 'alarm' && e.state === 'ALARM'),
  );
  const rows = [...markers.map((m) => ({ kind: 'marker' as const, m })), ...spans.map((sp) => ({ kind: 'span' as const, sp }))];
  const left = 280;
  const width = 700;
  const rowH = 16;
  const top = 8;
  const height = top + rows.length * rowH + 24;
  const x = (t: number) => left + ((t - t0) / (t1 - t0)) * width;
  const ticks = Array.from({ length: 6 }, (_, i) => t0 + ((t1 - t0) * i) / 5);
  const body = rows
    .map((row, i) => {
      const y = top + i * rowH;
      if (row.kind === 'marker') {
        const label = markerLabel(row.m);
        return `<g class="marker m-${esc(row.m.type)}"><text class="span-label" x="${left - 6}" y="${y + 11}" text-anchor="end">${esc(label)}</text><line x1="${x(row.m.at)}" x2="${x(row.m.at)}" y1="${y}" y2="${height - 16}"/><circle cx="${x(row.m.at)}" cy="${y + 7}" r="4"><title>${esc(`${label} at +${row.m.at - t0} ms`)}</title></circle></g>`;
      }
      const sp = row.sp;
      return `<g class="span status-${sp.status}"><text class="span-label" x="${left - 6}" y="${y + 11}" text-anchor="end">${esc(sp.name)}</text><rect x="${x(sp.start)}" y="${y + 2}" width="${Math.max(2, x(sp.end) - x(sp.start))}" height="${rowH - 4}" rx="2"><title>${esc(`${sp.name} (${STATUS_LABEL[sp.status]}): +${sp.start - t0} → +${sp.end - t0} ms`)}</title></rect></g>`;
    })
    .join('\n');
  return `<div class="graph-wrap"><svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="${left + width + 30}" height="${height}" viewBox="0 0 ${left + width + 30} ${height}">
${ticks.map((t) => `<line class="tick" x1="${x(t)}" x2="${x(t)}" y1="${top}" y2="${height - 16}"/><text class="tick-label" x="${x(t)}" y="${height - 4}" text-anchor="middle">+${Math.round(t - t0)} ms</text>`).join('')}
${body}
</svg></div>`;
}

function markerLabel(e: DrillEvent): string {
  switch (e.type) {
    case 'fault-injected':
      return 'fault';
    case 'alarm':
      return `alarm ${String(e.signal)} ${String(e.state)}`;
    case 'execution-started':
      return 'execution started';
    case 'approval-requested':
      return 'approval requested';
    case 'approval-answered':
      return `approver: ${String(e.decision)}`;
    case 'traffic-shifted':
      return `clients reach ${String(e.to)}`;
    default:
      return e.type;
  }
}

function eventsTable(history: readonly HistoryEvent[]): string {
  if (history.length === 0) return '';
  const t0 = history[0].timestamp;
  const rows = history
    .map((e) => {
      const cls = e.type === 'TaskFailed' || e.type.endsWith('Failed') ? 'ev-failed' : e.type === 'TaskRetryScheduled' || e.type === 'ErrorCaught' ? 'ev-caught' : e.type.endsWith('Succeeded') ? 'ev-succeeded' : '';
      const step = e.stateName ? `${e.stateName}${e.index !== undefined ? `[${e.index}]` : ''}` : '';
      return `<tr class="${cls}"><td class="num">${e.id}</td><td>${esc(e.type)}</td><td>${esc(step)}</td><td class="num">${e.timestamp - t0} ms</td><td>${esc(e.error ? `${e.error}: ${e.cause ?? ''}` : '')}</td></tr>`;
    })
    .join('');
  return `<details open><summary>Execution event history (${history.length} events)</summary><table class="events"><thead><tr><th>#</th><th>type</th><th>step</th><th>elapsed</th><th>error</th></tr></thead><tbody>${rows}</tbody></table></details>`;
}

function alertsSection(events: readonly DrillEvent[], s: DrillSummary): string {
  const alerts = events.filter((e) => e.type === 'alert');
  const list = alerts.length
    ? `<ul class="alerts">${alerts.map((a) => `<li><span class="topic">${esc(String(a.topic).toUpperCase())}</span> ${esc(a.subject)}<div class="message">${esc(a.message)}</div></li>`).join('')}</ul>`
    : '<p class="muted">No alerts were published.</p>';
  const inv = `<ul class="invariants">${s.invariants.map((i) => `<li class="${i.held ? 'ok' : 'ko'}">${i.held ? '✓' : '✗'} <strong>${esc(i.name)}</strong>: ${esc(i.detail)}</li>`).join('')}</ul>`;
  const extra = [
    s.completedSteps ? `<p>Completed steps: ${esc(s.completedSteps.join(', ') || 'none')}; remaining: ${esc(s.remainingSteps?.join(', ') ?? '')}</p>` : '',
    s.plan ? `<p>Dry-run plan (nothing changed):</p><ul>${s.plan.map((p) => `<li>${esc(p)}</li>`).join('')}</ul>` : '',
    s.error ? `<p class="ko">Ended with ${esc(s.error)}: ${esc(s.cause ?? '')}</p>` : '',
  ].join('');
  return `${list}${inv}${extra}`;
}

const CSS = `
:root { --ok:#15803d; --ok-bg:#dcfce7; --ko:#b91c1c; --ko-bg:#fee2e2; --amber:#b45309; --amber-bg:#fef3c7; --grey:#9ca3af; --grey-bg:#f3f4f6; --run:#1d4ed8; --run-bg:#dbeafe; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #111827; background: #fff; }
header { padding: 16px 24px; border-bottom: 1px solid #e5e7eb; background: #f9fafb; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 24px 0 8px; }
main { padding: 0 24px 32px; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; background: #f3f4f6; padding: 1px 4px; border-radius: 3px; }
.meta, .muted { color: #4b5563; }
.badge { font-size: 13px; padding: 2px 8px; border-radius: 10px; vertical-align: middle; }
.badge.good { background: var(--ok-bg); color: var(--ok); } .badge.bad { background: var(--ko-bg); color: var(--ko); } .badge.warn { background: var(--amber-bg); color: var(--amber); }
.ok { color: var(--ok); } .ko { color: var(--ko); }
.legend { list-style: none; padding: 0; display: flex; gap: 16px; margin: 0 0 8px; }
.swatch { display: inline-block; width: 14px; height: 14px; border-radius: 3px; margin-right: 6px; vertical-align: -2px; border: 2px solid; }
.swatch.status-succeeded { background: var(--ok-bg); border-color: var(--ok); } .swatch.status-failed { background: var(--ko-bg); border-color: var(--ko); }
.swatch.status-caught { background: var(--amber-bg); border-color: var(--amber); } .swatch.status-running { background: var(--run-bg); border-color: var(--run); }
.swatch.status-not-reached { background: var(--grey-bg); border-color: var(--grey); }
.graph-wrap { overflow-x: auto; border: 1px solid #e5e7eb; border-radius: 8px; padding: 8px; background: #fcfcfd; }
svg text { font: 12px system-ui, sans-serif; fill: #111827; }
.state rect { stroke-width: 2; }
.state.status-succeeded > rect { fill: var(--ok-bg); stroke: var(--ok); } .state.status-failed > rect { fill: var(--ko-bg); stroke: var(--ko); }
.state.status-caught > rect { fill: var(--amber-bg); stroke: var(--amber); } .state.status-running > rect { fill: var(--run-bg); stroke: var(--run); }
.state.status-not-reached > rect { fill: var(--grey-bg); stroke: var(--grey); stroke-dasharray: 4 3; }
.state.status-not-reached > text { fill: #6b7280; }
.state.container > rect { fill-opacity: .35; }
.state .glyph { font-weight: 700; } .state .count { font-size: 10px; fill: #374151; }
.kind { fill: #6b7280; font-size: 10px; } .branch { fill: #fff; fill-opacity: .6; stroke: #d1d5db; stroke-dasharray: 3 3; } .branch-label { font-size: 10px; fill: #6b7280; }
.edge { fill: none; stroke: #9ca3af; stroke-width: 1.4; } .edge-catch { stroke-dasharray: 5 4; stroke: #d97706; } .edge-default { stroke-dasharray: 2 3; }
.edge.taken { stroke: #1d4ed8; stroke-width: 2.4; }
table { border-collapse: collapse; margin: 8px 0; } th, td { border-bottom: 1px solid #e5e7eb; padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #f9fafb; font-weight: 600; } td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.events td { font: 12px ui-monospace, Menlo, monospace; } tr.ev-failed td { color: var(--ko); } tr.ev-caught td { color: var(--amber); } tr.ev-succeeded td { color: var(--ok); }
.bars text { font-size: 11px; } .seg rect { stroke: #fff; } .target { stroke: var(--ko); stroke-width: 2; stroke-dasharray: 4 3; } .target-label { fill: var(--ko); }
.t-detection rect { fill: #93c5fd; } .t-orchestration rect { fill: #a5b4fc; } .t-promotion rect { fill: #c4b5fd; } .t-traffic rect { fill: #fcd34d; } .t-dnsTtl rect { fill: #fdba74; }
.timeline .tick { stroke: #e5e7eb; } .tick-label { font-size: 10px; fill: #6b7280; } .span-label { font-size: 11px; }
.span.status-succeeded rect { fill: var(--ok); } .span.status-failed rect { fill: var(--ko); } .span.status-caught rect { fill: #d97706; } .span.status-running rect { fill: var(--run); }
.marker line { stroke: #9ca3af; stroke-dasharray: 2 3; } .marker circle { fill: #374151; } .marker text { fill: #374151; font-style: italic; }
.m-fault-injected line { stroke: var(--ko); } .m-fault-injected circle { fill: var(--ko); } .m-traffic-shifted line { stroke: var(--ok); } .m-traffic-shifted circle { fill: var(--ok); }
.alerts { list-style: none; padding: 0; } .alerts li { border-left: 3px solid #d1d5db; padding: 4px 10px; margin: 6px 0; }
.topic { font: 11px ui-monospace, monospace; background: #eef2ff; padding: 1px 5px; border-radius: 3px; } .message { color: #374151; white-space: pre-wrap; font-size: 13px; }
.invariants { list-style: none; padding: 0; } .lost { font-size: 15px; }
details summary { cursor: pointer; margin: 8px 0; }
`;
