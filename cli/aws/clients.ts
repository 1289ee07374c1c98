import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import { credentialsFor, type AwsSession } from './session';
import { signedFetch, type SignedFetch } from './signed-fetch';

/** The SDK clients the AWS commands use, one per region; tests swap in mocked ones. */
export interface AwsClients {
  sfn(region: string): SFNClient;
  ssm(region: string): SSMClient;
  /** The audit table (`drctl report`); optional so callers that never read it need not provide it. */
  dynamodb?(region: string): DynamoDBClient;
  /** SigV4-signed calls to API Gateway (`drctl approve|reject`); optional like `dynamodb`. */
  signedFetch?(region: string): SignedFetch;
}

/** Builds the clients for a command once its flags are known (`--profile`); tests pass their own. */
export type AwsClientsFactory = (session: AwsSession) => AwsClients;

/**
 * Short timeouts: during an incident one region is usually dark, and `drctl status` must report it
 * as unreachable within seconds instead of hanging on it. The region is always explicit (it comes
 * from the config), so the profile's `region` setting never decides where a failover runs.
 */
const clientConfig = (region: string, session: AwsSession, credentials: ReturnType<typeof credentialsFor>) => ({
  region,
  credentials,
  // The profile's other settings (endpoint_url, retry mode, ...) apply as they would in the AWS CLI.
  ...(session.profile ? { profile: session.profile } : {}),
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000 },
});

export function defaultClients(session: AwsSession = {}): AwsClients {
  const credentials = credentialsFor(session);
  const sfn = new Map<string, SFNClient>();
  const ssm = new Map<string, SSMClient>();
  const dynamodb = new Map<string, DynamoDBClient>();
  return {
    sfn: (region) => sfn.get(region) ?? sfn.set(region, new SFNClient(clientConfig(region, session, credentials))).get(region)!,
    ssm: (region) => ssm.get(region) ?? ssm.set(region, new SSMClient(clientConfig(region, session, credentials))).get(region)!,
    dynamodb: (region) => dynamodb.get(region) ?? dynamodb.set(region, new DynamoDBClient(clientConfig(region, session, credentials))).get(region)!,
    signedFetch: (region) => signedFetch(region, credentials),
  };
}
