import { graphlib, layout as dagreLayout } from '@dagrejs/dagre';

/**
 * Lays out an ASL definition as boxes and arrows, like the Step Functions console's graph. dagre (a maintained
 * layered layout, synchronous and deterministic) ranks the states, orders each rank to cut crossings and places
 * them, with the main path (the longest chain without Catch edges) held in one straight column. Parallel branches
 * and Map processors are laid out the same way, recursively, and drawn inside their state's box.
 *
 * Edges are drawn orthogonally through dagre's own routing points: vertically inside a rank, only at the x that
 * dagre reserved for the edge in that rank (a dummy node with its own slot), and horizontally only in the empty
 * gaps between ranks. So an edge never crosses a box, however far a Catch jumps.
 */

export type LayoutState = {
  readonly Type: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Default?: string;
  readonly Choices?: readonly { Next?: string }[];
  readonly Catch?: readonly { Next: string }[];
  readonly Branches?: readonly LayoutMachine[];
  readonly ItemProcessor?: LayoutMachine;
  readonly Iterator?: LayoutMachine;
  readonly Comment?: string;
};
export type LayoutMachine = { readonly StartAt: string; readonly States: Record<string, LayoutState> };

export type EdgeKind = 'next' | 'choice' | 'default' | 'catch';

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface PlacedEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
  /** The route as a polyline of horizontal and vertical segments, in the coordinates of the machine that owns both states. */
  readonly points: readonly Point[];
  /** SVG path data for `points`, corners rounded. */
  readonly d: string;
}

export interface PlacedNode {
  readonly name: string;
  readonly type: string;
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
  /** Parallel: one layout per branch; Map: the item processor. Coordinates relative to this node. */
  readonly inner?: readonly { readonly x: number; readonly y: number; readonly layout: MachineLayout; readonly label: string }[];
}

export interface MachineLayout {
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly PlacedNode[];
  readonly edges: readonly PlacedEdge[];
}

export const NODE_H = 34;
const GAP_X = 28;
const GAP_Y = 44;
const EDGE_SEP = 14;
const PAD = 14;
const HEADER = 26;
const CHAR_W = 7.2;
/** How far from a box's corner an edge may leave or enter it. */
const PORT_INSET = 10;

export function successors(state: LayoutState): { to: string; kind: EdgeKind }[] {
  const out: { to: string; kind: EdgeKind }[] = [];
  if (state.Next) out.push({ to: state.Next, kind: 'next' });
  for (const c of state.Choices ?? []) if (c.Next) out.push({ to: c.Next, kind: 'choice' });
  if (state.Default) out.push({ to: state.Default, kind: 'default' });
  for (const c of state.Catch ?? []) out.push({ to: c.Next, kind: 'catch' });
  // The same target reached twice (two choices to one state) is one arrow.
  return out.filter((e, i) => out.findIndex((o) => o.to === e.to) === i);
}

/**
 * The chain the execution takes when nothing goes wrong, as the console draws it straight down: from StartAt,
 * always to the non-Catch successor with the longest chain after it (ties to a Choice's Default, the path
 * taken when no rule matches).
 */
function mainPath(machine: LayoutMachine): string[] {
  const depth = new Map<string, number>();
  const onStack = new Set<string>();
  const forward = (n: string) => successors(machine.States[n]).filter((e) => e.kind !== 'catch' && machine.States[e.to] && !onStack.has(e.to));
  const depthOf = (n: string): number => {
    const known = depth.get(n);
    if (known !== undefined) return known;
    onStack.add(n);
    const next = forward(n);
    const d = next.length ? 1 + Math.max(...next.map((e) => depthOf(e.to))) : 0;
    onStack.delete(n);
    depth.set(n, d);
    return d;
  };
  const path: string[] = [];
  for (let n: string | undefined = machine.StartAt; n && machine.States[n] && !path.includes(n); ) {
    path.push(n);
    const next: { to: string; kind: EdgeKind }[] = successors(machine.States[n]).filter(
      (e) => e.kind !== 'catch' && machine.States[e.to] && !path.includes(e.to),
    );
    next.sort((a, b) => depthOf(b.to) - depthOf(a.to) || Number(b.kind === 'default') - Number(a.kind === 'default'));
    n = next[0]?.to;
  }
  return path;
}

type Sized = { w: number; h: number; inner?: { x: number; y: number; layout: MachineLayout; label: string }[] };

