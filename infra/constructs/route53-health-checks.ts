import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { DrConfig } from '../../config/schema';
import { alarmNamePrefix as defaultAlarmNamePrefix, GLOBAL, signalAlarmName, signalAlarmNamePrefix } from '../../config/resource-names';
import { ROUTE53_METRICS_REGION } from './detection';

export interface Route53HealthChecksProps {
  readonly config: DrConfig;
  /** @default alarmNamePrefix(config.application) from config/resource-names.ts */
  readonly alarmNamePrefix?: string;
}

/**
 * The third, slower detection signal: a Route 53 health check per regional endpoint, checked from
 * Route 53's own checker fleet (vantage `global`). Their metrics exist only in us-east-1, so their alarms
 * live here, and a rule forwards each alarm state change to the default event bus of every other
 * control-plane region, where the alarm trigger mirrors it onto a local alarm of the same name.
 */
export class Route53HealthChecks extends Construct {
  readonly healthChecks = new Map<string, route53.HealthCheck>();
  readonly alarms = new Map<string, cloudwatch.Alarm>();
  readonly forwardRule?: events.Rule;

  constructor(scope: Construct, id: string, props: Route53HealthChecksProps) {
    super(scope, id);
    const stack = Stack.of(this);
    if (stack.region !== ROUTE53_METRICS_REGION) {
      throw new Error(`${this.node.path}: Route 53 health-check metrics exist only in ${ROUTE53_METRICS_REGION}; this stack is in ${stack.region}`);
    }
    const { config } = props;
    const prefix = props.alarmNamePrefix ?? defaultAlarmNamePrefix(config.application);
    const d = config.detection;

    for (const r of [config.regions.primary, config.regions.standby]) {
      const url = new URL(r.healthUrl);
      const https = url.protocol === 'https:';
      const check = new route53.HealthCheck(this, `HealthCheck-${r.name}`, {
        type: https ? route53.HealthCheckType.HTTPS : route53.HealthCheckType.HTTP,
        fqdn: url.hostname,
        port: url.port ? Number(url.port) : https ? 443 : 80,
        resourcePath: `${url.pathname}${url.search}`,
        // 10 s costs extra, but 30 s checks plus a 1-minute metric would make this signal minutes late.
        requestInterval: Duration.seconds(d.probeIntervalSeconds === 10 ? 10 : 30),
        failureThreshold: 3,
      });
      this.healthChecks.set(r.name, check);
      const alarm = new cloudwatch.Alarm(this, `Alarm-${r.name}`, {
        alarmName: signalAlarmName(prefix, 'route53-health-check', GLOBAL, r.name),
        alarmDescription: `Route 53 health checkers find ${r.healthUrl} unhealthy.`,
        metric: new cloudwatch.Metric({
          namespace: 'AWS/Route53',
          metricName: 'HealthCheckStatus',
          dimensionsMap: { HealthCheckId: check.healthCheckId },
          statistic: cloudwatch.Stats.MINIMUM,
          // The metric has one-minute granularity.
          period: Duration.minutes(1),
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 1,
        // No data means Route 53's checkers are not reporting, which says nothing about the endpoint.
        treatMissingData: cloudwatch.TreatMissingData.MISSING,
      });
      this.alarms.set(r.name, alarm);
    }

    const receivers = [config.regions.primary.name, config.regions.standby.name].filter((r) => r !== ROUTE53_METRICS_REGION);
    if (receivers.length > 0) {
      const deadLetters = new sqs.Queue(this, 'ForwardDeadLetters', {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      Validations.of(deadLetters).acknowledge({ id: 'AwsSolutions::AwsSolutions-SQS3', reason: 'This queue is the dead-letter queue of the forwarding rule.' });
      this.forwardRule = new events.Rule(this, 'ForwardAlarmStateChanges', {
        description: `Route 53 health-check alarm state changes to the control-plane regions ${receivers.join(', ')}`,
        eventPattern: {
          source: ['aws.cloudwatch'],
          detailType: ['CloudWatch Alarm State Change'],
          detail: { alarmName: events.Match.prefix(signalAlarmNamePrefix(prefix, 'route53-health-check')) },
        },
        targets: receivers.map(
          (region) =>
            new targets.EventBus(
              events.EventBus.fromEventBusArn(
                this,
                `DefaultBus-${region}`,
                stack.formatArn({ service: 'events', region, resource: 'event-bus', resourceName: 'default' }),
              ),
              {
                deadLetterQueue: deadLetters,
              },
            ),
        ),
      });
    }
  }
}
