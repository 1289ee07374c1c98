import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { ConditionalCheckFailedException, DeleteItemCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createHandler as orchestratorHandler } from '../../functions/failover-orchestrator/handler';
import { InMemoryIdempotencyStore } from '../../functions/shared/aws/idempotency';
import { createHandler as trafficHandler } from '../../functions/traffic-router/handler';
import { createLogger } from '../../functions/shared/middleware';
import { TransientError } from '../../functions/shared/errors';
import type { AuditEntry, DataStores, SiteState, SiteStateValue, TrafficControl } from '../../functions/shared/ports';
import { fakeLambdaContext } from '../../local/world/approval-server';
import { config, fixedClock } from './aws/fixtures';
import { fakeDataStores } from '../support/data-stores';

const EAST = 'us-east-1';
const WEST = 'us-west-2';
const logger = createLogger('test', 'SILENT');
const ctx = fakeLambdaContext('test');

const state = (executionId: string) => ({
  incidentId: 'inc-1',
  fromRegion: EAST,
  toRegion: WEST,
  trigger: { source: 'manual', at: '2025-01-02T03:04:05.000Z' },
  execution: { id: executionId, name: 'n', startedAt: '2025-01-02T03:04:05.000Z' },
  health: { verdict: 'FAILOVER_WARRANTED' },
});

function fakes() {
  const sites: Record<string, SiteStateValue> = { [EAST]: 'ACTIVE', [WEST]: 'PASSIVE' };
  const siteState: SiteState & { sets: number; gets: number } = {
    sets: 0,
    gets: 0,
    async get(r) {
      this.gets++;
      return sites[r];
    },
    async set(r, v) {
      this.sets++;
      sites[r] = v;
    },
  };
  const promotions: string[] = [];
  const dataStores: DataStores = fakeDataStores({
    promote: async (store, to) => {
      promotions.push(store.name);
      return { store: store.name, kind: store.kind, action: store.kind === 'aurora-global' ? 'failover' : 'none', detail: `promoted ${store.name} to ${to}` };
    },
  });
  const audit: AuditEntry[] = [];
  return { siteState, dataStores, promotions, audit, auditLog: { record: async (e: AuditEntry) => void audit.push(e) } };
}

function orchestrator(store = new InMemoryIdempotencyStore(), f = fakes()) {
  const handler = orchestratorHandler({
    config,
    siteState: f.siteState,
    dataStores: f.dataStores,
    scaler: { scale: async () => Promise.reject(new Error('not used')) },
    audit: f.auditLog,
    clock: fixedClock(),
    logger,
    idempotency: { persistenceStore: store },
  });
  return { handler, f, store };
}