function sizeState(name: string, s: LayoutState): Sized {
  const subs: { layout: MachineLayout; label: string }[] = [];
  for (const [i, b] of (s.Branches ?? []).entries()) subs.push({ layout: layoutMachine(b), label: `branch ${i + 1}` });
  const proc = s.ItemProcessor ?? s.Iterator;
  if (proc) subs.push({ layout: layoutMachine(proc), label: 'each item' });
  // Room for the status glyph on the left and the ×N badge on the right.
  const textW = Math.max(120, Math.ceil(name.length * CHAR_W) + 48);
  if (subs.length === 0) return { w: textW, h: NODE_H };
  let x = PAD;
  const inner = subs.map((sub) => {
    const placed = { x, y: HEADER + PAD, layout: sub.layout, label: sub.label };
    x += sub.layout.width + GAP_X;
    return placed;
  });
  return { w: Math.max(textW, x - GAP_X + PAD), h: HEADER + PAD * 2 + Math.max(...subs.map((s2) => s2.layout.height)), inner };
}

type NodeLabel = { width: number; height: number; x?: number; y?: number };
type EdgeLabel = { kind: EdgeKind; points?: Point[] };

export function layoutMachine(machine: LayoutMachine): MachineLayout {
  const names = Object.keys(machine.States);
  const sized = new Map(names.map((n) => [n, sizeState(n, machine.States[n])]));

  const g = new graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: GAP_X, ranksep: GAP_Y, edgesep: EDGE_SEP, marginx: 0, marginy: 0 });
  for (const n of names) g.setNode(n, { width: sized.get(n)!.w, height: sized.get(n)!.h } satisfies NodeLabel);
  const main = mainPath(machine);
  const onMain = (a: string, b: string) => main.indexOf(b) === main.indexOf(a) + 1 && main.includes(a);
  const edgeList: { from: string; to: string; kind: EdgeKind; name: string }[] = [];
  for (const from of names) {
    for (const { to, kind } of successors(machine.States[from])) {
      if (!machine.States[to]) continue;
      const name = `${from}->${to}`;
      edgeList.push({ from, to, kind, name });
      // Heavier edges pull harder when dagre ranks and orders: the main path first, Catch edges last.
      g.setEdge(from, to, { kind, weight: onMain(from, to) ? 8 : kind === 'catch' ? 1 : 2, minlen: 1 } as EdgeLabel, name);
    }
  }
  if (names.length > 0) dagreLayout(g, { corePath: main });

  const nodes: PlacedNode[] = names.map((n) => {
    const v = g.node(n) as NodeLabel;
    const sz = sized.get(n)!;
    return {
      name: n,
      type: machine.States[n].Type,
      x: (v.x ?? 0) - sz.w / 2,
      y: (v.y ?? 0) - sz.h / 2,
      w: sz.w,
      h: sz.h,
      ...(sz.inner ? { inner: sz.inner } : {}),
    };
  });
  const width = Math.max(0, ...nodes.map((n) => n.x + n.w));
  const height = Math.max(NODE_H, ...nodes.map((n) => n.y + n.h));
  const byName = new Map(nodes.map((n) => [n.name, n]));

  // Rank bands: the vertical extent of each rank's boxes, keyed by the rank's centre line.
  const bands = new Map<number, { top: number; bottom: number }>();
  for (const n of nodes) {
    const key = Math.round(n.y + n.h / 2);
    const b = bands.get(key);
    bands.set(key, b ? { top: Math.min(b.top, n.y), bottom: Math.max(b.bottom, n.y + n.h) } : { top: n.y, bottom: n.y + n.h });
  }
  const bandAt = (y: number) => bands.get(Math.round(y)) ?? { top: y, bottom: y };

  const routes = edgeList.map((e) => {
    const label = g.edge(e.from, e.to, e.name) as EdgeLabel;
    const a = byName.get(e.from)!;
    const b = byName.get(e.to)!;
    // dagre's points: the two box intersections around one point per rank crossed (its dummy node).
    const via = (label.points ?? []).slice(1, -1);
    return { ...e, a, b, via };
  });
  // Each gap between two ranks gets one horizontal lane per edge that turns in it, so no two run on top of each other.
  const lanes = new Map<string, string[]>();
  const gapKey = (y1: number, y2: number) => `${Math.round(Math.min(y1, y2))}:${Math.round(Math.max(y1, y2))}`;
  const planned = routes.map((r) => {
    const down = r.b.y > r.a.y;
    const exitY = down ? r.a.y + r.a.h : r.a.y;
    const entryY = down ? r.b.y : r.b.y + r.b.h;
    const clampTo = (n: PlacedNode, x: number) => Math.min(Math.max(x, n.x + PORT_INSET), n.x + n.w - PORT_INSET);
    const firstX = r.via[0]?.x ?? r.b.x + r.b.w / 2;
    const lastX = r.via.at(-1)?.x ?? r.a.x + r.a.w / 2;
    let startX = clampTo(r.a, firstX);
    let endX = clampTo(r.b, lastX);
    if (r.via.length === 0) {
      // Neighbouring ranks: a straight drop when the boxes overlap horizontally.
      const lo = Math.max(r.a.x, r.b.x) + PORT_INSET;
      const hi = Math.min(r.a.x + r.a.w, r.b.x + r.b.w) - PORT_INSET;
      if (lo <= hi) {
        startX = Math.min(Math.max(r.a.x + r.a.w / 2, lo), hi);
        endX = startX;
      }
    }
    // The columns the edge runs in, rank by rank, and the gaps (between bands) where it may turn.
    const columns: { x: number; band: { top: number; bottom: number } }[] = [
      { x: startX, band: { top: r.a.y, bottom: r.a.y + r.a.h } },
      ...r.via.map((p) => ({ x: p.x, band: bandAt(p.y) })),
      { x: endX, band: { top: r.b.y, bottom: r.b.y + r.b.h } },
    ];
    const srcBand = bandAt(r.a.y + r.a.h / 2);
    const dstBand = bandAt(r.b.y + r.b.h / 2);
    columns[0].band = srcBand;
    columns[columns.length - 1].band = dstBand;
    const turns: { key: string; from: number; to: number }[] = [];
    for (let i = 0; i + 1 < columns.length; i++) {
      const upper = down ? columns[i].band : columns[i + 1].band;
      const lower = down ? columns[i + 1].band : columns[i].band;
      const key = gapKey(upper.bottom, lower.top);
      turns.push({ key, from: upper.bottom, to: lower.top });
      if (columns[i].x !== columns[i + 1].x) lanes.set(key, [...(lanes.get(key) ?? []), r.name]);
    }
    return { r, down, exitY, entryY, columns, turns };
  });

  const edges: PlacedEdge[] = planned.map(({ r, exitY, entryY, columns, turns }) => {
    if (r.from === r.to) {
      // A state that loops onto itself: round its right-hand side.
      const x = r.a.x + r.a.w;
      const pts = [
        { x, y: r.a.y + r.a.h / 3 },
        { x: x + 16, y: r.a.y + r.a.h / 3 },
        { x: x + 16, y: r.a.y + (2 * r.a.h) / 3 },
        { x: x + 2, y: r.a.y + (2 * r.a.h) / 3 },
      ];
      return { from: r.from, to: r.to, kind: r.kind, points: pts, d: roundedPath(pts) };
    }
    const pts: Point[] = [{ x: columns[0].x, y: exitY }];
    for (let i = 0; i < turns.length; i++) {
      const here = columns[i].x;
      const next = columns[i + 1].x;
      if (here === next) continue;
      const lane = lanes.get(turns[i].key) ?? [r.name];
      const k = lane.indexOf(r.name);
      const gy = turns[i].from + ((turns[i].to - turns[i].from) * (k + 1)) / (lane.length + 1);
      pts.push({ x: here, y: gy }, { x: next, y: gy });
    }
    pts.push({ x: columns.at(-1)!.x, y: entryY });
    const clean = pts.filter((p, i) => i === 0 || p.x !== pts[i - 1].x || p.y !== pts[i - 1].y);
    return { from: r.from, to: r.to, kind: r.kind, points: clean, d: roundedPath(clean) };
  });
  return { width, height, nodes, edges };
}

