import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A service error, answered as the AWS JSON protocol does: HTTP 400 and `{ "__type": ..., "message": ... }`. */
export class AwsJsonError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** One request as the server received it: the operation from X-Amz-Target and the parsed JSON body. */
export interface AwsJsonCall {
  readonly operation: string;
  readonly input: Record<string, unknown>;
}

export interface AwsJsonServer {
  /** `http://127.0.0.1:<port>`: pass as the client's `endpoint`. */
  readonly endpoint: string;
  readonly calls: AwsJsonCall[];
  close(): Promise<void>;
}

/**
 * A real HTTP server on 127.0.0.1 speaking the AWS JSON 1.1 protocol that ECS and ECR use: every call is a POST to
 * `/` with `X-Amz-Target: <ServicePrefix>.<Operation>` and a JSON body, answered with a JSON body, or with HTTP 400
 * and `__type` naming the exception. The SDK clients talk to it unmodified (signing, serialisation, error parsing).
 */
export async function startAwsJsonServer(
  targetPrefix: string,
  handle: (operation: string, input: Record<string, unknown>) => unknown,
): Promise<AwsJsonServer> {
  const calls: AwsJsonCall[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'POST' || !target.startsWith(`${targetPrefix}.`)) {
        reply(400, { __type: 'UnknownOperationException', message: `unexpected ${req.method} ${target}` });
        return;
      }
      const operation = target.slice(targetPrefix.length + 1);
      const text = Buffer.concat(chunks).toString('utf8');
      const input = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
      calls.push({ operation, input });
      try {
        reply(200, handle(operation, input) ?? {});
      } catch (e) {
        if (e instanceof AwsJsonError) {
          reply(e.status, { __type: e.type, message: e.message });
        } else {
          reply(500, { __type: 'InternalFailure', message: (e as Error).message });
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

/** Client settings that point an SDK client at a loopback server, with throwaway credentials. */
export const loopbackClient = (endpoint: string) => ({
  endpoint,
  credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
  maxAttempts: 1,
});
