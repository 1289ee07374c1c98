import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { parseConfig } from '../../config/load';
import type { DrConfig, DrConfigInput } from '../../config/schema';
import { ControlPlaneStack } from '../../infra/stacks/control-plane-stack';
import { HealthCheckStack } from '../../infra/stacks/health-check-stack';
import { TrafficPrerequisitesStack, wantsTrafficPrerequisites } from '../../infra/stacks/traffic-prerequisites-stack';
import { trafficPrerequisitesRegion } from '../../infra/naming';
import { PRIMARY, STANDBY, configWith } from '../support/repo-config';
import { render } from './template-helpers';
import { testApp } from '../support/cdk';

// One app for the file, bundling skipped (TOOLCHAIN.md): every variant's stacks side by side.
const app = testApp();
const SHARED_CLUSTER = 'arn:aws:route53-recovery-control::111122223333:cluster/0123abcd-shared';

function withPrerequisites(base: DrConfig, application: string, prerequisites: DrConfigInput['prerequisites']): DrConfig {
  return parseConfig({ ...structuredClone(base), application, prerequisites }, 'test config');
}
const prerequisitesStack = (config: DrConfig) =>
  new TrafficPrerequisitesStack(app, `${config.application}-dr-traffic-prerequisites`, {
    env: { region: trafficPrerequisitesRegion(config.traffic.strategy) },
    config,
  });

const arcBase = configWith({ traffic: 'arc-routing-control', stores: ['dynamodb'] });
const r53Base = configWith({ traffic: 'route53-weighted', stores: ['dynamodb'] });
const newCluster = withPrerequisites(arcBase, 'orders', { arc: { create: true } });
const sharedCluster = withPrerequisites(arcBase, 'billing', { arc: { clusterArn: SHARED_CLUSTER, sharedByApplications: 3 } });
const records = withPrerequisites(r53Base, 'shop', { route53Records: { create: true } });

const stacks = {
  newCluster: prerequisitesStack(newCluster),
  sharedCluster: prerequisitesStack(sharedCluster),
  records: prerequisitesStack(records),
};
// The stacks that exist whatever the config: those of configs that turn every prerequisite on.
const always: Stack[] = [
  new ControlPlaneStack(app, 'always-primary', { env: { region: PRIMARY }, config: newCluster }),
  new ControlPlaneStack(app, 'always-standby', { env: { region: STANDBY }, config: records }),
  new HealthCheckStack(app, 'always-health-checks', { env: { region: 'us-east-1' }, config: records }),
];
const t = Object.fromEntries(Object.entries(stacks).map(([k, s]) => [k, Template.fromStack(s)])) as Record<keyof typeof stacks, Template>;

type Output = { Value: unknown; Export?: { Name: string } };
const outputsOf = (template: Template): Record<string, Output> => template.toJSON().Outputs ?? {};
const PREREQUISITE_TYPES = [
  'AWS::Route53RecoveryControl::Cluster',
  'AWS::Route53RecoveryControl::ControlPanel',
  'AWS::Route53RecoveryControl::RoutingControl',
  'AWS::Route53RecoveryControl::SafetyRule',
  'AWS::Route53::RecordSet',
];

describe('off by default', () => {
  test('a config without prerequisites asks for no prerequisites stack, for either strategy', () => {
    expect(arcBase.prerequisites).toEqual({});
    expect(wantsTrafficPrerequisites(arcBase)).toBe(false);
    expect(wantsTrafficPrerequisites(r53Base)).toBe(false);
    // A block that only prices a share creates nothing either.
    expect(wantsTrafficPrerequisites(withPrerequisites(arcBase, 'priced', { arc: { sharedByApplications: 2 } }))).toBe(false);
  });

  test('the stacks that always exist hold no ARC resource, no record and no RECOVERY_CONTROL check', () => {
    for (const stack of always) {
      const template = Template.fromStack(stack);
      // Assess: the prerequisites live in their own stack only.
      for (const type of PREREQUISITE_TYPES) template.resourceCountIs(type, 0);
      template.resourcePropertiesCountIs('AWS::Route53::HealthCheck', { HealthCheckConfig: { Type: 'RECOVERY_CONTROL' } }, 0);
    }
  });
});

