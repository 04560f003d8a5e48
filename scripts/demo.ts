/**
 * `npm run demo`: the InventoryLoader import engine end to end on this machine, offline.
 *
 * Starts dynalite (DynamoDB) and s3rver (S3) in this process, creates the bucket, the inventory table and the
 * ledger table, uploads examples/data/inventory-sample.csv and .xlsx, delivers the S3 events s3rver emits to the
 * real handler, prints each report and the loaded items, and shuts everything down.
 *
 * Then the ServerlessApi: the bundled handler behind a loopback API Gateway stand-in on the same dynalite, and
 * the Lambda lab's requests against it, each request and response printed.
 *
 * `npm run demo -- --large-file [rows]` shows the large-file mode instead: it synthesizes an InventoryLoader with
 * `largeFiles`, uploads a generated CSV (2,000,000 rows by default), lets the router's rule (size >= threshold)
 * decide, and executes the synthesized state machine with aws-local-stepfunctions (scripts/lib/large-file-local.ts),
 * its steps running the real code against s3rver and dynalite; then it counts the items in the table.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { AttributeValue, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { handler, HandlerResult } from '../lib/inventory/handler/index';
import type { ImportReport } from '../lib/inventory/handler/report';
import { countItems, createBucket, createTable, startEmulators } from './lib/emulators';
import { definitionFromTemplate, runLargeFileLocally, StepHandler } from './lib/large-file-local';
import { runLabRequests, startUsersApi } from './lib/serverless-api-demo';

const BUCKET = 'inventory-demo';
const TABLE = 'Inventory';
const LEDGER = 'InventoryLedger';
const SAMPLES = ['inventory-sample.csv', 'inventory-sample.xlsx'];
// The large-file demo's map MaxConcurrency (batches written at once).
const WORKERS = 4;

interface NotificationRecord {
  s3: { bucket: { name: string }; object: { key: string } };
}

function plain(item: Record<string, AttributeValue>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(item)) out[name] = value.S ?? value.N ?? String(value.BOOL ?? '');
  return out;
}

function printTable(rows: Record<string, string>[], columns: string[]): void {
  const widths = columns.map((c) => Math.min(40, Math.max(c.length, ...rows.map((r) => (r[c] ?? '').length))));
  const cell = (text: string, width: number) =>
    text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
  const line = (cells: string[]) => console.log(('  ' + cells.join('  ')).trimEnd());
  line(columns.map((c, i) => cell(c, widths[i])));
  line(widths.map((w) => '-'.repeat(w)));
  for (const row of rows) line(columns.map((c, i) => cell(row[c] ?? '', widths[i])));
}

function printReport(report: ImportReport): void {
  console.log(`\n=== ${report.key} (${report.format ?? 'unknown format'}) ===`);
  console.log(
    `status ${report.status}: ${report.rowsTotal} rows, ${report.rowsWritten} written, ${report.rowsRejected} rejected` +
      ` in ${report.durationMs} ms`,
  );
  if (report.reason) console.log(`reason: ${report.reason}`);
  for (const error of report.errors.slice(0, 20)) {
    console.log(`  line ${error.line}${error.sku ? ` (${error.sku})` : ''}: ${error.reason}`);
  }
  console.log(`report:        s3://${report.bucket}/${report.reportKey}`);
  console.log(`rejected rows: s3://${report.bucket}/${report.rejectedRowsKey}`);
}

async function main(): Promise<void> {
  const emulators = await startEmulators();
  try {
    Object.assign(process.env, emulators.env, {
      TABLE_NAME: TABLE,
      LEDGER_TABLE_NAME: LEDGER,
      REPORT_PREFIX: 'reports/',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'SILENT', // LOG_LEVEL=INFO shows the JSON logs and EMF metrics
    });
    await createBucket(emulators.s3, BUCKET);
    await createTable(emulators.dynamodb, TABLE, 'sku');
    await createTable(emulators.dynamodb, LEDGER, 'pk');
    console.log(`dynalite at ${emulators.dynamodbEndpoint}, s3rver at ${emulators.s3Endpoint}`);

    // s3rver emits an S3 notification for every upload, like a bucket notification would.
    const events: NotificationRecord[] = [];
    emulators.s3rver.onEvent((event) => {
      const record = (event as { Records: NotificationRecord[] }).Records[0];
      if (record.s3.object.key.startsWith('uploads/')) events.push(record);
    });
    for (const name of SAMPLES) {
      const body = readFileSync(join(__dirname, '..', 'examples', 'data', name));
      await emulators.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `uploads/${name}`, Body: body }));
      console.log(`uploaded s3://${BUCKET}/uploads/${name} (${body.length} bytes)`);
    }

    const context = { awsRequestId: 'demo', getRemainingTimeInMillis: () => 300_000 };
    // Real S3 URL-encodes keys in notifications (space as '+'); s3rver does not, so encode them as S3 would.
    const deliveries = events.map((record) => {
      const key = encodeURIComponent(record.s3.object.key).replace(/%2F/g, '/').replace(/%20/g, '+');
      return { Records: [{ ...record, s3: { ...record.s3, object: { ...record.s3.object, key } } }] };
    });
    for (const event of deliveries) {
      const result: HandlerResult = await handler(event, context);
      printReport(result as ImportReport);
    }

    const stored = await emulators.s3.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: 'reports/uploads/inventory-sample.csv.rejected.csv' }),
    );
    console.log('\nrejected rows of inventory-sample.csv (fix them and upload this file again):');
    console.log((await stored.Body?.transformToString())?.trimEnd().replace(/\r/g, '').replace(/^/gm, '  '));

    const items: Record<string, string>[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await emulators.dynamodb.send(new ScanCommand({ TableName: TABLE, ExclusiveStartKey: start }));
      items.push(...(page.Items ?? []).map(plain));
      start = page.LastEvaluatedKey;
    } while (start);
    items.sort((a, b) => a.sku.localeCompare(b.sku));
    console.log(`\n${items.length} items in table ${TABLE}:`);
    printTable(items, ['sku', 'name', 'quantity', 'price', 'category', 'location', 'last_counted']);

    // At-least-once delivery: the same event again is recognised by the idempotency ledger and skipped.
    const replay = (await handler(deliveries[0], context)) as { status: string; reason?: string };
    console.log(`\nthe first upload's event delivered again: ${replay.status} (${replay.reason ?? ''})`);

    // ServerlessApi: the lab's users API on the same dynalite, behind the loopback API Gateway stand-in.
    const api = await startUsersApi(emulators.dynamodbEndpoint);
    try {
      console.log(`\n=== ServerlessApi: the users API (bundled handler, one copy per route group) at ${api.url} ===`);
      await runLabRequests(api);
    } finally {
      await api.stop();
    }
  } finally {
    await emulators.stop();
  }
}

async function largeFileDemo(rows: number): Promise<void> {
  // Loaded here so the plain demo needs neither aws-cdk-lib nor the large-file code.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { App, Size, Stack } = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
  const { Template } = require('aws-cdk-lib/assertions') as typeof import('aws-cdk-lib/assertions');
  const { InventoryLoader } = require('../lib') as typeof import('../lib');
  const worker = require('../lib/inventory/handler/large-file/worker') as { handler: StepHandler };
  const { HeadObjectCommand } = require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const threshold = Size.mebibytes(1);
  const stack = new Stack(new App(), 'LargeFileDemo');
  new InventoryLoader(stack, 'Inventory', { largeFiles: { threshold, maxConcurrency: WORKERS } });
  const definition = definitionFromTemplate(
    Template.fromStack(stack).toJSON() as Parameters<typeof definitionFromTemplate>[0],
  );
  console.log(`synthesized the large-file state machine (threshold ${threshold.toMebibytes()} MiB for the demo)`);

  const emulators = await startEmulators();
  try {
    Object.assign(process.env, emulators.env, {
      TABLE_NAME: TABLE,
      LEDGER_TABLE_NAME: LEDGER,
      REPORT_PREFIX: 'reports/',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'SILENT',
    });
    await createBucket(emulators.s3, BUCKET);
    await createTable(emulators.dynamodb, TABLE, 'sku');
    await createTable(emulators.dynamodb, LEDGER, 'pk');
    const parts: string[] = ['sku,name,quantity,price,category\n'];
    for (let i = 0; i < rows; i++) {
      parts.push(
        `SKU-${String(i).padStart(8, '0')},Item ${i},${i % 1000},${((i % 5000) / 100 + 0.99).toFixed(2)},demo\n`,
      );
    }
    const body = Buffer.from(parts.join(''));
    parts.length = 0;
    const key = `uploads/inventory-${rows}.csv`;
    await emulators.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    console.log(`uploaded s3://${BUCKET}/${key} (${rows} rows, ${(body.length / 1048576).toFixed(1)} MiB)`);

    // The router's decision: HeadObject, then the threshold.
    const head = await emulators.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    const size = head.ContentLength ?? 0;
    if (size < threshold.toBytes())
      throw new Error(`${size} bytes is below the threshold: the import function would take it`);
    console.log(`router: ${size} bytes >= ${threshold.toBytes()}: starting the state machine`);

    const started = Date.now();
    let written = 0;
    let batches = 0;
    const run = await runLargeFileLocally({
      definition,
      worker: worker.handler,
      s3: emulators.s3,
      input: { object: { bucket: BUCKET, key, size } },
      executionName: `demo-${rows}`,
      onBatch: (result) => {
        written += result.rowsWritten;
        if (++batches % 100 === 0) {
          const seconds = (Date.now() - started) / 1000;
          console.log(`  ${batches} batches, ${written} rows written, ${Math.round(written / seconds)} rows/s`);
        }
      },
    });
    printReport(run.output as ImportReport);
    const count = await countItems(emulators.dynamodb, TABLE);
    console.log(`\n${count} items in table ${TABLE} (${count === rows ? 'every row' : `MISSING ${rows - count}`})`);
    const seconds = (Date.now() - started) / 1000;
    // This process holds the player, the worker, s3rver and dynalite (its whole table in memory): its own peak.
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    console.log(
      `${rows} rows, ${batches} batches, ${WORKERS} workers: ${seconds.toFixed(1)} s, ${Math.round(rows / seconds)} rows/s;` +
        ` peak RSS of this process ${hwm ? `${Math.round(Number(hwm[1]) / 1024)} MiB` : 'unknown (no /proc)'};` +
        ` load average ${loadavg()
          .map((l) => l.toFixed(1))
          .join(', ')}`,
    );
    if (count !== rows) process.exitCode = 1;
  } finally {
    await emulators.stop();
  }
}

const largeFileArg = process.argv.indexOf('--large-file');
const demo = largeFileArg >= 0 ? () => largeFileDemo(Number(process.argv[largeFileArg + 1] ?? '') || 2_000_000) : main;

demo().then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
