import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DrConfig } from '../../config/schema';
import type { AslMachine } from './asl-path';
import { AVAILABLE_SIGNALS, rpoEstimate, rtoBudget, type RpoEstimate, type RtoBudget } from './budget';
import { comparisonTime, type ComparisonTime } from './comparison';
import { monthlyCost, type CostEstimate } from './cost';
import { TIMINGS } from './prices';

export interface Finding {
  readonly severity: 'error' | 'warning';
  readonly message: string;
}

export interface Plan {
  readonly application: string;
  readonly rtoSeconds: number;
  readonly rpoSeconds: number;
  readonly monthlyCostUsd: number;
  /** False when a target cannot be met even before a person is involved. */
  readonly meetsTargets: boolean;
  readonly rto: RtoBudget;
  readonly rpo: RpoEstimate;
  readonly cost: CostEstimate;
  /** How long the post-failover comparison of the configured tables takes at the configured read budget. */
  readonly comparison: ComparisonTime;
  readonly findings: readonly Finding[];
}

export interface PlanOptions {
  readonly drillsPerMonth?: number;
  readonly approvalMode?: 'required' | 'auto-when-safe';
}

export const FAILOVER_DEFINITION_FILE = resolve(__dirname, '..', '..', 'state-machines', 'failover.asl.json');

export function loadFailoverDefinition(file = FAILOVER_DEFINITION_FILE): AslMachine {
  return JSON.parse(readFileSync(file, 'utf8')) as AslMachine;
}

function findings(config: DrConfig, rto: RtoBudget, rpo: RpoEstimate): Finding[] {
  const out: Finding[] = [];
  if (config.detection.quorum > AVAILABLE_SIGNALS) {
    out.push({
      severity: 'error',
      message: `detection.quorum ${config.detection.quorum} can never be reached: the deployment has ${AVAILABLE_SIGNALS} independent signals (a canary alarm per region and the Route 53 health-check alarm)`,
    });
  }
  if (rto.rtoSeconds > rto.targetSeconds) {
    const biggest = [...rto.terms].sort((a, b) => b.seconds - a.seconds).slice(0, 2);
    const hints: string[] = [];
    for (const t of biggest) {
      if (t.key === 'traffic' && config.traffic.strategy !== 'arc-routing-control')
        hints.push(
          `a Route 53 record change is only documented as INSYNC within ${TIMINGS.route53InSync.value} s; traffic.strategy "arc-routing-control" flips answers without a record change`,
        );
      if (t.key === 'promotion')
        hints.push(
          `Aurora global promotion is documented as "under a minute"; no Aurora-backed config can promise less than detection + ${TIMINGS.auroraPromotion.value} s`,
        );
      if (t.key === 'detection')
        hints.push('fewer detection.datapointsToAlarm or a shorter detection.probeIntervalSeconds detect sooner (at the price of false alarms)');
      if (t.key === 'dnsTtl') hints.push('a shorter globalDomain.ttlSeconds lets clients follow sooner');
    }
    out.push({
      severity: 'error',
      message: `projected RTO ${rto.rtoSeconds} s exceeds objectives.rtoSeconds ${rto.targetSeconds} s (largest terms: ${biggest.map((t) => `${t.label} ${t.seconds} s`).join(', ')})${hints.length ? `; ${hints.join('; ')}` : ''}`,
    });
  } else if (rto.approval.humanInLoop) {
    out.push({
      severity: 'warning',
      message: `approval.mode "required": the approver has ${Math.round((rto.targetSeconds - rto.rtoSeconds) * 10) / 10} s left within the ${rto.targetSeconds} s RTO target`,
    });
  }
  if (rto.approval.humanInLoop && rto.rtoSeconds > rto.targetSeconds) {
    out.push({
      severity: 'warning',
      message: `approval.mode "required": the approver's time (up to ${rto.approval.timeoutSeconds} s) comes on top of the projection`,
    });
  }
  if (rpo.rpoSeconds > rpo.targetSeconds) {
    const worst = rpo.stores.filter((s) => s.seconds > rpo.targetSeconds).map((s) => `${s.store} (${s.kind}, ${s.seconds} s)`);
    out.push({ severity: 'error', message: `estimated RPO ${rpo.rpoSeconds} s exceeds objectives.rpoSeconds ${rpo.targetSeconds} s: ${worst.join(', ')}` });
  }
  for (const n of rto.notEstimated) out.push({ severity: 'warning', message: `not in the RTO projection: ${n}` });
  return out;
}

