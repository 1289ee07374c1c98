import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { AwsReplicationHeartbeats } from '../shared/aws/aws-replication-heartbeats';
import { clientConfig } from '../shared/aws/clients';
import { configFromEnv, requireEnv } from '../shared/aws/environment';
import { LAMBDA_ENV } from '../../config/lambda-environment';
import { ConfigurationError, InvalidInputError } from '../shared/errors';
import { systemClock, type RegionName } from '../shared/ports';
import type { ReplicationHeartbeatDeps } from './replication-heartbeat';

/**
 * The heartbeat writer's real dependencies: clients for its own region only (it never writes the other region's
 * replicas: each region's copy writes its own, so a dark region's heartbeat stops by itself).
 */
export function replicationHeartbeatAwsDeps(env: NodeJS.ProcessEnv = process.env): ReplicationHeartbeatDeps {
  const config = configFromEnv(env);
  const region = requireEnv(LAMBDA_ENV.controlPlaneRegion, env);
  const regions = [config.regions.primary.name, config.regions.standby.name] as const;
  if (!regions.includes(region))
    throw new ConfigurationError(`${LAMBDA_ENV.controlPlaneRegion} is ${region}, which is not one of the configured regions (${regions.join(', ')})`);
  const own = <C>(make: (r: RegionName) => C) => {
    let client: C | undefined;
    return (r: RegionName): C => {
      if (r !== region) throw new InvalidInputError(`The heartbeat writer in ${region} writes its own region only, not ${r}`);
      client ??= make(r);
      return client;
    };
  };
  return {
    config,
    region,
    // One attempt each, short timeouts: the next beat is the retry.
    writer: new AwsReplicationHeartbeats({
      dynamoDbFor: own((r) => new DynamoDBClient({ ...clientConfig(r), maxAttempts: 1 })),
      s3For: own((r) => new S3Client({ ...clientConfig(r), maxAttempts: 1 })),
      regions,
    }),
    clock: systemClock,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}
