import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { LAMBDA_ENV } from '../../../config/lambda-environment';
import { healthCheckerAwsDeps } from '../../../functions/health-checker/aws-deps';
import { CloudWatchHealthSignals } from '../../../functions/shared/aws/cloudwatch-health-signals';
import { DynamoDbAuditLog } from '../../../functions/shared/aws/dynamodb-audit-log';
import { ConfigurationError } from '../../../functions/shared/errors';
import { systemClock } from '../../../functions/shared/ports';
import { bundledConfigEnv, config, configInput, itFailsNamingEachMissingVariable, lambdaEnv, regionOf } from './fixtures';

describe('healthCheckerAwsDeps', () => {
  const cw = mockClient(CloudWatchClient);
  beforeEach(() => cw.reset());

  it('builds every port from a full environment', () => {
    const deps = healthCheckerAwsDeps(lambdaEnv());
    expect(Object.keys(deps).sort()).toEqual(['audit', 'clock', 'config', 'signals']);
    expect(deps.config).toEqual(config);
    expect(deps.signals).toBeInstanceOf(CloudWatchHealthSignals);
    expect(deps.audit).toBeInstanceOf(DynamoDbAuditLog);
    expect(deps.clock).toBe(systemClock);
  });

  itFailsNamingEachMissingVariable(healthCheckerAwsDeps, [
    'LAMBDA_TASK_ROOT',
    LAMBDA_ENV.controlPlaneRegion,
    LAMBDA_ENV.alarmNamePrefix,
    LAMBDA_ENV.auditTable,
  ]);

  it('an invalid bundled config fails naming the field', () => {
    const env = { ...lambdaEnv(), ...bundledConfigEnv({ ...configInput, globalDomain: { name: 'not a name' } }) };
    expect(() => healthCheckerAwsDeps(env)).toThrow(ConfigurationError);
    expect(() => healthCheckerAwsDeps(env)).toThrow(/globalDomain\.name/);
  });

  it('reads alarms under ALARM_NAME_PREFIX in the control-plane region, with bounded retries', async () => {
    cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
    await healthCheckerAwsDeps(lambdaEnv()).signals.read(['us-east-1']);
    expect(cw).toHaveReceivedCommandWith(DescribeAlarmsCommand, { AlarmNamePrefix: 'orders-dr-' });
    const client = cw.call(0).thisValue as CloudWatchClient;
    expect(await regionOf(client)).toBe('us-west-2');
    expect(await client.config.maxAttempts()).toBe(3);
  });
});
