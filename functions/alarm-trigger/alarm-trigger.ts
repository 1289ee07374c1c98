// Namespace import keeps zod's locales out of the bundles (see config/schema.ts).
import * as z from 'zod';
import { type DetectionAlarm, parseDetectionAlarmName } from '../../config/resource-names';
import type { DrConfig } from '../../config/schema';
import { STEPS } from '../../config/steps';
import { regionHealth } from '../health-checker/health-checker';
import { ConfigurationError, InvalidInputError } from '../shared/errors';
import type {
  AlarmMirror,
  AlarmStateValue,
  AuditLog,
  Clock,
  FailoverStarter,
  HealthSignals,
  IncidentLock,
  Notifier,
  RegionName,
  SiteState,
} from '../shared/ports';
import type { FailoverRequest } from '../shared/workflow';

/**
 * The alarm trigger: turns CloudWatch "Alarm State Change" events into at most one failover execution
 * per incident. Each region runs its own copy, and a copy only ever fails over TO its own region (static
 * stability, as an ARC Region switch plan runs from the region being activated), so the two copies never
 * race each other and the incident lock can stay regional.
 */

export interface AlarmTriggerDeps {
  readonly config: DrConfig;
  /** The region this copy runs in: the only region it may activate. */
  readonly region: RegionName;
  /** Prefix of the detection alarms (config/resource-names.ts `alarmNamePrefix`). */
  readonly alarmNamePrefix: string;
  /** Alarm states of this region, read again for every event (never the event's word alone). */
  readonly signals: HealthSignals;
  readonly lock: IncidentLock;
  readonly starter: FailoverStarter;
  readonly notifier: Notifier;
  /** Read for this region only: an already ACTIVE region has nothing to take over. */
  readonly siteState: SiteState;
  readonly audit: AuditLog;
  readonly clock: Clock;
  /** Copies forwarded Route 53 health-check alarm states onto this region's mirror alarms. */
  readonly mirror?: AlarmMirror;
}

const ALARM_STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;

/** The parts of an EventBridge "CloudWatch Alarm State Change" event the trigger relies on. */
export const alarmStateChangeSchema = z.object({
  id: z.string().min(1),
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  source: z.literal('aws.cloudwatch'),
  time: z.iso.datetime({ error: 'must be an ISO 8601 UTC timestamp' }),
  region: z.string().min(1),
  detail: z.object({
    alarmName: z.string().min(1),
    state: z.object({ value: z.enum(ALARM_STATES), reason: z.string().optional(), timestamp: z.string().optional() }),
  }),
});
export type AlarmStateChange = z.infer<typeof alarmStateChangeSchema>;

export type TriggerAction = 'started' | 'duplicate' | 'cooldown' | 'below-quorum' | 'stale' | 'ignored' | 'mirrored';

export interface TriggerResult {
  readonly action: TriggerAction;
  readonly reason: string;
  readonly alarmName: string;
  readonly eventId: string;
  readonly incidentId?: string;
  readonly executionId?: string;
  readonly fromRegion?: RegionName;
  /** Distinct observers (source + vantage) that see `fromRegion` impaired, when they were counted. */
  readonly independentFailures?: number;
  readonly failingSignals?: string[];
}

/** What an alarm name says about which region it watches. */
export type AlarmSubject = DetectionAlarm;

/**
 * `<prefix><source>--<vantage>--<target>` (one signal) or `<prefix>impaired--<target>` (the quorum composite), read
 * by config/resource-names.ts. Anything else under the prefix is not a detection alarm.
 */
export function alarmSubject(alarmName: string, prefix: string): AlarmSubject | undefined {
  return parseDetectionAlarmName(alarmName, prefix);
}

/** Execution names are unique for 90 days and capped at 80 characters; incident ids at 64. */
export function incidentIdFor(application: string, fromRegion: string, at: number): string {
  const stamp = new Date(at)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  const tail = `-${fromRegion}-${stamp}`;
  return `${application.slice(0, 64 - tail.length)}${tail}`;
}

export function lockKeyFor(application: string, fromRegion: string): string {
  return `failover#${application}#${fromRegion}`;
}

function parseEvent(event: unknown): AlarmStateChange {
  const parsed = alarmStateChangeSchema.safeParse(event);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ');
    throw new InvalidInputError(`Not a CloudWatch Alarm State Change event: ${detail}`);
  }
  return parsed.data;
}