export function buildPlan(config: DrConfig, machine: AslMachine = loadFailoverDefinition(), opts: PlanOptions = {}): Plan {
  const rto = rtoBudget(config, machine, { approvalMode: opts.approvalMode });
  const rpo = rpoEstimate(config);
  const cost = monthlyCost(config, machine, { drillsPerMonth: opts.drillsPerMonth });
  const comparison = comparisonTime(config);
  const f = findings(config, rto, rpo);
  if (config.dataRisk.heartbeatIntervalSeconds * 1000 >= config.objectives.rpoSeconds * 1000) {
    f.push({
      severity: 'warning',
      message: `dataRisk.heartbeatIntervalSeconds ${config.dataRisk.heartbeatIntervalSeconds} s is not below objectives.rpoSeconds ${config.objectives.rpoSeconds} s: the measured lag is never finer than the heartbeat interval, so auto-when-safe can never find the data at risk within target`,
    });
  }
  return {
    application: config.application,
    rtoSeconds: rto.rtoSeconds,
    rpoSeconds: rpo.rpoSeconds,
    monthlyCostUsd: cost.monthlyCostUsd,
    meetsTargets: !f.some((x) => x.severity === 'error'),
    rto,
    rpo,
    cost,
    comparison,
    findings: f,
  };
}

const usd = (n: number) => (n >= 0.01 || n === 0 ? `$${n.toFixed(2)}` : '<$0.01');
const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

/** The plan as a person reads it: every term with its figure and source. */
export function formatPlan(p: Plan, opts: { sources?: boolean } = {}): string {
  const showSources = opts.sources ?? true;
  const out: string[] = [];
  out.push(`RTO budget for ${p.application} (fault -> clients served by the standby, machine time)`);
  for (const t of p.rto.terms) {
    out.push(`  ${pad(t.label, 30)} ${lpad(t.seconds.toFixed(1), 7)} s`);
    for (const part of t.parts) out.push(`      ${pad(part.label, 62)} ${lpad(part.seconds.toFixed(2), 7)} s${showSources ? `   [${part.source}]` : ''}`);
  }
  out.push(`  ${pad('projected RTO', 30)} ${lpad(p.rto.rtoSeconds.toFixed(1), 7)} s   target ${p.rto.targetSeconds} s`);
  out.push(`  approval (${p.rto.approval.mode}): ${p.rto.approval.note}`);
  out.push('');
  out.push('RPO estimate (unplanned failover: replication lag of the slowest store)');
  for (const s of p.rpo.stores) out.push(`  ${pad(`${s.store} (${s.kind})`, 40)} ${lpad(String(s.seconds), 7)} s${showSources ? `   [${s.source}]` : ''}`);
  out.push(`  ${pad('estimated RPO', 40)} ${lpad(String(p.rpo.rpoSeconds), 7)} s   target ${p.rpo.targetSeconds} s`);
  out.push('');
  const c = p.comparison;
  const secs = (v: number | null) => (v === null ? '      -' : lpad(v.toFixed(1), 7));
  out.push(
    `Data comparison after a failover or before a failback, at ${c.readUnitsPerSecond} read units/s per table and region (${c.secondsPerGiBPerPass} s per GiB per pass)`,
  );
  for (const st of c.stores) {
    const size = st.sizeGiB === null ? 'size ?' : `${st.sizeGiB} GiB`;
    out.push(
      `  ${pad(`${st.store} (${st.kind})`, 40)} ${lpad(size, 12)} ${lpad(st.segments === null ? '' : `${st.segments} seg`, 7)} ${secs(st.passSeconds)} s   ${st.note}`,
    );
  }
  out.push(`  ${pad('one pass (the longest lane)', 61)} ${secs(c.passSeconds)} s`);
  out.push(`  ${pad('both passes (writes were lost: keys of differing buckets)', 61)} ${secs(c.withDifferencesSeconds)} s`);
  if (showSources) out.push(`  assumptions: ${c.assumptions.join('; ')}`);
  out.push('');
  out.push(`Monthly cost of the control plane, both regions (${p.cost.drillsPerMonth} executions/month)`);
  for (const l of p.cost.lines) {
    out.push(`  ${pad(l.item, 88)} ${lpad(usd(l.monthlyUsd), 10)}${showSources ? `   ${l.quantity.toLocaleString('en-US')} ${l.per} [${l.source}]` : ''}`);
  }
  out.push(`  ${pad('total', 88)} ${lpad(usd(p.cost.monthlyCostUsd), 10)}`);
  out.push(`  assumptions: ${p.cost.assumptions.join('; ')}`);
  out.push(`  not included: ${p.cost.excluded.join('; ')}`);
  out.push('');
  if (p.findings.length === 0) out.push('The config can meet its RTO and RPO targets.');
  for (const f of p.findings) out.push(`${f.severity === 'error' ? 'CANNOT MEET TARGET' : 'note'}: ${f.message}`);
  return out.join('\n');
}
