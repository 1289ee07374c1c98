import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DrConfig } from '../../../config/schema';
import { InvalidInputError } from '../errors';
import type { RegionName } from '../ports';

/**
 * What every composition root (functions/<name>/aws-deps.ts) builds its SDK clients with. Each root reads its
 * variables up front, so a missing one fails the first invocation with its name, not some later step halfway
 * through a failover.
 */

/**
 * Bounded timeouts on every client: a call into a dark region must fail within seconds (and be
 * handled as unreachable) rather than hang until the Lambda or the task times out.
 */
export function clientConfig(region: RegionName) {
  return {
    region,
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000 },
  };
}

/** One client per configured region, created on first use; any other region is refused. */
export function perRegion<C>(config: DrConfig, make: (region: RegionName) => C): (region: RegionName) => C {
  const allowed = [config.regions.primary.name, config.regions.standby.name];
  const clients = new Map<RegionName, C>();
  return (region) => {
    if (!allowed.includes(region)) throw new InvalidInputError(`Region ${region} is not one of the configured regions (${allowed.join(', ')})`);
    let client = clients.get(region);
    if (!client) {
      client = make(region);
      clients.set(region, client);
    }
    return client;
  };
}

export function documentClient(region: RegionName): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(region)), { marshallOptions: { removeUndefinedValues: true } });
}
