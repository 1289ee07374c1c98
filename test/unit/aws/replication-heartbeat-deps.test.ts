import { DescribeTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { replicationHeartbeatAwsDeps } from '../../../functions/replication-heartbeat/aws-deps';
import { LAMBDA_ENV } from '../../../config/lambda-environment';
import { ConfigurationError, InvalidInputError } from '../../../functions/shared/errors';
import { systemClock } from '../../../functions/shared/ports';
import { bundledConfigEnv, store } from './fixtures';

const env = (): NodeJS.ProcessEnv => ({ ...bundledConfigEnv(), [LAMBDA_ENV.controlPlaneRegion]: 'us-west-2' });
const mocks = { ddb: mockClient(DynamoDBClient), s3: mockClient(S3Client) };
beforeEach(() => {
  for (const m of Object.values(mocks)) m.reset();
});
const regionOf = (client: unknown) => (client as { config: { region: () => Promise<string> } }).config.region();

describe('replicationHeartbeatAwsDeps', () => {
  it.each(['LAMBDA_TASK_ROOT', LAMBDA_ENV.controlPlaneRegion])('fails with ConfigurationError naming %s when it is missing', (name) => {
    const e = env();
    delete e[name];
    expect(() => replicationHeartbeatAwsDeps(e)).toThrow(ConfigurationError);
    expect(() => replicationHeartbeatAwsDeps(e)).toThrow(name);
  });

  it('refuses a control-plane region outside the config at cold start', () => {
    expect(() => replicationHeartbeatAwsDeps({ ...env(), [LAMBDA_ENV.controlPlaneRegion]: 'eu-west-1' })).toThrow(/not one of the configured regions/);
  });

  it('writes its own region only: the table and the bucket of us-west-2, with one attempt per call', async () => {
    const deps = replicationHeartbeatAwsDeps(env());
    expect(deps).toMatchObject({ region: 'us-west-2', clock: systemClock });
    mocks.ddb
      .on(DescribeTableCommand)
      .resolves({ Table: { KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }] } });
    mocks.ddb.on(PutItemCommand).resolves({});
    mocks.s3.on(PutObjectCommand).resolves({});
    await deps.writer.beat(store('dynamodb-global-table'), 'us-west-2', 5);
    await deps.writer.beat(store('s3-replicated'), 'us-west-2', 5);
    expect(mocks.ddb).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: 'orders-table',
      Item: expect.objectContaining({ id: { S: 'regionflip#heartbeat#us-west-2' } }),
    });
    expect(mocks.s3).toHaveReceivedCommandWith(PutObjectCommand, { Bucket: 'invoices-usw2', Key: '.regionflip/heartbeat/us-west-2' });
    for (const call of [...mocks.ddb.calls(), ...mocks.s3.calls()]) {
      expect(await regionOf(call.thisValue)).toBe('us-west-2');
      expect(await (call.thisValue as { config: { maxAttempts: () => Promise<number> } }).config.maxAttempts()).toBe(1);
    }
    await expect(deps.writer.beat(store('dynamodb-global-table'), 'us-east-1', 5)).rejects.toBeInstanceOf(InvalidInputError);
  });
});
