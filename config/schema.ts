// A namespace import, not `{ z }`: esbuild keeps every zod locale (~350 KB) in each Lambda bundle otherwise.
import * as z from 'zod';

/**
 * The one schema for `dr.config.json`. The CDK app, the Lambda handlers (through the bundled `dr-config.json`),
 * the drill and `drctl` all parse with it, so a bad field fails the same way everywhere.
 */

const awsRegion = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS region name such as us-east-1');

const httpsOrHttpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

const email = z.email({ error: 'must be an email address' });

export const regionSchema = z.strictObject({
  /** AWS region name, e.g. `us-east-1`. */
  name: awsRegion,
  /** The regional endpoint the canaries and health checks probe; 2xx means healthy. */
  healthUrl: httpsOrHttpUrl,
  /** The regional API endpoint (its host is the target of the global record for this region). */
  apiEndpoint: httpsOrHttpUrl,
});

export const route53WeightedSchema = z.strictObject({
  strategy: z.literal('route53-weighted'),
  /** Hosted zone of the global record. */
  hostedZoneId: z.string().regex(/^Z[A-Z0-9]{4,32}$/, 'must be a Route 53 hosted zone id (Z...)'),
  /** Record type of the weighted records. CNAME points at each region's API host. */
  recordType: z.enum(['CNAME']).default('CNAME'),
});

export const arcRoutingControlSchema = z.strictObject({
  strategy: z.literal('arc-routing-control'),
  /** The ARC cluster's regional data-plane endpoints (five in AWS), tried in order with rotation on failure. */
  clusterEndpoints: z.array(z.strictObject({ region: awsRegion, endpoint: httpsOrHttpUrl })).min(1, 'needs at least one cluster endpoint'),
  /** Routing control ARN per region name. */
  routingControlArns: z.record(awsRegion, z.string().startsWith('arn:aws:route53-recovery-control::')),
});

export const activeActiveSchema = z.strictObject({
  strategy: z.literal('active-active'),
  hostedZoneId: z.string().regex(/^Z[A-Z0-9]{4,32}$/, 'must be a Route 53 hosted zone id (Z...)'),
});

export const trafficSchema = z.discriminatedUnion('strategy', [route53WeightedSchema, arcRoutingControlSchema, activeActiveSchema]);

/** Approximate size of the store in one region, in GiB: only `drctl plan` reads it, to project how long the comparison takes. */
const sizeGiB = z.number().positive().max(1_000_000).optional();

export const dynamoDbStoreSchema = z.strictObject({
  kind: z.literal('dynamodb-global-table'),
  /** Short name used in reports and idempotency keys. */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes'),
  tableName: z.string().min(3).max(255),
  /** Approximate table size in one region, GiB (DescribeTable's TableSizeBytes): only `drctl plan` reads it, to project the comparison's duration. */
  sizeGiB,
});

export const auroraGlobalStoreSchema = z.strictObject({
  kind: z.literal('aurora-global'),
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes'),
  globalClusterIdentifier: z.string().min(1),
  /** Regional cluster ARN per region name. */
  clusterArns: z.record(awsRegion, z.string().startsWith('arn:aws:rds:')),
});

export const s3ReplicatedStoreSchema = z.strictObject({
  kind: z.literal('s3-replicated'),
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes'),
  /** Bucket name per region name. */
  buckets: z.record(awsRegion, z.string().min(3).max(63)),
  /** Approximate bucket size in one region, GiB: only `drctl plan` reads it (the comparison lists keys and sizes, not contents). */
  sizeGiB,
});

export const dataStoreSchema = z.discriminatedUnion('kind', [dynamoDbStoreSchema, auroraGlobalStoreSchema, s3ReplicatedStoreSchema]);

const scalingName = (what: string) => z.string().min(1, `must name the ${what}`).max(255);

export const ecsServiceScalingSchema = z.strictObject({
  kind: z.literal('ecs-service'),
  /** Cluster name or ARN in the standby region. */
  cluster: scalingName('ECS cluster'),
  service: scalingName('ECS service'),
  /** Production task count; the failover raises the service to at least this. */
  desiredCount: z.number().int().min(1).max(5_000),
});

export const asgScalingSchema = z.strictObject({
  kind: z.literal('asg'),
  /** Auto Scaling group name in the standby region. */
  name: scalingName('Auto Scaling group'),
  /** Floor at production size, so scale-in policies cannot undo the failover. */
  minSize: z.number().int().min(0).max(10_000),
  desiredCapacity: z.number().int().min(1).max(10_000),
});

