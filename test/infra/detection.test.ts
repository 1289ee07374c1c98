import { resolve } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Template } from 'aws-cdk-lib/assertions';
import { loadConfig, parseConfig } from '../../config/load';
import { combinations, Detection, detectionNames } from '../../infra/constructs/detection';
import { ControlPlaneStack } from '../../infra/stacks/control-plane-stack';
import { HealthCheckStack } from '../../infra/stacks/health-check-stack';
import { logicalIdOf, render, resourcesFor, roleOf, statementsOfRole } from './template-helpers';
import { testApp } from '../support/cdk';

// One app for the whole file, bundling skipped (the canary's inline script is bundled by esbuild in-process).
const config = loadConfig(resolve(__dirname, '..', '..', 'examples', 'configs', 'aurora-route53.config.json'));
const APP = config.application;
const PRIMARY = config.regions.primary.name;
const STANDBY = config.regions.standby.name;
const PREFIX = `${APP}-dr-`;
const d = config.detection;

const app = testApp();
const stacks: Record<string, Stack> = {
  [PRIMARY]: new ControlPlaneStack(app, `${APP}-dr-${PRIMARY}`, { env: { region: PRIMARY }, config }),
  [STANDBY]: new ControlPlaneStack(app, `${APP}-dr-${STANDBY}`, { env: { region: STANDBY }, config }),
};
const healthStack = new HealthCheckStack(app, `${APP}-dr-health-checks`, { env: { region: 'us-east-1' }, config });
const templates: Record<string, Template> = { [PRIMARY]: Template.fromStack(stacks[PRIMARY]), [STANDBY]: Template.fromStack(stacks[STANDBY]) };
const healthTemplate = Template.fromStack(healthStack);
const REGIONS = [PRIMARY, STANDBY];
const peerOf = (r: string) => (r === PRIMARY ? STANDBY : PRIMARY);

function resourcesOf(template: Template, type: string): Array<Record<string, any>> {
  return Object.values(template.findResources(type)).map((r) => r.Properties);
}

function alarm(template: Template, name: string): Record<string, any> {
  const found = resourcesOf(template, 'AWS::CloudWatch::Alarm').find((p) => p.AlarmName === name);
  if (!found) throw new Error(`no alarm ${name}`);
  return found;
}

const alertTopicRef = (region: string) => `\${${logicalIdOf(stacks[region], stacks[region].node.findChild('Topics').node.findChild('Alert'))}}`;
const triggerLogicalId = (region: string) => logicalIdOf(stacks[region], stacks[region].node.findChild('Functions').node.findChild('AlarmTrigger'));

describe.each(REGIONS)('control-plane stack in %s: canary', (region) => {
  const template = templates[region];

  test('one Synthetics canary on a current Node.js runtime, every minute, inline script with index.handler', () => {
    const canaries = resourcesOf(template, 'AWS::Synthetics::Canary');
    expect(canaries).toHaveLength(1);
    const c = canaries[0];
    expect(c).toMatchObject({
      Name: `${APP}-dr-probe`,
      RuntimeVersion: 'syn-nodejs-puppeteer-13.0',
      Schedule: { Expression: 'rate(1 minute)' },
      StartCanaryAfterCreation: true,
      Code: { Handler: 'index.handler', Script: expect.stringContaining('ProbeFailed') },
      RunConfig: expect.objectContaining({ TimeoutInSeconds: 60 }),
    });
    // The SDK comes from the runtime; nothing else is required at run time.
    const requires = [...(c.Code.Script as string).matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
    expect(new Set(requires)).toEqual(new Set(['@aws-sdk/client-cloudwatch']));
  });

  test('probes both regional endpoints and the global name from this vantage every probeIntervalSeconds, publishing to both regions', () => {
    const c = resourcesOf(template, 'AWS::Synthetics::Canary')[0];
    const cfg = JSON.parse(c.RunConfig.EnvironmentVariables.CANARY_CONFIG);
    expect(cfg).toMatchObject({
      vantage: region,
      targets: [
        { name: PRIMARY, url: config.regions.primary.healthUrl },
        { name: STANDBY, url: config.regions.standby.healthUrl },
        { name: 'global', url: `https://${config.globalDomain.name}/health` },
      ],
      intervalSeconds: d.probeIntervalSeconds,
      timeoutMs: d.probeTimeoutMs,
      namespace: detectionNames.metricNamespace(APP),
      metricRegions: [PRIMARY, STANDBY],
    });
    // Most of the minute, leaving the last round time to finish inside the 60 s timeout.
    expect(cfg.runSeconds).toBeGreaterThanOrEqual(45);
    expect(cfg.runSeconds + d.probeTimeoutMs / 1000).toBeLessThan(60);
  });

  test('its role may publish metrics only into the detection namespace', () => {
    const canaryId = logicalIdOf(stacks[region], stacks[region].node.findChild('Detection').node.findChild('Canary'));
    const roleId = template.toJSON().Resources[canaryId].Properties.ExecutionRoleArn['Fn::GetAtt'][0];
    // The Synthetics-generated inline policy (its own namespace) plus ours, attached as a separate policy.
    const inline = template
      .toJSON()
      .Resources[roleId].Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement)
      .map((s: any) => ({ actions: [s.Action].flat(), condition: s.Condition }));
    const put = [...inline, ...statementsOfRole(template, roleId)].filter((s) => s.actions.includes('cloudwatch:PutMetricData'));
    expect(put.map((s) => s.condition)).toContainEqual({ StringEquals: { 'cloudwatch:namespace': detectionNames.metricNamespace(APP) } });
    for (const s of put) expect((s.condition as any)?.StringEquals?.['cloudwatch:namespace']).toBeDefined();
  });
});

