import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { MissingWritesReportWriter } from '../../../functions/data-consistency-validator/missing-writes-report';
import { DynamoDbAuditLog, MAX_DETAIL_BYTES, truncateUtf8 } from '../../../functions/shared/aws/dynamodb-audit-log';
import { TransientError } from '../../../functions/shared/errors';
import type { AuditEntry } from '../../../functions/shared/ports';
import { awsError } from './fixtures';

const doc = mockClient(DynamoDBDocumentClient);
const TABLE = 'orders-dr-audit';
const log = () => new DynamoDbAuditLog({ documentClient: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-west-2' })), tableName: TABLE });

const entry: AuditEntry = {
  incidentId: 'inc-1',
  executionId: 'exec-1',
  step: 'ShiftTraffic',
  outcome: 'SHIFTED',
  detail: { via: 'route53', weights: { 'us-west-2': 100 } },
  at: '2025-01-02T03:04:05.000Z',
};

const items = () => doc.commandCalls(PutCommand).map((c) => c.args[0].input.Item!);

beforeEach(() => {
  doc.reset();
  doc.on(PutCommand).resolves({});
});

describe('DynamoDbAuditLog', () => {
  it('puts one item keyed by incident and time#step, with the detail as JSON', async () => {
    await log().record(entry);
    expect(doc).toHaveReceivedCommandTimes(PutCommand, 1);
    const input = doc.commandCalls(PutCommand)[0].args[0].input;
    expect(input.TableName).toBe(TABLE);
    expect(input.Item).toEqual({
      sk: expect.stringMatching(/^2025-01-02T03:04:05\.000Z#ShiftTraffic#[0-9a-f]{8}$/),
      incidentId: 'inc-1',
      executionId: 'exec-1',
      step: 'ShiftTraffic',
      outcome: 'SHIFTED',
      at: '2025-01-02T03:04:05.000Z',
      detail: JSON.stringify(entry.detail),
    });
  });

  it('gives a retried entry the same key and two different entries of the same step and millisecond different keys', async () => {
    const promote = (store: string): AuditEntry => ({ ...entry, step: 'promote', outcome: 'DONE', detail: { store } });
    await log().record(promote('orders'));
    await log().record(promote('orders'));
    await log().record(promote('ledger'));
    const [a, again, b] = items();
    expect(again.sk).toBe(a.sk);
    expect(b.sk).not.toBe(a.sk);
  });

  it('truncates a huge detail under 300 KB and flags it', async () => {
    await log().record({ ...entry, detail: { blob: '€'.repeat(200_000) } });
    const item = items()[0];
    expect(Buffer.byteLength(item.detail as string, 'utf8')).toBeLessThanOrEqual(MAX_DETAIL_BYTES);
    expect(Buffer.byteLength(item.detail as string, 'utf8')).toBeGreaterThan(MAX_DETAIL_BYTES - 4);
    expect(item.detail as string).not.toContain('\ufffd');
    expect(item.detailTruncated).toBe(true);
  });

  it('still records a detail JSON cannot express', async () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    await log().record({ ...entry, detail: cyclic });
    expect(JSON.parse(items()[0].detail as string)).toEqual(expect.objectContaining({ unserializable: expect.any(String) }));
  });

  it('turns throttling into TransientError', async () => {
    doc.on(PutCommand).rejects(awsError('ProvisionedThroughputExceededException'));
    await expect(log().record(entry)).rejects.toBeInstanceOf(TransientError);
  });
});

describe('the missing-writes report in DynamoDB', () => {
  /** DynamoDB's item size: UTF-8 bytes of every attribute name and string value (all of these attributes are strings). */
  const itemBytes = (item: Record<string, unknown>) => Object.entries(item).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(String(v)), 0);

  it('splits thousands of long multi-byte keys into items under 400 KB, none truncated, holding every key', async () => {
    // 3,000 keys of 1,000 characters, a third of them 3-byte characters: about 5 MB of UTF-8.
    const keys = Array.from({ length: 3_000 }, (_, i) => `${i}/`.padEnd(1_000, i % 3 === 0 ? '€' : 'k'));
    const writer = new MissingWritesReportWriter({
      audit: log(),
      incidentId: 'inc-1',
      executionId: 'exec-1',
      at: entry.at,
      fromRegion: 'us-east-1',
      toRegion: 'us-west-2',
    });
    await writer.add('orders', { missingInTarget: keys.slice(0, 2_000), differing: keys.slice(2_000) });
    const pointer = await writer.finish({ missingWrites: 2_000 }, 'WRITES_MISSING');

    const written = items();
    expect(written).toHaveLength(pointer.parts + 1);
    expect(pointer.parts).toBeGreaterThan(10);
    for (const item of written) {
      expect(item.detailTruncated).toBeUndefined();
      expect(itemBytes(item)).toBeLessThan(400 * 1024);
      expect(item.sk as string).toMatch(new RegExp(`^${pointer.sortKeyPrefix}[:#]`));
    }
    const stored = written.flatMap((item) => {
      const lists = (JSON.parse(item.detail as string) as { stores?: Record<string, { missingInTarget: string[]; differing: string[] }> }).stores;
      return Object.values(lists ?? {}).flatMap((l) => [...l.missingInTarget, ...l.differing]);
    });
    expect(stored.sort()).toEqual([...keys].sort());
  });
});

describe('truncateUtf8', () => {
  it('never splits a multi-byte character', () => {
    expect(truncateUtf8('a€b', 3)).toEqual({ text: 'a', truncated: true });
    expect(truncateUtf8('a€b', 4)).toEqual({ text: 'a€', truncated: true });
    expect(truncateUtf8('a€b', 5)).toEqual({ text: 'a€b', truncated: false });
  });
});
