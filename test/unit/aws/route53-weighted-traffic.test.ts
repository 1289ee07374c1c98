import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { Route53WeightedTraffic } from '../../../functions/shared/aws/route53-weighted-traffic';
import { InvalidInputError, TransientError } from '../../../functions/shared/errors';
import { awsError } from './fixtures';

const r53 = mockClient(Route53Client);
const ZONE = 'Z0123456789ABCDEFGHIJ';
const NAME = 'api.orders.example.com';

function weighted(region: string, weight: number, host = `${region}.example.com`): ResourceRecordSet {
  return { Name: `${NAME}.`, Type: 'CNAME', SetIdentifier: region, Weight: weight, TTL: 15, ResourceRecords: [{ Value: host }] };
}

function traffic(opts: { maxWaitMs?: number } = {}) {
  const sleep = jest.fn(async (_ms: number) => {});
  const control = new Route53WeightedTraffic({
    route53: new Route53Client({ region: 'us-west-2' }),
    hostedZoneId: ZONE,
    recordName: NAME,
    ttlSeconds: 15,
    regions: [
      { name: 'us-east-1', host: 'use1.api.orders.example.com' },
      { name: 'us-west-2', host: 'usw2.api.orders.example.com' },
    ],
    sleep,
    pollIntervalMs: 1_000,
    maxWaitMs: opts.maxWaitMs ?? 3_000,
  });
  return { control, sleep };
}

beforeEach(() => r53.reset());

describe('Route53WeightedTraffic.describe', () => {
  it('lists the record set from the global name and reports shares per region', async () => {
    r53.on(ListResourceRecordSetsCommand).resolves({
      ResourceRecordSets: [
        weighted('us-east-1', 100),
        weighted('us-west-2', 0),
        { Name: `zzz.${NAME}.`, Type: 'CNAME', SetIdentifier: 'us-west-2', Weight: 100 },
      ],
      IsTruncated: false,
      MaxItems: 300,
    });
    const { control } = traffic();
    await expect(control.describe()).resolves.toEqual({ weights: { 'us-east-1': 100, 'us-west-2': 0 } });
    expect(r53).toHaveReceivedCommandTimes(ListResourceRecordSetsCommand, 1);
    expect(r53.commandCalls(ListResourceRecordSetsCommand)[0].args[0].input).toEqual({ HostedZoneId: ZONE, StartRecordName: NAME, StartRecordType: 'CNAME' });
  });

  it('stops at a record of another type or name and ignores unknown set identifiers', async () => {
    r53.on(ListResourceRecordSetsCommand).resolves({
      ResourceRecordSets: [
        weighted('us-east-1', 30),
        weighted('eu-west-1', 50),
        { Name: `${NAME}.`, Type: 'TXT', ResourceRecords: [{ Value: '"x"' }] },
        weighted('us-west-2', 255),
      ],
      IsTruncated: false,
      MaxItems: 300,
    });
    // us-west-2 appears only after the set ended, so it has no record: the weight 30 is 100% of the set.
    await expect(traffic().control.describe()).resolves.toEqual({ weights: { 'us-east-1': 100, 'us-west-2': 0 } });
  });

  it('follows truncated listings with the next record identifier', async () => {
    r53
      .on(ListResourceRecordSetsCommand)
      .resolvesOnce({
        ResourceRecordSets: [weighted('us-east-1', 1)],
        IsTruncated: true,
        NextRecordName: `${NAME}.`,
        NextRecordType: 'CNAME',
        NextRecordIdentifier: 'us-west-2',
        MaxItems: 1,
      })
      .resolvesOnce({ ResourceRecordSets: [weighted('us-west-2', 3)], IsTruncated: false, MaxItems: 1 });
    await expect(traffic().control.describe()).resolves.toEqual({ weights: { 'us-east-1': 25, 'us-west-2': 75 } });
    expect(r53).toHaveReceivedNthCommandWith(2, ListResourceRecordSetsCommand, {
      HostedZoneId: ZONE,
      StartRecordName: `${NAME}.`,
      StartRecordType: 'CNAME',
      StartRecordIdentifier: 'us-west-2',
    });
  });

  it('reports even shares when every record weighs 0, as Route 53 routes then', async () => {
    r53
      .on(ListResourceRecordSetsCommand)
      .resolves({ ResourceRecordSets: [weighted('us-east-1', 0), weighted('us-west-2', 0)], IsTruncated: false, MaxItems: 300 });
    await expect(traffic().control.describe()).resolves.toEqual({ weights: { 'us-east-1': 50, 'us-west-2': 50 } });
  });

  it('turns throttling into TransientError', async () => {
    r53.on(ListResourceRecordSetsCommand).rejects(awsError('Throttling', { message: 'Rate exceeded' }));
    await expect(traffic().control.describe()).rejects.toBeInstanceOf(TransientError);
  });
});

