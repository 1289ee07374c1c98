import { SetAlarmStateCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { InvalidInputError } from '../errors';
import type { AlarmMirror, AlarmStateValue } from '../ports';
import { callAws } from './sdk-errors';

export interface CloudWatchAlarmMirrorProps {
  /** CloudWatch of the region this copy runs in. */
  readonly cloudWatch: CloudWatchClient;
  /** Only alarms under this prefix may be set (what the IAM policy allows too). */
  readonly alarmNamePrefix: string;
}

/** CloudWatch caps StateReason at 1023 characters. */
const MAX_REASON = 1023;

/**
 * Holds a forwarded alarm state on a same-named alarm in this region. The mirror alarm watches a metric
 * nobody publishes and treats missing data as "ignore", so the state set here stays until the next
 * forwarded change, and the health-checker and the composite alarm read it like any local alarm.
 */
export class CloudWatchAlarmMirror implements AlarmMirror {
  constructor(private readonly props: CloudWatchAlarmMirrorProps) {}

  async mirror(alarmName: string, state: AlarmStateValue, reason: string): Promise<void> {
    if (!alarmName.startsWith(this.props.alarmNamePrefix)) {
      throw new InvalidInputError(`Refusing to set ${alarmName}: only alarms under ${this.props.alarmNamePrefix} are mirrors`);
    }
    await callAws(`CloudWatch SetAlarmState ${alarmName}`, () =>
      this.props.cloudWatch.send(new SetAlarmStateCommand({ AlarmName: alarmName, StateValue: state, StateReason: reason.slice(0, MAX_REASON) })),
    );
  }
}
