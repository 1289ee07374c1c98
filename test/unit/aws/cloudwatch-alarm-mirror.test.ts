import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { CloudWatchAlarmMirror } from '../../../functions/shared/aws/cloudwatch-alarm-mirror';
import { InvalidInputError, TransientError } from '../../../functions/shared/errors';
import { awsError } from './fixtures';

const cw = mockClient(CloudWatchClient);
const mirror = () => new CloudWatchAlarmMirror({ cloudWatch: new CloudWatchClient({ region: 'us-west-2' }), alarmNamePrefix: 'orders-dr-' });
const NAME = 'orders-dr-route53-health-check--global--us-east-1';

beforeEach(() => cw.reset());

describe('CloudWatchAlarmMirror', () => {
  it('sets the same-named local alarm to the forwarded state, reason capped at 1023 characters', async () => {
    cw.on(SetAlarmStateCommand).resolves({});
    await mirror().mirror(NAME, 'ALARM', `Forwarded from us-east-1: ${'x'.repeat(2000)}`);
    const input = cw.commandCalls(SetAlarmStateCommand)[0].args[0].input;
    expect(input).toMatchObject({ AlarmName: NAME, StateValue: 'ALARM' });
    expect(input.StateReason).toHaveLength(1023);
    expect(input.StateReason!.startsWith('Forwarded from us-east-1')).toBe(true);
  });

  it('refuses alarms outside the prefix; maps throttling to TransientError', async () => {
    await expect(mirror().mirror('prod-database-cpu', 'OK', 'r')).rejects.toThrow(InvalidInputError);
    expect(cw).toHaveReceivedCommandTimes(SetAlarmStateCommand, 0);
    cw.on(SetAlarmStateCommand).rejects(awsError('Throttling'));
    await expect(mirror().mirror(NAME, 'OK', 'r')).rejects.toThrow(TransientError);
  });
});
