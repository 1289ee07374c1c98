import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { LAMBDA_ENV } from '../../config/lambda-environment';
import { ControlPlaneStack } from '../../infra/stacks/control-plane-stack';
import { PRIMARY, STANDBY, configWith } from '../support/repo-config';
import { logicalIdOf, render, roleOf, statementsOfRole } from './template-helpers';
import { testApp } from '../support/cdk';

// One app for the whole file, bundling skipped; every store kind, a stack in each region.
const config = configWith({ traffic: 'route53-weighted', stores: ['dynamodb', 'aurora', 's3'] });
const APP = config.application;
const REGIONS = [PRIMARY, STANDBY];
const app = testApp();
const stacks: Record<string, Stack> = Object.fromEntries(REGIONS.map((r) => [r, new ControlPlaneStack(app, `hb-${r}`, { env: { region: r }, config })]));
const templates: Record<string, Template> = Object.fromEntries(REGIONS.map((r) => [r, Template.fromStack(stacks[r])]));

type Resource = { Type: string; Properties: Record<string, any> };
const resourcesOf = (region: string, type: string): Array<[string, Resource]> =>
  Object.entries(templates[region].toJSON().Resources as Record<string, Resource>).filter(([, r]) => r.Type === type);
const child = (region: string, path: string): IConstruct => path.split('/').reduce<IConstruct>((c, p) => c.node.findChild(p), stacks[region]);
const id = (region: string, path: string) => logicalIdOf(stacks[region], child(region, path));
const writerId = (region: string) => id(region, 'Functions/ReplicationHeartbeat');
const tableArn = (r: string) => `arn:\${AWS::Partition}:dynamodb:${r}:\${AWS::AccountId}:table/orders`;

describe.each(REGIONS)('control-plane stack in %s: the replication heartbeat', (region) => {
  const template = templates[region];
  const peer = region === PRIMARY ? STANDBY : PRIMARY;

  test('the writer: arm64, active tracing, a timeout above a minute of beats, this region in its environment', () => {
    const fn = template.toJSON().Resources[writerId(region)].Properties;
    expect(fn).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' }, Timeout: 150 });
    expect(fn.Environment.Variables[LAMBDA_ENV.controlPlaneRegion]).toBe(region);
    // The config is bundled with the code (dr-config.json), not in the environment.
    expect(Object.keys(fn.Environment.Variables)).not.toContain('DR_CONFIG');
  });

  test('runs every minute from its own rule; a failed run is not retried by Lambda (the next tick is)', () => {
    const rules = resourcesOf(region, 'AWS::Events::Rule').filter(([, r]) =>
      r.Properties.Targets?.some((t: { Arn: unknown }) => render(t.Arn) === `\${${writerId(region)}.Arn}`),
    );
    expect(rules.map(([, r]) => r.Properties.ScheduleExpression)).toEqual(['rate(1 minute)']);
    const configs = resourcesOf(region, 'AWS::Lambda::EventInvokeConfig').filter(([, c]) => render(c.Properties.FunctionName) === `\${${writerId(region)}}`);
    expect(configs.map(([, c]) => c.Properties)).toEqual([
      { FunctionName: { Ref: writerId(region) }, Qualifier: '$LATEST', MaximumEventAgeInSeconds: 60, MaximumRetryAttempts: 0 },
    ]);
  });

  test("its role: this region's heartbeat item in this region's tables, this region's heartbeat object; no audit, nothing of the peer", () => {
    const statements = statementsOfRole(template, roleOf(template, writerId(region)));
    expect(
      statements.map(({ sid, actions, resources, condition }) => ({ sid, actions: [...actions].sort(), resources: [...resources].sort(), condition })),
    ).toEqual([
      { sid: undefined, actions: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], resources: ['*'], condition: undefined },
      { sid: 'ReadTableKeySchemas', actions: ['dynamodb:DescribeTable'], resources: [tableArn(region)], condition: undefined },
      {
        sid: 'WriteOwnHeartbeatItems',
        actions: ['dynamodb:PutItem'],
        resources: [tableArn(region)],
        condition: {
          'ForAllValues:StringEquals': {
            'dynamodb:LeadingKeys': [`regionflip#heartbeat#${region}`, region === PRIMARY ? '-9007199254740990' : '-9007199254740991'],
          },
        },
      },
      {
        sid: 'WriteOwnHeartbeatObjects',
        actions: ['s3:PutObject'],
        resources: [
          `arn:\${AWS::Partition}:s3:::${config.dataStores.find((s) => s.kind === 's3-replicated')!.buckets[region]}/.regionflip/heartbeat/${region}`,
        ],
        condition: undefined,
      },
    ]);
    expect(JSON.stringify(statements)).not.toContain(peer);
  });

  test('an alarm tells the alert topic when no run has completed for five minutes', () => {
    const [alarm] = resourcesOf(region, 'AWS::CloudWatch::Alarm')
      .map(([, a]) => a.Properties)
      .filter((a) => a.AlarmName === `${APP}-dr-replication-heartbeat-stopped`);
    expect(alarm).toMatchObject({
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 5,
      TreatMissingData: 'breaching',
    });
    expect(alarm.AlarmActions.map(render)).toEqual([`\${${id(region, 'Topics/Alert')}}`]);
  });

  test('the comparison table: pinned logical id, parts keyed by comparison and part, expiring by TTL, pay-per-request, encrypted', () => {
    expect(template.toJSON().Resources.ComparisonTable.Properties).toMatchObject({
      KeySchema: [
        { AttributeName: 'comparisonId', KeyType: 'HASH' },
        { AttributeName: 'part', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
    });
    const validator = statementsOfRole(template, roleOf(template, id(region, 'Functions/DataConsistencyValidator')));
    const onTable = validator.filter((s) => s.resources.includes('${ComparisonTable.Arn}'));
    expect(onTable.flatMap((s) => s.actions).sort()).toEqual(['dynamodb:PutItem', 'dynamodb:Query']);
    expect(
      render(template.toJSON().Resources[id(region, 'Functions/DataConsistencyValidator')].Properties.Environment.Variables[LAMBDA_ENV.comparisonTable]),
    ).toBe('${ComparisonTable}');
  });
});
