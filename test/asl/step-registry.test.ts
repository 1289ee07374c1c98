import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAMBDA_TIMEOUT_SECONDS } from '../../config/lambda-timeouts';
import { auditStepOf, STEPS, stepByFolder, substitutionsFor, TOPIC_SUBSTITUTIONS, WORKFLOW_STEPS, type Workflow } from '../../config/steps';

/**
 * config/steps.ts names every Lambda-backed step once. This holds it and the ASL files to each other both ways: every
 * Lambda task of a workflow is in the registry under its substitution and state name, with the action the registry
 * lists, and every state the registry lists is in that workflow's file behind that substitution. Each task's payload
 * carries its own state name (`stateName`, a literal: the local engine has no `$$.State.Name`): its log lines and its
 * audit entries name the state, so a stale literal would mislabel every one of them.
 */
const ROOT = join(__dirname, '..', '..');
const DIR = join(ROOT, 'state-machines');
const files = readdirSync(DIR).filter((f) => f.endsWith('.asl.json'));

type State = {
  Type: string;
  Resource?: string;
  Parameters?: Record<string, unknown>;
  ItemSelector?: Record<string, unknown>;
  Branches?: Machine[];
  Iterator?: Machine;
  ItemProcessor?: Machine;
};
type Machine = { States: Record<string, State> };

interface LambdaTask {
  readonly name: string;
  /** The `${...FunctionArn}` placeholder it invokes. */
  readonly substitution: string;
  readonly payload: Record<string, unknown>;
  /** The enclosing Map's ItemSelector, which `$.x` paths of the payload read from. */
  readonly item?: Record<string, unknown>;
}

const PLACEHOLDER = /^\$\{(\w+FunctionArn)\}$/;

/** Every Task state that invokes a `${...FunctionArn}`, including those inside Parallel branches and Maps. */
function lambdaTasks(machine: Machine, item?: Record<string, unknown>): LambdaTask[] {
  return Object.entries(machine.States).flatMap(([name, s]) => {
    const own: LambdaTask[] = [];
    if (s.Type === 'Task') {
      const direct = PLACEHOLDER.exec(s.Resource ?? '');
      const viaInvoke = (s.Resource ?? '').startsWith('arn:aws:states:::lambda:invoke') ? PLACEHOLDER.exec(String(s.Parameters?.FunctionName ?? '')) : null;
      if (direct) own.push({ name, substitution: direct[1], payload: s.Parameters ?? {}, ...(item ? { item } : {}) });
      if (viaInvoke)
        own.push({ name, substitution: viaInvoke[1], payload: (s.Parameters?.Payload ?? {}) as Record<string, unknown>, ...(item ? { item } : {}) });
    }
    const nested = [
      ...(s.Branches ?? []).map((b) => lambdaTasks(b, item)),
      ...[s.ItemProcessor ?? s.Iterator].filter((p) => p !== undefined).map((p) => lambdaTasks(p, s.ItemSelector)),
    ];
    return [...own, ...nested.flat()];
  });
}

/** The payload's action: a literal, or a `$.field` of the enclosing Map's item. */
function actionOf(task: LambdaTask): unknown {
  if ('action' in task.payload) return task.payload.action;
  const path = task.payload['action.$'];
  if (typeof path !== 'string') return undefined;
  const field = /^\$\.(\w+)$/.exec(path)?.[1];
  return field && task.item ? task.item[field] : path;
}

