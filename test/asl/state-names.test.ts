import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Every Lambda task tells its function which state invoked it (`stateName`, a literal: the local engine
 * has no `$$.State.Name`), so each log line of the task names its state (functions/shared/middleware.ts).
 * A renamed state with a stale literal would mislabel every line of that step.
 */
const FILES = ['failover.asl.json', 'failback.asl.json'];

type State = {
  Type: string;
  Resource?: string;
  Parameters?: Record<string, unknown>;
  Branches?: { States: Record<string, State> }[];
  Iterator?: { States: Record<string, State> };
  ItemProcessor?: { States: Record<string, State> };
};

function lambdaTasks(states: Record<string, State>): Array<[name: string, payload: Record<string, unknown> | undefined]> {
  return Object.entries(states).flatMap(([name, s]) => {
    const own: Array<[string, Record<string, unknown> | undefined]> = [];
    if (s.Type === 'Task' && /^\$\{\w+FunctionArn\}$/.test(s.Resource ?? '')) own.push([name, s.Parameters]);
    if (s.Type === 'Task' && (s.Resource ?? '').startsWith('arn:aws:states:::lambda:invoke'))
      own.push([name, s.Parameters?.Payload as Record<string, unknown> | undefined]);
    const nested = [...(s.Branches ?? []), ...(s.Iterator ? [s.Iterator] : []), ...(s.ItemProcessor ? [s.ItemProcessor] : [])].flatMap((b) =>
      lambdaTasks(b.States),
    );
    return [...own, ...nested];
  });
}

describe.each(FILES)('%s', (file) => {
  const asl = JSON.parse(readFileSync(resolve(__dirname, '..', '..', 'state-machines', file), 'utf8')) as { States: Record<string, State> };
  const tasks = lambdaTasks(asl.States);

  test('has Lambda tasks (including those inside Parallel and Map)', () => {
    expect(tasks.map(([name]) => name)).toEqual(expect.arrayContaining(['AssessHealth', 'RequestApproval', 'PromoteStore', 'VerifyRecovery']));
  });

  test.each(lambdaTasks(JSON.parse(readFileSync(resolve(__dirname, '..', '..', 'state-machines', file), 'utf8')).States))(
    '%s passes its own name as stateName',
    (name, payload) => {
      expect(payload?.stateName).toBe(name);
    },
  );
});
