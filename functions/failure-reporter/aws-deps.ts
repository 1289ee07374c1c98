import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { clientConfig, documentClient } from '../shared/aws/clients';
import { DynamoDbAuditLog } from '../shared/aws/dynamodb-audit-log';
import { configFromEnv, requireEnv } from '../shared/aws/environment';
import { LAMBDA_ENV } from '../../config/lambda-environment';
import { SnsNotifier } from '../shared/aws/sns-notifier';
import { systemClock } from '../shared/ports';
import type { FailureReporterDeps } from './failure-reporter';
import { SfnFailureReader } from './aws-failure-reader';

/** The reporter's real dependencies, from the environment the control-plane stack sets; every variable read up front. */
export function failureReporterAwsDeps(env: NodeJS.ProcessEnv = process.env): FailureReporterDeps {
  const config = configFromEnv(env);
  const region = requireEnv(LAMBDA_ENV.controlPlaneRegion, env);
  const escalationTopicArn = requireEnv(LAMBDA_ENV.escalationTopicArn, env);
  const auditTable = requireEnv(LAMBDA_ENV.auditTable, env);
  return {
    config,
    // The executions it reports ran in this region: the rule that invokes it lives next to them.
    reader: new SfnFailureReader(new SFNClient(clientConfig(region))),
    notifier: new SnsNotifier({ sns: new SNSClient(clientConfig(region)), topicArns: { escalation: escalationTopicArn } }),
    audit: new DynamoDbAuditLog({ documentClient: documentClient(region), tableName: auditTable }),
    clock: systemClock,
  };
}
