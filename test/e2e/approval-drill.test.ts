import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DrConfig } from '../../config/schema';
import { loadConfig } from '../../config/load';
import { runDrill, type DrillEvent, type DrillSummary } from '../../local/drill';
import type { LocalWorld } from '../../local/world/world';
import { drctl } from '../support/drctl';

const ROOT = join(__dirname, '..', '..');
const baseConfig = () => loadConfig(join(ROOT, 'dr.config.json'));
/** Tokens the local broker issues: `AQ` + base64 of 96 random bytes. */
const TOKEN_SHAPE = /AQ[A-Za-z0-9+/]{120,}={0,2}/;

async function drill(opts: { config?: DrConfig; scenario?: string; approve?: 'auto' | 'reject' | 'none'; approvalMode?: 'required' | 'auto-when-safe' }) {
  const events: DrillEvent[] = [];
  let world!: LocalWorld;
  const outDir = mkdtempSync(join(tmpdir(), 'approval-outbox-'));
  const summary = await runDrill({
    config: opts.config ?? baseConfig(),
    scenario: opts.scenario ?? 'primary-down',
    approve: opts.approve,
    approvalMode: opts.approvalMode,
    outDir,
    onEvent: (e) => events.push(e),
    inspect: (h) => (world = h.world),
  });
  const entered = (state: string) => summary.history.some((e) => e.stateName === state && e.type.endsWith('StateEntered'));
  const outbox = readdirSync(outDir).map((f) => readFileSync(join(outDir, f), 'utf8'));
  return { summary, events, world, entered, outbox };
}

const escalations = (events: DrillEvent[]) => events.filter((e) => e.type === 'alert' && e.topic === 'escalation');

describe('approval timeout (failure mode 10) through the local runtime', () => {
  it('--approve none: the request times out, the escalation list hears about the incident, and the default aborts', async () => {
    const { summary, events, entered, world } = await drill({ approve: 'none' });
    expect(summary.outcome).toBe('TIMED_OUT');
    expect(summary.activeRegion).toBe(world.primary);
    expect(summary.invariantsHeld).toBe(true);
    expect(entered('ApprovalExpired')).toBe(true);
    expect(entered('FenceOldPrimary')).toBe(false);
    expect(events.some((e) => e.type === 'traffic-shifted')).toBe(false);
    const incidentId = events.find((e) => e.type === 'approval-requested')?.incidentId as string;
    const [escalation] = escalations(events);
    expect(escalation).toMatchObject({ subject: 'DR: approval not answered' });
    expect(escalation.message).toContain(`incident ${incidentId}`);
    expect(escalation.message).toContain('Policy on timeout: abort');
    expect(summary.error).toBe('ApprovalTimedOut');
  });

  it('onTimeout "proceed": after the escalation the failover continues without a human', async () => {
    const config = baseConfig();
    const { summary, events, entered, world } = await drill({ config: { ...config, approval: { ...config.approval, onTimeout: 'proceed' } }, approve: 'none' });
    expect(summary.outcome).toBe('FAILED_OVER');
    expect(summary.activeRegion).toBe(world.standby);
    expect(escalations(events)[0].message).toContain('Policy on timeout: proceed');
    expect(entered('ConfirmStandbyScaled')).toBe(true);
    const fence = summary.history.find((e) => e.stateName === 'FenceOldPrimary' && e.type === 'TaskStateEntered');
    expect((fence?.input as { prepare?: { approval?: { approver?: string } } }).prepare?.approval?.approver).toBe('policy:on-timeout-proceed');
    expect(events.some((e) => e.type === 'approval-answered')).toBe(false);
  });

  it('a human reject ends REJECTED with traffic on the primary and no escalation', async () => {
    const { summary, events, world } = await drill({ approve: 'reject' });
    expect(summary.outcome).toBe('REJECTED');
    expect(summary.activeRegion).toBe(world.primary);
    expect(events.find((e) => e.type === 'approval-answered')).toMatchObject({ decision: 'reject', httpStatus: 200 });
    expect(escalations(events)).toHaveLength(0);
  });
});

describe('approval mode auto-when-safe', () => {
  it('primary-down with a small lag fails over without asking anyone', async () => {
    const { summary, events, entered, outbox } = await drill({ approvalMode: 'auto-when-safe', approve: 'none' });
    expect(summary.outcome).toBe('FAILED_OVER');
    expect(entered('ApprovedByPolicy')).toBe(true);
    expect(entered('RequestApproval')).toBe(false);
    expect(events.some((e) => e.type === 'approval-requested')).toBe(false);
    expect(outbox.some((m) => m.startsWith('Topic: approval'))).toBe(false);
  });

  it('replication-lag over the RPO target still asks a human, who must accept the data loss', async () => {
    const { summary, events, world } = await drill({ scenario: 'replication-lag', approvalMode: 'auto-when-safe', approve: 'auto' });
    const asked = events.find((e) => e.type === 'approval-requested');
    expect(asked).toMatchObject({ rpoWithinTarget: false });
    expect(asked?.estimatedRpoMs as number).toBeGreaterThan(asked?.rpoTargetMs as number);
    expect(summary.outcome).toBe('FAILED_OVER');
    expect([...world.approvals.records.values()][0]).toMatchObject({ status: 'APPROVED' });
  });
});

describe('the task token never leaves the approval store', () => {
  let result: Awaited<ReturnType<typeof drill>>;
  let summary: DrillSummary;
  beforeAll(async () => {
    result = await drill({ approve: 'auto' });
    summary = result.summary;
  });

  it('the drill did ask for and get an approval (so the token existed)', () => {
    const tokens = [...result.world.approvals.records.values()].map((r) => r.taskToken);
    expect(tokens).toHaveLength(1);
    expect(tokens[0]).toMatch(TOKEN_SHAPE);
    expect(summary.outcome).toBe('FAILED_OVER');
  });

  it('no drill event, summary, history entry, email or alert contains it', () => {
    const [token] = [...result.world.approvals.records.values()].map((r) => r.taskToken);
    expect(JSON.stringify(result.events)).not.toContain(token);
    expect(JSON.stringify(summary)).not.toContain(token);
    for (const m of result.outbox) expect(m).not.toContain(token);
    expect(JSON.stringify(result.world.audit.entries)).not.toContain(token);
  });

  it('`drctl drill --json` output has nothing shaped like a task token', async () => {
    const { code, out, err, strayOut, strayErr } = await drctl(['drill', '--json', '--approve', 'auto', '--config', join(ROOT, 'dr.config.json')]);
    expect(code).toBe(0);
    const lines = out.trim().split('\n');
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ type: 'summary', outcome: 'FAILED_OVER' });
    expect(lines.some((l) => l.includes('"approval-requested"'))).toBe(true);
    expect(out).not.toMatch(TOKEN_SHAPE);
    expect(err).not.toMatch(TOKEN_SHAPE);
    expect(strayOut + strayErr).not.toMatch(TOKEN_SHAPE);
  });
});
