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
  $fault?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number; headers?: Record<string, string | undefined> };
}

const CREDENTIALS_HINT =
  'pass --profile NAME or set AWS_PROFILE (then `aws sso login` if it is an SSO profile), or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, and try again';

const NETWORK_CODES = ['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ECONNABORTED'];

/** The first line of a message, without the SDK's multi-line advice. */
export const firstLine = (text: string | undefined): string => (text ?? '').split('\n')[0].trim();

/**
 * The endpoint answered, but not in the AWS protocol: the SDK's JSON/XML parser failed on it. Typical
 * causes are a corporate proxy's or captive portal's HTML page, or AWS_ENDPOINT_URL pointing elsewhere.
 */
function notAnAwsAnswer(e: SdkLikeError): boolean {
  const parserFailed = e.name === 'SyntaxError' || /Deserialization error/i.test(e.message ?? '');
  return parserFailed && (e.$metadata !== undefined || e.$response !== undefined);
}

/** True for errors raised by the SDK or the network under it, as opposed to a bug in drctl. */
export function isAwsSideError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as SdkLikeError;
  return (
    e.$metadata !== undefined ||
    e.$fault !== undefined ||
    e.$response !== undefined ||
    (e.code !== undefined && NETWORK_CODES.includes(e.code)) ||
    e.name === 'TimeoutError'
  );
}

/**
 * A one-line explanation for errors that mean "your AWS setup is not ready" (credentials, network,
 * an endpoint that does not speak AWS), or undefined for anything else.
 */
export function awsSetupHint(err: unknown, region: string): string | undefined {
  if (err instanceof CliError) return err.message;
  if (!err || typeof err !== 'object') return undefined;
  const e = err as SdkLikeError;
  const name = e.name ?? '';
  const message = e.message ?? '';
  if (notAnAwsAnswer(e)) {
    const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
    const type = e.$response?.headers?.['content-type'];
    return `The AWS endpoint in ${region} answered${status ? ` HTTP ${status}` : ''} with something that is not an AWS API response${type ? ` (${type})` : ''}: a proxy, captive portal or AWS_ENDPOINT_URL is in the way.`;
  }
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
    return `Access denied in ${region}: ${firstLine(message)}`;
  }
  if (e.code && NETWORK_CODES.includes(e.code)) {
    return `Cannot reach the AWS endpoint in ${region} (${e.code}): check the network or proxy settings.`;
  }
  if (name === 'TimeoutError') {
    return `Cannot reach the AWS endpoint in ${region} (no answer in time): check the network or proxy settings.`;
  }
  return undefined;
}

/** Whether a hint says the region could not be reached or refused us (a region-local problem). */
export const isRegionLocalHint = (hint: string): boolean =>
  hint.startsWith('Cannot reach') || hint.startsWith('Access denied') || hint.startsWith('The AWS endpoint in');

/**
 * Rethrows anything the AWS side caused as a CliError (exit 2) with one line: setup problems with
 * their hint, other service errors (throttling, validation, 5xx) with the service's own name and
 * first line. Anything else (a bug in drctl) is rethrown unchanged.
 */
export function explainAwsError(err: unknown, region: string): never {
  const hint = awsSetupHint(err, region);
  if (hint) throw new CliError(hint, 2);
  if (isAwsSideError(err)) {
    const e = err as SdkLikeError;
    throw new CliError(`AWS answered ${e.name ?? 'an error'} in ${region}: ${firstLine(e.message) || 'no message'}`, 2);
  }
  throw err;
}
