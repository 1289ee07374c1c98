import { resolve } from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { loadConfig } from '../../config/load';
import { parseAlarmName } from '../../functions/shared/aws/cloudwatch-health-signals';
import { ALERT_FIELDS, executionStatusAlert, type ExecutionStatusChangeEvent } from '../../functions/shared/execution-status-alert';
import { ControlPlaneStack } from '../../infra/stacks/control-plane-stack';
import { logicalIdOf, render } from './template-helpers';
import { testApp } from '../support/cdk';

// One app for the file, bundling skipped (test/infra convention).
const config = loadConfig(resolve(__dirname, '..', '..', 'dr.config.json'));
const APP = config.application;
const PREFIX = `${APP}-dr-`;
const app = testApp();
const stacks = [config.regions.primary.name, config.regions.standby.name].map(
  (region) => new ControlPlaneStack(app, `${APP}-dr-${region}`, { env: { region }, config }),
);

const child = (stack: Stack, path: string): IConstruct => path.split('/').reduce<IConstruct>((c, id) => c.node.findChild(id), stack);
const ref = (stack: Stack, path: string) => ({ Ref: logicalIdOf(stack, child(stack, path)) });

/** What EventBridge's input transformer does: each `<key>` of the template becomes the value at its input path. */
function transform(transformer: { InputPathsMap: Record<string, string>; InputTemplate: string }, event: ExecutionStatusChangeEvent): string {
  const valueAt = (path: string) =>
    path
      .split('.')
      .slice(1)
      .reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], event);
  const filled = transformer.InputTemplate.replace(/<([A-Za-z0-9_-]+)>/g, (m, key: string) =>
    key in transformer.InputPathsMap ? String(valueAt(transformer.InputPathsMap[key])) : m,
  );
  return JSON.parse(filled) as string;
}

