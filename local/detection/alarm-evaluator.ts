import { GLOBAL, signalAlarmName } from '../../config/resource-names';
import type { DrConfig } from '../../config/schema';
import type { AlarmStateValue, Signal, SignalState } from '../../functions/shared/ports';

/** The `global` target: the canaries' probe of the global name. */
/** The canaries' target name for the global name (the format's `global`). */
export const GLOBAL_TARGET = GLOBAL;

type Datapoint = boolean | null;

export interface AlarmTransition {
  readonly alarmName: string;
  readonly signalId: string;
  readonly vantage: string;
  readonly target: string;
  readonly state: AlarmStateValue;
  readonly previous: AlarmStateValue;
  readonly reason: string;
  readonly round: number;
  readonly at: number;
}

interface AlarmDef {
  readonly name: string;
  readonly vantage: string;
  readonly target: string;
  /** What a round without a datapoint counts as, as CloudWatch's treatMissingData. */
  readonly missing: 'breaching' | 'missing';
}

/** An alarm state as the health signal the deployed adapter derives from DescribeAlarms. */
export function signalState(alarm: AlarmStateValue): SignalState {
  return alarm === 'OK' ? 'ok' : alarm === 'ALARM' ? 'alarm' : 'no-data';
}

/**
 * The canaries' CloudWatch alarms, emulated: M-of-N over one datapoint per round, per (vantage, target), as the
 * deployed alarms (infra/constructs/detection.ts): a round without a datapoint is breaching when the canary sits in
 * the region it watches (its silence means that region is dark) and missing otherwise; a window with nothing but
 * missing rounds is INSUFFICIENT_DATA.
 */
export class AlarmEvaluator {
  readonly defs: AlarmDef[];
  private readonly windows = new Map<string, Datapoint[]>();
  private readonly states = new Map<string, AlarmStateValue>();

  constructor(
    private readonly detection: DrConfig['detection'],
    readonly prefix: string,
    regions: readonly string[],
  ) {
    this.defs = regions.flatMap((vantage) =>
      [...regions, GLOBAL_TARGET].map((target) => ({
        name: signalAlarmName(prefix, 'canary', vantage, target),
        vantage,
        target,
        missing: vantage === target ? ('breaching' as const) : ('missing' as const),
      })),
    );
    for (const d of this.defs) this.states.set(d.name, 'INSUFFICIENT_DATA');
  }

  /**
   * Closes one period: `failed` maps `<vantage>-><target>` to whether the probe failed; absent = no datapoint.
   * With `vantage`, only that canary's alarms are evaluated (each canary runs on its own schedule).
   */
  observe(failed: ReadonlyMap<string, boolean>, round: number, at: number, vantage?: string): AlarmTransition[] {
    const out: AlarmTransition[] = [];
    for (const d of this.defs) {
      if (vantage !== undefined && d.vantage !== vantage) continue;
      const point = failed.get(`${d.vantage}->${d.target}`);
      const w = this.windows.get(d.name) ?? [];
      w.push(point === undefined ? (d.missing === 'breaching' ? true : null) : point);
      while (w.length > this.detection.evaluationPeriods) w.shift();
      this.windows.set(d.name, w);
      const present = w.filter((p) => p !== null);
      const breaching = present.filter(Boolean).length;
      const next: AlarmStateValue = present.length === 0 ? 'INSUFFICIENT_DATA' : breaching >= this.detection.datapointsToAlarm ? 'ALARM' : 'OK';
      const previous = this.states.get(d.name)!;
      if (previous !== next) {
        this.states.set(d.name, next);
        const reason = `${breaching} of the last ${w.length} datapoints breaching (${this.detection.datapointsToAlarm} of ${this.detection.evaluationPeriods} needed)`;
        out.push({
          alarmName: d.name,
          signalId: `canary:${d.vantage}->${d.target}`,
          vantage: d.vantage,
          target: d.target,
          state: next,
          previous,
          reason,
          round,
          at,
        });
      }
    }
    return out;
  }

  state(alarmName: string): AlarmStateValue {
    return this.states.get(alarmName) ?? 'INSUFFICIENT_DATA';
  }

  /** Alarm states as the health signals the deployed adapter derives from DescribeAlarms. */
  signals(regions: readonly string[], observedAt: string): Signal[] {
    return this.defs
      .filter((d) => regions.includes(d.target))
      .map((d) => {
        const st = this.state(d.name);
        const state = signalState(st);
        return {
          id: `canary:${d.vantage}->${d.target}`,
          source: 'canary' as const,
          vantage: d.vantage,
          target: d.target,
          healthy: state === 'ok',
          state,
          detail: `alarm ${d.name} ${st}`,
          observedAt,
        };
      });
  }
}