export async function handleAlarmEvent(event: unknown, deps: AlarmTriggerDeps): Promise<TriggerResult> {
  const e = parseEvent(event);
  const { config, region } = deps;
  const { detection } = config;
  const regions = [config.regions.primary.name, config.regions.standby.name];
  if (!regions.includes(region))
    throw new ConfigurationError(`This copy runs in ${region}, which is not one of the configured regions (${regions.join(', ')})`);
  const peer = region === regions[0] ? regions[1] : regions[0];
  const now = deps.clock.now();
  const base = { alarmName: e.detail.alarmName, eventId: e.id };

  // EventBridge retries a failed delivery for up to 24 h: an old event describes a world that has moved on.
  const ageMs = now - Date.parse(e.time);
  if (ageMs > detection.maxEventAgeSeconds * 1000) {
    return {
      ...base,
      action: 'stale',
      reason: `event is ${Math.round(ageMs / 1000)} s old, over detection.maxEventAgeSeconds (${detection.maxEventAgeSeconds} s)`,
    };
  }
  const subject = alarmSubject(e.detail.alarmName, deps.alarmNamePrefix);
  if (!subject)
    return {
      ...base,
      action: 'ignored',
      reason: `not a detection alarm (expected ${deps.alarmNamePrefix}<source>--<vantage>--<target> or ${deps.alarmNamePrefix}impaired--<target>)`,
    };

  if (e.region !== region) {
    // Only Route 53 health-check alarms are forwarded here: their metric exists in us-east-1 alone.
    if (subject.kind === 'signal' && subject.source === 'route53-health-check' && deps.mirror) {
      await deps.mirror.mirror(
        e.detail.alarmName,
        e.detail.state.value as AlarmStateValue,
        `Forwarded from ${e.region}: ${e.detail.state.reason ?? e.detail.state.value}`,
      );
      return { ...base, action: 'mirrored', reason: `state ${e.detail.state.value} copied from ${e.region}; the mirror's own state change is evaluated` };
    }
    return { ...base, action: 'ignored', reason: `alarm lives in ${e.region}; this copy decides on ${region}'s alarms only` };
  }
  if (e.detail.state.value === 'OK') return { ...base, action: 'ignored', reason: 'alarm returned to OK' };
  if (subject.target !== peer) {
    return { ...base, action: 'ignored', reason: `alarm watches ${subject.target}; the ${region} copy only ever fails over from ${peer} to ${region}` };
  }
  // Active-active keeps both regions ACTIVE, so "already active" says nothing there.
  if (config.traffic.strategy !== 'active-active' && (await deps.siteState.get(region)) === 'ACTIVE') {
    return { ...base, action: 'ignored', reason: `${region} is already ACTIVE: nothing to fail over to` };
  }

  const health = regionHealth(peer, await deps.signals.read([peer]));
  const counted = { fromRegion: peer, independentFailures: health.independentFailures, failingSignals: health.unhealthySignals };
  if (health.independentFailures < detection.quorum) {
    if (health.independentFailures > 0) {
      await deps.notifier.publish({
        topic: 'alert',
        subject: `DR ${config.application}: ${peer} alarm, no failover (${health.independentFailures} of ${detection.quorum} signals)`,
        body: [
          `Alarm ${e.detail.alarmName} is ${e.detail.state.value}${e.detail.state.reason ? `: ${e.detail.state.reason}` : ''}.`,
          `Independent signals seeing ${peer} impaired: ${health.independentFailures}; a failover needs ${detection.quorum}.`,
          `Failing: ${health.unhealthySignals.join(', ') || 'none'}. Healthy: ${health.healthySignals.join(', ') || 'none'}. No data: ${health.unknownSignals.join(', ') || 'none'}.`,
          'One signal alone never fails over: check that observer (its network path, its region) before acting.',
        ].join('\n'),
        attributes: { severity: 'WARNING', application: config.application },
      });
    }
    return {
      ...base,
      ...counted,
      action: 'below-quorum',
      reason: `${health.independentFailures} of ${detection.quorum} independent signals see ${peer} impaired`,
    };
  }

  // The lock outlives the event age so that every retry and duplicate of this incident's events lands on it.
  const holdMs = Math.max(detection.cooldownSeconds, detection.maxEventAgeSeconds) * 1000;
  const candidate = { incidentId: incidentIdFor(config.application, peer, now), acquiredAt: now, expiresAt: now + holdMs };
  const { acquired, holder } = await deps.lock.acquire(lockKeyFor(config.application, peer), candidate, now);
  if (!acquired && now - holder.acquiredAt > detection.maxEventAgeSeconds * 1000) {
    return {
      ...base,
      ...counted,
      action: 'cooldown',
      incidentId: holder.incidentId,
      reason: `incident ${holder.incidentId} started at ${new Date(holder.acquiredAt).toISOString()}; no new failover from ${peer} until ${new Date(holder.expiresAt).toISOString()} (detection.cooldownSeconds)`,
    };
  }
  // A recent holder may have died between the lock and StartExecution, so a duplicate starts the
  // holder's execution again: the deterministic name makes that a no-op when it did start.
  const input: FailoverRequest = {
    incidentId: holder.incidentId,
    direction: 'failover',
    fromRegion: peer,
    toRegion: region,
    trigger: {
      source: 'alarm',
      at: new Date(holder.acquiredAt).toISOString(),
      alarms: health.unhealthySignals,
      reason: `${health.independentFailures} independent signals (quorum ${detection.quorum}) see ${peer} impaired`.slice(0, 500),
    },
    dryRun: false,
  };
  const { executionId, started } = await deps.starter.start(holder.incidentId, input);
  if (started) {
    await deps.audit.record({
      incidentId: holder.incidentId,
      executionId,
      step: STEPS.alarmTrigger.auditStep,
      outcome: 'EXECUTION_STARTED',
      detail: {
        alarm: e.detail.alarmName,
        eventId: e.id,
        failing: health.unhealthySignals,
        independentFailures: health.independentFailures,
        quorum: detection.quorum,
      },
      at: new Date(now).toISOString(),
    });
  }
  return {
    ...base,
    ...counted,
    action: started ? 'started' : 'duplicate',
    incidentId: holder.incidentId,
    executionId,
    reason: started
      ? `quorum met (${health.independentFailures} of ${detection.quorum}); failover ${peer} -> ${region} started`
      : `incident ${holder.incidentId} already has its execution`,
  };
}
