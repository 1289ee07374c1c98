import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { runFailoverOrchestrator } from '../../functions/failover-orchestrator/failover-orchestrator';
import { ThrottledError } from '../../functions/shared/errors';
import { SsmSiteState } from '../../functions/shared/aws/ssm-site-state';
import { startLocalControlPlane } from '../../local/control-plane';
import { LocalWorld } from '../../local/world/world';
import type { HealthSignals, Signal } from '../../functions/shared/ports';
import { Harness, PRIMARY, STANDBY, configWith, failoverInput, outcomeOf, primaryImpaired } from './harness';
import { useVirtualTime } from '../support/virtual-time';
import { fakeDataStores } from '../support/data-stores';

// Retry intervals, Waits and timeouts take virtual time only: nothing here waits on the real clock.
useVirtualTime();

/**
 * Failure mode 8: split brain. The old primary is fenced (its site state PASSIVE, so its writers stop)
 * before any store is promoted, traffic moves or the standby is activated. A primary that answers but
 * cannot be fenced stops the failover; only an unreachable one is skipped (it takes no writes either).
 */
const config = configWith({ traffic: 'route53-weighted', stores: ['dynamodb', 'aurora'], approval: { mode: 'auto-when-safe' } });

describe('FM8 split brain', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(config);
    primaryImpaired(h.world);
  });
  afterEach(() => h.dispose());

  it('fences the old primary before promotion, before the traffic shift and before activating the standby', async () => {
    expect(outcomeOf(await h.result(h.start(failoverInput(), 'inc-order')))).toBe('FAILED_OVER');
    expect(h.world.effects.timeline).toEqual([`site:${PRIMARY}=PASSIVE`, 'promote:ledger:failover', `shift:${STANDBY}`, `site:${STANDBY}=ACTIVE`]);
    expect(h.world.effects.writerViolations).toEqual([]);
  });

  it.each([
    ['siteState.set', 'transient'],
    ['siteState.set', 'fatal'],
    ['siteState.get', 'transient'],
    ['siteState.get', 'fatal'],
  ] as const)('a reachable primary whose fence keeps failing (%s %s): nothing is promoted, shifted or activated', async (op, mode) => {
    h.world.faults.set(op, mode);
    const ex = h.start(failoverInput(), 'inc-unfenced');
    const result = await h.result(ex);
    expect(outcomeOf(result, ex.events)).toBe('INCOMPLETE');
    expect(h.failureReports.get(ex)).toMatchObject({ failedState: 'FenceOldPrimary', completedSteps: [] });
    expect(h.world.effects.timeline).toEqual([]);
    expect(h.world.writerRegions()).toEqual([PRIMARY]);
  });

  it('an unreachable primary cannot be fenced: the failover goes on, and the alert says it must be fenced when it returns', async () => {
    h.world.dark.add(PRIMARY);
    const result = await h.result(h.start(failoverInput(), 'inc-dark'));
    expect(outcomeOf(result)).toBe('FAILED_OVER');
    expect((result.output as { steps: { fence: { fenced: boolean } } }).steps.fence.fenced).toBe(false);
    expect(h.smAlerts.at(-1)?.Message).toContain('Fence it when it returns');
    expect(h.world.writerRegions()).toEqual([STANDBY]);
  });
});

