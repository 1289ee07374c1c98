// Beside the config schema for the same reason as lambda-environment.ts: the CDK constructs (which bundle the file)
// and the Lambda handlers (which read it) both depend on it, and neither may import the other.

/**
 * The validated config, written as JSON next to every function's bundled handler (`<LAMBDA_TASK_ROOT>/dr-config.json`)
 * and read once per container with the same schema. It is not in the environment: Lambda allows 4 KB of environment
 * variables in total (docs/adr/0018-config-outside-the-environment.md).
 */
export const BUNDLED_CONFIG_FILE = 'dr-config.json';

/** Set by Lambda in every function: the directory of the function's code, so of the bundled config too. */
export const TASK_ROOT_ENV = 'LAMBDA_TASK_ROOT';
