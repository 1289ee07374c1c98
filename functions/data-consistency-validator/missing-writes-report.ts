import { clip, jsonBytes } from '../shared/bounded';
import type { AuditLog, ComparisonKeys } from '../shared/ports';

/**
 * The full missing-writes report, written to the audit log in parts, and the bounded summary that goes into the
 * workflow state instead. Step Functions fails an execution (uncatchably) when a state's input or output exceeds
 * 256 KiB, so key lists that grow with the data never travel in the state: they go here, and the state carries a
 * pointer (docs/architecture.md, "Bounded payloads").
 */

/** The audit step of the report's index entry; each part is `<step>:part-NNNN`. */
export const MISSING_WRITES_REPORT_STEP = 'MissingWritesReport';

/**
 * JSON bytes of keys per audit part. DynamoDB stores at most 400 KB per item and the audit adapter cuts a detail
 * above 300 KiB, so a part stays well under both, whatever the keys.
 */
export const REPORT_PART_MAX_BYTES = 200 * 1024;

/** Where the full report is: the audit entries of `incidentId` whose sort key starts with `sortKeyPrefix`. */
export interface MissingWritesReportPointer {
  readonly incidentId: string;
  /** `<at>#MissingWritesReport`: the index entry, then `...:part-0001`, `...:part-0002`, ... in order. */
  readonly sortKeyPrefix: string;
  /** Audit entries holding keys (0 when nothing was missing or differing). */
  readonly parts: number;
  /** Keys written across all parts (missing plus differing). */
  readonly keys: number;
}

/** The sort key prefix of an audit entry (functions/shared/aws/dynamodb-audit-log.ts builds `<at>#<step>#<hash>`). */
export function auditSortKeyPrefix(at: string, step: string): string {
  return `${at}#${step}`;
}

type PartStores = Record<string, { missingInTarget: string[]; differing: string[] }>;

/**
 * Collects keys from any number of stores (concurrently) and writes a part to the audit log whenever the next key
 * would take it over `maxPartBytes`. Memory holds at most one part per writer.
 */
export class MissingWritesReportWriter {
  private current: PartStores = {};
  private currentBytes = 0;
  private partsWritten = 0;
  private keysWritten = 0;
  private readonly pending = new Set<Promise<void>>();
  private failure: { readonly error: unknown } | undefined;

  constructor(
    private readonly props: {
      readonly audit: AuditLog;
      readonly incidentId: string;
      readonly executionId: string;
      /** The report's time: every part and the index share it, so one sort key prefix finds them all. */
      readonly at: string;
      readonly fromRegion: string;
      readonly toRegion: string;
      /** @default REPORT_PART_MAX_BYTES */
      readonly maxPartBytes?: number;
      /** Parts and keys earlier invocations already wrote (a report written over several invocations). @default 0 */
      readonly startParts?: number;
      readonly startKeys?: number;
    },
  ) {
    this.partsWritten = props.startParts ?? 0;
    this.keysWritten = props.startKeys ?? 0;
  }

  get pointer(): MissingWritesReportPointer {
    return {
      incidentId: this.props.incidentId,
      sortKeyPrefix: auditSortKeyPrefix(this.props.at, MISSING_WRITES_REPORT_STEP),
      parts: this.partsWritten,
      keys: this.keysWritten,
    };
  }

  async add(store: string, keys: ComparisonKeys): Promise<void> {
    for (const [list, values] of [
      ['missingInTarget', keys.missingInTarget],
      ['differing', keys.differing],
    ] as const) {
      for (const key of values) {
        // The key and a comma, plus the store's entry (name, two list names, separators) when the part has none yet:
        // generous, so a part never ends up over its budget.
        const cost = () => jsonBytes(key) + 1 + (this.current[store] ? 0 : jsonBytes(store) + 48);
        if (this.currentBytes > 0 && this.currentBytes + cost() > this.maxPartBytes) this.startWrite();
        this.currentBytes += cost();
        this.current[store] ??= { missingInTarget: [], differing: [] };
        this.current[store][list].push(key);
        this.keysWritten++;
      }
    }
    await this.settled();
  }

  /** Writes what is buffered as a part of its own: an invocation that ends before the report does leaves nothing behind. */
  async flush(): Promise<MissingWritesReportPointer> {
    if (this.currentBytes > 0) this.startWrite();
    await this.settled();
    return this.pointer;
  }

  /** Writes the last part, then the index entry that describes the report. */
  async finish(index: Record<string, unknown>, outcome: string): Promise<MissingWritesReportPointer> {
    const pointer = await this.flush();
    await this.props.audit.record({
      incidentId: this.props.incidentId,
      executionId: this.props.executionId,
      step: MISSING_WRITES_REPORT_STEP,
      outcome,
      detail: { ...index, fromRegion: this.props.fromRegion, toRegion: this.props.toRegion, parts: pointer.parts, keys: pointer.keys },
      at: this.props.at,
    });
    return pointer;
  }

