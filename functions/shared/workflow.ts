// Namespace import keeps zod's locales out of the bundles (see config/schema.ts).
import * as z from 'zod';
import { InvalidInputError } from './errors';

/**
 * The execution input of the failover state machine and the state it accumulates.
 * Tasks receive `{ ..., state: <the whole state> }` and validate the part they need.
 */
export const failoverRequestSchema = z.object({
  incidentId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -'),
  direction: z.enum(['failover', 'failback']).default('failover'),
  fromRegion: z.string().min(1),
  toRegion: z.string().min(1),
  trigger: z.object({
    source: z.enum(['alarm', 'manual', 'drill']),
    at: z.iso.datetime({ error: 'must be an ISO 8601 timestamp' }),
    alarms: z.array(z.string()).optional(),
    reason: z.string().max(500).optional(),
  }),
  dryRun: z.boolean().default(false),
  /** Overrides the config's approval mode for this execution (drctl drill --approval-mode). */
  approvalMode: z.enum(['required', 'auto-when-safe']).optional(),
});
export type FailoverRequest = z.infer<typeof failoverRequestSchema>;

export const executionInfoSchema = z.object({ id: z.string(), name: z.string(), startedAt: z.string() });
export type ExecutionInfo = z.infer<typeof executionInfoSchema>;

export const VERDICTS = ['FAILOVER_WARRANTED', 'PRIMARY_HEALTHY', 'STANDBY_UNHEALTHY', 'INSUFFICIENT_SIGNALS'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** Mutating steps in execution order; INCOMPLETE reports are built from this list. */
export const MUTATING_STEPS = ['FenceOldPrimary', 'PromoteData', 'ShiftTraffic', 'ActivateStandby'] as const;
/** Every step after approval, in order, with the key its result is stored under in `$.steps`. */
export const POST_APPROVAL_STEPS = [
  { state: 'FenceOldPrimary', key: 'fence' },
  { state: 'PromoteData', key: 'promote' },
  { state: 'ShiftTraffic', key: 'shift' },
  { state: 'ActivateStandby', key: 'activate' },
  { state: 'VerifyRecovery', key: 'verify' },
  { state: 'ValidateData', key: 'validate' },
] as const;

/**
 * States that do part of a post-approval step's work before it: ValidateData reports what the segmented comparison
 * before it found (docs/adr/0019-data-at-risk-measured.md). Traffic has moved by then, so like the step they never
 * catch: a failure ends the execution there, and a redrive resumes there.
 */
export const POST_APPROVAL_HELPER_STATES: Readonly<Record<(typeof POST_APPROVAL_STEPS)[number]['state'], readonly string[]>> = {
  FenceOldPrimary: [],
  PromoteData: [],
  ShiftTraffic: [],
  ActivateStandby: [],
  VerifyRecovery: [],
  ValidateData: ['PlanDataComparison', 'CompareSegments', 'MergeDataComparison', 'DataComparisonProgress'],
};

/** Parses the request part of a task payload's `state`, naming the bad field in the error. */
export function parseRequest(state: unknown): FailoverRequest & { execution?: ExecutionInfo } {
  const schema = failoverRequestSchema.extend({ execution: executionInfoSchema.optional() });
  const result = schema.safeParse(state);
  if (!result.success) {
    const detail = result.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ');
    throw new InvalidInputError(`Invalid failover request: ${detail}`);
  }
  return result.data;
}

/** A task payload: `{ <action fields>, state }`. */
export function requireState(event: unknown): Record<string, unknown> {
  if (
    !event ||
    typeof event !== 'object' ||
    !('state' in event) ||
    typeof (event as { state: unknown }).state !== 'object' ||
    (event as { state: unknown }).state === null
  ) {
    throw new InvalidInputError('Task payload must be an object with a "state" object');
  }
  return (event as { state: Record<string, unknown> }).state;
}

/** Idempotency key for a step of an execution (store-level steps add the store name). */
export function stepKey(executionId: string | undefined, incidentId: string, step: string, store?: string): string {
  return [executionId ?? `incident:${incidentId}`, step, store].filter(Boolean).join('#');
}
