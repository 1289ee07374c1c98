import type { DataStoreConfig } from '../../../config/schema';
import { InvalidInputError } from '../errors';
import type { RegionName } from '../ports';

type AuroraStore = Extract<DataStoreConfig, { kind: 'aurora-global' }>;
type S3Store = Extract<DataStoreConfig, { kind: 's3-replicated' }>;

/** The Aurora cluster of `store` in `region`, as the config names it. */
export function auroraClusterArn(store: AuroraStore, region: RegionName): string {
  const arn = store.clusterArns[region];
  if (!arn) throw new InvalidInputError(`Data store ${store.name} has no cluster ARN for region ${region}`);
  return arn;
}

/** The bucket of `store` in `region`, as the config names it. */
export function bucketIn(store: S3Store, region: RegionName): string {
  const bucket = store.buckets[region];
  if (!bucket) throw new InvalidInputError(`Data store ${store.name} has no bucket for region ${region}`);
  return bucket;
}
