import { join } from 'node:path';
import { loadConfig } from '../../../config/load';
import { LocalDetection } from '../../../local/detection/loop';
import { FaultInjector } from '../../../local/fault-schedule';
import { parseScenario, type Fault } from '../../../local/scenario-file';
import { sleep } from '../../../local/sim/network';
import { createRng } from '../../../local/sim/random';
import { LocalWorld } from '../../../local/world/world';
import { useVirtualTime } from '../../support/virtual-time';

// Latency, replication and timeouts are virtual time.
useVirtualTime();

const config = loadConfig(join(__dirname, '..', '..', '..', 'dr.config.json'));
const P = config.regions.primary.name;
const S = config.regions.standby.name;

function setup() {
  const world = new LocalWorld(config, { replicationLagMs: 500 });
  const detection = new LocalDetection(world, { rng: createRng(1), run: () => Promise.reject(new Error('not in this test')) as never });
  const fault = (raw: Record<string, unknown>): Fault => parseScenario({ name: 'f', description: 'd', faults: [{ at: '0s', ...raw }] }, 't').faults[0];
  const health = async (region: string, from = 'clients') => {
    try {
      return (await world.net.request(`${world.apps[region].url}/health`, { from, timeoutMs: 2_000 })).status;
    } catch (err) {
      return (err as { code: string }).code;
    }
  };
  const injector = new FaultInjector(world, detection);
  const inject = (f: Fault) => injector.apply(f);
  return { world, detection, fault, inject, health };
}

describe('each fault kind does what it says, and heals', () => {
  it('region-down: connections refused, the region dark (SSM too), unreplicated writes lost; heal brings it back', async () => {
    const { world, fault, inject, health } = setup();
    world.data.write(P, 'k', 'v');
    const a = inject(fault({ kind: 'region-down', region: 'primary' }));
    expect(await health(P)).toBe('ECONNREFUSED');
    expect(world.darkRegions.has(P)).toBe(true);
    await expect(world.siteState.get(P)).rejects.toThrow(/unreachable/);
    await sleep(1_000);
    expect(world.data.has(S, 'k')).toBe(false);
    a.heal();
    expect(await health(P)).toBe(200);
    expect(await world.siteState.get(P)).toBe('ACTIVE');
  });

  it('app-down: only the application refuses; the region (its SSM) stays reachable', async () => {
    const { world, fault, inject, health } = setup();
    inject(fault({ kind: 'app-down', region: 'standby' }));
    expect(await health(S)).toBe('ECONNREFUSED');
    expect(await world.siteState.get(S)).toBe('PASSIVE');
  });

  it('app-down twice, overlapping: the application stays down until the last outage heals', async () => {
    const { fault, inject, health } = setup();
    const first = inject(fault({ kind: 'app-down', region: 'standby' }));
    const second = inject(fault({ kind: 'app-down', region: 'standby' }));
    first.heal();
    expect(await health(S)).toBe('ECONNREFUSED');
    second.heal();
    expect(await health(S)).toBe(200);
  });

  it('region-slow answers late (a probe with a shorter timeout fails); region-errors answers 503', async () => {
    const { fault, inject, health } = setup();
    const slow = inject(fault({ kind: 'region-slow', region: 'primary', latency: '3s' }));
    expect(await health(P)).toBe('ETIMEDOUT');
    slow.heal();
    inject(fault({ kind: 'region-errors', region: 'primary', rate: 1 }));
    expect(await health(P)).toBe(503);
  });

  it('partition: the named parties lose each other, nobody else does', async () => {
    const { fault, inject, health } = setup();
    const a = inject(fault({ kind: 'partition', between: ['canary:standby', 'primary'] }));
    expect(await health(P, `canary:${S}`)).toBe('ETIMEDOUT');
    expect(await health(P, `canary:${P}`)).toBe(200);
    expect(await health(P, 'clients')).toBe(200);
    a.heal();
    expect(await health(P, `canary:${S}`)).toBe(200);
  });

  it('replication-stall holds writes back until it heals; a crash before then loses them', async () => {
    const { world, fault, inject } = setup();
    const a = inject(fault({ kind: 'replication-stall', store: '*' }));
    world.data.write(P, 'held', 'v');
    await sleep(60_000);
    expect(world.data.has(S, 'held')).toBe(false);
    a.heal();
    await sleep(1_000);
    expect(world.data.has(S, 'held')).toBe(true);
  });

  it('replication-lag sets the lag of the named store and restores it', async () => {
    const { world, fault, inject } = setup();
    const a = inject(fault({ kind: 'replication-lag', store: 'orders', lag: '30s' }));
    expect(world.data.store('orders').lagOverrideMs).toBe(30_000);
    expect(await world.dataStores.replicationLagMs(world.data.store('orders').config, world.primary, world.standby)).toBe(30_000);
    a.heal();
    expect(world.data.store('orders').lagOverrideMs).toBeUndefined();
  });

  it('aws-api-down and throttle refuse the service calls of the adapters', async () => {
    const { world, fault, inject } = setup();
    const down = inject(fault({ kind: 'aws-api-down', service: 'ssm', region: 'standby' }));
    await expect(world.siteState.get(S)).rejects.toMatchObject({ name: 'TransientError' });
    expect(await world.siteState.get(P)).toBe('ACTIVE');
    down.heal();
    inject(fault({ kind: 'throttle', service: 'ssm', rate: 1 }));
    await expect(world.siteState.get(P)).rejects.toThrow(/Rate exceeded/);
    inject(fault({ kind: 'aws-api-down', service: 'route53' }));
    expect(() => world.router.dnsApi.listWeights()).toThrow(/unavailable/);
  });

  it('step-fails fails the named state the given number of times, then lets it run', () => {
    const { world, fault, inject } = setup();
    inject(fault({ kind: 'step-fails', state: 'ShiftTraffic', error: 'TransientError', times: 2 }));
    const attempt = () => world.taskFaults.before('ShiftTraffic', 'arn:aws:lambda:us-east-1:000000000000:function:x');
    expect(attempt).toThrow(expect.objectContaining({ name: 'TransientError' }));
    expect(attempt).toThrow(expect.objectContaining({ name: 'TransientError' }));
    expect(attempt).not.toThrow();
    expect(() => world.taskFaults.before('FenceOldPrimary', 'arn:aws:lambda:us-east-1:000000000000:function:x')).not.toThrow();
  });

  it('duplicate-events sets EventBridge delivery, and heals back to once', () => {
    const { detection, fault, inject } = setup();
    const a = inject(fault({ kind: 'duplicate-events', copies: 3, redeliverAfter: '30s' }));
    expect(detection.delivery).toEqual({ copies: 3, redeliverAfterMs: 30_000 });
    a.heal();
    expect(detection.delivery).toEqual({ copies: 1, redeliverAfterMs: 0 });
  });
});