describe('FM8 in the local world: the fenced primary refuses writes', () => {
  it('after the failover, a write sent straight to the old primary gets 503 (PASSIVE), the new primary takes it', async () => {
    const world = new LocalWorld(config, { replicationLagMs: 500 });
    const post = (region: string, id: string) =>
      world.net.request(`${world.apps[region].url}/orders`, {
        from: 'clients',
        method: 'POST',
        body: JSON.stringify({ id }),
        headers: { 'content-type': 'application/json' },
        timeoutMs: 2_000,
      });
    try {
      // The primary still answers (impaired, not dead), so fencing really has to stop its writers.
      const now = new Date().toISOString();
      const signal = (target: string, vantage: string, healthy: boolean): Signal => ({
        id: `canary:${vantage}->${target}`,
        source: 'canary',
        vantage,
        target,
        healthy,
        detail: healthy ? 'ok' : 'errors',
        observedAt: now,
      });
      const signals: HealthSignals = {
        read: async () => [signal(PRIMARY, PRIMARY, false), signal(PRIMARY, STANDBY, false), signal(STANDBY, PRIMARY, true), signal(STANDBY, STANDBY, true)],
        probeGlobal: (n) => world.signals.probeGlobal(n),
      };
      const cp = await startLocalControlPlane(world, { signals });
      const before = await post(PRIMARY, 'o-before');
      expect(before.status).toBe(201);

      const result = await cp.machine.start(failoverInput({ incidentId: 'inc-fenced-writes' }), 'inc-fenced-writes').result;
      expect(result).toMatchObject({ status: 'SUCCEEDED', output: { outcome: 'FAILED_OVER' } });

      const old = await post(PRIMARY, 'o-after');
      expect(old.status).toBe(503);
      expect(old.body).toContain('PASSIVE: writes are fenced');
      const fresh = await post(STANDBY, 'o-new');
      expect(fresh.status).toBe(201);
      expect(world.activeRegions()).toEqual([STANDBY]);
    } finally {
      await world.stop();
    }
  });
});

describe('FM8 with the SSM adapter: throttled is reachable, a refused connection is not', () => {
  const ssm = { [PRIMARY]: new SSMClient({ region: PRIMARY }), [STANDBY]: new SSMClient({ region: STANDBY }) } as Record<string, SSMClient>;
  const mocks = { [PRIMARY]: mockClient(ssm[PRIMARY]), [STANDBY]: mockClient(ssm[STANDBY]) };
  beforeEach(() => {
    for (const m of Object.values(mocks)) m.reset();
  });
  const fence = () =>
    runFailoverOrchestrator(
      { action: 'fence', state: { ...failoverInput(), execution: { id: 'exec-1', name: 'inc-fm', startedAt: new Date().toISOString() } } },
      {
        config,
        siteState: new SsmSiteState({ ssmFor: (r) => ssm[r], parameterPrefix: '/dr/orders/site-state' }),
        dataStores: fakeDataStores(),
        scaler: { scale: () => Promise.reject(new Error('unused')) },
        audit: { record: async () => undefined },
        clock: { now: () => Date.now() },
      },
    );

  it('GetParameter throttled in the old primary: the fence throws for the Retry instead of skipping a live region', async () => {
    mocks[PRIMARY]
      .on(GetParameterCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }));
    await expect(fence()).rejects.toBeInstanceOf(ThrottledError);
    expect(mocks[PRIMARY].commandCalls(PutParameterCommand)).toHaveLength(0);
  });

  it('the old primary refuses connections: fenced false (unreachable), and the standby region was never asked instead', async () => {
    mocks[PRIMARY].on(GetParameterCommand).rejects(Object.assign(new Error('connect ECONNREFUSED'), { name: 'Error', code: 'ECONNREFUSED' }));
    await expect(fence()).resolves.toMatchObject({ fenced: false, changed: false });
    expect(mocks[STANDBY].calls()).toHaveLength(0);
  });

  it('reachable and ACTIVE: PutParameter PASSIVE in its own region', async () => {
    mocks[PRIMARY].on(GetParameterCommand).resolves({ Parameter: { Value: 'ACTIVE' } });
    mocks[PRIMARY].on(PutParameterCommand).resolves({});
    await expect(fence()).resolves.toMatchObject({ fenced: true, changed: true });
    expect(mocks[PRIMARY].commandCalls(PutParameterCommand)[0].args[0].input).toMatchObject({
      Name: `/dr/orders/site-state/${PRIMARY}`,
      Value: 'PASSIVE',
      Overwrite: true,
    });
  });
});
