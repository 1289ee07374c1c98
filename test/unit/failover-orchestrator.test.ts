import { parseConfig } from '../../config/load';
import { describeIncomplete, runFailoverOrchestrator, type FailoverOrchestratorDeps } from '../../functions/failover-orchestrator/failover-orchestrator';
import type { AuditEntry, ScalingTarget } from '../../functions/shared/ports';
import { LocalStandbyScaler } from '../../local/world/adapters';
import { config, configInput, fixedClock } from './aws/fixtures';
import { fakeDataStores } from '../support/data-stores';

const EAST = 'us-east-1';
const WEST = 'us-west-2';
const request = (over: Record<string, unknown> = {}) => ({
  incidentId: 'inc-1',
  fromRegion: EAST,
  toRegion: WEST,
  trigger: { source: 'manual', at: '2025-01-02T03:04:05.000Z' },
  execution: { id: 'exec-1', name: 'n', startedAt: '2025-01-02T03:04:05.000Z' },
  health: { verdict: 'FAILOVER_WARRANTED' },
  ...over,
});

const warm = parseConfig({
  ...configInput,
  standby: {
    mode: 'pilot-light',
    scaling: [
      { kind: 'ecs-service', cluster: 'orders', service: 'api', desiredCount: 8 },
      { kind: 'asg', name: 'workers', minSize: 2, desiredCapacity: 4 },
      { kind: 'lambda-provisioned-concurrency', functionName: 'checkout', qualifier: 'live', concurrency: 20 },
    ],
  },
});

function deps(cfg = config) {
  const audit: AuditEntry[] = [];
  const scaler = new LocalStandbyScaler();
  const d: FailoverOrchestratorDeps = {
    config: cfg,
    siteState: { get: async () => 'ACTIVE', set: async () => undefined },
    dataStores: fakeDataStores(),
    scaler,
    audit: { record: async (e) => void audit.push(e) },
    clock: fixedClock(),
  };
  return { d, audit, scaler };
}