/** Everything wrong between one workflow's ASL and the registry, one message per finding. */
function mismatches(workflow: Workflow, machine: Machine): string[] {
  const problems: string[] = [];
  const tasks = lambdaTasks(machine);
  for (const task of tasks) {
    const step = WORKFLOW_STEPS.find((s) => s.substitution === task.substitution);
    if (!step) {
      problems.push(`${task.name}: \${${task.substitution}} is no function of config/steps.ts`);
      continue;
    }
    const listed = step.states[task.name];
    if (!listed) problems.push(`${task.name}: not a state of ${step.folder} in config/steps.ts`);
    else if (!listed.in.includes(workflow)) problems.push(`${task.name}: config/steps.ts does not list it in the ${workflow} workflow`);
    if (task.payload.stateName !== task.name) problems.push(`${task.name}: payload stateName is ${JSON.stringify(task.payload.stateName)}`);
    const action = actionOf(task);
    if (action !== undefined && !step.actions.includes(action as string))
      problems.push(`${task.name}: action ${JSON.stringify(action)} is not one of ${step.folder}'s (${step.actions.join(', ')})`);
    if (listed && action !== listed.action)
      problems.push(`${task.name}: action ${JSON.stringify(action)}, config/steps.ts says ${JSON.stringify(listed.action)}`);
    for (const key of ['step', 'step.$'])
      if (key in task.payload || (task.item && key in task.item)) problems.push(`${task.name}: payload field "${key}" (every function takes "action")`);
  }
  for (const step of WORKFLOW_STEPS) {
    for (const [name, state] of Object.entries(step.states)) {
      if (!state.in.includes(workflow)) continue;
      const found = tasks.filter((t) => t.name === name);
      if (found.length === 0) problems.push(`${name} (${step.folder}): in config/steps.ts for ${workflow}, but no such Lambda task in the file`);
      for (const t of found)
        if (t.substitution !== step.substitution) problems.push(`${name}: invokes \${${t.substitution}}, config/steps.ts says \${${step.substitution}}`);
    }
  }
  return problems;
}

const load = (file: string) => JSON.parse(readFileSync(join(DIR, file), 'utf8')) as Machine;

describe.each(files)('%s against config/steps.ts', (file) => {
  const workflow = file.replace('.asl.json', '') as Workflow;
  const machine = load(file);

  it('is a workflow the registry knows', () => {
    expect(['failover', 'failback']).toContain(workflow);
  });

  it('has Lambda tasks to check (including inside Parallel branches and Maps)', () => {
    expect(lambdaTasks(machine).map((t) => t.name)).toEqual(expect.arrayContaining(['AssessHealth', 'RequestApproval', 'PromoteStore', 'ShiftTraffic']));
  });

  it('matches the registry both ways: states, substitutions, stateName and action', () => {
    expect(mismatches(workflow, machine)).toEqual([]);
  });

  it('uses exactly the placeholders the registry substitutes', () => {
    const used = new Set([...readFileSync(join(DIR, file), 'utf8').matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]));
    const known = Object.keys(substitutionsFor({ function: () => 'arn', topic: () => 'arn' }));
    expect([...used].filter((p) => !known.includes(p))).toEqual([]);
  });
});

describe('the check itself', () => {
  const failover = load('failover.asl.json');
  const renamed = (from: string, to: string): Machine => JSON.parse(JSON.stringify(failover).replaceAll(`"${from}"`, `"${to}"`)) as Machine;

  it('flags a renamed state from both sides', () => {
    const problems = mismatches('failover', renamed('ShiftTraffic', 'MoveTraffic'));
    expect(problems).toContain('MoveTraffic: not a state of traffic-router in config/steps.ts');
    expect(problems).toContain('ShiftTraffic (traffic-router): in config/steps.ts for failover, but no such Lambda task in the file');
  });

  it('flags an unknown substitution, a wrong action, a stale stateName and a "step" field', () => {
    const m = load('failover.asl.json');
    const params = (name: string) => m.States[name].Parameters as Record<string, unknown>;
    m.States.AssessHealth.Resource = '${HealthCheckFunctionArn}';
    params('VerifyRecovery').action = 'assess';
    params('FenceOldPrimary').stateName = 'Fence';
    params('ActivateStandby').step = 'activate';
    const problems = mismatches('failover', m).join('\n');
    expect(problems).toContain('AssessHealth: ${HealthCheckFunctionArn} is no function of config/steps.ts');
    expect(problems).toContain('VerifyRecovery: action "assess", config/steps.ts says "verify"');
    expect(problems).toContain('FenceOldPrimary: payload stateName is "Fence"');
    expect(problems).toContain('ActivateStandby: payload field "step"');
  });

  it("reads a Map item's action through the Map's ItemSelector", () => {
    const m = load('failover.asl.json');
    const promote = lambdaTasks(m).find((t) => t.name === 'PromoteStore')!;
    expect(actionOf(promote)).toBe('promote');
    (m.States.PromoteData.ItemSelector as Record<string, unknown>).action = 'activate';
    expect(mismatches('failover', m)).toContain('PromoteStore: action "activate", config/steps.ts says "promote"');
  });
});

