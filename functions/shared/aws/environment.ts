import { ConfigError, parseConfig } from '../../../config/load';
import type { DrConfig } from '../../../config/schema';
import { LAMBDA_ENV } from '../../../config/lambda-environment';
import { ConfigurationError } from '../errors';

/** The environment contract shared with the CDK constructs (config/lambda-environment.ts). */
export const ENV = LAMBDA_ENV;

export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (!value) throw new ConfigurationError(`Environment variable ${name} is not set; the control-plane stack sets it on every function`);
  return value;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): DrConfig {
  const raw = requireEnv(ENV.config, env);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new ConfigurationError(`${ENV.config} is not valid JSON: ${(err as Error).message}`);
  }
  try {
    return parseConfig(parsed, `from ${ENV.config}`);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigurationError(err.message);
    throw err;
  }
}
