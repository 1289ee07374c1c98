import { join } from 'node:path';
import { loadConfig } from '../../../config/load';
import { LocalDetection } from '../../../local/detection';
import { applyFault } from '../../../local/fault-schedule';
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
  return { world, detection, fault, health };
}

describe('each fault kind does what it says, and heals', () => {
  it('region-down: connections refused, the region dark (SSM too), unreplicated writes lost; heal brings it back', async () => {
    const { world, detection, fault, health } = setup();
    world.data.write(P, 'k', 'v');
    const a = applyFault(fault({ kind: 'region-down', region: 'primary' }), world, detection);
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
    const { world, detection, fault, health } = setup();
    applyFault(fault({ kind: 'app-down', region: 'standby' }), world, detection);
    expect(await health(S)).toBe('ECONNREFUSED');
    expect(await world.siteState.get(S)).toBe('PASSIVE');
  });

  it('region-slow answers late (a probe with a shorter timeout fails); region-errors answers 503', async () => {
    const { world, detection, fault, health } = setup();
    const slow = applyFault(fault({ kind: 'region-slow', region: 'primary', latency: '3s' }), world, detection);
    expect(await health(P)).toBe('ETIMEDOUT');
    slow.heal();
    applyFault(fault({ kind: 'region-errors', region: 'primary', rate: 1 }), world, detection);
    expect(await health(P)).toBe(503);
  });

  it('partition: the named parties lose each other, nobody else does', async () => {
    const { world, detection, fault, health } = setup();
    const a = applyFault(fault({ kind: 'partition', between: ['canary:standby', 'primary'] }), world, detection);
    expect(await health(P, `canary:${S}`)).toBe('ETIMEDOUT');
    expect(await health(P, `canary:${P}`)).toBe(200);
    expect(await health(P, 'clients')).toBe(200);
    a.heal();
    expect(await health(P, `canary:${S}`)).toBe(200);
  });

  it('replication-stall holds writes back until it heals; a crash before then loses them', async () => {
    const { world, detection, fault } = setup();
    const a = applyFault(fault({ kind: 'replication-stall', store: '*' }), world, detection);
    world.data.write(P, 'held', 'v');
    await sleep(60_000);
    expect(world.data.has(S, 'held')).toBe(false);
    a.heal();
    await sleep(1_000);
    expect(world.data.has(S, 'held')).toBe(true);
  });

  it('replication-lag sets the lag of the named store and restores it', async () => {
    const { world, detection, fault } = setup();
    const a = applyFault(fault({ kind: 'replication-lag', store: 'orders', lag: '30s' }), world, detection);
    expect(world.data.store('orders').lagOverrideMs).toBe(30_000);
    expect(await world.dataStores.replicationLagMs(world.data.store('orders').config, world.primary, world.standby)).toBe(30_000);
    a.heal();
    expect(world.data.store('orders').lagOverrideMs).toBeUndefined();
  });

  it('aws-api-down and throttle refuse the service calls of the adapters', async () => {
    const { world, detection, fault } = setup();
    const down = applyFault(fault({ kind: 'aws-api-down', service: 'ssm', region: 'standby' }), world, detection);
    await expect(world.siteState.get(S)).rejects.toMatchObject({ name: 'TransientError' });
    expect(await world.siteState.get(P)).toBe('ACTIVE');
    down.heal();
    applyFault(fault({ kind: 'throttle', service: 'ssm', rate: 1 }), world, detection);
    await expect(world.siteState.get(P)).rejects.toThrow(/Rate exceeded/);
    applyFault(fault({ kind: 'aws-api-down', service: 'route53' }), world, detection);
    expect(() => world.router.dnsApi.listWeights()).toThrow(/unavailable/);
  });

  it('step-fails fails the named state the given number of times, then lets it run', () => {
    const { world, detection, fault } = setup();
    applyFault(fault({ kind: 'step-fails', state: 'ShiftTraffic', error: 'TransientError', times: 2 }), world, detection);
    const attempt = () => world.taskFaults.before('ShiftTraffic', 'arn:aws:lambda:us-east-1:000000000000:function:x');
    expect(attempt).toThrow(expect.objectContaining({ name: 'TransientError' }));
    expect(attempt).toThrow(expect.objectContaining({ name: 'TransientError' }));
    expect(attempt).not.toThrow();
    expect(() => world.taskFaults.before('FenceOldPrimary', 'arn:aws:lambda:us-east-1:000000000000:function:x')).not.toThrow();
  });

  it('duplicate-events sets EventBridge delivery, and heals back to once', () => {
    const { world, detection, fault } = setup();
    const a = applyFault(fault({ kind: 'duplicate-events', copies: 3, redeliverAfter: '30s' }), world, detection);
    expect(detection.delivery).toEqual({ copies: 3, redeliverAfterMs: 30_000 });
    a.heal();
    expect(detection.delivery).toEqual({ copies: 1, redeliverAfterMs: 0 });
  });
});
