import { AWS_LIMITS, LocalStateMachine, substitute } from '../../local/runtime/local-state-machine';
import { TaskNoLongerWaitingError } from '../../functions/shared/ports';
import { useVirtualTime } from '../support/virtual-time';

// Retry intervals, Waits and callback timeouts are AWS time on the virtual clock: none of them waits for real.
useVirtualTime();

const FN = 'arn:aws:lambda:us-east-1:000000000000:function:worker';
const TOPIC = 'arn:aws:sns:us-east-1:000000000000:alerts';

function machine(states: Record<string, unknown>, startAt = 'A') {
  return JSON.stringify({ StartAt: startAt, States: states });
}

describe('substitute', () => {
  it('replaces every placeholder', () => {
    expect(substitute('{"a":"${X}","b":"${Y}"}', { X: '1', Y: '2' })).toBe('{"a":"1","b":"2"}');
  });
  it('refuses a placeholder without a value, and a value without a placeholder', () => {
    expect(() => substitute('{"a":"${X}"}', {})).toThrow('No substitution for placeholder ${X}');
    expect(() => substitute('{"a":"${X}"}', { X: '1', Z: '2' })).toThrow('not used by the definition: Z');
  });
});

describe('LocalStateMachine', () => {
  it('refuses a Resource it does not emulate, so a drill can never call AWS', () => {
    const def = machine({ A: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:putItem', Parameters: { TableName: 't' }, End: true } });
    expect(() => new LocalStateMachine(def, {}, { lambdas: {}, snsPublish: async () => undefined })).toThrow(
      /refuses Resource arn:aws:states:::dynamodb:putItem/,
    );
  });

  it('refuses a Lambda ARN with no local handler', () => {
    const def = machine({ A: { Type: 'Task', Resource: FN, End: true } });
    expect(() => new LocalStateMachine(def, {}, { lambdas: {}, snsPublish: async () => undefined })).toThrow(/no local handler for .*worker/);
  });

  it('runs Lambda tasks with JSON payloads and publishes SNS messages, recording a console-like history', async () => {
    const published: unknown[] = [];
    const def = machine({
      A: { Type: 'Task', Resource: FN, Parameters: { 'n.$': '$.n' }, ResultPath: '$.r', Next: 'B' },
      B: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sns:publish',
        Parameters: { TopicArn: TOPIC, 'Message.$': "States.Format('n={}', $.r.doubled)" },
        ResultPath: null,
        End: true,
      },
    });
    const sm = new LocalStateMachine(
      def,
      {},
      { lambdas: { [FN]: async (p) => ({ doubled: (p as { n: number }).n * 2 }) }, snsPublish: async (m) => void published.push(m) },
    );
    const ex = sm.start({ n: 21 }, 'run-1');
    const result = await ex.result;
    expect(result).toEqual({ status: 'SUCCEEDED', output: { n: 21, r: { doubled: 42 } } });
    expect(published).toEqual([{ TopicArn: TOPIC, Message: 'n=42' }]);
    expect(ex.events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskStateExited',
      'TaskStateEntered',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('retries a task by error name and reports the failure with its name and message, like Lambda errors', async () => {
    let calls = 0;
    const def = machine({
      A: {
        Type: 'Task',
        Resource: FN,
        Retry: [{ ErrorEquals: ['TransientError'], IntervalSeconds: 30, MaxAttempts: 2 }],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'F' }],
        End: true,
      },
      F: { Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' },
    });
    const lambdas = {
      [FN]: async () => {
        calls++;
        const e = new Error(`attempt ${calls} failed`);
        e.name = 'TransientError';
        throw e;
      },
    };
    const sm = new LocalStateMachine(def, {}, { lambdas, snsPublish: async () => undefined });
    const started = Date.now();
    const result = await sm.start({}, 'run-2').result;
    expect(calls).toBe(3);
    expect(result).toMatchObject({ status: 'FAILED', error: 'TransientError', cause: 'attempt 3 failed' });
    // BackoffRate 2 (the default): 30 s, then 60 s, in AWS time on the virtual clock.
    expect(Date.now() - started).toBe(90_000);
  });

  it('waits between retries as AWS does: BackoffRate, MaxDelaySeconds, and FULL jitter drawn from the seed', async () => {
    const failing = async () => {
      const e = new Error('busy');
      e.name = 'TransientError';
      throw e;
    };
    const run = async (retry: Record<string, unknown>) => {
      const def = machine({ A: { Type: 'Task', Resource: FN, Retry: [{ ErrorEquals: ['TransientError'], ...retry }], End: true } });
      const sm = new LocalStateMachine(def, {}, { lambdas: { [FN]: failing }, snsPublish: async () => undefined });
      const ex = sm.start({}, 'backoff');
      const started = Date.now();
      await ex.result;
      const retried = ex.events.filter((e) => e.type === 'TaskFailed').map((e) => e.timestamp - started);
      return { total: Date.now() - started, retried };
    };
    // 1 s, 3 s, 9 s capped at 5 s: 1 + 3 + 5.
    expect((await run({ IntervalSeconds: 1, BackoffRate: 3, MaxAttempts: 3, MaxDelaySeconds: 5 })).total).toBe(9_000);
    // FULL jitter: each wait is drawn in [0, interval] (from the seed), so the three together fall short of 70 s.
    const jittered = await run({ IntervalSeconds: 10, BackoffRate: 2, MaxAttempts: 3, JitterStrategy: 'FULL' });
    expect((await run({ IntervalSeconds: 10, BackoffRate: 2, MaxAttempts: 3 })).total).toBe(70_000);
    expect(jittered.total).toBeLessThan(70_000);
  });

  it('a Wait state takes its Seconds of virtual time', async () => {
    const def = machine({ A: { Type: 'Wait', Seconds: 3_600, Next: 'B' }, B: { Type: 'Succeed' } });
    const sm = new LocalStateMachine(def, {}, { lambdas: {}, snsPublish: async () => undefined });
    const started = Date.now();
    expect(await sm.start({}, 'wait').result).toMatchObject({ status: 'SUCCEEDED' });
    expect(Date.now() - started).toBe(3_600_000);
  });

  describe('.waitForTaskToken', () => {
    const def = machine(
      {
        Wait: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Parameters: { FunctionName: FN, Payload: { 'token.$': '$$.Task.Token', 'ask.$': '$.ask' } },
          TimeoutSecondsPath: '$.timeout',
          Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'TimedOut' }],
          ResultPath: '$.answer',
          End: true,
        },
        TimedOut: { Type: 'Fail', Error: 'TimedOut', Cause: 'nobody answered' },
      },
      'Wait',
    );

    function setup() {
      const tokens: string[] = [];
      let delivered!: (token: string) => void;
      const first = new Promise<string>((r) => (delivered = r));
      const sm: LocalStateMachine = new LocalStateMachine(
        def,
        {},
        {
          lambdas: {
            [FN]: async (p) => {
              tokens.push((p as { token: string }).token);
              delivered(tokens[0]);
            },
          },
          snsPublish: async () => undefined,
        },
      );
      return { sm, tokens, first };
    }

    it('hands the function a fresh token and resumes with what SendTaskSuccess sent', async () => {
      const { sm, tokens, first } = setup();
      const ex = sm.start({ ask: 'go?', timeout: 3600 }, 'cb-1');
      await first;
      expect(tokens[0]).toMatch(/^AQ[A-Za-z0-9+/=]{100,}$/);
      await sm.broker.sendSuccess(tokens[0], { ok: true });
      expect(await ex.result).toMatchObject({ status: 'SUCCEEDED', output: { ask: 'go?', answer: { ok: true } } });
      // A token that is no longer waited on is refused, as AWS answers TaskTimedOut / InvalidToken.
      await expect(sm.broker.sendSuccess(tokens[0], {})).rejects.toBeInstanceOf(TaskNoLongerWaitingError);
    });

    it("fails the task with the sender's error on SendTaskFailure", async () => {
      const { sm, tokens, first } = setup();
      const ex = sm.start({ ask: 'go?', timeout: 3600 }, 'cb-2');
      await first;
      await sm.broker.sendFailure(tokens[0], 'ApprovalRejected', 'no');
      expect(await ex.result).toMatchObject({ status: 'FAILED', error: 'ApprovalRejected', cause: 'no' });
    });

    it('times out after TimeoutSecondsPath (AWS seconds, on the virtual clock) with States.Timeout', async () => {
      const { sm, tokens } = setup();
      const started = Date.now();
      const result = await sm.start({ ask: 'go?', timeout: 60 }, 'cb-3').result;
      expect(result).toMatchObject({ status: 'FAILED', error: 'TimedOut' });
      expect(Date.now() - started).toBe(60_000);
      await expect(sm.broker.sendSuccess(tokens[0], {})).rejects.toBeInstanceOf(TaskNoLongerWaitingError);
    });
  });
});