describe('the registry', () => {
  it('names a folder with a handler for every function, and every handler folder but the canary (a Synthetics script)', () => {
    const folders = Object.values(STEPS).map((s) => s.folder);
    for (const f of folders) expect(existsSync(join(ROOT, 'functions', f, 'handler.ts'))).toBe(true);
    const withHandler = readdirSync(join(ROOT, 'functions')).filter((f) => existsSync(join(ROOT, 'functions', f, 'handler.ts')));
    expect(withHandler.filter((f) => f !== 'canary').sort()).toEqual([...folders].sort());
  });

  it('has a Lambda timeout for every function, and none for a function it does not name', () => {
    expect(Object.keys(LAMBDA_TIMEOUT_SECONDS).sort()).toEqual(
      Object.values(STEPS)
        .map((s) => s.folder)
        .sort(),
    );
  });

  it('derives every name from the folder', () => {
    expect(stepByFolder('traffic-router')).toMatchObject({
      key: 'trafficRouter',
      constructId: 'TrafficRouter',
      substitution: 'TrafficRouterFunctionArn',
      logService: 'traffic-router',
      dashboardLabel: 'TrafficRouter',
    });
    expect(stepByFolder('failure-reporter')).toMatchObject({
      constructId: 'FailureReporter',
      substitution: undefined,
      auditStep: 'FailureReporter',
      dashboardLabel: undefined,
    });
    expect(() => stepByFolder('no-such-function')).toThrow('No step with folder no-such-function');
  });

  it('substitutes every workflow function and topic once', () => {
    const subs = substitutionsFor({ function: (s) => `fn:${s.folder}`, topic: (t) => `topic:${t}` });
    expect(subs).toEqual({
      HealthCheckerFunctionArn: 'fn:health-checker',
      TrafficRouterFunctionArn: 'fn:traffic-router',
      FailoverOrchestratorFunctionArn: 'fn:failover-orchestrator',
      DataConsistencyValidatorFunctionArn: 'fn:data-consistency-validator',
      ApprovalRequestFunctionArn: 'fn:approval-request',
      [TOPIC_SUBSTITUTIONS.alert]: 'topic:alert',
      [TOPIC_SUBSTITUTIONS.escalation]: 'topic:escalation',
    });
  });

  it('records the invoking state as the audit step, else the state of the action, else the function', () => {
    const orchestrator = STEPS.failoverOrchestrator;
    expect(auditStepOf(orchestrator, { stateName: 'ConfirmStandbyScaled', action: 'scale-standby' })).toBe('ConfirmStandbyScaled');
    expect(auditStepOf(orchestrator, { action: 'scale-standby' })).toBe('ScaleStandby');
    // A stateName that is not one of this function's states is not trusted into the audit trail.
    expect(auditStepOf(orchestrator, { stateName: 'ShiftTraffic', action: 'fence' })).toBe('FenceOldPrimary');
    expect(auditStepOf(orchestrator, null)).toBe('FailoverOrchestrator');
    // The action the code runs, when the payload has none (a use case called directly).
    expect(auditStepOf(STEPS.dataConsistencyValidator, { state: {} }, 'resync-verdict')).toBe('ResyncVerdict');
  });
});
