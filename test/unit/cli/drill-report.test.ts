import type { DrillSummary } from '../../../local/drill';
import { allStateNames, layoutMachine, type LayoutMachine, type MachineLayout } from '../../../local/report/graph-layout';
import { renderDrillReport } from '../../../local/report/report';
import { stateStatuses, takenTransitions } from '../../../local/report/state-status';
import type { HistoryEvent } from '../../../local/runtime/history';
import { loadFailoverDefinition } from '../../../cli/plan/plan';

const definition = loadFailoverDefinition() as unknown as LayoutMachine;

let id = 0;
const h = (type: string, stateName?: string, extra: Partial<HistoryEvent> = {}): HistoryEvent => ({ id: ++id, timestamp: 1_000 + id, type, ...(stateName ? { stateName } : {}), ...extra });
const ran = (name: string, kind = 'Task') => [h(`${kind}StateEntered`, name), h(`${kind}StateExited`, name)];

/** A rejected approval, as the runtime records it: the branch task fails, the Parallel catches it. */
const rejected: HistoryEvent[] = [
  h('ExecutionStarted'),
  ...ran('Init', 'Pass'),
  ...ran('AssessHealth'),
  ...ran('RouteOnVerdict', 'Choice'),
  ...ran('AssessDataRisk'),
  ...ran('NotifyFailoverStarting'),
  h('ParallelStateEntered', 'PrepareStandby'),
  ...ran('ApprovalGate', 'Choice'),
  h('TaskStateEntered', 'ScaleStandby'),
  h('TaskFailed', 'ScaleStandby', { error: 'TransientError', cause: 'throttled' }),
  h('TaskRetryScheduled', 'ScaleStandby'),
  h('TaskStateExited', 'ScaleStandby'),
  h('TaskStateEntered', 'RequestApproval'),
  h('TaskFailed', 'RequestApproval', { error: 'ApprovalRejected', cause: 'no <b>thanks</b>' }),
  h('ParallelStateFailed', 'PrepareStandby', { error: 'ApprovalRejected' }),
  h('ErrorCaught', 'PrepareStandby'),
  h('ParallelStateExited', 'PrepareStandby'),
  ...ran('NotifyRejected'),
  h('FailStateEntered', 'Rejected'),
  h('ExecutionFailed', undefined, { error: 'ApprovalRejected' }),
];

describe('state status, as the console colours it', () => {
  const st = stateStatuses(rejected, definition);
  test.each([
    ['Init', 'succeeded'],
    ['ScaleStandby', 'caught'],
    ['RequestApproval', 'failed'],
    ['PrepareStandby', 'caught'],
    ['NotifyRejected', 'succeeded'],
    ['Rejected', 'failed'],
    ['FenceOldPrimary', 'not-reached'],
    ['PromoteStore', 'not-reached'],
  ])('%s is %s', (name, status) => {
    expect(st.get(name)?.status).toBe(status);
  });

  test('a state entered and never left is running', () => {
    expect(stateStatuses([h('TaskStateEntered', 'ShiftTraffic')], definition).get('ShiftTraffic')?.status).toBe('running');
  });

  test('Map items fold into one status: one failed item makes the processor state failed', () => {
    const map = [h('MapStateEntered', 'PromoteData'), h('TaskStateEntered', 'PromoteStore', { index: 0 }), h('TaskStateEntered', 'PromoteStore', { index: 1 }), h('TaskFailed', 'PromoteStore', { index: 1, error: 'StepFailedError' }), h('TaskStateExited', 'PromoteStore', { index: 0 })];
    const s = stateStatuses(map, definition).get('PromoteStore')!;
    expect(s).toMatchObject({ status: 'failed', entered: 2, exited: 1 });
  });

  test('the path taken is the consecutive states of each machine, branches apart', () => {
    const taken = takenTransitions(rejected, definition);
    expect([...taken]).toEqual(expect.arrayContaining(['Init->AssessHealth', 'PrepareStandby->NotifyRejected', 'NotifyRejected->Rejected', 'ApprovalGate->RequestApproval']));
    expect(taken.has('PrepareStandby->FenceOldPrimary')).toBe(false);
    // ScaleStandby starts its own branch: nothing before it in that branch.
    expect([...taken].some((t) => t.endsWith('->ScaleStandby'))).toBe(false);
  });
});

