import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { ChangeResourceRecordSetsCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { LAMBDA_ENV } from '../../../config/lambda-environment';
import { ArcRoutingControlTraffic } from '../../../functions/shared/aws/arc-routing-control-traffic';
import { Route53WeightedTraffic } from '../../../functions/shared/aws/route53-weighted-traffic';
import { trafficRouterAwsDeps } from '../../../functions/traffic-router/aws-deps';
import { bundledConfigEnv, configInput, itFailsNamingEachMissingVariable, lambdaEnv } from './fixtures';

describe('trafficRouterAwsDeps', () => {
  const r53 = mockClient(Route53Client);
  beforeEach(() => r53.reset());

  it('builds every port from a full environment', () => {
    const deps = trafficRouterAwsDeps(lambdaEnv());
    expect(Object.keys(deps).sort()).toEqual(['audit', 'clock', 'config', 'idempotency', 'traffic']);
    expect(deps.traffic).toBeInstanceOf(Route53WeightedTraffic);
    expect(deps.idempotency.persistenceStore).toBeInstanceOf(DynamoDBPersistenceLayer);
    expect(deps.traffic.strategy).toBe('route53-weighted');
  });

  itFailsNamingEachMissingVariable(trafficRouterAwsDeps, [
    'LAMBDA_TASK_ROOT',
    LAMBDA_ENV.controlPlaneRegion,
    LAMBDA_ENV.auditTable,
    LAMBDA_ENV.idempotencyTable,
  ]);

  it.each([
    [
      'arc-routing-control',
      {
        strategy: 'arc-routing-control',
        clusterEndpoints: [{ region: 'us-west-2', endpoint: 'https://host.example.com' }],
        routingControlArns: { 'us-east-1': 'arn:aws:route53-recovery-control::1:rc/a', 'us-west-2': 'arn:aws:route53-recovery-control::1:rc/b' },
      },
      ArcRoutingControlTraffic,
    ],
    ['active-active', { strategy: 'active-active', hostedZoneId: 'Z0123456789ABCDEFGHIJ' }, Route53WeightedTraffic],
  ] as const)('picks the adapter from traffic.strategy: %s', (strategy, traffic, adapter) => {
    const env = { ...lambdaEnv(), ...bundledConfigEnv({ ...configInput, traffic }) };
    const deps = trafficRouterAwsDeps(env);
    expect(deps.traffic).toBeInstanceOf(adapter);
    expect(deps.traffic.strategy).toBe(strategy);
  });

  it('upserts the config’s zone, name, TTL and each region’s API host', async () => {
    r53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [], IsTruncated: false, MaxItems: 300 });
    r53.on(ChangeResourceRecordSetsCommand).resolves({ ChangeInfo: { Id: '/change/C1', Status: 'INSYNC', SubmittedAt: new Date() } });
    await trafficRouterAwsDeps(lambdaEnv()).traffic.shiftTo('us-west-2', 'us-east-1');
    const change = r53.commandCalls(ChangeResourceRecordSetsCommand)[0].args[0].input;
    expect(change.HostedZoneId).toBe('Z0123456789ABCDEFGHIJ');
    expect(change.ChangeBatch!.Changes!.map((c) => c.ResourceRecordSet)).toEqual([
      expect.objectContaining({
        Name: 'api.orders.example.com',
        SetIdentifier: 'us-west-2',
        Weight: 100,
        TTL: 15,
        ResourceRecords: [{ Value: 'usw2.api.orders.example.com' }],
      }),
      expect.objectContaining({
        Name: 'api.orders.example.com',
        SetIdentifier: 'us-east-1',
        Weight: 0,
        TTL: 15,
        ResourceRecords: [{ Value: 'use1.api.orders.example.com' }],
      }),
    ]);
  });
});
