import { type Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import type { DrConfig, DrConfigInput } from '../../config/schema';
import { ControlPlaneStack } from '../../infra/stacks/control-plane-stack';
import { HealthCheckStack } from '../../infra/stacks/health-check-stack';
import { TrafficPrerequisitesStack } from '../../infra/stacks/traffic-prerequisites-stack';
import { parseConfig } from '../../config/load';
import { trafficPrerequisitesRegion } from '../../infra/naming';
import { PRIMARY, STANDBY, configWith } from '../support/repo-config';
import { testApp } from '../support/cdk';
import { WORKFLOW_STEPS } from '../../config/steps';

// Its own app: the packs run as validation plugins during synth. Every finding the design accepts is
// acknowledged (with its reason) next to the resource in infra/constructs; the Serverless pack's rules that
// do not apply to this architecture are acknowledged below, on the exact constructs, with the reason.
// Every stack of both traffic strategies: the two control planes, the us-east-1 health-check stack and the
// opt-in traffic-prerequisites stack (ARC cluster and routing controls; weighted records).
const withPrerequisites = (config: DrConfig, prerequisites: DrConfigInput['prerequisites']) =>
  parseConfig({ ...structuredClone(config), prerequisites }, 'cdk-nag config');
const variants = {
  arc: withPrerequisites(configWith({ traffic: 'arc-routing-control', stores: ['dynamodb'] }), { arc: { create: true } }),
  route53: withPrerequisites(configWith({ traffic: 'route53-weighted', stores: ['dynamodb', 'aurora', 's3'] }), { route53Records: { create: true } }),
};
const app = testApp();
const stacks: Stack[] = [];
for (const [name, config] of Object.entries(variants)) {
  for (const region of [PRIMARY, STANDBY]) stacks.push(new ControlPlaneStack(app, `${name}-dr-${region}`, { env: { region }, config }));
  stacks.push(new HealthCheckStack(app, `${name}-dr-health-checks`, { env: { region: 'us-east-1' }, config }));
  stacks.push(
    new TrafficPrerequisitesStack(app, `${name}-dr-traffic-prerequisites`, { env: { region: trafficPrerequisitesRegion(config.traffic.strategy) }, config }),
  );
}

const find = (stack: Stack, path: string): IConstruct | undefined => {
  let c: IConstruct | undefined = stack;
  for (const part of path.split('/')) c = c?.node.tryFindChild(part);
  return c;
};

/** Serverless rules written for event-driven, asynchronously invoked functions and queues. */
for (const stack of stacks) {
  const functions = find(stack, 'Functions');
  if (functions) {
    for (const fn of WORKFLOW_STEPS.map((s) => s.constructId)) {
      Validations.of(find(stack, `Functions/${fn}`)!).acknowledge({
        id: 'Serverless::Serverless-LambdaDLQ',
        reason: 'Invoked synchronously by Step Functions, whose Retry/Catch handle every failure; a DLQ only ever receives asynchronous invocations.',
      });
    }
    Validations.of(find(stack, 'Functions/ApprovalCallback')!).acknowledge({
      id: 'Serverless::Serverless-LambdaDLQ',
      reason: 'Invoked synchronously by API Gateway, which returns the error page to the approver; a DLQ only ever receives asynchronous invocations.',
    });
    Validations.of(find(stack, 'Functions/AlarmTrigger')!).acknowledge({
      id: 'Serverless::Serverless-LambdaDLQ',
      reason: 'Asynchronous failures go to the TriggerDeadLetters queue through an on-failure destination (EventInvokeConfig), which supersedes a DLQ.',
    });
    Validations.of(find(stack, 'Functions/SiteStateReconciler')!).acknowledge({
      id: 'Serverless::Serverless-LambdaDLQ',
      reason: 'Invoked by a one-minute schedule whose events carry no data: the next tick is the retry, and the Stalled alarm reports runs that keep failing.',
    });
    Validations.of(find(stack, 'Functions/FailureReporter')!).acknowledge({
      id: 'Serverless::Serverless-LambdaDLQ',
      reason:
        "EventBridge invokes it from the execution failure rule, whose own retry policy (24 h) and dead-letter queue (UndeliveredAlerts, alarmed) keep an event it could not deliver; the rule's other target, the alert topic, does not depend on it.",
    });
    Validations.of(find(stack, 'SiteStateReconciler')!).acknowledge(
      {
        id: 'Serverless::Serverless-LambdaAsyncFailureDestination',
        reason: 'A failed scheduled run has nothing to replay (each run reads both site states afresh); the Stalled alarm reports runs that keep failing.',
      },
      {
        id: 'Serverless::Serverless-EventBusDLQ',
        reason: 'An undelivered schedule tick carries no data and the next one follows a minute later; the Stalled alarm fires when runs stop.',
      },
    );
    Validations.of(find(stack, 'Functions/ReplicationHeartbeat')!).acknowledge({
      id: 'Serverless::Serverless-LambdaDLQ',
      reason: 'Invoked by a one-minute schedule whose events carry no data: the next tick is the retry, and the Stopped alarm reports runs that keep failing.',
    });
    Validations.of(find(stack, 'ReplicationHeartbeat')!).acknowledge(
      {
        id: 'Serverless::Serverless-LambdaAsyncFailureDestination',
        reason: 'A failed scheduled run has nothing to replay (a heartbeat is the time it is written); the Stopped alarm reports runs that keep failing.',
      },
      {
        id: 'Serverless::Serverless-EventBusDLQ',
        reason: 'An undelivered schedule tick carries no data and the next one follows a minute later; the Stopped alarm fires when runs stop.',
      },
    );
    Validations.of(find(stack, 'Topics')!).acknowledge({
      id: 'Serverless::Serverless-SNSRedrivePolicy',
      reason: 'Email subscriptions to people: an undelivered approval email ends in the approval timeout, whose escalation goes to a second list.',
    });
    Validations.of(find(stack, 'Detection/TriggerDeadLetters')!).acknowledge({
      id: 'Serverless::Serverless-SQSRedrivePolicy',
      reason: 'This queue is itself the dead-letter queue of the alarm trigger.',
    });
    Validations.of(find(stack, 'ExecutionFailureAlerts/UndeliveredAlerts')!).acknowledge({
      id: 'Serverless::Serverless-SQSRedrivePolicy',
      reason: 'This queue is itself the dead-letter queue of the execution failure alert rule; its own alarm escalates.',
    });
    Validations.of(find(stack, 'Detection/Canary')!).acknowledge({
      id: 'Serverless::Serverless-LambdaStarPermissions',
      reason: 'cloudwatch:PutMetricData has no resource-level permissions; the statement is scoped by a cloudwatch:namespace condition.',
    });
  }
  const forward = find(stack, 'HealthChecks/ForwardDeadLetters');
  if (forward)
    Validations.of(forward).acknowledge({
      id: 'Serverless::Serverless-SQSRedrivePolicy',
      reason: 'This queue is itself the dead-letter queue of the forwarding rule.',
    });
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));

