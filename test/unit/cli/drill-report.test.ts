import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DrillSummary } from '../../../local/drill';
import { allStateNames, layoutMachine, type LayoutMachine, type MachineLayout, type PlacedNode, type Point } from '../../../local/report/graph-layout';
import { renderDrillReport } from '../../../local/report/report';
import { stateStatuses, takenTransitions } from '../../../local/report/state-status';
import type { HistoryEvent } from '../../../local/runtime/history';
import { loadFailoverDefinition } from '../../../cli/plan/plan';

const definition = loadFailoverDefinition() as unknown as LayoutMachine;

let id = 0;
const h = (type: string, stateName?: string, extra: Partial<HistoryEvent> = {}): HistoryEvent => ({
  id: ++id,
  timestamp: 1_000 + id,
  type,
  ...(stateName ? { stateName } : {}),
  ...extra,
});
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
    const map = [
      h('MapStateEntered', 'PromoteData'),
      h('TaskStateEntered', 'PromoteStore', { index: 0 }),
      h('TaskStateEntered', 'PromoteStore', { index: 1 }),
      h('TaskFailed', 'PromoteStore', { index: 1, error: 'StepFailedError' }),
      h('TaskStateExited', 'PromoteStore', { index: 0 }),
    ];
    const s = stateStatuses(map, definition).get('PromoteStore')!;
    expect(s).toMatchObject({ status: 'failed', entered: 2, exited: 1 });
  });

  test('the path taken is the consecutive states of each machine, branches apart', () => {
    const taken = takenTransitions(rejected, definition);
    expect([...taken]).toEqual(
      expect.arrayContaining(['Init->AssessHealth', 'PrepareStandby->NotifyRejected', 'NotifyRejected->Rejected', 'ApprovalGate->RequestApproval']),
    );
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
    for (const a of l.nodes)
      for (const b of l.nodes) if (a !== b) expect(a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y).toBe(true);
  };

  test('places every state once, Parallel branches and Map processors inside their state', () => {
    check(layout);
    expect(placed.sort()).toEqual(allStateNames(definition).sort());
    const prepare = layout.nodes.find((n) => n.name === 'PrepareStandby')!;
    expect(prepare.inner).toHaveLength(2);
    expect(layout.nodes.find((n) => n.name === 'PromoteData')!.inner![0].layout.nodes.map((n) => n.name)).toEqual(['PromoteStore']);
  });

  test('the main path runs straight down one column, each state below the one before it', () => {
    const at = (name: string) => layout.nodes.find((n) => n.name === name)!;
    const centre = (name: string) => at(name).x + at(name).w / 2;
    const main = [
      'Init',
      'AssessHealth',
      'RouteOnVerdict',
      'AssessDataRisk',
      'FenceOldPrimary',
      'PromoteData',
      'ShiftTraffic',
      'ActivateStandby',
      'VerifyRecovery',
      'ValidateData',
    ];
    for (const name of main) expect(centre(name)).toBeCloseTo(centre('Init'), 5);
    for (let i = 1; i < main.length; i++) expect(at(main[i]).y).toBeGreaterThan(at(main[i - 1]).y);
    expect(centre('NotifyRefused')).not.toBeCloseTo(centre('Init'), 0);
  });

  /** Whether a segment passes through the inside of a box (its border touched by 1 px or less does not count). */
  const crosses = (a: Point, b: Point, n: { x: number; y: number; w: number; h: number }) => {
    const [x0, x1, y0, y1] = [n.x + 1, n.x + n.w - 1, n.y + 1, n.y + n.h - 1];
    if (a.x === b.x) return a.x > x0 && a.x < x1 && Math.max(a.y, b.y) > y0 && Math.min(a.y, b.y) < y1;
    if (a.y === b.y) return a.y > y0 && a.y < y1 && Math.max(a.x, b.x) > x0 && Math.min(a.x, b.x) < x1;
    throw new Error(`diagonal segment ${JSON.stringify([a, b])}`);
  };
  const crossings = (l: MachineLayout, where: string): string[] => [
    ...l.edges.flatMap((e) =>
      l.nodes
        .filter((n) => n.name !== e.from && n.name !== e.to && e.points.some((p, i) => i > 0 && crosses(e.points[i - 1], p, n)))
        .map((n) => `${where}: ${e.from} -> ${e.to} (${e.kind}) crosses ${n.name}`),
    ),
    ...l.nodes.flatMap((n) => (n.inner ?? []).flatMap((i) => crossings(i.layout, `${where}/${n.name}`))),
  ];

  test.each(['failover', 'failback'])('no edge of the %s definition crosses a box, Catch edges included; every segment is horizontal or vertical', (name) => {
    const def = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'state-machines', `${name}.asl.json`), 'utf8')) as LayoutMachine;
    const l = layoutMachine(def);
    expect(l.edges.filter((e) => e.kind === 'catch').length).toBeGreaterThan(3);
    expect(crossings(l, name)).toEqual([]);
  });

  test('every edge leaves its source box and ends on its target box', () => {
    const box = (name: string) => layout.nodes.find((n) => n.name === name)!;
    const on = (p: Point, n: PlacedNode) => p.x >= n.x && p.x <= n.x + n.w && (Math.abs(p.y - n.y) < 0.01 || Math.abs(p.y - (n.y + n.h)) < 0.01);
    for (const e of layout.edges) {
      expect(on(e.points[0], box(e.from))).toBe(true);
      expect(on(e.points.at(-1)!, box(e.to))).toBe(true);
    }
  });

  test('lays out the same definition the same way every time', () => {
    expect(JSON.stringify(layoutMachine(definition))).toBe(JSON.stringify(layout));
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
    events: [
      { type: 'fault-injected', at: 900, t: 0 },
      { type: 'alert', at: 950, t: 50, topic: 'alert', subject: 'DR: failover rejected', message: 'see http://example.com/x' },
    ],
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
