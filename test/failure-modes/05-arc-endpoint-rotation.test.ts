import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EndpointTemporarilyUnavailableException,
  GetRoutingControlStateCommand,
  Route53RecoveryClusterClient,
  UpdateRoutingControlStatesCommand,
  type RoutingControlState,
} from '@aws-sdk/client-route53-recovery-cluster';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { ArcRoutingControlTraffic } from '../../functions/shared/aws/arc-routing-control-traffic';
import { TransientError } from '../../functions/shared/errors';
import { runDrill } from '../../local/drill';
import { Harness, PRIMARY, STANDBY, arcTraffic, configWith, failoverInput, outcomeOf, primaryImpaired } from './harness';
import { useVirtualTime } from '../support/virtual-time';

/**
 * Failure mode 5: one (or several) of the ARC cluster's five regional endpoints is down. The adapter
 * rotates to the next endpoint; when all five fail at once, the state machine's Retry tries them again.
 */
const traffic = arcTraffic() as Extract<ReturnType<typeof arcTraffic>, { strategy: 'arc-routing-control' }>;
const ENDPOINTS = traffic.clusterEndpoints;
const ARNS = traffic.routingControlArns as Record<string, string>;
const clients = ENDPOINTS.map((e) => new Route53RecoveryClusterClient({ region: e.region, endpoint: e.endpoint }));
const mocks = clients.map((c) => mockClient(c));

/** One cluster behind five endpoints: consistent state, each endpoint up or down on its own. */
function cluster(up: (i: number) => boolean, onUpdate: (states: Record<string, RoutingControlState>) => void = () => undefined) {
  const states: Record<string, RoutingControlState> = { [ARNS[PRIMARY]]: 'On', [ARNS[STANDBY]]: 'Off' };
  mocks.forEach((m, i) => {
    m.reset();
    m.on(GetRoutingControlStateCommand).callsFake(async (input: { RoutingControlArn: string }) => {
      if (!up(i)) throw new EndpointTemporarilyUnavailableException({ message: `endpoint ${ENDPOINTS[i].region} down`, $metadata: {} });
      return { RoutingControlArn: input.RoutingControlArn, RoutingControlState: states[input.RoutingControlArn] };
    });
    m.on(UpdateRoutingControlStatesCommand).callsFake(
      async (input: { UpdateRoutingControlStateEntries: Array<{ RoutingControlArn: string; RoutingControlState: RoutingControlState }> }) => {
        if (!up(i)) throw new EndpointTemporarilyUnavailableException({ message: `endpoint ${ENDPOINTS[i].region} down`, $metadata: {} });
        for (const e of input.UpdateRoutingControlStateEntries) states[e.RoutingControlArn] = e.RoutingControlState;
        onUpdate(states);
        return {};
      },
    );
  });
  return states;
}

const adapter = () =>
  new ArcRoutingControlTraffic({
    endpoints: ENDPOINTS,
    clientFor: (e) => clients[ENDPOINTS.indexOf(e as (typeof ENDPOINTS)[number])],
    routingControlArns: ARNS,
  });

describe('FM5 an ARC cluster endpoint down', () => {
  // Retry intervals, Waits and timeouts take virtual time only: nothing here waits on the real clock.
  useVirtualTime();
  it.each([1, 2, 3, 4])('%i endpoint(s) down: rotates to the next one and flips the controls there, once', async (down) => {
    const states = cluster((i) => i >= down);
    const shift = await adapter().shiftTo(STANDBY, PRIMARY);
    expect(states).toEqual({ [ARNS[PRIMARY]]: 'Off', [ARNS[STANDBY]]: 'On' });
    expect(shift.via).toBe(
      `arc:UpdateRoutingControlStates via ${ENDPOINTS[down].region} (skipped unavailable endpoint(s) in ${ENDPOINTS.slice(0, down)
        .map((e) => e.region)
        .join(', ')})`,
    );
    // The dead ones were tried (and refused) once; the read that found the live one made the update go there first.
    for (const [i, m] of mocks.entries()) expect(m).toHaveReceivedCommandTimes(UpdateRoutingControlStatesCommand, i === down ? 1 : 0);
    for (const m of mocks.slice(0, down)) expect(m).toHaveReceivedCommandTimes(GetRoutingControlStateCommand, 1);
  });

  it('all five down: a TransientError naming each endpoint, which the ASL retries', async () => {
    cluster(() => false);
    const err = await adapter()
      .describe()
      .catch((e: Error) => e);
    expect(err).toBeInstanceOf(TransientError);
    for (const e of ENDPOINTS) expect((err as Error).message).toContain(e.region);
  });

  it('in the state machine: all five down on the first ShiftTraffic attempt, one back for the retry -> FAILED_OVER', async () => {
    let calls = 0;
    const h = new Harness(configWith({ traffic: 'arc-routing-control', stores: ['dynamodb'], approval: { mode: 'auto-when-safe' } }), {
      ports: { traffic: adapter() },
    });
    try {
      // Endpoints 0-2 stay down; 3 and 4 come back once the first full rotation has failed.
      cluster(
        (i) => ++calls > ENDPOINTS.length && i >= 3,
        (states) => {
          h.world.weights = { [PRIMARY]: states[ARNS[PRIMARY]] === 'On' ? 100 : 0, [STANDBY]: states[ARNS[STANDBY]] === 'On' ? 100 : 0 };
        },
      );
      primaryImpaired(h.world);
      const ex = h.start(failoverInput(), 'inc-arc-rotation');
      const result = await h.result(ex);
      expect(outcomeOf(result)).toBe('FAILED_OVER');
      expect(ex.events.filter((e) => e.stateName === 'ShiftTraffic' && e.type === 'TaskRetryScheduled')).toHaveLength(1);
      const via = (result.output as { steps: { shift: { via: string } } }).steps.shift.via;
      expect(via).toBe(
        `arc:UpdateRoutingControlStates via ${ENDPOINTS[3].region} (skipped unavailable endpoint(s) in ${ENDPOINTS.slice(0, 3)
          .map((e) => e.region)
          .join(', ')})`,
      );
      expect(mocks[3]).toHaveReceivedCommandTimes(UpdateRoutingControlStatesCommand, 1);
    } finally {
      h.dispose();
    }
  });
});

// A drill runs its own simulation (local/sim/virtual-time.ts), so it sits outside the describe that installs one.
describe('FM5 in a drill', () => {
  it('drill: the us-east-1 and the standby-region endpoints both down -> the failover goes through the third', async () => {
    const config = configWith({ traffic: 'arc-routing-control', stores: ['dynamodb'] });
    const summary = await runDrill({
      config,
      scenario: 'dns-api-down',
      approve: 'auto',
      outDir: mkdtempSync(join(tmpdir(), 'fm5-')),
      inspect: ({ world }) => {
        const standbyEndpoint = world.arc!.endpoints.find((e) => e.region === STANDBY)!;
        world.arc!.setAvailable(standbyEndpoint.endpoint, false);
      },
    });
    expect(summary.outcome).toBe('FAILED_OVER');
    expect(summary.invariantsHeld).toBe(true);
    const out = summary.history.findLast((e) => e.stateName === 'ShiftTraffic' && e.type === 'TaskStateExited')?.output as {
      steps: { shift: { via: string } };
    };
    expect(out.steps.shift.via).toMatch(
      new RegExp(`via (?!${PRIMARY}|${STANDBY})[a-z0-9-]+ \\(skipped unavailable endpoint\\(s\\) in ${PRIMARY}, ${STANDBY}\\)$`),
    );
  });
});
