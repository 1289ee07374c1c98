// The step registry. It lives in config/ because infra (construct ids, substitutions, dashboard), the functions (log
// service, audit step names), the drill (local ARNs) and the tests all name the same steps, and none of them may
// import another's code. Pure data and pure functions: no imports.
//
// One name per step, everywhere: each Lambda function is named once, by its folder, and every other name is derived
// from that by one rule:
//   folder        traffic-router                 functions/traffic-router/handler.ts
//   construct id  TrafficRouter                  PascalCase of the folder
//   substitution  ${TrafficRouterFunctionArn}    construct id + FunctionArn (functions the workflows invoke)
//   log service   traffic-router                 the folder (Powertools serviceName)
//   dashboard     TrafficRouter                  the construct id (graph labels)
//   audit step    ShiftTraffic                   the ASL state that invoked it (its payload's `stateName`); the
//                                                construct id for functions no workflow invokes
// What is not derived is listed here: the ASL Task states each function backs, per workflow, and the `action` each
// of those states puts in its payload. test/asl/step-registry.test.ts holds this list and state-machines/*.asl.json
// to each other both ways.

export type Workflow = 'failover' | 'failback';

/** One ASL Task state backed by a function. */
interface StateDefinition {
  /** The payload's `action` (a Map's item may carry it: see PromoteStore). Absent: the function takes no action. */
  readonly action?: string;
  /** The workflows whose ASL file has this state. */
  readonly in: readonly Workflow[];
}

interface WorkflowFunctionDefinition {
  readonly folder: string;
  /** The Task states it backs, by ASL state name (the same name in every workflow that has it). */
  readonly states: Readonly<Record<string, StateDefinition>>;
  /** Graphed on the dashboard (duration, errors, throttles). */
  readonly graphed: boolean;
}

interface OtherFunctionDefinition {
  readonly folder: string;
  readonly graphed: boolean;
}

const BOTH: readonly Workflow[] = ['failover', 'failback'];
const FAILOVER_ONLY: readonly Workflow[] = ['failover'];
const FAILBACK_ONLY: readonly Workflow[] = ['failback'];

/** The functions the workflows invoke, keyed like the TaskFunctions construct's properties. */
const WORKFLOW_FUNCTIONS = {
  healthChecker: {
    folder: 'health-checker',
    states: {
      AssessHealth: { action: 'assess', in: BOTH },
      RecheckStandby: { action: 'assess', in: FAILOVER_ONLY },
      VerifyRecovery: { action: 'verify', in: BOTH },
    },
    graphed: true,
  },
  trafficRouter: {
    folder: 'traffic-router',
    states: { ShiftTraffic: { action: 'shift', in: BOTH } },
    graphed: true,
  },
  failoverOrchestrator: {
    folder: 'failover-orchestrator',
    states: {
      // Both states run the one `scale-standby` action, and share its idempotency key (execution + action): the
      // confirmation after approval gets the scaling result back instead of scaling again (docs/adr/0003).
      ScaleStandby: { action: 'scale-standby', in: FAILOVER_ONLY },
      ConfirmStandbyScaled: { action: 'scale-standby', in: FAILOVER_ONLY },
      FenceOldPrimary: { action: 'fence', in: BOTH },
      PromoteStore: { action: 'promote', in: BOTH },
      ActivateStandby: { action: 'activate', in: BOTH },
    },
    graphed: true,
  },
  dataConsistencyValidator: {
    folder: 'data-consistency-validator',
    states: {
      AssessDataRisk: { action: 'preflight', in: BOTH },
      PlanDataComparison: { action: 'compare-plan', in: BOTH },
      CompareSegment: { action: 'compare-segment', in: BOTH },
      MergeDataComparison: { action: 'compare-merge', in: BOTH },
      ValidateData: { action: 'post', in: BOTH },
      ResyncCheck: { action: 'resync', in: FAILBACK_ONLY },
      PlanResyncComparison: { action: 'compare-plan', in: FAILBACK_ONLY },
      CompareResyncSegment: { action: 'compare-segment', in: FAILBACK_ONLY },
      MergeResyncComparison: { action: 'compare-merge', in: FAILBACK_ONLY },
      ResyncVerdict: { action: 'resync-verdict', in: FAILBACK_ONLY },
    },
    graphed: true,
  },
  approvalRequest: {
    folder: 'approval-request',
    // A .waitForTaskToken task: its payload carries the token, no action.
    states: { RequestApproval: { in: BOTH } },
    graphed: true,
  },
} as const satisfies Record<string, WorkflowFunctionDefinition>;

/**
 * The functions no workflow state invokes. (The detection canary is a CloudWatch Synthetics canary, not one of these
 * Lambda functions: infra/constructs/detection.ts bundles functions/canary itself.)
 */
const OTHER_FUNCTIONS = {
  /** Behind the approval API; answers RequestApproval's task token. */
  approvalCallback: { folder: 'approval-callback', graphed: false },
  /** Started by EventBridge on a detection alarm; starts the failover. */
  alarmTrigger: { folder: 'alarm-trigger', graphed: true },
  /** Every minute, beside the workflows. */
  siteStateReconciler: { folder: 'site-state-reconciler', graphed: false },
  /** On an execution that stops unsuccessfully. */
  failureReporter: { folder: 'failure-reporter', graphed: false },
  /** Every minute, beside the workflows. */
  replicationHeartbeat: { folder: 'replication-heartbeat', graphed: false },
} as const satisfies Record<string, OtherFunctionDefinition>;

