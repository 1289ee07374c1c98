import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { configSchema, type DrConfig } from './schema';

/** Thrown for an unreadable or invalid config; its message names every bad field. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly issues: readonly string[] = [],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

export const DEFAULT_CONFIG_FILE = 'dr.config.json';

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)), '');
}

/** Validates an already-parsed object. `source` names where it came from in the error. */
export function parseConfig(raw: unknown, source = 'config'): DrConfig {
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => {
    const where = formatPath(i.path) || '(root)';
    if (i.code === 'unrecognized_keys') return `${where}: unknown field(s) ${i.keys.map((k) => `"${k}"`).join(', ')}`;
    return `${where}: ${i.message}`;
  });
  throw new ConfigError(`Invalid config ${source}:\n  - ${issues.join('\n  - ')}`, issues);
}

/** Reads and validates a config file (default `dr.config.json` in the working directory). */
export function loadConfig(file: string = DEFAULT_CONFIG_FILE): DrConfig {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`Cannot read config file ${file}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`Config file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  return parseConfig(raw, file);
}
