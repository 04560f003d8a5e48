import { createHash, createHmac, Hash, Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

/** A SigV4-signed HTTP request's answer. */
export interface SignedResponse {
  readonly status: number;
  readonly body: string;
}

/** Sends `method url` with an optional JSON body, signed with SigV4 for `execute-api` (IAM authorization). */
export type SignedFetch = (method: string, url: string, body?: unknown) => Promise<SignedResponse>;

/** Credentials as the SDK's providers resolve them. */
export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** SHA-256 (and HMAC-SHA-256 with a secret) from node:crypto, in the shape SignatureV4 expects. */
class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

function toBuffer(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** A SignedFetch for `region`, signing with the credentials `credentials` resolves (the SDK's default chain). */
export function createSignedFetch(
  region: string,
  credentials: () => Promise<SigningCredentials>,
  timeoutMs = 10_000,
): SignedFetch {
  const signer = new SignatureV4({ service: 'execute-api', region, credentials, sha256: Sha256 });
  return async (method, url, body) => {
    const u = new URL(url);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const query: Record<string, string> = {};
    u.searchParams.forEach((v, k) => (query[k] = v));
    const signed = await signer.sign({
      method,
      protocol: u.protocol,
      hostname: u.hostname,
      port: u.port ? Number(u.port) : undefined,
      path: u.pathname,
      query,
      headers: {
        host: u.host,
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: payload,
    });
    const res = await fetch(url, {
      method,
      headers: signed.headers,
      body: payload,
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: res.status, body: await res.text() };
  };
}
