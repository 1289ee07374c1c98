import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadConfig, parseConfig } from '../../config/load';
import { LAMBDA_ENV } from '../../config/lambda-environment';
import { ControlPlaneStack } from '../../infra/stacks/control-plane-stack';
import { actionsOf, logicalIdOf, placeholdersIn, render, resourcesFor, roleOf, statementsOfRole } from './template-helpers';
import { testApp } from '../support/cdk';
import { WORKFLOW_STEPS } from '../../config/steps';

const root = resolve(__dirname, '..', '..');
const base = loadConfig(resolve(root, 'dr.config.json'));
const [PRIMARY, STANDBY] = [base.regions.primary.name, base.regions.standby.name];

// A warm standby with one target of each kind and an S3 store: everything this issue grants.
const warm = parseConfig({
  ...base,
  dataStores: [...base.dataStores, { kind: 's3-replicated', name: 'invoices', buckets: { [PRIMARY]: 'invoices-a', [STANDBY]: 'invoices-b' } }],
  standby: {
    mode: 'warm',
    scaling: [
      { kind: 'ecs-service', cluster: 'orders', service: 'api', desiredCount: 12 },
      { kind: 'asg', name: 'orders-workers', minSize: 4, desiredCapacity: 6 },
      { kind: 'lambda-provisioned-concurrency', functionName: 'orders-checkout', qualifier: 'live', concurrency: 50 },
    ],
  },
});

// One app per config for the whole file, bundling skipped; the AWS Solutions checks run on the warm one.
const app = testApp();
const stack = new ControlPlaneStack(app, 'default', { env: { region: STANDBY }, config: base });
const template = Template.fromStack(stack);
const warmApp = testApp();
const warmStacks = {
  primary: new ControlPlaneStack(warmApp, 'warm-primary', { env: { region: PRIMARY }, config: warm }),
  standby: new ControlPlaneStack(warmApp, 'warm-standby', { env: { region: STANDBY }, config: warm }),
};
Validations.of(warmApp).addPlugins(new AwsSolutionsChecks(warmApp));

const fn = (s: Stack, id: string) => logicalIdOf(s, s.node.findChild('Functions').node.findChild(id));
const statementsOf = (s: Stack, t: Template, id: string) => statementsOfRole(t, roleOf(t, fn(s, id)));

describe('idempotency table', () => {
  test('has a pinned logical id, the Powertools key and TTL attributes, on demand and encrypted', () => {
    expect(template.toJSON().Resources.IdempotencyTable).toMatchObject({
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true },
      },
    });
  });

  test('only traffic-router and failover-orchestrator may read and write it, with exactly the calls Powertools makes', () => {
    const all = ['HealthChecker', 'TrafficRouter', 'FailoverOrchestrator', 'DataConsistencyValidator', 'ApprovalRequest', 'ApprovalCallback'];
    for (const id of all) {
      const statements = statementsOf(stack, template, id);
      const onTable = statements
        .filter((s) => s.resources.includes('${IdempotencyTable.Arn}'))
        .flatMap((s) => s.actions)
        .sort();
      const expected = ['TrafficRouter', 'FailoverOrchestrator'].includes(id)
        ? ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']
        : [];
      expect({ id, onTable }).toEqual({ id, onTable: expected });
      const env = template.toJSON().Resources[fn(stack, id)].Properties.Environment.Variables;
      expect(render(env[LAMBDA_ENV.idempotencyTable])).toBe('${IdempotencyTable}');
    }
  });
});

