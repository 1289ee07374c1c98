import { type DrillReportInput as DrillRecordInput, drillRecord } from './from-drill';
import type { ExecutionRecord, ReportProjection, TimelineMarker } from './execution-record';
import { NODE_H, layoutMachine, type MachineLayout, type PlacedNode } from './graph-layout';
import { STATUS_LABEL, type ExecutionEvent, type StateRun, type StateSpan, type StateStatus } from './state-status';

export type { ExecutionRecord } from './execution-record';

export interface DrillReportInput extends DrillRecordInput {
  readonly generatedAt?: Date;
}

/** The drill's report: its summary mapped into an execution record, rendered like any other execution. */
export function renderDrillReport(input: DrillReportInput): string {
  return renderReport(drillRecord(input), { generatedAt: input.generatedAt });
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
const sec = (v: number | null | undefined) => (v === null || v === undefined ? null : v / 1000);

/** Elapsed time for people: ms under 10 s, then seconds, minutes, hours. */
function fmtElapsed(ms: number): string {
  const a = Math.abs(ms);
  if (a < 10_000) return `${Math.round(ms)} ms`;
  if (a < 120_000) return `${Math.round(ms / 100) / 10} s`;
  if (a < 7_200_000) return `${Math.floor(a / 60_000)} min ${Math.round((a % 60_000) / 1000)} s`;
  if (a < 172_800_000) return `${Math.floor(a / 3_600_000)} h ${Math.round((a % 3_600_000) / 60_000)} min`;
  return `${Math.round(a / 86_400_000)} days`;
}

const GOOD = new Set(['FAILED_OVER', 'FAILED_BACK', 'NO_ACTION', 'DRY_RUN']);

/**
 * A self-contained page for one execution: inline CSS and SVG, no script, nothing fetched (the
 * Content-Security-Policy forbids it), so it can be mailed, attached to a ticket or opened from disk.
 */
export function renderReport(r: ExecutionRecord, opts: { generatedAt?: Date } = {}): string {
  const layout = layoutMachine(r.definition);
  const generated = (opts.generatedAt ?? new Date()).toISOString();
  const outcome = r.execution.outcome;
  const outcomeClass = GOOD.has(outcome) ? 'good' : outcome === 'INCOMPLETE' || outcome === 'UNKNOWN' ? 'bad' : 'warn';
  const facts = [
    ...r.facts.map((f) => `${esc(f.label)} ${f.cls ? `<strong class="${f.cls}">${esc(f.value)}</strong>` : `<strong>${esc(f.value)}</strong>`}`),
    `generated ${esc(generated)}`,
  ].join(' · ');
  const redrive = r.execution.redriveCount > 0 ? ` <span class="badge redrive" id="redrive-count">redriven ${r.execution.redriveCount}×</span>` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(r.title)} ${esc(r.subject)}: ${esc(outcome)}</title>
<style>${CSS}</style>
</head>
<body class="kind-${r.kind}">
<header>
  <h1>${esc(r.title)} <code>${esc(r.subject)}</code> <span class="badge ${outcomeClass}" id="outcome">${esc(outcome)}</span>${redrive}</h1>
  <p class="meta">${facts}</p>
</header>
<main>
${missingSection(r)}<section id="graph">
  <h2>State machine</h2>
  ${legend()}${r.definitionSource ? `<p class="muted">${esc(r.definitionSource)}</p>` : ''}
  ${graphSvg(layout, r.states, r.transitions)}
</section>
<section id="rto">
  <h2>RTO: measured vs projected</h2>
  ${rtoSection(r)}
</section>
<section id="data">
  <h2>Data</h2>
  ${dataSection(r)}
</section>
<section id="timeline">
  <h2>Timeline</h2>
  ${timelineSvg(r)}
  ${eventsTable(r.events, r.clock)}
</section>
<section id="alerts">
  <h2>Alerts and checks</h2>
  ${alertsSection(r)}
</section>
${auditSection(r)}</main>
</body>
</html>
`;
}

function missingSection(r: ExecutionRecord): string {
  if (r.missing.length === 0) return '';
  return `<section id="missing" class="missing">
  <h2>Not in this report</h2>
  <ul>${r.missing.map((m) => `<li>${esc(m)}</li>`).join('')}</ul>
</section>
`;
}

function legend(): string {
  const items: StateStatus[] = ['succeeded', 'failed', 'caught', 'running', 'not-reached'];
  return `<ul class="legend">${items.map((st) => `<li><span class="swatch status-${st}"></span>${esc(STATUS_LABEL[st])}</li>`).join('')}</ul>`;
}

function graphSvg(layout: MachineLayout, statuses: ReadonlyMap<string, StateRun>, taken: ReadonlySet<string>): string {
  const margin = 20;
  const w = Math.ceil(layout.width + margin * 2 + 40);
  const h = Math.ceil(layout.height + margin * 2);
  return `<div class="graph-wrap"><svg xmlns="http://www.w3.org/2000/svg" class="graph" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="state machine">
<defs>
  <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#6b7280"/></marker>
  <marker id="arrow-taken" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#1d4ed8"/></marker>
</defs>
<g transform="translate(${margin},${margin})">${machineSvg(layout, statuses, taken)}</g>
</svg></div>`;
}

function machineSvg(layout: MachineLayout, statuses: ReadonlyMap<string, StateRun>, taken: ReadonlySet<string>): string {
  const edges = layout.edges
    .map((e) => {
      const isTaken = taken.has(`${e.from}->${e.to}`);
      return `<path class="edge edge-${e.kind}${isTaken ? ' taken' : ''}" d="${e.d}" marker-end="url(#${isTaken ? 'arrow-taken' : 'arrow'})"><title>${esc(`${e.from} → ${e.to} (${e.kind})`)}</title></path>`;
    })
    .join('\n');
  const nodes = layout.nodes.map((n) => nodeSvg(n, statuses, taken)).join('\n');
  return `${edges}\n${nodes}`;
}

function nodeSvg(n: PlacedNode, statuses: ReadonlyMap<string, StateRun>, taken: ReadonlySet<string>): string {
  const run = statuses.get(n.name);
  const status: StateStatus = run?.status ?? 'not-reached';
  const attempts = new Set(run?.spans.map((s) => s.attempt) ?? []);
  const details = [
    `${n.name} (${n.type}): ${STATUS_LABEL[status]}`,
    run && run.entered > 1 ? `entered ${run.entered} times` : '',
    run && run.retries > 0 ? `${run.retries} retr${run.retries === 1 ? 'y' : 'ies'}` : '',
    attempts.size > 1 ? `ran in ${attempts.size} attempts (redriven)` : '',
    ...(run?.errors ?? []),
  ].filter(Boolean);
  const badge = run && run.entered > 1 ? `<text class="count" x="${n.w - 8}" y="13" text-anchor="end">×${run.entered}</text>` : '';
  const glyph = { succeeded: '✓', failed: '✗', caught: '!', running: '…', 'not-reached': '' }[status];
  const attrs = `class="state status-${status}${n.inner ? ' container' : ''}" data-state="${esc(n.name)}" data-status="${status}" data-type="${esc(n.type)}" transform="translate(${r1(n.x)},${r1(n.y)})"`;
  if (!n.inner) {
    return `<g ${attrs}><title>${esc(details.join('\n'))}</title><rect width="${r1(n.w)}" height="${n.h}" rx="6"/><text class="label" x="${r1(n.w / 2 + 6)}" y="${NODE_H / 2 + 4}" text-anchor="middle">${esc(n.name)}</text><text class="glyph" x="10" y="${NODE_H / 2 + 4}">${glyph}</text>${badge}</g>`;
  }
  const inner = n.inner
    .map(
      (i) =>
        `<g transform="translate(${r1(i.x)},${r1(i.y)})"><text class="branch-label" x="0" y="-4">${esc(i.label)}</text><rect class="branch" x="-6" y="-2" width="${r1(i.layout.width + 12)}" height="${r1(i.layout.height + 8)}" rx="6"/>${machineSvg(i.layout, statuses, taken)}</g>`,
    )
    .join('');
  return `<g ${attrs}><title>${esc(details.join('\n'))}</title><rect width="${r1(n.w)}" height="${r1(n.h)}" rx="8"/><text class="label container-label" x="12" y="18">${esc(n.name)} <tspan class="kind">${esc(n.type)}</tspan></text><text class="glyph" x="${r1(n.w - 16)}" y="18">${glyph}</text>${badge}${inner}</g>`;
}

const r1 = (v: number) => Math.round(v * 10) / 10;

function rtoSection(r: ExecutionRecord): string {
  const p = r.projection;
  const f = r.figures;
  const projected = (key: string) => p?.terms.filter((t) => t.key === key).reduce((a, t) => a + t.seconds, 0);
  const controlPlaneProjected = p ? (projected('orchestration') ?? 0) + (projected('promotion') ?? 0) + (projected('traffic') ?? 0) : undefined;
  const notMeasured = r.kind === 'aws' ? 'not measured' : 'n/a';
  const measured = (v: number | null) => (v === null ? notMeasured : fmtS(sec(v)));
  const rows: [string, string, string, string][] = [
    ['detection', measured(f.detectionMs), p ? fmtS(projected('detection')) : 'n/a', 'fault → quorum of alarms → execution started'],
    [
      'control plane',
      measured(f.controlPlaneMs),
      p ? fmtS(controlPlaneProjected) : 'n/a',
      'execution start → traffic change made, approval wait excluded (projection: orchestration + promotion + traffic switch)',
    ],
    ['approval wait', measured(f.approvalWaitMs), 'human time', p?.approvalNote ?? 'a person deciding'],
    [
      'client downtime',
      measured(f.downtimeMs),
      p ? fmtS(p.rtoSeconds) : 'n/a',
      `failed writes seen by clients; RTO target ${p ? `${p.rtoTargetSeconds} s` : 'n/a'}`,
    ],
    ['physical minimum', measured(f.theoreticalMinMs), '', "this run's fault phase: quorum of alarm datapoints + DNS sync + TTL, no orchestration at all"],
  ];
  const table = `<table class="rto"><thead><tr><th>term</th><th>measured (AWS time)</th><th>projected for AWS</th><th>what it covers</th></tr></thead><tbody>${rows
    .map((row) => `<tr data-term="${esc(row[0])}">${row.map((c, i) => `<td${i > 0 && i < 3 ? ' class="num"' : ''}>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
  return `${table}${p ? budgetBars(r, p) : '<p class="muted">No projection was given.</p>'}`;
}

/** Two stacked bars on one scale: the projected terms, and what was measured (AWS time). */
function budgetBars(r: ExecutionRecord, p: ReportProjection): string {
  const f = r.figures;
  if (f.downtimeMs === null && f.controlPlaneMs === null) return '';
  const downtimeSeconds = (f.downtimeMs ?? (f.detectionMs ?? 0) + (f.controlPlaneMs ?? 0)) / 1000;
  const measured = [
    { label: 'detection', seconds: (f.detectionMs ?? 0) / 1000, cls: 't-detection' },
    { label: 'control plane', seconds: (f.controlPlaneMs ?? 0) / 1000, cls: 't-orchestration' },
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
        const g = `<g class="seg ${part.cls}"><rect x="${r1(x)}" y="${y}" width="${r1(Math.max(0, w))}" height="22"><title>${esc(`${part.label}: ${fmtS(part.seconds)}`)}</title></rect>${w > part.label.length * 6.5 + 8 ? `<text x="${r1(x + 4)}" y="${y + 15}">${esc(part.label)}</text>` : ''}</g>`;
        x += w;
        return g;
      })
      .join('');
  };
  const target = p.rtoTargetSeconds * scale;
  const label = r.kind === 'aws' && f.downtimeMs === null ? 'measured (control plane only)' : 'measured';
  return `<svg xmlns="http://www.w3.org/2000/svg" class="bars" width="${width + 170}" height="96" viewBox="0 0 ${width + 170} 96">
<text x="0" y="26">projected</text><g transform="translate(90,10)">${bar(0, projected)}<text x="${r1(p.rtoSeconds * scale + 6)}" y="15">${esc(fmtS(p.rtoSeconds))}</text></g>
<text x="0" y="62"><title>${esc(label)}</title>measured</text><g transform="translate(90,46)">${bar(0, measured)}<text x="${r1(downtimeSeconds * scale + 6)}" y="15">${esc(fmtS(downtimeSeconds))}</text></g>
<line class="target" x1="${r1(90 + target)}" x2="${r1(90 + target)}" y1="4" y2="80"/><text class="target-label" x="${r1(90 + target + 4)}" y="92">RTO target ${p.rtoTargetSeconds} s</text>
</svg>`;
}

