/**
 * Shared set-up for the import engine's emulator tests: dynalite + s3rver, a bucket, a fresh table per test,
 * and helpers to upload files, build events, run the handler and read back reports and items.
 */
import { AttributeValue, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { handler, HandlerResult, setClients, setImportOverrides } from '../../../lib/inventory/handler/index';
import type { ImportReport } from '../../../lib/inventory/handler/report';
import {
  countItems as countTableItems,
  createBucket,
  createTable,
  Emulators,
  startEmulators,
} from '../../support/emulators';

export const BUCKET = 'inventory-uploads';

export interface EngineHarness {
  readonly emulators: () => Emulators;
  /** Creates a fresh inventory table and points TABLE_NAME at it; returns its name. */
  freshTable(): Promise<string>;
  /** Creates a fresh ledger table and points LEDGER_TABLE_NAME at it. */
  freshLedger(): Promise<string>;
}

let tableCounter = 0;

/** Starts the emulators for the test file and restores the environment afterwards. */
export function useEngineHarness(): EngineHarness {
  let emulators: Emulators | undefined;
  const saved = { ...process.env };
  beforeAll(async () => {
    emulators = await startEmulators();
    Object.assign(process.env, emulators.env);
    delete process.env.LEDGER_TABLE_NAME;
    delete process.env.INVENTORY_SCHEMA;
    delete process.env.REPORT_PREFIX;
    process.env.LOG_LEVEL = 'SILENT';
    setClients(undefined);
    await createBucket(emulators.s3, BUCKET);
  });
  afterEach(() => {
    setImportOverrides({});
    delete process.env.WRITE_CONCURRENCY;
    delete process.env.LEDGER_LEASE_SECONDS;
    delete process.env.LEDGER_TABLE_NAME;
    delete process.env.INVENTORY_SCHEMA;
    delete process.env.REPORT_PREFIX;
  });
  afterAll(async () => {
    setClients(undefined);
    await emulators?.stop();
    process.env = saved;
  });
  const get = (): Emulators => {
    if (!emulators) throw new Error('emulators not started');
    return emulators;
  };
  return {
    emulators: get,
    freshTable: async () => {
      const name = `Inventory${++tableCounter}`;
      await createTable(get().dynamodb, name, 'sku');
      process.env.TABLE_NAME = name;
      return name;
    },
    freshLedger: async () => {
      const name = `Ledger${++tableCounter}`;
      await createTable(get().dynamodb, name, 'pk');
      process.env.LEDGER_TABLE_NAME = name;
      return name;
    },
  };
}

export async function upload(emulators: Emulators, key: string, body: string | Uint8Array): Promise<void> {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  await emulators.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: bytes, ContentLength: bytes.length }));
}

/** URL-encodes a key the way S3 notifications do (space as '+'). */
export function encodeNotificationKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
}

export interface EventOptions {
  readonly versionId?: string;
  readonly etag?: string;
  readonly sequencer?: string;
}

/** An S3 notification event (as S3 → Lambda delivers it) for one object. */
export function s3Event(key: string, options: EventOptions = {}): unknown {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        eventName: 'ObjectCreated:Put',
        s3: {
          bucket: { name: BUCKET },
          object: {
            key: encodeNotificationKey(key),
            size: 1,
            ...(options.etag ? { eTag: options.etag } : {}),
            ...(options.versionId ? { versionId: options.versionId } : {}),
            ...(options.sequencer ? { sequencer: options.sequencer } : {}),
          },
        },
      },
    ],
  };
}

/** An EventBridge "Object Created" event (as S3 → EventBridge → Lambda delivers it). */
export function eventBridgeEvent(key: string, options: EventOptions = {}): unknown {
  return {
    version: '0',
    id: 'e1',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '123456789012',
    region: 'us-east-1',
    resources: [`arn:aws:s3:::${BUCKET}`],
    detail: {
      version: '0',
      bucket: { name: BUCKET },
      object: {
        key,
        size: 1,
        ...(options.etag ? { etag: options.etag } : {}),
        ...(options.versionId ? { 'version-id': options.versionId } : {}),
        ...(options.sequencer ? { sequencer: options.sequencer } : {}),
      },
      reason: 'PutObject',
    },
  };
}

let requestCounter = 0;

/** A Lambda context with the given time left (fixed, or computed per call). */
export function lambdaContext(remainingMs: number | (() => number) = 900_000) {
  return {
    awsRequestId: `req-${++requestCounter}`,
    getRemainingTimeInMillis: typeof remainingMs === 'number' ? () => remainingMs : remainingMs,
  };
}

export async function runHandler(event: unknown, remainingMs?: number | (() => number)): Promise<HandlerResult> {
  return handler(event, lambdaContext(remainingMs));
}

/** Uploads a file and delivers its S3 notification; returns the report the handler returned. */
export async function importFile(emulators: Emulators, key: string, body: string | Uint8Array): Promise<ImportReport> {
  await upload(emulators, key, body);
  return (await runHandler(s3Event(key))) as ImportReport;
}

export async function readObject(emulators: Emulators, key: string): Promise<string> {
  const response = await emulators.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return (await response.Body?.transformToString('utf-8')) ?? '';
}

export async function readReport(emulators: Emulators, key: string, prefix = 'reports/'): Promise<ImportReport> {
  return JSON.parse(await readObject(emulators, `${prefix}${key}.json`)) as ImportReport;
}

export async function readRejectedCsv(emulators: Emulators, key: string, prefix = 'reports/'): Promise<string> {
  return readObject(emulators, `${prefix}${key}.rejected.csv`);
}

/** All items of a table, as plain objects keyed by sku. */
export async function scanItems(
  emulators: Emulators,
  tableName: string,
): Promise<Map<string, Record<string, unknown>>> {
  const items = new Map<string, Record<string, unknown>>();
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await emulators.dynamodb.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) {
      const plain: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(item)) {
        plain[name] = value.S ?? (value.N !== undefined ? Number(value.N) : value.BOOL);
      }
      items.set(String(plain.sku), plain);
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** How many items a table holds. */
export function countItems(emulators: Emulators, tableName: string): Promise<number> {
  return countTableItems(emulators.dynamodb, tableName);
}

/** Asserts the report's accounting invariant. */
export function expectInvariant(report: ImportReport): void {
  expect(report.rowsTotal).toBe(report.rowsWritten + report.rowsRejected);
}
