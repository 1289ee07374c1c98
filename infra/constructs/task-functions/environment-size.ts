import { Stack } from 'aws-cdk-lib';
import type { Construct, IConstruct, IValidation } from 'constructs';
import { BUNDLED_CONFIG_FILE } from '../../../config/bundled-config';

/** Lambda's limit on the total size of a function's environment variables (names plus values). */
export const LAMBDA_ENV_LIMIT_BYTES = 4096;

/**
 * Fails the synth when a function's environment could pass Lambda's 4 KB at deploy time, estimating each value
 * CloudFormation fills in (a generated name, an ARN) by its longest form. Functions are tracked with the same
 * record their environment was built from, so a variable added later (`set`) is counted too.
 */
export class EnvironmentSizeCheck implements IValidation {
  private readonly envs = new Map<IConstruct, Record<string, string>>();

  /** Checks the functions tracked by the time `scope` is validated. */
  constructor(private readonly scope: Construct) {
    scope.node.addValidation(this);
  }

  track(fn: IConstruct, environment: Record<string, string>): void {
    this.envs.set(fn, environment);
  }

  /** Records a variable added to a tracked function after it was created (`addEnvironment`). */
  set(fn: IConstruct, name: string, value: string): void {
    const env = this.envs.get(fn);
    if (!env) throw new Error(`${fn.node.path}: not tracked by the environment size check`);
    env[name] = value;
  }

  validate(): string[] {
    const stack = Stack.of(this.scope);
    const errors: string[] = [];
    for (const [fn, env] of this.envs) {
      const sizes = Object.entries(env).map(([name, value]) => [name, Buffer.byteLength(name), maxResolvedBytes(stack.resolve(value))] as const);
      const bytes = sizes.reduce((sum, [, nameBytes, valueBytes]) => sum + nameBytes + valueBytes, 0);
      if (bytes > LAMBDA_ENV_LIMIT_BYTES) {
        const largest = [...sizes].sort((a, b) => b[2] - a[2])[0];
        errors.push(
          `${fn.node.id}: environment variables need up to ${bytes} bytes, over Lambda's ${LAMBDA_ENV_LIMIT_BYTES}-byte limit ` +
            `(the largest, ${largest[0]}, up to ${largest[2]} bytes). Pass anything that grows with the config in the bundled ${BUNDLED_CONFIG_FILE} instead.`,
        );
      }
    }
    return errors;
  }
}

/** Upper bound for values CloudFormation fills in at deploy time (generated names and ARNs stay well below it). */
const DEPLOY_TIME_VALUE_MAX_BYTES = 128;
const PSEUDO_MAX_BYTES: Record<string, number> = {
  'AWS::AccountId': 12,
  'AWS::Partition': 10,
  'AWS::Region': 16,
  'AWS::URLSuffix': 20,
  'AWS::StackName': 128,
};

/** Longest a resolved CloudFormation value can become, for the environment size check at synth time. */
function maxResolvedBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number') return String(value).length;
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if (typeof obj.Ref === 'string') return PSEUDO_MAX_BYTES[obj.Ref] ?? DEPLOY_TIME_VALUE_MAX_BYTES;
    const join = obj['Fn::Join'];
    if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
      const parts = join[1] as unknown[];
      return parts.reduce<number>((sum, p) => sum + maxResolvedBytes(p), 0) + Buffer.byteLength(join[0]) * Math.max(0, parts.length - 1);
    }
  }
  return DEPLOY_TIME_VALUE_MAX_BYTES;
}
