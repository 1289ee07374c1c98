import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';

/** The SDK clients the AWS commands use, one per region; tests swap in mocked ones. */
export interface AwsClients {
  sfn(region: string): SFNClient;
  ssm(region: string): SSMClient;
}

/**
 * Short timeouts: during an incident one region is usually dark, and `drctl status` must report it
 * as unreachable within seconds instead of hanging on it.
 */
const clientConfig = (region: string) => ({
  region,
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000 },
});

export function defaultClients(): AwsClients {
  const sfn = new Map<string, SFNClient>();
  const ssm = new Map<string, SSMClient>();
  return {
    sfn: (region) => sfn.get(region) ?? sfn.set(region, new SFNClient(clientConfig(region))).get(region)!,
    ssm: (region) => ssm.get(region) ?? ssm.set(region, new SSMClient(clientConfig(region))).get(region)!,
  };
}
