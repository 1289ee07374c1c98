import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '../functions/shared/middleware';
import { createHandler as healthChecker } from '../functions/health-checker/handler';
import { createHandler as trafficRouter } from '../functions/traffic-router/handler';
import { createHandler as failoverOrchestrator } from '../functions/failover-orchestrator/handler';
import { createHandler as dataConsistencyValidator } from '../functions/data-consistency-validator/handler';
import { createHandler as approvalRequest } from '../functions/approval-request/handler';
import { createHandler as approvalCallback } from '../functions/approval-callback/handler';
import type { Clock, HealthSignals, Topic } from '../functions/shared/ports';
import { ApprovalServer, fakeLambdaContext } from './world/approval-server';
import type { LocalWorld } from './world/world';
import { LocalStateMachine, type LocalLambda, type SnsPublishInput } from './runtime/local-state-machine';
import { TaskTokenBroker } from './runtime/task-token-broker';

export const FAILOVER_ASL = join(__dirname, '..', 'state-machines', 'failover.asl.json');
export const FAILBACK_ASL = join(__dirname, '..', 'state-machines', 'failback.asl.json');

/** Local ARNs: the same shape as AWS's, in a region called `local`, so nothing can resolve them. */
export function localFunctionArn(app: string, fn: string): string {
  return `arn:aws:lambda:us-east-1:000000000000:function:${app}-${fn}-local`;
}
export function localTopicArn(app: string, topic: Topic): string {
  return `arn:aws:sns:us-east-1:000000000000:${app}-${topic}-local`;
}

/** What the stacks substitute into the ASL, with local ARNs: the same placeholders, nothing that resolves in AWS. */
export function localSubstitutions(app: string): Record<string, string> {
  return {
    HealthCheckerFunctionArn: localFunctionArn(app, 'health-checker'),
    TrafficRouterFunctionArn: localFunctionArn(app, 'traffic-router'),
    FailoverOrchestratorFunctionArn: localFunctionArn(app, 'failover-orchestrator'),
    DataConsistencyValidatorFunctionArn: localFunctionArn(app, 'data-consistency-validator'),
    ApprovalRequestFunctionArn: localFunctionArn(app, 'approval-request'),
    AlertTopicArn: localTopicArn(app, 'alert'),
    EscalationTopicArn: localTopicArn(app, 'escalation'),
  };
}

export interface LocalControlPlane {
  readonly machine: LocalStateMachine;
  /** The planned return (state-machines/failback.asl.json), on the same handlers, broker and world. */
  readonly failbackMachine: LocalStateMachine;
  readonly broker: TaskTokenBroker;
  readonly approvalServer: ApprovalServer;
}

/**
 * Wires the real handler factories to the local world's ports and the ASL file to the local engine:
 * the control plane a drill runs is the deployed one, with different deps.
 */
export async function startLocalControlPlane(
  world: LocalWorld,
  opts: {
    realTimeApproval: boolean;
    signingKey?: Buffer;
    clock?: Clock;
    logLevel?: 'SILENT' | 'INFO';
    /** What the health-checker reads: the drill's alarm states (local/detection.ts), as the deployed one reads DescribeAlarms. @default world.signals (direct probes) */
    signals?: HealthSignals;
  },
): Promise<LocalControlPlane> {
  const { config } = world;
  const app = config.application;
  const clock: Clock = opts.clock ?? { now: () => Date.now() };
  const logLevel = opts.logLevel ?? 'SILENT';
  const key = opts.signingKey ?? Buffer.from(`local-drill-signing-key-${Math.random()}`);
  const signingKey = async () => key;
  const broker = new TaskTokenBroker();
  const common = { config, audit: world.audit, clock };

  const approvalServer = new ApprovalServer(
    approvalCallback({ ...common, approvals: world.approvals, callbacks: broker, signingKey, logger: createLogger('approval-callback', logLevel) }),
  );
  await approvalServer.start();
  world.approvalServer = approvalServer;

  const asLambda = (name: string, h: (e: unknown, c: ReturnType<typeof fakeLambdaContext>) => Promise<unknown>): LocalLambda => (payload) => h(payload, fakeLambdaContext(name));
  const lambdas: Record<string, LocalLambda> = {
    [localFunctionArn(app, 'health-checker')]: asLambda('health-checker', healthChecker({ ...common, signals: opts.signals ?? world.signals, logger: createLogger('health-checker', logLevel) })),
    [localFunctionArn(app, 'traffic-router')]: asLambda(
      'traffic-router',
      trafficRouter({ ...common, traffic: world.traffic, idempotency: { persistenceStore: world.idempotency }, logger: createLogger('traffic-router', logLevel) }),
    ),
    [localFunctionArn(app, 'failover-orchestrator')]: asLambda(
      'failover-orchestrator',
      failoverOrchestrator({
        ...common,
        siteState: world.siteState,
        dataStores: world.dataStores,
        scaler: world.scaler,
        idempotency: { persistenceStore: world.idempotency },
        logger: createLogger('failover-orchestrator', logLevel),
      }),
    ),
    [localFunctionArn(app, 'data-consistency-validator')]: asLambda(
      'data-consistency-validator',
      dataConsistencyValidator({ ...common, dataStores: world.dataStores, logger: createLogger('data-consistency-validator', logLevel) }),
    ),
    [localFunctionArn(app, 'approval-request')]: asLambda(
      'approval-request',
      approvalRequest({
        ...common,
        approvals: world.approvals,
        notifier: world.notifier,
        approvalBaseUrl: approvalServer.url,
        signingKey,
        logger: createLogger('approval-request', logLevel),
      }),
    ),
  };
  const topics: Record<string, Topic> = {
    [localTopicArn(app, 'alert')]: 'alert',
    [localTopicArn(app, 'escalation')]: 'escalation',
  };
  const snsPublish = async (input: SnsPublishInput) => {
    const topic = topics[input.TopicArn];
    if (!topic) throw new Error(`sns:publish to unknown topic ${input.TopicArn}`);
    const attributes = Object.fromEntries(Object.entries(input.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue ?? '']));
    await world.notifier.publish({ topic, subject: input.Subject ?? '', body: input.Message, attributes });
  };
  const substitutions = localSubstitutions(app);
  const machine = new LocalStateMachine(readFileSync(FAILOVER_ASL, 'utf8'), substitutions, { lambdas, snsPublish }, {
    timeScale: world.time.factor,
    realTimeCallbackStates: opts.realTimeApproval ? ['RequestApproval'] : [],
    broker,
  });
  const failbackMachine = new LocalStateMachine(readFileSync(FAILBACK_ASL, 'utf8'), substitutions, { lambdas, snsPublish }, {
    timeScale: world.time.factor,
    realTimeCallbackStates: opts.realTimeApproval ? ['RequestApproval'] : [],
    broker,
  });
  return { machine, failbackMachine, broker, approvalServer };
}
