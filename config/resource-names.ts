// Beside the config schema for the same reason as lambda-environment.ts: the CDK app builds these names, and the
// Lambda handlers, drctl and the drill find resources by them, and none of them may import the CDK app. Pure: no
// aws-cdk-lib, no SDK, nothing but strings.

/**
 * Names that more than one part of the system must agree on. They are derived from the application name (and a
 * region) only, so both regions' stacks compute the same ones without referencing each other, and a function or
 * drctl finds a resource without a lookup.
 */

/** The control plane of one region: `<app>-dr-<region>` (infra/app.ts). */
export const controlPlaneStackName = (application: string, region: string): string => `${application}-dr-${region}`;

/** The Route 53 health checks and their alarms, in us-east-1: `<app>-dr-health-checks`. */
export const healthCheckStackName = (application: string): string => `${application}-dr-health-checks`;

/** The traffic-routing prerequisites, once per application: `<app>-dr-traffic-prerequisites`. */
export const trafficPrerequisitesStackName = (application: string): string => `${application}-dr-traffic-prerequisites`;

/** The CloudWatch dashboard each region's stack creates: `<app>-dr-<region>`. */
export const dashboardName = (application: string, region: string): string => `${application}-dr-${region}`;

/** SSM path prefix of the ACTIVE/PASSIVE switch; region R's switch is `<prefix>/<R>`, stored in R. */
export const siteStateParameterPrefix = (application: string): string => `/dr/${application}/site-state`;

/** Fixed so its ARN can be built from the name: referencing the resource would close dependency cycles. */
export const failoverStateMachineName = (application: string): string => `${application}-dr-failover`;

/** The planned return to the primary (state-machines/failback.asl.json). */
export const failbackStateMachineName = (application: string): string => `${application}-dr-failback`;

/**
 * Start of the stacks' export names (`<app>-dr:<OutputKey>`), and of the names of the ARC resources. Exports are
 * unique per account and region, so the application name keeps two applications' control planes from colliding.
 */
export const exportNamePrefix = (application: string): string => `${application}-dr`;

/** SSM parameter holding a region's approval API base URL (each region's stack writes its own; drctl approve reads it). */
export const approvalApiUrlParameterName = (application: string): string => `/dr/${application}/approval-api-url`;

/** The approver role of a region's stack; IAM names are account-wide, hence the region in it (docs/adr/0017). */
export const approverRoleName = (application: string, region: string): string => `${application}-dr-approver-${region}`;

// ---------------------------------------------------------------------------------------------------------------
// CloudWatch alarm names
//
//     <prefix><source>--<vantage>--<target>    one detection signal
//     <prefix>impaired--<target>               the quorum composite
//     <prefix><name>                           the control plane's own alarms (<name> never holds `--`)
//
//   - `prefix`  `alarmNamePrefix(application)`, the ALARM_NAME_PREFIX env var, e.g. `orders-dr-`
//   - `source`  `canary` or `route53-health-check`
//   - `vantage` where the observation is made from: a region name for canaries, `global` for Route 53's checkers
//   - `target`  the region observed, or `global` for a canary's probe of the global name
//
// e.g. `orders-dr-canary--us-west-2--us-east-1`: the canary running in us-west-2 probing us-east-1. `--` separates
// the parts because neither region names nor the sources contain it, so a control-plane alarm never reads as a
// detection alarm.
// ---------------------------------------------------------------------------------------------------------------

/** Prefix of every alarm of the control plane; the health checker and the alarm trigger read the detection alarms under it. */
export const alarmNamePrefix = (application: string): string => `${application}-dr-`;

export const DETECTION_SOURCES = ['canary', 'route53-health-check'] as const;
export type DetectionSource = (typeof DETECTION_SOURCES)[number];

/** The vantage of Route 53's health checkers, and the target name of the canaries' probe of the global name. */
export const GLOBAL = 'global';

/** What a detection alarm's name says: which signal it is and which region it watches. */
export type DetectionAlarm =
  | { readonly kind: 'signal'; readonly source: DetectionSource; readonly vantage: string; readonly target: string }
  | { readonly kind: 'composite'; readonly target: string };

const SEPARATOR = '--';
const COMPOSITE = 'impaired';
/** A region name, `global`, or a source: lower-case words joined by single dashes. */
const PART = /^[a-z0-9]+(-[a-z0-9]+)*$/;

function checkedPart(what: string, value: string): string {
  if (!PART.test(value)) throw new Error(`Alarm name part ${what} "${value}" must be lower-case letters and digits joined by single dashes`);
  return value;
}

/** The name of a detection alarm. Throws on a part the parser could not read back. */
export function detectionAlarmName(prefix: string, alarm: DetectionAlarm): string {
  const parts =
    alarm.kind === 'composite'
      ? [COMPOSITE, checkedPart('target', alarm.target)]
      : [alarm.source, checkedPart('vantage', alarm.vantage), checkedPart('target', alarm.target)];
  return `${prefix}${parts.join(SEPARATOR)}`;
}

/** One signal: `<prefix><source>--<vantage>--<target>`. */
export const signalAlarmName = (prefix: string, source: DetectionSource, vantage: string, target: string): string =>
  detectionAlarmName(prefix, { kind: 'signal', source, vantage, target });

/** What every signal alarm of `source` starts with (`<prefix><source>--`), for an event pattern on all of them. */
export const signalAlarmNamePrefix = (prefix: string, source: DetectionSource): string => `${prefix}${source}${SEPARATOR}`;

/** The quorum composite that fires when enough independent signals see `target` impaired: `<prefix>impaired--<target>`. */
export const compositeAlarmName = (prefix: string, target: string): string => detectionAlarmName(prefix, { kind: 'composite', target });

/** One of the control plane's own alarms (dead letters, a stalled schedule, a failed execution): `<prefix><name>`. */
export function controlPlaneAlarmName(prefix: string, name: string): string {
  if (name.includes(SEPARATOR) || !PART.test(name))
    throw new Error(`Control-plane alarm name "${name}" must be words joined by single dashes (\`--\` marks detection alarms)`);
  return `${prefix}${name}`;
}

/** Reads a detection alarm's name back; anything else (another prefix, a control-plane alarm) is `undefined`. */
export function parseDetectionAlarmName(alarmName: string, prefix: string): DetectionAlarm | undefined {
  if (!alarmName.startsWith(prefix)) return undefined;
  const parts = alarmName.slice(prefix.length).split(SEPARATOR);
  if (!parts.every((p) => PART.test(p))) return undefined;
  if (parts.length === 2 && parts[0] === COMPOSITE) return { kind: 'composite', target: parts[1] };
  if (parts.length === 3 && (DETECTION_SOURCES as readonly string[]).includes(parts[0])) {
    return { kind: 'signal', source: parts[0] as DetectionSource, vantage: parts[1], target: parts[2] };
  }
  return undefined;
}
