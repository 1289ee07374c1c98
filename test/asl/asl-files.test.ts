import { POST_APPROVAL_HELPER_STATES, POST_APPROVAL_STEPS } from '../../functions/shared/workflow';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import aslValidator from 'asl-validator';
import { substitutionsFor } from '../../config/steps';
import { allStates } from '../../local/runtime/local-state-machine';

/**
 * Every definition in state-machines/ must be valid ASL, use only the substitutions the stacks
 * provide, and stay inside what the local engine (aws-local-stepfunctions) runs correctly, because the
 * same file runs in AWS and in the drill. lintEngineLimits below lists those limits, each with what goes
 * wrong locally; docs/local-runtime.md says what the runtime models and what it does not.
 */
const DIR = join(__dirname, '..', '..', 'state-machines');
const files = readdirSync(DIR).filter((f) => f.endsWith('.asl.json'));

type State = Record<string, unknown> & { Type: string };
type Machine = { StartAt: string; States: Record<string, State> } & Record<string, unknown>;

/** Placeholders the CDK construct and the local control plane substitute (both from config/steps.ts), with a valid ARN each. */
const KNOWN_PLACEHOLDERS = substitutionsFor({
  function: (step) => `arn:aws:lambda:us-east-1:111122223333:function:${step.folder}`,
  topic: (topic) => `arn:aws:sns:us-east-1:111122223333:${topic}`,
});

// An unknown placeholder is left as it is (the placeholder test below names it).
const placeholderValue = (name: string) => KNOWN_PLACEHOLDERS[name] ?? `\${${name}}`;

function load(file: string): { text: string; machine: Machine } {
  const text = readFileSync(join(DIR, file), 'utf8');
  const substituted = text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_, n: string) => placeholderValue(n));
  return { text, machine: JSON.parse(substituted) as Machine };
}

/** Lint against the engine limits; returns one message per violation. */
function lintEngineLimits(machine: Machine): string[] {
  const problems: string[] = [];
  if (machine.QueryLanguage === 'JSONata') problems.push('top-level QueryLanguage JSONata is not supported by the local engine');
  const walk = (m: Machine, nested: boolean) => {
    for (const [name, s] of Object.entries(m.States)) {
      if (s.QueryLanguage === 'JSONata') problems.push(`${name}: JSONata`);
      if ('Assign' in s) problems.push(`${name}: Assign (Variables) is not supported`);
      if ('Output' in s || 'Arguments' in s) problems.push(`${name}: JSONata fields Output/Arguments`);
      if ('ItemReader' in s || 'ResultWriter' in s || 'ItemBatcher' in s) problems.push(`${name}: distributed Map is not supported`);
      const proc = s.ItemProcessor as { ProcessorConfig?: { Mode?: string } } | undefined;
      if (proc?.ProcessorConfig?.Mode === 'DISTRIBUTED') problems.push(`${name}: distributed Map is not supported`);
      if (s.ResultPath === '$') problems.push(`${name}: ResultPath "$" is handled wrongly by the local engine; use OutputPath`);
      for (const c of (s.Catch as Array<{ ResultPath?: string }> | undefined) ?? []) {
        if (c.ResultPath === '$') problems.push(`${name}: Catch ResultPath "$"`);
      }
      for (const f of ['TimeoutSeconds', 'HeartbeatSeconds']) {
        if (typeof s[f] === 'number' && (s[f] as number) > 2_147_483) problems.push(`${name}: ${f} above 2,147,483 overflows the engine's timer`);
      }
      if (nested && JSON.stringify(s).includes('$$.Execution.Input')) problems.push(`${name}: $$.Execution.Input inside a branch is the branch input locally`);
      for (const b of (s.Branches as Machine[] | undefined) ?? []) walk(b, true);
      const p = (s.ItemProcessor ?? s.Iterator) as Machine | undefined;
      if (p) walk(p, true);
    }
  };
  walk(machine, false);
  return problems;
}

