import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';

/** The audit trail is append-only: each function may add items, never read or change them. */
export function grantAuditWrites(auditTable: dynamodb.ITable, writers: readonly iam.IGrantable[]): void {
  for (const fn of writers) auditTable.grant(fn, 'dynamodb:PutItem');
}

/** Powertools: conditional put (claim the key), get (read a stored result), update (save it), delete (free it after a failure). */
export function grantIdempotencyRecords(idempotencyTable: dynamodb.ITable, steps: readonly iam.IGrantable[]): void {
  for (const fn of steps) idempotencyTable.grant(fn, 'dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem');
}
