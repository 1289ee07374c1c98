/**
 * The replication heartbeat's reserved names, shared by the writer (functions/replication-heartbeat), the readers
 * (AssessDataRisk, ResyncCheck) and the comparison, which must never count them as application data: each region
 * writes its own item, so the two replicas hold both regions' items and, while replication lags, different values.
 */

/** Partition key value (string key) of the heartbeat item a region writes into a DynamoDB global table. */
export const HEARTBEAT_KEY_PREFIX = 'regionflip#heartbeat#';

/** Object key prefix of the heartbeat objects in replicated S3 buckets (the replication rule must cover it). */
export const S3_HEARTBEAT_PREFIX = '.regionflip/heartbeat/';

/** Partition key value for tables keyed by a number: one reserved negative number per configured region. */
const NUMERIC_HEARTBEAT_KEYS = ['-9007199254740990', '-9007199254740991'] as const;

export function heartbeatKey(origin: string): string {
  return `${HEARTBEAT_KEY_PREFIX}${origin}`;
}

/** The number a region's heartbeat item uses as its partition key in a table keyed by a number. */
export function numericHeartbeatKey(origin: string, regions: readonly [string, string]): string {
  const i = regions.indexOf(origin);
  if (i < 0) throw new Error(`${origin} is not one of the configured regions (${regions.join(', ')})`);
  return NUMERIC_HEARTBEAT_KEYS[i];
}

/** True for a partition key value (as text) that belongs to a heartbeat, whatever the key's type. */
export function isHeartbeatKey(partitionKey: string): boolean {
  return partitionKey.startsWith(HEARTBEAT_KEY_PREFIX) || (NUMERIC_HEARTBEAT_KEYS as readonly string[]).includes(partitionKey);
}

export function s3HeartbeatKey(origin: string): string {
  return `${S3_HEARTBEAT_PREFIX}${origin}`;
}