/** Structural checks asl-validator does not make: dangling Next, unreachable states, unguarded tasks. */
function lintStructure(machine: Machine): string[] {
  const problems: string[] = [];
  const check = (m: Machine, where: string) => {
    const names = new Set(Object.keys(m.States));
    if (!names.has(m.StartAt)) problems.push(`${where}: StartAt ${m.StartAt} does not exist`);
    const reached = new Set<string>();
    const visit = (n: string) => {
      if (reached.has(n) || !names.has(n)) return;
      reached.add(n);
      const s = m.States[n];
      const targets = [
        s.Next,
        s.Default,
        ...((s.Choices as Array<{ Next: string }> | undefined) ?? []).map((c) => c.Next),
        ...((s.Catch as Array<{ Next: string }> | undefined) ?? []).map((c) => c.Next),
      ];
      for (const t of targets) {
        if (typeof t !== 'string') continue;
        if (!names.has(t)) problems.push(`${where}.${n}: transition to missing state ${t}`);
        visit(t);
      }
    };
    visit(m.StartAt);
    for (const n of names) if (!reached.has(n)) problems.push(`${where}.${n}: unreachable`);
    for (const [n, s] of Object.entries(m.States)) {
      for (const b of (s.Branches as Machine[] | undefined) ?? []) check(b, `${where}.${n}`);
      const p = (s.ItemProcessor ?? s.Iterator) as Machine | undefined;
      if (p) check(p, `${where}.${n}`);
    }
  };
  check(machine, 'root');
  // Top-level Lambda tasks must retry transient errors. Before any change they catch the rest (and alert). A step that
  // changes something must NOT catch: its error ends the execution at that step, so RedriveExecution resumes there
  // (a Catch would move the failure to a Fail state, which a redrive would only fail again); the failure reporter
  // alerts on it. Nested tasks are handled by their parent.
  const changing = new Set<string>([...POST_APPROVAL_STEPS.map((s) => s.state), ...Object.values(POST_APPROVAL_HELPER_STATES).flat()]);
  for (const [n, s] of Object.entries(machine.States)) {
    if (changing.has(n)) {
      if (s.Type === 'Task' && (!Array.isArray(s.Retry) || s.Retry.length === 0)) problems.push(`${n}: state-changing step without Retry`);
      if (Array.isArray(s.Catch) && s.Catch.length > 0) problems.push(`${n}: state-changing step with a Catch (a redrive could not resume at it)`);
      continue;
    }
    if (s.Type !== 'Task' || !String(s.Resource).includes(':lambda:')) continue;
    if (!Array.isArray(s.Retry) || s.Retry.length === 0) problems.push(`${n}: Lambda task without Retry`);
    if (!Array.isArray(s.Catch) || s.Catch.length === 0) problems.push(`${n}: Lambda task without Catch`);
  }
  return problems;
}

describe.each(files)('%s', (file) => {
  const { text, machine } = load(file);

  it('is valid ASL (asl-validator, with ARNs and paths checked)', () => {
    const { isValid, errorsText } = aslValidator(machine, { checkArn: true, checkPaths: true });
    expect(errorsText('\n')).toBe('');
    expect(isValid).toBe(true);
  });

  it('uses only placeholders the stacks and the drill substitute', () => {
    const used = [...text.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]);
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((u) => !Object.hasOwn(KNOWN_PLACEHOLDERS, u))).toEqual([]);
  });

  it('stays inside the local engine limits (JSONPath only)', () => {
    expect(lintEngineLimits(machine)).toEqual([]);
  });

  it('has no dangling transitions or unreachable states, and every Lambda task retries and catches', () => {
    expect(lintStructure(machine)).toEqual([]);
  });

  it('has unique state names across branches (the local runtime overrides tasks by name)', () => {
    const names = allStates(machine as never).map(([n]) => n);
    expect(names.length).toBe(new Set(names).size);
  });
});

describe('the lint itself', () => {
  const base: Machine = { StartAt: 'A', States: { A: { Type: 'Pass', End: true } } };

  it('flags each engine limit', () => {
    const bad: Machine = {
      StartAt: 'A',
      States: {
        A: { Type: 'Pass', Assign: { x: 1 }, ResultPath: '$', Next: 'B' },
        B: {
          Type: 'Map',
          ItemReader: {},
          ItemProcessor: { StartAt: 'C', States: { C: { Type: 'Pass', Parameters: { 'x.$': '$$.Execution.Input' }, End: true } } },
          Next: 'D',
        },
        D: { Type: 'Task', Resource: 'arn:aws:states:::sns:publish', TimeoutSeconds: 3_000_000, End: true },
      },
    };
    const problems = lintEngineLimits(bad).join('\n');
    for (const expected of ['Assign', 'ResultPath "$"', 'distributed Map', 'Execution.Input', 'TimeoutSeconds']) expect(problems).toContain(expected);
    expect(lintEngineLimits(base)).toEqual([]);
  });

  it('flags dangling, unreachable and unguarded states', () => {
    const bad: Machine = {
      StartAt: 'A',
      States: {
        A: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:111122223333:function:f', Next: 'Missing' },
        Orphan: { Type: 'Succeed' },
      },
    };
    const problems = lintStructure(bad).join('\n');
    expect(problems).toContain('missing state Missing');
    expect(problems).toContain('Orphan: unreachable');
    expect(problems).toContain('without Retry');
    expect(problems).toContain('without Catch');
    // A state-changing step that catches could not be resumed by a redrive.
    const caught = lintStructure({
      StartAt: 'ShiftTraffic',
      States: {
        ShiftTraffic: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:us-east-1:111122223333:function:f',
          Retry: [{ ErrorEquals: ['States.ALL'] }],
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'F' }],
          End: true,
        },
        F: { Type: 'Fail' },
      },
    });
    expect(caught).toContain('ShiftTraffic: state-changing step with a Catch (a redrive could not resume at it)');
    expect(lintStructure(base)).toEqual([]);
  });
});