function dataSection(r: ExecutionRecord): string {
  const d = r.data;
  const p = r.projection;
  const lost =
    d.lostWrites === null
      ? '<p class="lost muted" id="lost-writes">Lost writes: <strong>not known</strong> (the execution did not report a data check)</p>'
      : `<p class="lost ${d.lostWrites > 0 ? 'ko' : 'ok'}" id="lost-writes"><strong>${d.lostWrites}</strong> lost write${d.lostWrites === 1 ? '' : 's'}${d.acknowledgedWrites !== null ? ` of ${d.acknowledgedWrites} acknowledged` : ''} (${r.kind === 'drill' ? 'acknowledged by the old primary, absent from the new one after the failover' : 'missing in the new primary, as the data check (ValidateData) found them'})</p>`;
  const estimate = `<p>Estimated data at risk before approval: <strong>${esc(fmtMs(d.estimatedRpoMs))}</strong> against a target of ${esc(fmtMs(d.rpoTargetMs))}${p ? `; projected RPO for the deployed stores ${esc(fmtS(p.rpoSeconds))} (target ${esc(fmtS(p.rpoTargetSeconds))})` : ''}.</p>`;
  const lags = d.lagByStore ? Object.keys(d.lagByStore) : [];
  const names = [...new Set([...lags, ...d.stores.map((s) => s.store)])];
  const rows = names
    .map((n) => {
      const v = d.stores.find((s) => s.store === n);
      const lag = d.lagByStore?.[n];
      const missing = v?.missingInTarget?.length ?? v?.missingCount;
      return `<tr><td>${esc(n)}</td><td class="num">${esc(fmtMs(lag ?? null))}</td><td class="num">${esc(v?.compared ?? 'not validated')}</td><td class="num">${esc(missing ?? '')}</td><td class="num">${esc(v?.differing?.length ?? '')}</td><td>${esc(v?.detail ?? '')}</td></tr>`;
    })
    .join('');
  const table = names.length
    ? `<table class="data"><thead><tr><th>store</th><th>replication lag at decision</th><th>items compared</th><th>missing in new primary</th><th>differing</th><th>detail</th></tr></thead><tbody>${rows}</tbody></table>`
    : '<p class="muted">The execution did not get as far as the data checks.</p>';
  const summaryLine = d.summary ? `<p>${esc(d.summary)}</p>` : '';
  return `${lost}${estimate}${table}${summaryLine}`;
}

