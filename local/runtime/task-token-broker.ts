import { randomBytes } from 'node:crypto';
import { TaskNoLongerWaitingError, type TaskCallbacks } from '../../functions/shared/ports';

/** An error whose `name` is what Step Functions reports (`States.Timeout`, `ApprovalRejected`, ...). */
export class TaskError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

interface Waiter {
  resolve(output: unknown): void;
  reject(err: Error): void;
  heartbeat?: () => void;
}

/**
 * The local stand-in for Step Functions' callback pattern: issues opaque task tokens and settles the
 * waiting task on SendTaskSuccess / SendTaskFailure. Like AWS, a token that is no longer waited on
 * (timed out, already answered, unknown) is refused with TaskNoLongerWaitingError.
 */
export class TaskTokenBroker implements TaskCallbacks {
  private readonly waiting = new Map<string, Waiter>();

  issue(): { token: string; settled: Promise<unknown>; cancel(err: Error): void; onHeartbeat(fn: () => void): void } {
    // Long and opaque like a real token, so nothing may assume it is short or printable in a URL.
    const token = `AQ${randomBytes(96).toString('base64')}`;
    let waiter!: Waiter;
    const settled = new Promise<unknown>((resolve, reject) => {
      waiter = { resolve, reject };
    });
    // When the callback Lambda itself fails, the task cancels its ticket before ever awaiting it: without a
    // handler that rejection is unhandled, and Node ends the whole drill process on it.
    settled.catch(() => undefined);
    this.waiting.set(token, waiter);
    return {
      token,
      settled,
      cancel: (err) => {
        if (this.waiting.delete(token)) waiter.reject(err);
      },
      onHeartbeat: (fn) => {
        waiter.heartbeat = fn;
      },
    };
  }

  private take(token: string): Waiter {
    const w = this.waiting.get(token);
    if (!w) throw new TaskNoLongerWaitingError('Task timed out or was already answered (TaskTimedOut / InvalidToken)');
    this.waiting.delete(token);
    return w;
  }

  async sendSuccess(taskToken: string, output: unknown): Promise<void> {
    this.take(taskToken).resolve(output);
  }

  async sendFailure(taskToken: string, error: string, cause: string): Promise<void> {
    this.take(taskToken).reject(new TaskError(error, cause));
  }

  async sendHeartbeat(taskToken: string): Promise<void> {
    const w = this.waiting.get(taskToken);
    if (!w) throw new TaskNoLongerWaitingError('Task timed out or was already answered');
    w.heartbeat?.();
  }

  get pending(): number {
    return this.waiting.size;
  }
}
