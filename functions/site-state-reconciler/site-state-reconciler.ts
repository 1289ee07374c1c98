import type { DrConfig } from '../../config/schema';
import { STEPS } from '../../config/steps';
import { ConfigurationError } from '../shared/errors';
import type { AuditLog, Clock, Notifier, RegionName, SiteState, SiteStateDescriber, SiteStateRecord } from '../shared/ports';

/**
 * The site-state reconciler: closes the split brain a failover leaves when it could not fence a dark primary.
 * Each region runs a copy every minute. When both regions are ACTIVE, the older ACTIVE is the stale one (the
 * newer one is the latest deliberate decision, made by a failover or failback); its own copy sets it PASSIVE.
 * A copy only ever writes its own region's switch and never acts on a peer it cannot read
 * (docs/adr/0016-site-state-reconciler.md).
 */

export interface SiteStateReconcilerDeps {
  readonly config: DrConfig;
  /** The region this copy runs in: the only site state it ever writes. */
  readonly region: RegionName;
  /** Read in both regions (value and change time); written in `region` only. */
  readonly siteState: SiteState & SiteStateDescriber;
  /** Publishes to the `alert` topic. */
  readonly notifier: Notifier;
  readonly audit: AuditLog;
  readonly clock: Clock;
}

export type ReconcileAction = 'skipped' | 'consistent' | 'peer-unreachable' | 'peer-will-fence' | 'fenced-self' | 'tie';

export interface ReconcileResult {
  readonly action: ReconcileAction;
  readonly region: RegionName;
  readonly peer: RegionName;
  /** This region's record as read, before any change this run made; null when skipped. */
  readonly own: SiteStateRecord | null;
  /** The peer's record; null when skipped or when it could not be read. */
  readonly peerRecord: SiteStateRecord | null;
  readonly detail: string;
}

/** This region's own site state could not be read: nothing was changed, and the next scheduled run tries again. */
export class OwnSiteStateUnreadableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OwnSiteStateUnreadableError';
  }
}

/** This region is the stale ACTIVE but setting it PASSIVE failed: the split brain remains until a later run succeeds. */
export class SelfFenceFailedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SelfFenceFailedError';
  }
}

/** This region was set PASSIVE, but the alert or the audit record of it failed. Nothing repeats the fence, so say so loudly. */
export class SelfFenceNotReportedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SelfFenceNotReportedError';
  }
}

/** The audit trail of the reconciler: one partition per region, read in time order (there is no incident id). */
export const RECONCILER_AUDIT_STEP = STEPS.siteStateReconciler.auditStep;
export const reconcilerAuditIncidentId = (region: RegionName): string => `site-state-reconciler-${region}`;

const iso = (ms: number): string => new Date(ms).toISOString();
const describeRecord = (region: RegionName, r: SiteStateRecord): string => `${region} ${r.value} since ${iso(r.changedAt)}`;
/** Runs `call` so that a synchronous throw becomes a rejection too (for Promise.allSettled). */
const later = <T>(call: () => Promise<T>): Promise<T> => Promise.resolve().then(call);
const errorText = (err: unknown): string => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));

/**
 * One run. Idempotent: once this region is PASSIVE (or the peer is), the next run finds nothing to do. Throws only
 * for this region's side (its own read, its own write, the report of its own fence); the peer's state, readable
 * or not, never makes it throw.
 */
