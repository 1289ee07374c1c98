import type { Command } from 'commander';
import type { AwsClients } from '../aws/clients';
import { doctorExitCode, formatDoctor, runDoctor, type DoctorClients } from '../aws/doctor';
import { CliError } from '../aws/errors';
import { action } from '../io';
import { addAwsOptions, type AwsCommandDeps, type AwsFlags, prepare } from './aws';

/** The doctor's clients out of the shared factory; a factory without them is a wiring bug, said in one line. */
function doctorClients(c: AwsClients): DoctorClients {
  const need = <T>(f: T | undefined, name: string): T => {
    if (!f) throw new CliError(`drctl doctor needs a ${name} client, and the AWS client factory gives none`);
    return f;
  };
  const { cloudformation, cloudwatch, sns, route53, rds, s3, arc, dynamodb } = c;
  return {
    cloudformation: (r) => need(cloudformation, 'CloudFormation')(r),
    sfn: (r) => c.sfn(r),
    ssm: (r) => c.ssm(r),
    cloudwatch: (r) => need(cloudwatch, 'CloudWatch')(r),
    sns: (r) => need(sns, 'SNS')(r),
    route53: () => need(route53, 'Route 53')(),
    dynamodb: (r) => need(dynamodb, 'DynamoDB')(r),
    rds: (r) => need(rds, 'RDS')(r),
    s3: (r) => need(s3, 'S3')(r),
    arc: (e) => need(arc, 'ARC cluster')(e),
  };
}

export function registerDoctor(program: Command, deps: AwsCommandDeps): void {
  const cmd = program
    .command('doctor')
    .description(
      'Read the deployed account and report which prerequisites of a real failover are missing, in both regions: the control-plane stacks and their outputs, state machines, site-state switches (exactly one ACTIVE), detection alarms and their actions, confirmed topic subscriptions, weighted records or routing controls, data stores.',
    );
  addAwsOptions(
    cmd,
    "only check this region (one of the config's two); the rule over both site-state switches is then skipped",
    'an array of checks {name, region, status, detail, fix}',
  )
    .addHelpText(
      'after',
      '\nStatus per check: ok, missing, error (could not be read; AccessDenied says "cannot check: <permission> denied"), not-checked (no SDK client for it in drctl).\nExit codes: 0 every checked prerequisite is present; 1 something is missing or could not be checked; 2 bad input, config, credentials, or AWS unreachable.',
    )
    .action(
      action(deps.io, async (o: AwsFlags) => {
        const { config, format, clients } = await prepare(deps, o);
        const checks = await runDoctor(doctorClients(clients()), config, { region: o.region });
        deps.io.out(format === 'json' ? `${JSON.stringify(checks)}\n` : `${formatDoctor(checks)}\n`);
        return doctorExitCode(checks);
      }),
    );
}
