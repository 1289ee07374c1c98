import { GetRoutingControlStateCommand, UpdateRoutingControlStatesCommand } from '@aws-sdk/client-route53-recovery-cluster';
import { parseConfig } from '../../../config/load';
import { ArcRoutingControlTraffic } from '../../../functions/shared/aws/arc-routing-control-traffic';
import type { SegmentPage } from '../../../functions/shared/ports';
import { LocalHeartbeatWriter, LocalRoute53Traffic } from '../../../local/world/adapters';
import { LocalWorld } from '../../../local/world/world';
import { configInput } from '../aws/fixtures';
import { useVirtualTime } from '../../support/virtual-time';

// GetChange polling and TTLs run on the virtual clock.
useVirtualTime();

const EAST = 'us-east-1';
const WEST = 'us-west-2';
const arcTraffic = {
  strategy: 'arc-routing-control',
  clusterEndpoints: [
    { region: EAST, endpoint: 'https://a.example.com/v1' },
    { region: WEST, endpoint: 'https://b.example.com/v1' },
  ],
  routingControlArns: {
    [EAST]: 'arn:aws:route53-recovery-control::1:controlpanel/p/routingcontrol/e',
    [WEST]: 'arn:aws:route53-recovery-control::1:controlpanel/p/routingcontrol/w',
  },
};

const worlds: LocalWorld[] = [];
function world(over: Record<string, unknown> = {}) {
  // Only the in-process stand-ins: the world has no servers at all.
  const w = new LocalWorld(parseConfig({ ...configInput, ...over }), { replicationLagMs: 0 });
  worlds.push(w);
  return w;
}
afterEach(async () => {
  for (const w of worlds.splice(0)) await w.stop();
});

describe('LocalWorld picks the traffic control from config.traffic.strategy', () => {
  it('route53-weighted: the Route 53 stand-in, all traffic on the primary', () => {
    const w = world();
    expect(w.traffic).toBeInstanceOf(LocalRoute53Traffic);
    expect(w.traffic.strategy).toBe('route53-weighted');
    expect(w.router.weights).toEqual({ [EAST]: 100, [WEST]: 0 });
  });

  it('active-active: both regions serve and write; the shift drains the impaired one', async () => {
    const w = world({ traffic: { strategy: 'active-active', hostedZoneId: 'Z0123456789ABCDEFGHIJ' } });
    expect(w.traffic.strategy).toBe('active-active');
    expect(w.router.weights).toEqual({ [EAST]: 50, [WEST]: 50 });
    expect(w.activeRegions().sort()).toEqual([EAST, WEST]);
    const shift = await w.traffic.shiftTo(WEST, EAST);
    expect(shift.after.weights).toEqual({ [EAST]: 0, [WEST]: 100 });
    // What was written through the API: the healthy region kept its weight, the impaired one went to 0.
    expect(w.router.dnsApi.listWeights()).toEqual({ [EAST]: 0, [WEST]: 50 });
  });

  it('arc-routing-control: the real ARC adapter against the cluster stand-in; zero Route 53 API calls', async () => {
    const w = world({ traffic: arcTraffic });
    expect(w.traffic).toBeInstanceOf(ArcRoutingControlTraffic);
    w.router.dnsApiAvailable = false;
    w.arc!.setAvailable('https://a.example.com/v1', false);
    const shift = await w.traffic.shiftTo(WEST, EAST);
    expect(shift.after.weights).toEqual({ [EAST]: 0, [WEST]: 100 });
    expect(w.arc!.state(WEST)).toBe('On');
    expect(w.arc!.state(EAST)).toBe('Off');
    expect(w.arc!.updates).toBe(1);
    expect(w.router.dnsApiCalls).toBe(0);
  });
});