  private get maxPartBytes(): number {
    return this.props.maxPartBytes ?? REPORT_PART_MAX_BYTES;
  }

  /** Swaps the buffer out synchronously (stores add concurrently), then writes it. */
  private startWrite(): void {
    const stores = this.current;
    const part = ++this.partsWritten;
    this.current = {};
    this.currentBytes = 0;
    const write = this.props.audit.record({
      incidentId: this.props.incidentId,
      executionId: this.props.executionId,
      step: `${MISSING_WRITES_REPORT_STEP}:part-${String(part).padStart(4, '0')}`,
      outcome: 'KEYS',
      detail: { part, fromRegion: this.props.fromRegion, toRegion: this.props.toRegion, stores },
      at: this.props.at,
    });
    this.pending.add(write);
    void write.then(
      () => this.pending.delete(write),
      (error: unknown) => {
        this.pending.delete(write);
        this.failure ??= { error };
      },
    );
  }

  private async settled(): Promise<void> {
    // A failed write fails the step (its Retry runs it again): a report with a hole must not pass as complete.
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    if (this.failure) throw this.failure.error;
  }
}

/** Per-store figures in the bounded result; the sample lists hold only what fits the byte budget. */
export interface StoreSummary {
  readonly store: string;
  readonly complete: boolean;
  readonly compared: number;
  readonly missingCount: number;
  readonly differingCount: number;
  /** The first missing keys, as many as the budget allows (every one is in the audit report). */
  readonly missingInTarget: string[];
  /** The first differing keys, likewise. */
  readonly differing: string[];
  readonly detail: string;
}

export interface StoreFigures extends Omit<StoreSummary, 'missingInTarget' | 'differing'> {
  /** Candidates for the samples, in order (the adapter's capped lists). */
  readonly missingInTarget: readonly string[];
  readonly differing: readonly string[];
}

/** Keys shown per store and list at most. */
export const SAMPLE_KEYS_PER_STORE = 5;

const hasNews = (s: StoreFigures) => !s.complete || s.missingCount > 0 || s.differingCount > 0;

/**
 * Fits the per-store figures into `budgetBytes` of JSON together with `rest` (the other fields of the result):
 * first with every store and readable details, then shorter details, then only the stores with something to
 * report, then as many of those as fit (`storesOmitted` says how many did not). The key samples then fill what is
 * left, one key per store in turn, so every store gets its first key before any store gets its second.
 */
export function fitStores(
  figures: readonly StoreFigures[],
  rest: Record<string, unknown>,
  budgetBytes: number,
): { stores: StoreSummary[]; storesOmitted: number } {
  const summarize = (s: StoreFigures, detailChars: number): StoreSummary => ({
    store: s.store,
    complete: s.complete,
    compared: s.compared,
    missingCount: s.missingCount,
    differingCount: s.differingCount,
    missingInTarget: [],
    differing: [],
    detail: clip(s.detail, detailChars),
  });
  const size = (stores: StoreSummary[], storesOmitted: number) => jsonBytes({ ...rest, stores, ...(storesOmitted > 0 ? { storesOmitted } : {}) });
  const attempts: Array<() => StoreSummary[]> = [
    () => figures.map((s) => summarize(s, 240)),
    () => figures.map((s) => summarize(s, 60)),
    () => figures.filter(hasNews).map((s) => summarize(s, 60)),
  ];
  const fitting = (): StoreSummary[] => {
    for (const attempt of attempts) {
      const candidate = attempt();
      if (size(candidate, figures.length - candidate.length) <= budgetBytes) return candidate;
    }
    const some: StoreSummary[] = [];
    for (const s of figures.filter(hasNews)) {
      some.push(summarize(s, 60));
      if (size(some, figures.length - some.length) > budgetBytes) {
        some.pop();
        break;
      }
    }
    return some;
  };
  const stores = fitting();
  const storesOmitted = figures.length - stores.length;
  let used = size(stores, storesOmitted);
  const byName = new Map(figures.map((s) => [s.store, s]));
  for (let i = 0; i < SAMPLE_KEYS_PER_STORE; i++) {
    for (const summary of stores) {
      const source = byName.get(summary.store);
      if (!source) continue;
      for (const list of ['missingInTarget', 'differing'] as const) {
        const key = source[list][i];
        if (key === undefined) continue;
        // The key plus a comma (the first key of a list needs none; counting it anyway keeps the sum an upper bound).
        const cost = jsonBytes(key) + 1;
        if (used + cost > budgetBytes) continue;
        summary[list].push(key);
        used += cost;
      }
    }
  }
  return { stores, storesOmitted };
}
