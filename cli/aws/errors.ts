/**
 * User-facing failures of the AWS commands. The CLI prints `message` on one line and exits with
 * `exitCode`, never a stack trace: these are environment problems the operator fixes, not bugs.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = 2,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

interface SdkLikeError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

const CREDENTIALS_HINT =
  'set AWS_PROFILE (then `aws sso login` if it is an SSO profile) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, and try again';

/**
 * A one-line explanation for errors that mean "your AWS setup is not ready", or undefined for anything
 * else (which then surfaces as the SDK's own message).
 */
export function awsSetupHint(err: unknown, region: string): string | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as SdkLikeError;
  const name = e.name ?? '';
  const message = e.message ?? '';
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return `No AWS credentials found: ${CREDENTIALS_HINT}.`;
  }
  if (name === 'TokenProviderError' || /SSO session.*(expired|invalid)|Token is expired/i.test(message)) {
    return 'The AWS SSO session has expired: run `aws sso login` and try again.';
  }
  if (name === 'ExpiredToken' || name === 'ExpiredTokenException' || name === 'RequestExpired') {
    return `The AWS credentials have expired: ${CREDENTIALS_HINT}.`;
  }
  if (name === 'UnrecognizedClientException' || name === 'InvalidClientTokenId' || name === 'InvalidSignatureException' || name === 'SignatureDoesNotMatch') {
    return `AWS rejected the credentials (${name}): check that they belong to the account the control plane is deployed in.`;
  }
  if (message === 'Region is missing' || name === 'RegionMissingError') {
    return 'No AWS region configured: pass --to/--region or set AWS_REGION.';
  }
  if (name === 'AccessDeniedException' || name === 'AccessDenied' || e.$metadata?.httpStatusCode === 403) {
    return `Access denied in ${region}: ${message.split('\n')[0]}`;
  }
  if (e.code && ['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH'].includes(e.code)) {
    return `Cannot reach the AWS endpoint in ${region} (${e.code}): check the network or proxy settings.`;
  }
  return undefined;
}

/** Rethrows setup problems as CliError (exit 2) with their hint; anything else unchanged. */
export function explainAwsError(err: unknown, region: string): never {
  const hint = awsSetupHint(err, region);
  if (hint) throw new CliError(hint, 2);
  throw err;
}
