import type { DrillEvent } from '../local/drill';
import type { AslMachine, AslState } from './plan/asl-path';
import { awsDuration, humanEvent } from './print';

export interface ProgressOutput {
  write(chunk: string): unknown;
}

export interface ProgressOptions {
  /** Live step list with a spinner (a terminal); otherwise one plain line per event. */
  readonly tty: boolean;
  /** Kept for callers; times shown are the drill's own AWS time (each event's `t`). */
  readonly t0?: number;
  /** The failover definition, for each state's comment ("what it is doing"). */
  readonly definition?: AslMachine;
  /** Signals needed to start a failover, to show detection progress. */
  readonly quorum?: number;
  /** Redraw on a timer so the spinner and elapsed time move while nothing happens. @default true */
  readonly animate?: boolean;
  readonly now?: () => number;
}

/** What each long step is waiting on, in words; other states fall back to their ASL comment. */
const WAITS: Record<string, string> = {
  RequestApproval: 'the approver to answer the emailed link',
  ScaleStandby: 'the standby to reach production size',
  FenceOldPrimary: 'the old primary to be marked PASSIVE',
  PromoteData: 'every data store to be promoted in the standby',
  PromoteStore: 'a data store promotion',
  ShiftTraffic: 'the traffic change to take effect (record INSYNC or routing control flipped)',
  ActivateStandby: 'the standby to be marked ACTIVE',
  VerifyRecovery: 'requests through the global name to reach the standby',
  ValidateData: 'the data comparison between the regions',
};

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const ANSI = { green: '\x1b[32m', red: '\x1b[31m', yellow: '\x1b[33m', cyan: '\x1b[36m', dim: '\x1b[2m', bold: '\x1b[1m', reset: '\x1b[0m' };

type StepStatus = 'running' | 'done' | 'failed' | 'retried';
interface Step {
  name: string;
  status: StepStatus;
  enteredAt: number;
  exitedAt?: number;
  children: Map<string, Step>;
}

/** Every state by name, nested ones included, so a nested state finds its comment and parent. */
function indexStates(machine: AslMachine | undefined): Map<string, { state: AslState; parent?: string }> {
  const out = new Map<string, { state: AslState; parent?: string }>();
  const visit = (m: AslMachine, parent?: string) => {
    for (const [name, state] of Object.entries(m.States)) {
      out.set(name, { state, parent });
      for (const b of state.Branches ?? []) visit(b, parent ?? name);
      const proc = state.ItemProcessor ?? state.Iterator;
      if (proc) visit(proc, parent ?? name);
    }
  };
  if (machine) visit(machine);
  return out;
}

/**
 * Shows a running drill: the current state, elapsed time and what it waits for. On a terminal it
 * keeps a live step list under the log; elsewhere (CI logs, pipes) it prints plain lines only.
 */
export class DrillProgress {
  private readonly states: Map<string, { state: AslState; parent?: string }>;
  private readonly now: () => number;
  private readonly steps: Step[] = [];
  private alarms = new Set<string>();
  private phase: 'starting' | 'detecting' | 'executing' | 'finished' = 'starting';
  private scenario = '';
  private approvalUrl: string | undefined;
  private drawnLines = 0;
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;
  private lastT = 0;

  constructor(
    private readonly out: ProgressOutput,
    private readonly opts: ProgressOptions,
  ) {
    this.states = indexStates(opts.definition);
    // The drill reports AWS time on its events: "now" is the latest AWS time seen.
    this.now = opts.now ?? (() => this.lastT);
    if (opts.tty && opts.animate !== false) {
      this.timer = setInterval(() => this.redraw(), 100);
      // A drill that ends early must not be kept alive by its own spinner.
      this.timer.unref();
    }
  }

  /** What the drill waits for right now, in words. */
  waitingFor(): string {
    if (this.phase === 'starting') return 'the local world to start serving writes';
    if (this.phase === 'detecting') return `detection: ${this.alarms.size} of ${this.opts.quorum ?? '?'} signals in ALARM`;
    if (this.phase === 'finished') return 'nothing (finished)';
    const current = this.currentPath();
    const leaf = current.at(-1);
    // Between states, or after the last one while the drill measures what clients saw.
    if (!leaf) return this.steps.length > 0 ? 'the drill to measure client recovery and lost writes' : 'the first state';
    const explicit = WAITS[leaf.name];
    if (leaf.name === 'RequestApproval' && this.approvalUrl) return `${explicit}: ${this.approvalUrl}`;
    return explicit ?? this.states.get(leaf.name)?.state.Comment ?? `${leaf.name} to finish`;
  }

  /** The running state and its running children, outermost first. */
  currentPath(): Step[] {
    const running = [...this.steps].reverse().find((s) => s.status === 'running' || [...s.children.values()].some((c) => c.status === 'running'));
    if (!running) return [];
    const child = [...running.children.values()].reverse().find((c) => c.status === 'running');
    return child ? [running, child] : [running];
  }

