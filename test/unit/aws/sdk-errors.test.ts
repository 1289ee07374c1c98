import { TransientError } from '../../../functions/shared/errors';
import { callAws, isTransient, rethrowSdkError } from '../../../functions/shared/aws/sdk-errors';
import { awsError } from './fixtures';

describe('isTransient', () => {
  it.each([
    'Throttling',
    'ThrottlingException',
    'PriorRequestNotComplete',
    'ProvisionedThroughputExceededException',
    'RequestLimitExceeded',
    'TooManyRequestsException',
    'TimeoutError',
  ])('%s is worth retrying', (name) => {
    expect(isTransient(awsError(name))).toBe(true);
  });

  it('treats 5xx, server faults and network errors as transient', () => {
    expect(isTransient(awsError('Whatever', { status: 503 }))).toBe(true);
    expect(isTransient(Object.assign(new Error('x'), { $fault: 'server' }))).toBe(true);
    expect(isTransient(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(true);
  });

  it.each(['ValidationException', 'AccessDeniedException', 'ConditionalCheckFailedException', 'InvalidChangeBatch', 'LimitExceededException'])(
    '%s is not',
    (name) => {
      expect(isTransient(awsError(name))).toBe(false);
    },
  );

  it('is false for non-errors', () => {
    expect(isTransient(undefined)).toBe(false);
    expect(isTransient('Throttling')).toBe(false);
  });
});

describe('rethrowSdkError / callAws', () => {
  it('wraps transient errors in TransientError, keeping the cause and naming the call', () => {
    const cause = awsError('Throttling', { message: 'Rate exceeded' });
    let thrown: unknown;
    try {
      rethrowSdkError(cause, 'Route 53 GetChange');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(TransientError);
    expect((thrown as TransientError).name).toBe('TransientError');
    expect((thrown as Error).message).toBe('Route 53 GetChange failed (Throttling): Rate exceeded');
    expect((thrown as Error).cause).toBe(cause);
  });

  it('rethrows other errors untouched', async () => {
    const denied = awsError('AccessDeniedException');
    await expect(callAws('x', () => Promise.reject(denied))).rejects.toBe(denied);
    await expect(callAws('x', () => Promise.resolve(42))).resolves.toBe(42);
  });
});
