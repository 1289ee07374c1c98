import { Route53Client } from '@aws-sdk/client-route-53';
import { GetRoutingControlStateCommand, Route53RecoveryClusterClient, UpdateRoutingControlStatesCommand } from '@aws-sdk/client-route53-recovery-cluster';
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { LAMBDA_ENV } from '../../config/lambda-environment';
import { trafficRouterAwsDeps } from '../../functions/traffic-router/aws-deps';
import { shiftTraffic } from '../../functions/traffic-router/traffic-router';
import { ControlPlaneStack } from '../../infra/stacks/control-plane-stack';
import { failoverInput } from '../support/failure-modes/harness';
import { PRIMARY, STANDBY, configWith } from '../support/repo-config';
import { FakeClock } from '../support/virtual-time';
import { bundledConfigEnv } from '../unit/aws/fixtures';
import { logicalIdOf, render } from './template-helpers';
import { testApp } from '../support/cdk';

/**
 * Static stability: a failover is needed exactly when a region is impaired, so each region's copy of the
 * control plane must run the whole failover with the other region gone. Nothing a copy uses on the failover
 * path may live in the other region, except the best-effort reaches into the region being left, listed below
 * with their reason; and with the ARC strategy nothing on that path needs the Route 53 control plane
 * (us-east-1). The local counterpart is the dns-api-down drill (test/failure-modes/04-route53-api-down.test.ts:
 * zero Route 53 calls).
 */
const variants = {
  arc: configWith({ traffic: 'arc-routing-control', stores: ['dynamodb'] }),
  route53: configWith({ traffic: 'route53-weighted', stores: ['dynamodb', 'aurora', 's3'] }),
};
const app = testApp();
const built = Object.entries(variants).flatMap(([variant, config]) =>
  [PRIMARY, STANDBY].map((region) => ({
    variant,
    region,
    other: region === PRIMARY ? STANDBY : PRIMARY,
    stack: new ControlPlaneStack(app, `ss-${variant}-${region}`, { env: { region }, config }),
  })),
);
const cases = built.map((c) => ({
  ...c,
  template: Template.fromStack(c.stack).toJSON() as { Resources: Record<string, { Type: string; Properties: Record<string, any> }> },
}));

/** The only places a copy names the other region, and why each is safe when that region is gone. */
const ALLOWED_REACH: Array<{ fn: string; actions: string[]; resource: (other: string) => RegExp; why: string }> = [
  {
    fn: 'FailoverOrchestrator',
    actions: ['ssm:GetParameter', 'ssm:PutParameter'],
    resource: (other) => new RegExp(`:ssm:${other}:.*:parameter/dr/[a-z0-9-]+/site-state/${other}$`),
    why: 'fencing the old primary (FenceOldPrimary) is best effort: unreachable means skipped and reported, never a failed failover',
  },
  {
    fn: 'DataConsistencyValidator',
    actions: ['dynamodb:DescribeTable', 'dynamodb:Scan'],
    resource: (other) => new RegExp(`:dynamodb:${other}:.*:table/`),
    why: 'comparing the old primary replica after the shift (ValidateData, failback resync): unreachable means "not compared", never a failed step',
  },
  {
    fn: 'SiteStateReconciler',
    actions: ['ssm:GetParameter'],
    resource: (other) => new RegExp(`:ssm:${other}:.*:parameter/dr/[a-z0-9-]+/site-state/${other}$`),
    why: 'off the failover path: the reconciler reads the peer switch to compare change times; unreadable means "peer-unreachable", nothing changes',
  },
  {
    fn: 'FailoverOrchestrator',
    actions: ['rds:FailoverGlobalCluster', 'rds:SwitchoverGlobalCluster'],
    resource: (other) => new RegExp(`^arn:aws:rds:${other}:\\d{12}:cluster:`),
    why: "IAM only: one grant names every member cluster; every RDS call goes to the target region's endpoint (failure-mode test 18)",
  },
];
/**
 * Runtime-only reach with no region in IAM (cloudwatch:GetMetricData is granted on `*`): the DynamoDB and
 * S3 replication-lag metrics live in the region being left. An unreadable metric is an unknown lag, so a
 * human decides (AwsReplicaReadings.replicationLagMs); the failover never waits on it.
 */

/** `arn:${AWS::Partition}:ssm:us-east-1:...` -> `us-east-1` (tokens such as `${AWS::Partition}` hold colons themselves). */
const arnRegion = (arn: string): string | undefined => (arn.startsWith('arn:') ? arn.replace(/\$\{[^}]*\}/g, 'TOKEN').split(':')[3] : undefined);

const policiesOf = (resources: Record<string, { Type: string; Properties: Record<string, any> }>) =>
  Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .flatMap((p) =>
      (p.Properties.Roles as unknown[]).map((role) => ({
        role: render(role).slice(2, -1),
        statements: p.Properties.PolicyDocument.Statement as Array<Record<string, any>>,
      })),
    );

function roleOfFunction(stack: Stack, resources: Record<string, { Properties: Record<string, any> }>, fn: string): string {
  return resources[logicalIdOf(stack, stack.node.findChild('Functions').node.findChild(fn))].Properties.Role['Fn::GetAtt'][0];
}

