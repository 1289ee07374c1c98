import type { DrConfig } from '../config/schema';
import { createRng, type Rng } from './sim/random';
import { formatDuration, parseScenario, type ScenarioInput, type Scenario } from './scenario-file';

/**
 * Random fault schedules drawn from the scenario grammar, for the random-schedule mode (`drctl drill --random`):
 * one seed gives one schedule, always the same. The schedule carries no expected outcome; the drill's invariants
 * are what must hold whatever happens.
 */

const MINUTE = 60_000;

function d(ms: number): string {
  return formatDuration(Math.max(0, Math.round(ms / 1000) * 1000));
}

function region(rng: Rng): 'primary' | 'standby' {
  return rng.next() < 0.75 ? 'primary' : 'standby';
}

function drawFault(rng: Rng, config: DrConfig): Record<string, unknown> {
  const at = d(rng.int(1, 12) * 30_000);
  const heals = rng.next() < 0.4;
  const base: Record<string, unknown> = { at, ...(heals ? { for: d(rng.int(1, 20) * 30_000) } : {}) };
  const kinds = [
    'region-down',
    'region-down',
    'app-down',
    'region-slow',
    'region-errors',
    'partition',
    'replication-stall',
    'replication-lag',
    'aws-api-down',
    'throttle',
    'duplicate-events',
    'step-fails',
  ];
  const kind = rng.pick(kinds);
  switch (kind) {
    case 'region-down':
    case 'app-down':
      return { ...base, kind, region: region(rng) };
    case 'region-slow':
      return { ...base, kind, region: region(rng), latency: d(rng.int(1, 8) * 1000) };
    case 'region-errors':
      return { ...base, kind, region: region(rng), rate: rng.pick([0.3, 0.7, 1]) };
    case 'partition': {
      const parties = ['primary', 'standby', 'clients', 'canary:primary', 'canary:standby', 'route53-checkers'];
      const a = rng.pick(parties);
      const b = rng.pick(parties.filter((p) => p !== a && !(p.endsWith(a) || a.endsWith(p))));
      return { ...base, kind, between: [a, b] };
    }
    case 'replication-stall':
      return { ...base, kind, store: '*' };
    case 'replication-lag':
      return { ...base, kind, store: '*', lag: d(rng.int(1, 60) * 1000) };
    case 'aws-api-down': {
      const services = [
        'ssm',
        'sns',
        'cloudwatch',
        'dynamodb',
        'rds',
        ...(config.traffic.strategy === 'arc-routing-control' ? ['arc-endpoint:primary', 'arc-endpoint:standby', 'route53'] : ['route53']),
      ];
      const service = rng.pick(services);
      return {
        ...base,
        kind,
        service,
        ...(service.startsWith('arc-endpoint') || service === 'route53' || service === 'cloudwatch' || service === 'sns' ? {} : { region: region(rng) }),
      };
    }
    case 'throttle':
      return { ...base, kind, service: rng.pick(['lambda', 'ssm', 'dynamodb']), rate: rng.pick([0.1, 0.3, 0.5]) };
    case 'duplicate-events':
      return { ...base, kind, copies: rng.int(2, 4), ...(rng.next() < 0.5 ? { redeliverAfter: d(rng.int(1, 10) * 10_000) } : {}) };
    default:
      return {
        ...base,
        kind: 'step-fails',
        state: rng.pick(['FenceOldPrimary', 'ShiftTraffic', 'ActivateStandby', 'VerifyRecovery', 'ValidateData', 'AssessHealth', 'AssessDataRisk']),
        error: rng.pick(['TransientError', 'Lambda.ServiceException', 'States.TaskFailed']),
        times: rng.int(1, 4),
      };
  }
}

/** The schedule for one seed: one to four faults within the first six minutes, and a random approver. */
export function randomScenario(seed: number, config: DrConfig): Scenario {
  const rng = createRng(seed, 'random-schedule');
  const n = rng.int(1, 4);
  const faults = Array.from({ length: n }, () => drawFault(rng, config));
  const decision = rng.pick(['approve', 'approve', 'approve', 'reject', 'none'] as const);
  const input: ScenarioInput = {
    name: `random-${seed}`,
    description: `Random fault schedule ${seed}: ${faults.map((f) => `${f.kind} at ${f.at}`).join(', ')}.`,
    faults: faults as ScenarioInput['faults'],
    approver: { decision, after: d(rng.int(0, 12) * 10_000) },
    settle: '3m',
  };
  return parseScenario(input, `random schedule ${seed}`);
}

/** Smaller schedules to try when one fails: each fault removed, each healing removed, each fault moved earlier. */
export function shrinkCandidates(sc: Scenario): Scenario[] {
  const out: Scenario[] = [];
  for (let i = 0; i < sc.faults.length; i++) out.push({ ...sc, faults: sc.faults.filter((_, j) => j !== i) });
  for (let i = 0; i < sc.faults.length; i++) {
    const f = sc.faults[i];
    if (f.for !== undefined) out.push({ ...sc, faults: sc.faults.map((g, j) => (j === i ? { ...g, for: undefined } : g)) });
    if (f.at > MINUTE) out.push({ ...sc, faults: sc.faults.map((g, j) => (j === i ? { ...g, at: MINUTE } : g)) });
  }
  if (sc.approver.after > 0) out.push({ ...sc, approver: { ...sc.approver, after: 0 } });
  return out;
}

/** The scenario as a file would hold it (durations back as strings), for a failing seed's reproduction. */
export function scenarioToFile(sc: Scenario): Record<string, unknown> {
  const faults = sc.faults.map((f) => {
    const out: Record<string, unknown> = { ...f, at: formatDuration(f.at) };
    if (f.for !== undefined) out.for = formatDuration(f.for);
    else delete out.for;
    if ('latency' in f) out.latency = formatDuration(f.latency);
    if ('lag' in f) out.lag = formatDuration(f.lag);
    if ('redeliverAfter' in f && f.redeliverAfter !== undefined) out.redeliverAfter = formatDuration(f.redeliverAfter);
    return out;
  });
  return {
    name: sc.name,
    description: sc.description,
    ...(sc.config ? { config: sc.config } : {}),
    faults,
    approver: { decision: sc.approver.decision, after: formatDuration(sc.approver.after) },
    operator: sc.operator.map((o) => ({ ...o, at: formatDuration(o.at) })),
    settle: formatDuration(sc.settle),
    expect: sc.expect,
  };
}