describe('scale-standby', () => {
  it('a hot standby has nothing to scale and calls no scaler', async () => {
    const { d, scaler } = deps();
    const spy = jest.spyOn(scaler, 'scale');
    const r = await runFailoverOrchestrator({ action: 'scale-standby', state: request() }, d);
    expect(r).toMatchObject({ changed: false, summary: `Hot standby: ${WEST} already runs at production size.` });
    expect(spy).not.toHaveBeenCalled();
  });

  it('pilot light: raises every configured target in the standby region and audits the result', async () => {
    const { d, audit, scaler } = deps(warm);
    const r = await runFailoverOrchestrator({ action: 'scale-standby', state: request() }, d);
    expect(r).toMatchObject({ changed: true, summary: `pilot-light standby in ${WEST}: 3 of 3 target(s) raised to production size; all serving.` });
    expect([...scaler.capacity.entries()].sort()).toEqual([
      [`${WEST}/asg workers`, 4],
      [`${WEST}/ecs-service orders/api`, 8],
      [`${WEST}/lambda-provisioned-concurrency checkout:live`, 20],
    ]);
    // Without a stateName (not from the ASL) the audit names the first state of the action.
    expect(audit).toEqual([expect.objectContaining({ step: 'ScaleStandby', outcome: 'DONE', executionId: 'exec-1' })]);
    // Run again (ConfirmStandbyScaled, a retry): nothing more to raise, audited under the state that ran it.
    await runFailoverOrchestrator({ stateName: 'ConfirmStandbyScaled', action: 'scale-standby', state: request() }, d);
    expect(scaler.updates).toBe(3);
    expect(audit.map((e) => e.step)).toEqual(['ScaleStandby', 'ConfirmStandbyScaled']);
  });

  it('dry run: plans each raise and changes nothing', async () => {
    const { d, scaler } = deps(warm);
    const r = (await runFailoverOrchestrator({ action: 'scale-standby', state: request({ dryRun: true }) }, d)) as { plan: string[] };
    expect(r.plan).toEqual([
      `scale pilot-light standby: would raise ecs-service orders/api in ${WEST} from 0 to 8`,
      `scale pilot-light standby: would raise asg workers in ${WEST} from 0 to 4`,
      `scale pilot-light standby: would raise lambda-provisioned-concurrency checkout:live in ${WEST} from 0 to 20`,
    ]);
    expect(scaler.updates).toBe(0);
  });

  it('failback (to the primary) scales nothing: the targets belong to the standby region', async () => {
    const { d, scaler } = deps(warm);
    const r = await runFailoverOrchestrator({ action: 'scale-standby', state: request({ direction: 'failback', fromRegion: WEST, toRegion: EAST }) }, d);
    expect(r.summary).toMatch(/us-east-1 is the primary region; standby.scaling applies to us-west-2 only/);
    expect(scaler.updates).toBe(0);
  });

  it('scales at most five targets at a time', async () => {
    const many = parseConfig({
      ...configInput,
      standby: { mode: 'warm', scaling: Array.from({ length: 12 }, (_, i) => ({ kind: 'ecs-service', cluster: 'c', service: `s${i}`, desiredCount: 2 })) },
    });
    const { d } = deps(many);
    let inFlight = 0;
    let max = 0;
    d.scaler.scale = async (t: ScalingTarget) => {
      inFlight++;
      max = Math.max(max, inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
      return { target: t.kind, before: 0, after: 2, changed: true, ready: true, detail: '' };
    };
    await runFailoverOrchestrator({ action: 'scale-standby', state: request() }, d);
    expect(max).toBe(5);
  });
});

describe('promote dry-run plan', () => {
  it('says which stores have a writer to move and how (failover with data loss vs switchover)', async () => {
    const { d } = deps();
    const plan = async (verdict: string, store: string) =>
      ((await runFailoverOrchestrator({ action: 'promote', store, state: request({ dryRun: true, health: { verdict } }) }, d)) as { plan: string[] }).plan;
    expect(await plan('FAILOVER_WARRANTED', 'ledger')).toEqual([
      `aurora-global ledger: failover of the writer to ${WEST} allowing data loss (unreplicated writes may be lost)`,
    ]);
    expect(await plan('PRIMARY_HEALTHY', 'ledger')).toEqual([`aurora-global ledger: switchover of the writer to ${WEST} (planned, no data loss)`]);
    expect(await plan('FAILOVER_WARRANTED', 'orders')).toEqual(['dynamodb-global-table orders: nothing to promote (every region already accepts writes)']);
  });
});

describe('describeIncomplete', () => {
  it('lists done and remaining steps and warns about what an operator must know', () => {
    const r = describeIncomplete({
      fromRegion: EAST,
      toRegion: WEST,
      steps: { fence: { fenced: false } },
      error: { Error: 'StepFailedError', Cause: 'ledger busy' },
    });
    expect(r.completedSteps).toEqual(['FenceOldPrimary']);
    expect(r.remainingSteps).toEqual(['PromoteData', 'ShiftTraffic', 'ActivateStandby', 'VerifyRecovery', 'ValidateData']);
    expect(r.summary).toContain('Stopped at PromoteData (StepFailedError: ledger busy)');
    expect(r.summary).toContain(`${EAST} was NOT fenced (unreachable)`);
    expect(r.summary).toContain('some data stores may already be promoted');
    expect(r.summary).toContain('redrive');
  });

  it('refuses an action it does not know, naming it', async () => {
    const { d, audit } = deps();
    await expect(runFailoverOrchestrator({ action: 'describe-incomplete', state: { ...request(), steps: {} } }, d)).rejects.toThrow(
      'Unknown failover-orchestrator action "describe-incomplete"',
    );
    // The old field name is no action at all.
    await expect(runFailoverOrchestrator({ step: 'fence', state: request() }, d)).rejects.toThrow('Unknown failover-orchestrator action undefined');
    expect(audit).toEqual([]);
  });

  it('warns when traffic already moved but the new region is not ACTIVE yet', () => {
    const r = describeIncomplete({
      fromRegion: EAST,
      toRegion: WEST,
      steps: { fence: { fenced: true }, promote: [], shift: {} },
      error: { Error: 'TransientError', Cause: 'ssm' },
    });
    expect(r.failedStep).toBe('ActivateStandby');
    expect(r.summary).toContain(`traffic already goes to ${WEST}, which is not ACTIVE yet`);
    expect(r.summary).not.toContain('NOT fenced');
  });
});
