import { paginateListStateMachines, type SFNClient } from '@aws-sdk/client-sfn';
import { failbackStateMachineName, failoverStateMachineName } from '../../config/resource-names';
import { CliError, explainAwsError } from './errors';

export type Workflow = 'failover' | 'failback';

/** The deployed name of each workflow (config/resource-names.ts): the same in both regions. */
export function stateMachineName(application: string, workflow: Workflow): string {
  return workflow === 'failover' ? failoverStateMachineName(application) : failbackStateMachineName(application);
}

/** A workflow's state machine in `region`, found by the name the stack gives it. */
export async function findStateMachineArn(sfn: SFNClient, application: string, workflow: Workflow, region: string): Promise<string> {
  const arn = await tryFindStateMachineArn(sfn, application, workflow, region);
  if (!arn) {
    throw new CliError(
      `No state machine named ${stateMachineName(application, workflow)} in ${region}: deploy the control plane to that region first (npx cdk deploy --all), or check the account and config.`,
    );
  }
  return arn;
}

export async function tryFindStateMachineArn(sfn: SFNClient, application: string, workflow: Workflow, region: string): Promise<string | undefined> {
  const name = stateMachineName(application, workflow);
  try {
    for await (const page of paginateListStateMachines({ client: sfn }, {})) {
      const hit = page.stateMachines?.find((m) => m.name === name);
      if (hit?.stateMachineArn) return hit.stateMachineArn;
    }
  } catch (err) {
    explainAwsError(err, region);
  }
  return undefined;
}

/** `arn:...:stateMachine:<sm>` + `<name>` -> `arn:...:execution:<sm>:<name>` (the documented ARN format). */
export function executionArnFor(stateMachineArn: string, executionName: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}`;
}
