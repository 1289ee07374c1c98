import { resolve } from 'node:path';
import { Stack, type Stack as StackType } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { loadConfig, parseConfig } from '../../config/load';
import type { DrConfig } from '../../config/schema';
import { GRAPHED_STEPS } from '../../config/steps';
import { ControlPlaneDashboard } from '../../infra/constructs/dashboard';
import { ControlPlaneStack } from '../../infra/stacks/control-plane-stack';
import { logicalIdOf, render } from './template-helpers';
import { testApp } from '../support/cdk';

// One app for the file, bundling skipped: synthesis is the slow part.
const root = resolve(__dirname, '..', '..');
const config = loadConfig(resolve(root, 'dr.config.json'));
const APP = config.application;
const PRIMARY = config.regions.primary.name;
const STANDBY = config.regions.standby.name;
const app = testApp();
const stacks = {
  primary: new ControlPlaneStack(app, `${APP}-dr-${PRIMARY}`, { env: { region: PRIMARY }, config }),
  standby: new ControlPlaneStack(app, `${APP}-dr-${STANDBY}`, { env: { region: STANDBY }, config }),
};
// Every stack exists before the first synthesis: the tree is frozen after it.
const many = parseConfig({
  ...JSON.parse(JSON.stringify(config)),
  dataStores: [
    ...Array.from({ length: 12 }, (_, i) => ({ kind: 'dynamodb-global-table', name: `t-${i}`, tableName: `table-${i}` })),
    { kind: 's3-replicated', name: 'files', buckets: { [PRIMARY]: 'files-a', [STANDBY]: 'files-b' } },
  ],
}) as DrConfig;
const standalone = new Stack(app, 'DashboardOnly', { env: { region: STANDBY } });
const fn = lambda.Function.fromFunctionName(standalone, 'Fn', 'some-function');
new ControlPlaneDashboard(standalone, 'Dashboard', { config: many, taskFunctions: { Step: fn }, stateMachineNames: [`${APP}-dr-failover`] });

type Widget = { type: string; properties: { title?: string; metrics?: unknown[][]; alarms?: string[]; markdown?: string; annotations?: unknown } };

/** Like render(), but any other intrinsic (an imported function's Fn::Select) becomes a placeholder. */
function renderBody(v: unknown): string {
  const join = (v as Record<string, unknown>)?.['Fn::Join'] as [string, unknown[]] | undefined;
  if (!join) return render(v);
  return join[1]
    .map((part) => (typeof part === 'string' || (part as { Ref?: string }).Ref || (part as Record<string, unknown>)['Fn::GetAtt'] ? render(part) : '<token>'))
    .join(join[0]);
}

function dashboardOf(stack: StackType): { name: string; widgets: Widget[] } {
  const dashboards = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard'));
  expect(dashboards).toHaveLength(1);
  const body = JSON.parse(renderBody(dashboards[0].Properties.DashboardBody)) as { widgets: Widget[] };
  return { name: dashboards[0].Properties.DashboardName, widgets: body.widgets };
}

/** Every metric line as [namespace, name, ...dimension pairs, options]. */
const metricsOf = (widgets: Widget[]) => widgets.flatMap((w) => w.properties.metrics ?? []);
const optionsOf = (m: unknown[]) => (typeof m.at(-1) === 'object' ? (m.at(-1) as Record<string, unknown>) : {});
const dims = (m: unknown[]) => {
  const plain = m.filter((x) => typeof x === 'string') as string[];
  const out: Record<string, string> = {};
  for (let i = 2; i + 1 < plain.length; i += 2) out[plain[i]] = plain[i + 1];
  return out;
};

