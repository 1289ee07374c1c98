import { executionStatusAlert, type ExecutionStatusChangeEvent } from '../../functions/shared/execution-status-alert';

const event = (status: string, over: Partial<ExecutionStatusChangeEvent> = {}): ExecutionStatusChangeEvent => ({
  source: 'aws.states',
  'detail-type': 'Step Functions Execution Status Change',
  detail: {
    executionArn: 'arn:aws:states:us-west-2:111122223333:execution:orders-dr-failover:inc-7',
    stateMachineArn: 'arn:aws:states:us-west-2:111122223333:stateMachine:orders-dr-failover',
    name: 'inc-7',
    status,
  },
  ...over,
});

describe('executionStatusAlert', () => {
  it.each(['FAILED', 'TIMED_OUT', 'ABORTED'])('alerts on %s with the execution, its state machine and what to do', (status) => {
    const alert = executionStatusAlert(event(status));
    expect(alert?.subject).toBe(`DR: execution inc-7 ended ${status}`);
    const lines = alert?.body.split('\n') ?? [];
    expect(lines[0]).toBe(alert?.subject);
    expect(lines).toContain('Execution: arn:aws:states:us-west-2:111122223333:execution:orders-dr-failover:inc-7');
    expect(lines).toContain('State machine: arn:aws:states:us-west-2:111122223333:stateMachine:orders-dr-failover');
    expect(alert?.body).toMatch(
      /What to do: .*States\.DataLimitExceeded.*`drctl history arn:aws:states:us-west-2:111122223333:execution:orders-dr-failover:inc-7`.*`drctl status`/,
    );
  });

  it.each(['RUNNING', 'SUCCEEDED', 'PENDING_REDRIVE'])('says nothing for %s, as the rule does not match it', (status) => {
    expect(executionStatusAlert(event(status))).toBeNull();
  });

  it('says nothing for an event the rule would not match (another source or detail type)', () => {
    expect(executionStatusAlert(event('FAILED', { source: 'aws.cloudwatch' }))).toBeNull();
    expect(executionStatusAlert(event('FAILED', { 'detail-type': 'CloudWatch Alarm State Change' }))).toBeNull();
  });

  it('accepts an event without source and detail type (a drill that only has the detail)', () => {
    expect(executionStatusAlert({ detail: event('ABORTED').detail })?.subject).toBe('DR: execution inc-7 ended ABORTED');
  });
});
