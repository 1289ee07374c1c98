import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig, parseConfig } from '../../../config/load';
import type { DrConfig } from '../../../config/schema';
import { countTransitions, evaluateChoiceRule, walk, type AslMachine } from '../../../cli/plan/asl-path';
import { detectionTerm, rpoEstimate, rtoBudget } from '../../../cli/plan/budget';
import { monthlyCost } from '../../../cli/plan/cost';
import { buildPlan, formatPlan, loadFailoverDefinition } from '../../../cli/plan/plan';
import { PRICES, TIMINGS } from '../../../cli/plan/prices';

// Hand-computed expectations below are for the Route 53 + Aurora example; the shipped default is checked on its own.
const base = loadConfig(resolve(__dirname, '..', '..', '..', 'examples', 'configs', 'aurora-route53.config.json'));
const PRIMARY = base.regions.primary.name;
const STANDBY = base.regions.standby.name;

/** The example config with some fields replaced, validated like any config. */
function config(patch: (raw: Record<string, unknown>) => void = () => {}): DrConfig {
  const raw = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
  patch(raw);
  return parseConfig(raw, 'test config');
}

const dynamo = (i: number) => ({ kind: 'dynamodb-global-table', name: `t-${i}`, tableName: `table-${i}` });
const aurora = (i: number) => ({
  kind: 'aurora-global',
  name: `db-${i}`,
  globalClusterIdentifier: `db-${i}-global`,
  clusterArns: { [PRIMARY]: `arn:aws:rds:${PRIMARY}:111122223333:cluster:db-${i}-a`, [STANDBY]: `arn:aws:rds:${STANDBY}:111122223333:cluster:db-${i}-b` },
});
const arc = {
  strategy: 'arc-routing-control',
  clusterEndpoints: [{ region: STANDBY, endpoint: 'https://host-aaaaaa.us-west-2.example.com/v1' }],
  routingControlArns: {
    [PRIMARY]: 'arn:aws:route53-recovery-control::111122223333:controlpanel/abc/routingcontrol/p',
    [STANDBY]: 'arn:aws:route53-recovery-control::111122223333:controlpanel/abc/routingcontrol/s',
  },
};

/**
 * A small failover with every shape the planner handles: a Choice, an SNS publish, a Parallel with the
 * approval callback beside a scale-up, a Map over the stores, the traffic shift and the activation.
 */
const MINI: AslMachine = {
  StartAt: 'Check',
  States: {
    Check: { Type: 'Task', Resource: '${HealthCheckerFunctionArn}', Next: 'Route' },
    Route: { Type: 'Choice', Choices: [{ Variable: '$.health.verdict', StringEquals: 'FAILOVER_WARRANTED', Next: 'Notify' }], Default: 'Stop' },
    Stop: { Type: 'Fail' },
    Notify: { Type: 'Task', Resource: 'arn:aws:states:::sns:publish', Next: 'PrepareStandby' },
    PrepareStandby: {
      Type: 'Parallel',
      Branches: [
        {
          StartAt: 'Gate',
          States: {
            Gate: { Type: 'Choice', Choices: [{ Variable: '$.dataRisk.approval.required', BooleanEquals: true, Next: 'Ask' }], Default: 'Auto' },
            Ask: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
              Parameters: { FunctionName: '${ApprovalRequestFunctionArn}' },
              End: true,
            },
            Auto: { Type: 'Pass', End: true },
          },
        },
        { StartAt: 'ScaleStandby', States: { ScaleStandby: { Type: 'Task', Resource: '${FailoverOrchestratorFunctionArn}', End: true } } },
      ],
      Next: 'PromoteData',
    },
    PromoteData: {
      Type: 'Map',
      MaxConcurrency: 10,
      ItemProcessor: { StartAt: 'PromoteStore', States: { PromoteStore: { Type: 'Task', Resource: '${FailoverOrchestratorFunctionArn}', End: true } } },
      Next: 'ShiftTraffic',
    },
    ShiftTraffic: { Type: 'Task', Resource: '${TrafficRouterFunctionArn}', Next: 'ActivateStandby' },
    ActivateStandby: { Type: 'Task', Resource: '${FailoverOrchestratorFunctionArn}', Next: 'Verify' },
    Verify: { Type: 'Task', Resource: '${HealthCheckerFunctionArn}', End: true },
  },
};

