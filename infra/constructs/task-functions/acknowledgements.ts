import { Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';

const NODE20_REASON =
  'nodejs20.x was asked for explicitly (`runtime`). Lambda deprecated it on 2026-04-30 and blocks creating ' +
  'functions with it from 2027-02-01: pass nodejs22.x or later (the default is nodejs24.x) before then.';

const isNode20 = (runtime: lambda.Runtime) => runtime.name === lambda.Runtime.NODEJS_20_X.name;

/** CloudFormation's deprecated-runtime warning, only when nodejs20.x was asked for explicitly. */
export function acknowledgeRuntimeValidation(scope: IConstruct, runtime: lambda.Runtime): void {
  if (isNode20(runtime)) Validations.of(scope).acknowledge({ id: 'CloudFormation-Validate::W2531', reason: NODE20_REASON });
}

/**
 * The cdk-nag findings every task function shares, acknowledged once on `scope`. Each is pinned down by test/infra
 * (exact actions and resources per function); findings of one function's grants are acknowledged beside the grant.
 */
export function acknowledgeTaskFunctionFindings(scope: IConstruct, runtime: lambda.Runtime): void {
  Validations.of(scope).acknowledge(
    {
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'Only CloudWatch Logs writes; each function logs to its own managed log group.',
    },
    {
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray trace writes, cloudwatch:GetMetricData (no resource-level permissions) and cloudwatch:DescribeAlarms (composite alarms are returned only for `*`).',
    },
    {
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:route53:::change/*]',
      reason: 'Route 53 change ids exist only after the change is submitted.',
    },
    {
      id: 'AwsSolutions::AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason: 'What SNS needs to publish to a topic encrypted with the one control-plane key (resource scoped to that key).',
    },
  );
  if (isNode20(runtime)) Validations.of(scope).acknowledge({ id: 'AwsSolutions::AwsSolutions-L1', reason: NODE20_REASON });
}
