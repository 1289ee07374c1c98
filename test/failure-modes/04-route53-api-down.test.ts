import { runDrill } from '../../local/drill';
import { parseScenario } from '../../local/scenario-file';
import { PRIMARY, STANDBY, configWith } from './harness';

/**
 * Failure mode 4: us-east-1 impaired, and with it the Route 53 control plane (ChangeResourceRecordSets,
 * GetChange). With the ARC strategy the failover flips routing controls through the cluster's data plane
 * and makes zero Route 53 API calls; the Route 53 strategy, by contrast, is stuck behind that API.
 */
describe('FM4 Route 53 API / us-east-1 impaired', () => {
  it('dns-api-down drill with ARC: FAILED_OVER, zero Route 53 control-plane calls, every invariant held', async () => {
    const config = configWith({ traffic: 'arc-routing-control', stores: ['dynamodb'] });
    const summary = await runDrill({ config, scenario: 'dns-api-down', approve: 'auto', outDir: null });

    expect(summary.outcome).toBe('FAILED_OVER');
    expect(summary.activeRegion).toBe(STANDBY);
    expect(summary.route53ApiCalls).toBe(0);
    expect(summary.invariants).toContainEqual(expect.objectContaining({ name: 'zero-route53-api-calls', held: true }));
    expect(summary.invariantsHeld).toBe(true);
    const shift = summary.history.findLast((e) => e.stateName === 'ShiftTraffic' && e.type === 'TaskStateExited')?.output as {
      steps: { shift: { strategy: string; via: string } };
    };
    expect(shift.steps.shift.strategy).toBe('arc-routing-control');
    expect(shift.steps.shift.via).toMatch(/^arc:UpdateRoutingControlStates via /);
  });

  it('the same outage with the route53-weighted strategy: ShiftTraffic needs the Route 53 API and the failover stops INCOMPLETE', async () => {
    const config = configWith({ traffic: 'route53-weighted', stores: ['dynamodb'], approval: { mode: 'auto-when-safe' } });
    const scenario = parseScenario(
      {
        name: 'route53-api-down-weighted',
        description: 'The Route 53 API and the primary fail together, with the route53-weighted strategy.',
        faults: [
          { at: '2m', kind: 'aws-api-down', service: 'route53' },
          { at: '2m', kind: 'region-down', region: 'primary' },
        ],
        expect: { outcome: 'INCOMPLETE', activeRegion: 'primary' },
      },
      'fm4',
    );
    const summary = await runDrill({ config, scenario, outDir: null });
    expect(summary).toMatchObject({ outcome: 'INCOMPLETE', error: 'TransientError', activeRegion: PRIMARY, matched: true });
    expect(summary.cause).toMatch(/^ListResourceRecordSets failed/);
    expect(summary.completedSteps).toEqual(['FenceOldPrimary', 'PromoteData']);
    expect(summary.remainingSteps?.[0]).toBe('ShiftTraffic');
    expect(summary.route53ApiCalls).toBeGreaterThan(0);
  });
});
