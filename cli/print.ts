import { formatHistory } from '../local/runtime/history';
import type { DrillEvent, DrillSummary } from '../local/drill';

const ms = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : `${v} ms`);

/** Plain lines for people (and for logs when stdout is not a terminal). */
export function humanEvent(e: DrillEvent, t0: number): string | undefined {
  const t = `+${String(e.at - t0).padStart(5)} ms`;
  switch (e.type) {
    case 'drill-started':
      return `${t}  drill "${e.scenario}": ${e.description}\n${' '.repeat(11)}primary ${(e.regions as { primary: string }).primary}, standby ${(e.regions as { standby: string }).standby}; 1 AWS minute = ${Math.round(60_000 / Number(e.timeScale))} ms here; approver: ${e.approve}${e.dryRun ? '; DRY RUN' : ''}`;
    case 'fault-injected':
      return `${t}  FAULT  ${e.description}`;
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
    case 'alert':
      return `${t}  SNS ${String(e.topic).toUpperCase()}: ${e.subject}`;
    case 'approval-requested': {
      const head = `${t}  approval requested (estimated RPO ${ms(e.estimatedRpoMs as number | null)} vs target ${ms(e.rpoTargetMs as number | null)})`;
      if (e.approver !== 'manual') return `${head}\n${' '.repeat(11)}link: ${e.url}`;
      // A person is answering: show the email they would get, then the link on its own line to click.
      const email = String(e.email ?? '').split('\n').map((l) => `${' '.repeat(11)}| ${l}`).join('\n');
      return `${head}\n${' '.repeat(11)}| Subject: ${e.subject}\n${email}\n\n${' '.repeat(11)}open this link in a browser to decide (waiting in real time): ${e.url}`;
    }
    case 'approval-answered':
      return `${t}  approver submitted "${e.decision}" (HTTP ${e.httpStatus ?? e.error})`;
    case 'traffic-shifted':
      return `${t}  clients now reach ${e.to} (${e.afterMs} ms after the fault)`;
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
    `Outcome: ${s.outcome}   (scenario ${s.scenario}, ${s.executions} execution${s.executions === 1 ? '' : 's'})`,
    `  serving region now     ${s.activeRegion ?? 'none'}`,
    `  detection              ${ms(s.detectionMs)}   (AWS ~${s.projectedAws.detectionSeconds ?? 'n/a'} s)`,
    `  control plane          ${ms(s.controlPlaneMs)}   (AWS ~${s.projectedAws.controlPlaneSeconds ?? 'n/a'} s, approval wait excluded)`,
    `  approval wait          ${ms(s.approvalWaitMs)}`,
    `  client downtime        ${ms(s.downtimeMs)}   (AWS ~${s.projectedAws.downtimeSeconds} s; physical minimum ${s.theoreticalMinMs} ms = AWS ~${s.projectedAws.theoreticalMinSeconds} s)`,
    `  lost writes            ${s.lostWrites} of ${s.acknowledgedWrites} acknowledged`,
  ];
  if (s.completedSteps) lines.push(`  completed steps        ${s.completedSteps.join(', ') || 'none'}`, `  remaining steps        ${s.remainingSteps?.join(', ')}`);
  if (s.plan) lines.push('  plan (nothing changed):', ...s.plan.map((p) => `    - ${p}`));
  if (s.error) lines.push(`  ended with             ${s.error}: ${s.cause ?? ''}`);
  lines.push(`  invariants             ${s.invariantsHeld ? 'all held' : 'VIOLATED'}`);
  for (const i of s.invariants) if (!i.held) lines.push(`    ✗ ${i.name}: ${i.detail}`);
  lines.push(`  emails and alerts in   ${s.outboxDir}`);
  return lines.join('\n');
}
