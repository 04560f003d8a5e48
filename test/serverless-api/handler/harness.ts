/**
 * The ServerlessApi handler behind the loopback API server (scripts/lib/local-api.ts) on dynalite: one
 * handler per route group, as the construct deploys them, each on a fresh table per test.
 */
import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createHandler, Handler } from '../../../lib/serverless-api/handler/index';
import { CollectionDefinition, DEFAULT_COLLECTION } from '../../../lib/serverless-api/handler/schema';
import { LocalApi, startLocalApi } from '../../../scripts/lib/local-api';
import { EMULATOR_CREDENTIALS, EMULATOR_REGION, RunningServer, startDynalite } from '../../support/emulators';

export interface ApiUnderTest {
  readonly url: string;
  readonly tableName: string;
  readonly client: DynamoDBClient;
}

export interface ApiOptions {
  readonly collection?: CollectionDefinition;
  readonly allowedOrigins?: string[];
  /** Builds the handler of a group; default the source's createHandler. */
  readonly handlerFor?: (group: 'read' | 'write' | 'delete', tableName: string, endpoint: string) => Handler;
}

export function useApiHarness(): { start(options?: ApiOptions): Promise<ApiUnderTest>; endpoint(): string } {
  let dynalite: RunningServer;
  const apis: LocalApi[] = [];
  beforeAll(async () => {
    dynalite = await startDynalite();
  });
  afterEach(async () => {
    await Promise.all(apis.splice(0).map((a) => a.stop()));
  });
  afterAll(async () => {
    await dynalite.stop();
  });
  return {
    endpoint: () => dynalite.endpoint,
    async start(options: ApiOptions = {}) {
      const collection = options.collection ?? DEFAULT_COLLECTION;
      const client = new DynamoDBClient({
        endpoint: dynalite.endpoint,
        region: EMULATOR_REGION,
        credentials: EMULATOR_CREDENTIALS,
      });
      const tableName = `t-${randomUUID()}`;
      await client.send(
        new CreateTableCommand({
          TableName: tableName,
          AttributeDefinitions: [{ AttributeName: collection.key, AttributeType: 'S' }],
          KeySchema: [{ AttributeName: collection.key, KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      const make = (group: 'read' | 'write' | 'delete'): Handler =>
        options.handlerFor?.(group, tableName, dynalite.endpoint) ??
        createHandler(
          { tableName, collection, routeGroup: group, allowedOrigins: options.allowedOrigins ?? [] },
          client,
        );
      const api = await startLocalApi({
        collection: collection.name,
        key: collection.key,
        handlers: { read: make('read'), write: make('write'), delete: make('delete') },
      });
      apis.push(api);
      return { url: api.url, tableName, client };
    },
  };
}

export interface Reply {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Sends a request; a JSON body (object) is serialised, a string is sent as is. */
export async function call(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}
