import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFromEnv } from '../../../functions/shared/aws/environment';
import { ConfigurationError } from '../../../functions/shared/errors';
import { bundledConfigEnv, config, configInput } from './fixtures';

describe('configFromEnv: the config bundled next to the handler', () => {
  it('reads <LAMBDA_TASK_ROOT>/dr-config.json and validates it with the one schema', () => {
    expect(configFromEnv(bundledConfigEnv(configInput))).toEqual(config);
  });

  it('fails naming the bad field, as synth and the drill do', () => {
    const env = bundledConfigEnv({ ...configInput, globalDomain: { name: 'not a name' } });
    expect(() => configFromEnv(env)).toThrow(ConfigurationError);
    expect(() => configFromEnv(env)).toThrow(/globalDomain\.name: must be a DNS name/);
  });

  it('fails naming the file when it is not JSON', () => {
    const env = bundledConfigEnv('{ "application": ');
    expect(() => configFromEnv(env)).toThrow(/The bundled config .*dr-config\.json is not valid JSON/);
  });

  it('fails naming the file when the bundle has none', () => {
    const empty = mkdtempSync(join(tmpdir(), 'dr-task-root-'));
    expect(() => configFromEnv({ LAMBDA_TASK_ROOT: empty })).toThrow(
      new RegExp(`Cannot read the bundled config ${join(empty, 'dr-config.json').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`),
    );
  });

  it('fails naming LAMBDA_TASK_ROOT outside Lambda', () => {
    expect(() => configFromEnv({})).toThrow(/Environment variable LAMBDA_TASK_ROOT is not set/);
  });

  it('never reads a config from the environment any more', () => {
    expect(() => configFromEnv({ DR_CONFIG: JSON.stringify(configInput) })).toThrow(ConfigurationError);
  });
});
