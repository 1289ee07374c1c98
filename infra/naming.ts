/**
 * Names that more than one construct (or the handlers, through their environment) must agree on.
 * They are derived from the application name only, so both regions' stacks compute the same ones
 * without referencing each other.
 */

/** SSM path prefix of the ACTIVE/PASSIVE switch; region R's switch is `<prefix>/<R>`, stored in R. */
export const siteStateParameterPrefix = (application: string): string => `/dr/${application}/site-state`;

/** Prefix of the detection alarms the health-checker reads (and that may publish to the topics). */
export const alarmNamePrefix = (application: string): string => `${application}-dr-`;

/** Fixed so its ARN can be built from the name: referencing the resource would close dependency cycles. */
export const failoverStateMachineName = (application: string): string => `${application}-dr-failover`;

/** The planned return to the primary (state-machines/failback.asl.json). */
export const failbackStateMachineName = (application: string): string => `${application}-dr-failback`;

/**
 * Start of the stacks' export names (`<app>-dr:<OutputKey>`). Exports are unique per account and region,
 * so the application name keeps two applications' control planes from colliding.
 */
export const exportNamePrefix = (application: string): string => `${application}-dr`;

/** SSM parameter holding a region's approval API base URL (each region's stack writes its own; drctl approve reads it). */
export const approvalApiUrlParameterName = (application: string): string => `/dr/${application}/approval-api-url`;

/** The approver role of a region's stack; IAM names are account-wide, hence the region in it (docs/adr/0017). */
export const approverRoleName = (application: string, region: string): string => `${application}-dr-approver-${region}`;

/** A region name as an output-key part: `us-east-1` -> `UsEast1` (output keys are letters and digits only). */
export const regionOutputKey = (region: string): string => region.replace(/(^|-)([a-z0-9])/g, (_m, _dash, c: string) => c.toUpperCase());

/**
 * Where the traffic prerequisites are created, once per application. ARC's recovery-control configuration API
 * (clusters, control panels, routing controls, safety rules) is served from us-west-2 only; Route 53 records and
 * health checks are global, so without ARC they go to us-east-1 beside the health-check stack.
 */
export const trafficPrerequisitesRegion = (strategy: string): string => (strategy === 'arc-routing-control' ? 'us-west-2' : 'us-east-1');
