import { Match, Template } from 'aws-cdk-lib/assertions';
import { APPROVAL_RATE_LIMIT } from '../../config/approval-rate-limit';
import { LAMBDA_ENV } from '../../config/lambda-environment';
import { approvalApiUrlParameterName, approverRoleName } from '../../config/resource-names';
import { ControlPlaneStack } from '../../infra/stacks/control-plane-stack';
import { dashboardName } from '../../config/resource-names';
import { STANDBY, configWith } from '../support/repo-config';
import { logicalIdOf, render, roleOf, statementsOfRole } from './template-helpers';
import { testApp } from '../support/cdk';

/**
 * The approval API as docs/adr/0017 describes it: a per-client WAF rule on the stage, an IAM-authorized route
 * that only the approver role gets through, the code topic that delivers each code to one approver, and what
 * approval-callback may do with them.
 */
const config = configWith({ traffic: 'arc-routing-control', stores: ['dynamodb'], approval: { approvers: ['OnCall@Example.com', 'second@example.com'] } });
const app = testApp();
const stack = new ControlPlaneStack(app, 'approvals', { env: { region: STANDBY, account: '111122223333' }, config });
const template = Template.fromStack(stack);
const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any> }>;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const roleArns = [`arn:\${AWS::Partition}:iam::111122223333:role/${approverRoleName('orders', STANDBY)}`];

describe('approval API: abuse resistance', () => {
  it('a REGIONAL web ACL refuses one client IP over the same limit the drill applies, with 429 and a page', () => {
    const [[, acl]] = ofType('AWS::WAFv2::WebACL');
    expect(acl.Properties).toMatchObject({ Scope: 'REGIONAL', DefaultAction: { Allow: {} } });
    expect(acl.Properties.Rules).toEqual([
      expect.objectContaining({
        Name: 'PerClientRateLimit',
        Statement: {
          RateBasedStatement: { AggregateKeyType: 'IP', Limit: APPROVAL_RATE_LIMIT.requests, EvaluationWindowSec: APPROVAL_RATE_LIMIT.windowSeconds },
        },
        Action: { Block: { CustomResponse: expect.objectContaining({ ResponseCode: 429, CustomResponseBodyKey: 'TooManyRequests' }) } },
      }),
    ]);
    expect(acl.Properties.CustomResponseBodies.TooManyRequests.Content).toContain('Nothing was decided');
  });

  it('the web ACL is associated with the approval API stage', () => {
    const [[, assoc]] = ofType('AWS::WAFv2::WebACLAssociation');
    const [[aclId]] = ofType('AWS::WAFv2::WebACL');
    expect(render(assoc.Properties.WebACLArn)).toBe(`\${${aclId}.Arn}`);
    expect(render(assoc.Properties.ResourceArn)).toMatch(/^arn:\$\{AWS::Partition\}:apigateway:us-west-2::\/restapis\/\$\{\w+\}\/stages\/\$\{\w+\}$/);
  });
});

