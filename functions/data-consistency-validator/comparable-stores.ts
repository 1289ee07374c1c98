import type { DataStoreConfig } from '../../config/schema';
import type { ItemValue } from '../shared/ports';
import { hashValue } from './compare';

/**
 * How each kind of store is compared, the one place that says so. A DynamoDB table is read in parallel-scan segments
 * (its size decides how many); an S3 bucket is one listing. Aurora rows are not compared: that needs database
 * credentials the control plane does not hold, and its replication lag metric is the evidence there. A store that
 * is not compared item by item is never "0 missing": its comparison is incomplete, and says why.
 */
export type ComparisonShape = { readonly compared: true; readonly splittable: boolean } | { readonly compared: false; readonly detail: string };

export function comparisonShape(store: DataStoreConfig): ComparisonShape {
  switch (store.kind) {
    case 'dynamodb-global-table':
      return { compared: true, splittable: true };
    case 's3-replicated':
      return { compared: true, splittable: false };
    case 'aurora-global':
      return {
        compared: false,
        detail: `Aurora global cluster ${store.globalClusterIdentifier}: rows not compared (that needs database credentials); its replication lag metric is the evidence.`,
      };
  }
}

/** The hash the digests and key diffs compare: an item's text is hashed, a number standing for its value is taken as it is. */
export function itemHash(value: ItemValue): number {
  return typeof value === 'number' ? value : hashValue(value);
}
