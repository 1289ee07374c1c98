import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DrConfig } from '../../config/schema';
import { loadConfig } from '../../config/load';
import { runDrill, type DrillEvent, type DrillSummary } from '../../local/drill';
import { parseScenario, type Scenario } from '../../local/scenario-file';
import type { LocalWorld } from '../../local/world/world';
import { approveAsIamPrincipal, localApproverPrincipal } from '../../local/approver';
import type { LocalControlPlane } from '../../local/control-plane';
import { drctl } from '../support/drctl';

const ROOT = join(__dirname, '..', '..');
const baseConfig = () => loadConfig(join(ROOT, 'dr.config.json'));
/** Tokens the local broker issues: `AQ` + base64 of 96 random bytes. */
const TOKEN_SHAPE = /AQ[A-Za-z0-9+/]{120,}={0,2}/;

async function drill(opts: {
  config?: DrConfig;
  scenario?: string | Scenario;
  approve?: 'auto' | 'reject' | 'none';
  approvalMode?: 'required' | 'auto-when-safe';
}) {
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
    expect((fence?.input as { prepare?: { approval?: { approver?: string } } } | undefined)?.prepare?.approval?.approver).toBe('policy:on-timeout-proceed');
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
  const appDown = parseScenario(
    {
      name: 'app-down',
      description: 'The primary application stops; its region and stores still replicate.',
      faults: [{ at: '2m', kind: 'app-down', region: 'primary' }],
    },
    'test',
  );

  it('the primary application down, its stores still replicating: the heartbeat is fresh and within target, nobody is asked', async () => {
    const { summary, events, entered, outbox } = await drill({ scenario: appDown, approvalMode: 'auto-when-safe', approve: 'none' });
    expect(summary.outcome).toBe('FAILED_OVER');
    expect(entered('ApprovedByPolicy')).toBe(true);
    expect(entered('RequestApproval')).toBe(false);
    expect(events.some((e) => e.type === 'approval-requested')).toBe(false);
    expect(outbox.some((m) => m.startsWith('Topic: approval'))).toBe(false);
    const risk = summary.history.find((e) => e.stateName === 'AssessDataRisk' && e.type === 'TaskStateExited')?.output as {
      dataRisk: { rpoWithinTarget: boolean; approval: { reason: string } };
    };
    expect(risk.dataRisk).toMatchObject({ rpoWithinTarget: true, approval: { reason: expect.stringMatching(/measured by replication heartbeat/) } });
  });

  it('the primary region dark: its heartbeat stops, so the data at risk is unknown, never within target, and a human is asked, told why', async () => {
    const { summary, events, entered } = await drill({ approvalMode: 'auto-when-safe', approve: 'auto' });
    expect(summary.outcome).toBe('FAILED_OVER');
    expect(entered('ApprovedByPolicy')).toBe(false);
    const asked = events.find((e) => e.type === 'approval-requested') as DrillEvent & { email: string; rpoWithinTarget: boolean };
    expect(asked.rpoWithinTarget).toBe(false);
    expect(asked.email).toMatch(/Unknown, so never counted as within target: orders, customers\./);
    expect(asked.email).toMatch(/How it was measured \(replication heartbeat/);
    expect(asked.email).toMatch(/Why you are asked: the data at risk is unknown for orders \(heartbeat stale\)/);
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

describe('the IAM path in the drill (what drctl approve does in AWS, and what --approve cli plays)', () => {
  it('an approver-role session approves through POST /decisions: the drill fails over and the record names the principal', async () => {
    const config = baseConfig();
    const principal = localApproverPrincipal(config.application, config.regions.standby.name, 'drill-operator');
    let cp!: LocalControlPlane;
    const answers: Array<{ status: number; body: Record<string, unknown> }> = [];
    const events: DrillEvent[] = [];
    const summary = await runDrill({
      config,
      scenario: 'primary-down',
      approve: 'none',
      outDir: null,
      inspect: (h) => (cp = h.controlPlane),
      onEvent: (e) => {
        events.push(e);
        if (e.type !== 'approval-requested') return;
        // An operator with the approver role's credentials, a moment after the email: a stranger's role first.
        const executionArn = String(events.find((x) => x.type === 'execution-started')?.executionArn);
        void approveAsIamPrincipal(cp, { executionArn, decision: 'approve', principalArn: 'arn:aws:sts::000000000000:assumed-role/Admin/mallory' })
          .then((r) => answers.push(r))
          .then(() => approveAsIamPrincipal(cp, { executionArn, decision: 'approve', principalArn: principal }))
          .then((r) => answers.push(r))
          // The primary is dark, so its heartbeat stopped and the data at risk is unknown: approving takes accepting it.
          .then(() => approveAsIamPrincipal(cp, { executionArn, decision: 'approve', principalArn: principal, acceptDataLoss: true }))
          .then((r) => answers.push(r));
      },
    });
    expect(answers.map((a) => a.status)).toEqual([403, 400, 200]);
    expect(answers[2].body).toMatchObject({ outcome: 'approved', decidedBy: principal });
    expect(summary.outcome).toBe('FAILED_OVER');
    expect(summary.invariantsHeld).toBe(true);
    const alert = events.find((e) => e.type === 'alert' && String(e.subject).includes('approved by'));
    expect(alert?.message).toContain(`approved by ${principal} (AWS IAM principal, verified from its SigV4-signed request)`);
  });

  it('--approve cli plays it: drctl approve as the approver role, answered 200, recorded by principal, failed over', async () => {
    const config = baseConfig();
    const principal = localApproverPrincipal(config.application, config.regions.standby.name, 'drill-operator');
    const events: DrillEvent[] = [];
    let world!: LocalWorld;
    const summary = await runDrill({
      config,
      scenario: 'primary-down',
      approve: 'cli',
      outDir: null,
      onEvent: (e) => events.push(e),
      inspect: (h) => (world = h.world),
    });
    expect(summary.outcome).toBe('FAILED_OVER');
    expect(events.find((e) => e.type === 'approval-answered')).toMatchObject({ decision: 'approve', httpStatus: 200, by: principal, via: 'drctl approve' });
    // No one-time code was asked for: the IAM path does not go through the emailed page.
    expect(events.some((e) => e.type === 'approver-code')).toBe(false);
    expect([...world.approvals.records.values()].at(-1)).toMatchObject({ decidedBy: principal });
  });

  it('`drctl drill --approve cli` prints who approved, and is in --help', async () => {
    const run = await drctl(['drill', '--approve', 'cli', '--config', join(ROOT, 'dr.config.json')]);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/arn:aws:sts::000000000000:assumed-role\/orders-dr-approver-us-west-2\/drill-operator ran drctl approve "approve" \(HTTP 200\)/);
    const help = await drctl(['drill', '--help']);
    expect(help.out.replace(/\s+/g, ' ')).toContain('cli approves as drctl approve does');
  });
});
