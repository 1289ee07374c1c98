import { resolve } from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { REQUIRED_OUTPUTS } from '../../cli/aws/doctor';
import { loadConfig, parseConfig } from '../../config/load';
import type { DrConfig } from '../../config/schema';
import { ControlPlaneStack } from '../../infra/stacks/control-plane-stack';
import { HealthCheckStack } from '../../infra/stacks/health-check-stack';
import { logicalIdOf, render } from './template-helpers';
import { testApp } from '../support/cdk';

// One app, bundling skipped: two applications side by side in the same account and regions, as a
// shared account has them.
const root = resolve(__dirname, '..', '..');
const orders = loadConfig(resolve(root, 'examples', 'configs', 'aurora-route53.config.json'));
const billing: DrConfig = parseConfig({ ...structuredClone(orders), application: 'billing' });
const PRIMARY = orders.regions.primary.name;
const STANDBY = orders.regions.standby.name;

const app = testApp();
const controlPlane = (config: DrConfig, region: string) => new ControlPlaneStack(app, `${config.application}-dr-${region}`, { env: { region }, config });
const stacks = {
  primary: controlPlane(orders, PRIMARY),
  standby: controlPlane(orders, STANDBY),
  otherApplication: controlPlane(billing, PRIMARY),
  healthChecks: new HealthCheckStack(app, `${orders.application}-dr-health-checks`, { env: { region: 'us-east-1' }, config: orders }),
  otherHealthChecks: new HealthCheckStack(app, `${billing.application}-dr-health-checks`, { env: { region: 'us-east-1' }, config: billing }),
};
const templates = Object.fromEntries(Object.entries(stacks).map(([k, s]) => [k, Template.fromStack(s)])) as Record<keyof typeof stacks, Template>;

type Output = { Value: unknown; Description?: string; Export?: { Name: string } };
const outputsOf = (t: Template): Record<string, Output> => t.toJSON().Outputs ?? {};
const ref = (stack: Stack, path: string[]) =>
  `\${${logicalIdOf(
    stack,
    path.reduce((c, id) => c.node.findChild(id), stack as never as import('constructs').IConstruct),
  )}}`;

const CONTROL_PLANE_KEYS = [
  'ApprovalApiUrl',
  'FailoverStateMachineArn',
  'FailbackStateMachineArn',
  'AlertTopicArn',
  'EscalationTopicArn',
  'ApprovalTopicArn',
  'ApproverCodeTopicArn',
  'ApproverRoleArn',
  'SiteStateParameterName',
  'SiteStateParameterPrefix',
  'DashboardUrl',
  'AuditTableName',
];

