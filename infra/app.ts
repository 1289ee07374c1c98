import { App } from 'aws-cdk-lib';
import { ConfigError, DEFAULT_CONFIG_FILE, loadConfig } from '../config/load';
import type { DrConfig } from '../config/schema';
import { ControlPlaneStack } from './stacks/control-plane-stack';
import { HealthCheckStack } from './stacks/health-check-stack';
import { TrafficPrerequisitesStack, wantsTrafficPrerequisites } from './stacks/traffic-prerequisites-stack';
import { controlPlaneStackName, healthCheckStackName, trafficPrerequisitesStackName } from '../config/resource-names';
import { trafficPrerequisitesRegion } from './naming';

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

// Route 53 health-check metrics exist only in us-east-1, whatever the application's regions are.
const healthChecks = new HealthCheckStack(app, healthCheckStackName(config.application), {
  env: { account, region: 'us-east-1' },
  config,
  description: `Route 53 health checks and alarms for ${config.application} DR detection (forwarded to the control-plane regions)`,
});

for (const role of ['primary', 'standby'] as const) {
  const region = config.regions[role].name;
  const controlPlane = new ControlPlaneStack(app, controlPlaneStackName(config.application, region), {
    env: { account, region },
    config,
    description: `DR control plane for ${config.application} (${role} region ${region})`,
  });
  // The quorum composite alarm names the Route 53 alarm; in us-east-1 that alarm must exist first.
  controlPlane.addStackDependency(healthChecks);
}

// Off by default (config `prerequisites`): deployed once, not per region, and read by nothing on the failover
// path; its outputs go into the config's traffic section (docs/deploy.md, "Traffic prerequisites as code").
if (wantsTrafficPrerequisites(config)) {
  new TrafficPrerequisitesStack(app, trafficPrerequisitesStackName(config.application), {
    env: { account, region: trafficPrerequisitesRegion(config.traffic.strategy) },
    config,
    description: `Traffic-routing prerequisites for ${config.application} DR (${config.traffic.strategy})`,
  });
}
