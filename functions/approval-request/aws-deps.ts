import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDbApprovalStore } from '../shared/aws/dynamodb-approval-store';
import { DynamoDbApproverChallenges } from '../shared/aws/dynamodb-approver-challenges';
import { DynamoDbAuditLog } from '../shared/aws/dynamodb-audit-log';
import { clientConfig, documentClient } from '../shared/aws/clients';
import { configFromEnv, requireEnv } from '../shared/aws/environment';
import { LAMBDA_ENV } from '../../config/lambda-environment';
import { secretsSigningKey } from '../shared/aws/secrets-signing-key';
import { SnsNotifier } from '../shared/aws/sns-notifier';
import { systemClock } from '../shared/ports';
import type { ApprovalRequestDeps } from './approval-request';

/** approval-request's real dependencies, from the environment the stack sets (every variable read up front). */
export function approvalRequestAwsDeps(env: NodeJS.ProcessEnv = process.env): ApprovalRequestDeps {
  const config = configFromEnv(env);
  const region = requireEnv(LAMBDA_ENV.controlPlaneRegion, env);
  const approvalsTable = requireEnv(LAMBDA_ENV.approvalsTable, env);
  const auditTable = requireEnv(LAMBDA_ENV.auditTable, env);
  const approvalTopicArn = requireEnv(LAMBDA_ENV.approvalTopicArn, env);
  const signingSecretArn = requireEnv(LAMBDA_ENV.signingSecretArn, env);
  const approvalBaseUrl = requireEnv(LAMBDA_ENV.approvalBaseUrl, env);
  const ddb = documentClient(region);
  return {
    config,
    approvals: new DynamoDbApprovalStore({ documentClient: ddb, tableName: approvalsTable }),
    challenges: new DynamoDbApproverChallenges({ documentClient: ddb, tableName: approvalsTable }),
    notifier: new SnsNotifier({ sns: new SNSClient(clientConfig(region)), topicArns: { approval: approvalTopicArn } }),
    audit: new DynamoDbAuditLog({ documentClient: ddb, tableName: auditTable }),
    clock: systemClock,
    approvalBaseUrl,
    signingKey: secretsSigningKey(new SecretsManagerClient(clientConfig(region)), signingSecretArn),
  };
}
