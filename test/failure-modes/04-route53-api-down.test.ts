import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDrill } from '../../local/drill';
import { startLocalControlPlane } from '../../local/control-plane';
import { LocalWorld, TimeScale } from '../../local/world/world';
import { PRIMARY, STANDBY, configWith, failoverInput } from './harness';

/**
 * Failure mode 4: us-east-1 impaired, and with it the Route 53 control plane (ChangeResourceRecordSets,
 * GetChange). With the ARC strategy the failover flips routing controls through the cluster's data plane
 * and makes zero Route 53 API calls; the Route 53 strategy, by contrast, is stuck behind that API.
 */
describe('FM4 Route 53 API / us-east-1 impaired', () => {
  it('dns-api-down drill with ARC: FAILED_OVER, zero Route 53 control-plane calls, every invariant held', async () => {
    const config = configWith({ traffic: 'arc-routing-control', stores: ['dynamodb'] });
    const summary = await runDrill({ config, scenario: 'dns-api-down', approve: 'auto', outDir: mkdtempSync(join(tmpdir(), 'fm4-')) });

    expect(summary.outcome).toBe('FAILED_OVER');
    expect(summary.activeRegion).toBe(STANDBY);
    expect(summary.route53ApiCalls).toBe(0);
    expect(summary.invariants).toContainEqual(expect.objectContaining({ name: 'zero-route53-api-calls', held: true }));
    expect(summary.invariantsHeld).toBe(true);
    const shift = summary.history.findLast((e) => e.stateName === 'ShiftTraffic' && e.type === 'TaskStateExited')?.output as { steps: { shift: { strategy: string; via: string } } };
    expect(shift.steps.shift.strategy).toBe('arc-routing-control');
    expect(shift.steps.shift.via).toMatch(/^arc:UpdateRoutingControlStates via /);
  });

  it('the same outage with the route53-weighted strategy: ShiftTraffic needs the Route 53 API and the failover stops INCOMPLETE', async () => {
    const config = configWith({ traffic: 'route53-weighted', stores: ['dynamodb'], approval: { mode: 'auto-when-safe' } });
    const world = new LocalWorld(config, new TimeScale(600), { replicationLagMs: 500 });
    await world.start();
    try {
      const cp = await startLocalControlPlane(world, { realTimeApproval: false });
      world.router.dnsApiAvailable = false;
      world.apps[PRIMARY].fault = 'down';
      world.data.crash(PRIMARY);
      const result = await cp.machine.start(failoverInput({ incidentId: 'inc-r53-down' }), 'inc-r53-down').result;
      expect(result).toMatchObject({ status: 'FAILED', error: 'FailoverIncomplete' });
      expect(result.cause).toMatch(/^Stopped at ShiftTraffic \(TransientError: ListResourceRecordSets failed/);
      expect(world.router.dnsApiCalls).toBeGreaterThan(0);
      expect(world.servingRegion).toBe(PRIMARY);
    } finally {
      await world.stop();
    }
  });
});