describe.each(REGIONS)('control-plane stack in %s: alarms', (region) => {
  const template = templates[region];
  const peer = peerOf(region);

  test.each(REGIONS.flatMap((vantage) => [...REGIONS, 'global'].map((target) => [vantage, target])))(
    'canary--%s--%s: high-resolution M-of-N on ProbeFailed; silence breaches only inside its own region',
    (vantage, target) => {
      const a = alarm(template, `${PREFIX}canary--${vantage}--${target}`);
      expect(a).toMatchObject({
        Namespace: detectionNames.metricNamespace(APP),
        MetricName: 'ProbeFailed',
        Dimensions: expect.arrayContaining([
          { Name: 'Vantage', Value: vantage },
          { Name: 'Target', Value: target },
        ]),
        Statistic: 'Maximum',
        Period: d.probeIntervalSeconds,
        EvaluationPeriods: d.evaluationPeriods,
        DatapointsToAlarm: d.datapointsToAlarm,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: vantage === target ? 'breaching' : 'missing',
      });
      expect(a.AlarmActions.map(render)).toEqual([alertTopicRef(region)]);
      expect(a.OKActions.map(render)).toEqual([alertTopicRef(region)]);
    },
  );

  test('Route 53 health-check alarms: mirrors (set by the trigger, missing data ignored) outside us-east-1 only', () => {
    const mirrors = resourcesOf(template, 'AWS::CloudWatch::Alarm').filter((p) => String(p.AlarmName).startsWith(`${PREFIX}route53-health-check--`));
    if (region === 'us-east-1') {
      expect(mirrors).toEqual([]);
      return;
    }
    expect(mirrors.map((m) => m.AlarmName).sort()).toEqual(REGIONS.map((r) => `${PREFIX}route53-health-check--global--${r}`).sort());
    for (const m of mirrors) {
      expect(m.TreatMissingData).toBe('ignore');
      expect(m.AlarmActions.map(render)).toEqual([alertTopicRef(region)]);
    }
  });

  test(`a composite "${peer} impaired" alarm needs ${d.quorum} of the 3 independent signals about the peer`, () => {
    const composites = resourcesOf(template, 'AWS::CloudWatch::CompositeAlarm');
    expect(composites).toHaveLength(1);
    const c = composites[0];
    expect(c.AlarmName).toBe(`${PREFIX}impaired--${peer}`);
    const signals = [`${PREFIX}canary--${peer}--${peer}`, `${PREFIX}canary--${region}--${peer}`, `${PREFIX}route53-health-check--global--${peer}`];
    const rule = c.AlarmRule as string;
    for (const combo of combinations(signals, d.quorum)) expect(rule).toContain(`(${combo.map((n) => `ALARM("${n}")`).join(' AND ')})`);
    // No single signal on its own: every disjunct is a conjunction of `quorum` alarms.
    expect(rule.split(' OR ')).toHaveLength(combinations(signals, d.quorum).length);
    expect(rule).not.toContain(region === PRIMARY ? `--${PRIMARY}")` : `--${STANDBY}")`);
    expect(c.AlarmActions.map(render)).toEqual([alertTopicRef(region)]);
  });

  test('alarm actions go to the alert topic, encrypted with a key whose policy lets CloudWatch use it', () => {
    const topicId = alertTopicRef(region).slice(2, -1);
    const topic = template.toJSON().Resources[topicId].Properties;
    const keyId = topic.KmsMasterKeyId['Fn::GetAtt'][0];
    const statements = template.toJSON().Resources[keyId].Properties.KeyPolicy.Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey*']),
      }),
    );
    const topicPolicy = resourcesOf(template, 'AWS::SNS::TopicPolicy').find((p) => p.Topics.map(render).includes(alertTopicRef(region)))!;
    expect(topicPolicy.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish' }),
    );
  });
});

