import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAMBDA_TIMEOUT_SECONDS } from '../config/lambda-timeouts';
import { approverRoleName } from '../config/resource-names';
import { STEPS, stepByFolder, substitutionsFor, TOPIC_SUBSTITUTIONS, WORKFLOW_STEPS, type WorkflowStepKey, type WorkflowTopic } from '../config/steps';
import { createLogger } from '../functions/shared/middleware';
import { createHandler as healthChecker } from '../functions/health-checker/handler';
import { createHandler as trafficRouter } from '../functions/traffic-router/handler';
import { createHandler as failoverOrchestrator } from '../functions/failover-orchestrator/handler';
import { createHandler as dataConsistencyValidator } from '../functions/data-consistency-validator/handler';
import { createHandler as approvalRequest } from '../functions/approval-request/handler';
import { createHandler as approvalCallback } from '../functions/approval-callback/handler';
import type { Clock, HealthSignals, Topic } from '../functions/shared/ports';
import { InMemoryApproverChallenges, LocalApprovalTaskReader, LocalExecutions } from './approver-state';
import { ApprovalServer, ClientRateLimiter, fakeLambdaContext, RATE_LIMITED, toApiGatewayEvent, type ApiHandler } from './world/approval-server';
import { sleep, type SimRequest, type SimResponse } from './sim/network';
import { simClock } from './sim/virtual-time';
import type { LocalWorld } from './world/world';
import { LocalStateMachine, type LocalLambda, type SnsPublishInput } from './runtime/local-state-machine';
import { TaskTokenBroker } from './runtime/task-token-broker';

export const FAILOVER_ASL = join(__dirname, '..', 'state-machines', 'failover.asl.json');
export const FAILBACK_ASL = join(__dirname, '..', 'state-machines', 'failback.asl.json');

/** Local ARNs: the same shape as AWS's, in a region called `local`, so nothing can resolve them. `fn` is a step's folder. */
export function localFunctionArn(app: string, fn: string): string {
  return `arn:aws:lambda:us-east-1:000000000000:function:${app}-${stepByFolder(fn).folder}-local`;
}
export function localTopicArn(app: string, topic: Topic): string {
  return `arn:aws:sns:us-east-1:000000000000:${app}-${topic}-local`;
}

/** What the stacks substitute into the ASL, with local ARNs: the same placeholders, nothing that resolves in AWS. */
export function localSubstitutions(app: string): Record<string, string> {
  return substitutionsFor({ function: (step) => localFunctionArn(app, step.folder), topic: (topic) => localTopicArn(app, topic) });
}

export interface LocalControlPlane {
  readonly machine: LocalStateMachine;
  /** The planned return (state-machines/failback.asl.json), on the same handlers, broker and world. */
  readonly failbackMachine: LocalStateMachine;
  readonly broker: TaskTokenBroker;
  /** The approval API's base URL as emailed: on the simulated network, or the real server's when one runs. */
  readonly approvalBaseUrl: string;
  /** The approval-callback handler behind API Gateway (what the page and the form post reach). */
  readonly approvalHandler: ApiHandler;
  /** The real HTTP server for a person or a browser (`serveApprovalsOverHttp`), else undefined. */
  readonly approvalServer?: ApprovalServer;
  /** Emailed codes and each execution's approval request (what the approvals table holds in AWS). */
  readonly challenges: InMemoryApproverChallenges;
  stop(): Promise<void>;
}

/** Init duration of a Node.js Lambda with an SDK v3 client, p50 (the SDK team's benchmark; docs/local-runtime.md). */
export const LAMBDA_COLD_START_MS = 375;
/** A warm invocation's overhead, AWS ms (range, drawn from the drill's seed). */
export const LAMBDA_WARM_INVOKE_MS = [15, 40] as const;

/** The approval API's host on the simulated network (API Gateway in the standby region). */
export const SIM_APPROVAL_HOST = 'approvals.drill.test';

/**
 * Wires the real handler factories to the local world's ports and the ASL file to the local engine:
 * the control plane a drill runs is the deployed one, with different deps.
 */
