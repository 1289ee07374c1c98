import { ArnFormat, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { LAMBDA_ENV } from '../../config/lambda-environment';
import { APPROVAL_RATE_LIMIT } from '../../config/approval-rate-limit';
import { approvalApiUrlParameterName, approverRoleName } from '../../config/resource-names';

export interface ApprovalApiProps {
  /** The approval-callback function that serves the page, mails codes and records the decision. */
  readonly handler: lambda.Function;
  /** The application's name (config `application`): names the approver role and the URL parameter. */
  readonly application: string;
  /**
   * The approvers (config `approval.approvers`). Each gets an email subscription to the code topic that only
   * accepts messages whose `recipient` attribute is that address: a code reaches the person it was asked for.
   */
  readonly approverEmails: readonly string[];
  /** Encrypts the code topic (the alert topics' key). */
  readonly topicKey: kms.IKey;
  /** Where approval-callback announces an approval, with the verified identity. */
  readonly alertTopic: sns.ITopic;
  /** The state machines whose executions approval-callback reads (a lost SendTaskSuccess) and the approver role may find. */
  readonly stateMachineNames: readonly string[];
  /**
   * Requests per second per method for the whole stage (API Gateway applies stage limits per method): the
   * backstop behind the per-client WAF rule, which needs some seconds to start refusing a flood.
   *
   * @default 10
   */
  readonly throttlingRateLimit?: number;
  /**
   * Burst allowance on top of the rate (an email scanner may prefetch every link at once).
   *
   * @default 20
   */
  readonly throttlingBurstLimit?: number;
  /**
   * The per-client rule: at most `requests` from one IP address in `windowSeconds` (a WAF rate-based rule).
   *
   * @default APPROVAL_RATE_LIMIT (60 per 60 s, the rule the drill's approval server applies too)
   */
  readonly rateLimit?: { readonly requests: number; readonly windowSeconds: 60 | 120 | 300 | 600 };
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

/** The route `drctl approve|reject` signs with SigV4 (functions/approval-callback: IAM_DECISIONS_PATH). */
const DECISIONS = 'decisions';

/**
 * The approval endpoint and who may decide through it (docs/adr/0017):
 *
 * - `GET|HEAD|POST /approvals/{approvalId}`: the emailed link's page. No authorizer: the signed link opens the
 *   request, and deciding needs the one-time code mailed to a listed approver's own address, through the code
 *   topic below (one email subscription per approver, each filtered on its own address).
 * - `POST /decisions`: AWS_IAM authorization. Only sessions of this region's approver role get through the resource
 *   policy; the function checks the caller's ARN again and records it as the decider.
 * - A WAF web ACL on the stage with a per-IP rate-based rule, so one client's flood does not lock out another.
 *
 * Regional endpoint: an edge-optimized one would put CloudFront in the approval path.
 */
export class ApprovalApi extends Construct {
  readonly api: apigw.RestApi;
  readonly accessLogGroup: logs.LogGroup;
  /** One-time codes, each delivered to the one approver it names. */
  readonly codeTopic: sns.Topic;
  /** Assume it (or give people `sts:AssumeRole` on it) to decide with `drctl approve|reject`. */
  readonly approverRole: iam.Role;
  readonly webAcl: wafv2.CfnWebACL;
  /** Where `drctl approve` finds this region's API: `approvalApiUrlParameterName(app)`. */
  readonly urlParameter: ssm.StringParameter;

  constructor(scope: Construct, id: string, props: ApprovalApiProps) {
    super(scope, id);
    const stack = Stack.of(this);
    if (Token.isUnresolved(stack.region)) throw new Error(`${this.node.path}: ApprovalApi needs a stack with an explicit region (env.region)`);
    const stageName = props.stageName ?? 'prod';
    // This region's approver role only: the copy that runs a failover is decided by its own role, and nothing in
    // this stack names the other region (static stability). IAM itself is global, so the role works while the other region is down.
    const approverRoleArns = [
      stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: approverRoleName(props.application, stack.region) }),
    ];

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.api = new apigw.RestApi(this, 'Api', {
      description: 'DR approval links (approve / reject a failover) and IAM decisions (drctl approve)',
      endpointTypes: [apigw.EndpointType.REGIONAL],
      // Access logs to CloudWatch need the account-level API Gateway logging role; creating it is an
      // account-wide change, so only on request (config `deployment.apiGatewayAccountRole`).
      cloudWatchRole: props.manageAccountCloudWatchRole ?? false,
      deployOptions: {
        stageName,
        throttlingRateLimit: props.throttlingRateLimit ?? 10,
        throttlingBurstLimit: props.throttlingBurstLimit ?? 20,
        tracingEnabled: true,
        // The standard fields log the resource template, not the query string, so no signature lands in a log.
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields(),
      },
      policy: new iam.PolicyDocument({
        statements: [
          // The page routes are public (a resource policy must allow them explicitly once it exists).
          new iam.PolicyStatement({
            sid: 'AnyoneMayOpenApprovalLinks',
            principals: [new iam.AnyPrincipal()],
            actions: ['execute-api:Invoke'],
            resources: ['execute-api:/*'],
          }),
          // Whatever identity policies say (an admin's execute-api:*), only approver sessions reach the IAM route.
          new iam.PolicyStatement({
            sid: 'OnlyTheApproverRoleDecidesByIam',
            effect: iam.Effect.DENY,
            principals: [new iam.AnyPrincipal()],
            actions: ['execute-api:Invoke'],
            resources: [`execute-api:/*/POST/${DECISIONS}`],
            conditions: { ArnNotEquals: { 'aws:PrincipalArn': approverRoleArns } },
          }),
        ],
      }),
    });

    // RestApi adds an `Endpoint` output under a construct-path key with no export name; the stack exports
    // the same URL as `<app>-dr:ApprovalApiUrl` (infra/stacks/control-plane-stack.ts) instead.
    this.api.node.tryRemoveChild('Endpoint');

    const integration = new apigw.LambdaIntegration(props.handler, { allowTestInvoke: false });
    const approval = this.api.root.addResource('approvals').addResource('{approvalId}');
    for (const method of ['GET', 'HEAD', 'POST']) {
      approval.addMethod(method, integration, { authorizationType: apigw.AuthorizationType.NONE, apiKeyRequired: false });
    }
    const decisions = this.api.root.addResource(DECISIONS).addMethod('POST', integration, { authorizationType: apigw.AuthorizationType.IAM });

    this.webAcl = this.rateLimitPerClient(props.rateLimit ?? APPROVAL_RATE_LIMIT);
    new wafv2.CfnWebACLAssociation(this, 'WebAclAssociation', { resourceArn: this.api.deploymentStage.stageArn, webAclArn: this.webAcl.attrArn });

    this.codeTopic = new sns.Topic(this, 'ApproverCodes', {
      displayName: `${props.application} DR approval codes`,
      masterKey: props.topicKey,
      enforceSSL: true,
    });
    for (const email of props.approverEmails) {
      // Lower case, as the function sends it: a code typed for any spelling of the address reaches its owner only.
      this.codeTopic.addSubscription(
        new subs.EmailSubscription(email, { filterPolicy: { recipient: sns.SubscriptionFilter.stringFilter({ allowlist: [email.toLowerCase()] }) } }),
      );
    }

    Validations.of(this.codeTopic).acknowledge({
      id: 'Serverless::Serverless-SNSRedrivePolicy',
      reason: 'Email subscriptions to people: an undelivered code is asked for again from the page, and drctl approve needs no email.',
    });

    this.urlParameter = new ssm.StringParameter(this, 'UrlParameter', {
      parameterName: approvalApiUrlParameterName(props.application),
      stringValue: this.api.url,
      description: "Base URL of this region's approval API (drctl approve reads it)",
    });

    const executionArns = props.stateMachineNames.map((name) =>
      stack.formatArn({ service: 'states', resource: 'execution', resourceName: `${name}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
    );
    const stateMachineArns = props.stateMachineNames.map((name) =>
      stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
    );

    this.approverRole = new iam.Role(this, 'ApproverRole', {
      roleName: approverRoleName(props.application, stack.region),
      // Anyone in this account whose own policy allows sts:AssumeRole on it (grant that to the approvers).
      assumedBy: new iam.AccountRootPrincipal(),
      description: `Decides ${props.application} failover approvals with drctl approve|reject (POST /${DECISIONS}, SigV4)`,
    });
    this.approverRole.addToPolicy(new iam.PolicyStatement({ sid: 'DecideApprovals', actions: ['execute-api:Invoke'], resources: [decisions.methodArn] }));
    this.approverRole.addToPolicy(
      new iam.PolicyStatement({ sid: 'FindTheApprovalApi', actions: ['ssm:GetParameter'], resources: [this.urlParameter.parameterArn] }),
    );
    this.approverRole.addToPolicy(
      new iam.PolicyStatement({ sid: 'FindTheExecution', actions: ['states:DescribeExecution', 'states:GetExecutionHistory'], resources: executionArns }),
    );
    this.approverRole.addToPolicy(new iam.PolicyStatement({ sid: 'FindTheStateMachine', actions: ['states:ListStateMachines'], resources: ['*'] }));
    this.approverRole.addToPolicy(new iam.PolicyStatement({ sid: 'ListExecutions', actions: ['states:ListExecutions'], resources: stateMachineArns }));

    // approval-callback: mail codes, announce approvals, read an execution whose answer was lost.
    this.codeTopic.grantPublish(props.handler);
    props.alertTopic.grantPublish(props.handler);
    props.handler.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadExecutionsOfLostAnswers',
        actions: ['states:DescribeExecution', 'states:GetExecutionHistory'],
        resources: executionArns,
      }),
    );
    props.handler.addEnvironment(LAMBDA_ENV.approverCodeTopicArn, this.codeTopic.topicArn);
    // A name, not an ARN: the function matches it in the API's own account (requestContext.accountId).
    props.handler.addEnvironment(LAMBDA_ENV.approverRoleNames, approverRoleName(props.application, stack.region));

    this.acknowledgeNagFindings(stack, props.stateMachineNames, props.handler);
  }

  /** A REGIONAL web ACL whose only rule refuses a client IP over the limit, with the page the drill's server sends. */
  private rateLimitPerClient(rule: { readonly requests: number; readonly windowSeconds: number }): wafv2.CfnWebACL {
    const metric = (name: string) => ({ cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: name });
    return new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: metric('ApprovalApi'),
      customResponseBodies: {
        TooManyRequests: {
          contentType: 'TEXT_HTML',
          content:
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Too many requests</title></head><body><h1>Too many requests</h1><p>Too many requests came from your network address. Wait a minute and reload the link. Nothing was decided.</p></body></html>',
        },
      },
      rules: [
        {
          name: 'PerClientRateLimit',
          priority: 0,
          statement: { rateBasedStatement: { aggregateKeyType: 'IP', limit: rule.requests, evaluationWindowSec: rule.windowSeconds } },
          action: {
            block: {
              customResponse: {
                responseCode: 429,
                customResponseBodyKey: 'TooManyRequests',
                responseHeaders: [{ name: 'retry-after', value: String(rule.windowSeconds) }],
              },
            },
          },
          visibilityConfig: metric('ApprovalApiPerClientRateLimit'),
        },
      ],
    });
  }

  private acknowledgeNagFindings(stack: Stack, stateMachineNames: readonly string[], handler: lambda.Function): void {
    const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
    const executions = stateMachineNames.map((name) => ({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${stack.region}:${account}:execution:${name}:*]`,
      reason: 'Executions are named per incident at run time; the state machine name pins them to this control plane.',
    }));
    Validations.of(this).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-APIG4',
        reason:
          'The page routes are public by design (the signed link opens a request; a code mailed to a listed approver decides); POST /decisions uses AWS_IAM.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-COG4',
        reason:
          'Approvers prove who they are with a code mailed to their listed address, or with IAM (the approver role); there is no Cognito user pool to keep alive during an outage.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-APIG2',
        reason:
          'The handler checks path, query and form (signature, expiry, CSRF token, code) and answers every bad request with a page; no API Gateway model can express those checks.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-APIG6',
        reason: 'Access logs (managed retention) record every request; execution logs would go to a group API Gateway creates without retention.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason: 'The account-level role API Gateway needs to write access logs; AWS maintains that policy for exactly this.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason: 'states:ListStateMachines has no resource-level permissions; drctl finds the state machine by name with it.',
      },
      ...executions,
    );
    // The same execution ARNs in approval-callback's own policy.
    Validations.of(handler).acknowledge(...executions);
  }

  /** Base URL of the stage (ends with `/`); links are `<url>approvals/<id>?exp=..&sig=..`. */
  get url(): string {
    return this.api.url;
  }
}