describe.each(REGIONS)('control-plane stack in %s: trigger', (region) => {
  const template = templates[region];

  test('every alarm state change under the prefix invokes the alarm trigger, with a short max event age, retries and a DLQ', () => {
    const rules = resourcesOf(template, 'AWS::Events::Rule');
    const rule = rules.find((r) => r.EventPattern?.['detail-type']?.includes('CloudWatch Alarm State Change'));
    expect(rule?.EventPattern).toEqual({
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      detail: { alarmName: [{ prefix: PREFIX }] },
    });
    expect(rule?.Targets).toHaveLength(1);
    const target = rule!.Targets[0];
    expect(render(target.Arn)).toBe(`\${${triggerLogicalId(region)}.Arn}`);
    expect(target.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: d.maxEventAgeSeconds, MaximumRetryAttempts: 4 });
    const dlqId = target.DeadLetterConfig.Arn['Fn::GetAtt'][0];
    expect(template.toJSON().Resources[dlqId]).toMatchObject({ Type: 'AWS::SQS::Queue', Properties: { SqsManagedSseEnabled: true } });
    // Lambda's own async retries are bounded by the same age and end in the same queue.
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: triggerLogicalId(region) },
      MaximumEventAgeInSeconds: d.maxEventAgeSeconds,
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [dlqId, 'Arn'] } } },
    });
    // A dead letter is an incident of its own.
    const dlqAlarm = alarm(template, `${PREFIX}detection-dead-letters`);
    expect(dlqAlarm.Dimensions).toEqual([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }]);
  });

  test("the trigger may start only this region's state machine, take the lock, alert, read alarms and set only the mirrors", () => {
    const statements = statementsOfRole(template, roleOf(template, triggerLogicalId(region)));
    expect(resourcesFor(statements, 'states:StartExecution')).toEqual([
      `arn:\${AWS::Partition}:states:${region}:\${AWS::AccountId}:stateMachine:${APP}-dr-failover`,
    ]);
    expect(resourcesFor(statements, 'dynamodb:PutItem').sort()).toEqual(['${AuditTable.Arn}', '${IncidentLockTable.Arn}'].sort());
    expect(resourcesFor(statements, 'dynamodb:GetItem')).toEqual(['${IncidentLockTable.Arn}']);
    expect(resourcesFor(statements, 'sns:Publish')).toEqual([alertTopicRef(region)]);
    expect(resourcesFor(statements, 'cloudwatch:DescribeAlarms')).toEqual(['*']);
    expect(resourcesFor(statements, 'cloudwatch:SetAlarmState')).toEqual([
      `arn:\${AWS::Partition}:cloudwatch:${region}:\${AWS::AccountId}:alarm:${PREFIX}route53-health-check--*`,
    ]);
    expect(resourcesFor(statements, 'ssm:GetParameter')).toEqual([
      `arn:\${AWS::Partition}:ssm:${region}:\${AWS::AccountId}:parameter/dr/${APP}/site-state/${region}`,
    ]);
    const actions = new Set(statements.filter((s) => s.effect === 'Allow').flatMap((s) => s.actions));
    for (const forbidden of ['states:*', 'ssm:PutParameter', 'route53:ChangeResourceRecordSets', 'lambda:InvokeFunction'])
      expect(actions).not.toContain(forbidden);
  });

  test('its environment names its own state machine and the incident lock table', () => {
    const env = template.toJSON().Resources[triggerLogicalId(region)].Properties.Environment.Variables;
    expect(render(env.STATE_MACHINE_ARN)).toBe(`arn:\${AWS::Partition}:states:${region}:\${AWS::AccountId}:stateMachine:${APP}-dr-failover`);
    expect(render(env.INCIDENT_LOCK_TABLE)).toBe('${IncidentLockTable}');
    expect(env.CONTROL_PLANE_REGION).toBe(region);
    expect(env.ALARM_NAME_PREFIX).toBe(PREFIX);
  });
});

