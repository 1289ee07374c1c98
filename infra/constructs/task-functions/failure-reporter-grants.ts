import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { failbackStateMachineName, failoverStateMachineName } from '../../../config/resource-names';

/** How an execution of this region's failover or failback stopped (history, definition), and the escalation topic. */
export function grantFailureReporter(reporter: lambda.IFunction, props: { readonly application: string; readonly escalationTopic: sns.ITopic }): void {
  const stack = Stack.of(reporter);
  const names = [failoverStateMachineName(props.application), failbackStateMachineName(props.application)];
  reporter.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'ReadStoppedExecutions',
      actions: ['states:DescribeExecution', 'states:GetExecutionHistory', 'states:DescribeStateMachineForExecution'],
      resources: names.map((name) =>
        stack.formatArn({ service: 'states', resource: 'execution', resourceName: `${name}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
      ),
    }),
  );
  props.escalationTopic.grantPublish(reporter);
  // Execution names are incident ids, known only when an execution starts: the state machine's executions are the scope.
  Validations.of(reporter).acknowledge(
    ...names.map((name) => ({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${stack.region}:<AWS::AccountId>:execution:${name}:*]`,
      reason: `Reads only executions of this region's ${name} state machine, which are named after incidents at start time.`,
    })),
  );
}