describe('failback state machine', () => {
  const failbackText = readFileSync(resolve(root, 'state-machines', 'failback.asl.json'), 'utf8');
  const smId = logicalIdOf(stack, stack.node.findChild('Failback').node.findChild('StateMachine'));
  const sm = () => template.toJSON().Resources[smId].Properties;

  test('deploys failback.asl.json verbatim, substituting exactly the placeholders it uses', () => {
    expect(sm().StateMachineName).toBe(`${base.application}-dr-failback`);
    expect(sm().StateMachineType).toBe('STANDARD');
    expect(sm().DefinitionString).toBe(failbackText);
    const placeholders = placeholdersIn(JSON.parse(failbackText));
    expect(placeholders.size).toBeGreaterThan(0);
    expect(new Set(Object.keys(sm().DefinitionSubstitutions))).toEqual(placeholders);
    for (const id of WORKFLOW_STEPS.map((s) => s.constructId)) {
      expect(render(sm().DefinitionSubstitutions[`${id}FunctionArn`])).toBe(`\${${fn(stack, id)}.Arn}`);
    }
  });

  test('its role may invoke the five task functions, and it logs to its own group', () => {
    const statements = statementsOfRole(template, roleOf(template, smId));
    const invokable = resourcesFor(statements, 'lambda:InvokeFunction');
    for (const id of WORKFLOW_STEPS.map((s) => s.constructId)) expect(invokable).toContain(`\${${fn(stack, id)}.Arn}`);
    expect(invokable.join()).not.toContain(fn(stack, 'ApprovalCallback'));
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup')).map((g) => render(g.Properties.LogGroupName ?? ''));
    expect(groups.filter((n) => n.startsWith(`/aws/vendedlogs/states/${base.application}-dr-failback-`))).toHaveLength(1);
  });
});

describe('standby scaling and comparison grants (warm standby config)', () => {
  const warmTemplates = { primary: Template.fromStack(warmStacks.primary), standby: Template.fromStack(warmStacks.standby) };
  const orchestrator = (role: 'primary' | 'standby') => statementsOf(warmStacks[role], warmTemplates[role], 'FailoverOrchestrator');

  test('the standby copy may scale exactly the configured ECS service, Auto Scaling group and function version', () => {
    const s = orchestrator('standby');
    const arn = (rest: string) => `arn:\${AWS::Partition}:${rest}`;
    expect(resourcesFor(s, 'ecs:UpdateService')).toEqual([arn(`ecs:${STANDBY}:\${AWS::AccountId}:service/orders/api`)]);
    expect(resourcesFor(s, 'ecs:DescribeServices')).toEqual([arn(`ecs:${STANDBY}:\${AWS::AccountId}:service/orders/api`)]);
    expect(resourcesFor(s, 'autoscaling:UpdateAutoScalingGroup')).toEqual([
      arn(`autoscaling:${STANDBY}:\${AWS::AccountId}:autoScalingGroup:*:autoScalingGroupName/orders-workers`),
    ]);
    expect(resourcesFor(s, 'autoscaling:DescribeAutoScalingGroups')).toEqual(['*']);
    const fnArn = arn(`lambda:${STANDBY}:\${AWS::AccountId}:function:orders-checkout:live`);
    expect(resourcesFor(s, 'lambda:PutProvisionedConcurrencyConfig')).toEqual([fnArn]);
    expect(resourcesFor(s, 'lambda:GetProvisionedConcurrencyConfig')).toEqual([fnArn]);
  });

  test('the primary copy gets no scaling rights: it only ever activates its own region, which needs none', () => {
    const actions = [...actionsOf(orchestrator('primary'))];
    expect(actions.filter((a) => /^(ecs|autoscaling|lambda):/.test(a))).toEqual([]);
  });

  test('data-consistency-validator may list exactly the configured buckets', () => {
    const s = statementsOf(warmStacks.standby, warmTemplates.standby, 'DataConsistencyValidator');
    expect(resourcesFor(s, 's3:ListBucket').sort()).toEqual(['arn:${AWS::Partition}:s3:::invoices-a', 'arn:${AWS::Partition}:s3:::invoices-b']);
  });

  test('the AWS Solutions checks find nothing unacknowledged with a warm standby', () => {
    let report = '';
    try {
      warmApp.synth();
    } catch (err) {
      report = (err as Error).message;
    }
    expect(report).toBe('');
  });
});