describe('the local runtime enforces what Step Functions and Lambda enforce (docs/local-runtime.md)', () => {
  const big = 'x'.repeat(AWS_LIMITS.payloadBytes);
  const noSns = async () => undefined;

  it('a task result over 262,144 bytes fails the execution with States.DataLimitExceeded, which Catch cannot handle', async () => {
    const def = machine({
      A: { Type: 'Task', Resource: FN, Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Caught' }], Next: 'After' },
      After: { Type: 'Succeed' },
      Caught: { Type: 'Succeed' },
    });
    const sm = new LocalStateMachine(def, {}, { lambdas: { [FN]: async () => ({ big }) }, snsPublish: noSns });
    const ex = sm.start({}, 'too-big');
    expect(await ex.result).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded', cause: expect.stringContaining('The result of A is') });
    expect(ex.events.some((e) => e.stateName === 'Caught')).toBe(false);
    expect(ex.events.at(-1)).toMatchObject({ type: 'ExecutionFailed', error: 'States.DataLimitExceeded' });
  });

  it('a state output over the limit (a Pass building it) fails the same way', async () => {
    const def = machine({ A: { Type: 'Pass', Parameters: { 'copy.$': '$.s' }, ResultPath: '$.copy', Next: 'B' }, B: { Type: 'Succeed' } });
    const sm = new LocalStateMachine(def, {}, { lambdas: {}, snsPublish: noSns });
    const result = await sm.start({ s: 'y'.repeat(AWS_LIMITS.payloadBytes / 2 + 10) }, 'pass-too-big').result;
    expect(result).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
  });

  it('an execution whose history reaches 25,000 events fails', async () => {
    const def = machine(
      {
        Loop: { Type: 'Pass', Next: 'Again' },
        Again: { Type: 'Choice', Choices: [{ Variable: '$.forever', BooleanEquals: true, Next: 'Loop' }], Default: 'Done' },
        Done: { Type: 'Succeed' },
      },
      'Loop',
    );
    const sm = new LocalStateMachine(def, {}, { lambdas: {}, snsPublish: noSns });
    const ex = sm.start({ forever: true }, 'endless');
    expect(await ex.result).toMatchObject({ status: 'FAILED', error: 'States.Runtime', cause: expect.stringContaining('25000 events') });
    // The history stops at the limit, then the failure.
    expect(ex.events).toHaveLength(AWS_LIMITS.historyEvents + 1);
    expect(ex.events.at(-1)).toMatchObject({ type: 'ExecutionFailed', error: 'States.Runtime' });
  });

  it('a Lambda that runs past its configured timeout fails with Sandbox.Timedout (a Retry can name it)', async () => {
    let calls = 0;
    const def = machine({ A: { Type: 'Task', Resource: FN, Retry: [{ ErrorEquals: ['Sandbox.Timedout'], IntervalSeconds: 1, MaxAttempts: 1 }], End: true } });
    const slow = async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 31_000));
      return {};
    };
    const sm = new LocalStateMachine(def, {}, { lambdas: { [FN]: slow }, snsPublish: noSns, lambdaTimeoutSeconds: { [FN]: 30 } });
    expect(await sm.start({}, 'slow').result).toMatchObject({ status: 'FAILED', error: 'Sandbox.Timedout', cause: 'Task timed out after 30.00 seconds' });
    expect(calls).toBe(2);
  });

  it('a task over its TimeoutSeconds fails with States.Timeout', async () => {
    const def = machine({ A: { Type: 'Task', Resource: FN, TimeoutSeconds: 5, End: true } });
    const sm = new LocalStateMachine(def, {}, { lambdas: { [FN]: () => new Promise((r) => setTimeout(r, 6_000)) }, snsPublish: noSns });
    expect(await sm.start({}, 'task-timeout').result).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
  });

  it('execution names are unique: the same name and input while running is the same execution; anything else is ExecutionAlreadyExists', async () => {
    const def = machine({ A: { Type: 'Wait', Seconds: 60, Next: 'B' }, B: { Type: 'Succeed' } });
    const sm = new LocalStateMachine(def, {}, { lambdas: {}, snsPublish: noSns });
    const a = sm.start({ n: 1 }, 'once');
    expect(sm.start({ n: 1 }, 'once')).toBe(a);
    expect(() => sm.start({ n: 2 }, 'once')).toThrow(expect.objectContaining({ name: 'ExecutionAlreadyExists' }));
    await a.result;
    expect(() => sm.start({ n: 1 }, 'once')).toThrow(expect.objectContaining({ name: 'ExecutionAlreadyExists' }));
  });

  it('a redrive resumes at the failed state with the same ARN; a Parallel branch that succeeded is not run again', async () => {
    const calls: string[] = [];
    let broken = true;
    const A = 'arn:aws:lambda:us-east-1:000000000000:function:a';
    const B = 'arn:aws:lambda:us-east-1:000000000000:function:b';
    const def = machine(
      {
        First: { Type: 'Task', Resource: FN, ResultPath: '$.first', Next: 'Both' },
        Both: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'Left', States: { Left: { Type: 'Task', Resource: A, End: true } } },
            { StartAt: 'Right', States: { Right: { Type: 'Task', Resource: B, End: true } } },
          ],
          ResultPath: '$.both',
          End: true,
        },
      },
      'First',
    );
    const lambdas = {
      [FN]: async () => void calls.push('first'),
      [A]: async () => void calls.push('left'),
      [B]: async () => {
        calls.push('right');
        if (broken) throw Object.assign(new Error('not yet'), { name: 'StepFailedError' });
        return 'ok';
      },
    };
    const sm = new LocalStateMachine(def, {}, { lambdas, snsPublish: noSns });
    const ex = sm.start({}, 'parallel');
    expect(await ex.result).toMatchObject({ status: 'FAILED', error: 'StepFailedError' });
    broken = false;
    ex.redrive();
    expect(await ex.result).toMatchObject({ status: 'SUCCEEDED' });
    expect(calls).toEqual(['first', 'left', 'right', 'right']);
    expect(ex.events.find((e) => e.type === 'ExecutionRedriven')).toMatchObject({ redriveCount: 1, stateName: 'Both' });
  });

  it('only within 14 days of the stop, and never while running', async () => {
    const def = machine({ A: { Type: 'Task', Resource: FN, End: true } });
    const failing = async () => {
      throw Object.assign(new Error('no'), { name: 'StepFailedError' });
    };
    const sm = new LocalStateMachine(def, {}, { lambdas: { [FN]: failing }, snsPublish: noSns });
    const ex = sm.start({}, 'old');
    expect(() => ex.redrive()).toThrow(expect.objectContaining({ name: 'ExecutionNotRedrivable' }));
    await ex.result;
    await new Promise((r) => setTimeout(r, AWS_LIMITS.redriveWindowMs + 1));
    expect(() => ex.redrive()).toThrow(/more than 14 days ago/);
  });
});
