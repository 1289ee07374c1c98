import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LAMBDA_ENV } from '../../../config/lambda-environment';
import type { RegionName } from '../ports';
import { clientConfig } from './clients';
import { requireEnv } from './environment';
import type { StepIdempotencyOptions } from './idempotency';

/** Step results live in this region's table (IDEMPOTENCY_TABLE): each copy of the control plane keeps its own. */
export function idempotencyTable(region: RegionName, env: NodeJS.ProcessEnv): StepIdempotencyOptions {
  const tableName = requireEnv(LAMBDA_ENV.idempotencyTable, env);
  return { persistenceStore: new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: new DynamoDBClient(clientConfig(region)) }) };
}
