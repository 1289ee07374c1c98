/**
 * Lays out an ASL definition as boxes and arrows, like the Step Functions console's graph: states in
 * rows by their longest distance from StartAt, the first-discovered path (Next before Choices before
 * Catch) down the left, Parallel branches and Map processors drawn inside their state's box.
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

export interface PlacedEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
  /** SVG path data in the coordinates of the machine that owns both states. */
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
const GAP_Y = 40;
const PAD = 14;
const HEADER = 26;
const CHAR_W = 7.2;

export function successors(state: LayoutState): { to: string; kind: EdgeKind }[] {
  const out: { to: string; kind: EdgeKind }[] = [];
  if (state.Next) out.push({ to: state.Next, kind: 'next' });
  for (const c of state.Choices ?? []) if (c.Next) out.push({ to: c.Next, kind: 'choice' });
  if (state.Default) out.push({ to: state.Default, kind: 'default' });
  for (const c of state.Catch ?? []) out.push({ to: c.Next, kind: 'catch' });
  // The same target reached twice (two choices to one state) is one arrow.
  return out.filter((e, i) => out.findIndex((o) => o.to === e.to) === i);
}

export function layoutMachine(machine: LayoutMachine): MachineLayout {
  const names = Object.keys(machine.States);
  // Discovery order (depth first, Next first) puts the main path first in every row.
  const order: string[] = [];
  const onStack = new Set<string>();
  const backEdges = new Set<string>();
  const visit = (n: string) => {
    if (!machine.States[n]) return;
    order.push(n);
    onStack.add(n);
    for (const { to } of successors(machine.States[n])) {
      if (onStack.has(to)) backEdges.add(`${n}->${to}`);
      else if (!order.includes(to)) visit(to);
    }
    onStack.delete(n);
  };
  visit(machine.StartAt);
  for (const n of names) if (!order.includes(n)) visit(n);

  // Longest path from the start over the acyclic part: a state sits below everything that can precede it.
  const rank = new Map<string, number>(order.map((n) => [n, 0]));
  for (let changed = true, guard = 0; changed && guard < names.length + 1; guard++) {
    changed = false;
    for (const n of order) {
      for (const { to } of successors(machine.States[n])) {
        if (backEdges.has(`${n}->${to}`) || !rank.has(to)) continue;
        const r = rank.get(n)! + 1;
        if (r > rank.get(to)!) {
          rank.set(to, r);
          changed = true;
        }
      }
    }
  }

  const sized = new Map<string, { w: number; h: number; inner?: { x: number; y: number; layout: MachineLayout; label: string }[] }>();
  for (const n of order) {
    const s = machine.States[n];
    const subs: { layout: MachineLayout; label: string }[] = [];
    (s.Branches ?? []).forEach((b, i) => subs.push({ layout: layoutMachine(b), label: `branch ${i + 1}` }));
    const proc = s.ItemProcessor ?? s.Iterator;
    if (proc) subs.push({ layout: layoutMachine(proc), label: 'each item' });
    // Room for the status glyph on the left and the ×N badge on the right.
    const textW = Math.max(120, Math.ceil(n.length * CHAR_W) + 48);
    if (subs.length === 0) {
      sized.set(n, { w: textW, h: NODE_H });
      continue;
    }
    let x = PAD;
    const inner = subs.map((sub) => {
      const placed = { x, y: HEADER + PAD, layout: sub.layout, label: sub.label };
      x += sub.layout.width + GAP_X;
      return placed;
    });
    const w = Math.max(textW, x - GAP_X + PAD);
    const h = HEADER + PAD * 2 + Math.max(...subs.map((s2) => s2.layout.height));
    sized.set(n, { w, h, inner });
  }

  // The longest chain without Catch edges gets a column of its own, so its arrows run straight down
  // even when it skips rows, and every branch off it lies to the right.
  const depth = new Map<string, number>();
  const depthOf = (n: string): number => {
    if (depth.has(n)) return depth.get(n)!;
    depth.set(n, 0);
    const next = successors(machine.States[n]).filter((e) => e.kind !== 'catch' && !backEdges.has(`${n}->${e.to}`) && machine.States[e.to]);
    const d = next.length ? 1 + Math.max(...next.map((e) => depthOf(e.to))) : 0;
    depth.set(n, d);
    return d;
  };
  const main = new Set<string>();
  for (let n: string | undefined = machine.StartAt; n && machine.States[n] && !main.has(n); ) {
    const from: string = n;
    main.add(from);
    const next: { to: string; kind: EdgeKind }[] = successors(machine.States[from]).filter((e) => e.kind !== 'catch' && !backEdges.has(`${from}->${e.to}`) && machine.States[e.to]);
    // Ties go to the Choice's Default: the path taken when no rule matches reads as the normal one.
    next.sort((a, b) => depthOf(b.to) - depthOf(a.to) || Number(b.kind === 'default') - Number(a.kind === 'default'));
    n = next[0]?.to;
  }
  const mainWidth = Math.max(0, ...[...main].map((n) => sized.get(n)!.w));

  const rows = new Map<number, string[]>();
  for (const n of order) rows.set(rank.get(n)!, [...(rows.get(rank.get(n)!) ?? []), n]);
  const nodes: PlacedNode[] = [];
  const pos = new Map<string, PlacedNode>();
  let y = 0;
  let width = 0;
  for (const r of [...rows.keys()].sort((a, b) => a - b)) {
    const row = rows.get(r)!.sort((a, b) => Number(main.has(b)) - Number(main.has(a)));
    let x = main.has(row[0]) ? 0 : mainWidth + GAP_X;
    const rowH = Math.max(...row.map((n) => sized.get(n)!.h));
    for (const n of row) {
      const sz = sized.get(n)!;
      const node: PlacedNode = { name: n, type: machine.States[n].Type, x, y, w: sz.w, h: sz.h, ...(sz.inner ? { inner: sz.inner } : {}) };
      nodes.push(node);
      pos.set(n, node);
      x = main.has(n) ? mainWidth + GAP_X : x + sz.w + GAP_X;
    }
    width = Math.max(width, x - GAP_X);
    y += rowH + GAP_Y;
  }
  const height = Math.max(NODE_H, y - GAP_Y);

  const edges: PlacedEdge[] = [];
  for (const n of order) {
    const a = pos.get(n)!;
    for (const { to, kind } of successors(machine.States[n])) {
      const b = pos.get(to);
      if (!b) continue;
      edges.push({ from: n, to, kind, d: edgePath(a, b, width) });
    }
  }
  return { width, height, nodes, edges };
}

/** Downward arrows leave the bottom and enter the top; others go round the right-hand side. */
function edgePath(a: PlacedNode, b: PlacedNode, width: number): string {
  const ax = a.x + a.w / 2;
  const bx = b.x + b.w / 2;
  if (b.y > a.y) {
    const y1 = a.y + a.h;
    const y2 = b.y;
    const my = (y1 + y2) / 2;
    return `M${ax},${y1} C${ax},${my} ${bx},${my} ${bx},${y2 - 2}`;
  }
  const x1 = a.x + a.w;
  const x2 = b.x + b.w;
  const outX = Math.max(x1, x2, width) + 16;
  return `M${x1},${a.y + a.h / 2} C${outX},${a.y + a.h / 2} ${outX},${b.y + b.h / 2} ${x2 + 2},${b.y + b.h / 2}`;
}

/** Every state name in a definition, nested ones included. */
export function allStateNames(machine: LayoutMachine): string[] {
  return Object.entries(machine.States).flatMap(([name, s]) => [
    name,
    ...(s.Branches ?? []).flatMap(allStateNames),
    ...((s.ItemProcessor ?? s.Iterator) ? allStateNames((s.ItemProcessor ?? s.Iterator)!) : []),
  ]);
}
