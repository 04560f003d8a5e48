/**
 * A loopback HTTP server that stands in for the ServerlessApi's API Gateway REST API: it maps each request to
 * the API Gateway proxy event (REST, payload 1.0) the deployed API would send, calls the handler of the
 * route's group (read/write/delete, as the construct wires one function per group), and writes the handler's
 * response back. Used by the handler tests, `npm run demo` and `npm run bench`.
 *
 * What it does not emulate: authorization (IAM/Cognito), request models, throttling, WAF; those are API
 * Gateway's and are asserted on the template instead.
 */
import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

export type LocalHandler = (
  event: APIGatewayProxyEvent,
  context?: { awsRequestId?: string },
) => Promise<APIGatewayProxyResult>;

export interface LocalApiOptions {
  /** The collection's path segment, e.g. `users`. */
  readonly collection: string;
  /** The key attribute, e.g. `userId` (the `{userId}` path parameter). */
  readonly key: string;
  /** The handler per route group; `all` serves every route a group has no handler for. */
  readonly handlers: { read?: LocalHandler; write?: LocalHandler; delete?: LocalHandler; all?: LocalHandler };
  /** The stage name in the event's requestContext. @default 'prod' */
  readonly stage?: string;
}

export interface LocalApi {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  stop(): Promise<void>;
}

const GROUP_OF_METHOD: Record<string, Record<string, 'read' | 'write' | 'delete'>> = {
  collection: { GET: 'read', POST: 'write' },
  item: { GET: 'read', PUT: 'write', DELETE: 'delete' },
};

/** Starts the server on a free loopback port. */
export async function startLocalApi(options: LocalApiOptions): Promise<LocalApi> {
  const server: Server = createServer((req, res) => {
    handle(options, req, res).catch((err: Error) => {
      // An exception escaping the handler is what API Gateway reports as a 502.
      if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ message: 'Internal server error', detail: err.message }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(options: LocalApiOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const url = new URL(req.url ?? '/', 'http://localhost');
  const segments = url.pathname.split('/').filter(Boolean);
  const method = req.method ?? 'GET';
  let kind: 'collection' | 'item' | undefined;
  let resource = url.pathname;
  const pathParameters: Record<string, string> = {};
  if (segments[0] === options.collection && segments.length === 1) {
    kind = 'collection';
    resource = `/${options.collection}`;
  } else if (segments[0] === options.collection && segments.length === 2) {
    kind = 'item';
    resource = `/${options.collection}/{${options.key}}`;
    pathParameters[options.key] = decodeURIComponent(segments[1]);
  }
  const group = kind ? GROUP_OF_METHOD[kind][method] : undefined;
  const handler = group ? (options.handlers[group] ?? options.handlers.all) : undefined;
  if (!handler) {
    // API Gateway's answer for a method or resource the API does not define.
    res.writeHead(403, {
      'Content-Type': 'application/json',
      'x-amzn-ErrorType': 'MissingAuthenticationTokenException',
    });
    res.end(JSON.stringify({ message: 'Missing Authentication Token' }));
    return;
  }
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    headers[name] = values[values.length - 1];
    multiValueHeaders[name] = values;
  }
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [name, value] of url.searchParams) {
    query[name] = value;
    (multiQuery[name] ??= []).push(value);
  }
  const body = Buffer.concat(chunks).toString('utf8');
  const requestId = randomUUID();
  const stage = options.stage ?? 'prod';
  const event: APIGatewayProxyEvent = {
    resource,
    path: url.pathname,
    httpMethod: method,
    headers,
    multiValueHeaders,
    queryStringParameters: Object.keys(query).length ? query : null,
    multiValueQueryStringParameters: Object.keys(multiQuery).length ? multiQuery : null,
    pathParameters: Object.keys(pathParameters).length ? pathParameters : null,
    stageVariables: null,
    body: body.length ? body : null,
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        user: null,
        userAgent: headers['user-agent'] ?? null,
        userArn: null,
      },
      path: `/${stage}${url.pathname}`,
      stage,
      requestId,
      requestTimeEpoch: Date.now(),
      resourceId: 'local',
      resourcePath: resource,
    },
  };
  const result = await handler(event, { awsRequestId: requestId });
  const responseHeaders: Record<string, string | string[]> = { ...(result.headers as Record<string, string>) };
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
    responseHeaders[name] = values.map(String);
  }
  responseHeaders['x-amzn-RequestId'] = requestId;
  res.writeHead(result.statusCode, responseHeaders);
  res.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
}