describe('us-east-1 health-check stack', () => {
  test('one Route 53 health check per regional endpoint, HTTPS on the health path every 10 s', () => {
    const checks = resourcesOf(healthTemplate, 'AWS::Route53::HealthCheck').map((h) => h.HealthCheckConfig);
    expect(checks).toHaveLength(2);
    for (const r of [config.regions.primary, config.regions.standby]) {
      const url = new URL(r.healthUrl);
      expect(checks).toContainEqual(
        expect.objectContaining({
          Type: 'HTTPS',
          FullyQualifiedDomainName: url.hostname,
          Port: 443,
          ResourcePath: url.pathname,
          RequestInterval: 10,
          FailureThreshold: 3,
        }),
      );
    }
  });

  test('an alarm on each HealthCheckStatus (only published in us-east-1), named as the health-checker parses it', () => {
    for (const r of REGIONS) {
      const a = alarm(healthTemplate, `${PREFIX}route53-health-check--global--${r}`);
      expect(a).toMatchObject({
        Namespace: 'AWS/Route53',
        MetricName: 'HealthCheckStatus',
        Statistic: 'Minimum',
        Period: 60,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'missing',
      });
      const check = healthStack.node.findChild('HealthChecks').node.findChild(`HealthCheck-${r}`);
      expect(a.Dimensions).toEqual([{ Name: 'HealthCheckId', Value: { Ref: logicalIdOf(healthStack, check) } }]);
    }
  });

  test('forwards their state changes to the default bus of each control-plane region other than us-east-1, with a DLQ', () => {
    const rule = resourcesOf(healthTemplate, 'AWS::Events::Rule')[0];
    expect(rule.EventPattern).toEqual({
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      detail: { alarmName: [{ prefix: `${PREFIX}route53-health-check--` }] },
    });
    const buses = rule.Targets.map((t: any) => render(t.Arn));
    expect(buses).toEqual(REGIONS.filter((r) => r !== 'us-east-1').map((r) => `arn:\${AWS::Partition}:events:${r}:\${AWS::AccountId}:event-bus/default`));
    for (const t of rule.Targets) expect(t.DeadLetterConfig).toBeDefined();
  });

  test('with neither region in us-east-1, both regions get the forwarded states', () => {
    const eu = parseConfig({
      ...config,
      regions: {
        primary: { ...config.regions.primary, name: 'eu-west-1' },
        standby: { ...config.regions.standby, name: 'eu-central-1' },
      },
      dataStores: [{ kind: 'dynamodb-global-table', name: 'orders', tableName: 'orders' }],
    });
    const euApp = testApp();
    const t = Template.fromStack(new HealthCheckStack(euApp, 'eu-health', { env: { region: 'us-east-1' }, config: eu }));
    const rule = resourcesOf(t, 'AWS::Events::Rule')[0];
    expect(rule.Targets.map((x: any) => render(x.Arn)).sort()).toEqual(
      ['eu-central-1', 'eu-west-1'].map((r) => `arn:\${AWS::Partition}:events:${r}:\${AWS::AccountId}:event-bus/default`),
    );
  });

  test('refuses to live anywhere but us-east-1', () => {
    const other = testApp();
    expect(() => new HealthCheckStack(other, 'wrong', { env: { region: 'us-west-2' }, config })).toThrow(/exist only in us-east-1/);
  });
});

test('a quorum larger than the independent signals fails the synth naming detection.quorum', () => {
  const tooMany = parseConfig({ ...config, detection: { ...config.detection, quorum: 4 } });
  const bad = testApp();
  expect(() => new ControlPlaneStack(bad, 'quorum', { env: { region: STANDBY }, config: tooMany })).toThrow(
    /detection\.quorum is 4, but only 3 independent signals/,
  );
});

test("an event age beyond Lambda's 6 h async limit keeps EventBridge at the configured age and caps Lambda at 6 h", () => {
  const day = parseConfig({ ...config, detection: { ...config.detection, maxEventAgeSeconds: 86_400 } });
  const small = testApp();
  const stack = new Stack(small, 'detection-only', { env: { region: STANDBY } });
  const key = new kms.Key(stack, 'Key');
  new Detection(stack, 'Detection', {
    config: day,
    alertTopic: new sns.Topic(stack, 'Alert', { masterKey: key }),
    alarmTrigger: new lambda.Function(stack, 'Trigger', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({})'),
    }),
    incidentLockTable: new dynamodb.Table(stack, 'Lock', { partitionKey: { name: 'lockId', type: dynamodb.AttributeType.STRING } }),
    stateMachineArn: `arn:aws:states:${STANDBY}:111122223333:stateMachine:${APP}-dr-failover`,
  });
  const t = Template.fromStack(stack);
  expect(resourcesOf(t, 'AWS::Events::Rule')[0].Targets[0].RetryPolicy.MaximumEventAgeInSeconds).toBe(86_400);
  t.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumEventAgeInSeconds: 21_600 });
});