const term = (budget: ReturnType<typeof rtoBudget>, key: string) => budget.terms.find((t) => t.key === key)!.seconds;

describe('RTO budget arithmetic (hand-computed)', () => {
  test('the example config: detection 30, promotion 60, INSYNC 60, TTL 15, orchestration from the path', () => {
    // Prepare: the example config has one DynamoDB table and one Aurora cluster.
    const b = rtoBudget(base, MINI);
    // detection = 10 s x 2 datapoints + one 10 s evaluation period
    expect(term(b, 'detection')).toBe(30);
    // Path to ActivateStandby: Check, Route, Notify, PrepareStandby, ScaleStandby (slowest branch),
    // PromoteData, PromoteStore (slowest item), ShiftTraffic, ActivateStandby = 9 transitions.
    // Cold starts: trigger, health checker, orchestrator (ScaleStandby), orchestrator (2nd Map item), traffic router = 5.
    // Lambda tasks: trigger, Check, ScaleStandby, PromoteStore, ShiftTraffic, ActivateStandby = 6; one SNS publish.
    // 0.5 + 5 x 0.375 + 6 x 0.2 + 1 x 0.1 + 9 x 0.05 = 0.5 + 1.875 + 1.2 + 0.1 + 0.45 = 4.125, shown as 4.13
    expect(term(b, 'orchestration')).toBeCloseTo(4.13, 5);
    expect(term(b, 'promotion')).toBe(60);
    expect(term(b, 'traffic')).toBe(60);
    expect(term(b, 'dnsTtl')).toBe(15);
    expect(b.rtoSeconds).toBe(169.1);
    expect(b.approval.humanInLoop).toBe(true);
    expect(b.path.at(-1)).toBe('ActivateStandby');
  });

  test('auto-when-safe takes the policy branch: no person on the path, the same machine time', () => {
    const b = rtoBudget(base, MINI, { approvalMode: 'auto-when-safe' });
    expect(b.approval.humanInLoop).toBe(false);
    expect(b.path).toContain('  [branch 1] Auto');
    expect(b.path).not.toContain('  [branch 1] Ask');
    expect(b.rtoSeconds).toBe(169.1);
  });

  test('one DynamoDB table: no promotion wait and the Map item reuses the warm orchestrator', () => {
    const b = rtoBudget(
      config((c) => (c.dataStores = [dynamo(0)])),
      MINI,
    );
    // 0.5 + 4 x 0.375 + 6 x 0.2 + 0.1 + 9 x 0.05 = 0.5 + 1.5 + 1.2 + 0.1 + 0.45 = 3.75
    expect(term(b, 'orchestration')).toBeCloseTo(3.75, 5);
    expect(term(b, 'promotion')).toBe(0);
    // 30 + 3.75 + 0 + 60 + 15
    expect(b.rtoSeconds).toBe(108.8);
  });

  test('ARC routing controls replace the INSYNC wait: DynamoDB + ARC fits a 60 s target', () => {
    const c = config((raw) => {
      raw.dataStores = [dynamo(0)];
      raw.traffic = arc;
    });
    const b = rtoBudget(c, MINI);
    expect(term(b, 'traffic')).toBe(TIMINGS.arcPropagation.value);
    // 30 + 3.75 + 0 + 5 + 15
    expect(b.rtoSeconds).toBe(53.8);
    expect(buildPlan(c, MINI).findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

  test('eleven Aurora clusters at most ten at a time take two promotion rounds', () => {
    const b = rtoBudget(
      config((c) => (c.dataStores = Array.from({ length: 11 }, (_, i) => aurora(i)))),
      MINI,
    );
    expect(term(b, 'promotion')).toBe(120);
  });

  test('a quorum of three needs the slower Route 53 signal', () => {
    // 10 s checks (probe interval 10) x threshold 3 + 60 s metric period + 60 s evaluation
    expect(detectionTerm(config((c) => ((c.detection as Record<string, unknown>).quorum = 3))).seconds).toBe(150);
    // 30 s checks x 3 + 60 + 60
    expect(detectionTerm(config((c) => Object.assign(c.detection as object, { quorum: 3, probeIntervalSeconds: 30 }))).seconds).toBe(210);
  });

  test('fewer datapoints and a shorter TTL shorten the projection term by term', () => {
    const b = rtoBudget(
      config((c) => {
        Object.assign(c.detection as object, { datapointsToAlarm: 1 });
        (c.globalDomain as Record<string, unknown>).ttlSeconds = 5;
      }),
      MINI,
    );
    expect(term(b, 'detection')).toBe(20);
    expect(term(b, 'dnsTtl')).toBe(5);
  });
});

describe('RPO estimate', () => {
  test('the slowest store sets it: DynamoDB and Aurora replicate within a second', () => {
    const r = rpoEstimate(base);
    expect(r.rpoSeconds).toBe(1);
    expect(r.stores.map((s) => s.seconds)).toEqual([1, 1]);
  });

  test('an S3 bucket pair (Replication Time Control, 15 min) breaks a 5 s target and is flagged', () => {
    const c = config(
      (raw) => (raw.dataStores = [dynamo(0), { kind: 's3-replicated', name: 'files', buckets: { [PRIMARY]: 'a-bucket', [STANDBY]: 'b-bucket' } }]),
    );
    expect(rpoEstimate(c).rpoSeconds).toBe(900);
    const plan = buildPlan(c, MINI);
    expect(plan.meetsTargets).toBe(false);
    expect(plan.findings.some((f) => f.severity === 'error' && f.message.includes('files (s3-replicated, 900 s)'))).toBe(true);
  });
});

describe('monthly cost (hand-computed)', () => {
  test('the example config in both regions', () => {
    const cost = monthlyCost(base, MINI);
    const by = (prefix: string) => cost.lines.find((l) => l.item.startsWith(prefix))!;
    // 2 canaries x 60 runs/h x 730 h = 87,600 runs x $0.0012 = $105.12
    expect(by('Synthetics canaries').quantity).toBe(87_600);
    expect(by('Synthetics canaries').monthlyUsd).toBe(105.12);
    // 2 vantages x 3 targets x 2 regions = 12 metrics and 12 high-resolution alarms at $0.30
    expect(by('Custom metrics').monthlyUsd).toBe(3.6);
    expect(by('High-resolution alarms').monthlyUsd).toBe(3.6);
    // Route 53: 2 checks x ($0.50 + $1 HTTPS + $1 fast interval) = $5.00
    expect(by('Route 53 health checks').monthlyUsd + by('Route 53 health-check HTTPS').monthlyUsd + by('Route 53 health-check 10 s').monthlyUsd).toBe(5);
    // The replication heartbeat: a run a minute in each region (87,600 runs) of 62 s at 0.125 GB = 678,900 GB-s x
    // $0.0000133334 = $9.05; 87,600 requests = $0.02; the one table written every 2 s in both regions and
    // replicated: 4 x 1,314,000 = 5,256,000 write units x $0.625 / 1M = $3.29 (no bucket).
    expect(by('Heartbeat writer compute').monthlyUsd).toBe(9.05);
    expect(by('Heartbeat writer invocations').monthlyUsd).toBe(0.02);
    expect(by('Heartbeat items').quantity).toBe(5_256_000);
    expect(by('Heartbeat items').monthlyUsd).toBe(3.29);
    expect(by('Heartbeat objects').quantity).toBe(0);
    // 105.12 + 3.60 + 3.60 + 1.00 composite + 0.20 mirrors + 0.20 dead letters + 5.00 checks + 0.20 R53 alarms
    //   + 6.00 dashboards + 2.00 KMS keys + 0.80 secrets + 12.36 heartbeat = 140.08 (usage items are fractions of a cent)
    expect(cost.monthlyCostUsd).toBe(140.08);
  });

  test('heartbeat objects in a replicated bucket: every 2 s in both regions, each replicated, at the PUT price', () => {
    const c = config((raw) => (raw.dataStores = [{ kind: 's3-replicated', name: 'files', buckets: { [PRIMARY]: 'a-bucket', [STANDBY]: 'b-bucket' } }]));
    const line = monthlyCost(c, MINI).lines.find((l) => l.item.startsWith('Heartbeat objects'))!;
    expect(line.quantity).toBe(5_256_000);
    // 5,256 thousands x $0.005
    expect(line.monthlyUsd).toBe(26.28);
  });

  test('the ARC cluster is billed by the hour: 730 h x $2.50 = $1,825', () => {
    const c = config((raw) => (raw.traffic = arc));
    const cost = monthlyCost(c, MINI);
    expect(cost.lines.find((l) => l.item.startsWith('Route 53 ARC cluster'))!.monthlyUsd).toBe(1825);
    expect(cost.monthlyCostUsd).toBe(140.08 + 1825);
  });

  test('a shared ARC cluster is priced as a share: 1/4 of 730 h x $2.50 = $456.25', () => {
    // Prepare: four applications' control panels in one cluster (prerequisites.arc.sharedByApplications).
    const c = config((raw) => {
      raw.traffic = arc;
      raw.prerequisites = { arc: { clusterArn: 'arn:aws:route53-recovery-control::111122223333:cluster/shared-1', sharedByApplications: 4 } };
    });
    // Act
    const cost = monthlyCost(c, MINI);
    // Assess: the line says what it prices, and only the cluster line changed.
    const cluster = cost.lines.find((l) => l.item.startsWith('Route 53 ARC cluster'))!;
    expect(cluster.item).toContain('1/4 of a cluster shared by 4 applications');
    expect(cluster.quantity).toBe(730 / 4);
    expect(cluster.monthlyUsd).toBe(456.25);
    expect(cost.monthlyCostUsd).toBe(140.08 + 456.25);
  });

  test('an unshared ARC cluster (the default, sharedByApplications 1) is the whole cluster, and says nothing of sharing', () => {
    const c = config((raw) => {
      raw.traffic = arc;
      raw.prerequisites = { arc: { create: true } };
    });
    const cluster = monthlyCost(c, MINI).lines.find((l) => l.item.startsWith('Route 53 ARC cluster'))!;
    expect(c.prerequisites.arc?.sharedByApplications).toBe(1);
    expect(cluster.monthlyUsd).toBe(1825);
    expect(cluster.item).not.toMatch(/1\/\d+ of a cluster/);
  });

  test('60 s probes use standard alarms and no fast health checks', () => {
    const c = config((raw) => Object.assign(raw.detection as object, { probeIntervalSeconds: 60 }));
    // 140.08 - 12 x ($0.30 - $0.10) - 2 x $1.00 = 135.68
    expect(monthlyCost(c, MINI).monthlyCostUsd).toBe(135.68);
  });

  test('Step Functions transitions scale with executions: 13 per full run of the mini definition', () => {
    const cost = monthlyCost(base, MINI, { drillsPerMonth: 1000 });
    const line = cost.lines.find((l) => l.item.startsWith('Step Functions'))!;
    expect(line.quantity).toBe(13_000);
    // 13,000 x $0.025 / 1,000
    expect(line.monthlyUsd).toBe(0.33);
    expect(line.unitPriceUsd).toBe(PRICES.stepFunctionsPer1kTransitions.value / 1000);
  });

  test('every price names its source', () => {
    for (const l of monthlyCost(
      config((raw) => (raw.traffic = arc)),
      MINI,
    ).lines)
      expect(l.source.length).toBeGreaterThan(5);
    for (const f of [...Object.values(PRICES), ...Object.values(TIMINGS)]) expect(f.source).toMatch(/\S{3,}/);
  });
});

describe('the data comparison (how long ValidateData reads, at the read budget)', () => {
  test('a table of known size: one GiB per segment, its segments sharing the budget, both regions at once', () => {
    const c = config((raw) => {
      raw.dataStores = [
        { ...dynamo(0), sizeGiB: 10 },
        { ...dynamo(1), sizeGiB: 0.5 },
      ];
      raw.dataRisk = { comparisonReadUnitsPerSecond: 1_000, comparisonMaxConcurrency: 4, comparisonMaxSegmentsPerTable: 16 };
    });
    const t = buildPlan(c, MINI).comparison;
    // 1 GiB / (1,000 units/s x 8 KiB per unit) = 131.1 s
    expect(t.secondsPerGiBPerPass).toBe(131.1);
    expect(t.stores.map((s) => [s.store, s.segments, s.passSeconds])).toEqual([
      ['t-0', 4, 1310.7],
      ['t-1', 1, 65.5],
    ]);
    // The small table's one segment waits behind a segment of the big one in its lane.
    expect(t.passSeconds).toBe(1376.3);
    expect(t.withDifferencesSeconds).toBe(2752.6);
  });

  test('Aurora, S3 and tables of unknown size are said, never counted as zero', () => {
    const c = config(
      (raw) => (raw.dataStores = [dynamo(0), aurora(1), { kind: 's3-replicated', name: 'files', buckets: { [PRIMARY]: 'a-bucket', [STANDBY]: 'b-bucket' } }]),
    );
    const t = buildPlan(c, MINI).comparison;
    expect(t.passSeconds).toBeNull();
    expect(t.stores.map((s) => s.note)).toEqual([
      expect.stringMatching(/size unknown/),
      expect.stringMatching(/not compared item by item/),
      expect.stringMatching(/number of objects/),
    ]);
  });

  test('the text says the rate, each table and both passes', () => {
    const c = config((raw) => (raw.dataStores = [{ ...dynamo(0), sizeGiB: 2 }]));
    const text = formatPlan(buildPlan(c, MINI), { sources: false });
    expect(text).toMatch(/Data comparison after a failover or before a failback, at 500 read units\/s per table and region \(262\.1 s per GiB per pass\)/);
    expect(text).toMatch(/t-0 \(dynamodb-global-table\) +2 GiB +2 seg +524\.3 s/);
    expect(text).toMatch(/both passes .* 1048\.6 s/);
  });

  test('a heartbeat interval not below the RPO target is flagged: the measured lag could never be within it', () => {
    const c = config((raw) => {
      raw.objectives = { rtoSeconds: 600, rpoSeconds: 2 };
    });
    expect(buildPlan(c, MINI).findings.some((f) => f.message.includes('dataRisk.heartbeatIntervalSeconds 2 s is not below objectives.rpoSeconds 2 s'))).toBe(
      true,
    );
  });
});

describe('walking a definition', () => {
  test('counts the transitions Step Functions bills, branches and Map items included', () => {
    const { path } = walk(MINI, { input: { health: { verdict: 'FAILOVER_WARRANTED' }, dataRisk: { approval: { required: true } } }, itemsOf: () => 2 });
    // Check, Route, Notify, PrepareStandby (+ Gate, Ask, ScaleStandby), PromoteData (+ 2 items), ShiftTraffic, ActivateStandby, Verify
    expect(countTransitions(path)).toBe(13);
  });

  test('a refused verdict ends at the Fail state', () => {
    const { path } = walk(MINI, { input: { health: { verdict: 'STANDBY_UNHEALTHY' } }, itemsOf: () => 1 });
    expect(path.map((s) => s.name)).toEqual(['Check', 'Route', 'Stop']);
  });

  test('Choice operators: And, Or, Not, IsPresent; anything else is refused rather than guessed', () => {
    const input = { a: 'x', b: true };
    expect(
      evaluateChoiceRule(
        {
          And: [
            { Variable: '$.a', StringEquals: 'x' },
            { Variable: '$.b', BooleanEquals: true },
          ],
        },
        input,
      ),
    ).toBe(true);
    expect(evaluateChoiceRule({ Or: [{ Variable: '$.a', StringEquals: 'y' }, { Not: { Variable: '$.c', IsPresent: true } }] }, input)).toBe(true);
    expect(() => evaluateChoiceRule({ Variable: '$.a', StringMatches: 'x*' }, input)).toThrow(/not supported/);
  });
});

describe('the real failover definition', () => {
  const real = loadFailoverDefinition();

  test('reaches the recovery state through promotion and the traffic shift', () => {
    const b = rtoBudget(base, real);
    expect(b.path.at(-1)).toBe('ActivateStandby');
    expect(b.path).toEqual(expect.arrayContaining(['PromoteData', 'ShiftTraffic']));
    expect(term(b, 'promotion')).toBe(60);
    expect(term(b, 'traffic')).toBe(60);
    expect(b.rtoSeconds).toBeGreaterThan(30 + 60 + 60 + 15);
  });

  test('the plan says why the Aurora + Route 53 config cannot promise 60 s, naming the terms', () => {
    const plan = buildPlan(base, real);
    expect(plan.rtoSeconds).toBe(plan.rto.rtoSeconds);
    expect(plan.meetsTargets).toBe(false);
    const error = plan.findings.find((f) => f.severity === 'error')!.message;
    expect(error).toMatch(/exceeds objectives\.rtoSeconds 60 s/);
    expect(error).toMatch(/data promotion 60 s/);
    expect(error).toMatch(/record change INSYNC 60 s/);
    expect(Object.keys(plan)).toEqual(expect.arrayContaining(['rtoSeconds', 'rpoSeconds', 'monthlyCostUsd', 'rto', 'rpo', 'cost']));
  });

  test('the shipped default dr.config.json (ARC, DynamoDB global tables) projects an RTO within 60 s', () => {
    const shipped = loadConfig(resolve(__dirname, '..', '..', '..', 'dr.config.json'));
    const plan = buildPlan(shipped, real);
    expect(plan.rtoSeconds).toBeLessThanOrEqual(60);
    expect(plan.rtoSeconds).toBeLessThanOrEqual(shipped.objectives.rtoSeconds);
    expect(plan.meetsTargets).toBe(true);
    expect(term(plan.rto, 'promotion')).toBe(0);
    // The price of that RTO is the ARC cluster, and the plan says so.
    expect(plan.monthlyCostUsd).toBeGreaterThan(1_800);
  });
});

describe('docs/sources.md', () => {
  const doc = readFileSync(resolve(__dirname, '..', '..', '..', 'docs', 'sources.md'), 'utf8');
  const rowOf = (key: string) => doc.split('\n').find((l) => l.startsWith(`| \`${key}\` |`));

  test.each([...Object.keys(PRICES), ...Object.keys(TIMINGS)])('has a row for %s, with a source', (key) => {
    const row = rowOf(key);
    expect(row).toBeDefined();
    expect(row!.split('|').filter((c) => c.trim()).length).toBeGreaterThanOrEqual(3);
  });

  test('every secondary price names the AWS pricing page to check it against', () => {
    for (const [key, figure] of Object.entries(PRICES)) {
      if (figure.source.startsWith('secondary'))
        expect([key, rowOf(key)]).toEqual([key, expect.stringMatching(/<https:\/\/aws\.amazon\.com\/[a-z0-9-]+\/pricing\/[a-z-/]*>/)]);
    }
  });
});
