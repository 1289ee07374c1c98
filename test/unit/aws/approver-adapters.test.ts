import { DescribeExecutionCommand, GetExecutionHistoryCommand, type HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { DynamoDbApproverChallenges } from '../../../functions/shared/aws/dynamodb-approver-challenges';
import { SfnApprovalTaskReader } from '../../../functions/shared/aws/sfn-approval-task-reader';

const doc = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
const store = new DynamoDbApproverChallenges({
  documentClient: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-west-2' })),
  tableName: 'approvals',
});
const reader = new SfnApprovalTaskReader({ sfn: new SFNClient({ region: 'us-west-2' }) });
const conditionFailed = () => Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException', $metadata: {} });
const EXECUTION = 'arn:aws:states:us-west-2:111122223333:execution:orders-dr-failover:inc42';
const challenge = {
  challengeId: 'c-0123456789',
  approvalId: 'a-0123456789',
  address: 'oncall@example.com',
  codeHash: 'h',
  expiresAt: 1_700_000_600_000,
  attempts: 0,
};

beforeEach(() => {
  doc.reset();
  sfn.reset();
});

describe('DynamoDbApproverChallenges (items beside the approvals, UpdateItem and GetItem only)', () => {
  it('issue: counts the code against its address and request first (conditionally), then writes the challenge once', async () => {
    doc.on(UpdateCommand).resolves({});
    expect(await store.issue(challenge, 10)).toBe(true);
    const [counter, item] = doc.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(counter).toMatchObject({
      TableName: 'approvals',
      ConditionExpression: 'attribute_not_exists(#n) OR #n < :limit',
      ExpressionAttributeValues: expect.objectContaining({ ':limit': 10 }),
    });
    expect(String(counter.Key?.approvalId)).toMatch(/^codes#a-0123456789#[A-Za-z0-9_-]{43}$/);
    // The address is hashed in the counter's key: the key says nothing about who asked.
    expect(String(counter.Key?.approvalId)).not.toContain('oncall');
    expect(item).toMatchObject({ Key: { approvalId: 'code#c-0123456789' }, ConditionExpression: 'attribute_not_exists(approvalId)' });
    expect(item.ExpressionAttributeValues).toMatchObject({ ':a': 'a-0123456789', ':addr': 'oncall@example.com', ':h': 'h', ':tries': 0 });
    expect(doc).not.toHaveReceivedCommand(PutCommand);
  });

  it('issue: over the limit, nothing is written and false comes back; an address without a code stores no hash', async () => {
    doc.on(UpdateCommand).rejectsOnce(conditionFailed());
    expect(await store.issue(challenge, 10)).toBe(false);
    expect(doc).toHaveReceivedCommandTimes(UpdateCommand, 1);
    doc.reset();
    doc.on(UpdateCommand).resolves({});
    const { codeHash: _, ...noCode } = challenge;
    await store.issue(noCode, 10);
    expect(doc.commandCalls(UpdateCommand)[1].args[0].input.UpdateExpression).not.toContain('codeHash');
  });

  it('countAttempt: one conditional ADD; false once the tries are used up or the challenge is unknown', async () => {
    doc.on(UpdateCommand).resolvesOnce({}).rejectsOnce(conditionFailed());
    expect(await store.countAttempt('c-0123456789', 5)).toBe(true);
    expect(await store.countAttempt('c-0123456789', 5)).toBe(false);
    expect(doc).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { approvalId: 'code#c-0123456789' },
      ConditionExpression: 'attribute_exists(approvalId) AND #tries < :max',
    });
  });

  it('get: reads consistently and maps the item back', async () => {
    doc.on(GetCommand).resolves({
      Item: { approvalId: 'code#c-0123456789', forApproval: 'a-0123456789', address: 'oncall@example.com', codeHash: 'h', expiresAt: 1, attempts: 2, ttl: 9 },
    });
    expect(await store.get('c-0123456789')).toEqual({
      challengeId: 'c-0123456789',
      approvalId: 'a-0123456789',
      address: 'oncall@example.com',
      codeHash: 'h',
      expiresAt: 1,
      attempts: 2,
    });
    expect(doc).toHaveReceivedCommandWith(GetCommand, { ConsistentRead: true });
  });

  it('linkExecution / approvalOf: the execution points at its newest request', async () => {
    doc.on(PutCommand).resolves({});
    doc.on(GetCommand).resolves({ Item: { approvalId: `execution#${EXECUTION}`, target: 'a-0123456789' } });
    await store.linkExecution(EXECUTION, 'a-0123456789', 1_700_000_600_000);
    expect(doc).toHaveReceivedCommandWith(PutCommand, { Item: expect.objectContaining({ approvalId: `execution#${EXECUTION}`, target: 'a-0123456789' }) });
    expect(await store.approvalOf(EXECUTION)).toBe('a-0123456789');
  });
});