export const lambdaProvisionedConcurrencySchema = z.strictObject({
  kind: z.literal('lambda-provisioned-concurrency'),
  functionName: scalingName('Lambda function'),
  /** Alias or version number: provisioned concurrency cannot be set on $LATEST. */
  qualifier: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be an alias or a version number (not $LATEST)'),
  concurrency: z.number().int().min(1).max(100_000),
});

export const scalingTargetSchema = z.discriminatedUnion('kind', [ecsServiceScalingSchema, asgScalingSchema, lambdaProvisionedConcurrencySchema]);

export const standbySchema = z.strictObject({
  /**
   * `hot`: the standby already runs at production size. `warm` / `pilot-light`: the failover scales it
   * up first (in parallel with the approval, since scaling up is reversible).
   */
  mode: z.enum(['hot', 'warm', 'pilot-light']).default('hot'),
  /** What to scale in the standby region, and to what. */
  scaling: z.array(scalingTargetSchema).max(50).default([]),
});

export const approvalSchema = z.strictObject({
  /**
   * `required`: a human always decides. `auto-when-safe`: no human only when the verdict is
   * FAILOVER_WARRANTED and the estimated RPO is within target; otherwise a human is asked.
   */
  mode: z.enum(['required', 'auto-when-safe']).default('required'),
  approvers: z.array(email).min(1, 'needs at least one approver email'),
  /** Who hears about an approval nobody answered. */
  escalation: z.array(email).min(1, 'needs at least one escalation email'),
  /** How long the approval link and the waiting task live. Step Functions caps a task timeout far higher; 1 day is our cap. */
  timeoutSeconds: z.number().int().min(60).max(86_400).default(900),
  /** What happens when nobody answers in time. Abort is the fail-safe default. */
  onTimeout: z.enum(['abort', 'proceed']).default('abort'),
});

export const detectionSchema = z.strictObject({
  /** Seconds between probes inside one canary run (high-resolution metric period). */
  probeIntervalSeconds: z.union([z.literal(10), z.literal(30), z.literal(60)]).default(10),
  /** M of N: datapoints that must breach within the evaluation periods to alarm. */
  datapointsToAlarm: z.number().int().min(1).max(10).default(3),
  evaluationPeriods: z.number().int().min(1).max(10).default(3),
  /** Independent signals that must agree before a failover starts. */
  quorum: z.number().int().min(2, 'must be at least 2: one signal alone never fails over').max(5).default(2),
  /** Probe timeout; a slower answer counts as a failure. */
  probeTimeoutMs: z.number().int().min(100).max(30_000).default(2_000),
  /** Alarm events older than this are ignored (EventBridge retries for up to 24 h). */
  maxEventAgeSeconds: z.number().int().min(60).max(86_400).default(300),
  /** After a failover, further alarms for the same application are ignored for this long. */
  cooldownSeconds: z.number().int().min(0).max(86_400).default(1_800),
});

export const objectivesSchema = z.strictObject({
  rtoSeconds: z.number().int().positive(),
  rpoSeconds: z.number().nonnegative(),
});

/**
 * How the data at risk is measured before an approval and how the regions' data is compared after traffic moved
 * (docs/adr/0019-data-at-risk-measured.md).
 */
export const dataRiskSchema = z.strictObject({
  /**
   * Seconds between replication heartbeats: each region's heartbeat writer puts a small item into every replicated
   * DynamoDB table and S3 bucket of its own region this often, and the other region's newest copy gives the lag.
   * The measured lag is never finer than this, so keep it well under objectives.rpoSeconds.
   */
  heartbeatIntervalSeconds: z.number().int().min(1).max(60).default(2),
  /**
   * Read capacity units per second the comparison may consume on each table in each region (eventually consistent:
   * one unit reads 8 KB). It runs on the new primary while it serves the clients, so the default is small.
   */
  comparisonReadUnitsPerSecond: z.number().int().min(10).max(1_000_000).default(500),
  /** Segments the comparison reads in parallel at most (the Map's MaxConcurrency, over all stores). */
  comparisonMaxConcurrency: z.number().int().min(1).max(40).default(8),
  /** DynamoDB parallel-scan segments per table at most (TotalSegments); small tables get one. */
  comparisonMaxSegmentsPerTable: z.number().int().min(1).max(64).default(16),
});