export type WorkflowStepKey = keyof typeof WORKFLOW_FUNCTIONS;
export type StepKey = WorkflowStepKey | keyof typeof OTHER_FUNCTIONS;
/** The folders of the functions the workflows invoke (`'traffic-router' | ...`). */
export type WorkflowFolder = (typeof WORKFLOW_FUNCTIONS)[WorkflowStepKey]['folder'];

/** A Lambda function of the control plane with every name it goes by. */
export interface LambdaStep {
  /** Its key, like the TaskFunctions construct's property for it (`trafficRouter`). */
  readonly key: StepKey;
  /** `functions/<folder>/`. */
  readonly folder: string;
  /** The CDK construct id (`TrafficRouter`). */
  readonly constructId: string;
  /** The ASL placeholder for its ARN (`TrafficRouterFunctionArn`); undefined for functions no workflow invokes. */
  readonly substitution: string | undefined;
  /** The ASL Task states it backs, by name. */
  readonly states: Readonly<Record<string, StateDefinition>>;
  /** Every `action` its payloads carry. */
  readonly actions: readonly string[];
  /** Powertools Logger `serviceName`. */
  readonly logService: string;
  /** Its label on the dashboard's graphs; undefined when it is not graphed. */
  readonly dashboardLabel: string | undefined;
  /** The audit step name of a function no workflow invokes (workflow functions record their ASL state: `auditStepOf`). */
  readonly auditStep: string;
}

const pascalCase = (folder: string) =>
  folder
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');

function lambdaStep(key: StepKey, folder: string, states: Readonly<Record<string, StateDefinition>>, graphed: boolean): LambdaStep {
  const constructId = pascalCase(folder);
  const actions = [...new Set(Object.values(states).flatMap((s) => (s.action === undefined ? [] : [s.action])))];
  return {
    key,
    folder,
    constructId,
    substitution: Object.keys(states).length > 0 ? `${constructId}FunctionArn` : undefined,
    states,
    actions,
    logService: folder,
    dashboardLabel: graphed ? constructId : undefined,
    auditStep: constructId,
  };
}

const workflowSteps = Object.entries(WORKFLOW_FUNCTIONS).map(([key, d]) => lambdaStep(key as WorkflowStepKey, d.folder, d.states, d.graphed));
const otherSteps = Object.entries(OTHER_FUNCTIONS).map(([key, d]) => lambdaStep(key as StepKey, d.folder, {}, d.graphed));

/** Every Lambda function of the control plane, by key. */
export const STEPS = Object.fromEntries([...workflowSteps, ...otherSteps].map((s) => [s.key, s])) as Readonly<Record<StepKey, LambdaStep>>;

type WorkflowStep = LambdaStep & { readonly key: WorkflowStepKey; readonly substitution: string };
/** Only the functions in WORKFLOW_FUNCTIONS back states, so only they have a substitution. */
const isWorkflowStep = (s: LambdaStep): s is WorkflowStep => s.substitution !== undefined;
const isGraphed = (s: LambdaStep): s is LambdaStep & { readonly dashboardLabel: string } => s.dashboardLabel !== undefined;

/** The functions the workflows invoke, in the registry's order. */
export const WORKFLOW_STEPS: readonly WorkflowStep[] = workflowSteps.filter(isWorkflowStep);

/** The functions graphed on the dashboard, in the registry's order. */
export const GRAPHED_STEPS = Object.values(STEPS).filter(isGraphed);

/** The SNS topics the workflows publish to, by their ASL placeholder. */
export const TOPIC_SUBSTITUTIONS = { alert: 'AlertTopicArn', escalation: 'EscalationTopicArn' } as const;
export type WorkflowTopic = keyof typeof TOPIC_SUBSTITUTIONS;

export function stepByFolder(folder: string): LambdaStep {
  const step = Object.values(STEPS).find((s) => s.folder === folder);
  if (!step) throw new Error(`No step with folder ${folder} in config/steps.ts`);
  return step;
}

/**
 * Every placeholder of state-machines/*.asl.json with its value: what the stacks pass as `definitionSubstitutions`
 * and the drill substitutes with local ARNs.
 */
export function substitutionsFor(arnOf: {
  readonly function: (step: WorkflowStep) => string;
  readonly topic: (topic: WorkflowTopic) => string;
}): Record<string, string> {
  return {
    ...Object.fromEntries(WORKFLOW_STEPS.map((s) => [s.substitution, arnOf.function(s)])),
    ...Object.fromEntries(Object.entries(TOPIC_SUBSTITUTIONS).map(([topic, placeholder]) => [placeholder, arnOf.topic(topic as WorkflowTopic)])),
  };
}

/**
 * The audit step name of a workflow task: the ASL state that invoked it (its payload's `stateName`, when that is one
 * of this function's states). A payload without one (a test, a console invoke) is recorded under the first of the
 * function's states running `action` (by default the payload's; none for approval-request), else under the function's
 * own name.
 */
export function auditStepOf(step: LambdaStep, event: unknown, action?: string): string {
  const payload = (event && typeof event === 'object' ? event : {}) as { stateName?: unknown; action?: unknown };
  if (typeof payload.stateName === 'string' && Object.hasOwn(step.states, payload.stateName)) return payload.stateName;
  const running = action ?? payload.action;
  const byAction = Object.entries(step.states).find(([, s]) => s.action === running);
  return byAction?.[0] ?? step.auditStep;
}
