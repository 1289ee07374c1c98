import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LAMBDA_ENV } from '../../config/lambda-environment';
import { awsReplicaReadings } from '../shared/aws/aws-replica-readings';
import { clientConfig, documentClient } from '../shared/aws/clients';
import { DynamoDbAuditLog } from '../shared/aws/dynamodb-audit-log';
import { DynamoDbComparisonStore } from '../shared/aws/dynamodb-comparison-store';
import { configFromEnv, requireEnv } from '../shared/aws/environment';
import { systemClock } from '../shared/ports';
import type { DataConsistencyValidatorDeps } from './data-consistency-validator';

/** The validator's real dependencies, from the environment the control-plane stack sets (every variable read up front). */
export function dataConsistencyValidatorAwsDeps(env: NodeJS.ProcessEnv = process.env): DataConsistencyValidatorDeps {
  const config = configFromEnv(env);
  const region = requireEnv(LAMBDA_ENV.controlPlaneRegion, env);
  const auditTable = requireEnv(LAMBDA_ENV.auditTable, env);
  const comparisonTable = requireEnv(LAMBDA_ENV.comparisonTable, env);
  return {
    config,
    // Lag evidence and the replicas' items (CloudWatch, DynamoDB, S3); it never promotes, so no RDS client.
    dataStores: awsReplicaReadings(config),
    // The comparison's parts stay in this region: the copy activating it runs the whole comparison.
    work: new DynamoDbComparisonStore({ dynamoDb: new DynamoDBClient(clientConfig(region)), tableName: comparisonTable }),
    audit: new DynamoDbAuditLog({ documentClient: documentClient(region), tableName: auditTable }),
    clock: systemClock,
  };
}
