import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseConfig } from '../../config/load';
import { runDrill, type DrillEvent, type DrillOptions } from '../../local/drill';

const config = loadConfig(join(__dirname, '..', '..', 'examples', 'configs', 'aurora-route53.config.json'));
const PRIMARY = config.regions.primary.name;
const STANDBY = config.regions.standby.name;

async function drill(opts: Omit<DrillOptions, 'config' | 'outDir'> & { config?: DrillOptions['config'] }) {
  const events: DrillEvent[] = [];
  const summary = await runDrill({ config, outDir: mkdtempSync(join(tmpdir(), 'outbox-')), onEvent: (e) => events.push(e), ...opts });
  return { summary, events };
}

const exitedOutput = (summary: Awaited<ReturnType<typeof drill>>['summary'], state: string) =>
  summary.history.findLast((e) => e.stateName === state && e.type.endsWith('StateExited'))?.output as Record<string, unknown> | undefined;

describe('drill: failover actions', () => {
  it('dns-api-down: fails over through ARC with zero Route 53 API calls, rotating past the dead cluster endpoint', async () => {
    const { summary } = await drill({ scenario: 'dns-api-down', approve: 'auto' });
    expect(summary.outcome).toBe('FAILED_OVER');
    expect(summary.activeRegion).toBe(STANDBY);
    expect(summary.route53ApiCalls).toBe(0);
    expect(summary.invariants).toContainEqual({ name: 'zero-route53-api-calls', held: true, detail: '0 Route 53 API call(s)' });
    expect(summary.invariantsHeld).toBe(true);
    const shift = (exitedOutput(summary, 'ShiftTraffic')?.steps as { shift?: { strategy: string; via: string } } | undefined)?.shift;
    expect(shift?.strategy).toBe('arc-routing-control');
    expect(shift?.via).toMatch(/^arc:UpdateRoutingControlStates via us-west-2 \(skipped unavailable endpoint\(s\) in us-east-1\)$/);
    expect(typeof summary.lostWrites).toBe('number');
  });

  it('promotion-fails: ends INCOMPLETE with the completed and remaining steps, traffic not moved', async () => {
    const { summary, events } = await drill({ scenario: 'promotion-fails', approve: 'auto' });
    expect(summary.outcome).toBe('INCOMPLETE');
    expect(summary.completedSteps).toEqual(['FenceOldPrimary']);
    expect(summary.remainingSteps).toEqual(['PromoteData', 'ShiftTraffic', 'ActivateStandby', 'VerifyRecovery', 'ValidateData']);
    expect(summary.activeRegion).toBe(PRIMARY);
    expect(summary.lostWrites).toBe(0);
    // The execution stopped at PromoteData; the failure reporter (EventBridge's status-change rule) escalated it.
    const alert = events.find((e) => e.type === 'alert' && e.subject === 'DR orders: failover INCOMPLETE at PromoteData, action needed');
    expect(alert).toMatchObject({ topic: 'escalation' });
    expect(alert?.message).toMatch(/Completed: FenceOldPrimary\. Remaining: PromoteData, .*drctl redrive/);
    expect(summary.invariantsHeld).toBe(true);
  });

  it('replication-lag with auto-when-safe: a human is asked, and the request shows the estimated loss over target', async () => {
    const { summary, events } = await drill({ scenario: 'replication-lag', approve: 'auto', approvalMode: 'auto-when-safe' });
    const asked = events.find((e) => e.type === 'approval-requested') as (DrillEvent & { estimatedRpoMs: number; rpoTargetMs: number }) | undefined;
    expect(asked).toBeDefined();
    expect(asked!.estimatedRpoMs).toBeGreaterThan(asked!.rpoTargetMs);
    expect(summary.outcome).toBe('FAILED_OVER');
    expect(typeof summary.lostWrites).toBe('number');
  });

  it('replication-lag with nobody answering: TIMED_OUT, traffic stays on the primary', async () => {
    const { summary, events } = await drill({ scenario: 'replication-lag', approve: 'none', approvalMode: 'auto-when-safe' });
    expect(events.some((e) => e.type === 'approval-requested')).toBe(true);
    expect(summary.outcome).toBe('TIMED_OUT');
    expect(summary.activeRegion).toBe(PRIMARY);
    expect(summary.lostWrites).toBe(0);
    expect(summary.invariantsHeld).toBe(true);
  });

  it('--dry-run: every check runs, the plan lists every change (standby scaling included), and nothing changes', async () => {
    const warm = parseConfig({
      ...config,
      standby: { mode: 'pilot-light', scaling: [{ kind: 'ecs-service', cluster: 'orders', service: 'api', desiredCount: 6 }] },
    });
    const { summary } = await drill({ config: warm, scenario: 'primary-down', approve: 'auto', dryRun: true });
    expect(summary.outcome).toBe('DRY_RUN');
    expect(summary.activeRegion).toBe(PRIMARY);
    expect(summary.plan).toEqual(
      expect.arrayContaining([
        `set site state of ${PRIMARY} to PASSIVE (its writers stop)`,
        `scale pilot-light standby: would raise ecs-service orders/api in ${STANDBY} from 0 to 6`,
        expect.stringMatching(new RegExp(`^route53-weighted: send 100% of ${config.globalDomain.name.replace(/\./g, '\\.')} to ${STANDBY}`)),
        `set site state of ${STANDBY} to ACTIVE (its writers start)`,
        expect.stringMatching(/^aurora-global ledger: failover of the writer/),
      ]),
    );
    // Every check ran: health, data risk, the traffic read and the post-failover comparison.
    const entered = new Set(summary.history.filter((e) => e.type.endsWith('StateEntered')).map((e) => e.stateName));
    for (const s of [
      'AssessHealth',
      'AssessDataRisk',
      'ScaleStandby',
      'FenceOldPrimary',
      'PromoteData',
      'ShiftTraffic',
      'ActivateStandby',
      'VerifyRecovery',
      'ValidateData',
    ])
      expect(entered).toContain(s);
    expect(summary.lostWrites).toBe(0);
    expect(summary.invariantsHeld).toBe(true);
  });
});
