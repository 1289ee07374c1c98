/**
 * Every figure `drctl plan` uses, each with the value and where it comes from; docs/sources.md lists them
 * all with the public page or document behind each. Prices are us-east-1 list prices; "secondary" marks a
 * price read from a third-party copy of AWS's price list, to be re-checked against AWS's pricing page (named
 * in docs/sources.md) before quoting a customer. Figures AWS does not publish are marked "assumption" and
 * say what would replace them.
 */
export interface Figure {
  readonly value: number;
  readonly unit: string;
  readonly source: string;
}

const fig = (value: number, unit: string, source: string): Figure => ({ value, unit, source });

/** AWS bills monthly items by the hour; 730 hours is its convention for a month. */
export const HOURS_PER_MONTH = fig(730, 'hours/month', 'AWS pricing convention (730 hours per month)');

// --- prices (USD) --------------------------------------------------------------------------------

export const PRICES = {
  canaryRun: fig(0.0012, 'USD per canary run', 'secondary (mattsbit.co.uk 2023-11); free tier on aws.amazon.com/cloudwatch/pricing'),
  healthCheckAws: fig(0.5, 'USD per health check-month (AWS endpoint)', 'secondary (Infracost price fixtures)'),
  healthCheckNonAws: fig(0.75, 'USD per health check-month (non-AWS endpoint)', 'secondary (Infracost price fixtures)'),
  healthCheckFeatureAws: fig(
    1.0,
    'USD per optional feature-month (HTTPS, string match, 10 s interval, latency), AWS endpoint',
    'secondary (Infracost price fixtures)',
  ),
  alarmStandard: fig(0.1, 'USD per standard-resolution alarm metric-month', 'secondary (Infracost)'),
  alarmHighResolution: fig(0.3, 'USD per high-resolution alarm metric-month', 'secondary (Infracost)'),
  alarmComposite: fig(0.5, 'USD per composite alarm-month', 'secondary (Infracost)'),
  customMetric: fig(0.3, 'USD per custom metric-month (first 10k)', 'secondary'),
  getMetricDataPer1k: fig(0.01, 'USD per 1,000 metrics requested by GetMetricData', 'secondary'),
  dashboard: fig(3.0, 'USD per dashboard-month (3 free per account)', 'secondary'),
  stepFunctionsPer1kTransitions: fig(0.025, 'USD per 1,000 Standard state transitions', 'aws.amazon.com/step-functions/pricing'),
  lambdaPer1MRequests: fig(0.2, 'USD per 1M Lambda requests', 'secondary'),
  lambdaPerGbSecondArm: fig(0.0000133334, 'USD per GB-second (arm64)', 'secondary'),
  snsPublishPer1M: fig(0.5, 'USD per 1M SNS publishes', 'secondary'),
  snsEmailPer100k: fig(2.0, 'USD per 100k SNS email deliveries', 'secondary'),
  kmsKey: fig(1.0, 'USD per customer managed key-month (+1 USD per automatic rotation, up to 2)', 'aws.amazon.com/kms/pricing'),
  kmsPer10kRequests: fig(0.03, 'USD per 10k KMS requests', 'secondary'),
  arcClusterHour: fig(
    2.5,
    'USD per ARC cluster-hour',
    'secondary quoting aws.amazon.com/application-recovery-controller/pricing; hourly billing in the ARC developer guide',
  ),
  apiGatewayRestPer1M: fig(3.5, 'USD per 1M REST API requests', 'secondary'),
  secret: fig(0.4, 'USD per secret-month', 'secondary'),
  secretsPer10kCalls: fig(0.05, 'USD per 10k Secrets Manager calls', 'secondary'),
  dynamoDbPer1MWrites: fig(0.625, 'USD per 1M on-demand write request units', 'secondary (after 2024-11-01)'),
  dynamoDbPer1MReads: fig(0.125, 'USD per 1M on-demand read request units', 'secondary (after 2024-11-01)'),
  eventBridgePer1M: fig(1.0, 'USD per 1M custom or bus-to-bus events', 'secondary'),
  s3PutPer1k: fig(0.005, 'USD per 1,000 S3 Standard PUT requests', 'assumption (not in docs/sources.md): the S3 Standard PUT list price in us-east-1'),
} as const;

// --- timings (seconds) ---------------------------------------------------------------------------

export const TIMINGS = {
  /**
   * The published init figure of the newest runtime benchmarked, Node 22. The functions run Node 24 with 512 MB, for
   * which no benchmark is published: from Node 20 (0.322 s) to Node 22 init lengthened, so the newest published
   * figure is the planning one; more memory would shorten it. docs/sources.md.
   */
  lambdaColdStart: fig(0.375, 's Lambda init (Node 22, 128 MB, SDK v3 client)', 'aws-sdk-js-v3 issue 6914, PR 6027 (SDK team benchmarks)'),
  route53InSync: fig(60, 's until a record change is INSYNC', 'Route 53 FAQ: INSYNC "within 60 seconds under normal conditions" (an upper bound)'),
  route53HealthCheckIntervalStandard: fig(
    30,
    's between Route 53 health checks (standard interval)',
    'Route 53 developer guide, "How Route 53 determines whether a health check is healthy"',
  ),
  route53HealthCheckFailureThreshold: fig(
    3,
    'consecutive failures (default)',
    'Route 53 developer guide, "How Route 53 determines whether a health check is healthy"',
  ),
  route53HealthCheckMetricPeriod: fig(
    60,
    's granularity of HealthCheckStatus (us-east-1 only)',
    'Route 53 developer guide, "Monitoring health checks using CloudWatch"',
  ),
  auroraPromotion: fig(60, 's to promote an Aurora global secondary', 'Aurora user guide, global database DR: promotion "under a minute" (an upper bound)'),
  dynamoDbReplication: fig(1, 's replication lag of a global table', 'DynamoDB developer guide, global tables: "within a second"'),
  auroraReplication: fig(1, 's replication lag of an Aurora global database', 'Aurora user guide, global database DR: "typically < 1 s"'),
  s3Replication: fig(
    900,
    's for 99.99% of objects with S3 Replication Time Control',
    'assumption: replication with S3 Replication Time Control, whose documented objective is 15 minutes for 99.99% of objects; without RTC there is no bound',
  ),
  alarmEvaluation: fig(
    1,
    'metric period',
    'assumption (no published figure): an alarm sees its last breaching datapoint at its next evaluation, one period later',
  ),
  eventDelivery: fig(
    0.5,
    's alarm state change -> EventBridge -> alarm-trigger',
    'assumption (no published figure): replace with the measured delay from the first AWS drill',
  ),
  taskWork: fig(0.2, 's of SDK calls per Lambda task when warm', 'assumption (no published figure): replace with the Lambda durations on the dashboard'),
  integrationCall: fig(0.1, 's per direct service integration (sns:publish)', 'assumption (no published figure)'),
  transition: fig(0.05, 's per Standard state transition', 'assumption (no published figure): replace with drctl history of an AWS drill'),
  arcPropagation: fig(
    5,
    's from a routing-control update to changed DNS answers',
    'assumption (no published figure): routing-control health checks change answers without a record change, so no INSYNC wait',
  ),
} as const;

/** One canary run a minute: Synthetics schedules no faster than rate(1 minute) (API_CanaryScheduleInput; docs/sources.md). */
export const CANARY_RUNS_PER_MONTH = 60 * HOURS_PER_MONTH.value;
