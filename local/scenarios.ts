import type { DrConfig } from '../config/schema';
import { detectionFaults } from './detection';
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
  /** Canary rounds after the fault that detection keeps running before the drill judges (duplicates, flapping). */
  readonly minRounds?: number;
}

/** The application of `region` stops answering and its unreplicated writes are lost. */
const appDown = (w: LocalWorld, region: string) => {
  w.apps[region].fault = 'down';
  w.data.crash(region);
};

/** The whole region goes dark: its application, and also its canary and its copy of the control plane. */
const down = (w: LocalWorld, region: string) => {
  appDown(w, region);
  detectionFaults(w).darkRegions.add(region);
};

function auroraStore(c: DrConfig, name: string): DrConfig['dataStores'][number] {
  return {
    kind: 'aurora-global',
    name,
    globalClusterIdentifier: `${name}-global`,
    clusterArns: {
      [c.regions.primary.name]: `arn:aws:rds:${c.regions.primary.name}:111122223333:cluster:${name}-a`,
      [c.regions.standby.name]: `arn:aws:rds:${c.regions.standby.name}:111122223333:cluster:${name}-b`,
    },
  };
}

/** A five-endpoint ARC cluster for the drill; the first endpoint sits in the primary region. */
function arcTraffic(c: DrConfig): DrConfig['traffic'] {
  const endpointRegions = [c.regions.primary.name, c.regions.standby.name, 'eu-west-1', 'ap-southeast-2', 'ap-northeast-1'];
  return {
    strategy: 'arc-routing-control',
    clusterEndpoints: endpointRegions.map((region, i) => ({ region, endpoint: `https://host-${'abcde'[i].repeat(6)}.route53-recovery-cluster.${region}.amazonaws.com/v1` })),
    routingControlArns: Object.fromEntries(
      [c.regions.primary.name, c.regions.standby.name].map((r) => [r, `arn:aws:route53-recovery-control::111122223333:controlpanel/drill/routingcontrol/${r}`]),
    ),
  };
}

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
    description: 'The primary region goes dark and the standby application is down too: the control plane must refuse and escalate, never shift traffic onto a dead standby.',
    inject: (w) => {
      down(w, w.primary);
      // The standby's application, not its region: its control plane is what has to refuse.
      appDown(w, w.standby);
    },
    expected: 'REFUSED',
  },
  'false-alarm': {
    name: 'false-alarm',
    description:
      "Only the standby canary's path to the primary breaks (a network problem between the regions); every other signal sees the primary healthy. One signal alone: an alert, and no execution at all.",
    inject: (w) => {
      detectionFaults(w).brokenPaths.add(`${w.standby}->${w.primary}`);
    },
    expected: 'NO_ACTION',
  },
  flapping: {
    name: 'flapping',
    description: 'The primary flaps: it fails for 6 canary rounds, answers for 3, again and again, so its alarms fire and clear repeatedly. Exactly one execution.',
    inject: (w) => {
      let round = 0;
      detectionFaults(w).onRound = () => {
        w.apps[w.primary].fault = round++ % 9 < 6 ? 'errors' : 'none';
      };
    },
    // Three flaps: the quorum is met again twice after the execution started.
    minRounds: 27,
    expected: 'FAILED_OVER',
  },
  'duplicate-events': {
    name: 'duplicate-events',
    description:
      "The primary fails (its region still up, so both regions' triggers run); every alarm event reaches each trigger three times, and again a few rounds later (EventBridge retries). Exactly one execution.",
    inject: (w) => {
      w.apps[w.primary].fault = 'errors';
      const f = detectionFaults(w);
      f.deliveries = 3;
      f.redeliverAfterRounds = 3;
    },
    minRounds: 10,
    expected: 'FAILED_OVER',
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
    // Multi-writer stores need no promotion, so the fault needs an Aurora store: add one if the config has none.
    configure: (c) => (c.dataStores.some((s) => s.kind === 'aurora-global') ? c : { ...c, dataStores: [...c.dataStores, auroraStore(c, 'ledger')] }),
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
  'dns-api-down': {
    name: 'dns-api-down',
    description:
      'us-east-1 is impaired: the primary and the Route 53 API are down, and so is the ARC cluster endpoint there. The ARC strategy must fail over through another endpoint with zero Route 53 API calls.',
    configure: (c) => ({ ...c, traffic: arcTraffic(c) }),
    inject: (w) => {
      w.router.dnsApiAvailable = false;
      const first = w.arc?.endpoints[0];
      if (first) w.arc!.setAvailable(first.endpoint, false);
      down(w, w.primary);
    },
    expected: 'FAILED_OVER',
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
