import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadConfig } from '../../config/load';
import { configFromEnv } from '../../functions/shared/aws/environment';
import type { TaskFunctions } from '../../infra/constructs/task-functions';
import { bundledConfigHooks } from '../../infra/constructs/task-functions/bundled-function';
import { ControlPlaneStack } from '../../infra/stacks/control-plane-stack';
import { testApp } from '../support/cdk';
import { render } from './template-helpers';

// One app, bundling skipped (test/infra convention): the 50-store example config, both regions.
const root = resolve(__dirname, '..', '..');
const FIFTY = 'examples/configs/fifty-stores.config.json';
const config = loadConfig(resolve(root, FIFTY));
const app = testApp();
const stacks: Stack[] = [config.regions.primary.name, config.regions.standby.name].map(
  (region) => new ControlPlaneStack(app, `${config.application}-dr-${region}`, { env: { region }, config }),
);
const functionsOf = (stack: Stack) => stack.node.findChild('Functions') as TaskFunctions;

/** Generous bytes for a value CloudFormation fills in at deploy time (a generated table or topic name, a topic or secret ARN). */
const TOKEN_MAX_BYTES = 160;
const envBytes = (vars: Record<string, unknown>) =>
  Object.entries(vars).reduce((n, [name, value]) => n + Buffer.byteLength(name) + (typeof value === 'string' ? Buffer.byteLength(value) : TOKEN_MAX_BYTES), 0);

describe(`${FIFTY}: 50 data stores`, () => {
  test('is more than Lambda allows for a whole environment (4 KB): the case the bundled config is for', () => {
    expect(config.dataStores).toHaveLength(50);
    expect(Buffer.byteLength(JSON.stringify(config))).toBeGreaterThan(2 * 4096);
  });

  test.each(stacks.map((s) => [s.region, s] as const))(
    '%s: synthesizes, and every function environment stays under 2 KB (half the limit) with every deploy-time value at 160 bytes',
    (_r, stack) => {
      const fns = Object.entries(Template.fromStack(stack).findResources('AWS::Lambda::Function'));
      expect(fns.length).toBeGreaterThanOrEqual(8);
      for (const [id, fn] of fns) {
        const vars = (fn.Properties.Environment?.Variables ?? {}) as Record<string, unknown>;
        expect({ id, bytes: envBytes(vars) <= 2048 }).toEqual({ id, bytes: true });
        // Nothing of the config travels there: no store, no config variable.
        expect(Object.keys(vars)).not.toContain('DR_CONFIG');
        expect(Object.values(vars).map(render).join(' ')).not.toMatch(/ledger-01|documents-01|orders-main/);
      }
    },
  );

  test('the validated config is written once, under the project root, where the bundling copies it from', () => {
    const files = stacks.map((s) => functionsOf(s).bundledConfigFile);
    expect(new Set(files).size).toBe(1);
    expect(files[0].startsWith(`${root}/`)).toBe(true);
    expect(existsSync(files[0])).toBe(true);
    expect(JSON.parse(readFileSync(files[0], 'utf8'))).toEqual(config);
  });
});

describe('the bundling hook', () => {
  const configFile = functionsOf(stacks[0]).bundledConfigFile;

  test('copies the config next to the handler as dr-config.json, where the handler reads it once per container', () => {
    const outputDir = mkdtempSync(join(tmpdir(), 'bundle-'));
    const commands = bundledConfigHooks(root, configFile, 'linux').afterBundling(root, outputDir);
    for (const c of commands) execFileSync('bash', ['-c', c]);
    expect(existsSync(join(outputDir, 'dr-config.json'))).toBe(true);
    expect(configFromEnv({ LAMBDA_TASK_ROOT: outputDir })).toEqual(config);
  });

  test('addresses a file under the project root through inputDir, so a bundling container finds it too', () => {
    const hooks = bundledConfigHooks('/work/repo', '/work/repo/node_modules/.cache/regionflip-config/dr-config-abc.json', 'linux');
    expect(hooks.afterBundling('/asset-input', '/asset-output')).toEqual([
      'cp "/asset-input/node_modules/.cache/regionflip-config/dr-config-abc.json" "/asset-output/dr-config.json"',
    ]);
    expect(bundledConfigHooks('/work/repo', '/tmp/x/dr-config-abc.json', 'linux').afterBundling('/work/repo', '/tmp/out')).toEqual([
      'cp "/tmp/x/dr-config-abc.json" "/tmp/out/dr-config.json"',
    ]);
    expect(hooks.beforeBundling('/asset-input', '/asset-output')).toEqual([]);
    expect(hooks.beforeInstall('/asset-input', '/asset-output')).toEqual([]);
  });
});

describe('the environment size check', () => {
  test('still fails the synth, naming the function and its largest variable, when an environment would pass 4 KB', () => {
    const other = testApp();
    const stack = new ControlPlaneStack(other, 'too-big', { env: { region: config.regions.primary.name }, config });
    (stack.node.findChild('Functions') as TaskFunctions).setApprovalBaseUrl(`https://${'a'.repeat(5_000)}.example.com/`);
    expect(() => other.synth()).toThrow(
      /ApprovalRequest: environment variables need up to \d+ bytes, over Lambda's 4096-byte limit \(the largest, APPROVAL_BASE_URL, up to \d+ bytes\)/,
    );
  });
});
