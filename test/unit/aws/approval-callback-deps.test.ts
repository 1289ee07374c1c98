import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { LAMBDA_ENV } from '../../../config/lambda-environment';
import { approvalCallbackAwsDeps } from '../../../functions/approval-callback/aws-deps';
import { DynamoDbApprovalStore } from '../../../functions/shared/aws/dynamodb-approval-store';
import { DynamoDbApproverChallenges } from '../../../functions/shared/aws/dynamodb-approver-challenges';
import { SfnApprovalTaskReader } from '../../../functions/shared/aws/sfn-approval-task-reader';
import { SfnTaskCallbacks } from '../../../functions/shared/aws/sfn-task-callbacks';
import { ConfigurationError } from '../../../functions/shared/errors';
import { itFailsNamingEachMissingVariable, lambdaEnv, regionOf } from './fixtures';

describe('approvalCallbackAwsDeps', () => {
  const sns = mockClient(SNSClient);
  const sfn = mockClient(SFNClient);
  beforeEach(() => {
    sns.reset();
    sfn.reset();
  });

  it('builds every port from a full environment', () => {
    const deps = approvalCallbackAwsDeps(lambdaEnv());
    expect(Object.keys(deps).sort()).toEqual([
      'approvals',
      'approverRoleNames',
      'audit',
      'callbacks',
      'challenges',
      'clock',
      'config',
      'notifier',
      'signingKey',
      'tasks',
    ]);
    expect(deps.callbacks).toBeInstanceOf(SfnTaskCallbacks);
    expect(deps.approvals).toBeInstanceOf(DynamoDbApprovalStore);
    expect(deps.challenges).toBeInstanceOf(DynamoDbApproverChallenges);
    expect(deps.tasks).toBeInstanceOf(SfnApprovalTaskReader);
    expect(deps.approverRoleNames).toEqual(['orders-dr-approver-us-west-2']);
  });

  it('refuses approver role names that are not role names', () => {
    expect(() => approvalCallbackAwsDeps({ ...lambdaEnv(), [LAMBDA_ENV.approverRoleNames]: 'arn:aws:iam::111122223333:role/x' })).toThrow(ConfigurationError);
  });

  itFailsNamingEachMissingVariable(approvalCallbackAwsDeps, [
    'LAMBDA_TASK_ROOT',
    LAMBDA_ENV.controlPlaneRegion,
    LAMBDA_ENV.approvalsTable,
    LAMBDA_ENV.auditTable,
    LAMBDA_ENV.signingSecretArn,
    LAMBDA_ENV.alertTopicArn,
    LAMBDA_ENV.approverCodeTopicArn,
    LAMBDA_ENV.approverRoleNames,
  ]);

  it('mails codes to APPROVER_CODE_TOPIC_ARN and announces approvals on ALERT_TOPIC_ARN', async () => {
    sns.on(PublishCommand).resolves({});
    const deps = approvalCallbackAwsDeps(lambdaEnv());
    await deps.notifier.publish({ topic: 'approver-code', subject: 's', body: 'b', attributes: { recipient: 'oncall@example.com' } });
    await deps.notifier.publish({ topic: 'alert', subject: 's', body: 'b' });
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: 'arn:aws:sns:us-west-2:111122223333:approver-codes',
      MessageAttributes: { recipient: { DataType: 'String', StringValue: 'oncall@example.com' } },
    });
    expect(sns).toHaveReceivedCommandWith(PublishCommand, { TopicArn: 'arn:aws:sns:us-west-2:111122223333:alert' });
  });

  it('answers Step Functions in the control-plane region', async () => {
    sfn.on(SendTaskSuccessCommand).resolves({});
    await approvalCallbackAwsDeps(lambdaEnv()).callbacks.sendSuccess('token', { ok: true });
    expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, { taskToken: 'token' });
    expect(await regionOf(sfn.call(0).thisValue)).toBe('us-west-2');
  });
});
