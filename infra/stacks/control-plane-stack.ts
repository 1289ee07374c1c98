import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { DrConfig } from '../../config/schema';
import { GRAPHED_STEPS } from '../../config/steps';
import { AlertTopics } from '../constructs/alert-topics';
import { ApprovalApi } from '../constructs/approval-api';
import { ControlPlaneDashboard } from '../constructs/dashboard';
import { Detection } from '../constructs/detection';
import { ExecutionFailureAlerts } from '../constructs/execution-failure-alerts';
import { FAILBACK_DEFINITION_FILE, FailoverStateMachine } from '../constructs/failover-state-machine';
import { SigningSecret } from '../constructs/signing-secret';
import { SiteStateParameter } from '../constructs/site-state';
import { ReplicationHeartbeatSchedule } from '../constructs/replication-heartbeat';
import { SiteStateReconciliation } from '../constructs/site-state-reconciler';
import { StackOutputs } from '../constructs/stack-outputs';
import { StateTables } from '../constructs/state-tables';
import { TaskFunctions } from '../constructs/task-functions';
import { alarmNamePrefix, exportNamePrefix, failbackStateMachineName, failoverStateMachineName, siteStateParameterPrefix } from '../../config/resource-names';

export interface ControlPlaneStackProps extends StackProps {
  /** The validated config. The stack's `env.region` must be one of its two regions. */
  readonly config: DrConfig;
}

/**
 * One region's complete copy of the control plane. Both regions get the same stack (static stability):
 * the standby's copy must be able to run the whole failover with the primary region gone.
 */
