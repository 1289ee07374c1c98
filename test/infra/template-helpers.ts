import type { CfnElement, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/**
 * Renders CloudFormation intrinsics as readable strings so assertions can compare plain text:
 * `{Ref: AWS::Partition}` -> `${AWS::Partition}`, `{Ref: X}` -> `${X}`, `{Fn::GetAtt: [X, Arn]}` -> `${X.Arn}`,
 * `Fn::Join` -> the joined text. Anything else is returned as JSON text.
 */
export function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, Json>;
    if (typeof obj.Ref === 'string') return `\${${obj.Ref}}`;
    const getAtt = obj['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `\${${getAtt.join('.')}}`;
    const join = obj['Fn::Join'];
    if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) return join[1].map(render).join(join[0]);
  }
  return JSON.stringify(value);
}

export interface Statement {
  readonly actions: string[];
  readonly resources: string[];
  readonly effect: string;
  readonly condition?: unknown;
  readonly sid?: string;
}

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Every identity-policy statement attached to the role of the given Lambda function or state machine. */
export function statementsOfRole(template: Template, roleLogicalId: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((p) => asArray(p.Properties.Roles).some((r: unknown) => render(r) === `\${${roleLogicalId}}`))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>)
    .map((s) => ({
      actions: asArray(s.Action as string | string[]),
      resources: asArray(s.Resource).map(render),
      effect: s.Effect as string,
      condition: s.Condition,
      sid: s.Sid as string | undefined,
    }));
}

/** Logical id of the role a Lambda function or state machine runs as. */
export function roleOf(template: Template, logicalId: string): string {
  const resource = template.toJSON().Resources[logicalId];
  const role = resource.Properties.Role ?? resource.Properties.RoleArn;
  return role['Fn::GetAtt'][0];
}

export function logicalIdOf(stack: Stack, construct: IConstruct): string {
  return stack.resolve(stack.getLogicalId(construct.node.defaultChild as CfnElement));
}

/** Resources granted for `action` across the statements (Allow only). */
export function resourcesFor(statements: readonly Statement[], action: string): string[] {
  return statements.filter((s) => s.effect === 'Allow' && s.actions.includes(action)).flatMap((s) => s.resources);
}

export function actionsOf(statements: readonly Statement[]): Set<string> {
  return new Set(statements.filter((s) => s.effect === 'Allow').flatMap((s) => s.actions));
}

/** Every `${Name}` placeholder in the string values of an ASL document (walked as JSON, not as text). */
export function placeholdersIn(asl: unknown): Set<string> {
  const found = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') for (const m of v.matchAll(/\$\{([^}]+)\}/g)) found.add(m[1]);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(asl);
  return found;
}
