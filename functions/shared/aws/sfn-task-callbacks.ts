import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { TaskNoLongerWaitingError, type TaskCallbacks } from '../ports';
import { errorName, rethrowSdkError } from './sdk-errors';

export interface SfnTaskCallbacksProps {
  readonly sfn: SFNClient;
}

/** SendTaskFailure limits. */
export const MAX_ERROR_CHARS = 256;
export const MAX_CAUSE_CHARS = 32_768;

/** Step Functions stopped waiting for this token: the task timed out, was answered, or the execution ended. */
const NO_LONGER_WAITING = new Set(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist']);

/** Messages never include the token: it is a credential for the waiting task. */
export class SfnTaskCallbacks implements TaskCallbacks {
  constructor(private readonly props: SfnTaskCallbacksProps) {}

  async sendSuccess(taskToken: string, output: unknown): Promise<void> {
    await this.send('SendTaskSuccess', () => this.props.sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output ?? null) })));
  }

  async sendFailure(taskToken: string, error: string, cause: string): Promise<void> {
    await this.send('SendTaskFailure', () =>
      this.props.sfn.send(new SendTaskFailureCommand({ taskToken, error: error.slice(0, MAX_ERROR_CHARS), cause: cause.slice(0, MAX_CAUSE_CHARS) })),
    );
  }

  private async send(api: string, call: () => Promise<unknown>): Promise<void> {
    try {
      await call();
    } catch (err) {
      if (NO_LONGER_WAITING.has(errorName(err))) {
        throw new TaskNoLongerWaitingError(`Step Functions ${api}: the task no longer waits for this answer (${errorName(err)})`);
      }
      rethrowSdkError(err, `Step Functions ${api}`);
    }
  }
}
