import { LocalStateMachine, substitute } from '../../local/runtime/local-state-machine';
import { TaskNoLongerWaitingError } from '../../functions/shared/ports';

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
    expect(() => new LocalStateMachine(def, {}, { lambdas: {}, snsPublish: async () => undefined }, { timeScale: 1 })).toThrow(/refuses Resource arn:aws:states:::dynamodb:putItem/);
  });

  it('refuses a Lambda ARN with no local handler', () => {
    const def = machine({ A: { Type: 'Task', Resource: FN, End: true } });
    expect(() => new LocalStateMachine(def, {}, { lambdas: {}, snsPublish: async () => undefined }, { timeScale: 1 })).toThrow(/no local handler for .*worker/);
  });

  it('runs Lambda tasks with JSON payloads and publishes SNS messages, recording a console-like history', async () => {
    const published: unknown[] = [];
    const def = machine({
      A: { Type: 'Task', Resource: FN, Parameters: { 'n.$': '$.n' }, ResultPath: '$.r', Next: 'B' },
      B: { Type: 'Task', Resource: 'arn:aws:states:::sns:publish', Parameters: { TopicArn: TOPIC, 'Message.$': "States.Format('n={}', $.r.doubled)" }, ResultPath: null, End: true },
    });
    const sm = new LocalStateMachine(def, {}, { lambdas: { [FN]: async (p) => ({ doubled: (p as { n: number }).n * 2 }) }, snsPublish: async (m) => void published.push(m) }, { timeScale: 1 });
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
    // 30 s retry intervals at a 600x scale are 50 ms each: the test needs no real 30 s.
    const sm = new LocalStateMachine(def, {}, { lambdas, snsPublish: async () => undefined }, { timeScale: 600 });
    const result = await sm.start({}, 'run-2').result;
    expect(calls).toBe(3);
    expect(result).toMatchObject({ status: 'FAILED', error: 'TransientError', cause: 'attempt 3 failed' });
  });

  describe('.waitForTaskToken', () => {
    const def = machine({
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
    }, 'Wait');

    function setup(timeScale: number) {
      const tokens: string[] = [];
      const sm: LocalStateMachine = new LocalStateMachine(def, {}, { lambdas: { [FN]: async (p) => void tokens.push((p as { token: string }).token) }, snsPublish: async () => undefined }, { timeScale });
      return { sm, tokens };
    }

    it('hands the function a fresh token and resumes with what SendTaskSuccess sent', async () => {
      const { sm, tokens } = setup(1);
      const ex = sm.start({ ask: 'go?', timeout: 3600 }, 'cb-1');
      while (tokens.length === 0) await new Promise((r) => setImmediate(r));
      expect(tokens[0]).toMatch(/^AQ[A-Za-z0-9+/=]{100,}$/);
      await sm.broker.sendSuccess(tokens[0], { ok: true });
      expect(await ex.result).toMatchObject({ status: 'SUCCEEDED', output: { ask: 'go?', answer: { ok: true } } });
      // A token that is no longer waited on is refused, as AWS answers TaskTimedOut / InvalidToken.
      await expect(sm.broker.sendSuccess(tokens[0], {})).rejects.toBeInstanceOf(TaskNoLongerWaitingError);
    });

    it('fails the task with the sender\'s error on SendTaskFailure', async () => {
      const { sm, tokens } = setup(1);
      const ex = sm.start({ ask: 'go?', timeout: 3600 }, 'cb-2');
      while (tokens.length === 0) await new Promise((r) => setImmediate(r));
      await sm.broker.sendFailure(tokens[0], 'ApprovalRejected', 'no');
      expect(await ex.result).toMatchObject({ status: 'FAILED', error: 'ApprovalRejected', cause: 'no' });
    });

    it('times out after TimeoutSecondsPath (AWS seconds, scaled) with States.Timeout', async () => {
      // 60 AWS seconds at 6000x: 10 ms.
      const { sm, tokens } = setup(6000);
      const result = await sm.start({ ask: 'go?', timeout: 60 }, 'cb-3').result;
      expect(result).toMatchObject({ status: 'FAILED', error: 'TimedOut' });
      await expect(sm.broker.sendSuccess(tokens[0], {})).rejects.toBeInstanceOf(TaskNoLongerWaitingError);
    });
  });
});
