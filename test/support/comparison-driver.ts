import { jsonBytes } from '../../functions/shared/bounded';
import {
  PLAN_FIELD,
  runDataConsistencyValidator,
  type DataConsistencyValidatorDeps,
} from '../../functions/data-consistency-validator/data-consistency-validator';
import {
  MAX_SEGMENT_INVOCATIONS,
  type ComparisonPlan,
  type ComparisonProgress,
  type ComparisonPurpose,
  type SegmentProgress,
} from '../../functions/data-consistency-validator/segmented-comparison';

/** Step Functions' limit on a task's input or output (and a state's), UTF-8 bytes. */
export const PAYLOAD_LIMIT_BYTES = 262_144;

/**
 * Runs a comparison the way the ASL does (PlanDataComparison, the CompareSegments Map over lanes with each lane's
 * invocations chained by their progress, MergeDataComparison until no group is left), calling the validator with
 * the payloads the definition builds. Returns the state with the plan in it, and the largest payload seen.
 */
export async function runComparison(
  purpose: ComparisonPurpose,
  state: Record<string, unknown>,
  deps: DataConsistencyValidatorDeps,
): Promise<{ state: Record<string, unknown>; maxPayloadBytes: number; invocations: number }> {
  let maxPayloadBytes = 0;
  let invocations = 0;
  const call = async <T>(event: Record<string, unknown>): Promise<T> => {
    invocations++;
    maxPayloadBytes = Math.max(maxPayloadBytes, jsonBytes(event));
    const result = (await runDataConsistencyValidator(event, deps)) as T;
    maxPayloadBytes = Math.max(maxPayloadBytes, jsonBytes(result));
    return result;
  };
  const field = PLAN_FIELD[purpose];
  const plan = await call<ComparisonPlan>({ stateName: 'Plan', action: 'compare-plan', purpose, state });
  let current: Record<string, unknown> = { ...state, [field]: plan };
  const progressOf = () => (current[field] as ComparisonPlan).progress;
  for (let rounds = 0; rounds < 10_000; rounds++) {
    if (progressOf().next === 'scan') {
      const p = current[field] as ComparisonPlan;
      await Promise.all(
        p.lanes.map(async (lane) => {
          let progress: SegmentProgress | undefined;
          do {
            progress = await call<SegmentProgress>({
              stateName: 'CompareSegment',
              action: 'compare-segment',
              state: {
                comparisonId: p.comparisonId,
                pass: p.progress.pass,
                fromRegion: state.fromRegion,
                toRegion: state.toRegion,
                lane,
                ...(progress ? { progress } : {}),
              },
            });
          } while (!progress.done && progress.invocation < MAX_SEGMENT_INVOCATIONS);
          if (!progress.done) throw new Error(`lane ${lane.lane} not done in ${MAX_SEGMENT_INVOCATIONS} invocations`);
        }),
      );
    }
    // The merge's Retry on ComparisonUnfinishedError (MaxAttempts 10) resumes it where it saved it stopped.
    let progress: ComparisonProgress | undefined;
    for (let attempt = 0; !progress; attempt++) {
      try {
        progress = await call<ComparisonProgress>({ stateName: 'Merge', action: 'compare-merge', purpose, state: current });
      } catch (err) {
        if ((err as Error).name !== 'ComparisonUnfinishedError' || attempt >= 10) throw err;
      }
    }
    current = { ...current, [field]: { ...(current[field] as ComparisonPlan), progress } };
    maxPayloadBytes = Math.max(maxPayloadBytes, jsonBytes(current));
    if (progress.remainingGroups === 0) return { state: current, maxPayloadBytes, invocations };
  }
  throw new Error('the comparison did not finish');
}
