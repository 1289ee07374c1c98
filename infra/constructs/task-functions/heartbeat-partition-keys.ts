import { heartbeatKey, numericHeartbeatKey } from '../../../functions/shared/heartbeat';

/**
 * The partition key values of the heartbeat items of `regions`: strings for tables keyed by a string, the reserved
 * numbers for tables keyed by a number (IAM compares the key's value as text). The writer (replication-heartbeat.ts)
 * and the reader (the data-consistency validator) are scoped to them.
 */
export function heartbeatPartitionKeys(configured: readonly [string, string], of: readonly string[] = configured): string[] {
  return of.flatMap((r) => [heartbeatKey(r), numericHeartbeatKey(r, configured)]);
}