/** An orthogonal polyline with its corners rounded (radius at most half the shorter neighbouring segment). */
function roundedPath(points: readonly Point[], radius = 6): string {
  const f = (v: number) => Math.round(v * 10) / 10;
  if (points.length === 0) return '';
  let d = `M${f(points[0].x)},${f(points[0].y)}`;
  for (let i = 1; i < points.length - 1; i++) {
    const [p, c, n] = [points[i - 1], points[i], points[i + 1]];
    const r = Math.min(radius, Math.hypot(c.x - p.x, c.y - p.y) / 2, Math.hypot(n.x - c.x, n.y - c.y) / 2);
    const towards = (from: Point, to: Point, len: number) => {
      const l = Math.hypot(to.x - from.x, to.y - from.y) || 1;
      return { x: from.x + ((to.x - from.x) / l) * len, y: from.y + ((to.y - from.y) / l) * len };
    };
    const before = towards(c, p, r);
    const after = towards(c, n, r);
    d += ` L${f(before.x)},${f(before.y)} Q${f(c.x)},${f(c.y)} ${f(after.x)},${f(after.y)}`;
  }
  const last = points[points.length - 1];
  return `${d} L${f(last.x)},${f(last.y)}`;
}

/** Every state name in a definition, nested ones included. */
export function allStateNames(machine: LayoutMachine): string[] {
  return Object.entries(machine.States).flatMap(([name, s]) => [
    name,
    ...(s.Branches ?? []).flatMap(allStateNames),
    ...((s.ItemProcessor ?? s.Iterator) ? allStateNames((s.ItemProcessor ?? s.Iterator)!) : []),
  ]);
}
