import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { ArnFormat, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { BUNDLED_CONFIG_FILE } from '../../config/bundled-config';
import { LAMBDA_ENV } from '../../config/lambda-environment';
import { LAMBDA_TIMEOUT_SECONDS } from '../../config/lambda-timeouts';
import type { DrConfig } from '../../config/schema';
import { heartbeatKey, numericHeartbeatKey, S3_HEARTBEAT_PREFIX } from '../../functions/shared/heartbeat';
import { alarmNamePrefix, failbackStateMachineName, failoverStateMachineName, siteStateParameterPrefix } from '../naming';

const NODE20_REASON =
  'nodejs20.x was asked for explicitly (`runtime`). Lambda deprecated it on 2026-04-30 and blocks creating ' +
  'functions with it from 2027-02-01: pass nodejs22.x or later (the default is nodejs24.x) before then.';

/** Lambda's limit on the total size of a function's environment variables (names plus values). */
export const LAMBDA_ENV_LIMIT_BYTES = 4096;

export interface TaskFunctionsProps {
  /**
   * The validated config. It is bundled with every function as `dr-config.json` next to the handler, which reads it
   * once per container: the 4 KB Lambda allows for environment variables holds a few stores at most (docs/adr/0018).
   */
  readonly config: DrConfig;
  readonly approvalsTable: dynamodb.ITable;
  readonly auditTable: dynamodb.ITable;
  readonly incidentLockTable: dynamodb.ITable;
  /** Powertools idempotency records of traffic-router and failover-orchestrator (partition key `id`). */
  readonly idempotencyTable: dynamodb.ITable;
  /** Scratch space of the segmented data comparison (partition key `comparisonId`, sort key `part`, TTL). */
  readonly comparisonTable: dynamodb.ITable;
  readonly alertTopic: sns.ITopic;
  readonly escalationTopic: sns.ITopic;
  readonly approvalTopic: sns.ITopic;
  readonly signingSecret: secretsmanager.ISecret;
  /**
   * ARN of the failover state machine. Pass a name-based ARN (built with `Stack.formatArn`), not the
   * state machine's own attribute: the state machine references these functions, so a reference back
   * would be a circular dependency.
   */
  readonly stateMachineArn: string;
  /**
   * Repository root, where `functions/` and `package-lock.json` live.
   *
   * @default two directories above this file
   */
  readonly projectRoot?: string;
  /**
   * Retention of each function's log group.
   *
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Lambda runtime of every function. The bundles target Node 20 syntax, which later runtimes also run.
   *
   * @default lambda.Runtime.NODEJS_24_X (current LTS; nodejs20.x is deprecated)
   */
  readonly runtime?: lambda.Runtime;
  /**
   * Memory of every function. More memory is more CPU, which shortens cold starts on the failover path.
   *
   * @default 512
   */
  readonly memorySize?: number;
}

interface FunctionSpec {
  readonly id: string;
  readonly dir: string;
  readonly description: string;
  /** Kept under the ASL task's TimeoutSeconds so a slow run surfaces as a Lambda error, which Retry can see. */
  readonly timeout: Duration;
  /** @default the construct's memorySize */
  readonly memorySize?: number;
}

const SPECS = {
  healthChecker: { id: 'HealthChecker', dir: 'health-checker', description: 'Assesses both regions from independent signals (AssessHealth, VerifyRecovery)', timeout: Duration.seconds(90) },
  trafficRouter: { id: 'TrafficRouter', dir: 'traffic-router', description: 'Moves the global name to the standby (ShiftTraffic)', timeout: Duration.seconds(270) },
  failoverOrchestrator: { id: 'FailoverOrchestrator', dir: 'failover-orchestrator', description: 'Fences, scales, promotes and activates (idempotent steps)', timeout: Duration.seconds(840) },
  dataConsistencyValidator: { id: 'DataConsistencyValidator', dir: 'data-consistency-validator', description: 'Estimates data at risk before approval and validates after failover', timeout: Duration.seconds(840) },
  approvalRequest: { id: 'ApprovalRequest', dir: 'approval-request', description: 'Stores the task token under a random id and emails a signed link (RequestApproval)', timeout: Duration.seconds(30) },
  approvalCallback: { id: 'ApprovalCallback', dir: 'approval-callback', description: 'Serves the approval page and answers the waiting task', timeout: Duration.seconds(25) },
  alarmTrigger: { id: 'AlarmTrigger', dir: 'alarm-trigger', description: 'Starts one failover per incident when a quorum of detection alarms agree (its IAM: infra/constructs/detection.ts)', timeout: Duration.seconds(30) },
  // Under the one-minute schedule, so runs do not pile up; two bounded SSM reads in parallel, a write, a publish.
  siteStateReconciler: {
    id: 'SiteStateReconciler',
    dir: 'site-state-reconciler',
    description: 'Every minute: sets this region PASSIVE when both regions are ACTIVE and this one is the older (its IAM: infra/constructs/site-state-reconciler.ts)',
    timeout: Duration.seconds(50),
  },
  failureReporter: {
    id: 'FailureReporter',
    dir: 'failure-reporter',
    description: 'Reports every failover or failback execution that stops FAILED, TIMED_OUT or ABORTED: done and remaining steps, how to redrive',
    timeout: Duration.seconds(LAMBDA_TIMEOUT_SECONDS['failure-reporter']),
  },
  // One run writes for a minute and one heartbeat interval, then returns: the timeout leaves room for a slow last write.
  replicationHeartbeat: {
    id: 'ReplicationHeartbeat',
    dir: 'replication-heartbeat',
    description: "Every minute: writes this region's replication heartbeat into each replicated table and bucket every few seconds (its IAM: infra/constructs/replication-heartbeat.ts)",
    timeout: Duration.seconds(LAMBDA_TIMEOUT_SECONDS['replication-heartbeat']),
    // It waits on a few small writes a few seconds apart, around the clock in both regions: the least memory is plenty.
    memorySize: 128,
  },
} satisfies Record<string, FunctionSpec>;

/**
 * The six Lambda functions of the failover workflow, the alarm trigger that starts it and the site-state
 * reconciler that runs beside it, bundled from `functions/<dir>/handler.ts` with the locally installed esbuild,
 * each with only the IAM rights its own step needs.
 */
export class TaskFunctions extends Construct {
  readonly healthChecker: nodejs.NodejsFunction;
  readonly trafficRouter: nodejs.NodejsFunction;
  readonly failoverOrchestrator: nodejs.NodejsFunction;
  readonly dataConsistencyValidator: nodejs.NodejsFunction;
  readonly approvalRequest: nodejs.NodejsFunction;
  readonly approvalCallback: nodejs.NodejsFunction;
  /** Invoked by EventBridge, not by the state machine; Detection grants what it needs. */
  readonly alarmTrigger: nodejs.NodejsFunction;
  /** Invoked by an EventBridge schedule, not by the state machine; SiteStateReconciliation grants what it needs. */
  readonly siteStateReconciler: nodejs.NodejsFunction;
  /** Invoked by EventBridge when an execution stops unsuccessfully (ExecutionFailureAlerts); reads executions of this region's state machines. */
  readonly failureReporter: nodejs.NodejsFunction;

  /** The config file copied into every bundle (under node_modules/.cache, named by its content). */
  readonly bundledConfigFile: string;
  /** Invoked by an EventBridge schedule; ReplicationHeartbeatSchedule grants what it needs (it writes no audit). */
  readonly replicationHeartbeat: nodejs.NodejsFunction;

  private readonly config: DrConfig;
  private readonly envs = new Map<nodejs.NodejsFunction, Record<string, string>>();

  constructor(scope: Construct, id: string, props: TaskFunctionsProps) {
    super(scope, id);
    this.config = props.config;
    const stack = Stack.of(this);
    if (Token.isUnresolved(stack.region)) {
      throw new Error(`${this.node.path}: TaskFunctions needs a stack with an explicit region (env.region)`);
    }
    const regionNames = [props.config.regions.primary.name, props.config.regions.standby.name];
    if (!regionNames.includes(stack.region)) {
      throw new Error(`${this.node.path}: stack region ${stack.region} is not one of the configured regions (${regionNames.join(', ')})`);
    }

    const root = props.projectRoot ?? resolve(__dirname, '..', '..');
    const app = props.config.application;
    // Under the project root, at a path that depends on the content only: the bundling container reaches it through
    // the project root, and the bundling command (part of the asset hash when bundling is skipped) stays the same.
    this.bundledConfigFile = writeBundledConfig(join(root, 'node_modules', '.cache', 'regionflip-config'), props.config);
    const configHooks = bundledConfigHooks(root, this.bundledConfigFile);
    const commonEnv: Record<string, string> = {
      [LAMBDA_ENV.controlPlaneRegion]: stack.region,
      [LAMBDA_ENV.alertTopicArn]: props.alertTopic.topicArn,
      [LAMBDA_ENV.escalationTopicArn]: props.escalationTopic.topicArn,
      [LAMBDA_ENV.approvalTopicArn]: props.approvalTopic.topicArn,
      [LAMBDA_ENV.approvalsTable]: props.approvalsTable.tableName,
      [LAMBDA_ENV.auditTable]: props.auditTable.tableName,
      [LAMBDA_ENV.incidentLockTable]: props.incidentLockTable.tableName,
      [LAMBDA_ENV.signingSecretArn]: props.signingSecret.secretArn,
      [LAMBDA_ENV.siteStateParameterPrefix]: siteStateParameterPrefix(app),
      [LAMBDA_ENV.alarmNamePrefix]: alarmNamePrefix(app),
      [LAMBDA_ENV.stateMachineArn]: props.stateMachineArn,
      [LAMBDA_ENV.idempotencyTable]: props.idempotencyTable.tableName,
    };

    const runtime = props.runtime ?? lambda.Runtime.NODEJS_24_X;
    if (runtime.name === lambda.Runtime.NODEJS_20_X.name) {
      Validations.of(this).acknowledge({ id: 'CloudFormation-Validate::W2531', reason: NODE20_REASON });
    }
    const make = (spec: FunctionSpec, ownEnv: Record<string, string> = {}): nodejs.NodejsFunction => {
      const logGroup = new logs.LogGroup(this, `${spec.id}Logs`, { retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS });
      const env = { ...commonEnv, ...ownEnv };
      const fn = new nodejs.NodejsFunction(this, spec.id, {
        entry: resolve(root, 'functions', spec.dir, 'handler.ts'),
        handler: 'handler',
        projectRoot: root,
        depsLockFilePath: resolve(root, 'package-lock.json'),
        description: spec.description,
        runtime,
        architecture: lambda.Architecture.ARM_64,
        memorySize: spec.memorySize ?? props.memorySize ?? 512,
        timeout: spec.timeout,
        tracing: lambda.Tracing.ACTIVE,
        logGroup,
        environment: env,
        // SDK v3 reuses connections by default; the variable would only eat into the 4 KB budget.
        awsSdkConnectionReuse: false,
        bundling: {
          forceDockerBundling: false,
          minify: true,
          sourceMap: false,
          target: 'node20',
          mainFields: ['module', 'main'],
          // The bundled SDK is pinned and tree-shaken; the runtime's copy changes under us between deploys.
          bundleAwsSDK: true,
          commandHooks: configHooks,
        },
      });
      this.envs.set(fn, env);
      return fn;
    };

    this.healthChecker = make(SPECS.healthChecker);
    this.trafficRouter = make(SPECS.trafficRouter);
    this.failoverOrchestrator = make(SPECS.failoverOrchestrator);
    // Only the validator uses the comparison table; every byte of the others' 4 KB environment counts.
    this.dataConsistencyValidator = make(SPECS.dataConsistencyValidator, { [LAMBDA_ENV.comparisonTable]: props.comparisonTable.tableName });
    this.approvalRequest = make(SPECS.approvalRequest);
    this.approvalCallback = make(SPECS.approvalCallback);
    this.alarmTrigger = make(SPECS.alarmTrigger);
    this.siteStateReconciler = make(SPECS.siteStateReconciler);
    this.failureReporter = make(SPECS.failureReporter);
    this.replicationHeartbeat = make(SPECS.replicationHeartbeat);

    for (const fn of this.all()) props.auditTable.grant(fn, 'dynamodb:PutItem');
    this.grantHealthChecker();
    // Powertools: conditional put (claim the key), get (read a stored result), update (save it), delete (free it after a failure).
    for (const fn of [this.trafficRouter, this.failoverOrchestrator]) {
      props.idempotencyTable.grant(fn, 'dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem');
    }
    this.grantTrafficRouter();
    this.grantFailoverOrchestrator(regionNames);
    this.grantStandbyScaling();
    this.grantDataConsistencyValidator(regionNames, props.comparisonTable);
    props.approvalsTable.grant(this.approvalRequest, 'dynamodb:PutItem');
    props.approvalTopic.grantPublish(this.approvalRequest);
    props.signingSecret.grantRead(this.approvalRequest);
    props.approvalsTable.grant(this.approvalCallback, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    props.signingSecret.grantRead(this.approvalCallback);
    this.grantFailureReporter(props);
    // SendTaskSuccess/Failure is granted by FailoverStateMachine, which owns the state machine's name.

    this.node.addValidation({ validate: () => this.validateEnvironmentSize() });
    this.acknowledgeNagFindings(runtime);
  }

  /**
   * The eight functions that write the audit trail, in workflow order (the alarm trigger first: it starts the
   * workflow; the reconciler runs beside it). The heartbeat writer is not among them: it records nothing.
   */
  all(): nodejs.NodejsFunction[] {
    return [
      this.alarmTrigger,
      this.healthChecker,
      this.trafficRouter,
      this.failoverOrchestrator,
      this.dataConsistencyValidator,
      this.approvalRequest,
      this.approvalCallback,
      this.siteStateReconciler,
      this.failureReporter,
    ];
  }

  /** How an execution of this region's failover or failback stopped (history, definition), and the escalation topic. */
  private grantFailureReporter(props: TaskFunctionsProps): void {
    const stack = Stack.of(this);
    const app = props.config.application;
    const executions = [failoverStateMachineName(app), failbackStateMachineName(app)].map((name) =>
      stack.formatArn({ service: 'states', resource: 'execution', resourceName: `${name}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
    );
    this.failureReporter.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadStoppedExecutions',
        actions: ['states:DescribeExecution', 'states:GetExecutionHistory', 'states:DescribeStateMachineForExecution'],
        resources: executions,
      }),
    );
    props.escalationTopic.grantPublish(this.failureReporter);
    // Execution names are incident ids, known only when an execution starts: the state machine's executions are the scope.
    Validations.of(this.failureReporter).acknowledge(
      ...[failoverStateMachineName(app), failbackStateMachineName(app)].map((name) => ({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${stack.region}:<AWS::AccountId>:execution:${name}:*]`,
        reason: `Reads only executions of this region's ${name} state machine, which are named after incidents at start time.`,
      })),
    );
  }

  /**
   * Where approval links point. Set after the API exists, and only on approval-request: the API fronts
   * approval-callback, so giving approval-callback its own URL would be a circular dependency (it builds
   * links from the request it is serving instead).
   */
  setApprovalBaseUrl(url: string): void {
    this.approvalRequest.addEnvironment(LAMBDA_ENV.approvalBaseUrl, url);
    this.envs.get(this.approvalRequest)![LAMBDA_ENV.approvalBaseUrl] = url;
  }

  private grantHealthChecker(): void {
    this.healthChecker.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadDetectionAlarms',
        actions: ['cloudwatch:DescribeAlarms'],
        // Not scoped to `alarm:<prefix>*` on purpose: CloudWatch returns composite alarms only to a
        // DescribeAlarms permission on `*`, and the quorum may be built from composite alarms. A narrower
        // scope would hide those signals, and missing signals read as "insufficient", which blocks failover.
        // The action only reads alarm metadata; the adapter filters by ALARM_NAME_PREFIX itself.
        resources: ['*'],
      }),
    );
  }

  private grantTrafficRouter(): void {
    const stack = Stack.of(this);
    const traffic = this.config.traffic;
    if (traffic.strategy === 'arc-routing-control') {
      // ARC data-plane calls only: the failover path must not need the Route 53 control plane in us-east-1.
      this.trafficRouter.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'FlipRoutingControls',
          actions: ['route53-recovery-cluster:GetRoutingControlState', 'route53-recovery-cluster:UpdateRoutingControlState', 'route53-recovery-cluster:UpdateRoutingControlStates'],
          resources: Object.values(traffic.routingControlArns),
        }),
      );
      return;
    }
    const zoneArn = stack.formatArn({ service: 'route53', region: '', account: '', resource: 'hostedzone', resourceName: traffic.hostedZoneId });
    this.trafficRouter.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ChangeGlobalRecordOnly',
        actions: ['route53:ChangeResourceRecordSets'],
        resources: [zoneArn],
        // Only the global name may change, even though the zone probably holds other records.
        conditions: {
          'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': [this.config.globalDomain.name.toLowerCase()] },
        },
      }),
    );
    this.trafficRouter.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'ReadGlobalRecord', actions: ['route53:ListResourceRecordSets'], resources: [zoneArn] }),
    );
    this.trafficRouter.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'WaitForChangeInSync',
        actions: ['route53:GetChange'],
        resources: [stack.formatArn({ service: 'route53', region: '', account: '', resource: 'change', resourceName: '*' })],
      }),
    );
  }

  private grantFailoverOrchestrator(regionNames: readonly string[]): void {
    const stack = Stack.of(this);
    const prefix = siteStateParameterPrefix(this.config.application);
    // Both regions: fencing writes the old primary's flag, activation writes this region's.
    this.failoverOrchestrator.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ToggleSiteState',
        actions: ['ssm:GetParameter', 'ssm:PutParameter'],
        resources: regionNames.map((region) => stack.formatArn({ service: 'ssm', region, resource: 'parameter', resourceName: `${prefix.slice(1)}/${region}` })),
      }),
    );
    const aurora = this.config.dataStores.filter((s) => s.kind === 'aurora-global');
    if (aurora.length > 0) {
      const globalClusterArns = aurora.map((s) => globalClusterArn(stack, s.globalClusterIdentifier, Object.values(s.clusterArns)[0]));
      const clusterArns = aurora.flatMap((s) => Object.values(s.clusterArns));
      this.failoverOrchestrator.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'PromoteAuroraGlobalClusters',
          // Both actions authorize against the global cluster and the target regional cluster.
          actions: ['rds:FailoverGlobalCluster', 'rds:SwitchoverGlobalCluster'],
          resources: [...globalClusterArns, ...clusterArns],
        }),
      );
      this.failoverOrchestrator.addToRolePolicy(
        new iam.PolicyStatement({ sid: 'ReadAuroraGlobalClusters', actions: ['rds:DescribeGlobalClusters'], resources: globalClusterArns }),
      );
    }
  }

  /**
   * Pilot light / warm standby. Only the standby region's copy ever scales (each copy activates only its
   * own region, and failback needs no scaling), so only that copy gets these rights, on exactly the
   * configured services, groups and function versions.
   */
  private grantStandbyScaling(): void {
    const stack = Stack.of(this);
    const { standby, regions } = this.config;
    if (standby.scaling.length === 0 || stack.region !== regions.standby.name) return;
    const region = stack.region;
    const ecs = standby.scaling.flatMap((t) => (t.kind === 'ecs-service' ? [t] : []));
    const asgs = standby.scaling.flatMap((t) => (t.kind === 'asg' ? [t] : []));
    const lambdas = standby.scaling.flatMap((t) => (t.kind === 'lambda-provisioned-concurrency' ? [t] : []));
    if (ecs.length > 0) {
      const clusterName = (c: string) => (c.startsWith('arn:') ? c.split('/').pop()! : c);
      this.failoverOrchestrator.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'ScaleStandbyEcsServices',
          actions: ['ecs:DescribeServices', 'ecs:UpdateService'],
          resources: ecs.map((t) => stack.formatArn({ service: 'ecs', region, resource: 'service', resourceName: `${clusterName(t.cluster)}/${t.service}` })),
        }),
      );
    }
    if (asgs.length > 0) {
      const groupArns = asgs.map((t) =>
        // The group's UUID is only known after it exists, hence the one wildcard segment.
        stack.formatArn({ service: 'autoscaling', region, resource: 'autoScalingGroup', resourceName: `*:autoScalingGroupName/${t.name}`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
      );
      this.failoverOrchestrator.addToRolePolicy(new iam.PolicyStatement({ sid: 'ScaleStandbyAutoScalingGroups', actions: ['autoscaling:UpdateAutoScalingGroup'], resources: groupArns }));
      // DescribeAutoScalingGroups has no resource-level permissions.
      this.failoverOrchestrator.addToRolePolicy(new iam.PolicyStatement({ sid: 'ReadAutoScalingGroups', actions: ['autoscaling:DescribeAutoScalingGroups'], resources: ['*'] }));
      const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
      Validations.of(this).acknowledge(
        ...asgs.map((t) => ({
          id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:autoscaling:${region}:${account}:autoScalingGroup:*:autoScalingGroupName/${t.name}]`,
          reason: 'The group id segment of an Auto Scaling group ARN is generated; the name pins the group.',
        })),
      );
    }
    if (lambdas.length > 0) {
      this.failoverOrchestrator.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'ScaleStandbyProvisionedConcurrency',
          actions: ['lambda:GetProvisionedConcurrencyConfig', 'lambda:PutProvisionedConcurrencyConfig'],
          resources: lambdas.map((t) =>
            t.functionName.startsWith('arn:')
              ? `${t.functionName}:${t.qualifier}`
              : stack.formatArn({ service: 'lambda', region, resource: 'function', resourceName: `${t.functionName}:${t.qualifier}`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
          ),
        }),
      );
    }
  }

  private grantDataConsistencyValidator(regionNames: readonly string[], comparisonTable: dynamodb.ITable): void {
    const stack = Stack.of(this);
    this.dataConsistencyValidator.addToRolePolicy(
      // GetMetricData has no resource-level permissions; the lag metrics are the heartbeat's second opinion.
      new iam.PolicyStatement({ sid: 'ReadReplicationMetrics', actions: ['cloudwatch:GetMetricData'], resources: ['*'] }),
    );
    // The segmented comparison's parts: written by each segment, read back (Query, strongly consistent) by the merges.
    comparisonTable.grant(this.dataConsistencyValidator, 'dynamodb:PutItem', 'dynamodb:Query');
    const tables = this.config.dataStores.filter((s) => s.kind === 'dynamodb-global-table');
    if (tables.length > 0) {
      const tableArns = tables.flatMap((s) => regionNames.map((region) => stack.formatArn({ service: 'dynamodb', region, resource: 'table', resourceName: s.tableName })));
      this.dataConsistencyValidator.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'CompareDynamoDbReplicaKeys',
          // Whole items (checksums of the values), segment by segment; both regions because either may be the one being left.
          actions: ['dynamodb:DescribeTable', 'dynamodb:Scan'],
          resources: tableArns,
        }),
      );
      this.dataConsistencyValidator.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'ReadReplicationHeartbeats',
          // The heartbeat items only (their reserved partition keys), in this region's replica: the region a copy
          // activates is its own, and it reads what replication delivered there.
          actions: ['dynamodb:GetItem'],
          resources: tables.map((s) => stack.formatArn({ service: 'dynamodb', region: stack.region, resource: 'table', resourceName: s.tableName })),
          conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': heartbeatPartitionKeys(regionNames as [string, string]) } },
        }),
      );
    }
    const buckets = this.config.dataStores.flatMap((s) => (s.kind === 's3-replicated' ? Object.values(s.buckets) : []));
    if (buckets.length > 0) {
      this.dataConsistencyValidator.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'FindS3ReplicationRules',
          // The lag metrics are keyed by replication rule id, which only the bucket's replication config holds.
          actions: ['s3:GetReplicationConfiguration'],
          resources: buckets.map((b) => `arn:${stack.partition}:s3:::${b}`),
        }),
      );
      this.dataConsistencyValidator.addToRolePolicy(
        // Post-failover comparison lists keys and sizes only; it never reads object contents.
        new iam.PolicyStatement({ sid: 'CompareS3Listings', actions: ['s3:ListBucket'], resources: buckets.map((b) => `arn:${stack.partition}:s3:::${b}`) }),
      );
      // The one kind of object it reads: the replication heartbeats in this region's bucket (never application data).
      const ownBuckets = this.config.dataStores.flatMap((s) => (s.kind === 's3-replicated' && s.buckets[stack.region] ? [s.buckets[stack.region]] : []));
      this.dataConsistencyValidator.addToRolePolicy(
        new iam.PolicyStatement({ sid: 'ReadReplicationHeartbeatObjects', actions: ['s3:GetObject'], resources: ownBuckets.map((b) => `arn:${stack.partition}:s3:::${b}/${S3_HEARTBEAT_PREFIX}*`) }),
      );
      Validations.of(this).acknowledge(
        ...ownBuckets.map((b) => ({
          id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${b}/${S3_HEARTBEAT_PREFIX}*]`,
          reason: 'The heartbeat objects of the configured regions only (one per region, under the reserved prefix).',
        })),
      );
    }
  }

  private acknowledgeNagFindings(runtime: lambda.Runtime): void {
    // Each of these is pinned down by test/infra (exact actions and resources per function).
    Validations.of(this).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'Only CloudWatch Logs writes; each function logs to its own managed log group.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray trace writes, cloudwatch:GetMetricData (no resource-level permissions) and cloudwatch:DescribeAlarms (composite alarms are returned only for `*`).',
      },
      { id: 'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:route53:::change/*]', reason: 'Route 53 change ids exist only after the change is submitted.' },
      { id: 'AwsSolutions::AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', reason: 'What SNS needs to publish to a topic encrypted with the one control-plane key (resource scoped to that key).' },
    );
    if (runtime.name === lambda.Runtime.NODEJS_20_X.name) {
      Validations.of(this).acknowledge({ id: 'AwsSolutions::AwsSolutions-L1', reason: NODE20_REASON });
    }
  }

  private validateEnvironmentSize(): string[] {
    const stack = Stack.of(this);
    const errors: string[] = [];
    for (const [fn, env] of this.envs) {
      const bytes = Object.entries(env).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + maxResolvedBytes(stack.resolve(value)), 0);
      if (bytes > LAMBDA_ENV_LIMIT_BYTES) {
        const largest = Object.entries(env)
          .map(([name, value]) => [name, maxResolvedBytes(stack.resolve(value))] as const)
          .sort((a, b) => b[1] - a[1])[0];
        errors.push(
          `${fn.node.id}: environment variables need up to ${bytes} bytes, over Lambda's ${LAMBDA_ENV_LIMIT_BYTES}-byte limit ` +
            `(the largest, ${largest[0]}, up to ${largest[1]} bytes). Pass anything that grows with the config in the bundled ${BUNDLED_CONFIG_FILE} instead.`,
        );
      }
    }
    return errors;
  }
}