export async function startLocalControlPlane(
  world: LocalWorld,
  opts: {
    /** Also serve the approval page on a real 127.0.0.1 port, for a person or a browser. @default false */
    serveApprovalsOverHttp?: boolean;
    signingKey?: Buffer;
    clock?: Clock;
    logLevel?: 'SILENT' | 'INFO';
    /** What the health-checker reads: the drill's alarm states (local/detection/alarm-evaluator.ts), as the deployed one reads DescribeAlarms. @default world.signals (direct probes) */
    signals?: HealthSignals;
    /** Random approval ids and CSRF tokens, seeded in a drill. @default crypto */
    randomId?: () => string;
  } = {},
): Promise<LocalControlPlane> {
  const { config } = world;
  const app = config.application;
  const clock: Clock = opts.clock ?? simClock;
  const logLevel = opts.logLevel ?? 'SILENT';
  const key = opts.signingKey ?? Buffer.from(`local-drill-signing-key-${world.rng.fork('signing-key').hex(16)}`);
  const signingKey = async () => key;
  const broker = new TaskTokenBroker();
  const common = { config, audit: world.audit, clock };
  const loggerOf = (step: keyof typeof STEPS) => createLogger(STEPS[step].logService, logLevel);

  const challenges = new InMemoryApproverChallenges();
  // Both machines are watched below: the reader only runs when an answer's outcome is unknown, long after.
  const executions = new LocalExecutions();
  const approvalHandler: ApiHandler = approvalCallback({
    ...common,
    approvals: world.approvals,
    callbacks: broker,
    signingKey,
    challenges,
    // Codes land in the outbox like every message; SNS would deliver each only to the approver it names.
    notifier: world.notifier,
    tasks: new LocalApprovalTaskReader((id) => executions.get(id)),
    // One local API stands for both regions' copies, so both regions' approver roles (in the drill's account).
    approverRoleNames: [world.primary, world.standby].map((r) => approverRoleName(app, r)),
    ...(opts.randomId ? { randomId: opts.randomId } : {}),
    logger: loggerOf('approvalCallback'),
  });
  // The same per-client rule as the WAF rule in AWS and the HTTP server below (here every client is `clients`).
  const limiter = new ClientRateLimiter();
  world.net.host(SIM_APPROVAL_HOST, world.standby, (req) => (limiter.allow(req.from) ? callApi(approvalHandler, req) : Promise.resolve(rateLimited())));
  let approvalServer: ApprovalServer | undefined;
  if (opts.serveApprovalsOverHttp) {
    approvalServer = new ApprovalServer(approvalHandler);
    await approvalServer.start();
  }
  const approvalBaseUrl = approvalServer?.url ?? `http://${SIM_APPROVAL_HOST}`;

  // Lambda's own time on the virtual clock: a cold start on a function's first invocation, then a warm invoke.
  const latencyRng = world.rng.fork('lambda-latency');
  type Handler = (e: unknown, c: ReturnType<typeof fakeLambdaContext>) => Promise<unknown>;
  const warm = new Set<string>();
  const asLambda =
    (name: string, h: Handler): LocalLambda =>
    async (payload) => {
      const cold = !warm.has(name);
      warm.add(name);
      await sleep((cold ? LAMBDA_COLD_START_MS : 0) + latencyRng.int(LAMBDA_WARM_INVOKE_MS[0], LAMBDA_WARM_INVOKE_MS[1]));
      return h(payload, fakeLambdaContext(name));
    };
  // Every function the workflows invoke (config/steps.ts), wired to the world: a step missing here does not compile.
  const handlers: Record<WorkflowStepKey, Handler> = {
    healthChecker: healthChecker({ ...common, signals: opts.signals ?? world.signals, logger: loggerOf('healthChecker') }),
    trafficRouter: trafficRouter({
      ...common,
      traffic: world.traffic,
      idempotency: { persistenceStore: world.idempotency },
      logger: loggerOf('trafficRouter'),
    }),
    failoverOrchestrator: failoverOrchestrator({
      ...common,
      siteState: world.siteState,
      dataStores: world.dataStores,
      scaler: world.scaler,
      idempotency: { persistenceStore: world.idempotency },
      logger: loggerOf('failoverOrchestrator'),
    }),
    dataConsistencyValidator: dataConsistencyValidator({
      ...common,
      dataStores: world.dataStores,
      work: world.comparisons,
      sleep,
      logger: loggerOf('dataConsistencyValidator'),
    }),
    approvalRequest: approvalRequest({
      ...common,
      approvals: world.approvals,
      challenges,
      notifier: world.notifier,
      approvalBaseUrl,
      signingKey,
      ...(opts.randomId ? { randomId: opts.randomId } : {}),
      logger: loggerOf('approvalRequest'),
    }),
  };
  const lambdas: Record<string, LocalLambda> = Object.fromEntries(
    WORKFLOW_STEPS.map((step) => [localFunctionArn(app, step.folder), asLambda(step.folder, handlers[step.key])]),
  );
  const topics: Record<string, Topic> = Object.fromEntries(
    (Object.keys(TOPIC_SUBSTITUTIONS) as WorkflowTopic[]).map((t) => [localTopicArn(app, t), t] as const),
  );
  const snsPublish = async (input: SnsPublishInput) => {
    const topic = topics[input.TopicArn];
    if (!topic) throw new Error(`sns:publish to unknown topic ${input.TopicArn}`);
    const attributes = Object.fromEntries(Object.entries(input.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue ?? '']));
    await world.notifier.publish({ topic, subject: input.Subject ?? '', body: input.Message, attributes });
  };
  const substitutions = localSubstitutions(app);
  const lambdaTimeoutSeconds = Object.fromEntries(Object.entries(LAMBDA_TIMEOUT_SECONDS).map(([fn, seconds]) => [localFunctionArn(app, fn), seconds]));
  const integrations = { lambdas, snsPublish, lambdaTimeoutSeconds, beforeTask: (state: string, resource: string) => world.taskFaults.before(state, resource) };
  // The heartbeat writers run beside the control plane, as deployed (each region's copy on its schedule).
  world.heartbeats.start();
  const machine = new LocalStateMachine(readFileSync(FAILOVER_ASL, 'utf8'), substitutions, integrations, { broker });
  const failbackMachine = new LocalStateMachine(readFileSync(FAILBACK_ASL, 'utf8'), substitutions, integrations, { broker });
  executions.watch(machine);
  executions.watch(failbackMachine);
  return { machine, failbackMachine, broker, approvalBaseUrl, approvalHandler, approvalServer, challenges, stop: async () => approvalServer?.stop() };
}

function rateLimited(): SimResponse {
  return { status: RATE_LIMITED.status, headers: RATE_LIMITED.headers, body: RATE_LIMITED.body };
}

/** API Gateway's proxy integration over the simulated network: the same event shape the Lambda gets in AWS. */
async function callApi(handler: ApiHandler, req: SimRequest): Promise<SimResponse> {
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const result = await handler(
    toApiGatewayEvent(req.method, `${req.url.pathname}${req.url.search}`, req.body, headers),
    fakeLambdaContext('approval-callback'),
  );
  const outHeaders = Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
  return { status: result.statusCode, headers: outHeaders, body: req.method === 'HEAD' ? '' : result.body };
}
