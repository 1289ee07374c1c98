/**
 * Typed errors. Their `name` is what ASL `ErrorEquals` matches on, so never rename one casually.
 */

/** The execution input or a task payload is malformed. Not retried: the execution fails with this cause. */
export class InvalidInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidInputError';
  }
}

/** A dependency failed in a way worth retrying (throttling, 5xx, timeout). Matched by the ASL Retry. */
export class TransientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientError';
  }
}

/**
 * The dependency answered "slow down": it is reachable, just busy. Still a TransientError to the ASL (same
 * `name`, so the same Retry matches); the type lets a use case tell a busy region from an unreachable one.
 */
export class ThrottledError extends TransientError {}

/** A failover step could not do its job (after the dependency answered). Not retried. */
export class StepFailedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StepFailedError';
  }
}

/** Configuration in the environment is missing or invalid: fail at cold start, loudly. */
export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

/**
 * Clients do not reach the new region yet (DNS TTL, resolver caches). Retried patiently by the ASL:
 * its own Retry waits long enough for the record's TTL to run out.
 */
export class RecoveryNotVerifiedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecoveryNotVerifiedError';
  }
}
