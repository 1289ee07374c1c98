import { join } from 'node:path';
import { loadConfig, parseConfig } from '../../config/load';
import type { DrConfig, DrConfigInput } from '../../config/schema';

/**
 * The config builder of the failure-mode, property, infra and bad-input tests: the repo's dr.config.json as the base,
 * with every part a test depends on stated through `configWith`. (The drctl tests load a fixed file instead:
 * ./shop-config.ts.)
 */
const loaded = loadConfig(join(__dirname, '..', '..', 'dr.config.json'));
export const PRIMARY = loaded.regions.primary.name;
export const STANDBY = loaded.regions.standby.name;
export const APPROVER = 'oncall@example.com';

export type StoreKind = 'dynamodb' | 'aurora' | 's3';
type StoreInput = DrConfigInput['dataStores'][number];

export function storeOf(kind: StoreKind, name?: string): StoreInput {
  if (kind === 'dynamodb') return { kind: 'dynamodb-global-table', name: name ?? 'orders', tableName: name ?? 'orders' };
  if (kind === 's3')
    return { kind: 's3-replicated', name: name ?? 'invoices', buckets: { [PRIMARY]: `${name ?? 'invoices'}-a`, [STANDBY]: `${name ?? 'invoices'}-b` } };
  const n = name ?? 'ledger';
  return {
    kind: 'aurora-global',
    name: n,
    globalClusterIdentifier: `${n}-global`,
    clusterArns: { [PRIMARY]: `arn:aws:rds:${PRIMARY}:111122223333:cluster:${n}-a`, [STANDBY]: `arn:aws:rds:${STANDBY}:111122223333:cluster:${n}-b` },
  };
}

export function arcTraffic(): DrConfigInput['traffic'] {
  const regions = [...new Set([PRIMARY, STANDBY, 'eu-west-1', 'ap-southeast-2', 'ap-northeast-1'])].slice(0, 5);
  return {
    strategy: 'arc-routing-control',
    clusterEndpoints: regions.map((region, i) => ({
      region,
      endpoint: `https://host-${'abcde'[i].repeat(6)}.route53-recovery-cluster.${region}.amazonaws.com/v1`,
    })),
    routingControlArns: Object.fromEntries(
      [PRIMARY, STANDBY].map((r) => [r, `arn:aws:route53-recovery-control::111122223333:controlpanel/fm/routingcontrol/${r}`]),
    ),
  };
}

export interface ConfigChoice {
  readonly traffic: 'route53-weighted' | 'arc-routing-control';
  readonly stores: ReadonlyArray<StoreKind | StoreInput>;
  readonly approval?: Partial<DrConfigInput['approval']>;
  readonly objectives?: DrConfigInput['objectives'];
  readonly detection?: Partial<NonNullable<DrConfigInput['detection']>>;
  readonly drill?: Partial<NonNullable<DrConfigInput['drill']>>;
  /** @default hot, nothing to scale */
  readonly standby?: DrConfigInput['standby'];
}

/** The loaded config with everything a failure-mode test relies on set explicitly. */
export function configWith(choice: ConfigChoice): DrConfig {
  return parseConfig(
    {
      ...loaded,
      traffic:
        choice.traffic === 'arc-routing-control' ? arcTraffic() : { strategy: 'route53-weighted', hostedZoneId: 'Z0123456789ABCDEFGHIJ', recordType: 'CNAME' },
      dataStores: choice.stores.map((s) => (typeof s === 'string' ? storeOf(s) : s)),
      approval: { mode: 'required', approvers: [APPROVER], escalation: ['sre-leads@example.com'], timeoutSeconds: 900, onTimeout: 'abort', ...choice.approval },
      detection: {
        probeIntervalSeconds: 10,
        datapointsToAlarm: 2,
        evaluationPeriods: 3,
        quorum: 2,
        probeTimeoutMs: 2000,
        maxEventAgeSeconds: 300,
        cooldownSeconds: 1800,
        ...choice.detection,
      },
      objectives: choice.objectives ?? { rtoSeconds: 60, rpoSeconds: 5 },
      standby: choice.standby ?? { mode: 'hot', scaling: [] },
      drill: { replicationLagMs: 500, writeIntervalMs: 500, dnsSyncSeconds: 5, ...choice.drill },
    },
    'failure-mode test config',
  );
}