describe('ARC with a new cluster', () => {
  const template = t.newCluster;

  test('lives in us-west-2, where the ARC recovery-control configuration API is', () => {
    expect(stacks.newCluster.region).toBe('us-west-2');
  });

  test('one cluster, one control panel in it, one routing control per region in that panel', () => {
    template.resourceCountIs('AWS::Route53RecoveryControl::Cluster', 1);
    template.hasResourceProperties('AWS::Route53RecoveryControl::Cluster', { Name: 'orders-dr-cluster' });
    template.resourceCountIs('AWS::Route53RecoveryControl::ControlPanel', 1);
    const panel = Object.values(template.findResources('AWS::Route53RecoveryControl::ControlPanel'))[0];
    expect(render(panel.Properties.ClusterArn)).toMatch(/^\$\{ArcCluster[0-9A-F]+\.ClusterArn\}$/);
    const controls = Object.values(template.findResources('AWS::Route53RecoveryControl::RoutingControl'));
    expect(controls.map((c) => c.Properties.Name).sort()).toEqual([`orders-dr-${PRIMARY}`, `orders-dr-${STANDBY}`].sort());
    for (const c of controls) expect(render(c.Properties.ControlPanelArn)).toMatch(/^\$\{ArcControlPanel[0-9A-F]+\.ControlPanelArn\}$/);
  });

  test('the safety rule asserts that at least one region stays on, over both routing controls', () => {
    template.resourceCountIs('AWS::Route53RecoveryControl::SafetyRule', 1);
    const rule = Object.values(template.findResources('AWS::Route53RecoveryControl::SafetyRule'))[0].Properties;
    expect(rule.RuleConfig).toEqual({ Type: 'ATLEAST', Threshold: 1, Inverted: false });
    expect(rule.GatingRule).toBeUndefined();
    const asserted = (rule.AssertionRule.AssertedControls as unknown[]).map(render).sort();
    expect(asserted).toHaveLength(2);
    for (const a of asserted) expect(a).toMatch(/^\$\{ArcRoutingControl.+\.RoutingControlArn\}$/);
    expect(new Set(asserted).size).toBe(2);
    expect(rule.AssertionRule.WaitPeriodMs).toBeGreaterThan(0);
  });

  test('a RECOVERY_CONTROL health check follows each routing control', () => {
    const checks = Object.values(template.findResources('AWS::Route53::HealthCheck'));
    expect(checks).toHaveLength(2);
    const followed = checks.map((c) => {
      expect(c.Properties.HealthCheckConfig.Type).toBe('RECOVERY_CONTROL');
      return render(c.Properties.HealthCheckConfig.RoutingControlArn);
    });
    const controls = Object.keys(template.findResources('AWS::Route53RecoveryControl::RoutingControl')).map((id) => `\${${id}.RoutingControlArn}`);
    expect(followed.sort()).toEqual(controls.sort());
  });

  test('outputs the cluster, panel, rule, routing control per region and check id per region, exported under the application name', () => {
    const outputs = outputsOf(template);
    const region = (r: string) => r.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase());
    const keys = [
      'ArcClusterArn',
      'ArcControlPanelArn',
      'ArcSafetyRuleArn',
      ...[PRIMARY, STANDBY].flatMap((r) => [`RoutingControlArn${region(r)}`, `RoutingControlHealthCheckId${region(r)}`]),
    ];
    expect(Object.keys(outputs).sort()).toEqual(keys.sort());
    for (const k of keys) expect(outputs[k].Export?.Name).toBe(`orders-dr:${k}`);
    expect(render(outputs.ArcClusterArn.Value)).toMatch(/^\$\{ArcCluster[0-9A-F]+\.ClusterArn\}$/);
    expect(render(outputs[`RoutingControlArn${region(STANDBY)}`].Value)).toMatch(
      new RegExp(`^\\$\\{ArcRoutingControl${STANDBY.replace(/-/g, '')}[0-9A-F]+\\.RoutingControlArn\\}$`),
    );
    expect(render(outputs[`RoutingControlHealthCheckId${region(PRIMARY)}`].Value)).toMatch(/\.HealthCheckId\}$/);
  });
});