describe.each(['primary', 'standby'] as const)('%s stack dashboard', (role) => {
  const stack = stacks[role];
  const region = stack.region;
  const { name, widgets } = dashboardOf(stack);
  const metrics = metricsOf(widgets);

  test('is named after the application and region', () => {
    expect(name).toBe(`${APP}-dr-${region}`);
  });

  test("graphs every vantage's probe failures for both regions and the global name", () => {
    for (const vantage of [PRIMARY, STANDBY]) {
      for (const target of [PRIMARY, STANDBY, 'global']) {
        expect(metrics).toContainEqual(expect.arrayContaining([`${APP}-dr/Detection`, 'ProbeFailed', 'Vantage', vantage, 'Target', target]));
      }
    }
    expect(JSON.stringify(metrics)).toContain('{AWS/Route53,HealthCheckId} MetricName=\\"HealthCheckStatus\\"');
  });

  test('shows every detection alarm and the quorum by state', () => {
    const alarms = widgets.find((w) => w.type === 'alarm')?.properties.alarms ?? [];
    const detection = stack.node.findChild('Detection').node;
    const expected = [
      ...[PRIMARY, STANDBY].flatMap((v) => [PRIMARY, STANDBY, 'global'].map((t) => `\${${logicalIdOf(stack, detection.findChild(`Canary-${v}-${t}`))}.Arn}`)),
      `\${${logicalIdOf(stack, detection.findChild('PeerImpaired'))}.Arn}`,
    ];
    expect(alarms.sort()).toEqual(expected.sort());
  });

  test('counts started, succeeded and failed executions of both workflows in both regions', () => {
    for (const r of [PRIMARY, STANDBY]) {
      for (const sm of [`${APP}-dr-failover`, `${APP}-dr-failback`]) {
        for (const metric of ['ExecutionsStarted', 'ExecutionsSucceeded', 'ExecutionsFailed']) {
          const line = metrics.find(
            (m) => m[0] === 'AWS/States' && m[1] === metric && String(dims(m).StateMachineArn).endsWith(`:states:${r}:\${AWS::AccountId}:stateMachine:${sm}`),
          );
          expect(line).toBeDefined();
          expect(optionsOf(line!).region).toBe(r);
        }
      }
    }
  });

  test('graphs the duration of every task function of this region, labelled with its name from config/steps.ts', () => {
    const functions = stack.node.findChild('Functions').node;
    expect(GRAPHED_STEPS.map((s) => s.constructId)).toEqual([
      'HealthChecker',
      'TrafficRouter',
      'FailoverOrchestrator',
      'DataConsistencyValidator',
      'ApprovalRequest',
      'AlarmTrigger',
    ]);
    for (const step of GRAPHED_STEPS) {
      const fnRef = `\${${logicalIdOf(stack, functions.findChild(step.constructId))}}`;
      const line = metrics.find((m) => m[1] === 'Duration' && m.includes(fnRef) && optionsOf(m).stat === 'p90');
      expect(line).toEqual(expect.arrayContaining(['AWS/Lambda', 'Duration', 'FunctionName', fnRef]));
      expect(optionsOf(line ?? [])).toMatchObject({ label: `${step.constructId} p90` });
    }
  });

  test('graphs replication lag of every configured store where the service publishes it', () => {
    for (const store of config.dataStores) {
      if (store.kind === 'dynamodb-global-table') {
        for (const [from, to] of [
          [PRIMARY, STANDBY],
          [STANDBY, PRIMARY],
        ]) {
          const line = metrics.find((m) => m[1] === 'ReplicationLatency' && dims(m).TableName === store.tableName && dims(m).ReceivingRegion === to);
          expect(optionsOf(line ?? []).region).toBe(from);
        }
      }
      if (store.kind === 'aurora-global') {
        for (const r of [PRIMARY, STANDBY]) {
          const cluster = store.clusterArns[r].split(':').at(-1);
          const line = metrics.find((m) => m[1] === 'AuroraGlobalDBReplicationLag' && dims(m).DBClusterIdentifier === cluster);
          expect(optionsOf(line ?? []).region).toBe(r);
        }
      }
    }
  });
});

describe('dashboard construct on its own', () => {
  const { widgets } = dashboardOf(standalone);

  test('splits many stores over several lag graphs, each with the RPO target line', () => {
    const lagGraphs = widgets.filter((w) => w.properties.title?.startsWith('Replication lag'));
    expect(lagGraphs).toHaveLength(2);
    const lines = lagGraphs.flatMap((w) => w.properties.metrics ?? []);
    // 12 tables and one bucket pair, each in both directions.
    expect(lines).toHaveLength(26);
    for (const w of lagGraphs) expect(JSON.stringify(w.properties.annotations)).toContain(String(many.objectives.rpoSeconds * 1000));
  });

  test('finds S3 replication lag by bucket pair in the source region', () => {
    const text = JSON.stringify(metricsOf(widgets));
    expect(text).toContain('SourceBucket=\\"files-a\\" DestinationBucket=\\"files-b\\"');
    expect(text).toContain('SourceBucket=\\"files-b\\" DestinationBucket=\\"files-a\\"');
  });

  test('shows no alarm widget when no alarms are given', () => {
    expect(widgets.some((w) => w.type === 'alarm')).toBe(false);
  });
});
