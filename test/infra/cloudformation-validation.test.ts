import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { loadConfig, parseConfig } from '../../config/load';
import type { DrConfig } from '../../config/schema';
import { ControlPlaneStack } from '../../infra/stacks/control-plane-stack';
import { HealthCheckStack } from '../../infra/stacks/health-check-stack';
import { configWith } from '../support/repo-config';

/**
 * aws-cdk-lib's built-in CloudFormation validation (the rules cfn-lint has), run the way `cdk synth` runs it:
 * cdk.json's context, so `@aws-cdk/core:validateAgainstDefaultRules` turns every error into a failed synth.
 * The other infra tests build their apps with it off (test/support/cdk.ts says why); this file runs it once
 * for each shipped config and for a config of each traffic strategy that makes every optional resource.
 */
const root = resolve(__dirname, '..', '..');
const cdkContext = (JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;

/** An app as `cdk synth` builds it from cdk.json, bundling skipped; the built-in validation is on by default. */
const synthApp = () => new App({ context: { ...cdkContext, 'aws:cdk:bundling-stacks': [] } });

/** The stacks infra/app.ts makes for a config: the us-east-1 health checks and a control plane per region. */
function addStacks(app: App, config: DrConfig): void {
  const healthChecks = new HealthCheckStack(app, `${config.application}-dr-health-checks`, { env: { region: 'us-east-1' }, config });
  for (const region of [config.regions.primary.name, config.regions.standby.name]) {
    new ControlPlaneStack(app, `${config.application}-dr-${region}`, { env: { region }, config }).addStackDependency(healthChecks);
  }
}

function synthReport(app: App): string {
  try {
    app.synth();
    return '';
  } catch (err) {
    return (err as Error).message;
  }
}

const shipped = ['dr.config.json', ...readdirSync(join(root, 'examples', 'configs')).map((f) => join('examples', 'configs', f))];
const everyOption: Array<[string, DrConfig]> = [
  [
    // Not every store kind as well: five ARC endpoints and three stores put DR_CONFIG over Lambda's 4 KB (the synth says so).
    'arc-routing-control, a warm standby with every scaling target, the API Gateway account role',
    parseConfig({
      ...configWith({
        traffic: 'arc-routing-control',
        stores: ['dynamodb'],
        standby: {
          mode: 'warm',
          scaling: [
            { kind: 'ecs-service', cluster: 'orders', service: 'api', desiredCount: 12 },
            { kind: 'asg', name: 'orders-workers', minSize: 4, desiredCapacity: 6 },
            { kind: 'lambda-provisioned-concurrency', functionName: 'orders-checkout', qualifier: 'live', concurrency: 50 },
          ],
        },
      }),
      deployment: { apiGatewayAccountRole: true },
    }),
  ],
  [
    'route53-weighted, every store kind, a pilot-light standby',
    configWith({
      traffic: 'route53-weighted',
      stores: ['dynamodb', 'aurora', 's3'],
      standby: { mode: 'pilot-light', scaling: [{ kind: 'ecs-service', cluster: 'orders', service: 'api', desiredCount: 6 }] },
    }),
  ],
];

test.each([...shipped.map((file) => [file, loadConfig(join(root, file))] as [string, DrConfig]), ...everyOption])(
  '%s: every stack passes the CloudFormation validation',
  (_name, config) => {
    const app = synthApp();
    addStacks(app, config);
    expect(synthReport(app)).toBe('');
  },
);

test('the validation is on in these apps: a template it must reject fails the synth', () => {
  const app = synthApp();
  const stack = new Stack(app, 'planted', { env: { region: 'us-east-1' } });
  // A Lambda function without its required Code and Role.
  new CfnResource(stack, 'Broken', { type: 'AWS::Lambda::Function', properties: { Runtime: 'nodejs24.x', Handler: 'index.handler' } });
  expect(synthReport(app)).toMatch(/ERROR Properties: 'Code' is a required property \(CloudFormation Validate\)\n\s+planted\/Broken/);
});