/**
 * Writes the config where the bundling hook copies it from: once per content (the name is its hash, so two stacks or
 * two synths never race on one file), written to a temporary name and renamed, so a bundle never copies half a file.
 */
function writeBundledConfig(dir: string, config: DrConfig): string {
  const text = `${JSON.stringify(config, null, 2)}\n`;
  const file = join(dir, `dr-config-${createHash('sha256').update(text).digest('hex').slice(0, 16)}.json`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, text);
    renameSync(partial, file);
  }
  return file;
}

/**
 * Bundling hooks that put the config next to the handler as `dr-config.json` after esbuild ran. The copy runs where
 * the bundling runs: locally, or in the bundling container, which sees the project root as `inputDir` (so a file
 * under the project root is addressed through it).
 */
export function bundledConfigHooks(projectRoot: string, configFile: string, platform: NodeJS.Platform = process.platform): nodejs.ICommandHooks {
  const inside = relative(projectRoot, configFile);
  const underRoot = inside !== '' && !inside.startsWith('..') && !isAbsolute(inside);
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir: string, outputDir: string) => {
      const source = underRoot ? `${inputDir}/${inside.split('\\').join('/')}` : configFile;
      const target = `${outputDir}/${BUNDLED_CONFIG_FILE}`;
      return [platform === 'win32' ? `copy /Y "${source.split('/').join('\\')}" "${target.split('/').join('\\')}"` : `cp "${source}" "${target}"`];
    },
  };
}

