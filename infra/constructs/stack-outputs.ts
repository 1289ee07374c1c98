import { CfnOutput } from 'aws-cdk-lib';
import { Construct } from 'constructs';

export interface StackOutput {
  /** The output key, fixed (no construct-path hash) so scripts can rely on it. Letters and digits only. */
  readonly key: string;
  readonly value: string;
  readonly description: string;
}

export interface StackOutputsProps {
  /**
   * Start of every export name (`<prefix>:<key>`). Export names are unique per account and region, so it
   * must name the application: two applications' control planes then export side by side.
   */
  readonly exportPrefix: string;
  readonly outputs: readonly StackOutput[];
}

/**
 * What an operator or another stack needs after `cdk deploy`: `cdk deploy` prints these, `aws
 * cloudformation describe-stacks` lists them, and `Fn.importValue('<prefix>:<key>')` reads them in
 * the same region.
 */
export class StackOutputs extends Construct {
  /** Output key -> export name. */
  readonly exportNames: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: StackOutputsProps) {
    super(scope, id);
    const names: Record<string, string> = {};
    for (const { key, value, description } of props.outputs) {
      if (!/^[A-Za-z0-9]+$/.test(key)) throw new Error(`${this.node.path}: output key "${key}" must be letters and digits only`);
      if (key in names) throw new Error(`${this.node.path}: output key "${key}" is used twice`);
      const exportName = `${props.exportPrefix}:${key}`;
      new CfnOutput(this, key, { value, description, exportName }).overrideLogicalId(key);
      names[key] = exportName;
    }
    this.exportNames = names;
  }
}
