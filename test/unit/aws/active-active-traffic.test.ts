import { ChangeResourceRecordSetsCommand, ListResourceRecordSetsCommand, Route53Client, type ResourceRecordSet } from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { Route53WeightedTraffic } from '../../../functions/shared/aws/route53-weighted-traffic';

const r53 = mockClient(Route53Client);
const NAME = 'api.orders.example.com';
const weighted = (region: string, weight: number): ResourceRecordSet => ({
  Name: `${NAME}.`,
  Type: 'CNAME',
  SetIdentifier: region,
  Weight: weight,
  TTL: 15,
  ResourceRecords: [{ Value: `${region}.example.com` }],
});

const activeActive = () =>
  new Route53WeightedTraffic({
    route53: new Route53Client({ region: 'us-west-2' }),
    hostedZoneId: 'Z0123456789ABCDEFGHIJ',
    recordName: NAME,
    ttlSeconds: 15,
    regions: [
      { name: 'us-east-1', host: 'use1.example.com' },
      { name: 'us-west-2', host: 'usw2.example.com' },
    ],
    mode: 'drain-source',
    sleep: async () => undefined,
  });

const changes = () =>
  (r53.commandCalls(ChangeResourceRecordSetsCommand)[0].args[0].input.ChangeBatch?.Changes ?? []).map((c) => [
    c.ResourceRecordSet?.SetIdentifier,
    c.ResourceRecordSet?.Weight,
  ]);

beforeEach(() => {
  r53.reset();
  r53.on(ChangeResourceRecordSetsCommand).resolves({ ChangeInfo: { Id: '/change/C1', Status: 'INSYNC', SubmittedAt: new Date(0) } });
});

describe('active-active (Route 53 weighted, drain the impaired region)', () => {
  it('sets only the impaired region to 0 and keeps the healthy region at its serving weight, in one batch', async () => {
    r53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [weighted('us-east-1', 70), weighted('us-west-2', 30)], IsTruncated: false });
    const t = activeActive();
    expect(t.strategy).toBe('active-active');
    const shift = await t.shiftTo('us-west-2', 'us-east-1');
    expect(changes()).toEqual([
      ['us-west-2', 30],
      ['us-east-1', 0],
    ]);
    expect(shift.before.weights).toEqual({ 'us-east-1': 70, 'us-west-2': 30 });
    expect(shift.after.weights).toEqual({ 'us-east-1': 0, 'us-west-2': 100 });
  });

  it('gives the remaining region weight 100 if it had none (an all-zero set would spread traffic evenly again)', async () => {
    r53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [weighted('us-east-1', 100), weighted('us-west-2', 0)], IsTruncated: false });
    await activeActive().shiftTo('us-west-2', 'us-east-1');
    expect(changes()).toEqual([
      ['us-west-2', 100],
      ['us-east-1', 0],
    ]);
  });
});
