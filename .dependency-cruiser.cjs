/**
 * The house rules (README, "Layout" and "Lint") as import boundaries, checked by `npm run lint:boundaries`
 * and proven by test/unit/house-rules.test.ts. Paths are relative to the repository root; a package import is
 * matched on its resolved path (`node_modules/<name>/...`) and, if it cannot be resolved, on its bare name.
 */

const pkg = (...names) => `(^|/)node_modules/(${names.join('|')})(/|$)|^(${names.join('|')})(/|$)`;

/** A use case is every file under functions/ except the wiring: handler.ts, aws-*.ts, aws/ folders, shared/middleware.ts. */
const USE_CASE = { path: '^functions/', pathNot: ['/handler\\.ts$', '/aws-[^/]*\\.ts$', '/aws/', '^functions/shared/middleware\\.ts$'] };

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'use-case-imports-no-sdk',
      severity: 'error',
      comment: 'Use cases stay pure: the AWS SDK, Powertools and Middy belong in handler.ts, aws-*.ts, functions/shared/aws/ or functions/shared/middleware.ts',
      from: USE_CASE,
      to: { path: pkg('@aws-sdk', '@middy', '@aws-lambda-powertools') },
    },
    {
      name: 'functions-import-no-cdk',
      severity: 'error',
      comment: 'Lambda code never imports aws-cdk-lib; infra refers to handler code only by its entry path',
      from: { path: '^functions/' },
      to: { path: pkg('aws-cdk-lib') },
    },
    {
      name: 'functions-import-no-infra-local-cli',
      severity: 'error',
      comment: 'Lambda code must not depend on the CDK app, the local drill or drctl: they depend on it, not the other way round',
      from: { path: '^functions/' },
      to: { path: '^(infra|local|cli)/' },
    },
    {
      name: 'shared-imports-no-function-folder',
      severity: 'error',
      comment:
        'functions/shared/ serves every function and must not depend on one: move the code into shared/ or into the function folder (a composition root is functions/<name>/aws-deps.ts)',
      from: { path: '^functions/shared/' },
      to: { path: '^functions/', pathNot: ['^functions/shared/'] },
    },
    {
      name: 'integration-is-self-contained',
      severity: 'error',
      comment:
        "integration/ is the application's package (package.json exports): it may import Node and @aws-sdk/client-ssm only, never the control plane, its config or its other dependencies",
      from: { path: '^integration/' },
      to: {
        pathNot: ['^integration/', pkg('@aws-sdk/client-ssm')],
        dependencyTypesNot: ['core'],
      },
    },
    {
      name: 'infra-imports-no-local',
      severity: 'error',
      comment: 'The CDK app must not depend on the local drill (it would ship the simulated world into synth)',
      from: { path: '^infra/' },
      to: { path: '^local/' },
    },
  ],
  options: {
    // TypeScript 7 has no JS API that dependency-cruiser can load; swc (already here for jest) parses the sources.
    parser: 'swc',
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    // Report node_modules/<name>/... as it is reached, also through a symlinked node_modules (the rules' test does that).
    preserveSymlinks: true,
    enhancedResolveOptions: {
      extensions: ['.ts', '.js', '.cjs', '.mjs', '.json', '.d.ts'],
      mainFields: ['module', 'main', 'types'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
