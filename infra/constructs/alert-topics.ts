import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface AlertTopicsProps {
  /** Receive approval requests (approval topic) and every stage alert (alert topic). */
  readonly approverEmails: readonly string[];
  /** Receive escalations: refused or incomplete failovers and unanswered approvals. */
  readonly escalationEmails: readonly string[];
  /**
   * Prefix of the email display names, so recipients can tell which application is in trouble.
   *
   * @default 'DR'
   */
  readonly displayNamePrefix?: string;
  /**
   * Waiting period before the CMK is deleted after the stack is removed.
   *
   * @default Duration.days(30)
   */
  readonly keyPendingWindow?: Duration;
}

/**
 * The three notification channels (alert, escalation, approval), encrypted with one customer managed key.
 *
 * A CMK rather than `alias/aws/sns`: the AWS managed key's policy cannot be changed, so CloudWatch alarm
 * actions could never publish to the topics (they would fail silently). The key policy below lets
 * `cloudwatch.amazonaws.com` use the key; publishers inside the account get KMS rights through their
 * `grantPublish`.
 */
export class AlertTopics extends Construct {
  readonly key: kms.Key;
  /** Stage alerts (info) for the approvers. Alarm actions may target it. */
  readonly alertTopic: sns.Topic;
  /** Critical alerts for the escalation list. Alarm actions may target it. */
  readonly escalationTopic: sns.Topic;
  /** Approval requests carrying the signed link; only the approval-request function publishes. */
  readonly approvalTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: AlertTopicsProps) {
    super(scope, id);
    const prefix = props.displayNamePrefix ?? 'DR';

    this.key = new kms.Key(this, 'Key', {
      description: 'Encrypts the DR control-plane topics and workflow logs',
      enableKeyRotation: true,
      pendingWindow: props.keyPendingWindow ?? Duration.days(30),
    });
    // Without this, an alarm action on an encrypted topic fails at publish time (no error surfaces anywhere).
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToUseTheKey',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );

    const topic = (topicId: string, displayName: string) =>
      new sns.Topic(this, topicId, { displayName: `${prefix} ${displayName}`, masterKey: this.key, enforceSSL: true });
    this.alertTopic = topic('Alert', 'alerts');
    this.escalationTopic = topic('Escalation', 'escalations');
    this.approvalTopic = topic('Approval', 'approval requests');

    // enforceSSL gives the topics a resource policy, which replaces SNS's default one; the alarm service
    // then needs its own allow (scoped to this account against confused-deputy use).
    for (const t of [this.alertTopic, this.escalationTopic]) {
      t.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowCloudWatchAlarmActions',
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['sns:Publish'],
          resources: [t.topicArn],
          conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
        }),
      );
    }

    for (const email of props.approverEmails) {
      this.approvalTopic.addSubscription(new subs.EmailSubscription(email));
      this.alertTopic.addSubscription(new subs.EmailSubscription(email));
    }
    for (const email of props.escalationEmails) {
      this.escalationTopic.addSubscription(new subs.EmailSubscription(email));
    }
  }
}