describe('graph layout', () => {
  const layout = layoutMachine(definition);
  const placed: string[] = [];
  const check = (l: MachineLayout) => {
    for (const n of l.nodes) {
      placed.push(n.name);
      for (const i of n.inner ?? []) {
        // An inner machine fits inside its container.
        expect(i.x + i.layout.width).toBeLessThanOrEqual(n.w);
        expect(i.y + i.layout.height).toBeLessThanOrEqual(n.h);
        check(i.layout);
      }
    }
    // No two boxes of one machine overlap.
    for (const a of l.nodes) for (const b of l.nodes) if (a !== b) expect(a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y).toBe(true);
  };

  test('places every state once, Parallel branches and Map processors inside their state', () => {
    check(layout);
    expect(placed.sort()).toEqual(allStateNames(definition).sort());
    const prepare = layout.nodes.find((n) => n.name === 'PrepareStandby')!;
    expect(prepare.inner).toHaveLength(2);
    expect(layout.nodes.find((n) => n.name === 'PromoteData')!.inner![0].layout.nodes.map((n) => n.name)).toEqual(['PromoteStore']);
  });

  test('the main path runs down the first column, each state below the one before it', () => {
    const at = (name: string) => layout.nodes.find((n) => n.name === name)!;
    for (const [a, b] of [
      ['Init', 'AssessHealth'],
      ['FenceOldPrimary', 'PromoteData'],
      ['ShiftTraffic', 'ActivateStandby'],
    ]) {
      expect(at(a).x).toBe(0);
      expect(at(b).x).toBe(0);
      expect(at(b).y).toBeGreaterThan(at(a).y);
    }
    expect(at('NotifyRefused').x).toBeGreaterThan(0);
  });
});

describe('the HTML report', () => {
  const summary = {
    type: 'summary',
    scenario: 'primary-down',
    seed: 1,
    outcome: 'REJECTED',
    executions: 1,
    executionName: 'inc-1',
    detectionMs: 18_000,
    controlPlaneMs: null,
    approvalWaitMs: 7_200,
    downtimeMs: 0,
    theoreticalMinMs: 40_200,
    lostWrites: 0,
    acknowledgedWrites: 40,
    activeRegion: 'us-east-1',
    matched: true,
    expectations: [],
    expected: { outcome: 'REJECTED' },
    invariants: [{ name: 'traffic-unchanged', held: true, detail: 'serving us-east-1' }],
    invariantsHeld: true,
    history: rejected,
    outboxDir: '/tmp/x',
    error: 'ApprovalRejected',
    cause: 'no <b>thanks</b>',
  } as unknown as DrillSummary;
  const html = renderDrillReport({
    summary,
    events: [{ type: 'fault-injected', at: 900, t: 0 }, { type: 'alert', at: 950, t: 50, topic: 'alert', subject: 'DR: failover rejected', message: 'see http://example.com/x' }],
    definition,
    projection: { rtoSeconds: 169.7, rtoTargetSeconds: 60, rpoSeconds: 1, rpoTargetSeconds: 5, terms: [{ key: 'detection', label: 'detection', seconds: 30 }] },
    generatedAt: new Date('2026-11-22T00:00:00Z'),
  });

  test('marks every state of the definition with its status class', () => {
    const st = stateStatuses(rejected, definition);
    for (const name of allStateNames(definition)) {
      const m = new RegExp(`class="state status-([a-z-]+)[^"]*" data-state="${name}"`).exec(html);
      expect(m?.[1]).toBe(st.get(name)!.status);
    }
  });

  test('is self-contained: no script, no external resource, and a policy that forbids fetching', () => {
    expect(html).not.toMatch(/<script|<link|<img|\bsrc=|\bhref=|@import|url\((?!#)/i);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
  });

  test('escapes what the execution said', () => {
    expect(html).not.toContain('<b>thanks</b>');
    expect(html).toContain('no &lt;b&gt;thanks&lt;/b&gt;');
  });

  test('shows the outcome, the projection and the data', () => {
    expect(html).toContain('<span class="badge warn" id="outcome">REJECTED</span>');
    expect(html).toMatch(/<tr data-term="client downtime">.*169\.7 s/);
    expect(html).toMatch(/<strong>0<\/strong> lost writes of 40 acknowledged/);
    expect(html).toContain('DR: failover rejected');
  });
});
