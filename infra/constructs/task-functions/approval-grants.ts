import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';

/** approval-request stores the task token under a random id, signs the link and mails it to the approvers. */
export function grantApprovalRequest(
  approvalRequest: lambda.IFunction,
  props: { readonly approvalsTable: dynamodb.ITable; readonly approvalTopic: sns.ITopic; readonly signingSecret: secretsmanager.ISecret },
): void {
  props.approvalsTable.grant(approvalRequest, 'dynamodb:PutItem');
  props.approvalTopic.grantPublish(approvalRequest);
  props.signingSecret.grantRead(approvalRequest);
}

/**
 * approval-callback looks the approval up, records the decision once and checks the link's signature. Answering the
 * waiting task (SendTaskSuccess/Failure) is granted by FailoverStateMachine, which owns the state machine's name.
 */
export function grantApprovalCallback(
  approvalCallback: lambda.IFunction,
  props: { readonly approvalsTable: dynamodb.ITable; readonly signingSecret: secretsmanager.ISecret },
): void {
  props.approvalsTable.grant(approvalCallback, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
  props.signingSecret.grantRead(approvalCallback);
}