/** The local drill runs on a virtual clock: every figure here is AWS time (see docs/adr/0014-virtual-time.md). */
export const drillSchema = z.strictObject({
  /** Replication lag between the local stores in AWS milliseconds. */
  replicationLagMs: z.number().int().min(0).max(3_600_000).default(500),
  /** AWS milliseconds between the load generator's writes through the global name (its resolution for downtime). */
  writeIntervalMs: z.number().int().min(50).max(60_000).default(500),
  /** AWS milliseconds every simulated data-store control-plane call takes (promote, compare, lag). */
  storeCallLatencyMs: z.number().int().min(0).max(60_000).default(0),
  /** AWS seconds until a Route 53 change is INSYNC in the local stand-in (AWS: "within 60 s", usually less). */
  dnsSyncSeconds: z.number().min(0).max(120).default(5),
});

export const deploymentSchema = z.strictObject({
  /**
   * Create API Gateway's account-level CloudWatch Logs role (`AWS::ApiGateway::Account`) in each control-plane
   * region. That setting is one per account and region: creating it replaces the role anyone else set, and
   * deleting the stack can leave API Gateway without one. Leave it off in a shared account, where it is already
   * set; turn it on only in an account where nothing sets it. The approval API's access logs need the role
   * either way: with it off, the deploy fails in a region where the account has none (docs/deploy.md).
   */
  apiGatewayAccountRole: z.boolean().default(false),
});

export const arcPrerequisitesSchema = z.strictObject({
  /**
   * Create a new ARC cluster (with its control panel, one routing control per region, an "at least one region
   * on" safety rule and a RECOVERY_CONTROL health check per routing control) in the traffic-prerequisites stack.
   * An account holds at most two clusters and each costs by the hour: to share one, give `clusterArn` instead.
   * @default false
   */
  create: z.boolean().default(false),
  /** An existing (shared) cluster: only the control panel, routing controls, safety rule and health checks are created in it. */
  clusterArn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:route53-recovery-control::\d{12}:cluster\/[A-Za-z0-9-]+$/,
      'must be an ARC cluster ARN (arn:aws:route53-recovery-control::<account>:cluster/<id>)',
    )
    .optional(),
  /** Applications sharing the cluster: `drctl plan` prices this application's share (1/N of the cluster-hours). */
  sharedByApplications: z.number().int().min(1, 'must be at least 1 (this application)').max(1_000).default(1),
});

export const route53RecordsPrerequisitesSchema = z.strictObject({
  /**
   * Create the two weighted CNAME records of `globalDomain.name` in `traffic.hostedZoneId`: SetIdentifier = the
   * region name (traffic-router finds them by it), value = the host of each region's `apiEndpoint`, weights
   * 100 (primary) / 0 (standby). @default false
   */
  create: z.boolean().default(false),
});

/** Resources traffic routing needs that the control plane does not own; all off by default (docs/deploy.md). */
export const prerequisitesSchema = z.strictObject({
  /** For `traffic.strategy` "arc-routing-control". */
  arc: arcPrerequisitesSchema.optional(),
  /** For `traffic.strategy` "route53-weighted". */
  route53Records: route53RecordsPrerequisitesSchema.optional(),
});

