/**
 * Deploying into an account shared with other teams: no account-wide singleton unless the config asks,
 * and the CDK feature flags configured (so `cdk synth` has nothing to warn about) without changing a
 * pinned logical id or a line of IAM.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { loadConfig, parseConfig } from '../../config/load';
import type { DrConfig } from '../../config/schema';
import { ControlPlaneStack } from '../../infra/stacks/control-plane-stack';
import { HealthCheckStack } from '../../infra/stacks/health-check-stack';
import { testApp } from '../support/cdk';

const root = resolve(__dirname, '..', '..');
const config = loadConfig(resolve(root, 'examples', 'configs', 'aurora-route53.config.json'));
const REGION = config.regions.standby.name;
const cdkJson = JSON.parse(readFileSync(resolve(root, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
const recommended = JSON.parse(readFileSync(require.resolve('aws-cdk-lib/recommended-feature-flags.json'), 'utf8')) as Record<string, unknown>;

/**
 * Flags deliberately left at their old value, each because it would rewrite IAM that test/infra pins
 * (docs/adr/0015-deploying-into-a-shared-account.md). Anything else follows the recommendation.
 */
const KEPT_OFF: Record<string, unknown> = {
  '@aws-cdk/aws-iam:minimizePolicies': false,
  '@aws-cdk/core:enablePartitionLiterals': false,
};

function synth(context: Record<string, unknown>, cfg: DrConfig = config): { controlPlane: Stack; healthChecks: Stack } {
  const app = testApp(context);
  return {
    controlPlane: new ControlPlaneStack(app, `${cfg.application}-dr-${REGION}`, { env: { region: REGION }, config: cfg }),
    healthChecks: new HealthCheckStack(app, `${cfg.application}-dr-health-checks`, { env: { region: 'us-east-1' }, config: cfg }),
  };
}

describe('the API Gateway account role (an account-wide singleton)', () => {
  const withRole = parseConfig({ ...structuredClone(config), deployment: { apiGatewayAccountRole: true } });
  const off = Template.fromStack(synth({}).controlPlane);
  const on = Template.fromStack(synth({}, withRole).controlPlane);

  test('is off by default in the config', () => {
    expect(config.deployment.apiGatewayAccountRole).toBe(false);
  });

  test('by default the stacks create no AWS::ApiGateway::Account and no role for it', () => {
    off.resourceCountIs('AWS::ApiGateway::Account', 0);
    const roles = Object.values(off.findResources('AWS::IAM::Role'));
    expect(roles.filter((r) => JSON.stringify(r).includes('AmazonAPIGatewayPushToCloudWatchLogs'))).toHaveLength(0);
    expect(roles.filter((r) => JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('apigateway.amazonaws.com'))).toHaveLength(0);
  });

  test('the approval API still writes access logs (to a role someone set for the account)', () => {
    off.hasResourceProperties('AWS::ApiGateway::Stage', { AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.anyValue() } });
  });

  test('deployment.apiGatewayAccountRole: true creates it, with the AWS-managed logging policy, retained on delete', () => {
    on.resourceCountIs('AWS::ApiGateway::Account', 1);
    const [account] = Object.values(on.findResources('AWS::ApiGateway::Account'));
    const roleId = account.Properties.CloudWatchRoleArn['Fn::GetAtt'][0];
    const role = on.toJSON().Resources[roleId];
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'apigateway.amazonaws.com' } }),
    ]);
    expect(JSON.stringify(role.Properties.ManagedPolicyArns)).toContain('service-role/AmazonAPIGatewayPushToCloudWatchLogs');
    // Removing the stack must not leave API Gateway pointing at a deleted role.
    expect(role.DeletionPolicy).toBe('Retain');
  });
});

describe('CDK feature flags (cdk.json)', () => {
  test('every flag aws-cdk-lib recommends is configured, so `cdk synth` prints no "feature flags are not configured"', () => {
    const unset = Object.keys(recommended).filter((flag) => !(flag in cdkJson.context));
    expect(unset).toEqual([]);
  });

  test('each has its recommended value, except the two kept off on purpose', () => {
    const differing = Object.fromEntries(
      Object.entries(recommended)
        .filter(([flag, value]) => JSON.stringify(cdkJson.context[flag]) !== JSON.stringify(value))
        .map(([flag]) => [flag, cdkJson.context[flag]]),
    );
    expect(differing).toEqual(KEPT_OFF);
  });

  describe('with the flags applied as `cdk synth` applies them', () => {
    const flagged = synth(cdkJson.context);
    const plain = synth({});
    const templates = (s: ReturnType<typeof synth>) => ({
      controlPlane: Template.fromStack(s.controlPlane).toJSON(),
      healthChecks: Template.fromStack(s.healthChecks).toJSON(),
    });
    const withFlags = templates(flagged);
    const without = templates(plain);

    test.each(['controlPlane', 'healthChecks'] as const)('%s: the same logical ids, so no stateful resource is replaced', (stack) => {
      expect(Object.keys(withFlags[stack].Resources).sort()).toEqual(Object.keys(without[stack].Resources).sort());
      for (const pinned of ['ApprovalsTable', 'AuditTable', 'IncidentLockTable', 'IdempotencyTable', 'SiteStateParameter']) {
        if (stack === 'controlPlane') expect(withFlags.controlPlane.Resources[pinned]).toBeDefined();
      }
    });

    test.each(['controlPlane', 'healthChecks'] as const)('%s: IAM roles, policies and key policies are unchanged', (stack) => {
      const iam = (t: (typeof withFlags)['controlPlane']) =>
        Object.fromEntries(
          Object.entries(t.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>)
            .filter(([, r]) => ['AWS::IAM::Role', 'AWS::IAM::Policy', 'AWS::KMS::Key', 'AWS::SNS::TopicPolicy', 'AWS::Lambda::Permission'].includes(r.Type))
            .map(([id, r]) => [id, r.Properties]),
        );
      expect(iam(withFlags[stack])).toEqual(iam(without[stack]));
    });

    test('the only other change is the access-log destination ARN without its ":*" suffix', () => {
      const strip = (t: (typeof withFlags)['controlPlane']) => {
        const copy = structuredClone(t) as { Resources: Record<string, { Type: string; Properties: { AccessLogSetting?: { DestinationArn?: unknown } } }> };
        for (const r of Object.values(copy.Resources)) if (r.Type === 'AWS::ApiGateway::Stage') delete r.Properties.AccessLogSetting?.DestinationArn;
        return copy;
      };
      expect(strip(withFlags.controlPlane)).toEqual(strip(without.controlPlane));
      expect(withFlags.healthChecks).toEqual(without.healthChecks);
    });
  });
});
