import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RDSClient } from '@aws-sdk/client-rds';
import { Route53Client } from '@aws-sdk/client-route-53';
import { Route53RecoveryClusterClient } from '@aws-sdk/client-route53-recovery-cluster';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
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
  /** The clients only `drctl doctor` reads with; optional like `dynamodb`. */
  cloudformation?(region: string): CloudFormationClient;
  cloudwatch?(region: string): CloudWatchClient;
  sns?(region: string): SNSClient;
  /** Route 53 is global: its control plane answers in us-east-1. */
  route53?(): Route53Client;
  rds?(region: string): RDSClient;
  s3?(region: string): S3Client;
  /** A client bound to one ARC cluster data-plane endpoint (its region signs the request). */
  arc?(endpoint: { region: string; endpoint: string }): Route53RecoveryClusterClient;
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
  // Each kind of client once per region (or endpoint), created on first use.
  const cache = new Map<string, unknown>();
  const once = <T>(key: string, make: () => T): T => (cache.get(key) as T | undefined) ?? (cache.set(key, make()).get(key) as T);
  return {
    sfn: (region) => sfn.get(region) ?? sfn.set(region, new SFNClient(clientConfig(region, session, credentials))).get(region)!,
    ssm: (region) => ssm.get(region) ?? ssm.set(region, new SSMClient(clientConfig(region, session, credentials))).get(region)!,
    dynamodb: (region) => dynamodb.get(region) ?? dynamodb.set(region, new DynamoDBClient(clientConfig(region, session, credentials))).get(region)!,
    signedFetch: (region) => signedFetch(region, credentials),
    cloudformation: (region) => once(`cloudformation:${region}`, () => new CloudFormationClient(clientConfig(region, session, credentials))),
    cloudwatch: (region) => once(`cloudwatch:${region}`, () => new CloudWatchClient(clientConfig(region, session, credentials))),
    sns: (region) => once(`sns:${region}`, () => new SNSClient(clientConfig(region, session, credentials))),
    route53: () => once('route53', () => new Route53Client(clientConfig('us-east-1', session, credentials))),
    rds: (region) => once(`rds:${region}`, () => new RDSClient(clientConfig(region, session, credentials))),
    s3: (region) => once(`s3:${region}`, () => new S3Client(clientConfig(region, session, credentials))),
    arc: (e) => once(`arc:${e.endpoint}`, () => new Route53RecoveryClusterClient({ ...clientConfig(e.region, session, credentials), endpoint: e.endpoint })),
  };
}
