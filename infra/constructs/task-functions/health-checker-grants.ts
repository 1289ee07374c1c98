import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';

/** The health checker reads the detection alarms of its own region and nothing else. */
export function grantHealthChecker(healthChecker: lambda.IFunction): void {
  healthChecker.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'ReadDetectionAlarms',
      actions: ['cloudwatch:DescribeAlarms'],
      // Not scoped to `alarm:<prefix>*` on purpose: CloudWatch returns composite alarms only to a
      // DescribeAlarms permission on `*`, and the quorum may be built from composite alarms. A narrower
      // scope would hide those signals, and missing signals read as "insufficient", which blocks failover.
      // The action only reads alarm metadata; the adapter filters by ALARM_NAME_PREFIX itself.
      resources: ['*'],
    }),
  );
}
