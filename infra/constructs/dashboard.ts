import { ArnFormat, Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { DrConfig, DataStoreConfig } from '../../config/schema';
import { alarmNamePrefix, dashboardName } from '../../config/resource-names';
import { detectionNames, PROBE_FAILED_METRIC, ROUTE53_METRICS_REGION } from './detection';

export interface ControlPlaneDashboardProps {
  /** The validated config: regions, stores, detection interval. */
  readonly config: DrConfig;
  /** The Lambda behind each step, by the label the graph shows (config/steps.ts `dashboardLabel`); its Duration is the step's duration. */
  readonly taskFunctions: Readonly<Record<string, lambda.IFunction>>;
  /** The workflows' state machine names; both regions deploy the same names, so both are graphed. */
  readonly stateMachineNames: readonly string[];
  /**
   * Alarms shown by state at the top (the detection signals and the quorum).
   *
   * @default none: the signals are still graphed from their metrics
   */
  readonly alarms?: readonly cloudwatch.IAlarm[];
  /**
   * @default `<application>-dr-<region>`
   */
  readonly dashboardName?: string;
}

/** The AWS console's origin for a region; GovCloud has its own domain. */
export function consoleOrigin(region: string): string {
  return region.startsWith('us-gov-') ? 'https://console.amazonaws-us-gov.com' : `https://${region}.console.aws.amazon.com`;
}

const WIDTH = 24;
/** A graph may hold many metrics, but past ten lines nobody reads it. */
const STORES_PER_GRAPH = 10;

/**
 * One dashboard per deployed region showing the whole pair: detection signals per region, executions
 * of both regions' state machines, step durations, and replication lag per configured store. Other
 * regions' metrics are read cross-region, so either region's dashboard tells the story during an
 * incident (the one in the dark region may not load at all).
 */
export class ControlPlaneDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  /** The dashboard's name as a plain string (known at synth time, unlike `dashboard.dashboardName`). */
  readonly dashboardName: string;
  /** Where an operator opens it: the CloudWatch console in this stack's region. */
  readonly consoleUrl: string;

  constructor(scope: Construct, id: string, props: ControlPlaneDashboardProps) {
    super(scope, id);
    const stack = Stack.of(this);
    if (Token.isUnresolved(stack.region)) throw new Error(`${this.node.path}: the dashboard needs a stack with an explicit region`);
    const { config } = props;
    const app = config.application;
    const regions = [config.regions.primary.name, config.regions.standby.name];
    const period = Duration.seconds(config.detection.probeIntervalSeconds);

    this.dashboardName = props.dashboardName ?? dashboardName(app, stack.region);
    this.consoleUrl = `${consoleOrigin(stack.region)}/cloudwatch/home?region=${stack.region}#dashboards/dashboard/${encodeURIComponent(this.dashboardName)}`;
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: this.dashboardName,
      defaultInterval: Duration.hours(3),
    });

    const prefix = alarmNamePrefix(app);
    const links = regions
      .map(
        (r) =>
          `[alarms in ${r}](https://${r}.console.aws.amazon.com/cloudwatch/home?region=${r}#alarmsV2:?search=${encodeURIComponent(prefix)}) · [state machines in ${r}](https://${r}.console.aws.amazon.com/states/home?region=${r}#/statemachines)`,
      )
      .join('  \n');
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        width: WIDTH,
        height: 3,
        markdown: `# ${app} disaster recovery\nDetection alarms are named \`${prefix}<source>--<vantage>--<target>\` and the quorum \`${prefix}impaired--<region>\`.  \n${links}`,
      }),
    );

    if (props.alarms && props.alarms.length > 0) {
      this.dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Detection alarms', width: WIDTH, height: 4, alarms: [...props.alarms] }));
    }

    // Detection: what each vantage sees of every target (1 = a failed probe round).
    const namespace = detectionNames.metricNamespace(app);
    const targets = [...regions, detectionNames.globalTarget];
    const signalGraphs: cloudwatch.IWidget[] = regions.map(
      (vantage) =>
        new cloudwatch.GraphWidget({
          title: `Probe failures seen from ${vantage}`,
          width: 8,
          height: 6,
          left: targets.map(
            (target) =>
              new cloudwatch.Metric({
                namespace,
                metricName: PROBE_FAILED_METRIC,
                dimensionsMap: { Vantage: vantage, Target: target },
                statistic: cloudwatch.Stats.MAXIMUM,
                period,
                label: `-> ${target}`,
              }),
          ),
          leftYAxis: { min: 0, max: 1 },
        }),
    );
    signalGraphs.push(
      new cloudwatch.GraphWidget({
        title: 'Route 53 health checks (1 = healthy)',
        width: 8,
        height: 6,
        // The check ids live in the health-check stack; a search finds them without a cross-stack reference.
        left: [
          new cloudwatch.MathExpression({
            expression: `SEARCH('{AWS/Route53,HealthCheckId} MetricName="HealthCheckStatus"', 'Minimum', 60)`,
            searchRegion: ROUTE53_METRICS_REGION,
            label: '',
            period: Duration.minutes(1),
          }),
        ],
        leftYAxis: { min: 0, max: 1 },
      }),
    );
    this.dashboard.addWidgets(...signalGraphs);

    // Executions of every workflow in both regions: the region being activated runs the failover.
    const executions = regions.map(
      (region) =>
        new cloudwatch.GraphWidget({
          title: `Executions in ${region}`,
          width: 12,
          height: 6,
          left: props.stateMachineNames.flatMap((name) =>
            ['ExecutionsStarted', 'ExecutionsSucceeded', 'ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted'].map(
              (metricName) =>
                new cloudwatch.Metric({
                  namespace: 'AWS/States',
                  metricName,
                  dimensionsMap: { StateMachineArn: stateMachineArn(stack, region, name) },
                  statistic: cloudwatch.Stats.SUM,
                  period: Duration.minutes(5),
                  region,
                  label: `${name.replace(`${app}-dr-`, '')} ${metricName.replace('Executions', '').toLowerCase()}`,
                }),
            ),
          ),
        }),
    );
    this.dashboard.addWidgets(...executions);

    // Step durations: each task's Lambda in this region (the copy that runs when this region is activated).
    const fns = Object.entries(props.taskFunctions);
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: `Step durations in ${stack.region} (p90 and max)`,
        width: 12,
        height: 6,
        left: fns.flatMap(([label, fn]) => [
          fn.metricDuration({ statistic: 'p90', period: Duration.minutes(5), label: `${label} p90` }),
          fn.metricDuration({ statistic: cloudwatch.Stats.MAXIMUM, period: Duration.minutes(5), label: `${label} max` }),
        ]),
      }),
      new cloudwatch.GraphWidget({
        title: `Step errors and throttles in ${stack.region}`,
        width: 12,
        height: 6,
        left: fns.flatMap(([label, fn]) => [
          fn.metricErrors({ period: Duration.minutes(5), label: `${label} errors` }),
          fn.metricThrottles({ period: Duration.minutes(5), label: `${label} throttles` }),
        ]),
      }),
    );

    // Replication lag, per store and direction, read where each service publishes it.
    const lag = config.dataStores.flatMap((store) => replicationLagMetrics(store, regions));
    for (let i = 0; i < lag.length; i += STORES_PER_GRAPH * 2) {
      const chunk = lag.slice(i, i + STORES_PER_GRAPH * 2);
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: `Replication lag (ms)${lag.length > STORES_PER_GRAPH * 2 ? ` ${i / (STORES_PER_GRAPH * 2) + 1}` : ''}`,
          width: WIDTH,
          height: 6,
          left: chunk,
          leftAnnotations: [{ value: config.objectives.rpoSeconds * 1000, label: 'RPO target', color: '#d62728' }],
        }),
      );
    }
  }
}

