import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { BUNDLED_CONFIG_FILE } from '../../../config/bundled-config';
import type { DrConfig } from '../../../config/schema';
import type { TaskFunctionSpec } from './specs';

/** What every task function shares: where the code is, the runtime, the log retention and the bundled config. */
export interface BundledFunctionDefaults {
  /** Repository root, where `functions/` and `package-lock.json` live. */
  readonly projectRoot: string;
  readonly runtime: lambda.Runtime;
  /** Memory of a function whose spec names none. */
  readonly memorySize: number;
  readonly logRetention: logs.RetentionDays;
  /** Bundling hooks that put the config next to the handler (`bundledConfigHooks`). */
  readonly commandHooks: nodejs.ICommandHooks;
}

/**
 * One task function, `functions/<dir>/handler.ts` bundled with the locally installed esbuild, with its own log group.
 * Both are created in `scope` under the spec's id (`<id>`, `<id>Logs`), which keeps their logical ids stable.
 */
export function bundledFunction(
  scope: Construct,
  spec: TaskFunctionSpec,
  defaults: BundledFunctionDefaults,
  environment: Record<string, string>,
): nodejs.NodejsFunction {
  const root = defaults.projectRoot;
  const logGroup = new logs.LogGroup(scope, `${spec.id}Logs`, { retention: defaults.logRetention });
  return new nodejs.NodejsFunction(scope, spec.id, {
    entry: resolve(root, 'functions', spec.dir, 'handler.ts'),
    handler: 'handler',
    projectRoot: root,
    depsLockFilePath: resolve(root, 'package-lock.json'),
    description: spec.description,
    runtime: defaults.runtime,
    architecture: lambda.Architecture.ARM_64,
    memorySize: spec.memorySize ?? defaults.memorySize,
    timeout: Duration.seconds(spec.timeoutSeconds),
    tracing: lambda.Tracing.ACTIVE,
    logGroup,
    environment,
    // SDK v3 reuses connections by default; the variable would only eat into the 4 KB budget.
    awsSdkConnectionReuse: false,
    bundling: {
      forceDockerBundling: false,
      minify: true,
      sourceMap: false,
      target: 'node20',
      mainFields: ['module', 'main'],
      // The bundled SDK is pinned and tree-shaken; the runtime's copy changes under us between deploys.
      bundleAwsSDK: true,
      commandHooks: defaults.commandHooks,
    },
  });
}

/**
 * Writes the config where the bundling hook copies it from: once per content (the name is its hash, so two stacks or
 * two synths never race on one file), written to a temporary name and renamed, so a bundle never copies half a file.
 */
export function writeBundledConfig(dir: string, config: DrConfig): string {
  const text = `${JSON.stringify(config, null, 2)}\n`;
  const file = join(dir, `dr-config-${createHash('sha256').update(text).digest('hex').slice(0, 16)}.json`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, text);
    renameSync(partial, file);
  }
  return file;
}

/**
 * Bundling hooks that put the config next to the handler as `dr-config.json` after esbuild ran. The copy runs where
 * the bundling runs: locally, or in the bundling container, which sees the project root as `inputDir` (so a file
 * under the project root is addressed through it).
 */
export function bundledConfigHooks(projectRoot: string, configFile: string, platform: NodeJS.Platform = process.platform): nodejs.ICommandHooks {
  const inside = relative(projectRoot, configFile);
  const underRoot = inside !== '' && !inside.startsWith('..') && !isAbsolute(inside);
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir: string, outputDir: string) => {
      const source = underRoot ? `${inputDir}/${inside.split('\\').join('/')}` : configFile;
      const target = `${outputDir}/${BUNDLED_CONFIG_FILE}`;
      return [platform === 'win32' ? `copy /Y "${source.split('/').join('\\')}" "${target.split('/').join('\\')}"` : `cp "${source}" "${target}"`];
    },
  };
}
