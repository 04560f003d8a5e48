/**
 * A lean BatchWriteItem sender: the same JSON-protocol request the AWS SDK sends, signed with SigV4, posted over a
 * keep-alive connection, without the SDK's per-call middleware stack.
 *
 * Why: on a 2-core machine the SDK v3 client spends ~90 µs of CPU per item in BatchWriteItem calls (generic
 * schema serialisation, middleware resolution, endpoint rules, signing), about six times the cost of this path,
 * and that client CPU, not DynamoDB, capped the import rate (see docs/BENCHMARKS.md). Items are already in
 * DynamoDB's wire format, so the body is a plain `JSON.stringify`.
 *
 * What is still the SDK's: the first call of a client goes through the SDK (so endpoint resolution, including
 * `AWS_ENDPOINT_URL_DYNAMODB`, FIPS/dual-stack settings and custom endpoints, is the SDK's own) and records the
 * endpoint it resolved; credentials and region always come from the client's own providers. Errors are turned into
 * objects shaped like the SDK's (`name`, `message`, `$metadata.httpStatusCode`), so retry classification is shared.
 *
 * `INVENTORY_WRITE_PATH=sdk` turns this path off (every call through the SDK), for example to inject faults with
 * aws-sdk-client-mock.
 */
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import {
  BatchWriteItemCommand,
  BatchWriteItemCommandInput,
  BatchWriteItemCommandOutput,
  DynamoDBClient,
  PutItemCommand,
  PutItemCommandInput,
  PutItemCommandOutput,
} from '@aws-sdk/client-dynamodb';

export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface SignInput {
  readonly host: string;
  readonly path: string;
  readonly target: string;
  readonly body: string;
  readonly region: string;
  readonly service: string;
  readonly credentials: SigningCredentials;
  readonly date: Date;
}

const sha256Hex = (data: string): string => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

const signingKeys = new Map<string, Buffer>();

function signingKey(secret: string, day: string, region: string, service: string): Buffer {
  const cacheKey = `${secret}|${day}|${region}|${service}`;
  let key = signingKeys.get(cacheKey);
  if (!key) {
    key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), service), 'aws4_request');
    if (signingKeys.size > 16) signingKeys.clear();
    signingKeys.set(cacheKey, key);
  }
  return key;
}

/** SigV4 headers for a JSON-protocol POST (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html). */
export function signJsonPost(input: SignInput): Record<string, string> {
  const amzDate = input.date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = {
    'content-type': 'application/x-amz-json-1.0',
    host: input.host,
    'x-amz-date': amzDate,
    'x-amz-target': input.target,
  };
  if (input.credentials.sessionToken) headers['x-amz-security-token'] = input.credentials.sessionToken;
  const names = Object.keys(headers).sort();
  const canonicalHeaders = names.map((name) => `${name}:${headers[name].trim()}\n`).join('');
  const signedHeaders = names.join(';');
  const canonicalRequest = ['POST', input.path, '', canonicalHeaders, signedHeaders, sha256Hex(input.body)].join('\n');
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const signature = createHmac(
    'sha256',
    signingKey(input.credentials.secretAccessKey, day, input.region, input.service),
  )
    .update(stringToSign, 'utf8')
    .digest('hex');
  return {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${input.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  };
}

/**
 * An error shaped like the SDK's service exceptions (a ConditionalCheckFailedException keeps the `Item` that
 * `ReturnValuesOnConditionCheckFailure` returns, as the SDK's does).
 */
export function serviceError(statusCode: number, body: string): Error {
  let type = 'UnknownError';
  let message = body.slice(0, 500);
  let item: unknown;
  try {
    const parsed = JSON.parse(body) as { __type?: string; message?: string; Message?: string; Item?: unknown };
    if (parsed.__type) type = parsed.__type.split('#').pop() ?? type;
    message = parsed.message ?? parsed.Message ?? message;
    item = parsed.Item;
  } catch {
    // not JSON: keep the raw text
  }
  return Object.assign(new Error(message), {
    name: type,
    $metadata: { httpStatusCode: statusCode },
    ...(item !== undefined ? { Item: item } : {}),
  });
}

interface Endpoint {
  readonly protocol: string;
  readonly hostname: string;
  readonly port?: number;
  readonly path: string;
}

const CAPTURE = 'inventoryEndpointCapture';
const captured = new WeakMap<DynamoDBClient, Endpoint>();

function installCapture(client: DynamoDBClient): void {
  if (client.middlewareStack.identify().some((entry) => entry.startsWith(CAPTURE))) return;
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as Partial<Endpoint> | undefined;
      if (request?.hostname && request.protocol && !captured.has(client)) {
        captured.set(client, {
          protocol: request.protocol,
          hostname: request.hostname,
          port: request.port,
          path: request.path || '/',
        });
      }
      return next(args);
    },
    { step: 'finalizeRequest', name: CAPTURE },
  );
}

