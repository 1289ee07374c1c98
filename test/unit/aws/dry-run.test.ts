import { AutoScalingClient, DescribeAutoScalingGroupsCommand, UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { GetProvisionedConcurrencyConfigCommand, LambdaClient, PutProvisionedConcurrencyConfigCommand } from '@aws-sdk/client-lambda';
import { FailoverGlobalClusterCommand, RDSClient, SwitchoverGlobalClusterCommand } from '@aws-sdk/client-rds';
import { ChangeResourceRecordSetsCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import {
  GetRoutingControlStateCommand,
  Route53RecoveryClusterClient,
  UpdateRoutingControlStateCommand,
  UpdateRoutingControlStatesCommand,
} from '@aws-sdk/client-route53-recovery-cluster';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createHandler as orchestratorHandler } from '../../../functions/failover-orchestrator/handler';
import { failoverOrchestratorAwsDeps } from '../../../functions/failover-orchestrator/aws-deps';
import { LAMBDA_ENV } from '../../../config/lambda-environment';
import { createLogger } from '../../../functions/shared/middleware';
import { trafficRouterAwsDeps } from '../../../functions/traffic-router/aws-deps';
import { createHandler as trafficHandler } from '../../../functions/traffic-router/handler';
import { fakeLambdaContext } from '../../../local/world/approval-server';
import { bundledConfigEnv, configInput } from './fixtures';

// Class-level mocks: every client the real deps factories create is intercepted, so nothing reaches AWS and
// every command the dry run sends is recorded.
const mocks = {
  ssm: mockClient(SSMClient),
  rds: mockClient(RDSClient),
  ecs: mockClient(ECSClient),
  asg: mockClient(AutoScalingClient),
  lambda: mockClient(LambdaClient),
  route53: mockClient(Route53Client),
  arc: mockClient(Route53RecoveryClusterClient),
  ddb: mockClient(DynamoDBClient),
  doc: mockClient(DynamoDBDocumentClient),
};

const MUTATING = [
  [mocks.ssm, PutParameterCommand],
  [mocks.rds, FailoverGlobalClusterCommand],
  [mocks.rds, SwitchoverGlobalClusterCommand],
  [mocks.ecs, UpdateServiceCommand],
  [mocks.asg, UpdateAutoScalingGroupCommand],
  [mocks.lambda, PutProvisionedConcurrencyConfigCommand],
  [mocks.route53, ChangeResourceRecordSetsCommand],
  [mocks.arc, UpdateRoutingControlStatesCommand],
  [mocks.arc, UpdateRoutingControlStateCommand],
] as const;

const EAST = 'us-east-1';
const WEST = 'us-west-2';
const ARC_ARNS = {
  [EAST]: 'arn:aws:route53-recovery-control::111122223333:controlpanel/p/routingcontrol/e',
  [WEST]: 'arn:aws:route53-recovery-control::111122223333:controlpanel/p/routingcontrol/w',
};

const warmInput = {
  ...configInput,
  standby: {
    mode: 'warm',
    scaling: [
      { kind: 'ecs-service', cluster: 'orders', service: 'api', desiredCount: 8 },
      { kind: 'asg', name: 'workers', minSize: 2, desiredCapacity: 4 },
      { kind: 'lambda-provisioned-concurrency', functionName: 'checkout', qualifier: 'live', concurrency: 20 },
    ],
  },
};

const env = (configJson: unknown): NodeJS.ProcessEnv => ({
  ...bundledConfigEnv(configJson),
  [LAMBDA_ENV.controlPlaneRegion]: WEST,
  [LAMBDA_ENV.auditTable]: 'audit',
  [LAMBDA_ENV.idempotencyTable]: 'idempotency',
  [LAMBDA_ENV.siteStateParameterPrefix]: '/dr/orders/site-state',
});

const state = {
  incidentId: 'inc-dry',
  fromRegion: EAST,
  toRegion: WEST,
  trigger: { source: 'manual', at: '2025-01-02T03:04:05.000Z' },
  dryRun: true,
  execution: { id: 'arn:aws:states:us-west-2:111122223333:execution:failover:dry', name: 'dry', startedAt: '2025-01-02T03:04:05.000Z' },
  health: { verdict: 'FAILOVER_WARRANTED' },
};
const ctx = fakeLambdaContext('dry-run');
const logger = createLogger('dry-run', 'SILENT');

beforeEach(() => {
  for (const m of Object.values(mocks)) m.reset();
  // Reads answer as a standby at pilot size would; writes to the idempotency and audit tables succeed.
  mocks.ecs.on(DescribeServicesCommand).resolves({ services: [{ status: 'ACTIVE', desiredCount: 1, runningCount: 1 }] });
  mocks.asg
    .on(DescribeAutoScalingGroupsCommand)
    .resolves({ AutoScalingGroups: [{ AutoScalingGroupName: 'workers', MinSize: 0, DesiredCapacity: 0, MaxSize: 1, Instances: [] } as never] });
  mocks.lambda.on(GetProvisionedConcurrencyConfigCommand).resolves({ RequestedProvisionedConcurrentExecutions: 0, Status: 'READY' });
  mocks.route53.on(ListResourceRecordSetsCommand).resolves({
    ResourceRecordSets: [
      { Name: 'api.orders.example.com.', Type: 'CNAME', SetIdentifier: EAST, Weight: 100, TTL: 15, ResourceRecords: [{ Value: 'use1' }] },
      { Name: 'api.orders.example.com.', Type: 'CNAME', SetIdentifier: WEST, Weight: 0, TTL: 15, ResourceRecords: [{ Value: 'usw2' }] },
    ],
    IsTruncated: false,
  });
  mocks.arc.on(GetRoutingControlStateCommand).callsFake(async (i: { RoutingControlArn: string }) => ({
    RoutingControlArn: i.RoutingControlArn,
    RoutingControlState: i.RoutingControlArn === ARC_ARNS[EAST] ? 'On' : 'Off',
  }));
  mocks.ddb.onAnyCommand().resolves({});
  mocks.doc.onAnyCommand().resolves({});
});

function expectNoMutation() {
  for (const [mock, command] of MUTATING) expect(mock).not.toHaveReceivedCommand(command as never);
}

describe('dry run through the real AWS wiring sends no mutating command', () => {
  it('failover-orchestrator: fence, scale-standby, promote (every store) and activate plan their changes and change nothing', async () => {
    const handler = orchestratorHandler({ ...failoverOrchestratorAwsDeps(env(warmInput)), logger });
    const plans: string[] = [];
    for (const event of [
      { action: 'fence' },
      { action: 'scale-standby' },
      ...configInput.dataStores.map((s) => ({ action: 'promote', store: s.name })),
      { action: 'activate' },
    ]) {
      const r = (await handler({ ...event, state }, ctx)) as { dryRun: boolean; plan?: string[] };
      expect(r.dryRun).toBe(true);
      plans.push(...(r.plan ?? []));
    }
    expect(plans).toEqual(
      expect.arrayContaining([
        `set site state of ${EAST} to PASSIVE (its writers stop)`,
        `scale warm standby: would raise ecs-service orders/api in ${WEST} from 1 to 8`,
        `scale warm standby: would raise asg workers in ${WEST} from 0 to 4`,
        `scale warm standby: would raise lambda-provisioned-concurrency checkout:live in ${WEST} from 0 to 20`,
        `aurora-global ledger: failover of the writer to ${WEST} allowing data loss (unreplicated writes may be lost)`,
        `set site state of ${WEST} to ACTIVE (its writers start)`,
      ]),
    );
    expectNoMutation();
    // The checks still ran: the standby's capacity was read.
    expect(mocks.ecs).toHaveReceivedCommand(DescribeServicesCommand);
  });

  it.each([
    ['route53-weighted', configInput.traffic, ListResourceRecordSetsCommand],
    ['active-active', { strategy: 'active-active', hostedZoneId: 'Z0123456789ABCDEFGHIJ' }, ListResourceRecordSetsCommand],
    [
      'arc-routing-control',
      {
        strategy: 'arc-routing-control',
        clusterEndpoints: [{ region: 'eu-west-1', endpoint: 'https://host.route53-recovery-cluster.eu-west-1.amazonaws.com/v1' }],
        routingControlArns: ARC_ARNS,
      },
      GetRoutingControlStateCommand,
    ],
  ] as const)('traffic-router with %s reads the current state, plans the shift and changes nothing', async (strategy, traffic, read) => {
    const handler = trafficHandler({ ...trafficRouterAwsDeps(env({ ...configInput, traffic })), logger });
    const r = (await handler({ action: 'shift', state }, ctx)) as { dryRun: boolean; plan: string[] };
    expect(r.dryRun).toBe(true);
    expect(r.plan).toEqual([expect.stringMatching(new RegExp(`^${strategy}: send 100% of api.orders.example.com to ${WEST}`))]);
    const reader = read === GetRoutingControlStateCommand ? mocks.arc : mocks.route53;
    expect(reader).toHaveReceivedCommand(read as never);
    expectNoMutation();
  });

  it('the assertion itself catches a real change (the same handler without dryRun)', async () => {
    mocks.ssm.onAnyCommand().resolves({ Parameter: { Value: 'ACTIVE' } });
    const handler = orchestratorHandler({ ...failoverOrchestratorAwsDeps(env(configInput)), logger });
    await handler({ action: 'fence', state: { ...state, dryRun: false } }, ctx);
    expect(mocks.ssm).toHaveReceivedCommand(PutParameterCommand);
  });
});
