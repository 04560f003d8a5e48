import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** An error to answer instead of forwarding, as DynamoDB's JSON protocol sends it. */
export interface DynamoDbFault {
  readonly status: number;
  /** The exception name, e.g. `ProvisionedThroughputExceededException`. */
  readonly type: string;
  readonly message: string;
}

export interface DynamoDbProxy {
  /** `http://127.0.0.1:<port>`: pass as the client's endpoint. */
  readonly endpoint: string;
  stop(): Promise<void>;
}

/**
 * A loopback proxy in front of a DynamoDB endpoint (dynalite) for fault injection: each request is shown to
 * `intercept` with its operation (from X-Amz-Target, e.g. `BatchWriteItem`) and JSON body; a fault it returns is
 * answered as DynamoDB would, anything else is forwarded unchanged.
 */
export async function startDynamoDbProxy(
  target: string,
  intercept: (operation: string, body: string) => DynamoDbFault | undefined,
): Promise<DynamoDbProxy> {
  const upstream = new URL(target);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const operation = String(req.headers['x-amz-target'] ?? '')
        .split('.')
        .pop()!;
      const fault = intercept(operation, body.toString('utf8'));
      if (fault) {
        res.writeHead(fault.status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': fault.type });
        res.end(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${fault.type}`, message: fault.message }));
        return;
      }
      const forward = http.request(
        { hostname: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 500, answer.headers);
          answer.pipe(res);
        },
      );
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
