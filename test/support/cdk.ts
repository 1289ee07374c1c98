import { App } from 'aws-cdk-lib';

/**
 * The App every infra test builds its stacks in.
 *
 * - Bundling skipped (`aws:cdk:bundling-stacks: []`): esbuild would bundle every function on every synth, and
 *   the tests are about the templates, not the bundles. `cdk synth` still bundles.
 * - aws-cdk-lib's built-in CloudFormation validation off. It loads a 9 MB WebAssembly rule engine once per
 *   module registry, and jest gives every test file its own: about 2.5 s of CPU per file, three quarters of
 *   what an infra test file cost, to validate the same templates again in every file. Without cdk.json's
 *   `@aws-cdk/core:validateAgainstDefaultRules` it only warned anyway. test/infra/cloudformation-validation.test.ts
 *   runs it once for every configuration the tests synthesize, with cdk.json's flags, where an error fails the
 *   synth as it does in `cdk synth`.
 *
 * `context` is added to the app's context (a test that applies cdk.json's feature flags passes them here).
 */
export function testApp(context: Record<string, unknown> = {}): App {
  return new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
}
