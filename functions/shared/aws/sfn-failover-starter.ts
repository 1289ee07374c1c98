import { StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { ConfigurationError } from '../errors';
import type { FailoverStarter } from '../ports';
import { errorName, rethrowSdkError } from './sdk-errors';

export interface SfnFailoverStarterProps {
  /** Step Functions of the region this copy runs in. */
  readonly sfn: SFNClient;
  /** The failover state machine of this region (static stability: a copy never starts another region's). */
  readonly stateMachineArn: string;
}

const STATE_MACHINE_ARN = /^arn:(aws[a-z-]*):states:([a-z0-9-]+):(\d{12}):stateMachine:([A-Za-z0-9_-]{1,80})$/;

/** `StartExecution` with the caller's deterministic name; a name already taken means "already started". */
export class SfnFailoverStarter implements FailoverStarter {
  readonly region: string;

  constructor(private readonly props: SfnFailoverStarterProps) {
    const m = STATE_MACHINE_ARN.exec(props.stateMachineArn);
    if (!m) throw new ConfigurationError(`Not a state machine ARN: ${JSON.stringify(props.stateMachineArn)}`);
    this.region = m[2];
  }

  /** Where an execution of that name lives (the same ARN StartExecution returns for it). */
  executionArn(name: string): string {
    return `${this.props.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  }

  async start(name: string, input: unknown): Promise<{ executionId: string; started: boolean }> {
    try {
      const out = await this.props.sfn.send(new StartExecutionCommand({ stateMachineArn: this.props.stateMachineArn, name, input: JSON.stringify(input) }));
      // Same name and same input while it runs also answers 200 with the existing ARN: one execution either way.
      return { executionId: out.executionArn ?? this.executionArn(name), started: true };
    } catch (err) {
      if (errorName(err) === 'ExecutionAlreadyExists') return { executionId: this.executionArn(name), started: false };
      return rethrowSdkError(err, `Step Functions StartExecution ${name}`);
    }
  }
}