let report = '';
try {
  app.synth();
} catch (err) {
  report = (err as Error).message;
}

test('the AWS Solutions and Serverless packs find nothing unacknowledged in any stack of either strategy', () => {
  expect(stacks.map((s) => s.stackName).sort()).toEqual(
    ['arc', 'route53'].flatMap((v) => [`${v}-dr-${PRIMARY}`, `${v}-dr-${STANDBY}`, `${v}-dr-health-checks`, `${v}-dr-traffic-prerequisites`]).sort(),
  );
  expect(report).toBe('');
});

/** Reasons that explain nothing: a suppression must say why this resource may break this rule. */
const GENERIC =
  /^(n\/?a|not applicable|ok|okay|fine|false positive|by design|accepted|ignore[d]?|suppress(ed)?|todo|fixme|tbd|not needed|intended|expected)\.?$/i;

test('every acknowledgement carries a specific reason (no short or generic ones)', () => {
  const acks: Array<{ path: string; id: string; reason: string }> = [];
  for (const c of app.node.findAll()) {
    for (const m of c.node.metadata) {
      if (m.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(m.data as Record<string, string>)) acks.push({ path: c.node.path, id, reason });
    }
  }
  // The packs' rules, the CloudFormation ones, in both the constructs and this file.
  expect(acks.filter((a) => a.id.startsWith('AwsSolutions::')).length).toBeGreaterThan(10);
  expect(acks.filter((a) => a.id.startsWith('Serverless::')).length).toBeGreaterThan(0);
  const weak = acks.filter(
    (a) => typeof a.reason !== 'string' || a.reason.trim().length < 20 || GENERIC.test(a.reason.trim()) || /\b(todo|fixme|tbd)\b/i.test(a.reason),
  );
  expect(weak).toEqual([]);
});