function stateMachineArn(stack: Stack, region: string, name: string): string {
  return stack.formatArn({ service: 'states', region, resource: 'stateMachine', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

/**
 * The lag metrics of one store, in milliseconds:
 *  - DynamoDB `ReplicationLatency` lives in the writing region, keyed by the receiving one;
 *  - Aurora `AuroraGlobalDBReplicationLag` is published by each secondary cluster in its own region;
 *  - S3 `ReplicationLatency` (seconds) lives in the source bucket's region, keyed by a rule id only the
 *    bucket knows, hence a search.
 */
export function replicationLagMetrics(store: DataStoreConfig, regions: readonly string[]): cloudwatch.IMetric[] {
  const [a, b] = regions;
  const pairs = [
    [a, b],
    [b, a],
  ] as const;
  switch (store.kind) {
    case 'dynamodb-global-table':
      return pairs.map(
        ([from, to]) =>
          new cloudwatch.Metric({
            namespace: 'AWS/DynamoDB',
            metricName: 'ReplicationLatency',
            dimensionsMap: { TableName: store.tableName, ReceivingRegion: to },
            statistic: cloudwatch.Stats.AVERAGE,
            period: Duration.minutes(1),
            region: from,
            label: `${store.name} ${from} -> ${to}`,
          }),
      );
    case 'aurora-global':
      return regions.map(
        (region) =>
          new cloudwatch.Metric({
            namespace: 'AWS/RDS',
            metricName: 'AuroraGlobalDBReplicationLag',
            dimensionsMap: { DBClusterIdentifier: store.clusterArns[region].split(':').at(-1)! },
            statistic: cloudwatch.Stats.AVERAGE,
            period: Duration.minutes(1),
            region,
            label: `${store.name} into ${region}`,
          }),
      );
    case 's3-replicated':
      return pairs.map(
        ([from, to]) =>
          new cloudwatch.MathExpression({
            expression: `SEARCH('{AWS/S3,DestinationBucket,RuleId,SourceBucket} MetricName="ReplicationLatency" SourceBucket="${store.buckets[from]}" DestinationBucket="${store.buckets[to]}"', 'Maximum', 60) * 1000`,
            searchRegion: from,
            label: `${store.name} ${from} -> ${to}`,
            period: Duration.minutes(1),
          }),
      );
  }
}
