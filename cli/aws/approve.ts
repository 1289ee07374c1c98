import { GetParameterCommand } from '@aws-sdk/client-ssm';
import type { DrConfig } from '../../config/schema';
import { cleanFreeText } from '../../functions/shared/free-text';
import { approvalApiUrlParameterName, approverRoleName } from '../../config/resource-names';
import type { AwsClients } from './clients';
import { CliError, explainAwsError } from './errors';
import { resolveExecution } from './history';

export interface IamDecisionOptions {
  readonly execution: string;
  readonly decision: 'approve' | 'reject';
  readonly reason?: string;
  /** Needed to approve when the estimated data loss is over the RPO target (or unknown). */
  readonly acceptDataLoss?: boolean;
  /** Only look for the execution here. */
  readonly region?: string;
}

export interface IamDecisionResult {
  readonly region: string;
  readonly executionArn: string;
  /** HTTP status of the answer: 200 applied; 409/410/404 nothing to decide; 403 refused; 400 fix the request; 5xx see message. */
  readonly status: number;
  /** approved | rejected | already-decided | expired | late | no-request | not-an-approver | data-loss-not-accepted | unconfirmed | ... */
  readonly outcome: string;
  readonly message?: string;
  /** The caller's ARN as API Gateway verified it: who the audit records as the decider. */
  readonly decidedBy?: string;
  readonly answer: Record<string, unknown>;
}

/** Where this region's approval API is: the URL its stack stores in SSM under a fixed name. */
async function approvalApiUrl(clients: AwsClients, config: DrConfig, region: string): Promise<string> {
  const name = approvalApiUrlParameterName(config.application);
  try {
    const res = await clients.ssm(region).send(new GetParameterCommand({ Name: name }));
    const url = res.Parameter?.Value;
    if (!url || !/^https:\/\//.test(url))
      throw new CliError(`The parameter ${name} in ${region} does not hold the approval API URL (got ${JSON.stringify(url ?? null)})`);
    return url.endsWith('/') ? url : `${url}/`;
  } catch (err) {
    if (err instanceof CliError) throw err;
    if ((err as Error)?.name === 'ParameterNotFound') {
      throw new CliError(
        `No approval API in ${region}: the parameter ${name} does not exist (deploy the control plane there with this version: npx cdk deploy --all).`,
      );
    }
    return explainAwsError(err, region);
  }
}

/**
 * `drctl approve|reject EXECUTION`: finds the execution (name or ARN), then POSTs the decision to the approval API's
 * IAM-authorized route with a SigV4 signature made from the caller's credentials. API Gateway lets only the approver
 * role through; the function records the caller's ARN as the decider (docs/adr/0017).
 */
export async function decideWithIam(clients: AwsClients, config: DrConfig, opts: IamDecisionOptions): Promise<IamDecisionResult> {
  const reason = opts.reason === undefined ? '' : cleanFreeText(opts.reason);
  if (opts.decision === 'reject' && !reason) throw new CliError('A rejection needs a reason: --reason TEXT (it goes into the alert the on-call team gets)');
  const { region, executionArn } = await resolveExecution(clients, config, opts.execution, opts.region);
  const url = await approvalApiUrl(clients, config, region);
  const send = clients.signedFetch?.(region);
  if (!send) throw new CliError('This drctl build cannot sign requests to API Gateway');
  let res: { status: number; body: string };
  try {
    res = await send({
      method: 'POST',
      url: `${url}decisions`,
      body: JSON.stringify({
        execution: executionArn,
        decision: opts.decision,
        ...(reason ? { reason } : {}),
        ...(opts.acceptDataLoss ? { acceptDataLoss: true } : {}),
      }),
    });
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`Cannot reach the approval API in ${region} (${url}): ${(err as Error)?.message ?? String(err)}`);
  }
  let answer: Record<string, unknown>;
  try {
    answer = JSON.parse(res.body) as Record<string, unknown>;
  } catch {
    throw new CliError(`The approval API in ${region} answered HTTP ${res.status} with something that is not JSON: ${res.body.slice(0, 200)}`);
  }
  // API Gateway's own refusals (signature, IAM, resource policy) say {"message": ...} or {"Message": ...}.
  const message = String(answer.message ?? answer.Message ?? '');
  const outcome = typeof answer.outcome === 'string' ? answer.outcome : res.status === 403 ? 'not-an-approver' : `http-${res.status}`;
  return {
    region,
    executionArn,
    status: res.status,
    outcome,
    ...(message ? { message } : {}),
    ...(typeof answer.decidedBy === 'string' ? { decidedBy: answer.decidedBy } : {}),
    answer,
  };
}

/** What to do about a refusal, in a sentence an operator can act on. */
export function iamRefusalHint(config: DrConfig, r: IamDecisionResult): string {
  switch (r.outcome) {
    case 'not-an-approver':
    case 'not-signed':
      return `Only sessions of ${r.region}'s approver role may decide there: use a profile that assumes ${approverRoleName(config.application, r.region)} (the stack's output ApproverRoleArn).`;
    case 'data-loss-not-accepted':
      return 'The estimated data loss is over the RPO target: run again with --accept-data-loss to approve anyway, or reject.';
    case 'no-reason':
      return 'Pass --reason TEXT.';
    case 'not-applied':
      return 'Step Functions still waits for this decision: run the command again.';
    case 'unconfirmed':
      return `Check the execution before anything else: drctl history ${r.executionArn}`;
    default:
      return '';
  }
}
