import { createHash } from 'node:crypto';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry, AuditLog } from '../ports';
import { callAws } from './sdk-errors';

export interface DynamoDbAuditLogProps {
  readonly documentClient: DynamoDBDocumentClient;
  /** Partition key `incidentId` (string), sort key `sk` (string). */
  readonly tableName: string;
}

/** DynamoDB items stop at 400 KB; the rest of the item is small, so the detail gets 300 KB. */
export const MAX_DETAIL_BYTES = 300 * 1024;

/** Cuts `text` to at most `maxBytes` of UTF-8 without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): { text: string; truncated: boolean } {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return { text, truncated: false };
  let end = maxBytes;
  // Back up over continuation bytes (10xxxxxx) to the start of the character that does not fit.
  while (end > 0 && (buf[end] & 0xc0) === 0x80) end--;
  return { text: buf.subarray(0, end).toString('utf8'), truncated: true };
}

function serialize(detail: unknown): string {
  try {
    return JSON.stringify(detail) ?? 'null';
  } catch (err) {
    // A detail that JSON cannot express (a cycle, a BigInt) must not lose the audit record itself.
    return JSON.stringify({ unserializable: String(detail), error: (err as Error).message });
  }
}

/**
 * The durable record of every step (Step Functions keeps history only 90 days). One item per entry:
 * partition key `incidentId`, sort key `sk` = `${at}#${step}#${hash}`, so an incident reads in order.
 * The short content hash keeps two entries written in the same millisecond by the same step (the
 * per-store promotions run in parallel) from overwriting each other, while a Lambda retry of the very
 * same entry still lands on the same item.
 */
export class DynamoDbAuditLog implements AuditLog {
  constructor(private readonly props: DynamoDbAuditLogProps) {}

  async record(entry: AuditEntry): Promise<void> {
    const { text: detail, truncated } = truncateUtf8(serialize(entry.detail), MAX_DETAIL_BYTES);
    const hash = createHash('sha256').update(`${entry.executionId}\n${entry.outcome}\n${detail}`).digest('hex').slice(0, 8);
    await callAws('DynamoDB PutItem audit', () =>
      this.props.documentClient.send(
        new PutCommand({
          TableName: this.props.tableName,
          Item: {
            sk: `${entry.at}#${entry.step}#${hash}`,
            incidentId: entry.incidentId,
            executionId: entry.executionId,
            step: entry.step,
            outcome: entry.outcome,
            at: entry.at,
            detail,
            ...(truncated ? { detailTruncated: true } : {}),
          },
        }),
      ),
    );
  }
}
