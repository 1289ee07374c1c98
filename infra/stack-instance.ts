import { Fn, Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/**
 * The last 12 hex digits of the stack's id (`arn:...:stack/<name>/<uuid>`): the same for the life of a stack, new
 * for every stack created again under the same name. A physical name that must stay fixed while the stack lives but
 * must not collide with what a deleted copy left behind (a retained log group) ends with it.
 */
export function stackInstanceId(scope: Construct): string {
  const uuid = Fn.select(2, Fn.split('/', Stack.of(scope).stackId));
  return Fn.select(4, Fn.split('-', uuid));
}
