import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Annotations, ArnFormat, type CfnElement, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { substitutionsFor, WORKFLOW_STEPS, type WorkflowStepKey } from '../../config/steps';
import { stackInstanceId } from '../stack-instance';

/** The Lambda function of every step the workflows invoke (config/steps.ts), by its key there. */
export type FailoverTaskFunctions = Readonly<Record<WorkflowStepKey, lambda.IFunction>>;

export interface FailoverStateMachineProps {
  /**
   * Fixed so other resources can build the ARN from the name (see `FailoverStateMachine.arnForName`)
   * instead of referencing the state machine, which would close a dependency cycle through the functions.
   */
  readonly stateMachineName: string;
  /** The Lambda functions behind the `${...FunctionArn}` placeholders. */
  readonly functions: FailoverTaskFunctions;
  /** Behind `${AlertTopicArn}`. */
  readonly alertTopic: sns.ITopic;
  /** Behind `${EscalationTopicArn}`. */
  readonly escalationTopic: sns.ITopic;
  /** Principals that answer `.waitForTaskToken` tasks (the approval callback). */
  readonly taskResponders: readonly iam.IGrantable[];
  /**
   * Key for the execution log group. It must be a key created in this app (not imported), because the
   * construct adds the CloudWatch Logs service to its key policy.
   */
  readonly logEncryptionKey: kms.IKey;
  /**
   * The ASL file. It is shared with the local drill, so it stays a file rather than CDK constructs.
   *
   * @default `<repo>/state-machines/failover.asl.json`
   */
  readonly definitionFile?: string;
  /**
   * Retention of the execution log group.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

const STATE_MACHINES_DIR = resolve(__dirname, '..', '..', 'state-machines');
/** The ASL files this construct deploys: the failover, and the planned return (docs/adr/0002). */
export const FAILOVER_DEFINITION_FILE = resolve(STATE_MACHINES_DIR, 'failover.asl.json');
export const FAILBACK_DEFINITION_FILE = resolve(STATE_MACHINES_DIR, 'failback.asl.json');

/** Every `${Name}` placeholder in an ASL document, in order of first appearance. */
export function aslPlaceholders(definition: string): string[] {
  return [...new Set([...definition.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]))];
}

/**
 * The failover workflow (Standard: exactly-once transitions, 1-year waits) from the ASL file the drill also
 * runs. CDK cannot see the integrations inside a file definition, so every grant is explicit here.
 */
export class FailoverStateMachine extends Construct {
  /** `arn:<partition>:states:<region>:<account>:stateMachine:<name>` without referencing the resource. */
  static arnForName(scope: Construct, stateMachineName: string): string {
    return Stack.of(scope).formatArn({ service: 'states', resource: 'stateMachine', resourceName: stateMachineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  }

  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;
  /** Placeholder name -> value, as passed to `definitionSubstitutions`. */
  readonly substitutions: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: FailoverStateMachineProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const file = props.definitionFile ?? FAILOVER_DEFINITION_FILE;
    const definition = readFileSync(file, 'utf8');

    const fns = props.functions;
    const topics = { alert: props.alertTopic, escalation: props.escalationTopic };
    this.substitutions = substitutionsFor({ function: (step) => fns[step.key].functionArn, topic: (topic) => topics[topic].topicArn });
    // An unsubstituted placeholder is only rejected by Step Functions at deploy time; fail the synth instead.
    const placeholders = aslPlaceholders(definition);
    const missing = placeholders.filter((p) => !(p in this.substitutions));
    if (missing.length > 0) {
      throw new Error(`${file}: no substitution for placeholder(s) ${missing.map((p) => `\${${p}}`).join(', ')} (add them in ${this.node.path})`);
    }
    const unused = Object.keys(this.substitutions).filter((k) => !placeholders.includes(k));
    if (unused.length > 0) {
      Annotations.of(this).addWarningV2('dr:unused-substitution', `${file} no longer uses ${unused.join(', ')}; the grants for them may be stale`);
    }

    // The /aws/vendedlogs/ prefix lets Step Functions reuse one Logs resource policy instead of growing it per group.
    // The group is retained when the stack is deleted, so its name ends with the stack instance's id: a re-created
    // stack gets a group of its own instead of failing on "already exists" (docs/adr/0018).
    const logGroupName = `/aws/vendedlogs/states/${props.stateMachineName}-${stackInstanceId(this)}`;
    const logGroupArn = stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: logGroupName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    // CloudWatch Logs encrypts with the key itself; the encryption-context condition ties that to this group.
    // The ARN is built from the name, since referencing the group here would make key and group depend on each other.
    const added = props.logEncryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        // One statement per state machine (Failover, Failback) on the same key: Sids must differ.
        sid: `AllowCloudWatchLogsFor${id}Executions`,
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: { ArnEquals: { 'kms:EncryptionContext:aws:logs:arn': logGroupArn } },
      }),
    );
    if (!added.statementAdded) {
      throw new Error(`${this.node.path}: logEncryptionKey must be a key defined in this app; its key policy has to allow CloudWatch Logs`);
    }
    this.logGroup = new logs.LogGroup(this, 'ExecutionLogs', {
      logGroupName,
      encryptionKey: props.logEncryptionKey,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(definition),
      definitionSubstitutions: this.substitutions,
      // Execution data would carry task tokens and incident details into logs; the history keeps them anyway.
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });

    const taskFunctions = WORKFLOW_STEPS.map((step) => fns[step.key]);
    for (const fn of taskFunctions) fn.grantInvoke(this.stateMachine);
    // grantPublish also grants kms:GenerateDataKey*/Decrypt on the topics' key.
    props.alertTopic.grantPublish(this.stateMachine);
    props.escalationTopic.grantPublish(this.stateMachine);

    // By name: approval-callback sits behind the API whose URL approval-request (a task of this state
    // machine) carries, so a reference to the real resource would close a cycle.
    const byName = sfn.StateMachine.fromStateMachineName(this, 'ByName', props.stateMachineName);
    for (const responder of props.taskResponders) byName.grantTaskResponse(responder);

    // CDK-generated statements; test/infra pins them exactly.
    const invokeAnyVersion = taskFunctions
      .flatMap((fn) => (fn.node.defaultChild ? [fn.node.defaultChild as CfnElement] : []))
      .map((cfn) => ({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${stack.resolve(stack.getLogicalId(cfn))}.Arn>:*]`,
        reason: 'grantInvoke also covers versions and aliases of the task function (the ASL names the unqualified ARN).',
      }));
    Validations.of(this.stateMachine).acknowledge(
      { id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]', reason: 'Log delivery and X-Ray actions have no resource-level permissions.' },
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason: 'What SNS needs to publish to the topics encrypted with the control-plane key (resource scoped to that key).',
      },
      ...invokeAnyVersion,
    );
  }
}
