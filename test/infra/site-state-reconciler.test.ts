import { resolve } from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { loadConfig } from '../../config/load';
import { LAMBDA_ENV } from '../../config/lambda-environment';
import { ControlPlaneStack } from '../../infra/stacks/control-plane-stack';
import { logicalIdOf, render, roleOf, statementsOfRole } from './template-helpers';
import { testApp } from '../support/cdk';

// One app for the whole file, bundling skipped; the shipped default config, a stack in each region.
const config = loadConfig(resolve(__dirname, '..', '..', 'dr.config.json'));
const APP = config.application;
const PRIMARY = config.regions.primary.name;
const STANDBY = config.regions.standby.name;
const REGIONS = [PRIMARY, STANDBY];
const peerOf = (r: string) => (r === PRIMARY ? STANDBY : PRIMARY);

const app = testApp();
const stacks: Record<string, Stack> = Object.fromEntries(REGIONS.map((r) => [r, new ControlPlaneStack(app, `${APP}-dr-${r}`, { env: { region: r }, config })]));
const templates: Record<string, Template> = Object.fromEntries(REGIONS.map((r) => [r, Template.fromStack(stacks[r])]));

type Resource = { Type: string; Properties: Record<string, any> };
const resourcesOf = (region: string, type: string): Array<[string, Resource]> =>
  Object.entries(templates[region].toJSON().Resources as Record<string, Resource>).filter(([, r]) => r.Type === type);
const child = (region: string, path: string): IConstruct => path.split('/').reduce<IConstruct>((c, p) => c.node.findChild(p), stacks[region]);
const id = (region: string, path: string) => logicalIdOf(stacks[region], child(region, path));
const reconcilerId = (region: string) => id(region, 'Functions/SiteStateReconciler');
const alertTopicRef = (region: string) => `\${${id(region, 'Topics/Alert')}}`;
const parameterArn = (r: string) => `arn:\${AWS::Partition}:ssm:${r}:\${AWS::AccountId}:parameter/dr/${APP}/site-state/${r}`;