describe.each([
  ['primary', PRIMARY],
  ['standby', STANDBY],
] as const)('%s control-plane stack outputs', (role, region) => {
  const stack = stacks[role];
  const outputs = outputsOf(templates[role]);

  test('has every output an operator needs, under fixed keys, each exported as <app>-dr:<key>', () => {
    for (const key of CONTROL_PLANE_KEYS) {
      expect(outputs[key]).toBeDefined();
      expect(outputs[key].Export).toEqual({ Name: `orders-dr:${key}` });
      expect(outputs[key].Description?.length).toBeGreaterThan(10);
    }
  });

  test('has every output drctl doctor reads the stack by', () => {
    for (const key of REQUIRED_OUTPUTS) expect(outputs[key]).toBeDefined();
  });

  test("the approval API URL is the stage URL of this stack's approval API", () => {
    const api = logicalIdOf(stack, stack.node.findChild('ApprovalApi').node.findChild('Api'));
    const value = render(outputs.ApprovalApiUrl.Value);
    expect(value).toMatch(new RegExp(`^https://\\$\\{${api}\\}\\.execute-api\\.${region}\\.\\$\\{AWS::URLSuffix\\}/\\$\\{\\w+\\}/$`));
  });

  test('a state machine ARN per workflow, each the Ref of its own state machine', () => {
    expect(render(outputs.FailoverStateMachineArn.Value)).toBe(ref(stack, ['Failover', 'StateMachine']));
    expect(render(outputs.FailbackStateMachineArn.Value)).toBe(ref(stack, ['Failback', 'StateMachine']));
    expect(outputs.FailoverStateMachineArn.Value).not.toEqual(outputs.FailbackStateMachineArn.Value);
  });

  test('the three topic ARNs are the Refs of the three topics', () => {
    expect(render(outputs.AlertTopicArn.Value)).toBe(ref(stack, ['Topics', 'Alert']));
    expect(render(outputs.EscalationTopicArn.Value)).toBe(ref(stack, ['Topics', 'Escalation']));
    expect(render(outputs.ApprovalTopicArn.Value)).toBe(ref(stack, ['Topics', 'Approval']));
  });

  test("the site-state parameter name is this region's switch, and the prefix finds the other region's", () => {
    // The parameter's Ref is its name; its logical id is pinned (infra/constructs/site-state.ts).
    expect(render(outputs.SiteStateParameterName.Value)).toBe('${SiteStateParameter}');
    expect(templates[role].toJSON().Resources.SiteStateParameter.Properties.Name).toBe(`/dr/orders/site-state/${region}`);
    expect(outputs.SiteStateParameterPrefix.Value).toBe('/dr/orders/site-state');
  });

  test("the dashboard URL opens this region's dashboard in the CloudWatch console", () => {
    const name = templates[role].toJSON().Resources[logicalIdOf(stack, stack.node.findChild('Dashboard').node.findChild('Dashboard'))].Properties.DashboardName;
    expect(name).toBe(`orders-dr-${region}`);
    expect(outputs.DashboardUrl.Value).toBe(
      `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/orders-dr-${region}`,
    );
  });

  test('the audit table name is the pinned audit table', () => {
    expect(render(outputs.AuditTableName.Value)).toBe('${AuditTable}');
  });
});

describe('health-check stack outputs', () => {
  test('one health check id per region, keyed by region and exported under the application name', () => {
    const outputs = outputsOf(templates.healthChecks);
    for (const region of [PRIMARY, STANDBY]) {
      const key = `HealthCheckId${region === 'us-east-1' ? 'UsEast1' : 'UsWest2'}`;
      expect(outputs[key].Export).toEqual({ Name: `orders-dr:${key}` });
      expect(render(outputs[key].Value)).toBe(ref(stacks.healthChecks, ['HealthChecks', `HealthCheck-${region}`]));
    }
  });
});

describe('two applications in one account', () => {
  const exportsIn = (t: Template) =>
    Object.values(outputsOf(t))
      .map((o) => o.Export?.Name)
      .filter((n): n is string => Boolean(n));

  test('every export name carries its application, so nothing collides in a region', () => {
    // Same region (us-east-1): the orders control plane and health checks, and billing's.
    const ordersNames = [...exportsIn(templates.primary), ...exportsIn(templates.healthChecks)];
    const billingNames = [...exportsIn(templates.otherApplication), ...exportsIn(templates.otherHealthChecks)];
    expect(ordersNames.length).toBeGreaterThanOrEqual(CONTROL_PLANE_KEYS.length + 2);
    for (const n of ordersNames) expect(n.startsWith('orders-dr:')).toBe(true);
    for (const n of billingNames) expect(n.startsWith('billing-dr:')).toBe(true);
    const all = [...ordersNames, ...billingNames];
    expect(new Set(all).size).toBe(all.length);
  });

  test("no export is left to CDK's construct-path naming (which would not say whose it is)", () => {
    for (const t of Object.values(templates)) {
      for (const [key, o] of Object.entries(outputsOf(t))) {
        if (o.Export) expect(o.Export.Name).toMatch(/^(orders|billing)-dr:[A-Za-z0-9]+$/);
        else throw new Error(`output ${key} has no export name`);
      }
    }
  });
});
