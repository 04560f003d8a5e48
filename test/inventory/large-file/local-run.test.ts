/**
 * The whole large-file path on this machine: the SYNTHESIZED state machine definition executed by
 * aws-local-stepfunctions, its Task states running the real step code (source and bundle), S3 on s3rver and
 * DynamoDB on dynalite. The Distributed Map's item reader, batcher and result writer are played by
 * scripts/lib/large-file-local.ts (aws-local-stepfunctions has no Distributed Map features).
 *
 * The inputs are as small as the behaviour they exercise (the shared 2-core machine): the whole run is 2,000 rows
 * in batches of 100, so 21 child workflows (the last one short) run 4 at a time; the failed map is 1,500 rows in 10
 * batches of 150, the third failing, so more than the report's 1,000 listed errors are rejected. Volume is not
 * what these tests are about: `npm run demo -- --large-file` and `npm run bench` run the same path with 2,000,000
 * rows.
 */
import { AttributeValue, DynamoDBClient, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { Size, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { InventoryLoader } from '../../../lib';
import {
  handler as sourceWorker,
  setWorkerOverrides,
  WorkerOverrides,
} from '../../../lib/inventory/handler/large-file/worker';
import type { ImportReport } from '../../../lib/inventory/handler/report';
import { definitionFromTemplate, runLargeFileLocally, StepHandler } from '../../../scripts/lib/large-file-local';
import { testApp } from '../../support/cdk-context';
import { startDynamoDbProxy } from '../../support/dynamodb-proxy';
import { EMULATOR_CREDENTIALS, EMULATOR_REGION } from '../../support/emulators';
import { BUCKET, readObject, readReport, upload, useEngineHarness } from '../handler/helpers';

const harness = useEngineHarness();

/** Rows of the whole-run test, and rows per batch: 21 batches (20 full, one of the 4 extra rows), 4 at a time. */
const ROWS = 2_000;
const BATCH_SIZE = 100;
/**
 * The failed-map test: 10 batches of 150, one at a time; the third fails and the map stops, so 8 x 150 = 1,200 rows
 * are rejected (more than the report's 1,000 listed errors) and 300 written.
 */
const MAPFAIL_ROWS = 1_500;
const MAPFAIL_BATCH_SIZE = 150;

// One synthesis per definition: the tests only read it (runLargeFileLocally copies it before it plays the map).
const definitions = new Map<string, Record<string, unknown>>();
function synthesizedDefinition(batchSize = BATCH_SIZE, maxConcurrency = 4): Record<string, unknown> {
  const id = `${batchSize}/${maxConcurrency}`;
  let definition = definitions.get(id);
  if (!definition) {
    const stack = new Stack(testApp(), 'LargeFileLocal');
    new InventoryLoader(stack, 'Loader', { largeFiles: { threshold: Size.mebibytes(1), batchSize, maxConcurrency } });
    definition = definitionFromTemplate(
      Template.fromStack(stack).toJSON() as Parameters<typeof definitionFromTemplate>[0],
    );
    definitions.set(id, definition);
  }
  return definition;
}

function inventoryCsv(rows: number, extra = ''): string {
  const lines = ['sku,name,quantity,price,category'];
  for (let i = 0; i < rows; i++)
    lines.push(`SKU-${String(i).padStart(7, '0')},"Item ${i}, grade A",${i % 1000},${(i % 50) + 0.5},tools`);
  return lines.join('\n') + '\n' + extra;
}

async function countItems(table: string): Promise<{ count: number; sample: Record<string, AttributeValue>[] }> {
  let count = 0;
  const sample: Record<string, AttributeValue>[] = [];
  // Scans count every item: nothing is sampled.
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await harness
      .emulators()
      .dynamodb.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    count += page.Count ?? 0;
    if (sample.length < 5) sample.push(...(page.Items ?? []).slice(0, 5));
    start = page.LastEvaluatedKey;
  } while (start);
  return { count, sample };
}

/* eslint-disable @typescript-eslint/no-require-imports -- the shipped bundle, loaded as Lambda loads it */
const bundle = () =>
  require('../../../assets/inventory-large-file/index.js') as {
    handler: StepHandler;
    setWorkerOverrides: (o: WorkerOverrides) => void;
  };
const bundleWorker = (): StepHandler => bundle().handler;
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * A loopback proxy to dynalite that answers every write (BatchWriteItem, PutItem) naming a poisoned key with a
 * 500 (InternalServerError, retryable): the rows of one batch that cannot be written, whatever the retries.
 */
async function faultyTable(target: string, poisoned: RegExp) {
  const stats = { refused: 0 };
  const proxy = await startDynamoDbProxy(target, (operation, body) => {
    if ((operation !== 'BatchWriteItem' && operation !== 'PutItem') || !poisoned.test(body)) return undefined;
    stats.refused++;
    return { status: 500, type: 'InternalServerError', message: 'injected' };
  });
  return { ...proxy, stats };
}

describe.each([
  ['source', () => sourceWorker as StepHandler],
  ['bundle', bundleWorker],
])('the large-file state machine, run locally (%s)', (_kind, worker) => {
  afterEach(() => setWorkerOverrides({}));

  test('loads every row of a 2,000-row CSV in 21 batches and reports the single-invocation report shape', async () => {
    // GIVEN
    const table = await harness.freshTable();
    await harness.freshLedger();
    const key = `uploads/large-${_kind}.csv`;
    // two invalid rows, and a key twice inside one batch: the later row wins
    const extra =
      'SKU-DUP,First,1,1,tools\nSKU-BAD-1,,5,1,tools\nSKU-BAD-2,Bad qty,-3,1,tools\nSKU-DUP,Second,2,1,tools\n';
    await upload(harness.emulators(), key, inventoryCsv(ROWS, extra));

    // WHEN
    const run = await runLargeFileLocally({
      definition: synthesizedDefinition(),
      worker: worker(),
      s3: harness.emulators().s3,
      input: { object: { bucket: BUCKET, key, size: 1 } },
      executionName: `local-${_kind}`,
    });

    // THEN every row is accounted for: 2,004 read, 2,001 distinct keys written, 3 rejected
    const report = await readReport(harness.emulators(), key);
    expect(run.output).toEqual(report);
    expect(run.batches).toBe(21);
    expect(report).toMatchObject({
      status: 'PARTIAL',
      format: 'csv',
      rowsTotal: ROWS + 4,
      rowsWritten: ROWS + 1,
      rowsRejected: 3,
      complete: true,
      reportKey: `reports/${key}.json`,
      rejectedRowsKey: `reports/${key}.rejected.csv`,
    });
    expect(report.rowsWritten + report.rowsRejected).toBe(report.rowsTotal);
    // (data row i is on line i + 2: the header is line 1)
    expect(report.errors.map((e) => [e.line, e.sku])).toEqual([
      [ROWS + 2, 'SKU-DUP'],
      [ROWS + 3, 'SKU-BAD-1'],
      [ROWS + 4, 'SKU-BAD-2'],
    ]);
    expect(report.errors[0].reason).toBe(`duplicate sku: superseded by line ${ROWS + 5}`);
    const { count } = await countItems(table);
    expect(count).toBe(ROWS + 1);
    const dup = await harness
      .emulators()
      .dynamodb.send(new GetItemCommand({ TableName: table, Key: { sku: { S: 'SKU-DUP' } } }));
    expect(dup.Item?.name).toEqual({ S: 'Second' });
    const rejected = await readObject(harness.emulators(), `reports/${key}.rejected.csv`);
    expect(rejected.trim().split(/\r?\n/)).toHaveLength(4);
    // (the quantity cell goes through the engine's formula-injection guard; its round trip is the engine's)
    expect(rejected).toContain(`SKU-BAD-1,,5,1,tools,${ROWS + 3},name is required but empty`);
    expect(rejected).toContain(`,1,tools,${ROWS + 4},quantity must not be negative; received -3`);
  }, 900_000);
});

describe.each([
  ['source', () => ({ worker: sourceWorker as StepHandler, setOverrides: setWorkerOverrides })],
  ['bundle', () => ({ worker: bundleWorker(), setOverrides: bundle().setWorkerOverrides })],
])('the large-file state machine, run locally, when the map fails (%s)', (_kind, steps) => {
  afterEach(() => steps().setOverrides({}));

  test('a batch that fails for good: the report counts the rows the finished batches wrote and names the batch', async () => {
    // GIVEN 1,500 rows in 10 batches of 150, and a table that refuses every write of the third batch (lines
    // 302-451, SKU-0000300 to SKU-0000449); one batch at a time, so no batch is running when the map fails (a
    // running one would be ABORTED, its rows "not processed" although it may have written some)
    const table = await harness.freshTable();
    await harness.freshLedger();
    const key = `uploads/large-mapfail-${_kind}.csv`;
    await upload(harness.emulators(), key, inventoryCsv(MAPFAIL_ROWS));
    const proxy = await faultyTable(harness.emulators().dynamodbEndpoint, /SKU-0000(3\d\d|4[0-4]\d)"/);
    const dynamodb = new DynamoDBClient({
      region: EMULATOR_REGION,
      credentials: EMULATOR_CREDENTIALS,
      endpoint: proxy.endpoint,
    });
    const { worker, setOverrides } = steps();
    setOverrides({
      clients: { s3: harness.emulators().s3, dynamodb },
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
    });

    // WHEN (ToleratedFailurePercentage 0: the map run fails when the batch fails after its Step Functions retries)
    try {
      const run = await runLargeFileLocally({
        definition: synthesizedDefinition(MAPFAIL_BATCH_SIZE, 1),
        worker,
        s3: harness.emulators().s3,
        input: { object: { bucket: BUCKET, key, size: 1 } },
        executionName: `local-mapfail-${_kind}`,
      });

      // THEN the report counts what is in the table, and names the batch that failed and the ones never started
      const report = await readReport(harness.emulators(), key);
      expect(run.output).toEqual(report);
      expect(proxy.stats.refused).toBeGreaterThan(0);
      const { count } = await countItems(table);
      expect(count).toBe(300);
      expect(report).toMatchObject({
        status: 'PARTIAL',
        rowsTotal: MAPFAIL_ROWS,
        rowsWritten: count,
        rowsRejected: 1_200,
        complete: false,
      });
      expect(report.reason).toContain('the import stopped: States.ExceedToleratedFailureThreshold');
      expect(report.reason).toContain('lines 302-451 (FAILED: WriteFailure)');
      for (let first = 452; first < 1_502; first += 150) {
        expect(report.reason).toContain(`lines ${first}-${first + 149} (PENDING)`);
      }
      expect(report.errors[0]).toMatchObject({ line: 302 });
      expect(report.errors[0].reason).toMatch(/^not processed: its batch failed \(WriteFailure: not written/);
      expect(report.errors[0].reason).toMatch(/\); some of its rows may have been written: upload them again$/);
      // (the report lists the first 1,000 rejected rows; the rejected-rows CSV has all of them)
      expect(report.errors).toHaveLength(1_000);
      expect(report.errorsOmitted).toBe(200);
      // the rejected rows are the lines to upload again, values included
      const rejected = (await readObject(harness.emulators(), `reports/${key}.rejected.csv`)).trim().split(/\r?\n/);
      expect(rejected).toHaveLength(1_201);
      expect(rejected[1]).toMatch(/^SKU-0000300,"Item 300, grade A",300,0.5,tools,302,not processed: its batch failed/);
      expect(rejected[151]).toBe(
        'SKU-0000450,"Item 450, grade A",450,0.5,tools,452,not processed: its batch never started (the map run stopped first)',
      );
    } finally {
      dynamodb.destroy();
      await proxy.stop();
    }
  }, 300_000);
});

describe('the large-file state machine, run locally: what ends without a map', () => {
  test('fails when the header misses a required column: a FAILED report from Prepare, nothing written', async () => {
    // GIVEN
    const table = await harness.freshTable();
    const key = 'uploads/large-bad-header.csv';
    await upload(harness.emulators(), key, 'sku,title\nA-1,Hammer\n');

    // WHEN
    const run = await runLargeFileLocally({
      definition: synthesizedDefinition(),
      worker: sourceWorker as StepHandler,
      s3: harness.emulators().s3,
      input: { object: { bucket: BUCKET, key, size: 1 } },
      executionName: 'local-bad-header',
    });

    // THEN
    const report: ImportReport = await readReport(harness.emulators(), key);
    expect(run.batches).toBe(0);
    expect(report.status).toBe('FAILED');
    expect(report.errors[0]).toEqual({
      line: 1,
      reason: 'the header row is missing required column(s): name, quantity (found: sku, title)',
    });
    expect((await countItems(table)).count).toBe(0);
  }, 60_000);

  test('Finish fails (its Lambda error): ReportFailure still writes a report, and the file can be imported again', async () => {
    // GIVEN a file whose rows the batches write, and a Finish step that fails once it is called with the results
    // (what running out of memory or a timeout looks like to the state machine)
    await harness.freshTable();
    await harness.freshLedger();
    const key = 'uploads/large-finish-fails.csv';
    await upload(harness.emulators(), key, inventoryCsv(30));
    const object = { bucket: BUCKET, key, size: 1, etag: 'etag-finish' };
    const failingFinish: StepHandler = async (event) => {
      const e = event as { action: string; state?: { finishError?: unknown } };
      if (e.action === 'finish' && !e.state?.finishError) {
        throw Object.assign(new Error('Runtime exited with error: signal: killed'), { name: 'Lambda.Unknown' });
      }
      return (sourceWorker as StepHandler)(event);
    };

    // WHEN the execution runs
    const run = await runLargeFileLocally({
      definition: synthesizedDefinition(),
      worker: failingFinish,
      s3: harness.emulators().s3,
      input: { object },
      executionName: 'local-finish-fails',
    });

    // THEN the execution ends with ReportFailure's report: FAILED, saying Finish failed and nothing is counted
    const report: ImportReport = await readReport(harness.emulators(), key);
    expect(run.output).toEqual(report);
    expect(report).toMatchObject({ status: 'FAILED', rowsWritten: 0, complete: false });
    expect(report.reason).toMatch(/^the report could not be built from the batch results \(Lambda\.Unknown: /);
    // AND the ledger claim was released: the same version is imported again, not skipped
    const again = await runLargeFileLocally({
      definition: synthesizedDefinition(),
      worker: sourceWorker as StepHandler,
      s3: harness.emulators().s3,
      input: { object },
      executionName: 'local-finish-again',
    });
    expect(again.output).toMatchObject({ status: 'SUCCEEDED', rowsWritten: 30 });
  }, 60_000);

  test('a second delivery of the same version is skipped by the ledger', async () => {
    // GIVEN one import done
    await harness.freshTable();
    await harness.freshLedger();
    const key = 'uploads/large-twice.csv';
    await upload(harness.emulators(), key, inventoryCsv(50));
    const object = { bucket: BUCKET, key, size: 1, etag: 'etag-1' };
    const definition = synthesizedDefinition();
    const first = { definition, worker: sourceWorker as StepHandler, s3: harness.emulators().s3, input: { object } };
    await runLargeFileLocally({ ...first, executionName: 'first' });

    // WHEN the same version comes again (another execution name: the router's name dedup did not apply)
    const again = await runLargeFileLocally({ ...first, executionName: 'second' });

    // THEN
    expect(again.batches).toBe(0);
    expect(again.output).toMatchObject({ action: 'skip', object });
  }, 60_000);
});
