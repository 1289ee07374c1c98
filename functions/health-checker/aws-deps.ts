import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { LAMBDA_ENV } from '../../config/lambda-environment';
import { clientConfig, documentClient } from '../shared/aws/clients';
import { CloudWatchHealthSignals } from '../shared/aws/cloudwatch-health-signals';
import { DynamoDbAuditLog } from '../shared/aws/dynamodb-audit-log';
import { configFromEnv, requireEnv } from '../shared/aws/environment';
import { systemClock } from '../shared/ports';
import type { HealthCheckerDeps } from './health-checker';

/** The health checker's real dependencies, from the environment the control-plane stack sets (every variable read up front). */
export function healthCheckerAwsDeps(env: NodeJS.ProcessEnv = process.env): HealthCheckerDeps {
  const config = configFromEnv(env);
  const region = requireEnv(LAMBDA_ENV.controlPlaneRegion, env);
  const alarmNamePrefix = requireEnv(LAMBDA_ENV.alarmNamePrefix, env);
  const auditTable = requireEnv(LAMBDA_ENV.auditTable, env);
  return {
    config,
    signals: new CloudWatchHealthSignals({
      cloudWatch: new CloudWatchClient(clientConfig(region)),
      alarmNamePrefix,
      globalDomainName: config.globalDomain.name,
      probeTimeoutMs: config.detection.probeTimeoutMs,
    }),
    audit: new DynamoDbAuditLog({ documentClient: documentClient(region), tableName: auditTable }),
    clock: systemClock,
  };
}
