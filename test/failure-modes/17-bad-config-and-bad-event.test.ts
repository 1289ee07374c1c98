import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Harness, PRIMARY, STANDBY, configWith, failoverInput } from './harness';
import { useVirtualTime } from '../support/virtual-time';

// Retry intervals, Waits and timeouts take virtual time only: nothing here waits on the real clock.
useVirtualTime();

/**
 * Failure mode 17: a bad config stops the synth and the drill with a message naming the field (no stack
 * trace); a bad execution input ends the execution in its Fail state with an error and a cause that say
 * what is wrong, and the escalation alert still goes out.
 */
const ROOT = resolve(__dirname, '..', '..');
const good = configWith({ traffic: 'route53-weighted', stores: ['dynamodb'] });

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(join(ROOT, 'node_modules', '.bin', 'tsx'), args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => done({ code, stderr }));
  });
}

describe('FM17 bad config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fm17-'));
  const write = (name: string, config: unknown) => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(config));
    return file;
  };

  it('synth and drill both refuse it, naming the field and the rule, without a stack trace', async () => {
    const quorumOfOne = write('quorum.json', { ...good, detection: { ...good.detection, quorum: 1 } });
    const noApprovers = write('approvers.json', { ...good, approval: { ...good.approval, approvers: [] } });
    const [synth, drill] = await Promise.all([
      run(['infra/app.ts'], { CDK_CONTEXT_JSON: JSON.stringify({ config: quorumOfOne, 'aws:cdk:bundling-stacks': [] }), CDK_OUTDIR: join(dir, 'cdk.out') }),
      run(['cli/main.ts', 'drill', '--config', noApprovers]),
    ]);
    expect(synth.code).not.toBe(0);
    expect(synth.stderr).toContain('detection.quorum: must be at least 2');
    expect(drill.code).toBe(2);
    expect(drill.stderr).toContain('approval.approvers: needs at least one approver email');
    for (const out of [synth.stderr, drill.stderr]) expect(out).not.toMatch(/^\s+at /m);
  });
});

describe('FM17 bad execution input', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(good);
  });
  afterEach(() => h.dispose());

  const { incidentId: _omit, ...withoutIncident } = failoverInput();
  it.each([
    ['no incidentId', withoutIncident, /incidentId: /],
    ['an incidentId that cannot name an execution', failoverInput({ incidentId: 'inc 42; drop' }), /incidentId: must be 1-64 letters, digits, _ or -/],
    ['a region not in the config', failoverInput({ fromRegion: 'eu-central-1' }), /Region eu-central-1 is not one of the configured regions/],
    ['the same region twice', failoverInput({ fromRegion: STANDBY }), /fromRegion and toRegion must differ/],
    ['a trigger time that is not ISO 8601', failoverInput({ trigger: { source: 'alarm', at: 'yesterday' } }), /trigger\.at: must be an ISO 8601 timestamp/],
    ['an unknown direction', failoverInput({ direction: 'sideways' }), /direction: /],
  ])('%s: FAILED with InvalidInputError naming the field, an escalation alert, nothing changed', async (_label, input, cause) => {
    const ex = h.start(input, 'inc-bad-input');
    const result = await h.result(ex);
    expect(result).toMatchObject({ status: 'FAILED', error: 'InvalidInputError' });
    expect(result.cause).toMatch(cause);
    const failed = ex.events.find((e) => e.type === 'ExecutionFailed');
    expect(failed).toMatchObject({ error: 'InvalidInputError' });
    expect(h.smAlerts).toEqual([expect.objectContaining({ topic: 'escalation', Subject: 'DR: failover aborted, traffic and data unchanged' })]);
    expect(h.smAlerts[0].Message).toMatch(/^Failover for incident inc-bad-input aborted before traffic or data changed: /);
    expect(h.smAlerts[0].Message).toMatch(cause);
    expect(h.world.effects.timeline).toEqual([]);
    expect(h.world.serving()).toBe(PRIMARY);
  });

  it('the failback definition does the same for a bad input', async () => {
    const ex = h.start({ direction: 'failback', fromRegion: STANDBY, toRegion: PRIMARY }, 'inc-bad-failback', 'failback');
    const result = await h.result(ex);
    expect(result).toMatchObject({ status: 'FAILED', error: 'InvalidInputError', cause: expect.stringContaining('incidentId') });
    expect(h.smAlerts).toEqual([expect.objectContaining({ topic: 'escalation', Message: expect.stringContaining('Failback for inc-bad-failback aborted') })]);
  });
});
