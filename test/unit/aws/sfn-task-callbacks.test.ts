import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { SfnTaskCallbacks } from '../../../functions/shared/aws/sfn-task-callbacks';
import { TransientError } from '../../../functions/shared/errors';
import { TaskNoLongerWaitingError } from '../../../functions/shared/ports';
import { awsError } from './fixtures';

const sfn = mockClient(SFNClient);
const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAT0pSecretToken';
const callbacks = () => new SfnTaskCallbacks({ sfn: new SFNClient({ region: 'us-west-2' }) });

beforeEach(() => sfn.reset());

describe('SfnTaskCallbacks', () => {
  it('sends success with the output as JSON', async () => {
    sfn.on(SendTaskSuccessCommand).resolves({});
    await callbacks().sendSuccess(TOKEN, { decision: 'APPROVED', approver: 'oncall@example.com' });
    expect(sfn.commandCalls(SendTaskSuccessCommand)[0].args[0].input).toEqual({
      taskToken: TOKEN,
      output: '{"decision":"APPROVED","approver":"oncall@example.com"}',
    });
  });

  it('sends failure with error and cause trimmed to the API limits', async () => {
    sfn.on(SendTaskFailureCommand).resolves({});
    await callbacks().sendFailure(TOKEN, 'E'.repeat(300), 'c'.repeat(40_000));
    const input = sfn.commandCalls(SendTaskFailureCommand)[0].args[0].input;
    expect(input.taskToken).toBe(TOKEN);
    expect(input.error).toBe('E'.repeat(256));
    expect(input.cause).toBe('c'.repeat(32_768));
  });

  it('keeps short error and cause as they are', async () => {
    sfn.on(SendTaskFailureCommand).resolves({});
    await callbacks().sendFailure(TOKEN, 'ApprovalRejected', 'Rejected by oncall@example.com: false alarm');
    expect(sfn).toHaveReceivedCommandWith(SendTaskFailureCommand, {
      taskToken: TOKEN,
      error: 'ApprovalRejected',
      cause: 'Rejected by oncall@example.com: false alarm',
    });
  });

  it.each(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist'])('maps %s to TaskNoLongerWaitingError, without the token in the message', async (name) => {
    sfn.on(SendTaskSuccessCommand).rejects(awsError(name));
    sfn.on(SendTaskFailureCommand).rejects(awsError(name));
    const success = await callbacks()
      .sendSuccess(TOKEN, {})
      .catch((e: unknown) => e);
    const failure = await callbacks()
      .sendFailure(TOKEN, 'E', 'c')
      .catch((e: unknown) => e);
    for (const err of [success, failure]) {
      expect(err).toBeInstanceOf(TaskNoLongerWaitingError);
      expect((err as Error).message).toContain(name);
      expect((err as Error).message).not.toContain(TOKEN);
    }
  });

  it('turns throttling into TransientError', async () => {
    sfn.on(SendTaskSuccessCommand).rejects(awsError('ThrottlingException'));
    await expect(callbacks().sendSuccess(TOKEN, {})).rejects.toBeInstanceOf(TransientError);
  });

  it('lets other errors through as they are', async () => {
    const denied = awsError('AccessDeniedException');
    sfn.on(SendTaskSuccessCommand).rejects(denied);
    await expect(callbacks().sendSuccess(TOKEN, {})).rejects.toBe(denied);
  });
});
