import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { LAMBDA_ENV } from '../../../config/lambda-environment';
import { approvalRequestAwsDeps } from '../../../functions/approval-request/aws-deps';
import { DynamoDbApprovalStore } from '../../../functions/shared/aws/dynamodb-approval-store';
import { DynamoDbApproverChallenges } from '../../../functions/shared/aws/dynamodb-approver-challenges';
import { SnsNotifier } from '../../../functions/shared/aws/sns-notifier';
import { itFailsNamingEachMissingVariable, lambdaEnv } from './fixtures';

describe('approvalRequestAwsDeps', () => {
  const doc = mockClient(DynamoDBDocumentClient);
  const sns = mockClient(SNSClient);
  const sm = mockClient(SecretsManagerClient);
  beforeEach(() => {
    for (const m of [doc, sns, sm]) m.reset();
  });

  it('builds every port from a full environment', () => {
    const deps = approvalRequestAwsDeps(lambdaEnv());
    expect(Object.keys(deps).sort()).toEqual(['approvalBaseUrl', 'approvals', 'audit', 'challenges', 'clock', 'config', 'notifier', 'signingKey']);
    expect(deps.approvals).toBeInstanceOf(DynamoDbApprovalStore);
    expect(deps.challenges).toBeInstanceOf(DynamoDbApproverChallenges);
    expect(deps.notifier).toBeInstanceOf(SnsNotifier);
    expect(deps.approvalBaseUrl).toBe('https://abc.execute-api.us-west-2.amazonaws.com/prod');
    expect(typeof deps.signingKey).toBe('function');
  });

  itFailsNamingEachMissingVariable(approvalRequestAwsDeps, [
    'LAMBDA_TASK_ROOT',
    LAMBDA_ENV.controlPlaneRegion,
    LAMBDA_ENV.approvalsTable,
    LAMBDA_ENV.auditTable,
    LAMBDA_ENV.approvalTopicArn,
    LAMBDA_ENV.signingSecretArn,
    LAMBDA_ENV.approvalBaseUrl,
  ]);

  it('uses APPROVALS_TABLE, APPROVAL_TOPIC_ARN and SIGNING_SECRET_ARN', async () => {
    doc.on(GetCommand).resolves({});
    sns.on(PublishCommand).resolves({});
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'k'.repeat(32) });
    const deps = approvalRequestAwsDeps(lambdaEnv());
    await deps.approvals.get('ap-0123456789');
    await deps.notifier.publish({ topic: 'approval', subject: 's', body: 'b' });
    await deps.signingKey();
    expect(doc).toHaveReceivedCommandWith(GetCommand, { TableName: 'approvals-table' });
    expect(sns).toHaveReceivedCommandWith(PublishCommand, { TopicArn: 'arn:aws:sns:us-west-2:111122223333:approval' });
    expect(sm).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: 'arn:aws:secretsmanager:us-west-2:111122223333:secret:signing' });
  });
});