describe('Route53WeightedTraffic.shiftTo', () => {
  const expectedChange = {
    HostedZoneId: ZONE,
    ChangeBatch: {
      Comment: `DR: all traffic for ${NAME} to us-west-2`,
      Changes: [
        {
          Action: 'UPSERT',
          ResourceRecordSet: {
            Name: NAME,
            Type: 'CNAME',
            SetIdentifier: 'us-west-2',
            Weight: 100,
            TTL: 15,
            ResourceRecords: [{ Value: 'usw2.api.orders.example.com' }],
          },
        },
        {
          Action: 'UPSERT',
          ResourceRecordSet: {
            Name: NAME,
            Type: 'CNAME',
            SetIdentifier: 'us-east-1',
            Weight: 0,
            TTL: 15,
            ResourceRecords: [{ Value: 'use1.api.orders.example.com' }],
          },
        },
      ],
    },
  };

  beforeEach(() => {
    r53
      .on(ListResourceRecordSetsCommand)
      .resolves({ ResourceRecordSets: [weighted('us-east-1', 100), weighted('us-west-2', 0)], IsTruncated: false, MaxItems: 300 });
  });

  it('upserts both records in one change batch and polls GetChange until INSYNC', async () => {
    r53.on(ChangeResourceRecordSetsCommand).resolves({ ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() } });
    r53
      .on(GetChangeCommand)
      .resolvesOnce({ ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() } })
      .resolvesOnce({ ChangeInfo: { Id: '/change/C1', Status: 'INSYNC', SubmittedAt: new Date() } });
    const { control, sleep } = traffic();

    const shift = await control.shiftTo('us-west-2', 'us-east-1');

    expect(r53).toHaveReceivedCommandTimes(ChangeResourceRecordSetsCommand, 1);
    expect(r53.commandCalls(ChangeResourceRecordSetsCommand)[0].args[0].input).toEqual(expectedChange);
    expect(r53).toHaveReceivedCommandTimes(GetChangeCommand, 2);
    expect(r53).toHaveReceivedCommandWith(GetChangeCommand, { Id: '/change/C1' });
    expect(sleep.mock.calls).toEqual([[1_000], [1_000]]);
    expect(shift).toEqual({
      before: { weights: { 'us-east-1': 100, 'us-west-2': 0 } },
      after: { weights: { 'us-east-1': 0, 'us-west-2': 100 } },
      changeId: '/change/C1',
      via: `route53:ChangeResourceRecordSets ${ZONE}`,
    });
  });

  it('throws TransientError when the change is not INSYNC within the max wait, and a retry re-sends the same batch', async () => {
    r53.on(ChangeResourceRecordSetsCommand).resolves({ ChangeInfo: { Id: '/change/C2', Status: 'PENDING', SubmittedAt: new Date() } });
    r53.on(GetChangeCommand).resolves({ ChangeInfo: { Id: '/change/C2', Status: 'PENDING', SubmittedAt: new Date() } });
    const { control } = traffic({ maxWaitMs: 3_000 });

    await expect(control.shiftTo('us-west-2', 'us-east-1')).rejects.toThrow(TransientError);
    expect(r53).toHaveReceivedCommandTimes(GetChangeCommand, 3);

    await expect(control.shiftTo('us-west-2', 'us-east-1')).rejects.toThrow(/not INSYNC/);
    const batches = r53.commandCalls(ChangeResourceRecordSetsCommand).map((c) => c.args[0].input);
    expect(batches).toEqual([expectedChange, expectedChange]);
  });

  it.each([
    ['Throttling', awsError('Throttling', { message: 'Rate exceeded' })],
    ['PriorRequestNotComplete', awsError('PriorRequestNotComplete')],
  ])('turns %s into TransientError', async (_name, error) => {
    r53.on(ChangeResourceRecordSetsCommand).rejects(error);
    await expect(traffic().control.shiftTo('us-west-2', 'us-east-1')).rejects.toBeInstanceOf(TransientError);
  });

  it('turns throttling while polling into TransientError', async () => {
    r53.on(ChangeResourceRecordSetsCommand).resolves({ ChangeInfo: { Id: '/change/C3', Status: 'PENDING', SubmittedAt: new Date() } });
    r53.on(GetChangeCommand).rejects(awsError('Throttling'));
    await expect(traffic().control.shiftTo('us-west-2', 'us-east-1')).rejects.toBeInstanceOf(TransientError);
  });

  it('lets an invalid change batch fail as it is (no retry can fix it)', async () => {
    const invalid = awsError('InvalidChangeBatch');
    r53.on(ChangeResourceRecordSetsCommand).rejects(invalid);
    await expect(traffic().control.shiftTo('us-west-2', 'us-east-1')).rejects.toBe(invalid);
  });

  it('refuses a region without a record before changing anything', async () => {
    await expect(traffic().control.shiftTo('eu-west-1', 'us-east-1')).rejects.toBeInstanceOf(InvalidInputError);
    expect(r53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
  });
});
