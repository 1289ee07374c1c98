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
    expect(eastMock.commandCalls(PutParameterCommand)[0].args[0].input).toEqual({ Name: '/orders/dr/site-state/us-east-1', Value: 'PASSIVE', Type: 'String', Overwrite: true });
    expect(westMock).not.toHaveReceivedAnyCommand();
  });

  it('treats a missing parameter as an error naming it, never as a default', async () => {
    eastMock.on(GetParameterCommand).rejects(awsError('ParameterNotFound'));
    const err = await siteState().state.get('us-east-1').catch((e: unknown) => e);
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
});
