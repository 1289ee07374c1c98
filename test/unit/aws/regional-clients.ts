import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';

/**
 * One client per region and service, each mocked on its own, so a test can prove which region was (not) called: what
 * the data-stores adapters (functions/shared/aws) are given. Each test file gets its own (jest loads modules per file).
 */

export const EAST = 'us-east-1' as const;
export const WEST = 'us-west-2' as const;
export const NOW = '2025-01-02T03:04:05.000Z';
export const EAST_ARN = 'arn:aws:rds:us-east-1:111122223333:cluster:ledger-use1';
export const WEST_ARN = 'arn:aws:rds:us-west-2:111122223333:cluster:ledger-usw2';

export const cw = { [EAST]: new CloudWatchClient({ region: EAST }), [WEST]: new CloudWatchClient({ region: WEST }) } as Record<string, CloudWatchClient>;
export const rds = { [EAST]: new RDSClient({ region: EAST }), [WEST]: new RDSClient({ region: WEST }) } as Record<string, RDSClient>;
export const ddb = { [EAST]: new DynamoDBClient({ region: EAST }), [WEST]: new DynamoDBClient({ region: WEST }) } as Record<string, DynamoDBClient>;
export const s3 = { [EAST]: new S3Client({ region: EAST }), [WEST]: new S3Client({ region: WEST }) } as Record<string, S3Client>;
export const cwMock = { [EAST]: mockClient(cw[EAST]), [WEST]: mockClient(cw[WEST]) };
export const rdsMock = { [EAST]: mockClient(rds[EAST]), [WEST]: mockClient(rds[WEST]) };
export const ddbMock = { [EAST]: mockClient(ddb[EAST]), [WEST]: mockClient(ddb[WEST]) };
export const s3Mock = { [EAST]: mockClient(s3[EAST]), [WEST]: mockClient(s3[WEST]) };

/** Call in a beforeEach: every mock forgets its calls and answers. */
export function resetRegionalMocks(): void {
  for (const m of [cwMock, rdsMock, ddbMock, s3Mock]) for (const r of [EAST, WEST] as const) m[r].reset();
}