describe.each(REGIONS)('control-plane stack in %s: site-state reconciler', (region) => {
  const template = templates[region];

  test('the function: arm64, active tracing, its own log group, a timeout under the one-minute schedule, this region in its environment', () => {
    const fn = template.toJSON().Resources[reconcilerId(region)].Properties;
    expect(fn).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' }, Handler: 'index.handler', Timeout: 50 });
    expect(template.toJSON().Resources[fn.LoggingConfig.LogGroup.Ref].Properties.RetentionInDays).toBeGreaterThan(0);
    const env = fn.Environment.Variables;
    expect(env[LAMBDA_ENV.controlPlaneRegion]).toBe(region);
    expect(env[LAMBDA_ENV.siteStateParameterPrefix]).toBe(`/dr/${APP}/site-state`);
    expect(render(env[LAMBDA_ENV.alertTopicArn])).toBe(alertTopicRef(region));
    expect(render(env[LAMBDA_ENV.auditTable])).toBe('${AuditTable}');
    expect(Object.keys(env)).not.toContain('DR_CONFIG');
  });

  test('one EventBridge rule runs it every minute, with a one-minute event age, allowed to invoke only it', () => {
    const rules = resourcesOf(region, 'AWS::Events::Rule').filter(
      ([, r]) =>
        r.Properties.ScheduleExpression !== undefined &&
        r.Properties.Targets.some((t: { Arn: unknown }) => render(t.Arn) === `\${${reconcilerId(region)}.Arn}`),
    );
    expect(rules).toHaveLength(1);
    const [[ruleId, rule]] = rules;
    expect(ruleId).toBe(id(region, 'SiteStateReconciler/Schedule'));
    expect(rule.Properties).toMatchObject({ ScheduleExpression: 'rate(1 minute)', State: 'ENABLED' });
    expect(rule.Properties.EventPattern).toBeUndefined();
    expect(rule.Properties.Targets).toEqual([
      { Id: 'Target0', Arn: { 'Fn::GetAtt': [reconcilerId(region), 'Arn'] }, RetryPolicy: { MaximumEventAgeInSeconds: 60, MaximumRetryAttempts: 2 } },
    ]);
    const permissions = resourcesOf(region, 'AWS::Lambda::Permission').filter(
      ([, p]) => render(p.Properties.FunctionName) === `\${${reconcilerId(region)}.Arn}`,
    );
    expect(permissions.map(([, p]) => p.Properties)).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [reconcilerId(region), 'Arn'] },
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
      },
    ]);
  });

  test('a failed run is not retried by Lambda: the next tick is the retry', () => {
    const configs = resourcesOf(region, 'AWS::Lambda::EventInvokeConfig').filter(
      ([, c]) => render(c.Properties.FunctionName) === `\${${reconcilerId(region)}}`,
    );
    expect(configs.map(([, c]) => c.Properties)).toEqual([
      { FunctionName: { Ref: reconcilerId(region) }, Qualifier: '$LATEST', MaximumEventAgeInSeconds: 60, MaximumRetryAttempts: 0 },
    ]);
  });

  test('its role: read both site states, write its own only, publish to the alert topic with its key, write the audit table; nothing else', () => {
    const statements = statementsOfRole(template, roleOf(template, reconcilerId(region)));
    const key = `\${${id(region, 'Topics/Key')}.Arn}`;
    expect(
      statements.map(({ sid, actions, resources, effect, condition }) => ({
        sid,
        actions: [...actions].sort(),
        resources: [...resources].sort(),
        effect,
        condition,
      })),
    ).toEqual([
      { sid: undefined, actions: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], resources: ['*'], effect: 'Allow', condition: undefined },
      { sid: undefined, actions: ['dynamodb:PutItem'], resources: ['${AuditTable.Arn}'], effect: 'Allow', condition: undefined },
      { sid: 'ReadBothSiteStates', actions: ['ssm:GetParameter'], resources: REGIONS.map(parameterArn).sort(), effect: 'Allow', condition: undefined },
      { sid: 'FenceOwnSiteStateOnly', actions: ['ssm:PutParameter'], resources: [parameterArn(region)], effect: 'Allow', condition: undefined },
      { sid: undefined, actions: ['sns:Publish'], resources: [alertTopicRef(region)], effect: 'Allow', condition: undefined },
      { sid: undefined, actions: ['kms:Decrypt', 'kms:GenerateDataKey*'], resources: [key], effect: 'Allow', condition: undefined },
    ]);
    // Said once more, plainly: never the peer's switch.
    const writes = statements.filter((s) => s.actions.includes('ssm:PutParameter')).flatMap((s) => s.resources);
    expect(writes.join(' ')).not.toContain(peerOf(region));
  });

  test('an alarm tells the alert topic when no run has completed for five minutes', () => {
    const [alarm] = resourcesOf(region, 'AWS::CloudWatch::Alarm')
      .map(([, a]) => a.Properties)
      .filter((a) => a.AlarmName === `${APP}-dr-site-state-reconciler-stalled`);
    expect(alarm).toMatchObject({
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 5,
      TreatMissingData: 'breaching',
    });
    expect(alarm.AlarmActions.map(render)).toEqual([alertTopicRef(region)]);
    expect(alarm.OKActions.map(render)).toEqual([alertTopicRef(region)]);
    const byId = Object.fromEntries((alarm.Metrics as Array<Record<string, any>>).map((m) => [m.Id, m]));
    expect(byId.expr_1).toMatchObject({ Expression: 'FILL(invocations, 0) - FILL(errors, 0)', ReturnData: true });
    for (const [name, metricName] of [
      ['invocations', 'Invocations'],
      ['errors', 'Errors'],
    ]) {
      expect(byId[name].ReturnData).toBe(false);
      expect(byId[name].MetricStat).toMatchObject({
        Metric: { Namespace: 'AWS/Lambda', MetricName: metricName, Dimensions: [{ Name: 'FunctionName', Value: { Ref: reconcilerId(region) } }] },
        Period: 60,
        Stat: 'Sum',
      });
    }
  });

  test("adds no stateful resource: this region's switch keeps its pinned logical id; the only other parameter is the approval API's URL", () => {
    const params = resourcesOf(region, 'AWS::SSM::Parameter').map(([k]) => k);
    expect(params).toContain('SiteStateParameter');
    expect(params.filter((k) => k !== 'SiteStateParameter').map((k) => k.replace(/[0-9A-F]{8}$/, ''))).toEqual(['ApprovalApiUrlParameter']);
    expect(template.toJSON().Resources.AuditTable.Type).toBe('AWS::DynamoDB::Table');
  });
});
