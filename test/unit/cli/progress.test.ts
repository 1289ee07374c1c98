import type { DrillEvent } from '../../../local/drill';
import { loadFailoverDefinition } from '../../../cli/plan/plan';
import { DrillProgress } from '../../../cli/progress';

const T0 = 1_000_000;
const definition = loadFailoverDefinition();
// `at` is the virtual epoch; `t` is AWS ms since the drill started (what people are shown).
const ev = (type: string, t: number, fields: Record<string, unknown> = {}): DrillEvent => ({ type, at: T0 + t, t, ...fields });
// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC (\x1b) starts the ANSI colour codes this strips.
const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');

function recorder() {
  const chunks: string[] = [];
  return { write: (s: string) => void chunks.push(s), text: () => chunks.join(''), chunks };
}

describe('drill progress, plain lines (not a terminal)', () => {
  test('one line per event with its AWS time since the start, and what a long step waits for', () => {
    const out = recorder();
    const p = new DrillProgress(out, { tty: false, definition, quorum: 2 });
    p.onEvent(ev('fault-injected', 100, { kind: 'region-down', detail: 'primary down' }));
    p.onEvent(ev('execution-started', 19_500, { executionName: 'inc-1', region: 'us-west-2' }));
    p.onEvent(ev('state-entered', 19_600, { state: 'RequestApproval', stateType: 'Task' }));
    p.onEvent(ev('state-entered', 125_700, { state: 'Init', stateType: 'Pass' }));
    p.stop();
    const lines = out.text().trimEnd().split('\n');
    expect(lines).toEqual([
      '  +0:00.1  FAULT  region-down: primary down',
      '  +0:19.5  execution inc-1 started in us-west-2',
      '  +0:19.6    > RequestApproval  (waiting for the approver to answer the emailed link)',
      '  +2:05.7    > Init',
    ]);
    expect(out.text()).not.toContain('\x1b[');
  });
});

describe('drill progress on a terminal', () => {
  // AWS ms since the drill started, as the events report it.
  let now = 0;
  const make = () => {
    const out = recorder();
    const p = new DrillProgress(out, { tty: true, definition, quorum: 2, animate: false, now: () => now });
    return { out, p };
  };

  test('while detecting: counts the signals in ALARM against the quorum', () => {
    const { p } = make();
    now = 2_500;
    p.onEvent(ev('drill-started', 0, { scenario: 'primary-down', regions: { primary: 'a', standby: 'b' }, seed: 1 }));
    p.onEvent(ev('fault-injected', 100, { kind: 'region-down', detail: 'x' }));
    p.onEvent(ev('alarm', 120, { signal: 'canary:b->a', state: 'ALARM' }));
    const block = p.renderBlock().map(stripAnsi);
    expect(block[0]).toMatch(/drill primary-down\s+2\.5 s/);
    expect(block.at(-1)).toBe('  waiting for detection: 1 of 2 signals in ALARM');
  });

  test('during the execution: the step list, nested branch states, and the approval link being waited on', () => {
    const { p } = make();
    now = 400;
    p.onEvent(ev('execution-started', 150, { executionName: 'inc-1' }));
    p.onEvent(ev('state-entered', 160, { state: 'Init', stateType: 'Pass' }));
    p.onEvent(ev('state-exited', 161, { state: 'Init' }));
    p.onEvent(ev('state-entered', 170, { state: 'PrepareStandby', stateType: 'Parallel' }));
    p.onEvent(ev('state-entered', 171, { state: 'ScaleStandby', stateType: 'Task' }));
    p.onEvent(ev('state-exited', 180, { state: 'ScaleStandby' }));
    p.onEvent(ev('state-entered', 172, { state: 'RequestApproval', stateType: 'Task' }));
    p.onEvent(ev('approval-requested', 173, { url: 'http://127.0.0.1:1234/approvals/abc', approver: 'manual' }));
    const block = p.renderBlock().map(stripAnsi);
    expect(block).toContain('  ✓ Init  1 ms');
    expect(block.some((l) => /^ {2}\S PrepareStandby {2}230 ms$/.test(l))).toBe(true);
    expect(block).toContain('      ✓ ScaleStandby  9 ms');
    expect(block.some((l) => /^ {6}\S RequestApproval {2}228 ms$/.test(l))).toBe(true);
    expect(block.at(-1)).toBe('  waiting for the approver to answer the emailed link: http://127.0.0.1:1234/approvals/abc');
  });

  test('retries show as such, Map items by index, and states without a known wait fall back to their comment', () => {
    const { p } = make();
    p.onEvent(ev('execution-started', 0));
    p.onEvent(ev('state-entered', 1, { state: 'VerifyRecovery', stateType: 'Task' }));
    p.onEvent(ev('task-failed', 2, { state: 'VerifyRecovery', error: 'E', cause: 'c' }));
    p.onEvent(ev('task-retry', 3, { state: 'VerifyRecovery' }));
    p.onEvent(ev('state-exited', 4, { state: 'VerifyRecovery' }));
    p.onEvent(ev('state-entered', 5, { state: 'PromoteData', stateType: 'Map' }));
    p.onEvent(ev('state-entered', 6, { state: 'PromoteStore', stateType: 'Task', index: 1 }));
    p.onEvent(ev('state-entered', 7, { state: 'Init', stateType: 'Pass' }));
    const block = p.renderBlock().map(stripAnsi);
    expect(block.some((l) => l.startsWith('  ↻ VerifyRecovery'))).toBe(true);
    expect(block.some((l) => l.includes('PromoteStore[1]'))).toBe(true);
    expect(block.at(-1)).toBe(`  waiting for ${definition.States.Init.Comment}`);
  });

  test('redraws in place: important lines stay in the scrollback above the block, the block is erased and redrawn', () => {
    const { out, p } = make();
    p.onEvent(ev('drill-started', 0, { scenario: 's', regions: { primary: 'a', standby: 'b' }, seed: 1, description: 'd' }));
    const firstBlockLines = p.renderBlock().length;
    const before = out.chunks.length;
    p.onEvent(ev('alert', 10, { topic: 'alert', subject: 'DR: failover starting' }));
    const second = out.chunks.slice(before).join('');
    expect(second.startsWith(`\x1b[${firstBlockLines}F\x1b[J`)).toBe(true);
    expect(stripAnsi(second)).toContain('SNS ALERT: DR: failover starting\n');
    p.stop();
    expect(stripAnsi(out.chunks.at(-1)!)).not.toContain('waiting for');
  });
});