describe('SfnApprovalTaskReader: what Step Functions did with an approval whose answer was lost', () => {
  const event = (id: number, type: string, details: Record<string, unknown> = {}) =>
    ({ id, type, timestamp: new Date(1_700_000_000_000 + id), ...details }) as HistoryEvent;

  it('the newest approval-task event decides: TaskSucceeded with its output', async () => {
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        event(40, 'TaskStateExited', { stateExitedEventDetails: { name: 'RequestApproval' } }),
        event(39, 'TaskSucceeded', {
          taskSucceededEventDetails: { resourceType: 'lambda', resource: 'invoke.waitForTaskToken', output: '{"decision":"APPROVED","approvalId":"a-1"}' },
        }),
        event(38, 'TaskSucceeded', { taskSucceededEventDetails: { resourceType: 'lambda', resource: 'invoke', output: '{}' } }),
      ],
    });
    expect(await reader.read(EXECUTION)).toMatchObject({ task: 'succeeded', output: { decision: 'APPROVED', approvalId: 'a-1' }, executionStatus: 'RUNNING' });
    expect(sfn).toHaveReceivedCommandWith(GetExecutionHistoryCommand, { executionArn: EXECUTION, reverseOrder: true, includeExecutionData: true });
  });

  it('TaskFailed, TaskTimedOut, and a task still submitted (waiting) or left behind by a stopped execution', async () => {
    sfn.on(DescribeExecutionCommand).resolves({ status: 'FAILED' });
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [event(9, 'TaskFailed', { taskFailedEventDetails: { resource: 'invoke.waitForTaskToken', error: 'ApprovalRejected', cause: 'Rejected by x' } })],
    });
    expect(await reader.read(EXECUTION)).toMatchObject({ task: 'failed', error: 'ApprovalRejected', cause: 'Rejected by x' });
    sfn
      .on(GetExecutionHistoryCommand)
      .resolves({ events: [event(9, 'TaskTimedOut', { taskTimedOutEventDetails: { resource: 'invoke.waitForTaskToken', error: 'States.Timeout' } })] });
    expect(await reader.read(EXECUTION)).toMatchObject({ task: 'timed-out' });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    sfn
      .on(GetExecutionHistoryCommand)
      .resolves({ events: [event(9, 'TaskSubmitted', { taskSubmittedEventDetails: { resource: 'invoke.waitForTaskToken' } })] });
    expect(await reader.read(EXECUTION)).toEqual({ task: 'waiting', executionStatus: 'RUNNING' });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'ABORTED' });
    expect(await reader.read(EXECUTION)).toEqual({ task: 'not-waiting', executionStatus: 'ABORTED' });
  });

  it('reads back page by page, and stops at a bounded number of pages', async () => {
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    sfn
      .on(GetExecutionHistoryCommand)
      .resolvesOnce({ events: [event(300, 'TaskStateEntered', { stateEnteredEventDetails: { name: 'PromoteStore' } })], nextToken: 'p2' })
      .resolvesOnce({ events: [event(200, 'TaskSubmitted', { taskSubmittedEventDetails: { resource: 'invoke.waitForTaskToken' } })] });
    expect(await reader.read(EXECUTION)).toMatchObject({ task: 'waiting' });
    expect(sfn).toHaveReceivedCommandWith(GetExecutionHistoryCommand, { nextToken: 'p2' });
    sfn.reset();
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [], nextToken: 'more' });
    expect(await new SfnApprovalTaskReader({ sfn: new SFNClient({ region: 'us-west-2' }), maxPages: 3 }).read(EXECUTION)).toEqual({
      task: 'not-waiting',
      executionStatus: 'RUNNING',
    });
    expect(sfn).toHaveReceivedCommandTimes(GetExecutionHistoryCommand, 3);
  });
});