export class ControlPlaneStack extends Stack {
  constructor(scope: Construct, id: string, props: ControlPlaneStackProps) {
    super(scope, id, props);
    const { config } = props;
    const app = config.application;
    const isPrimary = this.region === config.regions.primary.name;
    const stateMachineName = failoverStateMachineName(app);

    const tables = new StateTables(this, 'Tables');
    const siteState = new SiteStateParameter(this, 'SiteState', {
      parameterPrefix: siteStateParameterPrefix(app),
      initialValue: isPrimary ? 'ACTIVE' : 'PASSIVE',
    });
    const topics = new AlertTopics(this, 'Topics', {
      approverEmails: config.approval.approvers,
      escalationEmails: config.approval.escalation,
      displayNamePrefix: `${app} DR`,
    });
    const signing = new SigningSecret(this, 'SigningSecret');
    const functions = new TaskFunctions(this, 'Functions', {
      config,
      approvalsTable: tables.approvals,
      auditTable: tables.audit,
      incidentLockTable: tables.incidentLock,
      idempotencyTable: tables.idempotency,
      comparisonTable: tables.comparison,
      alertTopic: topics.alertTopic,
      escalationTopic: topics.escalationTopic,
      approvalTopic: topics.approvalTopic,
      signingSecret: signing.secret,
      stateMachineArn: FailoverStateMachine.arnForName(this, stateMachineName),
    });
    const detection = new Detection(this, 'Detection', {
      config,
      alertTopic: topics.alertTopic,
      alarmTrigger: functions.alarmTrigger,
      incidentLockTable: tables.incidentLock,
      stateMachineArn: FailoverStateMachine.arnForName(this, stateMachineName),
    });
    // Closes the split brain a failover leaves when it could not fence a dark primary (docs/adr/0016).
    new SiteStateReconciliation(this, 'SiteStateReconciler', { config, reconciler: functions.siteStateReconciler, alertTopic: topics.alertTopic });
    // Measures the data at risk: the other region's newest copy of this region's heartbeat is its lag (docs/adr/0019).
    new ReplicationHeartbeatSchedule(this, 'ReplicationHeartbeat', { config, writer: functions.replicationHeartbeat, alertTopic: topics.alertTopic });
    const api = new ApprovalApi(this, 'ApprovalApi', {
      handler: functions.approvalCallback,
      application: app,
      approverEmails: config.approval.approvers,
      topicKey: topics.key,
      alertTopic: topics.alertTopic,
      stateMachineNames: [stateMachineName, failbackStateMachineName(app)],
      manageAccountCloudWatchRole: config.deployment.apiGatewayAccountRole,
    });
    functions.setApprovalBaseUrl(api.url);
    const failover = new FailoverStateMachine(this, 'Failover', {
      stateMachineName,
      functions,
      alertTopic: topics.alertTopic,
      escalationTopic: topics.escalationTopic,
      taskResponders: [functions.approvalCallback],
      logEncryptionKey: topics.key,
    });
    // The planned return: same functions and topics, its own definition (docs/adr/0002).
    const failback = new FailoverStateMachine(this, 'Failback', {
      stateMachineName: failbackStateMachineName(app),
      definitionFile: FAILBACK_DEFINITION_FILE,
      functions,
      alertTopic: topics.alertTopic,
      escalationTopic: topics.escalationTopic,
      taskResponders: [functions.approvalCallback],
      logEncryptionKey: topics.key,
    });
    // An execution can end where none of its own alerts runs (States.DataLimitExceeded, a timeout, a stop).
    new ExecutionFailureAlerts(this, 'ExecutionFailureAlerts', {
      stateMachines: [
        { label: 'failover', stateMachine: failover.stateMachine },
        { label: 'failback', stateMachine: failback.stateMachine },
      ],
      alertTopic: topics.alertTopic,
      escalationTopic: topics.escalationTopic,
      reporter: functions.failureReporter,
      alarmNamePrefix: alarmNamePrefix(app),
    });
    const dashboard = new ControlPlaneDashboard(this, 'Dashboard', {
      config,
      taskFunctions: Object.fromEntries(GRAPHED_STEPS.map((step) => [step.dashboardLabel, functions[step.key]])),
      stateMachineNames: [stateMachineName, failbackStateMachineName(app)],
      alarms: [...detection.signalAlarms.values(), detection.compositeAlarm],
    });
    // What an operator or another stack needs (docs/deploy.md lists them), including the approver role for
    // drctl approve|reject (docs/runbook-approvers.md).
    new StackOutputs(this, 'Outputs', {
      exportPrefix: exportNamePrefix(app),
      outputs: [
        { key: 'ApprovalApiUrl', value: api.url, description: 'Base URL of the approval API; the emailed links are <url>approvals/<id>?...' },
        {
          key: 'FailoverStateMachineArn',
          value: failover.stateMachine.stateMachineArn,
          description: 'The failover workflow in this region (drctl failover starts the copy in the region it activates)',
        },
        { key: 'FailbackStateMachineArn', value: failback.stateMachine.stateMachineArn, description: 'The planned return to the primary region' },
        { key: 'AlertTopicArn', value: topics.alertTopic.topicArn, description: 'Every stage alert of every execution (subscribe chat notifications here)' },
        {
          key: 'EscalationTopicArn',
          value: topics.escalationTopic.topicArn,
          description: 'Escalations: refused or incomplete failovers and unanswered approvals',
        },
        { key: 'ApprovalTopicArn', value: topics.approvalTopic.topicArn, description: 'Approval requests carrying the signed link (approvers only)' },
        {
          key: 'ApproverCodeTopicArn',
          value: api.codeTopic.topicArn,
          description: 'One-time approval codes, each delivered only to the approver it names (filter policy per subscription)',
        },
        { key: 'ApproverRoleArn', value: api.approverRole.roleArn, description: 'Assume it to decide with drctl approve|reject (SigV4 on POST /decisions)' },
        {
          key: 'SiteStateParameterName',
          value: siteState.parameter.parameterName,
          description: "This region's ACTIVE/PASSIVE switch: the application's writers read it and stop on PASSIVE",
        },
        {
          key: 'SiteStateParameterPrefix',
          value: siteStateParameterPrefix(app),
          description: 'Prefix of the switches: <prefix>/<region>, each stored in its own region',
        },
        {
          key: 'DashboardUrl',
          value: dashboard.consoleUrl,
          description: "This region's CloudWatch dashboard: detection, executions in both regions, step durations, replication lag",
        },
        {
          key: 'AuditTableName',
          value: tables.audit.tableName,
          description: 'The durable audit trail of every incident (Step Functions keeps an execution 90 days)',
        },
      ],
    });
  }
}
