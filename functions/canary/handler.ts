import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { metricData, parseCanaryConfig, runCanary, type CanaryConfig } from './probe-loop';

/**
 * The Synthetics canary script (handler `index.handler`). infra/constructs/detection.ts bundles it with
 * esbuild into the canary's inline code; `@aws-sdk/*` stays external because the Synthetics Node.js
 * runtimes run on a Lambda Node.js runtime that ships SDK v3.
 */

let cached: { config: CanaryConfig; clients: Map<string, CloudWatchClient> } | undefined;

function setup() {
  if (!cached) {
    const config = parseCanaryConfig(process.env.CANARY_CONFIG);
    // One attempt with short timeouts: a dark region must not hold up the rounds for the live one.
    const clients = new Map(
      config.metricRegions.map((region) => [
        region,
        new CloudWatchClient({ region, maxAttempts: 1, requestHandler: { connectionTimeout: 2_000, requestTimeout: 3_000 } }),
      ]),
    );
    cached = { config, clients };
  }
  return cached;
}

export const handler = async () => {
  const { config, clients } = setup();
  const summary = await runCanary(config, {
    fetch: (url, init) => fetch(url, init),
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    publish: async (region, round) => {
      const client = clients.get(region);
      if (!client) throw new Error(`No CloudWatch client for ${region}: the canary publishes only to its metricRegions`);
      await client.send(new PutMetricDataCommand({ Namespace: config.namespace, MetricData: metricData(config.vantage, round) }));
    },
  });
  console.log(JSON.stringify({ canary: 'dr-probe', ...summary }));
  // A failed probe is data, not a canary failure; reaching no region at all is (nothing was recorded).
  if (Object.values(summary.published).every((n) => n === 0)) {
    throw new Error(`No datapoint reached any region: ${JSON.stringify(summary.publishErrors)}`);
  }
  return summary;
};
