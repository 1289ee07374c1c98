import { Template } from 'aws-cdk-lib/assertions';
import { HealthCheckStack } from '../../infra/stacks/health-check-stack';
import { ControlPlaneStack } from '../../infra/stacks/control-plane-stack';
import { PRIMARY, STANDBY, configWith } from './harness';
import { testApp } from '../support/cdk';

/**
 * Failure mode 16: the topics are encrypted, and CloudWatch alarm actions publish to an encrypted topic
 * only if the key's policy lets cloudwatch.amazonaws.com use it (the AWS managed SNS key never does, and
 * the publish fails without an error anywhere). Every alarm action must land on such a topic.
 */
const config = configWith({ traffic: 'arc-routing-control', stores: ['dynamodb', 'aurora'] });
const app = testApp();
const stacks = [PRIMARY, STANDBY].map((region) => new ControlPlaneStack(app, `fm16-${region}`, { env: { region }, config }));
const healthChecks = new HealthCheckStack(app, 'fm16-health-checks', { env: { region: 'us-east-1' }, config });
const templates = stacks.map((s) => ({
  region: s.region,
  resources: Template.fromStack(s).toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any> }>,
}));

type Statement = {
  Sid?: string;
  Effect: string;
  Principal?: { Service?: string | string[] };
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, any>;
};
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const ref = (v: unknown): string | undefined =>
  v && typeof v === 'object' ? ((v as { Ref?: string }).Ref ?? (v as { 'Fn::GetAtt'?: string[] })['Fn::GetAtt']?.[0]) : undefined;

describe.each(templates)('FM16 encrypted topics receive alarm actions ($region)', ({ resources }) => {
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const alarms = [...ofType('AWS::CloudWatch::Alarm'), ...ofType('AWS::CloudWatch::CompositeAlarm')];
  const actionTopics = [...new Set(alarms.flatMap(([, a]) => [...list(a.Properties.AlarmActions), ...list(a.Properties.OKActions)].map(ref)))].filter(
    (t): t is string => t !== undefined,
  );

  it('every detection alarm (signals, mirrors, the quorum composite, dead letters) notifies, ALARM and OK', () => {
    expect(alarms.length).toBeGreaterThanOrEqual(8);
    for (const [id, a] of alarms) {
      expect({ id, alarm: list(a.Properties.AlarmActions).length, ok: list(a.Properties.OKActions).length }).toEqual({ id, alarm: 1, ok: 1 });
    }
    // The alert topic, and the escalation topic for the alarm that says alerts could not be delivered.
    expect(actionTopics.length).toBeGreaterThanOrEqual(1);
    expect(actionTopics.length).toBeLessThanOrEqual(2);
  });

  it.each(actionTopics)('the topic alarms publish to (%s) is encrypted with a customer managed key of this stack, not alias/aws/sns', (topicId) => {
    const topic = resources[topicId!];
    expect(topic.Type).toBe('AWS::SNS::Topic');
    const keyId = ref(topic.Properties.KmsMasterKeyId);
    expect(keyId).toBeDefined();
    expect(resources[keyId!]).toMatchObject({ Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: true } });
    for (const [, t] of ofType('AWS::SNS::Topic')) expect(JSON.stringify(t.Properties.KmsMasterKeyId ?? null)).not.toContain('alias/aws/sns');
  });

  it.each(actionTopics)(
    "the key's policy lets CloudWatch decrypt and generate data keys; the topic's policy (%s) lets CloudWatch publish, from this account only",
    (topicId) => {
      const keyId = ref(resources[topicId].Properties.KmsMasterKeyId)!;
      const keyStatements = resources[keyId].Properties.KeyPolicy.Statement as Statement[];
      const forCloudWatch = keyStatements.filter((s) => s.Effect === 'Allow' && list(s.Principal?.Service).includes('cloudwatch.amazonaws.com'));
      expect(forCloudWatch.flatMap((s) => list(s.Action)).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);

      const policies = ofType('AWS::SNS::TopicPolicy').filter(([, p]) => list(p.Properties.Topics).some((t) => ref(t) === topicId));
      const statements = policies.flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Statement[]);
      const publish = statements.find((s) => s.Effect === 'Allow' && list(s.Principal?.Service).includes('cloudwatch.amazonaws.com'));
      expect(publish).toMatchObject({ Action: 'sns:Publish', Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } });
      expect(ref(publish!.Resource)).toBe(topicId);
    },
  );
});

it('FM16: the us-east-1 health-check stack puts no alarm action on a topic it does not encrypt for CloudWatch', () => {
  const resources = Template.fromStack(healthChecks).toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any> }>;
  const alarms = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
  expect(alarms.length).toBe(2);
  // Its alarms reach the control planes by EventBridge forwarding (and their mirrors notify there).
  for (const a of alarms) expect([...list(a.Properties.AlarmActions), ...list(a.Properties.OKActions)]).toEqual([]);
  expect(Object.values(resources).filter((r) => r.Type === 'AWS::SNS::Topic')).toEqual([]);
});
