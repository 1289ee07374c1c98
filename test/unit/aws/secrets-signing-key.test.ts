import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { secretsSigningKey } from '../../../functions/shared/aws/secrets-signing-key';
import { ConfigurationError, TransientError } from '../../../functions/shared/errors';
import { awsError } from './fixtures';

const sm = mockClient(SecretsManagerClient);
const ARN = 'arn:aws:secretsmanager:us-west-2:111122223333:secret:orders-dr-signing-AbCdEf';
const SECRET = 'k'.repeat(48);
const key = () => secretsSigningKey(new SecretsManagerClient({ region: 'us-west-2' }), ARN);

beforeEach(() => sm.reset());

describe('secretsSigningKey', () => {
  it('fetches the secret by ARN and returns its bytes', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: SECRET });
    await expect(key()()).resolves.toEqual(Buffer.from(SECRET, 'utf8'));
    expect(sm.commandCalls(GetSecretValueCommand)[0].args[0].input).toEqual({ SecretId: ARN });
  });

  it('uses a binary secret as it is', async () => {
    const bytes = Uint8Array.from({ length: 32 }, (_, i) => i);
    sm.on(GetSecretValueCommand).resolves({ SecretBinary: bytes });
    await expect(key()()).resolves.toEqual(Buffer.from(bytes));
  });

  it('fetches once, for sequential and concurrent calls alike', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: SECRET });
    const get = key();
    const [a, b] = await Promise.all([get(), get()]);
    const c = await get();
    expect(sm).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
    expect(a.equals(b) && b.equals(c)).toBe(true);
  });

  it('does not cache a failure: the next call fetches again', async () => {
    sm.on(GetSecretValueCommand).rejectsOnce(awsError('ThrottlingException')).resolves({ SecretString: SECRET });
    const get = key();
    await expect(get()).rejects.toBeInstanceOf(TransientError);
    await expect(get()).resolves.toEqual(Buffer.from(SECRET));
    expect(sm).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  it('refuses a key too short to sign with', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'short' });
    await expect(key()()).rejects.toBeInstanceOf(ConfigurationError);
  });
});
