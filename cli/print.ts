import { formatHistory } from '../local/runtime/history';
import type { DrillEvent, DrillSummary } from '../local/drill';

/** AWS milliseconds as people read them: `850 ms`, `19.8 s`, `2 min 5.0 s`. */
export function awsDuration(v: number | null | undefined): string {
  if (v === null || v === undefined) return 'n/a';
  if (Math.abs(v) < 1000) return `${v} ms`;
  if (Math.abs(v) < 60_000) return `${(v / 1000).toFixed(1)} s`;
  const min = Math.floor(v / 60_000);
  return `${min} min ${((v - min * 60_000) / 1000).toFixed(1)} s`;
}
const ms = awsDuration;

/** AWS time since the drill started, as a fixed-width prefix `  +2:05.3`. */
export function clockPrefix(t: number): string {
  const min = Math.floor(t / 60_000);
  const sec = ((t - min * 60_000) / 1000).toFixed(1).padStart(4, '0');
  return `+${min}:${sec}`.padStart(9);
}

/** Plain lines for people (and for logs when stdout is not a terminal). Times are AWS time since the drill started. */
export function humanEvent(e: DrillEvent): string | undefined {
  const t = clockPrefix(e.t);
  switch (e.type) {
    case 'drill-started':
      return `${t}  drill "${e.scenario}" (seed ${e.seed}): ${e.description}\n${' '.repeat(11)}primary ${(e.regions as { primary: string }).primary}, standby ${(e.regions as { standby: string }).standby}; AWS time on a virtual clock; approver: ${e.approve}${e.dryRun ? '; DRY RUN' : ''}`;
    case 'fault-injected':
      return `${t}  FAULT  ${e.kind}: ${e.detail}`;
    case 'fault-healed':
      return `${t}  HEALED ${e.kind}: ${e.detail}`;
    case 'operator':
      return `${t}  operator: ${e.do}${e.reason ? ` (${e.reason})` : ''}`;
    case 'alarm':
      return `${t}  alarm  ${e.signal} -> ${e.state}`;
    case 'execution-started': {
      const alarms = Array.isArray(e.alarms) ? ` (alarms: ${e.alarms.join(', ')})` : '';
      return `${t}  execution ${e.executionName} started${e.region ? ` in ${e.region}` : ''}${alarms}`;
    }
    case 'state-entered':
      return `${t}    > ${e.state}${e.index !== undefined ? `[${e.index}]` : ''}`;
    case 'task-failed':
      return `${t}    ! ${e.state} failed: ${e.error}: ${e.cause}`;
    case 'task-retry':
      return `${t}    ~ ${e.state} retrying`;
    case 'approver-code':
      // A code mailed to an approver (--approve manual): the person reads it here, as they would in their mailbox.
      return `${t}  mail to ${e.recipient ?? 'the approver'}: ${e.subject}: ${String(e.message ?? '').split('\n')[0]}`;
    case 'alert':
      return `${t}  SNS ${String(e.topic).toUpperCase()}: ${e.subject}`;
    case 'approval-requested': {
      const head = `${t}  approval requested (estimated RPO ${ms(e.estimatedRpoMs as number | null)} vs target ${ms(e.rpoTargetMs as number | null)})`;
      if (e.approver !== 'manual') return `${head}\n${' '.repeat(11)}link: ${e.url}`;
      // A person is answering: show the email they would get, then the link on its own line to click.
      const email = String(e.email ?? '')
        .split('\n')
        .map((l) => `${' '.repeat(11)}| ${l}`)
        .join('\n');
      return `${head}\n${' '.repeat(11)}| Subject: ${e.subject}\n${email}\n\n${' '.repeat(11)}open this link in a browser to decide (waiting in real time): ${e.url}`;
    }
    case 'approval-answered':
      if (e.via) return `${t}  ${e.by} ran ${e.via} "${e.decision}" (HTTP ${e.httpStatus ?? e.error})`;
      return `${t}  approver submitted "${e.decision}" (HTTP ${e.httpStatus ?? e.error})`;
    case 'traffic-shifted':
      return `${t}  clients now reach ${Array.isArray(e.to) ? e.to.join(' and ') : e.to} (DNS answers changed, TTL run out)`;
    case 'execution-ended':
      return `${t}  execution ${e.execution} ${e.status}${e.error ? ` (${e.error})` : ''}`;
    case 'execution-redriven':
      return `${t}  execution ${e.execution} redriven (redrive ${e.redriveCount}): it resumes at the step that failed`;
    case 'failure-reported':
      return e.error ? `${t}  failure reporter failed: ${e.error}` : `${t}  failure reporter: ${e.kind}${e.failedState ? ` at ${e.failedState}` : ''}`;
    case 'reconciler':
      return `${t}  site-state reconciler in ${e.region}: ${e.error ?? `${e.action}: ${e.detail}`}`;
    case 'operator-failed':
      return `${t}  operator ${e.do} refused: ${e.reason}`;
    default:
      return undefined;
  }
}

export function humanSummary(s: DrillSummary): string {
  const lines = [
    '',
    'Execution history',
    formatHistory(s.history),
    '',
    `Outcome: ${s.outcome}   (scenario ${s.scenario}, seed ${s.seed}, ${s.executions} execution${s.executions === 1 ? '' : 's'}; all times AWS time)`,
    `  serving region now     ${s.activeRegion ?? 'none'}`,
    `  detection              ${ms(s.detectionMs)}   (fault ${ms(s.faultPhaseMs)} into the deciding canary's interval)`,
    `  control plane          ${ms(s.controlPlaneMs)}   (start to traffic change made, approval wait excluded)`,
    `  approval wait          ${ms(s.approvalWaitMs)}${s.estimatedRpoMs !== null ? `   (approver shown an estimated loss of ${ms(s.estimatedRpoMs)})` : ''}`,
    `  client downtime        ${ms(s.downtimeMs)}   (physical floor for this fault phase ${ms(s.theoreticalMinMs)})`,
    `  lost writes            ${s.lostWrites} of ${s.acknowledgedWrites} acknowledged`,
    `  largest payload        ${s.maxPayloadBytes} bytes   (Step Functions fails an execution over 262,144)`,
  ];
  if (s.completedSteps)
    lines.push(`  completed steps        ${s.completedSteps.join(', ') || 'none'}`, `  remaining steps        ${s.remainingSteps?.join(', ')}`);
  if (s.plan) lines.push('  plan (nothing changed):', ...s.plan.map((p) => `    - ${p}`));
  if (s.error) lines.push(`  ended with             ${s.error}: ${s.cause ?? ''}`);
  lines.push(`  expected               ${s.matched ? 'met' : 'MISSED'}${s.expected.adjustedFor ? ` (adjusted for ${s.expected.adjustedFor.join(', ')})` : ''}`);
  for (const c of s.expectations) if (!c.matched) lines.push(`    ✗ ${c.key}: expected ${JSON.stringify(c.expected)}, got ${JSON.stringify(c.actual)}`);
  lines.push(`  invariants             ${s.invariantsHeld ? 'all held' : 'VIOLATED'}`);
  for (const i of s.invariants) if (!i.held) lines.push(`    ✗ ${i.name}: ${i.detail}`);
  if (s.outboxDir) lines.push(`  emails and alerts in   ${s.outboxDir}`);
  lines.push(`  replay                 drctl drill --scenario ${s.scenario} --seed ${s.seed}`);
  return lines.join('\n');
}
