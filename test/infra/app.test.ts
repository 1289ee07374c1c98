import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// infra/app.ts run the way the CDK CLI runs it (`-c config=FILE` arrives as CDK_CONTEXT_JSON), in a process of
// its own (the exit status and stderr are the point), with bundling and the built-in CloudFormation validation
// skipped: these tests are about reading the config and laying out the stacks, and
// test/infra/cloudformation-validation.test.ts validates the same config's stacks.
const root = resolve(__dirname, '..', '..');
const validConfig = JSON.parse(readFileSync(join(root, 'dr.config.json'), 'utf8'));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dr-infra-app-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function synth(name: string, config: unknown) {
  const configFile = join(dir, `${name}.json`);
  writeFileSync(configFile, JSON.stringify(config));
  const outdir = join(dir, `${name}.out`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CDK_CONTEXT_JSON: JSON.stringify({ config: configFile, 'aws:cdk:bundling-stacks': [] }),
    CDK_OUTDIR: outdir,
    CDK_VALIDATION: 'false',
  };
  delete env.CDK_DEFAULT_ACCOUNT;
  const run = spawnSync(join(root, 'node_modules', '.bin', 'tsx'), ['infra/app.ts'], { cwd: root, env, encoding: 'utf8', timeout: 120_000 });
  return { status: run.status, stderr: run.stderr, outdir };
}

test('a valid config synthesizes one stack per region, each with an explicit region and no account lookup', () => {
  const run = synth('valid', validConfig);
  expect(run.stderr).not.toMatch(/Error/);
  expect(run.status).toBe(0);
  const manifest = JSON.parse(readFileSync(join(run.outdir, 'manifest.json'), 'utf8'));
  const stacks = Object.entries(manifest.artifacts as Record<string, { type: string; environment: string }>)
    .filter(([, a]) => a.type === 'aws:cloudformation:stack')
    .map(([id, a]) => [id, a.environment]);
  const app = validConfig.application;
  expect(stacks.sort()).toEqual(
    [
      [`${app}-dr-${validConfig.regions.primary.name}`, `aws://unknown-account/${validConfig.regions.primary.name}`],
      [`${app}-dr-${validConfig.regions.standby.name}`, `aws://unknown-account/${validConfig.regions.standby.name}`],
      // Route 53 health-check metrics exist only in us-east-1 (infra/stacks/health-check-stack.ts).
      [`${app}-dr-health-checks`, 'aws://unknown-account/us-east-1'],
    ].sort(),
  );
});

test('an invalid region fails the synth with a message naming the field, without a stack trace', () => {
  const bad = { ...validConfig, regions: { ...validConfig.regions, primary: { ...validConfig.regions.primary, name: 'moon-base-1' } } };
  const run = synth('bad-region', bad);
  expect(run.status).not.toBe(0);
  expect(run.stderr).toContain('regions.primary.name');
  expect(run.stderr).toContain('must be an AWS region name');
  expect(run.stderr).not.toMatch(/^\s+at /m);
});

test('prerequisites.arc.create adds one traffic-prerequisites stack, in us-west-2 (the ARC configuration API region)', () => {
  const run = synth('arc-prerequisites', { ...validConfig, prerequisites: { arc: { create: true } } });
  expect(run.stderr).not.toMatch(/Error/);
  expect(run.status).toBe(0);
  const manifest = JSON.parse(readFileSync(join(run.outdir, 'manifest.json'), 'utf8'));
  const app = validConfig.application;
  const stacks = Object.entries(manifest.artifacts as Record<string, { type: string; environment: string }>).filter(
    ([, a]) => a.type === 'aws:cloudformation:stack',
  );
  expect(stacks.filter(([id]) => id.includes('prerequisites')).map(([id, a]) => [id, a.environment])).toEqual([
    [`${app}-dr-traffic-prerequisites`, 'aws://unknown-account/us-west-2'],
  ]);
  expect(stacks).toHaveLength(4);
});

test('a prerequisite for the other traffic strategy fails the synth naming the field', () => {
  const run = synth('wrong-strategy-prerequisites', { ...validConfig, prerequisites: { route53Records: { create: true } } });
  expect(run.status).not.toBe(0);
  expect(run.stderr).toContain('prerequisites.route53Records.create: needs traffic.strategy "route53-weighted"');
  expect(run.stderr).not.toMatch(/^\s+at /m);
});
