import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { LAMBDA_ENV } from '../../../config/lambda-environment';
import { ConfigurationError, InvalidInputError } from '../../../functions/shared/errors';
import { systemClock } from '../../../functions/shared/ports';
import { siteStateReconcilerAwsDeps } from '../../../functions/site-state-reconciler/aws-deps';
import { reconcileSiteState } from '../../../functions/site-state-reconciler/site-state-reconciler';
import { bundledConfigEnv } from './fixtures';

const env = (): NodeJS.ProcessEnv => ({
  ...bundledConfigEnv(),
  [LAMBDA_ENV.controlPlaneRegion]: 'us-east-1',
  [LAMBDA_ENV.alertTopicArn]: 'arn:aws:sns:us-east-1:111122223333:alert',
  [LAMBDA_ENV.auditTable]: 'audit-table',
  [LAMBDA_ENV.siteStateParameterPrefix]: '/dr/orders/site-state',
});

const mocks = { ddb: mockClient(DynamoDBDocumentClient), sns: mockClient(SNSClient), ssm: mockClient(SSMClient) };
beforeEach(() => {
  for (const m of Object.values(mocks)) m.reset();
});
const regionOf = (client: unknown) => (client as { config: { region: () => Promise<string> } }).config.region();

describe('siteStateReconcilerAwsDeps', () => {
  it.each(['LAMBDA_TASK_ROOT', LAMBDA_ENV.controlPlaneRegion, LAMBDA_ENV.siteStateParameterPrefix, LAMBDA_ENV.alertTopicArn, LAMBDA_ENV.auditTable])(
    'fails with ConfigurationError naming %s when it is missing',
    (name) => {
      const e = env();
      delete e[name];
      expect(() => siteStateReconcilerAwsDeps(e)).toThrow(ConfigurationError);
      expect(() => siteStateReconcilerAwsDeps(e)).toThrow(name);
    },
  );

  it('refuses a control-plane region outside the config at cold start', () => {
    expect(() => siteStateReconcilerAwsDeps({ ...env(), [LAMBDA_ENV.controlPlaneRegion]: 'eu-west-1' })).toThrow(
      /CONTROL_PLANE_REGION is eu-west-1, which is not one of the configured regions/,
    );
  });

  it('a stale primary that came back: reads both switches in their own regions, writes its own, alerts and audits in its own region', async () => {
    const deps = siteStateReconcilerAwsDeps(env());
    expect(deps.region).toBe('us-east-1');
    expect(deps.clock).toBe(systemClock);
    mocks.ssm
      .on(GetParameterCommand, { Name: '/dr/orders/site-state/us-east-1' })
      .resolves({ Parameter: { Value: 'ACTIVE', LastModifiedDate: new Date('2025-01-01T08:00:00Z') } });
    mocks.ssm
      .on(GetParameterCommand, { Name: '/dr/orders/site-state/us-west-2' })
      .resolves({ Parameter: { Value: 'ACTIVE', LastModifiedDate: new Date('2025-01-02T02:50:00Z') } });
    mocks.ssm.on(PutParameterCommand).resolves({ Version: 3 });
    mocks.sns.on(PublishCommand).resolves({ MessageId: 'm' });
    mocks.ddb.on(PutCommand).resolves({});

    await expect(reconcileSiteState(deps)).resolves.toMatchObject({ action: 'fenced-self', region: 'us-east-1', peer: 'us-west-2' });

    expect(mocks.ssm).toHaveReceivedCommandTimes(PutParameterCommand, 1);
    expect(mocks.ssm).toHaveReceivedCommandWith(PutParameterCommand, { Name: '/dr/orders/site-state/us-east-1', Value: 'PASSIVE', Overwrite: true });
    expect(mocks.sns).toHaveReceivedCommandWith(PublishCommand, { TopicArn: 'arn:aws:sns:us-east-1:111122223333:alert' });
    expect(mocks.ddb).toHaveReceivedCommandWith(PutCommand, {
      TableName: 'audit-table',
      Item: expect.objectContaining({ incidentId: 'site-state-reconciler-us-east-1', outcome: 'FENCED_SELF' }),
    });
    for (const call of mocks.ssm.calls()) {
      const input = call.args[0].input as { Name: string };
      expect({ name: input.Name, region: await regionOf(call.thisValue) }).toEqual({ name: input.Name, region: input.Name.split('/').at(-1) });
    }
    for (const call of [...mocks.sns.calls(), ...mocks.ddb.calls()]) expect(await regionOf(call.thisValue)).toBe('us-east-1');
    await expect(deps.siteState.describe('eu-west-1')).rejects.toBeInstanceOf(InvalidInputError);
  });
});
