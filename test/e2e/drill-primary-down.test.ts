import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../config/load';
import { runDrill, type DrillEvent } from '../../local/drill';
import { drctl } from '../support/drctl';

const ROOT = join(__dirname, '..', '..');
const MAIN_PATH = [
  'AssessHealth',
  'AssessDataRisk',
  'PrepareStandby',
  'RequestApproval',
  'ScaleStandby',
  'FenceOldPrimary',
  'PromoteData',
  'ShiftTraffic',
  'ActivateStandby',
  'VerifyRecovery',
  'ValidateData',
  'NotifySuccess',
  'FailedOver',
];

describe('drill: primary-down with auto-approval (the walking skeleton end to end)', () => {
  it('detects the fault, runs the failover definition, and moves clients to the standby', async () => {
    const config = loadConfig(join(ROOT, 'dr.config.json'));
    const events: DrillEvent[] = [];
    const summary = await runDrill({
      config,
      scenario: 'primary-down',
      approve: 'auto',
      outDir: mkdtempSync(join(tmpdir(), 'outbox-')),
      onEvent: (e) => events.push(e),
    });

    expect(summary.outcome).toBe('FAILED_OVER');
    expect(summary.executions).toBe(1);
    // The global router now sends clients to the standby, which accepts writes.
    expect(summary.activeRegion).toBe(config.regions.standby.name);
    expect(summary.invariantsHeld).toBe(true);
    expect(summary.invariants.map((i) => i.name)).toEqual(expect.arrayContaining(['at-most-one-writer', 'traffic-on-standby', 'never-shift-to-unhealthy']));
    // Measured, not scripted: detection happened after the fault, and clients saw an outage that ended.
    expect(summary.detectionMs).toBeGreaterThan(0);
    expect(summary.downtimeMs).toBeGreaterThan(0);
    expect(typeof summary.lostWrites).toBe('number');
    const entered = new Set(summary.history.filter((e) => e.type.endsWith('StateEntered')).map((e) => e.stateName));
    for (const state of MAIN_PATH) expect(entered).toContain(state);
    // A person's approval went through the emailed link and the real approval page (on the simulated network).
    const asked = events.find((e) => e.type === 'approval-requested');
    expect(asked?.url).toMatch(/^http:\/\/approvals\.drill\.test\/approvals\/[A-Za-z0-9_-]+\?exp=\d+&sig=/);
    expect(events.find((e) => e.type === 'approval-answered')).toMatchObject({ decision: 'approve', httpStatus: 200 });
    expect(events.filter((e) => e.type === 'alert').map((e) => e.subject)).toEqual(expect.arrayContaining(['DR: failover starting', 'DR: failover complete']));
  });

  it('`drctl drill --json` prints one JSON object per line and ends with the summary', async () => {
    const { code, out, strayOut } = await drctl(['drill', '--json', '--scenario', 'primary-down', '--config', join(ROOT, 'dr.config.json')]);
    expect(code).toBe(0);
    // Nothing else reaches stdout (a handler's log line would land between the JSON lines).
    expect(strayOut).toBe('');
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string } & Record<string, unknown>);
    const last = lines[lines.length - 1];
    expect(last).toMatchObject({ type: 'summary', outcome: 'FAILED_OVER', executions: 1 });
    for (const field of ['detectionMs', 'controlPlaneMs', 'approvalWaitMs', 'downtimeMs', 'theoreticalMinMs', 'lostWrites', 'activeRegion'])
      expect(last).toHaveProperty(field);
    expect(lines.some((l) => l.type === 'state-entered' && l.state === 'ShiftTraffic')).toBe(true);
    expect(lines.some((l) => l.type === 'traffic-shifted')).toBe(true);
  });

  it('a bad config fails the drill naming the field, without a stack trace', async () => {
    const { code, err } = await drctl(['drill', '--config', join(ROOT, 'test', 'fixtures', 'bad.config.json')]);
    expect(code).toBe(2);
    expect(err).toContain('regions.standby.name');
    expect(err).not.toMatch(/\n\s+at /);
  });
});
