import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { loadConfig } from '../../config/load';
import { configuredRegionOf } from '../../infra/constructs/configured-region';
import { testApp } from '../support/cdk';

const config = loadConfig(join(__dirname, '..', '..', 'dr.config.json'));

describe('configuredRegionOf: a regional construct lives in one of the two configured regions', () => {
  it("gives the stack's region when it is the primary or the standby", () => {
    const app = testApp();
    for (const region of [config.regions.primary.name, config.regions.standby.name]) {
      expect(configuredRegionOf(new Stack(app, `in-${region}`, { env: { region } }), config, 'Detection')).toBe(region);
    }
  });

  it('refuses a third region and a region-agnostic stack, naming the construct and both regions', () => {
    const app = testApp();
    const regions = `(${config.regions.primary.name}, ${config.regions.standby.name})`;
    expect(() => configuredRegionOf(new Stack(app, 'third', { env: { region: 'eu-west-1' } }), config, 'Detection')).toThrow(
      `third: Detection needs a stack in one of the configured regions ${regions}, got eu-west-1`,
    );
    expect(() => configuredRegionOf(new Stack(app, 'agnostic'), config, 'TaskFunctions')).toThrow(
      /agnostic: TaskFunctions needs a stack in one of the configured regions/,
    );
  });
});