  onEvent(e: DrillEvent): void {
    this.lastT = Math.max(this.lastT, e.t);
    this.track(e);
    if (!this.opts.tty) {
      const line = this.plainLine(e);
      if (line) this.out.write(`${line}\n`);
      return;
    }
    const permanent = this.permanentLine(e);
    this.clear();
    if (permanent) this.out.write(`${permanent}\n`);
    this.draw();
  }

  /** Stops the spinner and leaves the final step list on screen. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (!this.opts.tty) return;
    this.phase = 'finished';
    this.clear();
    this.draw();
    this.drawnLines = 0;
  }

  /** The live block as it would be drawn now (no cursor movement); exposed for tests. */
  renderBlock(): string[] {
    const elapsed = (this.now() / 1000).toFixed(1);
    const spin = this.phase === 'finished' ? '•' : SPINNER[this.frame % SPINNER.length];
    const lines = [`${ANSI.bold}${spin} drill ${this.scenario}${ANSI.reset}  ${ANSI.dim}${elapsed} s${ANSI.reset}`];
    const shown = this.steps.slice(-14);
    if (this.steps.length > shown.length) lines.push(`  ${ANSI.dim}… ${this.steps.length - shown.length} earlier state(s)${ANSI.reset}`);
    for (const s of shown) {
      lines.push(`  ${this.icon(s)} ${s.name}${this.duration(s)}`);
      for (const c of s.children.values()) lines.push(`      ${this.icon(c)} ${c.name}${this.duration(c)}`);
    }
    if (this.phase !== 'finished') lines.push(`  ${ANSI.cyan}waiting for${ANSI.reset} ${this.waitingFor()}`);
    return lines;
  }

  private icon(s: Step): string {
    switch (s.status) {
      case 'done':
        return `${ANSI.green}✓${ANSI.reset}`;
      case 'failed':
        return `${ANSI.red}✗${ANSI.reset}`;
      case 'retried':
        return `${ANSI.yellow}↻${ANSI.reset}`;
      default:
        return `${ANSI.cyan}${this.phase === 'finished' ? '·' : SPINNER[this.frame % SPINNER.length]}${ANSI.reset}`;
    }
  }

  private duration(s: Step): string {
    const end = s.exitedAt ?? (this.phase === 'finished' ? undefined : this.now());
    return end === undefined ? '' : `${ANSI.dim}  ${awsDuration(end - s.enteredAt)}${ANSI.reset}`;
  }

  private track(e: DrillEvent): void {
    switch (e.type) {
      case 'drill-started':
        this.scenario = String(e.scenario);
        break;
      case 'fault-injected':
        this.phase = 'detecting';
        break;
      case 'alarm':
        if (e.state === 'ALARM') this.alarms.add(String(e.signal));
        else this.alarms.delete(String(e.signal));
        break;
      case 'execution-started':
        this.phase = 'executing';
        break;
      case 'approval-requested':
        this.approvalUrl = typeof e.url === 'string' ? e.url : undefined;
        break;
      case 'state-entered': {
        const name = String(e.state);
        const parent = this.states.get(name)?.parent;
        const step: Step = { name: e.index !== undefined ? `${name}[${e.index}]` : name, status: 'running', enteredAt: e.t, children: new Map() };
        const owner = parent ? [...this.steps].reverse().find((s) => s.name === parent) : undefined;
        if (owner) owner.children.set(step.name, step);
        else this.steps.push(step);
        break;
      }
      case 'state-exited':
      case 'task-failed':
      case 'task-retry': {
        const step = this.find(String(e.state), e.index as number | undefined);
        if (!step) break;
        if (e.type === 'state-exited') {
          step.status = step.status === 'retried' ? 'retried' : 'done';
          step.exitedAt = e.t;
        } else if (e.type === 'task-retry') step.status = 'retried';
        else step.status = 'failed';
        break;
      }
      default:
        break;
    }
  }

  private find(name: string, index?: number): Step | undefined {
    const key = index !== undefined ? `${name}[${index}]` : name;
    for (const s of [...this.steps].reverse()) {
      if (s.name === key) return s;
      const c = s.children.get(key);
      if (c) return c;
    }
    return undefined;
  }

  private plainLine(e: DrillEvent): string | undefined {
    const line = humanEvent(e);
    if (e.type === 'state-entered' && line) {
      const name = String(e.state);
      const wait = WAITS[name];
      return wait ? `${line}  (waiting for ${wait})` : line;
    }
    return line;
  }

  /** Lines worth keeping in the scrollback: faults, alarms, alerts, approvals, the traffic switch. */
  private permanentLine(e: DrillEvent): string | undefined {
    if (e.type === 'state-entered' || e.type === 'state-exited' || e.type === 'task-retry') return undefined;
    return humanEvent(e);
  }

  private draw(): void {
    const lines = this.renderBlock();
    this.out.write(`${lines.join('\n')}\n`);
    this.drawnLines = lines.length;
  }

  private clear(): void {
    // Cursor up over the previous block, then erase to the end of the screen.
    if (this.drawnLines > 0) this.out.write(`\x1b[${this.drawnLines}F\x1b[J`);
    this.drawnLines = 0;
  }

  private redraw(): void {
    this.frame += 1;
    this.clear();
    this.draw();
  }
}