/**
 * A time axis that skips long idle stretches (hours between a failed attempt and its redrive), so the minutes
 * that matter keep their width: each skipped stretch becomes a fixed-width break.
 */
function timeAxis(times: readonly number[], covered: readonly [number, number][], width: number) {
  const t0 = Math.min(...times);
  const t1 = Math.max(...times, t0 + 1);
  const total = t1 - t0;
  const threshold = Math.max(600_000, total * 0.3);
  // Stretches that no span covers and no marker falls in.
  const busy = [...covered, ...times.map((t) => [t, t] as [number, number])].sort((a, b) => a[0] - b[0]);
  const breaks: { from: number; to: number }[] = [];
  let reach = busy[0]?.[1] ?? t0;
  for (const [a, b] of busy) {
    if (a - reach > threshold) breaks.push({ from: reach, to: a });
    reach = Math.max(reach, b);
  }
  const BREAK_W = 36;
  const skipped = breaks.reduce((s, b) => s + (b.to - b.from), 0);
  const scale = (width - breaks.length * BREAK_W) / Math.max(1, total - skipped);
  const x = (t: number) => {
    let px = 0;
    let from = t0;
    for (const b of breaks) {
      if (t <= b.from) break;
      if (t < b.to) return px + (b.from - from) * scale + ((t - b.from) / (b.to - b.from)) * BREAK_W;
      px += (b.from - from) * scale + BREAK_W;
      from = b.to;
    }
    return px + (t - from) * scale;
  };
  return { t0, t1, x, breaks, BREAK_W };
}

