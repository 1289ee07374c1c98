import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { DescribeGlobalClustersCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { LAMBDA_ENV } from '../../../config/lambda-environment';
import { failoverOrchestratorAwsDeps } from '../../../functions/failover-orchestrator/aws-deps';
import { AuroraGlobalPromotion } from '../../../functions/shared/aws/aurora-global-promotion';
import { AwsStandbyScaler } from '../../../functions/shared/aws/scaling-standby';
import { SsmSiteState } from '../../../functions/shared/aws/ssm-site-state';
import { InvalidInputError } from '../../../functions/shared/errors';
import { itFailsNamingEachMissingVariable, lambdaEnv, regionOf, store } from './fixtures';

describe('failoverOrchestratorAwsDeps', () => {
  const ssm = mockClient(SSMClient);
  const rds = mockClient(RDSClient);
  beforeEach(() => {
    ssm.reset();
    rds.reset();
  });

  it('builds every port from a full environment', () => {
    const deps = failoverOrchestratorAwsDeps(lambdaEnv());
    expect(Object.keys(deps).sort()).toEqual(['audit', 'clock', 'config', 'dataStores', 'idempotency', 'scaler', 'siteState']);
    expect(deps.siteState).toBeInstanceOf(SsmSiteState);
    expect(deps.scaler).toBeInstanceOf(AwsStandbyScaler);
    expect(deps.idempotency.persistenceStore).toBeInstanceOf(DynamoDBPersistenceLayer);
    expect(deps.dataStores).toBeInstanceOf(AuroraGlobalPromotion);
  });

  itFailsNamingEachMissingVariable(failoverOrchestratorAwsDeps, [
    'LAMBDA_TASK_ROOT',
    LAMBDA_ENV.controlPlaneRegion,
    LAMBDA_ENV.siteStateParameterPrefix,
    LAMBDA_ENV.auditTable,
    LAMBDA_ENV.idempotencyTable,
  ]);

  it('reads site state in the region it concerns and refuses unconfigured regions', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'ACTIVE' } });
    const deps = failoverOrchestratorAwsDeps(lambdaEnv());
    await deps.siteState.get('us-east-1');
    await deps.siteState.get('us-west-2');
    expect(ssm).toHaveReceivedNthCommandWith(1, GetParameterCommand, { Name: '/orders/dr/site-state/us-east-1' });
    expect(await regionOf(ssm.call(0).thisValue)).toBe('us-east-1');
    expect(await regionOf(ssm.call(1).thisValue)).toBe('us-west-2');
    await expect(deps.siteState.get('eu-west-1')).rejects.toBeInstanceOf(InvalidInputError);
    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 2);
  });

  it('promotes Aurora through the target region’s RDS client', async () => {
    rds.on(DescribeGlobalClustersCommand).resolves({
      GlobalClusters: [
        { GlobalClusterIdentifier: 'ledger-global', GlobalClusterMembers: [{ DBClusterArn: store('aurora-global').clusterArns['us-west-2'], IsWriter: true }] },
      ],
    });
    const result = await failoverOrchestratorAwsDeps(lambdaEnv()).dataStores.promote(store('aurora-global'), 'us-west-2', { planned: false });
    expect(result.action).toBe('none');
    expect(await regionOf(rds.call(0).thisValue)).toBe('us-west-2');
  });
});