export async function reconcileSiteState(deps: SiteStateReconcilerDeps): Promise<ReconcileResult> {
  const { config, region } = deps;
  const regions = [config.regions.primary.name, config.regions.standby.name];
  if (!regions.includes(region)) {
    throw new ConfigurationError(`The site-state reconciler runs in ${region}, which is not one of the configured regions (${regions.join(', ')})`);
  }
  const peer = regions[0] === region ? regions[1] : regions[0];
  const base = { region, peer };

  if (config.traffic.strategy === 'active-active') {
    return {
      ...base,
      action: 'skipped',
      own: null,
      peerRecord: null,
      detail: 'traffic.strategy is active-active: both regions are ACTIVE by design, nothing to reconcile.',
    };
  }

  // Both reads at once, so a dark peer's timeouts cost no more than one read.
  const [ownRead, peerRead] = await Promise.allSettled([later(() => deps.siteState.describe(region)), later(() => deps.siteState.describe(peer))]);
  if (ownRead.status === 'rejected') {
    throw new OwnSiteStateUnreadableError(
      `Cannot read ${region}'s own site state (${errorText(ownRead.reason)}); nothing changed, the next scheduled run retries.`,
      { cause: ownRead.reason },
    );
  }
  const own = ownRead.value;
  if (peerRead.status === 'rejected') {
    // Never stand down because the other side cannot be seen: it may be the dark one, and then this region is the only writer.
    return {
      ...base,
      action: 'peer-unreachable',
      own,
      peerRecord: null,
      detail: `${describeRecord(region, own)}; cannot read ${peer}'s site state (${errorText(peerRead.reason)}). Nothing changed: a region never stands down for a peer it cannot see.`,
    };
  }
  const peerRecord = peerRead.value;
  const both = `${describeRecord(region, own)}, ${describeRecord(peer, peerRecord)}`;

  if (own.value !== 'ACTIVE' || peerRecord.value !== 'ACTIVE') {
    const writer = own.value === 'ACTIVE' ? region : peerRecord.value === 'ACTIVE' ? peer : undefined;
    const detail = writer ? `${both}: one writer (${writer}).` : `${both}: no writer, but no split brain either; the reconciler never activates a region.`;
    return { ...base, action: 'consistent', own, peerRecord, detail };
  }

  if (own.changedAt > peerRecord.changedAt) {
    return {
      ...base,
      action: 'peer-will-fence',
      own,
      peerRecord,
      detail: `Split brain: ${both}. ${region} is the newer ACTIVE; ${peer}'s own reconciler sets ${peer} PASSIVE. Nothing changed here.`,
    };
  }

  if (own.changedAt === peerRecord.changedAt) {
    const detail = `Split brain: ${both}, changed at the same instant. Neither is known to be the newer decision, so nothing changed: an operator must decide.`;
    await deps.notifier.publish({
      topic: 'alert',
      subject: `DR ${config.application}: split brain, ${region} and ${peer} both ACTIVE, operator must decide`,
      body: [
        `Both regions' site states are ACTIVE, so both regions' writers accept writes.`,
        `${region}: ACTIVE since ${iso(own.changedAt)}. ${peer}: ACTIVE since ${iso(peerRecord.changedAt)}.`,
        'The two changes carry the same time, so the site-state reconciler cannot tell which one is the stale primary and changes nothing.',
        'Decide which region must take writes (drctl status shows both, the audit table and the Step Functions history show which failover or failback ran last),',
        `then set the other region's site state to PASSIVE. Until then this alert repeats every minute from each region.`,
      ].join('\n'),
      attributes: { severity: 'CRITICAL', application: config.application, region },
    });
    return { ...base, action: 'tie', own, peerRecord, detail };
  }

  // This region's ACTIVE is the older one: it is the old primary that came back after a failover it could not be fenced for.
  try {
    await deps.siteState.set(region, 'PASSIVE');
  } catch (err) {
    throw new SelfFenceFailedError(
      `Split brain: ${both}. ${region} is the older ACTIVE, but setting it PASSIVE failed (${errorText(err)}); the next scheduled run retries.`,
      { cause: err },
    );
  }
  const now = deps.clock.now();
  const detail = `Split brain: ${both}. ${region} is the older ACTIVE (the old primary after a failover it could not be fenced for): set ${region} PASSIVE; its writers stop.`;
  // Both attempted whatever the other does: the fence is done, and each report is worth having on its own.
  const reported = await Promise.allSettled([
    later(() =>
      deps.notifier.publish({
        topic: 'alert',
        subject: `DR ${config.application}: ${region} fenced itself (split brain after a failover)`,
        body: [
          `${region} found both regions ACTIVE and set its own site state to PASSIVE, so its writers stop.`,
          `${region}: ACTIVE since ${iso(own.changedAt)} (the older one, now PASSIVE). ${peer}: ACTIVE since ${iso(peerRecord.changedAt)} (the newer decision, unchanged).`,
          `This is what a failover leaves when it could not fence ${region} because ${region} was unreachable: ${region} came back still ACTIVE.`,
          'What to check:',
          `- ${region}'s writers stopped (they re-read the site state within their site-state client's maxAgeSeconds);`,
          `- writes ${region} accepted between its return and ${iso(now)}: check them against ${peer} (replication conflicts, or writes to a store ${region} no longer leads);`,
          `- ${peer} is the region that should take writes (drctl status, the audit table); to return to ${region}, run a failback (drctl failback --to ${region}), never flip the site state by hand.`,
        ].join('\n'),
        attributes: { severity: 'CRITICAL', application: config.application, region },
      }),
    ),
    later(() =>
      deps.audit.record({
        incidentId: reconcilerAuditIncidentId(region),
        executionId: '',
        step: RECONCILER_AUDIT_STEP,
        outcome: 'FENCED_SELF',
        detail: { region, peer, own, peerRecord, summary: detail },
        at: iso(now),
      }),
    ),
  ]);
  const failures = reported.flatMap((r, i) => (r.status === 'rejected' ? [`${i === 0 ? 'alert' : 'audit record'}: ${errorText(r.reason)}`] : []));
  if (failures.length > 0) {
    throw new SelfFenceNotReportedError(
      `${detail} But reporting it failed (${failures.join('; ')}); the next run finds ${region} PASSIVE and will not report it again.`,
      {
        cause: reported.find((r) => r.status === 'rejected')?.reason,
      },
    );
  }
  return { ...base, action: 'fenced-self', own, peerRecord, detail };
}
