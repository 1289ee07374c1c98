import { resolve } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadConfig } from '../../config/load';
import { ControlPlaneStack } from '../../infra/stacks/control-plane-stack';

// Its own app: the AWS Solutions pack runs as a validation plugin during synth. Every finding the
// design accepts is acknowledged (with its reason) next to the resource in infra/constructs.
const config = loadConfig(resolve(__dirname, '..', '..', 'dr.config.json'));
const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
for (const region of [config.regions.primary.name, config.regions.standby.name]) {
  new ControlPlaneStack(app, `${config.application}-dr-${region}`, { env: { region }, config });
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

test('the AWS Solutions checks find nothing unacknowledged in either stack', () => {
  let report = '';
  try {
    app.synth();
  } catch (err) {
    report = (err as Error).message;
  }
  expect(report).toBe('');
});
