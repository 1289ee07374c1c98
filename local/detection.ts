import type { DrConfig } from '../config/schema';
import type { Signal } from '../functions/shared/ports';
import type { LocalWorld } from './world/world';

export interface AlarmTransition {
  readonly signalId: string;
  readonly vantage: string;
  readonly target: string;
  readonly state: 'ALARM' | 'OK';
  readonly at: number;
}

/**
 * M-of-N alarm evaluation over probe datapoints, the rule the deployed CloudWatch alarms use
 * (datapointsToAlarm of evaluationPeriods, missing data treated as breaching).
 */
export class AlarmEvaluator {
  private readonly windows = new Map<string, boolean[]>();
  private readonly states = new Map<string, 'ALARM' | 'OK'>();

  constructor(private readonly detection: DrConfig['detection']) {}

  /** Feeds one datapoint per signal; returns the alarms that changed state. */
  observe(signals: readonly Signal[], at: number): AlarmTransition[] {
    const out: AlarmTransition[] = [];
    for (const s of signals) {
      const w = this.windows.get(s.id) ?? [];
      w.push(!s.healthy);
      while (w.length > this.detection.evaluationPeriods) w.shift();
      this.windows.set(s.id, w);
      const breaching = w.filter(Boolean).length;
      const next = breaching >= this.detection.datapointsToAlarm ? 'ALARM' : 'OK';
      if ((this.states.get(s.id) ?? 'OK') !== next) {
        this.states.set(s.id, next);
        out.push({ signalId: s.id, vantage: s.vantage, target: s.target, state: next, at });
      }
    }
    return out;
  }

  /** Distinct vantages whose alarm on `target` is in ALARM. */
  alarmingVantages(target: string): string[] {
    return [...this.states.entries()].filter(([id, st]) => st === 'ALARM' && id.endsWith(`->${target}`)).map(([id]) => id);
  }
}

/**
 * The drill's detection loop: probes at the scaled canary interval, evaluates alarms, and calls
 * `onQuorum` once the primary is impaired according to `quorum` independent alarms.
 */
export class LocalDetector {
  private timer?: NodeJS.Timeout;
  private readonly evaluator: AlarmEvaluator;
  readonly transitions: AlarmTransition[] = [];
  private busy = false;

  constructor(
    private readonly world: LocalWorld,
    private readonly onTransition: (t: AlarmTransition) => void,
    private readonly onQuorum: (alarms: string[]) => void,
  ) {
    this.evaluator = new AlarmEvaluator(world.config.detection);
  }

  start(): void {
    const interval = this.world.time.ms(this.world.config.detection.probeIntervalSeconds);
    let fired = false;
    this.timer = setInterval(() => {
      if (this.busy) return;
      this.busy = true;
      void this.world.signals
        .read([this.world.primary, this.world.standby])
        .then((signals) => {
          for (const t of this.evaluator.observe(signals, Date.now())) {
            this.transitions.push(t);
            this.onTransition(t);
          }
          const alarming = this.evaluator.alarmingVantages(this.world.primary);
          if (!fired && alarming.length >= this.world.config.detection.quorum) {
            fired = true;
            this.onQuorum(alarming);
          }
        })
        .finally(() => {
          this.busy = false;
        });
    }, interval);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
