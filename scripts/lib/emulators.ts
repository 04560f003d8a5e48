/**
 * Local AWS emulators for the import engine's tests, demo and benchmark: dynalite (DynamoDB, in memory) and
 * s3rver (S3, files in a temporary directory), on free loopback ports. Nothing leaves the machine.
 *
 * test/support/emulators.ts re-exports this module for the tests.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AttributeValue, CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';

/** s3rver's built-in credentials; dynalite accepts any. */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
export const EMULATOR_REGION = 'us-east-1';

export interface RunningServer {
  readonly endpoint: string;
  stop(): Promise<void>;
}

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  on(event: 'event', listener: (event: unknown) => void): void;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;
type DynaliteFactory = (options: Record<string, unknown>) => Server;

/* eslint-disable @typescript-eslint/no-require-imports -- dynalite and s3rver ship no type declarations */
const loadDynalite = (): DynaliteFactory => require('dynalite') as DynaliteFactory;
const loadS3rver = (): S3rverConstructor => require('s3rver') as S3rverConstructor;
/* eslint-enable @typescript-eslint/no-require-imports */

/** Starts dynalite in this process (in-memory, tables ACTIVE at once). */
export async function startDynalite(): Promise<RunningServer> {
  const server = loadDynalite()({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** An s3rver instance with its object-created events. */
export interface RunningS3 extends RunningServer {
  /** S3 notification events s3rver emitted (keys are not URL-encoded by s3rver). */
  onEvent(listener: (event: unknown) => void): void;
}

/** Starts s3rver in this process, storing objects in a fresh temporary directory. */
export async function startS3rver(): Promise<RunningS3> {
  const directory = mkdtempSync(join(tmpdir(), 's3rver-'));
  const S3rver = loadS3rver();
  const server = new S3rver({ port: 0, address: '127.0.0.1', directory, silent: true });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    onEvent: (listener) => server.on('event', listener),
    stop: async () => {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/**
 * Starts dynalite in a child process (so its CPU and memory are not counted in this process), for the benchmark.
 */
export async function startDynaliteProcess(): Promise<RunningServer> {
  const script = [
    `const server = require(${JSON.stringify(require.resolve('dynalite'))})({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });`,
    "server.listen(0, '127.0.0.1', () => process.send(server.address().port));",
  ].join('\n');
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message) => resolve(Number(message)));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`dynalite process exited with code ${code}`)));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}

/** Both emulators plus clients pointed at them. */
export interface Emulators {
  readonly s3Endpoint: string;
  readonly dynamodbEndpoint: string;
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBClient;
  readonly s3rver: RunningS3;
  /** The environment variables that point the AWS SDK (and so the handler) at the emulators. */
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

/** The SDK environment for the given endpoints. */
export function emulatorEnv(s3Endpoint: string, dynamodbEndpoint: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_S3: s3Endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint,
    S3_FORCE_PATH_STYLE: 'true',
    AWS_REGION: EMULATOR_REGION,
    AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

/** Clients for the emulators with explicit settings (independent of process.env). */
export function emulatorClients(
  s3Endpoint: string,
  dynamodbEndpoint: string,
): { s3: S3Client; dynamodb: DynamoDBClient } {
  const common = { region: EMULATOR_REGION, credentials: EMULATOR_CREDENTIALS };
  return {
    s3: new S3Client({ ...common, endpoint: s3Endpoint, forcePathStyle: true }),
    dynamodb: new DynamoDBClient({ ...common, endpoint: dynamodbEndpoint }),
  };
}

/** Starts dynalite and s3rver in this process. */
export async function startEmulators(): Promise<Emulators> {
  const [dynalite, s3rver] = await Promise.all([startDynalite(), startS3rver()]);
  const clients = emulatorClients(s3rver.endpoint, dynalite.endpoint);
  return {
    s3Endpoint: s3rver.endpoint,
    dynamodbEndpoint: dynalite.endpoint,
    ...clients,
    s3rver,
    env: emulatorEnv(s3rver.endpoint, dynalite.endpoint),
    stop: async () => {
      clients.s3.destroy();
      clients.dynamodb.destroy();
      await Promise.all([dynalite.stop(), s3rver.stop()]);
    },
  };
}

/** Creates a table with a string partition key, on-demand. */
export async function createTable(dynamodb: DynamoDBClient, tableName: string, partitionKey: string): Promise<void> {
  await dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: partitionKey, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: partitionKey, KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}

export async function createBucket(s3: S3Client, bucket: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
}

/** How many items a table holds (every page of a COUNT scan). */
export async function countItems(dynamodb: DynamoDBClient, tableName: string): Promise<number> {
  let count = 0;
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamodb.send(
      new ScanCommand({ TableName: tableName, ExclusiveStartKey: start, Select: 'COUNT' }),
    );
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return count;
}
