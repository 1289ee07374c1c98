import { App } from 'aws-cdk-lib';
import { ConfigError, DEFAULT_CONFIG_FILE, loadConfig } from '../config/load';
import type { DrConfig } from '../config/schema';
import { ControlPlaneStack } from './stacks/control-plane-stack';

const app = new App();
const configFile = String(app.node.tryGetContext('config') ?? DEFAULT_CONFIG_FILE);

let config: DrConfig;
try {
  config = loadConfig(configFile);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  // The message already names every bad field; a stack trace would only bury it.
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
}

// Without credentials CDK_DEFAULT_ACCOUNT is unset: the account then stays the deploy-time
// AWS::AccountId, so synth needs no AWS call while the region is still explicit (both stacks need it).
const account = process.env.CDK_DEFAULT_ACCOUNT;

for (const role of ['primary', 'standby'] as const) {
  const region = config.regions[role].name;
  new ControlPlaneStack(app, `${config.application}-dr-${region}`, {
    env: { account, region },
    config,
    description: `DR control plane for ${config.application} (${role} region ${region})`,
  });
}
