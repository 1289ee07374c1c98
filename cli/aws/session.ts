import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { getHomeDir, loadSharedConfigFiles } from '@smithy/core/config';
import { CliError, firstLine } from './errors';

/** Who drctl is in AWS, as the AWS CLI decides it: `--profile`, else AWS_PROFILE, else the default chain. */
export interface AwsSession {
  /** The named profile; undefined means the SDK's default chain (environment keys, `default` profile, SSO, container or instance role). */
  readonly profile?: string;
  /** Where the profile name came from, so a message can say which setting to fix. */
  readonly profileSource?: '--profile' | 'AWS_PROFILE';
}

/** The shared files the SDK (and the AWS CLI) read, honouring AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE. */
export function sharedFilePaths(env: NodeJS.ProcessEnv = process.env): { config: string; credentials: string } {
  return {
    config: env.AWS_CONFIG_FILE || join(getHomeDir(), '.aws', 'config'),
    credentials: env.AWS_SHARED_CREDENTIALS_FILE || join(getHomeDir(), '.aws', 'credentials'),
  };
}

const describeSource = (session: AwsSession): string =>
  session.profileSource === 'AWS_PROFILE' ? `AWS_PROFILE=${session.profile}` : `--profile ${session.profile}`;

/**
 * Picks the profile like the AWS CLI (`--profile` wins over AWS_PROFILE) and checks that it exists in
 * the shared files before any AWS call, so a typo is named as such instead of surfacing as "no
 * credentials" from every region.
 */
export async function resolveSession(opts: { profile?: string }, env: NodeJS.ProcessEnv = process.env): Promise<AwsSession> {
  const profile = opts.profile || env.AWS_PROFILE || undefined;
  if (!profile) return {};
  const session: AwsSession = { profile, profileSource: opts.profile ? '--profile' : 'AWS_PROFILE' };
  const paths = sharedFilePaths(env);
  let files: Awaited<ReturnType<typeof loadSharedConfigFiles>>;
  try {
    // Both paths are passed explicitly so `env` (not only process.env) decides which files are read.
    files = await loadSharedConfigFiles({ filepath: paths.credentials, configFilepath: paths.config, ignoreCache: true });
  } catch (err) {
    throw new CliError(
      `Cannot read the AWS config files (${paths.config}, ${paths.credentials}) for the profile "${profile}" (${describeSource(session)}): ${firstLine((err as Error).message)}`,
    );
  }
  if (Object.hasOwn(files.configFile, profile) || Object.hasOwn(files.credentialsFile, profile)) return session;
  // `[sso-session x]` and `[services x]` sections are keyed `sso-session.x`: they are not profiles.
  const known = [...new Set([...Object.keys(files.configFile), ...Object.keys(files.credentialsFile)])]
    .filter((k) => !/^(sso-session|services)\./.test(k))
    .sort();
  const listed =
    known.length > 0
      ? `profiles there: ${known.slice(0, 10).join(', ')}${known.length > 10 ? ', ...' : ''}`
      : existsSync(paths.config) || existsSync(paths.credentials)
        ? 'they define no profile'
        : 'neither file exists';
  throw new CliError(
    `The AWS profile "${profile}" (${describeSource(session)}) does not exist in ${paths.config} or ${paths.credentials} (${listed}); create it with \`aws configure --profile ${profile}\` or \`aws configure sso\`.`,
  );
}

export type CredentialProvider = ReturnType<typeof fromNodeProviderChain>;

/** The SDK's chain would print a multi-line console warning when a profile and environment keys are both set. */
const quietLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/**
 * The SDK v3 default credential chain for the session, shared by every client so the profile (an SSO
 * token, a `credential_process`, an assumed role) is resolved once per command, not once per region.
 * A failure becomes one line that names the profile: the chain's own "Could not load credentials from
 * any providers" does not say which profile it tried.
 */
export function credentialsFor(session: AwsSession): CredentialProvider {
  const chain = fromNodeProviderChain({ ...(session.profile ? { profile: session.profile } : {}), ignoreCache: true, logger: quietLogger });
  if (!session.profile) return chain;
  const named: CredentialProvider = async (opts) => {
    try {
      return await chain(opts);
    } catch (err) {
      const detail = firstLine((err as Error)?.message);
      const generic = /Could not load credentials from any providers/i.test(detail);
      const paths = sharedFilePaths();
      throw new CliError(
        `The AWS profile "${session.profile}" (${describeSource(session)}) gives no usable credentials${generic ? ` (no keys, SSO, role or credential_process for it in ${paths.config} or ${paths.credentials})` : `: ${detail}`}.`,
      );
    }
  };
  return named;
}
