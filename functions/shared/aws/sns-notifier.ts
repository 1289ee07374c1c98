import { PublishCommand, type MessageAttributeValue, type SNSClient } from '@aws-sdk/client-sns';
import { ConfigurationError } from '../errors';
import type { Notifier, Topic } from '../ports';
import { callAws } from './sdk-errors';

export interface SnsNotifierProps {
  readonly sns: SNSClient;
  /** Topic ARN per topic. A function only gets the topics it publishes to. */
  readonly topicArns: Partial<Record<Topic, string>>;
}

/** SNS wants a Subject under 100 characters without line breaks; older rules also required ASCII, so keep to it. */
export const SNS_SUBJECT_MAX = 99;

export function snsSubject(subject: string): string {
  const ascii = subject
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim();
  return ascii.length <= SNS_SUBJECT_MAX ? ascii : `${ascii.slice(0, SNS_SUBJECT_MAX - 3)}...`;
}

export class SnsNotifier implements Notifier {
  constructor(private readonly props: SnsNotifierProps) {}

  async publish(message: { topic: Topic; subject: string; body: string; attributes?: Record<string, string> }): Promise<void> {
    const topicArn = this.props.topicArns[message.topic];
    if (!topicArn) throw new ConfigurationError(`No SNS topic ARN configured for topic "${message.topic}"`);
    const subject = snsSubject(message.subject);
    // SNS rejects attributes with an empty value.
    const attributes = Object.entries(message.attributes ?? {}).filter(([, v]) => v !== '');
    await callAws(`SNS Publish to ${message.topic}`, () =>
      this.props.sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          Message: message.body,
          ...(subject ? { Subject: subject } : {}),
          ...(attributes.length
            ? { MessageAttributes: Object.fromEntries(attributes.map(([k, v]) => [k, { DataType: 'String', StringValue: v } satisfies MessageAttributeValue])) }
            : {}),
        }),
      ),
    );
  }
}
