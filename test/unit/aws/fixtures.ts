import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLED_CONFIG_FILE, TASK_ROOT_ENV } from '../../../config/bundled-config';
import type { DrConfig, DrConfigInput } from '../../../config/schema';
import { parseConfig } from '../../../config/load';

/** A config of our own, so edits to the repo's dr.config.json never change what these tests check. */
export const configInput: DrConfigInput = {
  application: 'orders',
  regions: {
    primary: { name: 'us-east-1', healthUrl: 'https://use1.api.orders.example.com/health', apiEndpoint: 'https://use1.api.orders.example.com' },
    standby: { name: 'us-west-2', healthUrl: 'https://usw2.api.orders.example.com/health', apiEndpoint: 'https://usw2.api.orders.example.com/v1' },
  },
  globalDomain: { name: 'api.orders.example.com', ttlSeconds: 15 },
  traffic: { strategy: 'route53-weighted', hostedZoneId: 'Z0123456789ABCDEFGHIJ', recordType: 'CNAME' },
  dataStores: [
    { kind: 'dynamodb-global-table', name: 'orders', tableName: 'orders-table' },
    {
      kind: 'aurora-global',
      name: 'ledger',
      globalClusterIdentifier: 'ledger-global',
      clusterArns: {
        'us-east-1': 'arn:aws:rds:us-east-1:111122223333:cluster:ledger-use1',
        'us-west-2': 'arn:aws:rds:us-west-2:111122223333:cluster:ledger-usw2',
      },
    },
    { kind: 's3-replicated', name: 'invoices', buckets: { 'us-east-1': 'invoices-use1', 'us-west-2': 'invoices-usw2' } },
  ],
  approval: { mode: 'required', approvers: ['oncall@example.com'], escalation: ['leads@example.com'], timeoutSeconds: 900, onTimeout: 'abort' },
  detection: { probeIntervalSeconds: 10, datapointsToAlarm: 2, evaluationPeriods: 3, quorum: 2, probeTimeoutMs: 1500, maxEventAgeSeconds: 300, cooldownSeconds: 1800 },
  objectives: { rtoSeconds: 60, rpoSeconds: 5 },
};

export const config: DrConfig = parseConfig(configInput, 'test fixture');

export function store<K extends DrConfig['dataStores'][number]['kind']>(kind: K): Extract<DrConfig['dataStores'][number], { kind: K }> {
  return config.dataStores.find((s) => s.kind === kind) as Extract<DrConfig['dataStores'][number], { kind: K }>;
}

/** An error shaped like the SDK's service exceptions (what the retry classification looks at). */
export function awsError(name: string, opts: { status?: number; fault?: 'client' | 'server'; message?: string } = {}): Error {
  return Object.assign(new Error(opts.message ?? `${name} happened`), {
    name,
    $fault: opts.fault ?? ((opts.status ?? 400) >= 500 ? 'server' : 'client'),
    $metadata: { httpStatusCode: opts.status ?? 400 },
  });
}

export const fixedClock = (iso = '2025-01-02T03:04:05.000Z') => ({ now: () => Date.parse(iso) });

/**
 * A function's code directory as Lambda announces it (`LAMBDA_TASK_ROOT`), holding `raw` as the bundled
 * `dr-config.json` (JSON-encoded unless it is already a string). Spread it into a test's environment.
 */
export function bundledConfigEnv(raw: unknown = configInput): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'dr-task-root-'));
  writeFileSync(join(dir, BUNDLED_CONFIG_FILE), typeof raw === 'string' ? raw : JSON.stringify(raw));
  return { [TASK_ROOT_ENV]: dir };
}