describe('step idempotency (Powertools, keyed by execution + step + store)', () => {
  it('invoked twice with the same execution and step, fence changes the site state once and returns the same result', async () => {
    const { handler, f } = orchestrator();
    const first = await handler({ action: 'fence', state: state('exec-1') }, ctx);
    const second = await handler({ action: 'fence', state: state('exec-1') }, ctx);
    expect(second).toEqual(first);
    expect(f.siteState.sets).toBe(1);
    // The use case ran once: one read, one audit record.
    expect(f.siteState.gets).toBe(1);
    expect(f.audit.filter((e) => e.step === 'FenceOldPrimary')).toHaveLength(1);
  });

  it('another execution is another key: the step runs again (and, reading first, changes nothing)', async () => {
    const { handler, f } = orchestrator();
    await handler({ action: 'fence', state: state('exec-1') }, ctx);
    const again = await handler({ action: 'fence', state: state('exec-2') }, ctx);
    expect(f.siteState.gets).toBe(2);
    expect(f.siteState.sets).toBe(1);
    expect(again).toMatchObject({ changed: false, summary: `${EAST} already PASSIVE.` });
  });

  it('promotion is keyed per store: each store once, however often the Map iteration is retried', async () => {
    const { handler, f } = orchestrator();
    for (let i = 0; i < 2; i++) {
      await handler({ action: 'promote', store: 'ledger', state: state('exec-1') }, ctx);
      await handler({ action: 'promote', store: 'orders', state: state('exec-1') }, ctx);
    }
    expect(f.promotions.sort()).toEqual(['ledger', 'orders']);
  });

  it('a failed attempt leaves no record, so its retry really runs; after a success, nothing runs again', async () => {
    const f = fakes();
    let calls = 0;
    f.dataStores.promote = async (store) => {
      calls++;
      if (calls === 1) throw new TransientError('throttled');
      return { store: store.name, kind: store.kind, action: 'failover', detail: 'done' };
    };
    const { handler } = orchestrator(undefined, f);
    const event = { action: 'promote', store: 'ledger', state: state('exec-1') };
    await expect(handler(event, ctx)).rejects.toBeInstanceOf(TransientError);
    await expect(handler(event, ctx)).resolves.toMatchObject({ action: 'failover' });
    await expect(handler(event, ctx)).resolves.toMatchObject({ action: 'failover' });
    expect(calls).toBe(2);
  });

  it('traffic-router: two ShiftTraffic invocations of one execution move traffic once', async () => {
    let shifts = 0;
    let weights: Record<string, number> = { [EAST]: 100, [WEST]: 0 };
    const traffic: TrafficControl = {
      strategy: 'fake',
      describe: async () => ({ weights }),
      shiftTo: async (to, from) => {
        shifts++;
        const before = { weights };
        weights = { [to]: 100, [from]: 0 };
        return { before, after: { weights }, via: 'fake' };
      },
    };
    const handler = trafficHandler({
      config,
      traffic,
      audit: { record: async () => undefined },
      clock: fixedClock(),
      logger,
      idempotency: { persistenceStore: new InMemoryIdempotencyStore() },
    });
    const first = await handler({ action: 'shift', state: state('exec-1') }, ctx);
    const second = await handler({ action: 'shift', state: state('exec-1') }, ctx);
    expect(shifts).toBe(1);
    expect(second).toEqual(first);
  });

  describe('with the DynamoDB persistence layer the Lambda uses', () => {
    const ddb = new DynamoDBClient({ region: WEST });
    const ddbMock = mockClient(ddb);
    beforeEach(() => ddbMock.reset());

    it('claims the key with a conditional put and stores the result; a retry finding it COMPLETED gets that result back', async () => {
      const store = new DynamoDBPersistenceLayer({ tableName: 'idem', awsSdkV3Client: ddb });
      const { handler, f } = orchestrator(store as never);
      ddbMock.on(PutItemCommand).resolvesOnce({});
      ddbMock.on(UpdateItemCommand).resolves({});
      const first = await handler({ action: 'activate', state: state('exec-1') }, ctx);
      expect(f.siteState.sets).toBe(1);
      expect(ddbMock).toHaveReceivedCommandWith(PutItemCommand, { TableName: 'idem', ConditionExpression: expect.stringContaining('attribute_not_exists') });
      const saved = ddbMock.commandCalls(UpdateItemCommand)[0].args[0].input;
      const key = (saved.Key as { id: { S: string } }).id.S;
      expect(key).toMatch(/^dr-step#/);

      // The second invocation: DynamoDB refuses the put and returns the stored item.
      ddbMock.on(PutItemCommand).rejects(
        new ConditionalCheckFailedException({
          message: 'The conditional request failed',
          $metadata: {},
          Item: marshall({ id: key, status: 'COMPLETED', expiration: Math.floor(Date.now() / 1000) + 3600, data: first }),
        }),
      );
      const second = await handler({ action: 'activate', state: state('exec-1') }, ctx);
      expect(second).toEqual(first);
      expect(f.siteState.sets).toBe(1);
      expect(ddbMock).not.toHaveReceivedCommand(DeleteItemCommand);
    });

    it('a retry that finds the first attempt still IN_PROGRESS gets a TransientError for the ASL Retry', async () => {
      const store = new DynamoDBPersistenceLayer({ tableName: 'idem', awsSdkV3Client: ddb });
      const { handler, f } = orchestrator(store as never);
      ddbMock.on(PutItemCommand).rejects(
        new ConditionalCheckFailedException({
          message: 'The conditional request failed',
          $metadata: {},
          Item: marshall({
            id: 'dr-step#x',
            status: 'INPROGRESS',
            expiration: Math.floor(Date.now() / 1000) + 3600,
            in_progress_expiration: Date.now() + 60_000,
          }),
        }),
      );
      await expect(handler({ action: 'activate', state: state('exec-1') }, ctx)).rejects.toBeInstanceOf(TransientError);
      expect(f.siteState.sets).toBe(0);
    });
  });
});
