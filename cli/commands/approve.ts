import { Option, type Command } from 'commander';
import { decideWithIam, iamRefusalHint, type IamDecisionResult } from '../aws/approve';
import { CliError } from '../aws/errors';
import { action } from '../io';
import { addAwsOptions, type AwsCommandDeps, type AwsFlags, prepare } from './aws';

type DecideFlags = AwsFlags & { reason?: string; acceptDataLoss?: boolean };

function describe(r: IamDecisionResult, decision: 'approve' | 'reject', hint: string): string {
  const name = r.executionArn.split(':').at(-1);
  if (r.outcome === 'approved' || r.outcome === 'rejected') {
    const confirmed = r.answer.confirmedFromHistory === true ? " (Step Functions' answer was lost; the execution history confirms it)" : '';
    return [
      `${r.outcome === 'approved' ? 'Approved' : 'Rejected'} the failover ${name} in ${r.region} as ${r.decidedBy}${confirmed}.`,
      r.outcome === 'approved' ? '  the failover continues; alerts follow' : '  nothing changes; the on-call team gets the reason in the alert',
      `  follow it  drctl history ${name}`,
    ].join('\n');
  }
  return [`Not ${decision === 'approve' ? 'approved' : 'rejected'} (HTTP ${r.status}, ${r.outcome}): ${r.message ?? 'no message'}`, hint ? `  ${hint}` : '']
    .filter(Boolean)
    .join('\n');
}

/** 0 applied; 1 nothing to decide any more (decided, expired, too late, not applied yet); 2 refused or a request to fix. */
function exitCodeOf(r: IamDecisionResult): number {
  if (r.status === 200) return 0;
  if (r.status === 400 || r.status === 401 || r.status === 403) return 2;
  return 1;
}

function registerDecision(program: Command, deps: AwsCommandDeps, decision: 'approve' | 'reject'): void {
  const cmd = program
    .command(decision)
    .description(
      decision === 'approve'
        ? 'Approve the failover an execution waits for, as the AWS principal your credentials are (it must be a session of the approver role); the decider recorded is that principal.'
        : 'Reject the failover an execution waits for, with a reason, as the AWS principal your credentials are (a session of the approver role).',
    )
    .argument('<execution>', 'execution name (looked up in both regions) or execution ARN');
  if (decision === 'approve') {
    cmd.option('--reason <text>', 'a note for the audit trail and the approval alert');
    cmd.addOption(new Option('--accept-data-loss', 'needed when the estimated data loss is over the RPO target (or unknown)').default(false));
  } else {
    cmd.requiredOption('--reason <text>', 'why: it goes into the rejection alert and the audit trail');
  }
  addAwsOptions(cmd, 'only look for the execution in this region', 'one object with the outcome, the execution and the decider')
    .addHelpText(
      'after',
      `\nExit codes: 0 ${decision === 'approve' ? 'approved' : 'rejected'} (the decider is your principal); 1 nothing to decide (already decided, expired, too late) or not confirmed; 2 refused (not an approver session, data loss not accepted, no reason), bad input, credentials or AWS unreachable.`,
    )
    .action(
      action(deps.io, async (execution: string, o: DecideFlags) => {
        const { config, format, clients } = await prepare(deps, o);
        if (o.reason !== undefined && !o.reason.trim()) throw new CliError('--reason needs some text');
        const r = await decideWithIam(clients(), config, {
          execution,
          decision,
          reason: o.reason,
          acceptDataLoss: o.acceptDataLoss === true,
          region: o.region,
        });
        const hint = iamRefusalHint(config, r);
        deps.io.out(format === 'json' ? `${JSON.stringify({ ...r, ...(hint ? { hint } : {}) })}\n` : `${describe(r, decision, hint)}\n`);
        return exitCodeOf(r);
      }),
    );
}

/** `drctl approve|reject EXECUTION`: the IAM path of docs/adr/0017, beside the emailed link. */
export function registerApprove(program: Command, deps: AwsCommandDeps): void {
  registerDecision(program, deps, 'approve');
  registerDecision(program, deps, 'reject');
}
