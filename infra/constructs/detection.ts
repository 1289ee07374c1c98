import { resolve } from 'node:path';
import { buildSync } from 'esbuild';
import { ArnFormat, type CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as synthetics from 'aws-cdk-lib/aws-synthetics';
import { Construct } from 'constructs';
import type { DrConfig } from '../../config/schema';
import {
  compositeAlarmName,
  controlPlaneAlarmName,
  alarmNamePrefix as defaultAlarmNamePrefix,
  GLOBAL,
  signalAlarmName,
  siteStateParameterPrefix,
} from '../../config/resource-names';
import { configuredRegionOf } from './configured-region';

/** Where Route 53 publishes health-check metrics, and so where their alarms must live. */
export const ROUTE53_METRICS_REGION = 'us-east-1';

/** The names of detection's own resources. Alarm names, which the functions parse, are in config/resource-names.ts. */
export const detectionNames = {
  metricNamespace: (application: string) => `${application}-dr/Detection`,
  canaryName: (application: string) => `${application}-dr-probe`,
  /** Target name of the canaries' probe of the global name. */
  globalTarget: GLOBAL,
} as const;

const LAMBDA_MAX_EVENT_AGE_SECONDS = 21_600;

/** The metric the canaries publish per (vantage, target) and round: 1 failed, 0 answered 2xx in time. */
export const PROBE_FAILED_METRIC = 'ProbeFailed';

export interface DetectionProps {
  /** The validated config: regions, URLs and the `detection` rules. */
  readonly config: DrConfig;
  /** Every detection alarm notifies it (ALARM and OK). It must be the KMS-encrypted topic whose key lets CloudWatch publish. */
  readonly alertTopic: sns.ITopic;
  /** The alarm-trigger function (functions/alarm-trigger/handler.ts), created with the other task functions. */
  readonly alarmTrigger: lambda.IFunction;
  readonly incidentLockTable: dynamodb.ITable;
  /** This region's failover state machine, by name-based ARN: the only one the trigger may start. */
  readonly stateMachineArn: string;
  /**
   * @default alarmNamePrefix(config.application) from config/resource-names.ts
   */
  readonly alarmNamePrefix?: string;
  /**
   * The canary script's entry, bundled with esbuild into the canary's inline code (no Docker, no asset).
   *
   * @default `<repo>/functions/canary/handler.ts`
   */
  readonly canaryEntry?: string;
  /**
   * Synthetics runtime of the canary. The script uses only `fetch` and the runtime's SDK v3, no browser.
   *
   * @default synthetics.Runtime.SYNTHETICS_NODEJS_PUPPETEER_13_0 (Node.js 22)
   */
  readonly canaryRuntime?: synthetics.Runtime;
  /**
   * Retries of an alarm event EventBridge could not deliver, before it goes to the dead-letter queue.
   *
   * @default 4
   */
  readonly triggerRetryAttempts?: number;
}

/**
 * Detection for one control-plane region: a canary here (one vantage) probing both regional endpoints and
 * the global name every `probeIntervalSeconds`, publishing high-resolution datapoints to every control-plane
 * region; M-of-N alarms per (vantage, target); mirrors of the Route 53 health-check alarms (whose metrics
 * exist only in us-east-1); a composite "peer impaired" alarm that needs `quorum` independent signals; and
 * the EventBridge rule that hands every alarm state change to the alarm trigger.
 */
export class Detection extends Construct {
  readonly canary: synthetics.Canary;
  /** `<vantage>--<target>` -> alarm, for every vantage region and every target (regions and `global`). */
  readonly signalAlarms = new Map<string, cloudwatch.Alarm>();
  /** Holds forwarded Route 53 health-check states, per target region (none in us-east-1, where the real alarms live). */
  readonly mirrorAlarms = new Map<string, cloudwatch.Alarm>();
  readonly compositeAlarm: cloudwatch.CompositeAlarm;
  readonly rule: events.Rule;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: DetectionProps) {
    super(scope, id);
    const { config } = props;
    const d = config.detection;
    const app = config.application;
    const prefix = props.alarmNamePrefix ?? defaultAlarmNamePrefix(app);
    const region = configuredRegionOf(this, config, 'Detection');
    const regions = [config.regions.primary.name, config.regions.standby.name];
    const peer = regions.find((r) => r !== region)!;
    const namespace = detectionNames.metricNamespace(app);
    const signalsAboutPeer = 3; // both canary vantages + the Route 53 health check
    if (d.quorum > signalsAboutPeer) {
      throw new Error(
        `detection.quorum is ${d.quorum}, but only ${signalsAboutPeer} independent signals watch each region (two canary vantages and a Route 53 health check): no failover could ever start`,
      );
    }
    const alarmAction = new cwActions.SnsAction(props.alertTopic);
    const notify = (alarm: cloudwatch.AlarmBase) => {
      alarm.addAlarmAction(alarmAction);
      alarm.addOkAction(alarmAction);
    };

    // The canary: this region's vantage.
    const probeTargets = [
      ...regions.map((r) => ({ name: r, url: r === config.regions.primary.name ? config.regions.primary.healthUrl : config.regions.standby.healthUrl })),
      { name: detectionNames.globalTarget, url: `https://${config.globalDomain.name}/health` },
    ];
    const canaryTimeoutSeconds = 60;
    const canaryConfig = {
      vantage: region,
      targets: probeTargets,
      intervalSeconds: d.probeIntervalSeconds,
      timeoutMs: d.probeTimeoutMs,
      // The last round must finish (probe timeout + publish) inside the canary's 60 s timeout.
      runSeconds: canaryTimeoutSeconds - Math.max(5, Math.ceil(d.probeTimeoutMs / 1000) + 3),
      namespace,
      metricRegions: regions,
    };
    this.canary = new synthetics.Canary(this, 'Canary', {
      canaryName: detectionNames.canaryName(app),
      runtime: props.canaryRuntime ?? synthetics.Runtime.SYNTHETICS_NODEJS_PUPPETEER_13_0,
      test: synthetics.Test.custom({
        code: synthetics.Code.fromInline(bundleCanary(props.canaryEntry ?? resolve(__dirname, '..', '..', 'functions', 'canary', 'handler.ts'))),
        handler: 'index.handler',
      }),
      // Synthetics' fastest schedule; each run covers its minute with rounds every probeIntervalSeconds.
      schedule: synthetics.Schedule.rate(Duration.minutes(1)),
      timeout: Duration.seconds(canaryTimeoutSeconds),
      environmentVariables: { CANARY_CONFIG: JSON.stringify(canaryConfig) },
      provisionedResourceCleanup: true,
      artifactsBucketLifecycleRules: [{ expiration: Duration.days(30) }],
    });
    this.canary.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PublishProbeDatapoints',
        // PutMetricData has no resource-level permissions; the namespace condition is the scope.
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': namespace } },
      }),
    );

    // One alarm per (vantage, target). Every control-plane region receives every vantage's datapoints.
    for (const vantage of regions) {
      for (const target of [...regions, detectionNames.globalTarget]) {
        const alarm = new cloudwatch.Alarm(this, `Canary-${vantage}-${target}`, {
          alarmName: signalAlarmName(prefix, 'canary', vantage, target),
          alarmDescription: `Canary in ${vantage} cannot get a timely 2xx from ${target === detectionNames.globalTarget ? config.globalDomain.name : target} (${d.datapointsToAlarm} of ${d.evaluationPeriods} rounds of ${d.probeIntervalSeconds} s).`,
          metric: new cloudwatch.Metric({
            namespace,
            metricName: PROBE_FAILED_METRIC,
            dimensionsMap: { Vantage: vantage, Target: target },
            statistic: cloudwatch.Stats.MAXIMUM,
            period: Duration.seconds(d.probeIntervalSeconds),
          }),
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: d.evaluationPeriods,
          datapointsToAlarm: d.datapointsToAlarm,
          // A canary inside a dark region goes silent: that silence is evidence against its own region,
          // and says nothing about any other target (it must never make the standby look unhealthy).
          treatMissingData: vantage === target ? cloudwatch.TreatMissingData.BREACHING : cloudwatch.TreatMissingData.MISSING,
        });
        notify(alarm);
        this.signalAlarms.set(`${vantage}--${target}`, alarm);
      }
    }

    // Route 53 health-check alarms can only live in us-east-1; elsewhere a mirror holds their forwarded state.
    if (region !== ROUTE53_METRICS_REGION) {
      for (const target of regions) {
        const alarm = new cloudwatch.Alarm(this, `Route53Mirror-${target}`, {
          alarmName: signalAlarmName(prefix, 'route53-health-check', GLOBAL, target),
          alarmDescription: `Mirror of the Route 53 health-check alarm on ${target} in ${ROUTE53_METRICS_REGION}, set by the alarm trigger from forwarded state changes.`,
          // Nobody publishes this metric and missing data keeps the state, so only SetAlarmState moves it.
          metric: new cloudwatch.Metric({
            namespace,
            metricName: 'ForwardedRoute53AlarmState',
            dimensionsMap: { Target: target },
            statistic: cloudwatch.Stats.MAXIMUM,
            period: Duration.minutes(1),
          }),
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.IGNORE,
        });
        notify(alarm);
        this.mirrorAlarms.set(target, alarm);
      }
    }

    // Quorum: any `quorum` of the independent signals about the peer. The canary inside the peer counts
    // through BREACHING above; the Route 53 alarm is referenced by name (in us-east-1 it is in another stack).
    const aboutPeer = [
      signalAlarmName(prefix, 'canary', peer, peer),
      signalAlarmName(prefix, 'canary', region, peer),
      signalAlarmName(prefix, 'route53-health-check', GLOBAL, peer),
    ];
    const rule = cloudwatch.AlarmRule.anyOf(
      ...combinations(aboutPeer, d.quorum).map((combo) =>
        cloudwatch.AlarmRule.allOf(...combo.map((name) => cloudwatch.AlarmRule.fromString(`ALARM("${name}")`))),
      ),
    );
    this.compositeAlarm = new cloudwatch.CompositeAlarm(this, 'PeerImpaired', {
      compositeAlarmName: compositeAlarmName(prefix, peer),
      alarmDescription: `${peer} impaired: ${d.quorum} of ${aboutPeer.length} independent signals agree. The ${region} alarm trigger starts a failover to ${region}.`,
      alarmRule: rule,
    });
    notify(this.compositeAlarm);
    // The composite names its children in a string, so CloudFormation cannot see the order by itself.
    for (const alarm of [...this.signalAlarms.values(), ...this.mirrorAlarms.values()]) this.compositeAlarm.node.addDependency(alarm);

    // Alarm state changes -> the trigger. Events older than maxEventAgeSeconds are dropped, by EventBridge
    // here and again by the trigger itself (Lambda's own async retries can hold an event too).
    this.deadLetterQueue = new sqs.Queue(this, 'TriggerDeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const maxEventAge = Duration.seconds(d.maxEventAgeSeconds);
    this.rule = new events.Rule(this, 'AlarmStateChanges', {
      description: `Every state change of the ${prefix}* alarms (local, and Route 53's forwarded from ${ROUTE53_METRICS_REGION}) to the alarm trigger`,
      eventPattern: { source: ['aws.cloudwatch'], detailType: ['CloudWatch Alarm State Change'], detail: { alarmName: events.Match.prefix(prefix) } },
      targets: [
        new targets.LambdaFunction(props.alarmTrigger, { maxEventAge, retryAttempts: props.triggerRetryAttempts ?? 4, deadLetterQueue: this.deadLetterQueue }),
      ],
    });
    new lambda.EventInvokeConfig(this, 'TriggerInvokeConfig', {
      function: props.alarmTrigger,
      // Lambda caps an async event's age at 6 h; the trigger drops anything older than maxEventAgeSeconds itself.
      maxEventAge: Duration.seconds(Math.min(d.maxEventAgeSeconds, LAMBDA_MAX_EVENT_AGE_SECONDS)),
      retryAttempts: 2,
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
    });
    const lost = new cloudwatch.Alarm(this, 'TriggerDeadLettersAlarm', {
      alarmName: controlPlaneAlarmName(prefix, 'detection-dead-letters'),
      alarmDescription: 'An alarm event never reached the alarm trigger, or the trigger failed on it: read the queue.',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    notify(lost);

    this.grantTrigger(props, prefix);
    this.acknowledgeNagFindings(props.alarmTrigger, prefix);
  }

  private grantTrigger(props: DetectionProps, prefix: string): void {
    const stack = Stack.of(this);
    const fn = props.alarmTrigger;
    fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'StartOwnFailoverOnly', actions: ['states:StartExecution'], resources: [props.stateMachineArn] }));
    props.incidentLockTable.grant(fn, 'dynamodb:PutItem', 'dynamodb:GetItem');
    props.alertTopic.grantPublish(fn);
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadDetectionAlarms',
        // As for the health-checker: composite alarms are only returned to DescribeAlarms on `*`.
        actions: ['cloudwatch:DescribeAlarms'],
        resources: ['*'],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'SetRoute53MirrorAlarms',
        actions: ['cloudwatch:SetAlarmState'],
        resources: [
          stack.formatArn({
            service: 'cloudwatch',
            resource: 'alarm',
            resourceName: `${prefix}route53-health-check--*`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadOwnSiteState',
        actions: ['ssm:GetParameter'],
        resources: [
          stack.formatArn({
            service: 'ssm',
            resource: 'parameter',
            resourceName: `${siteStateParameterPrefix(props.config.application).slice(1)}/${stack.region}`,
          }),
        ],
      }),
    );
  }

  private acknowledgeNagFindings(fn: lambda.IFunction, prefix: string): void {
    const stack = Stack.of(this);
    const bucket = this.canary.artifactsBucket.node.defaultChild as CfnElement;
    Validations.of(this).acknowledge(
      { id: 'AwsSolutions::AwsSolutions-SQS3', reason: 'This queue is the dead-letter queue of the alarm trigger.' },
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason: 'cloudwatch:PutMetricData (scoped by a namespace condition) has no resource-level permissions.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-S1',
        reason: 'Canary artifacts (logs, HAR) expire after 30 days; access logs would double the buckets for no audit value.',
      },
      {
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${stack.resolve(stack.getLogicalId(bucket))}.Arn>/*]`,
        reason: "The Synthetics-generated role writes each run's artifacts under run-specific keys of its own bucket.",
      },
      {
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:${stack.region}:<AWS::AccountId>:log-group:/aws/lambda/cwsyn-*]`,
        reason: "The Synthetics-generated role logs to the canary function's log group, whose name Synthetics chooses.",
      },
    );
    Validations.of(fn).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudwatch:${stack.region}:<AWS::AccountId>:alarm:${prefix}route53-health-check--*]`,
      reason: 'SetAlarmState on the Route 53 mirror alarms of this region only (name prefix).',
    });
  }
}

/** Every `k`-element subset of `items`, in order. */
export function combinations<T>(items: readonly T[], k: number): T[][] {
  if (k === 0) return [[]];
  if (items.length < k) return [];
  const [first, ...rest] = items;
  return [...combinations(rest, k - 1).map((c) => [first, ...c]), ...combinations(rest, k)];
}

const bundles = new Map<string, string>();

/** The canary script as one CommonJS file; SDK v3 comes from the Lambda Node.js runtime underneath Synthetics. */
export function bundleCanary(entry: string): string {
  let code = bundles.get(entry);
  if (code === undefined) {
    const out = buildSync({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      minify: true,
      write: false,
      external: ['@aws-sdk/*'],
      logLevel: 'silent',
    });
    code = out.outputFiles[0].text;
    bundles.set(entry, code);
  }
  return code;
}
