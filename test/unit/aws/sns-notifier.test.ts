import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { SnsNotifier, snsSubject } from '../../../functions/shared/aws/sns-notifier';
import { ConfigurationError, TransientError } from '../../../functions/shared/errors';
import { awsError } from './fixtures';

const sns = mockClient(SNSClient);
const APPROVAL_ARN = 'arn:aws:sns:us-west-2:111122223333:orders-dr-approval';
const ALERT_ARN = 'arn:aws:sns:us-west-2:111122223333:orders-dr-alert';

const notifier = () => new SnsNotifier({ sns: new SNSClient({ region: 'us-west-2' }), topicArns: { approval: APPROVAL_ARN, alert: ALERT_ARN } });

beforeEach(() => sns.reset());

describe('SnsNotifier', () => {
  it('publishes to the topic’s ARN with the subject, body and String message attributes', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    await notifier().publish({
      topic: 'approval',
      subject: '[DR] Approve failover?',
      body: 'Open the link',
      attributes: { incidentId: 'inc-1', approvalId: 'ap-1', empty: '' },
    });
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(sns.commandCalls(PublishCommand)[0].args[0].input).toEqual({
      TopicArn: APPROVAL_ARN,
      Subject: '[DR] Approve failover?',
      Message: 'Open the link',
      MessageAttributes: {
        incidentId: { DataType: 'String', StringValue: 'inc-1' },
        approvalId: { DataType: 'String', StringValue: 'ap-1' },
      },
    });
  });

  it('routes each topic to its own ARN and omits attributes when there are none', async () => {
    sns.on(PublishCommand).resolves({});
    await notifier().publish({ topic: 'alert', subject: 'x', body: 'y' });
    expect(sns.commandCalls(PublishCommand)[0].args[0].input).toEqual({ TopicArn: ALERT_ARN, Subject: 'x', Message: 'y' });
  });

  it('trims the subject under SNS’s 100-character limit, on one ASCII line', async () => {
    sns.on(PublishCommand).resolves({});
    const long = `[DR] ${'a'.repeat(200)}`;
    await notifier().publish({ topic: 'alert', subject: long, body: 'b' });
    const subject = sns.commandCalls(PublishCommand)[0].args[0].input.Subject!;
    expect(subject.length).toBeLessThan(100);
    expect(subject.startsWith('[DR] aaa')).toBe(true);
    expect(subject.endsWith('...')).toBe(true);
    expect(snsSubject('line one\nline two → done')).toBe('line one line two ? done');
  });

  it('fails with ConfigurationError for a topic without an ARN, sending nothing', async () => {
    await expect(notifier().publish({ topic: 'escalation', subject: 's', body: 'b' })).rejects.toBeInstanceOf(ConfigurationError);
    expect(sns).not.toHaveReceivedAnyCommand();
  });

  it('turns throttling into TransientError', async () => {
    sns.on(PublishCommand).rejects(awsError('ThrottledException'));
    await expect(notifier().publish({ topic: 'alert', subject: 's', body: 'b' })).rejects.toBeInstanceOf(TransientError);
  });

  it('lets a permanent error through', async () => {
    const notFound = awsError('NotFoundException', { status: 404 });
    sns.on(PublishCommand).rejects(notFound);
    await expect(notifier().publish({ topic: 'alert', subject: 's', body: 'b' })).rejects.toBe(notFound);
  });
});
