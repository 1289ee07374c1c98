import { join, resolve } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { LAMBDA_ENV } from '../../config/lambda-environment';
import type { DrConfig } from '../../config/schema';
import { alarmNamePrefix, siteStateParameterPrefix } from '../../config/resource-names';
import { acknowledgeRuntimeValidation, acknowledgeTaskFunctionFindings } from './task-functions/acknowledgements';
import { grantApprovalCallback, grantApprovalRequest } from './task-functions/approval-grants';
import { type BundledFunctionDefaults, bundledConfigHooks, bundledFunction, writeBundledConfig } from './task-functions/bundled-function';
import { grantDataConsistencyValidator } from './task-functions/data-consistency-validator-grants';
import { EnvironmentSizeCheck } from './task-functions/environment-size';
import { grantFailoverOrchestrator } from './task-functions/failover-orchestrator-grants';
import { grantFailureReporter } from './task-functions/failure-reporter-grants';
import { grantHealthChecker } from './task-functions/health-checker-grants';
import { TASK_FUNCTION_SPECS as SPECS, type TaskFunctionSpec } from './task-functions/specs';
import { grantStandbyScaling } from './task-functions/standby-scaling-grants';
import { grantAuditWrites, grantIdempotencyRecords } from './task-functions/state-table-grants';
import { grantTrafficRouter } from './task-functions/traffic-router-grants';
import { configuredRegionOf } from './configured-region';

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

/**
 * The six Lambda functions of the failover workflow, the alarm trigger that starts it and the site-state
 * reconciler that runs beside it, bundled from `functions/<dir>/handler.ts` with the locally installed esbuild,
 * each with only the IAM rights its own step needs.
 *
 * Composition only: what each function is (task-functions/specs.ts), how it is built and bundled
 * (bundled-function.ts), what it may do (one `*-grants.ts` per function or shared table), the cdk-nag
 * acknowledgements they share (acknowledgements.ts) and the 4 KB environment check (environment-size.ts).
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

  private readonly environmentSize: EnvironmentSizeCheck;

  constructor(scope: Construct, id: string, props: TaskFunctionsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    configuredRegionOf(this, props.config, 'TaskFunctions');
    const regionNames: [string, string] = [props.config.regions.primary.name, props.config.regions.standby.name];

    const root = props.projectRoot ?? resolve(__dirname, '..', '..');
    const app = props.config.application;
    // Under the project root, at a path that depends on the content only: the bundling container reaches it through
    // the project root, and the bundling command (part of the asset hash when bundling is skipped) stays the same.
    this.bundledConfigFile = writeBundledConfig(join(root, 'node_modules', '.cache', 'regionflip-config'), props.config);
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
    acknowledgeRuntimeValidation(this, runtime);
    const defaults: BundledFunctionDefaults = {
      projectRoot: root,
      runtime,
      memorySize: props.memorySize ?? 512,
      logRetention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      commandHooks: bundledConfigHooks(root, this.bundledConfigFile),
    };
    this.environmentSize = new EnvironmentSizeCheck(this);
    const make = (spec: TaskFunctionSpec, ownEnv: Record<string, string> = {}): nodejs.NodejsFunction => {
      const env = { ...commonEnv, ...ownEnv };
      const fn = bundledFunction(this, spec, defaults, env);
      this.environmentSize.track(fn, env);
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

    // In this order, so each role's policy keeps its statement order.
    grantAuditWrites(props.auditTable, this.all());
    grantHealthChecker(this.healthChecker);
    grantIdempotencyRecords(props.idempotencyTable, [this.trafficRouter, this.failoverOrchestrator]);
    grantTrafficRouter(this.trafficRouter, props.config);
    grantFailoverOrchestrator(this.failoverOrchestrator, props.config, regionNames);
    grantStandbyScaling(this.failoverOrchestrator, props.config, this);
    grantDataConsistencyValidator(this.dataConsistencyValidator, {
      config: props.config,
      regionNames,
      comparisonTable: props.comparisonTable,
      acknowledgeOn: this,
    });
    grantApprovalRequest(this.approvalRequest, props);
    grantApprovalCallback(this.approvalCallback, props);
    grantFailureReporter(this.failureReporter, { application: app, escalationTopic: props.escalationTopic });
    // SendTaskSuccess/Failure is granted by FailoverStateMachine, which owns the state machine's name.

    acknowledgeTaskFunctionFindings(this, runtime);
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

  /**
   * Where approval links point. Set after the API exists, and only on approval-request: the API fronts
   * approval-callback, so giving approval-callback its own URL would be a circular dependency (it builds
   * links from the request it is serving instead).
   */
  setApprovalBaseUrl(url: string): void {
    this.approvalRequest.addEnvironment(LAMBDA_ENV.approvalBaseUrl, url);
    this.environmentSize.set(this.approvalRequest, LAMBDA_ENV.approvalBaseUrl, url);
  }
}
