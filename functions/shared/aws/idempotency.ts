import { IdempotencyConfig, IdempotencyItemAlreadyExistsError, IdempotencyRecordStatus, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { BasePersistenceLayer, type IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { TransientError } from '../errors';
import { stepKey } from '../workflow';

/**
 * Powertools idempotency for the state-changing steps, keyed by execution + step (+ store). A Step Functions
 * Retry or a redrive of the same execution then gets the first successful result back instead of running
 * the step again; a failed attempt leaves no record, so its retry really runs.
 */

/** Step Functions lets an execution be redriven for 14 days; keep results a day longer than that. */
export const STEP_RESULT_TTL_SECONDS = 15 * 24 * 60 * 60;

export interface StepIdempotencyOptions {
  /** DynamoDB in AWS (`DynamoDBPersistenceLayer`), `InMemoryIdempotencyStore` in the drill and tests. */
  readonly persistenceStore: BasePersistenceLayer;
  /** @default STEP_RESULT_TTL_SECONDS */
  readonly expiresAfterSeconds?: number;
}

/**
 * One fixed prefix instead of Powertools' default (the Lambda function name, absent in the drill): the
 * keys already name the step, and Powertools re-sets the prefix on its shared store at every call, so
 * per-function prefixes on one store could cross between concurrent calls.
 */
const KEY_PREFIX = 'dr-step';

/** The key of a task payload `{ action, store?, state: { incidentId, execution: { id } } }` (`step`: the action it runs). */
export function stepIdempotencyKey(event: unknown, step: string): string | undefined {
  const e = event as { store?: unknown; state?: { incidentId?: unknown; execution?: { id?: unknown } } } | null;
  const incidentId = e?.state?.incidentId;
  if (typeof incidentId !== 'string' || incidentId.length === 0) return undefined;
  const executionId = typeof e?.state?.execution?.id === 'string' ? e.state.execution.id : undefined;
  return stepKey(executionId, incidentId, step, typeof e?.store === 'string' ? e.store : undefined);
}

export interface IdempotentSteps<R> {
  /** Runs `run`, or returns the stored result when this key already succeeded. */
  readonly run: (event: unknown) => Promise<R>;
  /** Registers the Lambda context, so an attempt killed by a timeout frees its key when its time is up. */
  readonly middleware: MiddlewareObj<unknown, unknown, Error, Context>;
}

/**
 * Wraps a use case. `keyOf` returns the idempotency key of an event, or undefined for calls that change
 * nothing (reports, reads) and must always run fresh.
 */
export function idempotentSteps<R>(
  run: (event: unknown) => Promise<R>,
  keyOf: (event: unknown) => string | undefined,
  opts: StepIdempotencyOptions,
): IdempotentSteps<R> {
  const config = new IdempotencyConfig({
    // The payload is `{ key, event }`: only the key is hashed, so a redrive with a newer state still matches.
    eventKeyJmesPath: 'key',
    expiresAfterSeconds: opts.expiresAfterSeconds ?? STEP_RESULT_TTL_SECONDS,
    throwOnNoIdempotencyKey: true,
  });
  const once = makeIdempotent(async (payload: { key: string; event: unknown }) => run(payload.event), {
    persistenceStore: opts.persistenceStore,
    config,
    keyPrefix: KEY_PREFIX,
  });
  return {
    middleware: {
      before: (request) => {
        config.registerLambdaContext(request.context);
      },
    },
    run: async (event) => {
      const key = keyOf(event);
      if (key === undefined) return run(event);
      try {
        return (await once({ key, event })) as R;
      } catch (err) {
        // Another attempt holds the key (a retry racing a slow first try), or the store hiccupped: both
        // clear up by themselves, so the ASL Retry (which matches TransientError) should try again.
        const name = (err as Error).name;
        if (name === 'IdempotencyAlreadyInProgressError' || name === 'IdempotencyPersistenceLayerError' || name === 'IdempotencyInconsistentStateError') {
          throw new TransientError(`Idempotency record for ${key}: ${(err as Error).message}`, { cause: err });
        }
        throw err;
      }
    },
  };
}

/**
 * A Powertools persistence layer in process memory: the drill's stand-in for the DynamoDB table, with the
 * same conditional-put rule (a key is taken unless its record expired or its in-progress lease ran out).
 */
export class InMemoryIdempotencyStore extends BasePersistenceLayer {
  private readonly records = new Map<string, IdempotencyRecord>();

  /** Keys holding a completed result (for tests and the drill report). */
  completedKeys(): string[] {
    return [...this.records.values()].filter((r) => r.getStatus() === IdempotencyRecordStatus.COMPLETED).map((r) => r.idempotencyKey);
  }

  protected async _getRecord(idempotencyKey: string): Promise<IdempotencyRecord> {
    const r = this.records.get(idempotencyKey);
    if (!r) {
      const err = new Error(`No idempotency record for ${idempotencyKey}`);
      err.name = 'IdempotencyItemNotFoundError';
      throw err;
    }
    return r;
  }

  protected async _putRecord(record: IdempotencyRecord): Promise<void> {
    const existing = this.records.get(record.idempotencyKey);
    const now = Date.now();
    const leaseOver =
      existing?.getStatus() === IdempotencyRecordStatus.INPROGRESS &&
      existing.inProgressExpiryTimestamp !== undefined &&
      existing.inProgressExpiryTimestamp < now;
    if (existing && !existing.isExpired() && !leaseOver) {
      throw new IdempotencyItemAlreadyExistsError(`Failed to put record for already existing idempotency key: ${record.idempotencyKey}`, existing);
    }
    this.records.set(record.idempotencyKey, record);
  }

  protected async _updateRecord(record: IdempotencyRecord): Promise<void> {
    this.records.set(record.idempotencyKey, record);
  }

  protected async _deleteRecord(record: IdempotencyRecord): Promise<void> {
    this.records.delete(record.idempotencyKey);
  }
}
