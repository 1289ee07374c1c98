import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAMBDA_TIMEOUT_SECONDS } from '../../config/lambda-timeouts';
import { approvalSchema } from '../../config/schema';

/**
 * A Task's TimeoutSeconds must be above its function's own timeout (config/lambda-timeouts.ts, what the stacks
 * deploy): a slow run must surface as the function's Sandbox.Timedout, which the Retry lists can name, never as the
 * state's States.Timeout cutting off a function that is still running (and may still be writing).
 */
const FILES = ['failover.asl.json', 'failback.asl.json'];
type State = Record<string, unknown> & {
  Type: string;
  Resource?: string;
  Parameters?: Record<string, unknown>;
  Branches?: Machine[];
  ItemProcessor?: Machine;
  Retry?: Array<{ ErrorEquals: string[] }>;
};
type Machine = { States: Record<string, State> };

function tasks(m: Machine): Array<[string, State]> {
  return Object.entries(m.States).flatMap(([name, s]) => [
    ...(s.Type === 'Task' ? [[name, s] as [string, State]] : []),
    ...(s.Branches ?? []).flatMap(tasks),
    ...(s.ItemProcessor ? tasks(s.ItemProcessor) : []),
  ]);
}

/** `${DataConsistencyValidatorFunctionArn}` -> `data-consistency-validator`. */
function functionOf(s: State): string | undefined {
  const ref = /^\$\{(\w+)FunctionArn\}$/.exec(String(s.Resource ?? ''))?.[1] ?? /^\$\{(\w+)FunctionArn\}$/.exec(String(s.Parameters?.FunctionName ?? ''))?.[1];
  return ref?.replace(/[A-Z]/g, (c, i: number) => `${i === 0 ? '' : '-'}${c.toLowerCase()}`);
}

describe.each(FILES)('%s', (file) => {
  const machine = JSON.parse(readFileSync(join(__dirname, '..', '..', 'state-machines', file), 'utf8')) as Machine;
  const lambdaTasks = tasks(machine).filter(([, s]) => functionOf(s) !== undefined);

  test('has Lambda tasks, each naming a function with a known timeout', () => {
    expect(lambdaTasks.length).toBeGreaterThan(10);
    for (const [name, s] of lambdaTasks) expect([name, functionOf(s)! in LAMBDA_TIMEOUT_SECONDS]).toEqual([name, true]);
  });

  test.each(tasks(machine).filter(([, s]) => functionOf(s) !== undefined))('%s: TimeoutSeconds above its function timeout', (_name, s) => {
    const fn = functionOf(s) as keyof typeof LAMBDA_TIMEOUT_SECONDS;
    if (s.TimeoutSecondsPath !== undefined) {
      // A callback task waits for a person: its timeout comes from the config, whose minimum is above the function's.
      expect(approvalSchema.shape.timeoutSeconds.safeParse(LAMBDA_TIMEOUT_SECONDS[fn]).success).toBe(false);
      return;
    }
    expect(typeof s.TimeoutSeconds).toBe('number');
    expect(s.TimeoutSeconds as number).toBeGreaterThan(LAMBDA_TIMEOUT_SECONDS[fn]);
  });

  test('every data-consistency-validator task retries a function that timed out (each of its steps is safe to repeat)', () => {
    const validator = lambdaTasks.filter(([, s]) => functionOf(s) === 'data-consistency-validator');
    expect(validator.length).toBeGreaterThanOrEqual(file === 'failover.asl.json' ? 5 : 10);
    for (const [name, s] of validator) expect([name, (s.Retry ?? []).some((r) => r.ErrorEquals.includes('Sandbox.Timedout'))]).toEqual([name, true]);
  });
});
