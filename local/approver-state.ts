import type { ApprovalTaskReader, ApprovalTaskState, ApproverChallenges, CodeChallenge } from '../functions/shared/ports';
import type { HistoryEvent } from './runtime/history';
import type { LocalExecution, LocalStateMachine } from './runtime/local-state-machine';

/** The local world's ApproverChallenges: same contract as the DynamoDB adapter, in memory. */
export class InMemoryApproverChallenges implements ApproverChallenges {
  readonly challenges = new Map<string, CodeChallenge>();
  private readonly issued = new Map<string, number>();
  private readonly executions = new Map<string, string>();

  async issue(c: CodeChallenge, limit: number): Promise<boolean> {
    const key = `${c.approvalId}\n${c.address}`;
    const n = this.issued.get(key) ?? 0;
    if (n >= limit) return false;
    if (this.challenges.has(c.challengeId)) throw new Error('challenge id collision');
    this.issued.set(key, n + 1);
    this.challenges.set(c.challengeId, { ...c, attempts: 0 });
    return true;
  }

  async get(challengeId: string): Promise<CodeChallenge | undefined> {
    return this.challenges.get(challengeId);
  }

  async countAttempt(challengeId: string, maxAttempts: number): Promise<boolean> {
    const c = this.challenges.get(challengeId);
    if (!c || c.attempts >= maxAttempts) return false;
    this.challenges.set(challengeId, { ...c, attempts: c.attempts + 1 });
    return true;
  }

  async linkExecution(executionId: string, approvalId: string): Promise<void> {
    this.executions.set(executionId, approvalId);
  }

  async approvalOf(executionId: string): Promise<string | undefined> {
    return this.executions.get(executionId);
  }
}

/** Executions a local control plane started, with their status as DescribeExecution would report it. */
export class LocalExecutions {
  private readonly byId = new Map<string, { readonly events: () => readonly HistoryEvent[]; status: string }>();

  /** Records every execution `machine` starts from now on (the drill, an operator action, a test). */
  watch(machine: LocalStateMachine): void {
    const start = machine.start.bind(machine);
    machine.start = (...args: Parameters<LocalStateMachine['start']>): LocalExecution => {
      const ex = start(...args);
      if (!this.byId.has(ex.id)) {
        const entry = { events: () => ex.events, status: 'RUNNING' };
        this.byId.set(ex.id, entry);
        void ex.result.then((r) => {
          entry.status = r.status;
        });
      }
      return ex;
    };
  }

  get(executionId: string): { readonly events: readonly HistoryEvent[]; readonly status: string } | undefined {
    const e = this.byId.get(executionId);
    return e ? { events: e.events(), status: e.status } : undefined;
  }
}

/**
 * The local stand-in for DescribeExecution + GetExecutionHistory, as approval-callback reads them when an answer's
 * outcome is unknown: the newest event of the execution's RequestApproval task in the local runtime's history.
 */
export class LocalApprovalTaskReader implements ApprovalTaskReader {
  /** `lookup`: an execution's history and status by ARN (a LocalExecutions, or a test's own list). */
  constructor(private readonly lookup: (executionId: string) => { readonly events: readonly HistoryEvent[]; readonly status: string } | undefined) {}

  async read(executionId: string): Promise<ApprovalTaskState> {
    const ex = this.lookup(executionId);
    if (!ex) throw Object.assign(new Error(`Execution Does Not Exist: '${executionId}'`), { name: 'ExecutionDoesNotExist' });
    const executionStatus = ex.status;
    // The task's latest attempt: from its last entry, a failure not followed by a retry, else its exit.
    const mine = ex.events.filter((e) => e.stateName === 'RequestApproval');
    const entered = mine.findLastIndex((e) => e.type === 'TaskStateEntered');
    if (entered < 0) return { task: 'not-waiting', executionStatus };
    let failed: HistoryEvent | undefined;
    for (const e of mine.slice(entered + 1)) {
      if (e.type === 'TaskFailed') failed = e;
      else if (e.type === 'TaskRetryScheduled') failed = undefined;
      else if (e.type === 'TaskStateExited' && !failed) return { task: 'succeeded', output: e.output, at: e.timestamp, executionStatus };
    }
    if (failed) {
      if (failed.error === 'States.Timeout') return { task: 'timed-out', at: failed.timestamp, executionStatus };
      return { task: 'failed', error: failed.error ?? '', cause: failed.cause ?? '', at: failed.timestamp, executionStatus };
    }
    return executionStatus === 'RUNNING' ? { task: 'waiting', executionStatus } : { task: 'not-waiting', executionStatus };
  }
}
