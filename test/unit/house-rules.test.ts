import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/**
 * The import-boundary rules of .dependency-cruiser.cjs (run by `npm run lint`) against a small tree that breaks
 * each of them once, beside imports that the same rules allow. One dependency-cruiser run, about a second.
 */

const ROOT = resolve(__dirname, '..', '..');

type Violation = { rule: string; from: string; to: string };

/** Writes the files into a fresh directory laid out like the repository and returns every rule violation found. */
function cruise(files: Record<string, string>): Violation[] {
  const dir = mkdtempSync(join(tmpdir(), 'house-rules-'));
  try {
    // Package imports resolve as they do in the repository, to node_modules/<name>/... (the config preserves symlinks).
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), text);
    }
    const cli = join(ROOT, 'node_modules', '.bin', 'depcruise');
    const args = [cli, 'functions', 'infra', 'integration', '--config', join(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'json'];
    const run = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', timeout: 30_000, maxBuffer: 16 * 1024 * 1024 });
    if (run.error) throw run.error;
    if (!run.stdout) throw new Error(`dependency-cruiser printed nothing (exit ${run.status}): ${run.stderr}`);
    const result = JSON.parse(run.stdout) as { summary: { violations: Array<{ rule: { name: string }; from: string; to: string }> } };
    return result.summary.violations
      .map((v) => ({ rule: v.rule.name, from: v.from, to: v.to }))
      .sort((a, b) => `${a.rule}${a.from}${a.to}`.localeCompare(`${b.rule}${b.from}${b.to}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const tree: Record<string, string> = {
  // Allowed: a use case imports its ports, config and zod; the handler and the composition root import the SDK and Middy.
  'config/schema.ts': 'export type DrConfig = { name: string };\n',
  'functions/shared/ports.ts': "import type { DrConfig } from '../../config/schema';\nexport type Ports = { config: DrConfig };\n",
  'functions/shared/middleware.ts': "import middy from '@middy/core';\nexport const wrap = middy;\n",
  'functions/orders/orders.ts':
    "import * as z from 'zod';\nimport type { Ports } from '../shared/ports';\nexport const run = (p: Ports) => z.string().parse(p.config.name);\n",
  'functions/orders/handler.ts':
    "import { SNSClient } from '@aws-sdk/client-sns';\nimport middy from '@middy/core';\nimport { run } from './orders';\nexport const handler = middy(run);\nexport const sns = new SNSClient({});\n",
  'functions/orders/aws-deps.ts': "import { SNSClient } from '@aws-sdk/client-sns';\nexport const sns = new SNSClient({});\n",
  'functions/shared/aws/sns.ts': "import { SNSClient } from '@aws-sdk/client-sns';\nexport const sns = new SNSClient({});\n",
  'infra/app.ts': "import { App } from 'aws-cdk-lib';\nexport const app = new App();\n",

  // One violation of each rule.
  'functions/billing/billing.ts': "import { SNSClient } from '@aws-sdk/client-sns';\nexport const sns = new SNSClient({});\n",
  'functions/billing/rules.ts': "import { Logger } from '@aws-lambda-powertools/logger';\nexport const log = new Logger();\n",
  'functions/billing/wrap.ts': "import middy from '@middy/core';\nexport const wrap = middy;\n",
  'functions/shared/signing.ts': "import { App } from 'aws-cdk-lib';\nexport const app = new App();\n",
  'functions/billing/stack-name.ts':
    "import { app } from '../../infra/app';\nimport { drill } from '../../local/drill';\nimport { main } from '../../cli/main';\nexport const all = [app, drill, main];\n",
  'local/drill.ts': 'export const drill = 1;\n',
  'cli/main.ts': 'export const main = 1;\n',
  'functions/shared/totals.ts': "import { run } from '../orders/orders';\nexport const total = run;\n",
  'infra/stack.ts': "import { drill } from '../local/drill';\nexport const d = drill;\n",

  // The application's package: Node, client-ssm and its own files are allowed; the control plane's code and other packages are not.
  'integration/site-state/fail-safe.ts': 'export const f = 1;\n',
  'integration/site-state/index.ts':
    "import { SSMClient } from '@aws-sdk/client-ssm';\nimport { createServer } from 'node:http';\nimport { f } from './fail-safe';\nexport const all = [SSMClient, createServer, f];\n",
  'integration/site-state/middleware.ts':
    "import { Logger } from '@aws-lambda-powertools/logger';\nimport type { DrConfig } from '../../config/schema';\nimport type { Ports } from '../../functions/shared/ports';\nexport type All = [Logger, DrConfig, Ports];\n",

  // A composition root beside its function may import it; one in shared/ may not, not even a type (no file is exempt).
  'functions/alarm-trigger/alarm-trigger.ts': 'export type AlarmTriggerDeps = { a: 1 };\n',
  'functions/alarm-trigger/aws-deps.ts':
    "import { SNSClient } from '@aws-sdk/client-sns';\nimport type { AlarmTriggerDeps } from './alarm-trigger';\nimport { sns } from '../shared/aws/sns';\nexport type D = AlarmTriggerDeps;\nexport const s = [SNSClient, sns];\n",
  'functions/shared/aws/deps.ts': "import type { AlarmTriggerDeps } from '../../alarm-trigger/alarm-trigger';\nexport type D = AlarmTriggerDeps;\n",
};

describe('import boundaries (.dependency-cruiser.cjs)', () => {
  let violations: Violation[] = [];
  beforeAll(() => {
    violations = cruise(tree);
  });
  const found = (rule: string) =>
    violations.filter((v) => v.rule === rule).map((v) => `${v.from} -> ${v.to.replace(/^node_modules\/((@[^/]+\/)?[^/]+).*$/, '$1')}`);

  it('use cases import no AWS SDK, Powertools or Middy; handler.ts, aws-*.ts, shared/aws/ and shared/middleware.ts may', () => {
    expect(found('use-case-imports-no-sdk')).toEqual([
      'functions/billing/billing.ts -> @aws-sdk/client-sns',
      'functions/billing/rules.ts -> @aws-lambda-powertools/logger',
      'functions/billing/wrap.ts -> @middy/core',
    ]);
  });

  it('functions import no aws-cdk-lib', () => {
    expect(found('functions-import-no-cdk')).toEqual(['functions/shared/signing.ts -> aws-cdk-lib']);
  });

  it('functions import nothing from infra/, local/ or cli/', () => {
    expect(found('functions-import-no-infra-local-cli')).toEqual([
      'functions/billing/stack-name.ts -> cli/main.ts',
      'functions/billing/stack-name.ts -> infra/app.ts',
      'functions/billing/stack-name.ts -> local/drill.ts',
    ]);
  });

  it('functions/shared imports no function folder, a type included; the function folders import shared/', () => {
    expect(found('shared-imports-no-function-folder')).toEqual([
      'functions/shared/aws/deps.ts -> functions/alarm-trigger/alarm-trigger.ts',
      'functions/shared/totals.ts -> functions/orders/orders.ts',
    ]);
  });

  it('infra imports nothing from local/', () => {
    expect(found('infra-imports-no-local')).toEqual(['infra/stack.ts -> local/drill.ts']);
  });

  it('integration/ imports only Node, @aws-sdk/client-ssm and its own files', () => {
    expect(found('integration-is-self-contained')).toEqual([
      'integration/site-state/middleware.ts -> config/schema.ts',
      'integration/site-state/middleware.ts -> functions/shared/ports.ts',
      'integration/site-state/middleware.ts -> @aws-lambda-powertools/logger',
    ]);
  });

  it('reports nothing else', () => {
    expect(new Set(violations.map((v) => v.rule))).toEqual(
      new Set([
        'use-case-imports-no-sdk',
        'functions-import-no-cdk',
        'functions-import-no-infra-local-cli',
        'shared-imports-no-function-folder',
        'infra-imports-no-local',
        'integration-is-self-contained',
      ]),
    );
    expect(violations).toHaveLength(13);
  });
});
