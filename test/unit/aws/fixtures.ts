import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLED_CONFIG_FILE, TASK_ROOT_ENV } from '../../../config/bundled-config';
import { LAMBDA_ENV } from '../../../config/lambda-environment';
import type { DrConfig, DrConfigInput } from '../../../config/schema';
import { parseConfig } from '../../../config/load';
import { ConfigurationError } from '../../../functions/shared/errors';

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
  detection: {
    probeIntervalSeconds: 10,
    datapointsToAlarm: 2,
    evaluationPeriods: 3,
    quorum: 2,
    probeTimeoutMs: 1500,
    maxEventAgeSeconds: 300,
    cooldownSeconds: 1800,
  },
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

/** Every variable the control-plane stack sets on a task function in us-west-2, with the bundled config: spread and override. */
export function lambdaEnv(): NodeJS.ProcessEnv {
  return {
    ...bundledConfigEnv(),
    [LAMBDA_ENV.controlPlaneRegion]: 'us-west-2',
    [LAMBDA_ENV.alertTopicArn]: 'arn:aws:sns:us-west-2:111122223333:alert',
    [LAMBDA_ENV.escalationTopicArn]: 'arn:aws:sns:us-west-2:111122223333:escalation',
    [LAMBDA_ENV.approvalTopicArn]: 'arn:aws:sns:us-west-2:111122223333:approval',
    [LAMBDA_ENV.approvalsTable]: 'approvals-table',
    [LAMBDA_ENV.auditTable]: 'audit-table',
    [LAMBDA_ENV.incidentLockTable]: 'lock-table',
    [LAMBDA_ENV.signingSecretArn]: 'arn:aws:secretsmanager:us-west-2:111122223333:secret:signing',
    [LAMBDA_ENV.approvalBaseUrl]: 'https://abc.execute-api.us-west-2.amazonaws.com/prod',
    [LAMBDA_ENV.siteStateParameterPrefix]: '/orders/dr/site-state',
    [LAMBDA_ENV.alarmNamePrefix]: 'orders-dr-',
    [LAMBDA_ENV.stateMachineArn]: 'arn:aws:states:us-west-2:111122223333:stateMachine:failover',
    [LAMBDA_ENV.idempotencyTable]: 'idempotency-table',
    [LAMBDA_ENV.approverCodeTopicArn]: 'arn:aws:sns:us-west-2:111122223333:approver-codes',
    [LAMBDA_ENV.approverRoleNames]: 'orders-dr-approver-us-west-2',
    [LAMBDA_ENV.comparisonTable]: 'comparison-table',
  };
}

/**
 * A composition root (functions/<name>/aws-deps.ts) given `lambdaEnv()` without one of `needs`, or with it empty,
 * fails at cold start with a ConfigurationError that names the variable.
 */
export function itFailsNamingEachMissingVariable(make: (env: NodeJS.ProcessEnv) => unknown, needs: readonly string[]): void {
  it.each(needs)('fails with ConfigurationError naming %s when it is missing or empty', (variable) => {
    const env = lambdaEnv();
    delete env[variable];
    expect(() => make(env)).toThrow(ConfigurationError);
    expect(() => make(env)).toThrow(variable);
    expect(() => make({ ...env, [variable]: '' })).toThrow(variable);
  });
}

/** The region of the client a mocked call went through (aws-sdk-client-mock's `thisValue`). */
export const regionOf = async (client: unknown) => (client as { config: { region: () => Promise<string> } }).config.region();