export const configSchema = z
  .strictObject({
    /** Name of the protected application; prefixes resource names. */
    application: z.string().regex(/^[a-z][a-z0-9-]{1,30}$/, 'must be 2-31 lowercase letters, digits or dashes, starting with a letter'),
    regions: z.strictObject({ primary: regionSchema, standby: regionSchema }),
    /** The global name clients use; Route 53 (or ARC) moves it between regions. */
    globalDomain: z.strictObject({
      name: z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, 'must be a DNS name'),
      ttlSeconds: z.number().int().min(1).max(300).default(15),
    }),
    traffic: trafficSchema,
    dataStores: z.array(dataStoreSchema).min(1, 'needs at least one data store').max(100),
    approval: approvalSchema,
    detection: detectionSchema.default(detectionSchema.parse({})),
    objectives: objectivesSchema,
    /** Heartbeat and comparison settings; every field has a safe default. */
    dataRisk: dataRiskSchema.default(dataRiskSchema.parse({})),
    drill: drillSchema.default(drillSchema.parse({})),
    /** How the standby region is kept between incidents. @default hot, nothing to scale */
    standby: standbySchema.default(standbySchema.parse({})),
    /** What the stacks may create beyond their own resources, for accounts shared with other teams. */
    deployment: deploymentSchema.default(deploymentSchema.parse({})),
    /** Traffic-routing resources the app may create for you (ARC cluster and routing controls, weighted records). @default none */
    prerequisites: prerequisitesSchema.default(prerequisitesSchema.parse({})),
  })
  .superRefine((cfg, ctx) => {
    if (cfg.regions.primary.name === cfg.regions.standby.name) {
      ctx.addIssue({ code: 'custom', path: ['regions', 'standby', 'name'], message: 'must differ from regions.primary.name' });
    }
    if (cfg.detection.datapointsToAlarm > cfg.detection.evaluationPeriods) {
      ctx.addIssue({ code: 'custom', path: ['detection', 'datapointsToAlarm'], message: 'must not exceed detection.evaluationPeriods' });
    }
    const names = new Set<string>();
    cfg.dataStores.forEach((s, i) => {
      if (names.has(s.name)) ctx.addIssue({ code: 'custom', path: ['dataStores', i, 'name'], message: `duplicate data store name "${s.name}"` });
      names.add(s.name);
    });
    const regions = [cfg.regions.primary.name, cfg.regions.standby.name];
    const needBoth = (rec: Record<string, unknown>, path: (string | number)[]) => {
      for (const r of regions) {
        if (!(r in rec)) ctx.addIssue({ code: 'custom', path, message: `needs an entry for region ${r}` });
      }
    };
    cfg.dataStores.forEach((s, i) => {
      if (s.kind === 'aurora-global') needBoth(s.clusterArns, ['dataStores', i, 'clusterArns']);
      if (s.kind === 's3-replicated') needBoth(s.buckets, ['dataStores', i, 'buckets']);
    });
    if (cfg.standby.mode === 'hot' && cfg.standby.scaling.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['standby', 'scaling'],
        message: 'must be empty when standby.mode is "hot" (a hot standby already runs at production size)',
      });
    }
    if (cfg.standby.mode !== 'hot' && cfg.standby.scaling.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['standby', 'scaling'], message: `needs at least one target when standby.mode is "${cfg.standby.mode}"` });
    }
    cfg.standby.scaling.forEach((t, i) => {
      if (t.kind === 'asg' && t.minSize > t.desiredCapacity) {
        ctx.addIssue({ code: 'custom', path: ['standby', 'scaling', i, 'minSize'], message: 'must not exceed desiredCapacity' });
      }
    });
    if (cfg.traffic.strategy === 'arc-routing-control') needBoth(cfg.traffic.routingControlArns, ['traffic', 'routingControlArns']);
    const arc = cfg.prerequisites.arc;
    if (arc?.create && arc.clusterArn) {
      ctx.addIssue({
        code: 'custom',
        path: ['prerequisites', 'arc', 'clusterArn'],
        message: 'give either create: true (a new cluster) or clusterArn (an existing one), not both',
      });
    }
    if (arc?.create && cfg.traffic.strategy !== 'arc-routing-control') {
      ctx.addIssue({
        code: 'custom',
        path: ['prerequisites', 'arc', 'create'],
        message: `needs traffic.strategy "arc-routing-control" (it is "${cfg.traffic.strategy}")`,
      });
    } else if (arc?.clusterArn && cfg.traffic.strategy !== 'arc-routing-control') {
      ctx.addIssue({
        code: 'custom',
        path: ['prerequisites', 'arc', 'clusterArn'],
        message: `needs traffic.strategy "arc-routing-control" (it is "${cfg.traffic.strategy}")`,
      });
    }
    if (cfg.prerequisites.route53Records?.create && cfg.traffic.strategy !== 'route53-weighted') {
      ctx.addIssue({
        code: 'custom',
        path: ['prerequisites', 'route53Records', 'create'],
        message: `needs traffic.strategy "route53-weighted" (it is "${cfg.traffic.strategy}")`,
      });
    }
  });

export type DrConfig = z.infer<typeof configSchema>;
export type DrConfigInput = z.input<typeof configSchema>;
export type RegionConfig = z.infer<typeof regionSchema>;
export type DataStoreConfig = z.infer<typeof dataStoreSchema>;
export type TrafficConfig = z.infer<typeof trafficSchema>;
export type PrerequisitesConfig = z.infer<typeof prerequisitesSchema>;
export type ScalingTargetConfig = z.infer<typeof scalingTargetSchema>;
