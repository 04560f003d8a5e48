/**
 * The ServerlessApi section of `npm run demo`: the bundled handler (what Lambda runs) behind the loopback API
 * Gateway server on dynalite, one copy per route group as the construct deploys them, and the lab's requests
 * against it, each printed with its response. Also used by `npm run bench` to start the same API.
 */
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Handler } from '../../lib/serverless-api/handler/index';
import { DEFAULT_COLLECTION } from '../../lib/serverless-api/handler/schema';
import { EMULATOR_CREDENTIALS, EMULATOR_REGION } from './emulators';
import { LocalApi, startLocalApi } from './local-api';

export const SERVERLESS_API_BUNDLE = join(__dirname, '..', '..', 'assets', 'serverless-api-handler', 'index.js');

interface BundleModule {
  createHandler: (config: unknown) => Handler;
  configFromEnv: (env: Record<string, string>) => unknown;
}

/** Creates the users table on `dynamodbEndpoint` and serves the bundled handler in front of it. */
export async function startUsersApi(dynamodbEndpoint: string, tableName = 'Users'): Promise<LocalApi> {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint,
    AWS_REGION: EMULATOR_REGION,
    AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
  });
  const client = new DynamoDBClient({
    endpoint: dynamodbEndpoint,
    region: EMULATOR_REGION,
    credentials: EMULATOR_CREDENTIALS,
  });
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: 'userId', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'userId', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  const bundle = require(SERVERLESS_API_BUNDLE) as BundleModule; // eslint-disable-line @typescript-eslint/no-require-imports
  const make = (group: string) =>
    bundle.createHandler(bundle.configFromEnv({ TABLE_NAME: tableName, ROUTE_GROUP: group }));
  return startLocalApi({
    collection: DEFAULT_COLLECTION.name,
    key: DEFAULT_COLLECTION.key,
    handlers: { read: make('read'), write: make('write'), delete: make('delete') },
  });
}

/** The lab's test requests, and what the production version adds (conflicts, validation, versions, pages). */
const LAB_REQUESTS: [string, string, unknown?][] = [
  ['POST', '/users', { userId: 'u-001', name: 'Ana Lima' }],
  ['POST', '/users', { userId: 'u-002', name: 'Bruno Costa' }],
  ['GET', '/users'],
  ['GET', '/users/u-001'],
  ['POST', '/users', { userId: 'u-001', name: 'Someone Else' }],
  ['POST', '/users', { name: 'No Id' }],
  ['PUT', '/users/u-001', { name: 'Ana Lima Souza', version: 1 }],
  ['PUT', '/users/u-001', { name: 'Stale Writer', version: 1 }],
  ['GET', '/users?limit=1'],
  ['DELETE', '/users/u-002'],
  ['GET', '/users/u-002'],
];

/** Runs the lab's requests against `api`, printing each request and response. */
export async function runLabRequests(api: LocalApi, log: (line: string) => void = console.log): Promise<void> {
  for (const [method, path, body] of LAB_REQUESTS) {
    const res = await fetch(`${api.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    log(`\n> ${method} ${path}${body === undefined ? '' : ` ${JSON.stringify(body)}`}`);
    log(`< ${res.status}${res.headers.get('location') ? ` Location: ${res.headers.get('location')}` : ''} ${text}`);
  }
}