describe('approval API: who may decide', () => {
  it('the page routes are open; POST /decisions needs AWS_IAM', () => {
    const methods = ofType('AWS::ApiGateway::Method').map(([, m]) => m.Properties);
    expect(
      methods
        .filter((m) => m.AuthorizationType === 'NONE')
        .map((m) => m.HttpMethod)
        .sort(),
    ).toEqual(['GET', 'HEAD', 'POST']);
    expect(methods.filter((m) => m.AuthorizationType === 'AWS_IAM').map((m) => m.HttpMethod)).toEqual(['POST']);
  });

  it("the API resource policy denies the IAM route to every principal but this region's approver role (nothing names the other region)", () => {
    const [[, api]] = ofType('AWS::ApiGateway::RestApi');
    const statements = api.Properties.Policy.Statement as Array<Record<string, any>>;
    const deny = statements.find((s) => s.Effect === 'Deny')!;
    expect(deny).toMatchObject({ Action: 'execute-api:Invoke', Principal: { AWS: '*' }, Resource: 'execute-api:/*/POST/decisions' });
    expect(deny.Condition.ArnNotEquals['aws:PrincipalArn'].map(render)).toEqual(roleArns);
    expect(statements.find((s) => s.Effect === 'Allow')).toMatchObject({ Action: 'execute-api:Invoke', Resource: 'execute-api:/*' });
  });

  it('the approver role: named per region, assumable in this account, allowed to sign POST /decisions and find the execution', () => {
    const [[roleId, role]] = ofType('AWS::IAM::Role').filter(([, r]) => r.Properties.RoleName === approverRoleName('orders', STANDBY));
    expect(render(role.Properties.AssumeRolePolicyDocument.Statement[0].Principal.AWS)).toBe('arn:${AWS::Partition}:iam::111122223333:root');
    const statements = statementsOfRole(template, roleId);
    const invoke = statements.find((s) => s.actions.includes('execute-api:Invoke'))!;
    expect(invoke.resources).toEqual([
      expect.stringMatching(/^arn:\$\{AWS::Partition\}:execute-api:us-west-2:111122223333:\$\{\w+\}\/\$\{\w+\}\/POST\/decisions$/),
    ]);
    expect(statements.flatMap((s) => s.actions).sort()).toEqual([
      'execute-api:Invoke',
      'ssm:GetParameter',
      'states:DescribeExecution',
      'states:GetExecutionHistory',
      'states:ListExecutions',
      'states:ListStateMachines',
    ]);
    expect(statements.find((s) => s.actions.includes('states:DescribeExecution'))!.resources).toEqual([
      'arn:${AWS::Partition}:states:us-west-2:111122223333:execution:orders-dr-failover:*',
      'arn:${AWS::Partition}:states:us-west-2:111122223333:execution:orders-dr-failback:*',
    ]);
  });

  it('drctl finds the API through a parameter of a fixed name holding the stage URL', () => {
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: approvalApiUrlParameterName('orders'), Type: 'String', Value: Match.anyValue() });
  });
});

describe('approval API: codes and the callback', () => {
  it("the code topic is encrypted and each approver's subscription only takes messages addressed to that approver", () => {
    const [[topicId]] = ofType('AWS::SNS::Topic').filter(([, t]) => String(t.Properties.DisplayName).includes('approval codes'));
    expect(resources[topicId].Properties.KmsMasterKeyId).toBeDefined();
    const subscriptions = ofType('AWS::SNS::Subscription')
      .map(([, s]) => s.Properties)
      .filter((s) => render(s.TopicArn) === `\${${topicId}}`);
    expect(subscriptions.map((s) => ({ endpoint: s.Endpoint, filter: s.FilterPolicy }))).toEqual([
      { endpoint: 'OnCall@Example.com', filter: { recipient: ['oncall@example.com'] } },
      { endpoint: 'second@example.com', filter: { recipient: ['second@example.com'] } },
    ]);
  });

  it('approval-callback knows the code topic and the approver roles, may publish codes and alerts, and may read the executions', () => {
    const fnId = logicalIdOf(stack, stack.node.findChild('Functions').node.findChild('ApprovalCallback'));
    const env = resources[fnId].Properties.Environment.Variables;
    const [[topicId]] = ofType('AWS::SNS::Topic').filter(([, t]) => String(t.Properties.DisplayName).includes('approval codes'));
    expect(render(env[LAMBDA_ENV.approverCodeTopicArn])).toBe(`\${${topicId}}`);
    expect(env[LAMBDA_ENV.approverRoleNames]).toBe(approverRoleName('orders', STANDBY));
    const statements = statementsOfRole(template, roleOf(template, fnId));
    const publish = statements.filter((s) => s.actions.includes('sns:Publish')).flatMap((s) => s.resources);
    expect(publish).toEqual(expect.arrayContaining([`\${${topicId}}`]));
    expect(publish).toHaveLength(2);
    expect(statements.find((s) => s.actions.includes('states:DescribeExecution'))).toMatchObject({
      actions: ['states:DescribeExecution', 'states:GetExecutionHistory'],
    });
  });

  it('the dashboard the page links to is the one the stack creates', () => {
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: dashboardName('orders', STANDBY) });
  });
});
