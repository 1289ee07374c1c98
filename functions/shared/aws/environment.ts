import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLED_CONFIG_FILE, TASK_ROOT_ENV } from '../../../config/bundled-config';
import { ConfigError, parseConfig } from '../../../config/load';
import type { DrConfig } from '../../../config/schema';
import { ConfigurationError } from '../errors';

export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (!value) throw new ConfigurationError(`Environment variable ${name} is not set; the control-plane stack sets it on every function`);
  return value;
}

/**
 * The config bundled next to this function's code (`<LAMBDA_TASK_ROOT>/dr-config.json`, written by the CDK app),
 * validated with the one schema. Called once per container, when the handler builds its dependencies: a missing
 * file or a bad field fails the first invocation, naming the field, before any step of a failover runs.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): DrConfig {
  const root = env[TASK_ROOT_ENV];
  if (!root) throw new ConfigurationError(`Environment variable ${TASK_ROOT_ENV} is not set; Lambda sets it to the directory of the function's code`);
  const file = join(root, BUNDLED_CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigurationError(`Cannot read the bundled config ${file} (${(err as Error).message}); the control-plane stack bundles it with every function`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigurationError(`The bundled config ${file} is not valid JSON: ${(err as Error).message}`);
  }
  try {
    return parseConfig(parsed, `bundled in ${file}`);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigurationError(err.message);
    throw err;
  }
}