describe('ArcClusterStandIn', () => {
  it('refuses an update that would turn every routing control off (the safety rule)', async () => {
    const w = world({ traffic: arcTraffic });
    const client = w.arc!.clientFor({ endpoint: 'https://b.example.com/v1' });
    const all = Object.values(arcTraffic.routingControlArns).map((arn) => ({ RoutingControlArn: arn, RoutingControlState: 'Off' as const }));
    await expect(client.send(new UpdateRoutingControlStatesCommand({ UpdateRoutingControlStateEntries: all }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    expect(w.arc!.state(EAST)).toBe('On');
  });

  it('an unavailable endpoint answers EndpointTemporarilyUnavailableException and counts the call', async () => {
    const w = world({ traffic: arcTraffic });
    w.arc!.setAvailable('https://a.example.com/v1', false);
    const client = w.arc!.clientFor({ endpoint: 'https://a.example.com/v1' });
    await expect(client.send(new GetRoutingControlStateCommand({ RoutingControlArn: arcTraffic.routingControlArns[EAST] }))).rejects.toMatchObject({
      name: 'EndpointTemporarilyUnavailableException',
    });
    expect(w.arc!.endpoints[0].calls).toBe(1);
  });
});

describe("LocalDataStores: the comparison's pages and the heartbeat", () => {
  it('pages one segment of a replica in key order, resumable from the last key, without heartbeat items', async () => {
    const w = world();
    const orders = w.data.store('orders');
    for (let i = 0; i < 600; i++) orders.byRegion[EAST].write(`k${String(i).padStart(4, '0')}`, `v${i}`);
    orders.byRegion[EAST].write('regionflip#heartbeat#us-east-1', '{"writtenAt":1}');
    const keys: string[] = [];
    let cursor: string | null = null;
    for (let segment = 0; segment < 3; segment++) {
      cursor = null;
      do {
        const page: SegmentPage = await w.dataStores.scanSegment(orders.config, EAST, segment, 3, cursor);
        keys.push(...page.items.map(([k]) => k));
        cursor = page.cursor;
      } while (cursor);
    }
    // Every item once, over the three segments; the heartbeat is control-plane data, never compared.
    expect(keys.sort()).toEqual(Array.from({ length: 600 }, (_, i) => `k${String(i).padStart(4, '0')}`));
  });

  it("hands each item with its value as stored, unhashed (the validator hashes it), and the replica's size", async () => {
    const w = world();
    const orders = w.data.store('orders');
    orders.byRegion[EAST].write('k1', '{"total":10}');
    const page = await w.dataStores.scanSegment(orders.config, EAST, 0, 1, null);
    expect(page.items).toEqual([['k1', '{"total":10}']]);
    await expect(w.dataStores.comparisonLayout(orders.config, EAST)).resolves.toEqual({
      sizeBytes: expect.any(Number),
      detail: 'orders in us-east-1: 1 item(s)',
    });
  });

  it('cannot read a region that is down (an unreachable endpoint); the heartbeat there is unreadable, not missing', async () => {
    const w = world();
    w.data.crash(EAST);
    await expect(w.dataStores.scanSegment(w.data.store('orders').config, EAST, 0, 1, null)).rejects.toThrow(/region unreachable/);
    await expect(w.dataStores.newestHeartbeat(w.data.store('orders').config, WEST, EAST)).resolves.toMatchObject({ readable: false });
  });

  it('the heartbeat arrives through replication: held back by a stall, delivered when it heals', async () => {
    const w = world();
    const orders = w.data.store('orders');
    const writer = new LocalHeartbeatWriter(w.data);
    w.stallReplication('*', true);
    await writer.beat(orders.config, EAST, 1_000);
    await expect(w.dataStores.newestHeartbeat(orders.config, EAST, WEST)).resolves.toMatchObject({ writtenAt: null, readable: true });
    w.stallReplication('*', false);
    await new Promise((resolve) => setTimeout(resolve, 10));
    await expect(w.dataStores.newestHeartbeat(orders.config, EAST, WEST)).resolves.toMatchObject({ writtenAt: 1_000 });
  });
});
