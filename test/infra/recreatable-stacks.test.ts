import { resolve } from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadConfig } from '../../config/load';
import { ControlPlaneStack } from '../../infra/stacks/control-plane-stack';
import { HealthCheckStack } from '../../infra/stacks/health-check-stack';
import { render } from './template-helpers';
import { testApp } from '../support/cdk';

/**
 * A deleted stack must be deployable again under the same name. A resource that outlives its stack (Retain) and has a
 * fixed physical name makes that fail with "already exists"; so does a deleted secret with a fixed name, which
 * Secrets Manager keeps for a recovery window. Every retained resource therefore has a generated name or one that
 * ends with the stack instance's id (AWS::StackId).
 */
const root = resolve(__dirname, '..', '..');
const app = testApp();
const stacks: Stack[] = [];
for (const [variant, file] of [
  ['arc', 'dr.config.json'],
  ['route53', 'examples/configs/aurora-route53.config.json'],
] as const) {
  const config = loadConfig(resolve(root, file));
  for (const region of [config.regions.primary.name, config.regions.standby.name]) {
    stacks.push(new ControlPlaneStack(app, `${variant}-dr-${region}`, { env: { region }, config }));
  }
  stacks.push(new HealthCheckStack(app, `${variant}-dr-health-checks`, { env: { region: 'us-east-1' }, config }));
}

/** Properties that set a physical name, by resource type where the name is not obviously one. */
const NAME_PROPERTIES = [
  'Name',
  'LogGroupName',
  'TableName',
  'BucketName',
  'QueueName',
  'TopicName',
  'SecretName',
  'FunctionName',
  'RoleName',
  'AliasName',
  'StateMachineName',
  'DashboardName',
  'KeyName',
];

describe.each(stacks.map((s) => [s.stackName, s] as const))('%s', (_name, stack) => {
  const resources = Template.fromStack(stack).toJSON().Resources as Record<
    string,
    { Type: string; DeletionPolicy?: string; UpdateReplacePolicy?: string; Properties?: Record<string, unknown> }
  >;

  test('every retained resource has a generated name or one unique to this stack instance', () => {
    const retained = Object.entries(resources).filter(([, r]) => r.DeletionPolicy === 'Retain' || r.DeletionPolicy === 'RetainExceptOnCreate');
    // The control planes retain their audit table, key, log groups and canary artifacts; the health-check stack nothing.
    if (stack instanceof ControlPlaneStack) expect(retained.length).toBeGreaterThan(10);
    for (const [id, r] of retained) {
      for (const prop of NAME_PROPERTIES) {
        const value = r.Properties?.[prop];
        if (value === undefined) continue;
        expect({ id, prop, value: render(value), uniquePerInstance: JSON.stringify(value).includes('AWS::StackId') }).toMatchObject({
          uniquePerInstance: true,
        });
      }
    }
  });

  test('no secret has a fixed name (a deleted one blocks its name for the recovery window)', () => {
    for (const [id, r] of Object.entries(resources).filter(([, r]) => r.Type === 'AWS::SecretsManager::Secret')) {
      expect({ id, name: r.Properties?.Name }).toEqual({ id, name: undefined });
      expect(r.Properties?.ReplicaRegions).toBeUndefined();
    }
  });
});

describe('the execution log groups', () => {
  const stack = stacks[0];
  const resources = Template.fromStack(stack).toJSON().Resources as Record<
    string,
    { Type: string; DeletionPolicy?: string; Properties: Record<string, unknown> }
  >;

  test.each([
    ['FailoverExecutionLogs56088AC8', 'orders-dr-failover'],
    ['FailbackExecutionLogs61931731', 'orders-dr-failback'],
  ])('%s keeps its logical id, stays retained, and is named /aws/vendedlogs/states/%s-<stack instance id>', (logicalId, stateMachine) => {
    const group = resources[logicalId];
    expect(group).toMatchObject({ Type: 'AWS::Logs::LogGroup', DeletionPolicy: 'Retain' });
    expect(group.Properties.LogGroupName).toEqual({
      'Fn::Join': [
        '',
        [
          `/aws/vendedlogs/states/${stateMachine}-`,
          { 'Fn::Select': [4, { 'Fn::Split': ['-', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }] }] },
        ],
      ],
    });
  });
});
