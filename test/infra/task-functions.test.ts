import { resolve } from 'node:path';
import { loadConfig, parseConfig } from '../../config/load';
import { ControlPlaneStack } from '../../infra/stacks/control-plane-stack';
import { testApp } from '../support/cdk';

// Its own app (bundling skipped): the config here is deliberately too big for Lambda's environment.
const base = loadConfig(resolve(__dirname, '..', '..', 'dr.config.json'));
const manyStores = parseConfig({
  ...base,
  dataStores: Array.from({ length: 60 }, (_, i) => ({ kind: 'dynamodb-global-table', name: `store-${i}`, tableName: `orders-archive-table-${i}` })),
});
const app = testApp();
new ControlPlaneStack(app, 'too-big', { env: { region: manyStores.regions.primary.name }, config: manyStores });

test('a config that would push a function environment past 4 KB fails the synth, naming DR_CONFIG', () => {
  expect(() => app.synth()).toThrow(/HealthChecker: environment variables need up to \d+ bytes, over Lambda's 4096-byte limit \(DR_CONFIG alone is \d+ bytes\)/);
});