/**
 * The partition key values of the heartbeat items of `regions`: strings for tables keyed by a string, the reserved
 * numbers for tables keyed by a number (IAM compares the key's value as text).
 */
export function heartbeatPartitionKeys(configured: readonly [string, string], of: readonly string[] = configured): string[] {
  return of.flatMap((r) => [heartbeatKey(r), numericHeartbeatKey(r, configured)]);
}

/** Global clusters are account-wide (no region); the account is the one that owns the regional clusters. */
function globalClusterArn(stack: Stack, identifier: string, someClusterArn: string | undefined): string {
  const account = someClusterArn?.split(':')[4] || stack.account;
  return stack.formatArn({ service: 'rds', region: '', account, resource: 'global-cluster', resourceName: identifier, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

/** Upper bound for values CloudFormation fills in at deploy time (generated names and ARNs stay well below it). */
const DEPLOY_TIME_VALUE_MAX_BYTES = 128;
const PSEUDO_MAX_BYTES: Record<string, number> = {
  'AWS::AccountId': 12,
  'AWS::Partition': 10,
  'AWS::Region': 16,
  'AWS::URLSuffix': 20,
  'AWS::StackName': 128,
};

/** Longest a resolved CloudFormation value can become, for the environment size check at synth time. */
function maxResolvedBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number') return String(value).length;
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if (typeof obj.Ref === 'string') return PSEUDO_MAX_BYTES[obj.Ref] ?? DEPLOY_TIME_VALUE_MAX_BYTES;
    const join = obj['Fn::Join'];
    if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
      const parts = join[1] as unknown[];
      return parts.reduce<number>((sum, p) => sum + maxResolvedBytes(p), 0) + Buffer.byteLength(join[0]) * Math.max(0, parts.length - 1);
    }
  }
  return DEPLOY_TIME_VALUE_MAX_BYTES;
}
