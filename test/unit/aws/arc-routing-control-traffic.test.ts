import {
  EndpointTemporarilyUnavailableException,
  GetRoutingControlStateCommand,
  Route53RecoveryClusterClient,
  UpdateRoutingControlStatesCommand,
} from '@aws-sdk/client-route53-recovery-cluster';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { ArcRoutingControlTraffic, type ClusterEndpoint } from '../../../functions/shared/aws/arc-routing-control-traffic';
import { TransientError } from '../../../functions/shared/errors';
import { awsError } from './fixtures';

const EAST = 'us-east-1';
const WEST = 'us-west-2';
const ARN = {
  [EAST]: 'arn:aws:route53-recovery-control::111122223333:controlpanel/p/routingcontrol/east',
  [WEST]: 'arn:aws:route53-recovery-control::111122223333:controlpanel/p/routingcontrol/west',
};
const ENDPOINTS: ClusterEndpoint[] = ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-southeast-2', 'ap-northeast-1'].map((region) => ({
  region,
  endpoint: `https://host.route53-recovery-cluster.${region}.amazonaws.com/v1`,
}));

// One SDK client per cluster endpoint, each mocked on its own, so a test can prove which endpoints were tried.
const clients = new Map(ENDPOINTS.map((e) => [e.endpoint, new Route53RecoveryClusterClient({ region: e.region, endpoint: e.endpoint })]));
const mocks = new Map([...clients].map(([k, c]) => [k, mockClient(c)]));
const mockOf = (i: number) => mocks.get(ENDPOINTS[i].endpoint)!;

function traffic() {
  return new ArcRoutingControlTraffic({ endpoints: ENDPOINTS, clientFor: (e) => clients.get(e.endpoint)!, routingControlArns: ARN });
}

/** An endpoint that answers with the given states and applies updates to them. */
function healthyEndpoint(i: number, states: Record<string, 'On' | 'Off'>) {
  mockOf(i)
    .on(GetRoutingControlStateCommand)
    .callsFake(async (input: { RoutingControlArn: string }) => ({
      RoutingControlArn: input.RoutingControlArn,
      RoutingControlState: states[input.RoutingControlArn],
    }));
  mockOf(i)
    .on(UpdateRoutingControlStatesCommand)
    .callsFake(async (input: { UpdateRoutingControlStateEntries: Array<{ RoutingControlArn: string; RoutingControlState: 'On' | 'Off' }> }) => {
      for (const e of input.UpdateRoutingControlStateEntries) states[e.RoutingControlArn] = e.RoutingControlState;
      return {};
    });
}

const unavailable = () => new EndpointTemporarilyUnavailableException({ message: 'endpoint down', $metadata: {} });

beforeEach(() => {
  for (const m of mocks.values()) m.reset();
});

describe('ArcRoutingControlTraffic', () => {
  it('describes traffic from the routing control states (ON shares, OFF gets none)', async () => {
    healthyEndpoint(0, { [ARN[EAST]]: 'On', [ARN[WEST]]: 'Off' });
    await expect(traffic().describe()).resolves.toEqual({ weights: { [EAST]: 100, [WEST]: 0 } });
  });

  it('turns the target ON and the source OFF in ONE UpdateRoutingControlStates call, target first', async () => {
    healthyEndpoint(0, { [ARN[EAST]]: 'On', [ARN[WEST]]: 'Off' });
    const shift = await traffic().shiftTo(WEST, EAST);
    expect(mockOf(0)).toHaveReceivedCommandTimes(UpdateRoutingControlStatesCommand, 1);
    expect(mockOf(0).commandCalls(UpdateRoutingControlStatesCommand)[0].args[0].input).toEqual({
      UpdateRoutingControlStateEntries: [
        { RoutingControlArn: ARN[WEST], RoutingControlState: 'On' },
        { RoutingControlArn: ARN[EAST], RoutingControlState: 'Off' },
      ],
    });
    expect(shift).toMatchObject({ before: { weights: { [EAST]: 100, [WEST]: 0 } }, after: { weights: { [EAST]: 0, [WEST]: 100 } } });
    expect(shift.via).toBe('arc:UpdateRoutingControlStates via us-east-1');
  });

  it('rotates past unavailable endpoints to the next of the five, and remembers the one that answered', async () => {
    mockOf(0).onAnyCommand().rejects(unavailable());
    mockOf(1)
      .onAnyCommand()
      .rejects(awsError('InternalServerException', { status: 500 }));
    healthyEndpoint(2, { [ARN[EAST]]: 'On', [ARN[WEST]]: 'Off' });
    const t = traffic();
    const shift = await t.shiftTo(WEST, EAST);
    expect(shift.via).toBe('arc:UpdateRoutingControlStates via eu-west-1 (skipped unavailable endpoint(s) in us-east-1, us-west-2)');
    expect(mockOf(2)).toHaveReceivedCommandTimes(UpdateRoutingControlStatesCommand, 1);
    expect(mockOf(0)).not.toHaveReceivedCommand(UpdateRoutingControlStatesCommand);
    // The next call starts where the last one succeeded instead of waiting on the dead endpoints again.
    const calls0 = mockOf(0).calls().length;
    await t.describe();
    expect(mockOf(0).calls().length).toBe(calls0);
  });

  it('throws a TransientError naming every endpoint when all five fail, so the ASL retries', async () => {
    for (let i = 0; i < ENDPOINTS.length; i++) mockOf(i).onAnyCommand().rejects(unavailable());
    const err = await traffic()
      .describe()
      .catch((e: Error) => e);
    expect(err).toBeInstanceOf(TransientError);
    for (const e of ENDPOINTS) expect((err as Error).message).toContain(e.region);
  });

  it('does not rotate on a request-level error: another endpoint would refuse it too', async () => {
    mockOf(0)
      .onAnyCommand()
      .rejects(awsError('AccessDeniedException', { status: 403 }));
    healthyEndpoint(1, { [ARN[EAST]]: 'On', [ARN[WEST]]: 'Off' });
    await expect(traffic().describe()).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(mockOf(1).calls()).toHaveLength(0);
  });

  it('fails with a TransientError when the read-back does not show the target ON', async () => {
    healthyEndpoint(0, { [ARN[EAST]]: 'On', [ARN[WEST]]: 'Off' });
    mockOf(0).on(UpdateRoutingControlStatesCommand).resolves({});
    await expect(traffic().shiftTo(WEST, EAST)).rejects.toBeInstanceOf(TransientError);
  });

  it('refuses a region without a routing control, naming the configured ones', async () => {
    await expect(traffic().shiftTo('eu-central-1', EAST)).rejects.toThrow(/eu-central-1 has no routing control .*us-east-1, us-west-2/);
  });
});
