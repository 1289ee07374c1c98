/**
 * The Lambda functions the failover and failback definitions invoke, by folder name: the harness builds one real
 * handler per name and injects Lambda throttling per name. Kept apart so that it can be derived from the step
 * registry (config/steps.ts) once that lands, instead of being a second list of the same steps.
 */
export type FunctionName = 'health-checker' | 'traffic-router' | 'failover-orchestrator' | 'data-consistency-validator' | 'approval-request';
export const FUNCTIONS: readonly FunctionName[] = ['health-checker', 'traffic-router', 'failover-orchestrator', 'data-consistency-validator', 'approval-request'];
