import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { CredentialProvider } from './session';

/** An HTTP call to an IAM-authorized API Gateway route, signed with the caller's credentials (SigV4). */
export type SignedFetch = (req: {
  readonly method: 'POST';
  readonly url: string;
  readonly body: string;
}) => Promise<{ readonly status: number; readonly body: string }>;

/** SHA-256 (and its HMAC) from node:crypto, in the shape the signer takes. */
class Sha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', typeof secret === 'string' ? secret : Buffer.from(secret as ArrayBuffer));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === 'string' ? data : Buffer.from(data as ArrayBuffer));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<{ status: number; text(): Promise<string> }>;

/**
 * Signs each request for `execute-api` in `region` with the session's credentials, as the AWS CLI would, and sends
 * it. API Gateway checks the signature and the caller's IAM permissions before the function sees the request, and
 * hands the function the caller's ARN: that is the identity the approval records (docs/adr/0017).
 */
export function signedFetch(region: string, credentials: CredentialProvider, fetchImpl: FetchLike = fetch as unknown as FetchLike): SignedFetch {
  const signer = new SignatureV4({ service: 'execute-api', region, credentials, sha256: Sha256, uriEscapePath: true });
  return async ({ method, url, body }) => {
    const u = new URL(url);
    const signed = await signer.sign({
      method,
      protocol: u.protocol,
      hostname: u.hostname,
      ...(u.port ? { port: Number(u.port) } : {}),
      path: u.pathname,
      query: Object.fromEntries(u.searchParams),
      headers: { host: u.host, 'content-type': 'application/json' },
      body,
    });
    const res = await fetchImpl(url, { method, headers: signed.headers as Record<string, string>, body, signal: AbortSignal.timeout(15_000) });
    return { status: res.status, body: await res.text() };
  };
}