function timelineSvg(r: ExecutionRecord): string {
  const spans: { name: string; span: StateSpan }[] = [];
  for (const [name, run] of r.states) for (const span of run.spans) spans.push({ name, span });
  spans.sort((a, b) => a.span.start - b.span.start || a.name.localeCompare(b.name));
  const markers = [...r.markers].sort((a, b) => a.at - b.at);
  if (spans.length === 0 && markers.length === 0) return '<p class="muted">Nothing to show on a timeline.</p>';
  const ends = spans.map((s) => s.span.end ?? s.span.start);
  const times = [...markers.map((m) => m.at), ...spans.map((s) => s.span.start), ...ends];
  const left = 280;
  const width = 700;
  const axis = timeAxis(
    times,
    spans.map((s) => [s.span.start, s.span.end ?? s.span.start]),
    width,
  );
  const rows = [...markers.map((m) => ({ kind: 'marker' as const, m })), ...spans.map((s) => ({ kind: 'span' as const, s }))];
  const rowH = 16;
  const top = 8;
  const height = top + rows.length * rowH + 24;
  const x = (t: number) => r1(left + axis.x(t));
  const rel = (t: number) => `+${fmtElapsed(t - axis.t0)}`;
  const ticks = Array.from({ length: 6 }, (_, i) => axis.t0 + ((axis.t1 - axis.t0) * i) / 5).filter((t) => !axis.breaks.some((b) => t > b.from && t < b.to));
  const body = rows
    .map((row, i) => {
      const y = top + i * rowH;
      if (row.kind === 'marker') {
        const m: TimelineMarker = row.m;
        return `<g class="marker m-${esc(m.kind)}"><text class="span-label" x="${left - 6}" y="${y + 11}" text-anchor="end">${esc(m.label)}</text><line x1="${x(m.at)}" x2="${x(m.at)}" y1="${y}" y2="${height - 16}"/><circle cx="${x(m.at)}" cy="${y + 7}" r="4"><title>${esc(`${m.label} at ${rel(m.at)}`)}</title></circle></g>`;
      }
      const { name, span } = row.s;
      const label = `${name}${span.index !== undefined ? `[${span.index}]` : ''}${span.attempt > 0 ? ` (redrive ${span.attempt})` : ''}`;
      const end = span.end ?? axis.t1;
      return `<g class="span status-${span.status}" data-state="${esc(name)}" data-attempt="${span.attempt}"><text class="span-label" x="${left - 6}" y="${y + 11}" text-anchor="end">${esc(label)}</text><rect x="${x(span.start)}" y="${y + 2}" width="${r1(Math.max(2, x(end) - x(span.start)))}" height="${rowH - 4}" rx="2"><title>${esc(`${label} (${STATUS_LABEL[span.status]}): ${rel(span.start)} → ${rel(end)}`)}</title></rect></g>`;
    })
    .join('\n');
  const breaks = axis.breaks
    .map(
      (b) =>
        `<g class="axis-break"><rect x="${x(b.from)}" y="${top}" width="${axis.BREAK_W}" height="${height - top - 16}"/><text x="${r1(x(b.from) + axis.BREAK_W / 2)}" y="${height - 4}" text-anchor="middle"><title>${esc(`${fmtElapsed(b.to - b.from)} with nothing happening, left out`)}</title>⋯ ${esc(fmtElapsed(b.to - b.from))}</text></g>`,
    )
    .join('');
  const total = left + width + 30;
  return `<div class="graph-wrap"><svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="${total}" height="${height}" viewBox="0 0 ${total} ${height}">
${ticks.map((t) => `<line class="tick" x1="${x(t)}" x2="${x(t)}" y1="${top}" y2="${height - 16}"/><text class="tick-label" x="${x(t)}" y="${height - 4}" text-anchor="middle">${esc(rel(t))}</text>`).join('')}
${breaks}
${body}
</svg></div>`;
}

