import { join } from 'node:path';
import { loadConfig } from '../../config/load';
import { startLocalControlPlane, type LocalControlPlane } from '../../local/control-plane';
import { answerApproval } from '../../local/approver';
import { sleep } from '../../local/sim/network';
import { LocalWorld } from '../../local/world/world';
import { useVirtualTime } from '../support/virtual-time';

// Resync checks, Retry intervals and replication lag are virtual time: nothing here waits on the real clock.
useVirtualTime();

const config = loadConfig(join(__dirname, '..', '..', 'examples', 'configs', 'aurora-route53.config.json'));
const PRIMARY = config.regions.primary.name;
const STANDBY = config.regions.standby.name;

const request = (incidentId: string, direction: 'failover' | 'failback', from: string, to: string, extra: Record<string, unknown> = {}) => ({
  incidentId,
  direction,
  fromRegion: from,
  toRegion: to,
  trigger: { source: 'manual', at: new Date().toISOString() },
  ...extra,
});

describe('failback (state-machines/failback.asl.json) in the local world', () => {
  let world: LocalWorld;
  let cp: LocalControlPlane;
  const answered: Array<Promise<number>> = [];

  beforeEach(async () => {
    world = new LocalWorld(config, { replicationLagMs: config.drill.replicationLagMs });
    cp = await startLocalControlPlane(world);
    // Approves from the emailed link as a person would: open the page, submit its form.
    world.notifier.on((m) => {
      const url = m.body.split('\n').find((l) => l.startsWith(cp.approvalBaseUrl));
      if (m.topic === 'approval' && url) answered.push(answerApproval(world, url, 'approve', config.approval.approvers[0]).then((r) => r.status));
    });
    // An incident: the primary goes down with a few orders written, the failover moves everything to the standby.
    for (let i = 0; i < 5; i++) world.data.write(PRIMARY, `before-${i}`, `{"id":"before-${i}"}`);
    await sleep(config.drill.replicationLagMs + 20);
    world.apps[PRIMARY].impairment.down = true;
    world.data.crash(PRIMARY);
    const failover = await cp.machine.start(request('inc-fb', 'failover', PRIMARY, STANDBY, { approvalMode: 'auto-when-safe' }), 'inc-fb').result;
    expect(failover).toMatchObject({ status: 'SUCCEEDED', output: { outcome: 'FAILED_OVER' } });
    for (let i = 0; i < 5; i++) world.data.write(STANDBY, `during-${i}`, `{"id":"during-${i}"}`);
  });

  afterEach(async () => {
    await Promise.all(answered.splice(0));
    await world.stop();
  });

  it('once the primary is back and caught up, a human approves and traffic, writers and data return to it', async () => {
    world.apps[PRIMARY].impairment.down = false;
    world.data.recover(PRIMARY);
    const ex = cp.failbackMachine.start(request('inc-fb-back', 'failback', STANDBY, PRIMARY), 'inc-fb-back');
    const result = await ex.result;
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { outcome: 'FAILED_BACK', activeRegion: PRIMARY } });
    expect(await Promise.all(answered)).toEqual([200]);
    // The order matters: resync checked before approval, fence before activation, traffic before verification.
    const entered = ex.events.filter((e) => e.type.endsWith('StateEntered')).map((e) => e.stateName);
    const at = (s: string) => entered.indexOf(s);
    expect(at('ResyncCheck')).toBeGreaterThan(at('AssessHealth'));
    expect(at('RequestApproval')).toBeGreaterThan(at('ResyncCheck'));
    expect(at('FenceOldPrimary')).toBeGreaterThan(at('RequestApproval'));
    expect(at('ShiftTraffic')).toBeGreaterThan(at('PromoteData'));
    expect(world.router.weights).toEqual({ [PRIMARY]: 100, [STANDBY]: 0 });
    expect(world.activeRegions()).toEqual([PRIMARY]);
    // A planned return: both regions healthy, so Aurora is switched over (no data loss), not failed over.
    const promote = ex.events.findLast((e) => e.stateName === 'PromoteData' && e.type.endsWith('StateExited'))?.output as {
      steps: { promote: Array<{ store: string; action: string }> };
    };
    expect(promote.steps.promote.find((p) => p.store === 'ledger')?.action).toBe('switchover');
    // Orders written on the standby during the incident are in the primary again.
    for (let i = 0; i < 5; i++) expect(world.data.has(PRIMARY, `during-${i}`)).toBe(true);
  });

  it('refuses while the primary is still down: traffic never returns to a region in doubt', async () => {
    const result = await cp.failbackMachine.start(request('inc-fb-early', 'failback', STANDBY, PRIMARY), 'inc-fb-early').result;
    expect(result).toMatchObject({ status: 'FAILED', error: 'FailbackRefused' });
    expect(world.router.weights).toEqual({ [PRIMARY]: 0, [STANDBY]: 100 });
    expect(answered).toHaveLength(0);
  });

  it('quiet tables (no client writes since the failover): the fresh heartbeat shows them caught up, the data compares clean, traffic returns', async () => {
    world.apps[PRIMARY].impairment.down = false;
    world.data.recover(PRIMARY);
    // Nothing is written anywhere from now on: only the heartbeat writers replicate.
    const ex = cp.failbackMachine.start(request('inc-fb-quiet', 'failback', STANDBY, PRIMARY), 'inc-fb-quiet');
    const result = await ex.result;
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { outcome: 'FAILED_BACK', activeRegion: PRIMARY } });
    const checks = ex.events
      .filter((e) => e.stateName === 'ResyncCheck' && e.type === 'TaskStateExited')
      .map((e) => (e.output as { resync: { compare: boolean; lagByStore: Record<string, number> } }).resync);
    const caughtUp = checks.at(-1)!;
    expect(caughtUp.compare).toBe(true);
    // The table's lag is the heartbeat's age: a couple of seconds, however long since the last client write.
    expect(caughtUp.lagByStore.orders).toBeLessThan(config.dataRisk.heartbeatIntervalSeconds * 1000 + 1_000);
    const verdict = ex.events.findLast((e) => e.stateName === 'ResyncVerdict' && e.type === 'TaskStateExited')?.output as { resync: { clean: boolean } };
    expect(verdict.resync.clean).toBe(true);
  });

  it('a stalled table is not caught up: its heartbeat stops arriving, the resync gives up, nothing moves', async () => {
    world.apps[PRIMARY].impairment.down = false;
    world.data.recover(PRIMARY);
    world.stallReplication('orders', true);
    const ex = cp.failbackMachine.start(request('inc-fb-stalled', 'failback', STANDBY, PRIMARY), 'inc-fb-stalled');
    const result = await ex.result;
    expect(result).toMatchObject({ status: 'FAILED', error: 'ResyncNotCaughtUp' });
    expect(result.cause).toMatch(/orders: lag \d+ ms \(heartbeat stale: replication is not flowing\)/);
    // Never compared: the heartbeat already said no.
    expect(ex.events.some((e) => e.stateName === 'PlanResyncComparison')).toBe(false);
    expect(world.router.weights).toEqual({ [PRIMARY]: 0, [STANDBY]: 100 });
    world.stallReplication('orders', false);
  });

  it('gives up after a bounded number of resync checks when replication never catches up, changing nothing', async () => {
    world.apps[PRIMARY].impairment.down = false;
    world.data.recover(PRIMARY);
    // CloudWatch would report a lag far over the RPO target.
    world.replicationLagMs = 60_000;
    const ex = cp.failbackMachine.start(request('inc-fb-lag', 'failback', STANDBY, PRIMARY), 'inc-fb-lag');
    const result = await ex.result;
    expect(result).toMatchObject({ status: 'FAILED', error: 'ResyncNotCaughtUp' });
    // Each heartbeat from the standby arrives a minute after it was written: never fresh, so never caught up.
    expect(result.cause).toMatch(
      /Resync check 20 of 20: us-east-1 not caught up .*orders: lag 6\d{4} ms \(heartbeat stale: replication is not flowing\).*Giving up/,
    );
    expect(ex.events.filter((e) => e.stateName === 'ResyncCheck' && e.type === 'TaskStateEntered')).toHaveLength(20);
    expect(world.router.weights).toEqual({ [PRIMARY]: 0, [STANDBY]: 100 });
    expect(world.apps[STANDBY].siteState).toBe('ACTIVE');
    expect(answered).toHaveLength(0);
  });
});
