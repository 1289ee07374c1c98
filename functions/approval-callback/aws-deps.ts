import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDbApprovalStore } from '../shared/aws/dynamodb-approval-store';
import { DynamoDbApproverChallenges } from '../shared/aws/dynamodb-approver-challenges';
import { DynamoDbAuditLog } from '../shared/aws/dynamodb-audit-log';
import { clientConfig, documentClient } from '../shared/aws/clients';
import { configFromEnv, requireEnv } from '../shared/aws/environment';
import { LAMBDA_ENV } from '../../config/lambda-environment';
import { secretsSigningKey } from '../shared/aws/secrets-signing-key';
import { SfnApprovalTaskReader } from '../shared/aws/sfn-approval-task-reader';
import { SfnTaskCallbacks } from '../shared/aws/sfn-task-callbacks';
import { SnsNotifier } from '../shared/aws/sns-notifier';
import { ConfigurationError } from '../shared/errors';
import { systemClock } from '../shared/ports';
import type { ApprovalCallbackDeps } from './approval-callback';

/** approval-callback's real dependencies, from the environment the stack sets (every variable read up front). */
export function approvalCallbackAwsDeps(env: NodeJS.ProcessEnv = process.env): ApprovalCallbackDeps {
  const config = configFromEnv(env);
  const region = requireEnv(LAMBDA_ENV.controlPlaneRegion, env);
  const approvalsTable = requireEnv(LAMBDA_ENV.approvalsTable, env);
  const auditTable = requireEnv(LAMBDA_ENV.auditTable, env);
  const signingSecretArn = requireEnv(LAMBDA_ENV.signingSecretArn, env);
  const alertTopicArn = requireEnv(LAMBDA_ENV.alertTopicArn, env);
  const codeTopicArn = requireEnv(LAMBDA_ENV.approverCodeTopicArn, env);
  const approverRoleNames = requireEnv(LAMBDA_ENV.approverRoleNames, env)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (approverRoleNames.length === 0 || approverRoleNames.some((n) => !/^[\w+=,.@-]{1,64}$/.test(n))) {
    throw new ConfigurationError(`${LAMBDA_ENV.approverRoleNames} must list IAM role names, comma-separated`);
  }
  const ddb = documentClient(region);
  const sfn = new SFNClient(clientConfig(region));
  return {
    config,
    approvals: new DynamoDbApprovalStore({ documentClient: ddb, tableName: approvalsTable }),
    challenges: new DynamoDbApproverChallenges({ documentClient: ddb, tableName: approvalsTable }),
    callbacks: new SfnTaskCallbacks({ sfn }),
    tasks: new SfnApprovalTaskReader({ sfn }),
    notifier: new SnsNotifier({ sns: new SNSClient(clientConfig(region)), topicArns: { alert: alertTopicArn, 'approver-code': codeTopicArn } }),
    audit: new DynamoDbAuditLog({ documentClient: ddb, tableName: auditTable }),
    clock: systemClock,
    approverRoleNames,
    signingKey: secretsSigningKey(new SecretsManagerClient(clientConfig(region)), signingSecretArn),
  };
}