function eventsTable(history: readonly ExecutionEvent[], clock: ExecutionRecord['clock']): string {
  if (history.length === 0) return '';
  const t0 = history[0].timestamp;
  const rows = history
    .map((e) => {
      const cls =
        e.type === 'ExecutionRedriven'
          ? 'ev-redriven'
          : /(Failed|TimedOut|Aborted)$/.test(e.type)
            ? 'ev-failed'
            : e.type === 'TaskRetryScheduled' || e.type === 'ErrorCaught'
              ? 'ev-caught'
              : e.type.endsWith('Succeeded')
                ? 'ev-succeeded'
                : '';
      const step = e.stateName ? `${e.stateName}${e.index !== undefined ? `[${e.index}]` : ''}` : '';
      const detail = e.error ? `${e.error}: ${e.cause ?? ''}` : e.type === 'ExecutionRedriven' ? `redrive ${e.redriveCount ?? ''}` : '';
      const when = clock === 'wall' ? `<td>${esc(new Date(e.timestamp).toISOString())}</td>` : '';
      return `<tr class="${cls}" data-type="${esc(e.type)}"><td class="num">${e.id}</td><td>${esc(e.type)}</td><td>${esc(step)}</td>${when}<td class="num">${esc(fmtElapsed(e.timestamp - t0))}</td><td>${esc(detail)}</td></tr>`;
    })
    .join('');
  return `<details open><summary>Execution event history (${history.length} events)</summary><table class="events"><thead><tr><th>#</th><th>type</th><th>step</th>${clock === 'wall' ? '<th>time (UTC)</th>' : ''}<th>elapsed</th><th>error</th></tr></thead><tbody>${rows}</tbody></table></details>`;
}

