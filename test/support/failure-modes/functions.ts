import { WORKFLOW_STEPS, type WorkflowFolder } from '../../../config/steps';

/**
 * The Lambda functions the failover and failback definitions invoke, by folder name, from the step registry
 * (config/steps.ts): the harness builds one real handler per name (a missing one does not compile) and injects
 * Lambda throttling per name.
 */
export type FunctionName = WorkflowFolder;
export const FUNCTIONS: readonly FunctionName[] = WORKFLOW_STEPS.map((s) => s.folder as FunctionName);