describe('ARC in an existing, shared cluster', () => {
  const template = t.sharedCluster;

  test('creates no cluster: the control panel and routing controls go into the given one', () => {
    template.resourceCountIs('AWS::Route53RecoveryControl::Cluster', 0);
    template.hasResourceProperties('AWS::Route53RecoveryControl::ControlPanel', { Name: 'billing-dr-panel', ClusterArn: SHARED_CLUSTER });
    template.resourceCountIs('AWS::Route53RecoveryControl::RoutingControl', 2);
    template.allResourcesProperties('AWS::Route53RecoveryControl::RoutingControl', { ClusterArn: SHARED_CLUSTER });
    template.resourceCountIs('AWS::Route53RecoveryControl::SafetyRule', 1);
    template.resourcePropertiesCountIs('AWS::Route53::HealthCheck', { HealthCheckConfig: { Type: 'RECOVERY_CONTROL' } }, 2);
  });

  test('outputs the given cluster ARN, under this application export name', () => {
    const outputs = outputsOf(template);
    expect(outputs.ArcClusterArn.Value).toBe(SHARED_CLUSTER);
    expect(outputs.ArcClusterArn.Export?.Name).toBe('billing-dr:ArcClusterArn');
  });
});

describe('Route 53 weighted records', () => {
  const template = t.records;

  test('lives in us-east-1 and holds no ARC resource', () => {
    expect(stacks.records.region).toBe('us-east-1');
    for (const type of PREREQUISITE_TYPES.filter((x) => x.startsWith('AWS::Route53RecoveryControl'))) template.resourceCountIs(type, 0);
  });

  test('two weighted CNAMEs of the global name, SetIdentifier = the region name, 100 to the primary and 0 to the standby', () => {
    template.resourceCountIs('AWS::Route53::RecordSet', 2);
    const common = { HostedZoneId: 'Z0123456789ABCDEFGHIJ', Name: records.globalDomain.name, Type: 'CNAME', TTL: String(records.globalDomain.ttlSeconds) };
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      ...common,
      SetIdentifier: PRIMARY,
      Weight: 100,
      ResourceRecords: [new URL(records.regions.primary.apiEndpoint).hostname],
    });
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      ...common,
      SetIdentifier: STANDBY,
      Weight: 0,
      ResourceRecords: [new URL(records.regions.standby.apiEndpoint).hostname],
    });
  });

  test('the records carry no health check: Route 53 must not move traffic before the quorum and the approval', () => {
    template.allResourcesProperties('AWS::Route53::RecordSet', { HealthCheckId: Match.absent() });
  });

  test('outputs the record name under the application export name', () => {
    expect(outputsOf(template).WeightedRecordName).toEqual(
      expect.objectContaining({ Value: records.globalDomain.name, Export: { Name: 'shop-dr:WeightedRecordName' } }),
    );
  });
});

describe('bad prerequisites fail the config naming the field', () => {
  const bad = (base: DrConfig, prerequisites: unknown) => () => parseConfig({ ...structuredClone(base), prerequisites }, 'bad config');

  test('ARC prerequisites with the route53-weighted strategy', () => {
    expect(bad(r53Base, { arc: { create: true } })).toThrow(
      /prerequisites\.arc\.create: needs traffic\.strategy "arc-routing-control" \(it is "route53-weighted"\)/,
    );
    expect(bad(r53Base, { arc: { clusterArn: SHARED_CLUSTER } })).toThrow(/prerequisites\.arc\.clusterArn: needs traffic\.strategy "arc-routing-control"/);
  });

  test('weighted records with the ARC strategy', () => {
    expect(bad(arcBase, { route53Records: { create: true } })).toThrow(
      /prerequisites\.route53Records\.create: needs traffic\.strategy "route53-weighted" \(it is "arc-routing-control"\)/,
    );
  });

  test('both a new cluster and an existing one', () => {
    expect(bad(arcBase, { arc: { create: true, clusterArn: SHARED_CLUSTER } })).toThrow(
      /prerequisites\.arc\.clusterArn: give either create: true .* or clusterArn .*, not both/,
    );
  });

  test('a cluster ARN that is not one, a share below one, an unknown field', () => {
    expect(bad(arcBase, { arc: { clusterArn: 'arn:aws:route53-recovery-control::111122223333:controlpanel/abc' } })).toThrow(
      /prerequisites\.arc\.clusterArn: must be an ARC cluster ARN/,
    );
    expect(bad(arcBase, { arc: { sharedByApplications: 0 } })).toThrow(/prerequisites\.arc\.sharedByApplications: must be at least 1/);
    expect(bad(arcBase, { arc: { crate: true } })).toThrow(/prerequisites\.arc: unknown field\(s\) "crate"/);
  });
});