function alertsSection(r: ExecutionRecord): string {
  const list = r.alerts.length
    ? `<ul class="alerts">${r.alerts.map((a) => `<li><span class="topic">${esc(a.topic.toUpperCase())}</span> ${esc(a.subject)}<div class="message">${esc(a.message)}</div></li>`).join('')}</ul>`
    : '<p class="muted">No alerts were published.</p>';
  const checks = r.checks.length
    ? `<ul class="invariants">${r.checks.map((i) => `<li class="${i.held ? 'ok' : 'ko'}">${i.held ? '✓' : '✗'} <strong>${esc(i.name)}</strong>: ${esc(i.detail)}</li>`).join('')}</ul>`
    : '';
  const extra = [
    r.completedSteps ? `<p>Completed steps: ${esc(r.completedSteps.join(', ') || 'none')}; remaining: ${esc(r.remainingSteps?.join(', ') ?? '')}</p>` : '',
    r.plan ? `<p>Dry-run plan (nothing changed):</p><ul>${r.plan.map((p) => `<li>${esc(p)}</li>`).join('')}</ul>` : '',
    r.execution.error ? `<p class="ko">Ended with ${esc(r.execution.error)}: ${esc(r.execution.cause ?? '')}</p>` : '',
  ].join('');
  return `${list}${checks}${extra}`;
}

function auditSection(r: ExecutionRecord): string {
  if (r.audit.length === 0) return '';
  const rows = r.audit
    .map(
      (a) =>
        `<tr><td>${esc(a.at)}</td><td>${esc(a.step)}</td><td>${esc(a.outcome)}</td><td class="detail">${esc(a.detail.length > 400 ? `${a.detail.slice(0, 400)}…` : a.detail)}</td></tr>`,
    )
    .join('');
  return `<section id="audit">
  <h2>Audit trail</h2>
  <table class="audit"><thead><tr><th>at (UTC)</th><th>step</th><th>outcome</th><th>detail</th></tr></thead><tbody>${rows}</tbody></table>
</section>
`;
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
.badge.redrive { background: #ede9fe; color: #5b21b6; }
.missing { border: 1px solid #fcd34d; background: #fffbeb; border-radius: 8px; padding: 4px 16px; margin-top: 16px; } .missing h2 { margin-top: 8px; }
.axis-break rect { fill: #f3f4f6; } .axis-break text { font-size: 10px; fill: #6b7280; }
.m-redrive line { stroke: #7c3aed; stroke-dasharray: 4 2; } .m-redrive circle { fill: #7c3aed; } .m-audit circle { fill: #0f766e; } .m-audit line { stroke: #99f6e4; }
tr.ev-redriven td { color: #5b21b6; font-weight: 600; } table.audit td.detail { font: 11px ui-monospace, Menlo, monospace; color: #374151; max-width: 640px; word-break: break-all; }
`;
