import { readFileSync } from 'node:fs';
import { FAILBACK_ASL, FAILOVER_ASL, localFunctionArn, localSubstitutions } from '../../../local/control-plane';
import { LocalStateMachine, type LocalLambda, type SnsPublishInput } from '../../../local/runtime/local-state-machine';
import { TaskError, TaskTokenBroker } from '../../../local/runtime/task-token-broker';
import { FUNCTIONS } from './functions';

/** A broker that knows which tokens are still waited on, so a test can play the approval timeout itself. */
export class RecordingBroker extends TaskTokenBroker {
  readonly open = new Map<string, (err: Error) => void>();
  readonly answered: Array<{ token: string; kind: 'success' | 'failure'; output?: unknown; error?: string }> = [];

  constructor(private readonly onChange: () => void) {
    super();
  }

  override issue() {
    const ticket = super.issue();
    const cancel = (err: Error) => {
      this.open.delete(ticket.token);
      ticket.cancel(err);
      this.onChange();
    };
    this.open.set(ticket.token, cancel);
    return { ...ticket, cancel };
  }

  override async sendSuccess(taskToken: string, output: unknown): Promise<void> {
    await super.sendSuccess(taskToken, output);
    this.open.delete(taskToken);
    this.answered.push({ token: taskToken, kind: 'success', output });
    this.onChange();
  }

  override async sendFailure(taskToken: string, error: string, cause: string): Promise<void> {
    await super.sendFailure(taskToken, error, cause);
    this.open.delete(taskToken);
    this.answered.push({ token: taskToken, kind: 'failure', error });
    this.onChange();
  }

  /** What the engine's own timer does when TimeoutSecondsPath runs out. */
  timeOut(taskToken: string): void {
    this.open.get(taskToken)?.(new TaskError('States.Timeout', 'RequestApproval got no answer before TimeoutSecondsPath ran out'));
  }
}

/**
 * The two definitions on the local engine, with their integrations bound late: `bind` points them at one
 * harness's handlers, outboxes and broker. Only for harnesses used one after another (property cases).
 */
export class SharedEngine {
  readonly failover: LocalStateMachine;
  readonly failback: LocalStateMachine;
  private bound?: { broker: TaskTokenBroker; lambdas: Record<string, LocalLambda>; snsPublish: (input: SnsPublishInput) => Promise<void> };

  constructor(app: string, options: { readonly approvalTimer?: 'manual' | 'virtual' } = {}) {
    const substitutions = localSubstitutions(app);
    const current = () => {
      if (!this.bound) throw new Error('SharedEngine used before bind()');
      return this.bound;
    };
    const lambdas = Object.fromEntries(
      FUNCTIONS.map((f) => [localFunctionArn(app, f), (payload: unknown) => current().lambdas[localFunctionArn(app, f)](payload)]),
    );
    const snsPublish = (input: SnsPublishInput) => current().snsPublish(input);
    const broker = new (class extends TaskTokenBroker {
      override issue() {
        return current().broker.issue();
      }
    })();
    const runtime = { broker, callerTimedCallbackStates: (options.approvalTimer ?? 'manual') === 'manual' ? ['RequestApproval'] : [] };
    this.failover = new LocalStateMachine(readFileSync(FAILOVER_ASL, 'utf8'), substitutions, { lambdas, snsPublish }, runtime);
    this.failback = new LocalStateMachine(readFileSync(FAILBACK_ASL, 'utf8'), substitutions, { lambdas, snsPublish }, runtime);
  }

  bind(broker: TaskTokenBroker, lambdas: Record<string, LocalLambda>, snsPublish: (input: SnsPublishInput) => Promise<void>): void {
    this.bound = { broker, lambdas, snsPublish };
    // Each case is a world of its own: names used by an earlier case are not taken in this one.
    this.failover.forgetExecutions();
    this.failback.forgetExecutions();
  }
}
