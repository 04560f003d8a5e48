import * as http from 'node:http';
import * as https from 'node:https';

export interface HttpResponse {
  readonly status: number;
  /** The body, truncated to the first 64 KiB. */
  readonly body: string;
}

/** An HTTP GET; injectable so callers can be tested against any transport. */
export type HttpGet = (url: string, timeoutMs: number) => Promise<HttpResponse>;

const MAX_BODY = 64 * 1024;

/** Accept `host/path` as well as full URLs: CloudFormation outputs of a DNS name carry no scheme. */
export function normaliseUrl(url: string): string {
  return /^https?:\/\//i.test(url) ? url : `http://${url}`;
}

/**
 * GET a URL with a fresh connection per request (no keep-alive), so every request is routed independently by
 * the load balancer and nothing keeps the process alive afterwards. Rejects on network errors and timeouts.
 */
export const httpGet: HttpGet = (url, timeoutMs) =>
  new Promise((resolve, reject) => {
    const target = new URL(normaliseUrl(url));
    const lib = target.protocol === 'https:' ? https : http;
    const req = lib.get(
      target,
      { agent: false, headers: { connection: 'close', 'user-agent': 'cdk-compute-patterns-verify' } },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < MAX_BODY) {
            chunks.push(chunk);
            size += chunk.length;
          }
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).subarray(0, MAX_BODY).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no response within ${timeoutMs}ms`)));
    req.on('error', reject);
  });

export const is2xx = (status: number): boolean => status >= 200 && status < 300;
