import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface ApprovalApiProps {
  /** The approval-callback function that serves the page and records the decision. */
  readonly handler: lambda.IFunction;
  /**
   * Steady-state requests per second for the whole stage. A handful of humans click these links;
   * the limit keeps a leaked link from being hammered into the signing and DynamoDB paths.
   *
   * @default 5
   */
  readonly throttlingRateLimit?: number;
  /**
   * Burst allowance on top of the rate (an email scanner may prefetch every link at once).
   *
   * @default 10
   */
  readonly throttlingBurstLimit?: number;
  /**
   * Stage name; it becomes part of every emailed link, so changing it breaks links in flight.
   *
   * @default 'prod'
   */
  readonly stageName?: string;
  /**
   * Retention of the access log.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly accessLogRetention?: logs.RetentionDays;
  /**
   * Create the account-level API Gateway CloudWatch Logs role (`AWS::ApiGateway::Account`, one per account
   * and region). It replaces whatever role is set, so in a shared account leave it to whoever owns that
   * setting; the access logs need some role to be set either way.
   *
   * @default false
   */
  readonly manageAccountCloudWatchRole?: boolean;
}

/**
 * The public endpoint behind the emailed approval links: `GET|HEAD|POST /approvals/{approvalId}`.
 *
 * No API key or authorizer: the link itself is the credential (HMAC-signed, expiring, single-use, bound to
 * the execution and action), and a GET never decides anything (email scanners prefetch links), only the
 * CSRF-protected POST does. Regional endpoint: an edge-optimized one would put CloudFront in the approval path.
 */
export class ApprovalApi extends Construct {
  readonly api: apigw.RestApi;
  readonly accessLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ApprovalApiProps) {
    super(scope, id);
    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.api = new apigw.RestApi(this, 'Api', {
      description: 'DR approval links (approve / reject a failover)',
      endpointTypes: [apigw.EndpointType.REGIONAL],
      // Access logs to CloudWatch need the account-level API Gateway logging role; creating it is an
      // account-wide change, so only on request (config `deployment.apiGatewayAccountRole`).
      cloudWatchRole: props.manageAccountCloudWatchRole ?? false,
      deployOptions: {
        stageName: props.stageName ?? 'prod',
        throttlingRateLimit: props.throttlingRateLimit ?? 5,
        throttlingBurstLimit: props.throttlingBurstLimit ?? 10,
        tracingEnabled: true,
        // The standard fields log the resource template, not the query string, so no signature lands in a log.
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields(),
      },
    });

    // RestApi adds an `Endpoint` output under a construct-path key with no export name; the stack exports
    // the same URL as `<app>-dr:ApprovalApiUrl` (infra/stacks/control-plane-stack.ts) instead.
    this.api.node.tryRemoveChild('Endpoint');

    const integration = new apigw.LambdaIntegration(props.handler, { allowTestInvoke: false });
    const approval = this.api.root.addResource('approvals').addResource('{approvalId}');
    for (const method of ['GET', 'HEAD', 'POST']) {
      approval.addMethod(method, integration, {
        authorizationType: apigw.AuthorizationType.NONE,
        apiKeyRequired: false,
      });
    }
    this.acknowledgeNagFindings();
  }

  private acknowledgeNagFindings(): void {
    Validations.of(this).acknowledge(
      { id: 'AwsSolutions::AwsSolutions-APIG4', reason: 'The signed, expiring, single-use link is the credential; approvers have no AWS identity or Cognito user.' },
      { id: 'AwsSolutions::AwsSolutions-COG4', reason: 'The signed, expiring, single-use link is the credential; approvers have no AWS identity or Cognito user.' },
      {
        id: 'AwsSolutions::AwsSolutions-APIG2',
        reason: 'The handler checks path, query and form (signature, expiry, CSRF token) and answers every bad request with a page; no API Gateway model can express those checks.',
      },
      { id: 'AwsSolutions::AwsSolutions-APIG3', reason: 'A handful of approvers: stage throttling plus HMAC-signed links bound the exposure; WAF would cost more than the API.' },
      {
        id: 'AwsSolutions::AwsSolutions-APIG6',
        reason: 'Access logs (managed retention) record every request; execution logs would go to a group API Gateway creates without retention.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason: 'The account-level role API Gateway needs to write access logs; AWS maintains that policy for exactly this.',
      },
    );
  }

  /** Base URL of the stage (ends with `/`); links are `<url>approvals/<id>?exp=..&sig=..`. */
  get url(): string {
    return this.api.url;
  }
}