const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
/** Longest a single BatchWriteItem attempt may take, whichever path sends it (a stalled endpoint never answers). */
export const ATTEMPT_TIMEOUT_MS = 10_000;

/** The error a timed-out attempt ends with: shaped like the SDK's, retryable. */
export function attemptTimeoutError(ms: number, operation = 'BatchWriteItem'): Error {
  return Object.assign(new Error(`${operation} got no answer within ${ms} ms`), { name: 'TimeoutError' });
}

/** The operations this path sends, with the SDK command each falls back to. */
const OPERATIONS = {
  BatchWriteItem: (input: object) => new BatchWriteItemCommand(input as BatchWriteItemCommandInput),
  PutItem: (input: object) => new PutItemCommand(input as PutItemCommandInput),
};
type Operation = keyof typeof OPERATIONS;

/** Sends BatchWriteItem (and PutItem) calls; the first through the SDK, the rest on the lean path. */
export class FastBatchWriter {
  private readonly enabled: boolean;

  constructor(
    private readonly client: DynamoDBClient,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.enabled = env.INVENTORY_WRITE_PATH !== 'sdk';
    if (this.enabled) installCapture(client);
  }

  /**
   * Sends one BatchWriteItem attempt. It settles within `timeoutMs` whatever the endpoint does (an endpoint that
   * accepts the connection and never answers included): then it fails with a retryable `TimeoutError`.
   */
  send(
    input: BatchWriteItemCommandInput,
    timeoutMs = ATTEMPT_TIMEOUT_MS,
  ): Promise<Pick<BatchWriteItemCommandOutput, 'UnprocessedItems'>> {
    return this.call('BatchWriteItem', input, timeoutMs);
  }

  /** Sends one PutItem attempt, with the same deadline as `send`. */
  put(input: PutItemCommandInput, timeoutMs = ATTEMPT_TIMEOUT_MS): Promise<Pick<PutItemCommandOutput, 'Attributes'>> {
    return this.call('PutItem', input, timeoutMs);
  }

  private async call<T>(operation: Operation, input: object, timeoutMs: number): Promise<T> {
    const ms = Math.max(1, Math.floor(timeoutMs));
    const endpoint = this.enabled ? captured.get(this.client) : undefined;
    if (!endpoint) {
      try {
        const command = OPERATIONS[operation](input) as Parameters<DynamoDBClient['send']>[0];
        return (await this.client.send(command, { abortSignal: AbortSignal.timeout(ms) })) as T;
      } catch (err) {
        const name = (err as Error).name;
        if (name === 'AbortError' || name === 'TimeoutError') throw attemptTimeoutError(ms, operation);
        throw err;
      }
    }
    const config = this.client.config;
    const [credentials, region] = await Promise.all([config.credentials(), config.region()]);
    const body = JSON.stringify(input);
    const defaultPort = endpoint.protocol === 'https:' ? 443 : 80;
    const host =
      endpoint.port && endpoint.port !== defaultPort ? `${endpoint.hostname}:${endpoint.port}` : endpoint.hostname;
    const headers = signJsonPost({
      host,
      path: endpoint.path,
      target: `DynamoDB_20120810.${operation}`,
      body,
      region,
      service: 'dynamodb',
      credentials,
      date: new Date(),
    });
    const transport = endpoint.protocol === 'https:' ? https : http;
    const { statusCode, text } = await new Promise<{ statusCode: number; text: string }>((resolve, reject) => {
      const request = transport.request(
        {
          protocol: endpoint.protocol,
          hostname: endpoint.hostname,
          port: endpoint.port,
          path: endpoint.path,
          method: 'POST',
          agent: endpoint.protocol === 'https:' ? agents.https : agents.http,
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            clearTimeout(timer);
            resolve({ statusCode: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
          });
          response.on('error', (err) => {
            clearTimeout(timer);
            reject(err);
          });
        },
      );
      // A deadline for the whole attempt (connect, send, wait, read), not an idle timeout: an endpoint that
      // trickles bytes or never answers still ends the attempt on time.
      const timer = setTimeout(() => request.destroy(attemptTimeoutError(ms, operation)), ms);
      request.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      request.end(body);
    });
    if (statusCode !== 200) throw serviceError(statusCode, text);
    return JSON.parse(text) as T;
  }
}
