import type { DrConfig } from '../config/schema';
import type { LocalWorld } from './world/world';

export type Outcome = 'FAILED_OVER' | 'NO_ACTION' | 'REFUSED' | 'REJECTED' | 'TIMED_OUT' | 'INCOMPLETE' | 'DRY_RUN';
export type Approver = 'auto' | 'manual' | 'reject' | 'none';

/** A fault to inject into the local world, with what a correct control plane must end with. */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  /** Adjusts the config for this scenario (more stores, another strategy). */
  readonly configure?: (config: DrConfig) => DrConfig;
  /** Replication lag in AWS ms, when the scenario needs a particular one. */
  readonly replicationLagMs?: number;
  /** Runs before the load starts. */
  readonly prepare?: (world: LocalWorld) => void;
  /** The fault itself. */
  readonly inject: (world: LocalWorld) => void;
  /** The outcome a correct control plane reaches with auto-approval (for docs and tests). */
  readonly expected: Outcome;
  /** The approver this scenario needs unless the user chose one. */
  readonly defaultApprover?: Approver;
}

const down = (w: LocalWorld, region: string) => {
  w.apps[region].fault = 'down';
  w.data.crash(region);
};

export const SCENARIOS: Record<string, Scenario> = {
  'primary-down': {
    name: 'primary-down',
    description: 'The primary region stops answering (connections refused, unreplicated writes lost).',
    inject: (w) => down(w, w.primary),
    expected: 'FAILED_OVER',
  },
  'primary-slow': {
    name: 'primary-slow',
    description: 'The primary answers, but slower than the probe timeout: impaired, not dead.',
    inject: (w) => {
      w.apps[w.primary].fault = 'slow';
    },
    expected: 'FAILED_OVER',
  },
  'standby-down': {
    name: 'standby-down',
    description: 'Both regions fail: the control plane must refuse and escalate, never shift traffic onto a dead standby.',
    inject: (w) => {
      down(w, w.primary);
      down(w, w.standby);
    },
    expected: 'REFUSED',
  },
  'replication-lag': {
    name: 'replication-lag',
    description: 'Replication lags 30 s behind when the primary fails: the approval shows the data at risk, and auto mode asks a human.',
    replicationLagMs: 30_000,
    inject: (w) => down(w, w.primary),
    expected: 'FAILED_OVER',
  },
  'promotion-fails': {
    name: 'promotion-fails',
    description: 'Promoting the Aurora global cluster fails: the execution ends INCOMPLETE and lists what remains.',
    inject: (w) => {
      down(w, w.primary);
      for (const s of w.data.stores) if (s.singleWriter) s.failPromotion = 'InvalidGlobalClusterStateFault: global cluster is being modified';
    },
    expected: 'INCOMPLETE',
  },
  'approval-timeout': {
    name: 'approval-timeout',
    description: 'Nobody answers the approval: escalation alert, then the fail-safe default (abort).',
    inject: (w) => down(w, w.primary),
    expected: 'TIMED_OUT',
    defaultApprover: 'none',
  },
  'many-stores': {
    name: 'many-stores',
    description: '50 data stores to promote, each control-plane call taking 200 ms (AWS): promotion runs in parallel, bounded.',
    configure: (c) => ({
      ...c,
      dataStores: Array.from({ length: 50 }, (_, i) =>
        i % 5 === 0
          ? {
              kind: 'aurora-global' as const,
              name: `ledger-${i}`,
              globalClusterIdentifier: `ledger-${i}-global`,
              clusterArns: {
                [c.regions.primary.name]: `arn:aws:rds:${c.regions.primary.name}:111122223333:cluster:ledger-${i}-a`,
                [c.regions.standby.name]: `arn:aws:rds:${c.regions.standby.name}:111122223333:cluster:ledger-${i}-b`,
              },
            }
          : { kind: 'dynamodb-global-table' as const, name: `table-${i}`, tableName: `table-${i}` },
      ),
    }),
    prepare: (w) => {
      for (const s of w.data.stores) s.callLatencyMs = w.time.ms(0.2);
    },
    inject: (w) => down(w, w.primary),
    expected: 'FAILED_OVER',
  },
};

export function scenario(name: string): Scenario {
  const s = SCENARIOS[name];
  if (!s) throw new Error(`Unknown scenario "${name}". Known: ${Object.keys(SCENARIOS).join(', ')}`);
  return s;
}
