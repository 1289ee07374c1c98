import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { LAMBDA_ENV } from '../../config/lambda-environment';
import { clientConfig, documentClient } from '../shared/aws/clients';
import { CloudWatchAlarmMirror } from '../shared/aws/cloudwatch-alarm-mirror';
import { CloudWatchHealthSignals } from '../shared/aws/cloudwatch-health-signals';
import { DynamoDbAuditLog } from '../shared/aws/dynamodb-audit-log';
import { DynamoDbIncidentLock } from '../shared/aws/dynamodb-incident-lock';
import { configFromEnv, requireEnv } from '../shared/aws/environment';
import { SfnFailoverStarter } from '../shared/aws/sfn-failover-starter';
import { SnsNotifier } from '../shared/aws/sns-notifier';
import { SsmSiteState } from '../shared/aws/ssm-site-state';
import { ConfigurationError, InvalidInputError } from '../shared/errors';
import { systemClock } from '../shared/ports';
import type { AlarmTriggerDeps } from './alarm-trigger';

/** The alarm trigger's real dependencies: every client in this copy's own region, every variable read up front. */
export function alarmTriggerAwsDeps(env: NodeJS.ProcessEnv = process.env): AlarmTriggerDeps {
  const config = configFromEnv(env);
  const region = requireEnv(LAMBDA_ENV.controlPlaneRegion, env);
  const alarmNamePrefix = requireEnv(LAMBDA_ENV.alarmNamePrefix, env);
  const starter = new SfnFailoverStarter({ sfn: new SFNClient(clientConfig(region)), stateMachineArn: requireEnv(LAMBDA_ENV.stateMachineArn, env) });
  // Static stability: this copy may only ever start the state machine that activates its own region.
  if (starter.region !== region) {
    throw new ConfigurationError(
      `${LAMBDA_ENV.stateMachineArn} is in ${starter.region}, but this copy runs in ${region}; each region's trigger starts its own state machine only`,
    );
  }
  const cloudWatch = new CloudWatchClient(clientConfig(region));
  const parameterPrefix = requireEnv(LAMBDA_ENV.siteStateParameterPrefix, env);
  const ssm = new SSMClient(clientConfig(region));
  return {
    config,
    region,
    alarmNamePrefix,
    signals: new CloudWatchHealthSignals({
      cloudWatch,
      alarmNamePrefix,
      globalDomainName: config.globalDomain.name,
      probeTimeoutMs: config.detection.probeTimeoutMs,
    }),
    lock: new DynamoDbIncidentLock({ dynamoDb: new DynamoDBClient(clientConfig(region)), tableName: requireEnv(LAMBDA_ENV.incidentLockTable, env) }),
    starter,
    notifier: new SnsNotifier({ sns: new SNSClient(clientConfig(region)), topicArns: { alert: requireEnv(LAMBDA_ENV.alertTopicArn, env) } }),
    // Only this region's parameter is ever read: nothing on the trigger path calls the other region.
    siteState: new SsmSiteState({
      ssmFor: (r) => {
        if (r !== region) throw new InvalidInputError(`The alarm trigger in ${region} reads only its own site state, not ${r}`);
        return ssm;
      },
      parameterPrefix,
    }),
    audit: new DynamoDbAuditLog({ documentClient: documentClient(region), tableName: requireEnv(LAMBDA_ENV.auditTable, env) }),
    clock: systemClock,
    mirror: new CloudWatchAlarmMirror({ cloudWatch, alarmNamePrefix }),
  };
}