describe.each(cases)('static stability: $variant strategy, the $region copy', ({ variant, stack, template, other }) => {
  const resources = template.Resources;

  it('no IAM resource of any role is in the other region, except the documented best-effort reaches', () => {
    const found: Array<{ role: string; actions: string[]; resource: string }> = [];
    for (const { role, statements } of policiesOf(resources)) {
      for (const s of statements) {
        // The region field of the ARN, not a substring: global ARNs (ARC, Route 53, IAM) may carry any name.
        for (const resource of [s.Resource].flat().map(render)) if (arnRegion(resource) === other) found.push({ role, actions: [s.Action].flat(), resource });
      }
    }
    for (const f of found) {
      const allowed = ALLOWED_REACH.find(
        (a) => roleOfFunction(stack, resources, a.fn) === f.role && f.actions.every((x) => a.actions.includes(x)) && a.resource(other).test(f.resource),
      );
      expect({ ...f, documented: allowed !== undefined }).toEqual({ ...f, documented: true });
    }
    // The list is not stale: each entry that applies to this config is in use.
    const used = ALLOWED_REACH.filter((a) => found.some((f) => roleOfFunction(stack, resources, a.fn) === f.role && a.resource(other).test(f.resource)));
    expect(used.map((u) => u.why).length).toBe(variant === 'arc' ? 3 : 4);
  });

  it("no function's environment names the other region (the config, which names both, is bundled with the code)", () => {
    const functions = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThanOrEqual(8);
    for (const [id, fn] of functions) {
      for (const [name, value] of Object.entries((fn.Properties.Environment?.Variables ?? {}) as Record<string, unknown>)) {
        expect({ id, name, value: render(value).includes(other) }).toEqual({ id, name, value: false });
      }
    }
  });

  it("the approval path reads the signing key from this region's copy of the secret", () => {
    const env = resources[logicalIdOf(stack, stack.node.findChild('Functions').node.findChild('ApprovalCallback'))].Properties.Environment.Variables;
    expect(render(env[LAMBDA_ENV.signingSecretArn])).toMatch(new RegExp(`secretsmanager:${stack.region}:|^\\$\\{`));
  });

  it('no cross-stack or cross-region reference: nothing is imported from another stack at deploy or run time', () => {
    const text = JSON.stringify(template);
    expect(text).not.toContain('Fn::ImportValue');
    expect(Object.values(resources).filter((r) => /CrossRegion|ExportReader|ExportWriter/.test(r.Type))).toEqual([]);
  });

  if (variant === 'arc') {
    it('with ARC no role in the stack has any Route 53 control-plane right (route53:*), and the traffic router flips routing controls only', () => {
      const actions = policiesOf(resources).flatMap((p) => p.statements.flatMap((s) => [s.Action].flat() as string[]));
      expect(actions.filter((a) => a.startsWith('route53:'))).toEqual([]);
      expect(actions.filter((a) => a === 'route53:ChangeResourceRecordSets')).toEqual([]);
      const router = policiesOf(resources)
        .filter((p) => p.role === roleOfFunction(stack, resources, 'TrafficRouter'))
        .flatMap((p) => p.statements.flatMap((s) => [s.Action].flat() as string[]));
      expect(router).toEqual(
        expect.arrayContaining(['route53-recovery-cluster:GetRoutingControlState', 'route53-recovery-cluster:UpdateRoutingControlStates']),
      );
    });
  }
});

describe('static stability at run time: the ARC traffic router as deployed (AWS adapters, mocked SDK)', () => {
  const route53 = mockClient(Route53Client);
  const arc = mockClient(Route53RecoveryClusterClient);
  afterAll(() => {
    route53.restore();
    arc.restore();
  });

  it('shifts traffic through the routing controls with zero Route 53 API calls, from either region', async () => {
    const config = variants.arc;
    const arns = (config.traffic as Extract<typeof config.traffic, { strategy: 'arc-routing-control' }>).routingControlArns;
    for (const region of [STANDBY, PRIMARY]) {
      route53.reset();
      arc.reset();
      const states: Record<string, 'On' | 'Off'> = { [arns[PRIMARY]]: region === STANDBY ? 'On' : 'Off', [arns[STANDBY]]: region === STANDBY ? 'Off' : 'On' };
      arc.on(GetRoutingControlStateCommand).callsFake(async (input: { RoutingControlArn: string }) => ({
        RoutingControlArn: input.RoutingControlArn,
        RoutingControlState: states[input.RoutingControlArn],
      }));
      arc
        .on(UpdateRoutingControlStatesCommand)
        .callsFake(async (input: { UpdateRoutingControlStateEntries: Array<{ RoutingControlArn: string; RoutingControlState: 'On' | 'Off' }> }) => {
          for (const e of input.UpdateRoutingControlStateEntries) states[e.RoutingControlArn] = e.RoutingControlState;
          return {};
        });
      const deps = trafficRouterAwsDeps({
        ...bundledConfigEnv(config),
        [LAMBDA_ENV.controlPlaneRegion]: region,
        [LAMBDA_ENV.auditTable]: 'audit',
        [LAMBDA_ENV.idempotencyTable]: 'idempotency',
      });
      const from = region === STANDBY ? PRIMARY : STANDBY;
      const result = await shiftTraffic(
        {
          action: 'shift',
          state: { ...failoverInput({ fromRegion: from, toRegion: region }), execution: { id: 'exec', name: 'n', startedAt: new Date().toISOString() } },
        },
        { config, traffic: deps.traffic, audit: { record: async () => undefined }, clock: new FakeClock() },
      );
      expect(result).toMatchObject({ strategy: 'arc-routing-control', after: { weights: { [region]: 100, [from]: 0 } } });
      expect(route53.calls()).toHaveLength(0);
      expect(arc).toHaveReceivedCommandTimes(UpdateRoutingControlStatesCommand, 1);
    }
  });
});
