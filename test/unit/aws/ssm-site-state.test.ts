import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { SsmSiteState } from '../../../functions/shared/aws/ssm-site-state';
import { StepFailedError, TransientError } from '../../../functions/shared/errors';
import { awsError } from './fixtures';

const east = new SSMClient({ region: 'us-east-1' });
const west = new SSMClient({ region: 'us-west-2' });
const eastMock = mockClient(east);
const westMock = mockClient(west);

function siteState(prefix = '/orders/dr/site-state') {
  const ssmFor = jest.fn((region: string) => ({ 'us-east-1': east, 'us-west-2': west })[region]!);
  return { state: new SsmSiteState({ ssmFor, parameterPrefix: prefix }), ssmFor };
}

beforeEach(() => {
  eastMock.reset();
  westMock.reset();
});

describe('SsmSiteState', () => {
  it('reads ${prefix}/${region} from that region’s SSM', async () => {
    westMock.on(GetParameterCommand).resolves({ Parameter: { Name: '/orders/dr/site-state/us-west-2', Value: 'PASSIVE' } });
    const { state, ssmFor } = siteState();
    await expect(state.get('us-west-2')).resolves.toBe('PASSIVE');
    expect(ssmFor).toHaveBeenCalledWith('us-west-2');
    expect(westMock.commandCalls(GetParameterCommand)[0].args[0].input).toEqual({ Name: '/orders/dr/site-state/us-west-2' });
    expect(eastMock).not.toHaveReceivedAnyCommand();
  });

  it('writes with PutParameter Overwrite, type String, in that region', async () => {
    eastMock.on(PutParameterCommand).resolves({ Version: 2 });
    await siteState('/orders/dr/site-state/').state.set('us-east-1', 'PASSIVE');
    expect(eastMock).toHaveReceivedCommandTimes(PutParameterCommand, 1);
    expect(eastMock.commandCalls(PutParameterCommand)[0].args[0].input).toEqual({
      Name: '/orders/dr/site-state/us-east-1',
      Value: 'PASSIVE',
      Type: 'String',
      Overwrite: true,
    });
    expect(westMock).not.toHaveReceivedAnyCommand();
  });

  it('treats a missing parameter as an error naming it, never as a default', async () => {
    eastMock.on(GetParameterCommand).rejects(awsError('ParameterNotFound'));
    const err = await siteState()
      .state.get('us-east-1')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepFailedError);
    expect((err as Error).message).toContain('/orders/dr/site-state/us-east-1');
  });

  it('refuses a value other than ACTIVE or PASSIVE', async () => {
    eastMock.on(GetParameterCommand).resolves({ Parameter: { Value: 'active' } });
    await expect(siteState().state.get('us-east-1')).rejects.toThrow(StepFailedError);
  });

  it('turns throttling into TransientError on read and write', async () => {
    eastMock.on(GetParameterCommand).rejects(awsError('ThrottlingException'));
    eastMock.on(PutParameterCommand).rejects(awsError('InternalServerError', { status: 500 }));
    const { state } = siteState();
    await expect(state.get('us-east-1')).rejects.toBeInstanceOf(TransientError);
    await expect(state.set('us-east-1', 'ACTIVE')).rejects.toBeInstanceOf(TransientError);
  });

  describe('describe', () => {
    const changed = new Date('2025-01-02T03:04:05.678Z');

    it('reads the value and LastModifiedDate of ${prefix}/${region} from that region’s SSM, as epoch ms', async () => {
      westMock
        .on(GetParameterCommand)
        .resolves({ Parameter: { Name: '/orders/dr/site-state/us-west-2', Value: 'ACTIVE', LastModifiedDate: changed, Version: 7 } });
      const { state, ssmFor } = siteState();
      await expect(state.describe('us-west-2')).resolves.toEqual({ value: 'ACTIVE', changedAt: changed.getTime() });
      expect(ssmFor).toHaveBeenCalledWith('us-west-2');
      expect(westMock).toHaveReceivedCommandWith(GetParameterCommand, { Name: '/orders/dr/site-state/us-west-2' });
      expect(eastMock).not.toHaveReceivedAnyCommand();
    });

    it('fails like get: a missing parameter names it, a bad value is refused, throttling is transient', async () => {
      eastMock
        .on(GetParameterCommand)
        .rejectsOnce(awsError('ParameterNotFound'))
        .resolvesOnce({ Parameter: { Value: 'active', LastModifiedDate: changed } })
        .rejectsOnce(awsError('ThrottlingException'));
      const { state } = siteState();
      const missing = await state.describe('us-east-1').catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(StepFailedError);
      expect((missing as Error).message).toContain('/orders/dr/site-state/us-east-1');
      await expect(state.describe('us-east-1')).rejects.toThrow(/holds "active"; expected ACTIVE or PASSIVE/);
      await expect(state.describe('us-east-1')).rejects.toBeInstanceOf(TransientError);
    });

    it('refuses a record without a change time rather than guessing one', async () => {
      eastMock
        .on(GetParameterCommand)
        .resolvesOnce({ Parameter: { Value: 'ACTIVE' } })
        .resolvesOnce({ Parameter: { Value: 'ACTIVE', LastModifiedDate: new Date('not a date') } });
      const { state } = siteState();
      await expect(state.describe('us-east-1')).rejects.toThrow(/without a LastModifiedDate/);
      await expect(state.describe('us-east-1')).rejects.toBeInstanceOf(StepFailedError);
    });
  });
});
