import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { alarmTriggerAwsDeps } from '../../../functions/alarm-trigger/aws-deps';
import { LAMBDA_ENV } from '../../../config/lambda-environment';
import { ConfigurationError, InvalidInputError } from '../../../functions/shared/errors';
import { bundledConfigEnv } from './fixtures';

const env = (): NodeJS.ProcessEnv => ({
  ...bundledConfigEnv(),
  [LAMBDA_ENV.controlPlaneRegion]: 'us-west-2',
  [LAMBDA_ENV.alertTopicArn]: 'arn:aws:sns:us-west-2:111122223333:alert',
  [LAMBDA_ENV.auditTable]: 'audit-table',
  [LAMBDA_ENV.incidentLockTable]: 'lock-table',
  [LAMBDA_ENV.siteStateParameterPrefix]: '/dr/orders/site-state',
  [LAMBDA_ENV.alarmNamePrefix]: 'orders-dr-',
  [LAMBDA_ENV.stateMachineArn]: 'arn:aws:states:us-west-2:111122223333:stateMachine:orders-dr-failover',
});

const mocks = {
  cw: mockClient(CloudWatchClient),
  ddb: mockClient(DynamoDBClient),
  sfn: mockClient(SFNClient),
  sns: mockClient(SNSClient),
  ssm: mockClient(SSMClient),
};
beforeEach(() => {
  for (const m of Object.values(mocks)) m.reset();
});

describe('alarmTriggerAwsDeps', () => {
  it.each([
    'LAMBDA_TASK_ROOT',
    LAMBDA_ENV.controlPlaneRegion,
    LAMBDA_ENV.alarmNamePrefix,
    LAMBDA_ENV.stateMachineArn,
    LAMBDA_ENV.incidentLockTable,
    LAMBDA_ENV.alertTopicArn,
    LAMBDA_ENV.siteStateParameterPrefix,
    LAMBDA_ENV.auditTable,
  ])('fails with ConfigurationError naming %s when it is missing', (name) => {
    const e = env();
    delete e[name];
    expect(() => alarmTriggerAwsDeps(e)).toThrow(ConfigurationError);
    expect(() => alarmTriggerAwsDeps(e)).toThrow(name);
  });

  it("refuses a state machine in another region: each region's trigger starts its own only", () => {
    expect(() =>
      alarmTriggerAwsDeps({ ...env(), [LAMBDA_ENV.stateMachineArn]: 'arn:aws:states:us-east-1:111122223333:stateMachine:orders-dr-failover' }),
    ).toThrow(/in us-east-1, but this copy runs in us-west-2/);
  });

  it('wires every port to this region: alarms, lock table, state machine, alert topic, own site state only', async () => {
    const deps = alarmTriggerAwsDeps(env());
    expect(deps.region).toBe('us-west-2');
    mocks.cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
    mocks.ddb.on(PutItemCommand).resolves({});
    mocks.sfn
      .on(StartExecutionCommand)
      .resolves({ executionArn: 'arn:aws:states:us-west-2:111122223333:execution:orders-dr-failover:x', startDate: new Date() });
    mocks.sns.on(PublishCommand).resolves({});
    mocks.ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'PASSIVE' } });

    await deps.signals.read(['us-east-1']);
    await deps.lock.acquire('k', { incidentId: 'i', acquiredAt: 1, expiresAt: 2 }, 1);
    await deps.starter.start('x', {});
    await deps.notifier.publish({ topic: 'alert', subject: 's', body: 'b' });
    await expect(deps.siteState.get('us-west-2')).resolves.toBe('PASSIVE');
    await expect(deps.siteState.get('us-east-1')).rejects.toThrow(InvalidInputError);

    expect(mocks.cw).toHaveReceivedCommandWith(DescribeAlarmsCommand, { AlarmNamePrefix: 'orders-dr-' });
    expect(mocks.ddb).toHaveReceivedCommandWith(PutItemCommand, { TableName: 'lock-table' });
    expect(mocks.sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: 'arn:aws:states:us-west-2:111122223333:stateMachine:orders-dr-failover',
    });
    expect(mocks.sns).toHaveReceivedCommandWith(PublishCommand, { TopicArn: 'arn:aws:sns:us-west-2:111122223333:alert' });
    expect(mocks.ssm).toHaveReceivedCommandWith(GetParameterCommand, { Name: '/dr/orders/site-state/us-west-2' });
    for (const m of Object.values(mocks)) {
      for (const call of m.calls()) expect(await (call.thisValue as { config: { region: () => Promise<string> } }).config.region()).toBe('us-west-2');
    }
  });
});
