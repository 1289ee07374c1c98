import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { LAMBDA_ENV } from '../../../config/lambda-environment';
import { dataConsistencyValidatorAwsDeps } from '../../../functions/data-consistency-validator/aws-deps';
import { AwsReplicaReadings } from '../../../functions/shared/aws/aws-replica-readings';
import { DynamoDbComparisonStore } from '../../../functions/shared/aws/dynamodb-comparison-store';
import { itFailsNamingEachMissingVariable, lambdaEnv, regionOf } from './fixtures';

describe('dataConsistencyValidatorAwsDeps', () => {
  const doc = mockClient(DynamoDBDocumentClient);
  beforeEach(() => doc.reset());

  it('builds every port from a full environment', () => {
    const deps = dataConsistencyValidatorAwsDeps(lambdaEnv());
    expect(Object.keys(deps).sort()).toEqual(['audit', 'clock', 'config', 'dataStores', 'work']);
    expect(deps.dataStores).toBeInstanceOf(AwsReplicaReadings);
    expect(deps.work).toBeInstanceOf(DynamoDbComparisonStore);
  });

  itFailsNamingEachMissingVariable(dataConsistencyValidatorAwsDeps, [
    'LAMBDA_TASK_ROOT',
    LAMBDA_ENV.controlPlaneRegion,
    LAMBDA_ENV.auditTable,
    LAMBDA_ENV.comparisonTable,
  ]);

  it('audit goes to AUDIT_TABLE through a document client that drops undefined values', async () => {
    doc.on(PutCommand).resolves({});
    await dataConsistencyValidatorAwsDeps(lambdaEnv()).audit.record({ incidentId: 'i', executionId: 'e', step: 's', outcome: 'o', detail: {}, at: 'now' });
    expect(doc).toHaveReceivedCommandWith(PutCommand, { TableName: 'audit-table' });
    const client = doc.call(0).thisValue as DynamoDBDocumentClient;
    expect(await regionOf(client)).toBe('us-west-2');
    expect(client.config.translateConfig?.marshallOptions?.removeUndefinedValues).toBe(true);
  });
});
