import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigurationError } from '../errors';
import { callAws } from './sdk-errors';

/** HMAC-SHA256 gains nothing from a longer key and is weakened by a shorter one. */
export const MIN_SIGNING_KEY_BYTES = 32;

/**
 * The approval-link HMAC key. Fetched once per Lambda container and kept: links are verified on every
 * click and the secret does not rotate during an incident. A failed fetch is not cached, so the next
 * call tries again. A string secret is used as its UTF-8 bytes (what a generated secret string holds).
 */
export function secretsSigningKey(client: SecretsManagerClient, secretArn: string): () => Promise<Buffer> {
  let pending: Promise<Buffer> | undefined;
  const fetchKey = async (): Promise<Buffer> => {
    const res = await callAws('Secrets Manager GetSecretValue (signing key)', () => client.send(new GetSecretValueCommand({ SecretId: secretArn })));
    const key = res.SecretBinary ? Buffer.from(res.SecretBinary) : res.SecretString !== undefined ? Buffer.from(res.SecretString, 'utf8') : undefined;
    if (!key || key.length < MIN_SIGNING_KEY_BYTES) {
      throw new ConfigurationError(`Signing secret ${secretArn} must hold at least ${MIN_SIGNING_KEY_BYTES} bytes (has ${key?.length ?? 0})`);
    }
    return key;
  };
  return () => {
    pending ??= fetchKey().catch((err: unknown) => {
      pending = undefined;
      throw err;
    });
    return pending;
  };
}
