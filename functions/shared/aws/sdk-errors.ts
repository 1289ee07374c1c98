import { ThrottledError, TransientError } from '../errors';

/**
 * Error names the SDK's own retry strategy treats as throttling, plus the Route 53 and DynamoDB
 * spellings. `LimitExceededException` is left out on purpose: in several services it means a quota,
 * which no retry will fix.
 */
const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'PriorRequestNotComplete',
  'TransactionInProgressException',
  'SlowDown',
  'EC2ThrottledException',
  'KMSThrottlingException',
]);

const TRANSIENT = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'InternalFailure',
  'InternalServerError',
  'InternalServerException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
]);

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

interface SdkLikeError {
  name?: string;
  code?: string;
  message?: string;
  $fault?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

export function errorName(err: unknown): string {
  return (err as SdkLikeError | null)?.name ?? 'Error';
}

/** The service answered and asked us to slow down (so it, and its region, are reachable). */
export function isThrottling(err: unknown): boolean {
  const e = err as SdkLikeError | null;
  return THROTTLING.has(e?.name ?? '') || e?.$metadata?.httpStatusCode === 429;
}

/**
 * True when waiting and trying again may succeed: throttling, a 5xx, or the request never got an answer.
 * The SDK has already retried a few times by then; this decides whether the ASL retries the whole task.
 */
export function isTransient(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as SdkLikeError;
  const name = e.name ?? '';
  if (THROTTLING.has(name) || TRANSIENT.has(name)) return true;
  if (e.code && NETWORK_CODES.has(e.code)) return true;
  if (e.$fault === 'server' || e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  return typeof status === 'number' && (status >= 500 || status === 429);
}

/** Rethrows `err`, as a TransientError when it is worth retrying, so the ASL Retry matches it by name. */
export function rethrowSdkError(err: unknown, doing: string): never {
  if (isThrottling(err)) throw new ThrottledError(`${doing} failed (${errorName(err)}): ${(err as Error).message}`, { cause: err });
  if (isTransient(err)) {
    throw new TransientError(`${doing} failed (${errorName(err)}): ${(err as Error).message}`, { cause: err });
  }
  throw err;
}

/** Runs one SDK call, mapping retryable failures to TransientError. */
export async function callAws<T>(doing: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    return rethrowSdkError(err, doing);
  }
}
