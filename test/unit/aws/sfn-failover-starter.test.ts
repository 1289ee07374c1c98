import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { SfnFailoverStarter } from '../../../functions/shared/aws/sfn-failover-starter';
import { ConfigurationError, TransientError } from '../../../functions/shared/errors';
import { awsError } from './fixtures';

const sfn = mockClient(SFNClient);
const ARN = 'arn:aws:states:us-west-2:111122223333:stateMachine:orders-dr-failover';
const starter = () => new SfnFailoverStarter({ sfn: new SFNClient({ region: 'us-west-2' }), stateMachineArn: ARN });
const input = { incidentId: 'orders-us-east-1-20250304T050607Z', fromRegion: 'us-east-1', toRegion: 'us-west-2' };

beforeEach(() => sfn.reset());

describe('SfnFailoverStarter', () => {
  it('starts its state machine with the deterministic name and the JSON input', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN.replace(':stateMachine:', ':execution:')}:${input.incidentId}`, startDate: new Date() });
    await expect(starter().start(input.incidentId, input)).resolves.toEqual({
      executionId: 'arn:aws:states:us-west-2:111122223333:execution:orders-dr-failover:orders-us-east-1-20250304T050607Z',
      started: true,
    });
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, { stateMachineArn: ARN, name: input.incidentId, input: JSON.stringify(input) });
  });

  it('ExecutionAlreadyExists means this incident already has its execution: handled, with its ARN', async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));
    await expect(starter().start(input.incidentId, input)).resolves.toEqual({
      executionId: 'arn:aws:states:us-west-2:111122223333:execution:orders-dr-failover:orders-us-east-1-20250304T050607Z',
      started: false,
    });
  });

  it('throttling is a TransientError (the event is retried); other errors pass through', async () => {
    sfn.on(StartExecutionCommand).rejects(awsError('ThrottlingException'));
    await expect(starter().start('n', input)).rejects.toThrow(TransientError);
    const gone = awsError('StateMachineDoesNotExist');
    sfn.on(StartExecutionCommand).rejects(gone);
    await expect(starter().start('n', input)).rejects.toBe(gone);
  });

  it('knows its region from the ARN and refuses anything but a state machine ARN', () => {
    expect(starter().region).toBe('us-west-2');
    expect(() => new SfnFailoverStarter({ sfn: new SFNClient({}), stateMachineArn: 'arn:aws:lambda:us-west-2:111122223333:function:x' })).toThrow(
      ConfigurationError,
    );
  });
});
