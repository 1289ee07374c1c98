/**
 * Names only the CDK app uses. The names other parts of the system must agree on (stacks, state machines, SSM
 * parameters, alarms) are in config/resource-names.ts, which the handlers, drctl and the drill import too.
 */

/** A region name as an output-key part: `us-east-1` -> `UsEast1` (output keys are letters and digits only). */
export const regionOutputKey = (region: string): string => region.replace(/(^|-)([a-z0-9])/g, (_m, _dash, c: string) => c.toUpperCase());

/**
 * Where the traffic prerequisites are created, once per application. ARC's recovery-control configuration API
 * (clusters, control panels, routing controls, safety rules) is served from us-west-2 only; Route 53 records and
 * health checks are global, so without ARC they go to us-east-1 beside the health-check stack.
 */
export const trafficPrerequisitesRegion = (strategy: string): string => (strategy === 'arc-routing-control' ? 'us-west-2' : 'us-east-1');