describe.each(stacks.map((s) => [s.region, s] as const))('%s: failure alerting that nothing bypasses', (_region, stack) => {
  const template = Template.fromStack(stack);
  const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
  const rules = Object.values(template.findResources('AWS::Events::Rule')).filter(
    (r) => (r.Properties.EventPattern as { source?: string[] })?.source?.[0] === 'aws.states',
  );
  const alertTopic = ref(stack, 'Topics/Alert');
  const failover = ref(stack, 'Failover/StateMachine');
  const failback = ref(stack, 'Failback/StateMachine');

  test('one rule matches FAILED, TIMED_OUT and ABORTED executions of both the failover and the failback state machine', () => {
    expect(rules).toHaveLength(1);
    expect(rules[0].Properties.EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [failover, failback] },
    });
    expect(rules[0].Properties.State).toBe('ENABLED');
  });

  test('its targets are the encrypted alert topic and the failure reporter, each retried for a day, with a dead-letter queue', () => {
    const targets = rules[0].Properties.Targets as Array<Record<string, unknown>>;
    expect(targets).toHaveLength(2);
    const reporter = logicalIdOf(stack, child(stack, 'Functions/FailureReporter'));
    expect(targets[1]).toMatchObject({
      Arn: { 'Fn::GetAtt': [reporter, 'Arn'] },
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalIdOf(stack, child(stack, 'ExecutionFailureAlerts/UndeliveredAlerts')), 'Arn'] } },
      RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 },
    });
    expect(targets[0]).toMatchObject({
      Arn: alertTopic,
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalIdOf(stack, child(stack, 'ExecutionFailureAlerts/UndeliveredAlerts')), 'Arn'] } },
      RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 },
    });
    expect(targets[0].RoleArn).toBeUndefined();
    expect(resources[alertTopic.Ref].Properties.KmsMasterKeyId).toBeDefined();
  });

  test('the input transformer publishes exactly the text the drill builds: execution ARN, status, name, state machine and what to do', () => {
    const transformer = (rules[0].Properties.Targets as Array<{ InputTransformer: { InputPathsMap: Record<string, string>; InputTemplate: string } }>)[0]
      .InputTransformer;
    expect(Object.values(transformer.InputPathsMap).sort()).toEqual(ALERT_FIELDS.map((f) => `$.detail.${f}`).sort());
    const event: ExecutionStatusChangeEvent = {
      source: 'aws.states',
      'detail-type': 'Step Functions Execution Status Change',
      detail: {
        executionArn: `arn:aws:states:${stack.region}:111122223333:execution:${APP}-dr-failover:inc-42`,
        stateMachineArn: `arn:aws:states:${stack.region}:111122223333:stateMachine:${APP}-dr-failover`,
        name: 'inc-42',
        status: 'FAILED',
        startDate: 1,
        stopDate: 2,
      },
    };
    const published = transform(transformer, event);
    expect(published).toBe(executionStatusAlert(event)?.body);
    expect(published.split('\n')[0]).toBe('DR: execution inc-42 ended FAILED');
    expect(published).toContain(`Execution: ${event.detail.executionArn}`);
    expect(published).toMatch(/What to do: .*drctl history arn:aws:states:.*:execution:.*inc-42/);
  });

  test('the topic policy lets EventBridge publish to the alert topic, only from rules of this account', () => {
    const policies = Object.values(template.findResources('AWS::SNS::TopicPolicy')).filter(
      (p) => JSON.stringify(p.Properties.Topics) === JSON.stringify([alertTopic]),
    );
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>);
    const forEvents = statements.filter((s) => JSON.stringify(s.Principal) === JSON.stringify({ Service: 'events.amazonaws.com' }));
    expect(forEvents).toEqual([
      expect.objectContaining({ Effect: 'Allow', Action: 'sns:Publish', Resource: alertTopic }),
      expect.objectContaining({
        Effect: 'Deny',
        Action: 'sns:Publish',
        Resource: alertTopic,
        Condition: { StringNotEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      }),
    ]);
  });

  test("the topics' key policy lets EventBridge encrypt what it publishes", () => {
    const key = resources[logicalIdOf(stack, child(stack, 'Topics/Key'))];
    const statements = (key.Properties.KeyPolicy as { Statement: Array<Record<string, unknown>> }).Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] }),
    );
  });

  test('an alarm per state machine on ExecutionsFailed, ExecutionsTimedOut and ExecutionsAborted alerts on the first one', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter((a) => a.Properties.Namespace === 'AWS/States');
    const seen = alarms.map((a) => `${render(a.Properties.Dimensions[0].Value)} ${a.Properties.MetricName}`).sort();
    expect(seen).toEqual(
      [failover, failback].flatMap((sm) => ['ExecutionsAborted', 'ExecutionsFailed', 'ExecutionsTimedOut'].map((m) => `\${${sm.Ref}} ${m}`)).sort(),
    );
    for (const a of alarms) {
      expect(a.Properties).toMatchObject({
        Dimensions: [{ Name: 'StateMachineArn' }],
        Statistic: 'Sum',
        Period: 60,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
        AlarmActions: [alertTopic],
      });
      expect(a.Properties.AlarmName).toMatch(new RegExp(`^${PREFIX}(failover|failback)-executions-(failed|timed-out|aborted)$`));
    }
  });

  test('an undelivered alert goes to the escalation topic', () => {
    const alarm = Object.values(template.findResources('AWS::CloudWatch::Alarm')).find(
      (a) => a.Properties.AlarmName === `${PREFIX}execution-alerts-undelivered`,
    );
    expect(alarm?.Properties).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      AlarmActions: [ref(stack, 'Topics/Escalation')],
    });
  });

  test('none of these alarms reads as a detection signal (the health-checker and the trigger read the same prefix)', () => {
    const names = Object.values(template.findResources('AWS::CloudWatch::Alarm'))
      .map((a) => a.Properties.AlarmName as string)
      .filter((n) => /executions-|execution-alerts/.test(n));
    expect(names).toHaveLength(7);
    for (const n of names) expect(parseAlarmName(n, PREFIX)).toBeUndefined();
  });
});
