import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { clientConfig, documentClient, perRegion } from '../shared/aws/clients';
import { DynamoDbAuditLog } from '../shared/aws/dynamodb-audit-log';
import { configFromEnv, requireEnv } from '../shared/aws/environment';
import { LAMBDA_ENV } from '../../config/lambda-environment';
import { SnsNotifier } from '../shared/aws/sns-notifier';
import { SsmSiteState } from '../shared/aws/ssm-site-state';
import { ConfigurationError } from '../shared/errors';
import { systemClock } from '../shared/ports';
import type { SiteStateReconcilerDeps } from './site-state-reconciler';

/**
 * The reconciler's real dependencies, built once per container from the environment the control-plane stack
 * sets. Every variable is read up front, so a missing one fails the first run with its name.
 */
export function siteStateReconcilerAwsDeps(env: NodeJS.ProcessEnv = process.env): SiteStateReconcilerDeps {
  const config = configFromEnv(env);
  const region = requireEnv(LAMBDA_ENV.controlPlaneRegion, env);
  const parameterPrefix = requireEnv(LAMBDA_ENV.siteStateParameterPrefix, env);
  const alertTopicArn = requireEnv(LAMBDA_ENV.alertTopicArn, env);
  const auditTable = requireEnv(LAMBDA_ENV.auditTable, env);
  const regions = [config.regions.primary.name, config.regions.standby.name];
  if (!regions.includes(region))
    throw new ConfigurationError(`${LAMBDA_ENV.controlPlaneRegion} is ${region}, which is not one of the configured regions (${regions.join(', ')})`);
  return {
    config,
    region,
    // Reads go to both regions (each switch lives in its own region); IAM lets this copy write its own switch only.
    siteState: new SsmSiteState({ ssmFor: perRegion(config, (r) => new SSMClient(clientConfig(r))), parameterPrefix }),
    notifier: new SnsNotifier({ sns: new SNSClient(clientConfig(region)), topicArns: { alert: alertTopicArn } }),
    audit: new DynamoDbAuditLog({ documentClient: documentClient(region), tableName: auditTable }),
    clock: systemClock,
  };
}
