/**
 * Duplicate keys in different batches of one large file: the Distributed Map runs batches concurrently, so the
 * worker's conditional puts (batch-writer.ts `fileOrder`) must keep the row later in the file, whatever order the
 * batches land in, and the batches' counts must add up to what one invocation would report. Against dynalite.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { loadConfig } from '../../../lib/inventory/handler/config';
import type { BatchItem, BatchResult, LargeFileJob } from '../../../lib/inventory/handler/large-file/job';
import {
  BATCH_DEADLINE_MS,
  BatchDeadlineExceeded,
  setWorkerOverrides,
  writeBatch,
} from '../../../lib/inventory/handler/large-file/worker';
import { Logger } from '../../../lib/inventory/handler/log';
import { largeFileDefinition } from '../../../lib/inventory/private/large-file-engine';
import { BUCKET, countItems, useEngineHarness } from '../handler/helpers';

const harness = useEngineHarness();
afterEach(() => setWorkerOverrides({}));

const header = ['sku', 'name', 'quantity'];
function job(executionName: string): LargeFileJob {
  return {
    bucket: BUCKET,
    key: `uploads/${executionName}.csv`,
    format: 'csv',
    executionName,
    readerKey: `uploads/${executionName}.csv`,
    readerVersionId: 'null',
    header,
    firstDataLine: 2,
    lineColumn: false,
    workPrefix: `reports/large-file-work/${executionName}/`,
    startedAt: new Date().toISOString(),
  };
}

/** A batch of the map: items `first..first+count-1` (line = index + 2), sku from `skuOf(index)`. */
function batch(first: number, count: number, skuOf: (index: number) => string) {
  return Array.from({ length: count }, (_, i) => {
    const index = first + i;
    return { index, row: { sku: skuOf(index), name: `line ${index + 2}`, quantity: '1' } };
  });
}

async function run(j: LargeFileJob, items: BatchItem[]): Promise<BatchResult> {
  const { s3, dynamodb } = harness.emulators();
  setWorkerOverrides({ clients: { s3, dynamodb } });
  return writeBatch({ Items: items, BatchInput: { job: j } }, loadConfig(), { s3, dynamodb }, new Logger({}, () => {}));
}

async function nameOf(table: string, sku: string): Promise<string | undefined> {
  const item = await harness
    .emulators()
    .dynamodb.send(new GetItemCommand({ TableName: table, Key: { sku: { S: sku } }, ConsistentRead: true }));
  return item.Item?.name?.S;
}

function sum(results: BatchResult[]) {
  return {
    rowsTotal: results.reduce((n, r) => n + r.rowsTotal, 0),
    rowsWritten: results.reduce((n, r) => n + r.rowsWritten, 0),
    rowsRejected: results.reduce((n, r) => n + r.rowsRejected, 0),
  };
}

describe('duplicate keys across the batches of a large file', () => {
  test('the later row wins when its batch lands first: the earlier row is refused and rejected', async () => {
    // GIVEN the batch holding line 11 (SKU-X) has been written
    const table = await harness.freshTable();
    const j = job('later-first');
    const later = await run(j, [{ index: 9, row: { sku: 'SKU-X', name: 'later', quantity: '2' } }]);

    // WHEN the batch holding line 3 (SKU-X too) lands after it
    const earlier = await run(j, [
      { index: 0, row: { sku: 'SKU-A', name: 'a', quantity: '1' } },
      { index: 1, row: { sku: 'SKU-X', name: 'earlier', quantity: '1' } },
    ]);

    // THEN the table keeps line 11, line 3 is rejected as superseded, and the counts add up
    expect(await nameOf(table, 'SKU-X')).toBe('later');
    expect(earlier.errors).toEqual([
      // dynalite does not return the item of a failed condition; DynamoDB does, and the reason names the line
      { line: 3, sku: 'SKU-X', reason: 'duplicate sku: superseded by a later line of the file' },
    ]);
    expect(sum([later, earlier])).toEqual({ rowsTotal: 3, rowsWritten: 2, rowsRejected: 1 });
    expect(await countItems(harness.emulators(), table)).toBe(2);
  });

  test('the later row wins when its batch lands second: it replaces the earlier row and moves it to rejected', async () => {
    // GIVEN the batch holding line 3 has been written
    const table = await harness.freshTable();
    const j = job('earlier-first');
    const earlier = await run(
      j,
      batch(0, 2, (i) => (i === 1 ? 'SKU-X' : `SKU-${i}`)),
    );

    // WHEN the batch holding line 11 lands
    const later = await run(j, [{ index: 9, row: { sku: 'SKU-X', name: 'later', quantity: '2' } }]);

    // THEN
    expect(await nameOf(table, 'SKU-X')).toBe('later');
    expect(later.errors).toEqual([{ line: 3, sku: 'SKU-X', reason: 'duplicate sku: superseded by line 11' }]);
    expect(sum([earlier, later])).toEqual({ rowsTotal: 3, rowsWritten: 2, rowsRejected: 1 });
  });

  test('a retried batch reports the row it replaced again (its first attempt counted for nothing)', async () => {
    // GIVEN line 3 written, then line 11's batch written once (its result lost: Step Functions retries it)
    await harness.freshTable();
    const j = job('retried');
    const earlier = await run(j, [{ index: 1, row: { sku: 'SKU-X', name: 'earlier', quantity: '1' } }]);
    const laterBatch = [{ index: 9, row: { sku: 'SKU-X', name: 'later', quantity: '2' } }];
    await run(j, laterBatch);

    // WHEN the batch runs again
    const retried = await run(j, laterBatch);

    // THEN the retry's result still moves line 3 to rejected
    expect(retried.errors).toEqual([{ line: 3, sku: 'SKU-X', reason: 'duplicate sku: superseded by line 11' }]);
    expect(sum([earlier, retried])).toEqual({ rowsTotal: 2, rowsWritten: 1, rowsRejected: 1 });
  });

  test('another import of the same key is replaced as before (the order holds within one import only)', async () => {
    // GIVEN line 11 of an earlier import
    const table = await harness.freshTable();
    await run(job('import-1'), [{ index: 9, row: { sku: 'SKU-X', name: 'old file', quantity: '2' } }]);

    // WHEN a new import has the key on line 3
    const result = await run(job('import-2'), [{ index: 1, row: { sku: 'SKU-X', name: 'new file', quantity: '1' } }]);

    // THEN
    expect(await nameOf(table, 'SKU-X')).toBe('new file');
    expect(result).toMatchObject({ rowsTotal: 1, rowsWritten: 1, rowsRejected: 0 });
  });

  test('concurrent batches sharing keys: every key holds its last line and every row is counted once', async () => {
    // GIVEN four batches of 300 rows; keys repeat every 450 rows, so each key is in two batches
    const table = await harness.freshTable();
    const j = job('concurrent');
    const skuOf = (index: number) => `K-${index % 450}`;
    const batches = [0, 300, 600, 900].map((first) => batch(first, 300, skuOf));

    // WHEN they run at once, in reverse order of the file
    const results = await Promise.all([...batches].reverse().map((items) => run(j, items)));

    // THEN 1,200 rows, 450 distinct keys, 750 superseded rows
    expect(sum(results)).toEqual({ rowsTotal: 1200, rowsWritten: 450, rowsRejected: 750 });
    expect(await countItems(harness.emulators(), table)).toBe(450);
    for (const key of [0, 1, 149, 150, 299, 300, 449]) {
      // the last index with this key: key + 450 * n below 1200
      const last = key + 450 * Math.floor((1199 - key) / 450);
      expect(await nameOf(table, `K-${key}`)).toBe(`line ${last + 2}`);
    }
  }, 120_000);
});

describe('a batch past its deadline', () => {
  test('stops writing and fails before its child workflow times out, so no write outlives the batch', async () => {
    // GIVEN a batch of 1,000 rows whose clock passes the deadline once the first chunk is written
    const table = await harness.freshTable();
    const { s3, dynamodb } = harness.emulators();
    let clock = 0;
    let calls = 0;
    setWorkerOverrides({
      clients: { s3, dynamodb },
      // the first two reads: the deadline is set, the first chunk starts; then the chunk took 271 s
      now: () => (++calls <= 2 ? clock : (clock = BATCH_DEADLINE_MS + 1_000)),
    });
    const items = batch(0, 1_000, (i) => `DL-${i}`);

    // WHEN it runs
    const run = writeBatch(
      { Items: items, BatchInput: { job: job('deadline') } },
      loadConfig(),
      { s3, dynamodb },
      new Logger({}, () => {}),
    );

    // THEN it fails with BatchDeadlineExceeded (not retried by the state machine), after its first chunk only
    await expect(run).rejects.toThrow(BatchDeadlineExceeded);
    await expect(run).rejects.toThrow(
      /^the batch stopped after 270 s, before its child workflow's 300 s timeout, with \d+ of 1000 rows written$/,
    );
    const written = await countItems(harness.emulators(), table);
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThan(1_000);
  }, 60_000);

  test("the deadline leaves time before the WriteBatch task's timeout, and the state machine does not retry it", () => {
    const definition = largeFileDefinition({
      partition: 'aws',
      workerArn: 'arn:aws:lambda:eu-west-1:123456789012:function:worker',
      batchSize: 1000,
      maxConcurrency: 10,
      toleratedFailurePercentage: 0,
    }) as {
      States: {
        ImportRows: {
          ItemProcessor: { States: { WriteBatch: { TimeoutSeconds: number; Retry: { ErrorEquals: string[] }[] } } };
        };
      };
    };
    const task = definition.States.ImportRows.ItemProcessor.States.WriteBatch;
    expect(BATCH_DEADLINE_MS).toBeLessThanOrEqual(task.TimeoutSeconds * 1000 - 30_000);
    expect(task.Retry.flatMap((r) => r.ErrorEquals)).not.toContain('BatchDeadlineExceeded');
    expect(task.Retry.flatMap((r) => r.ErrorEquals)).not.toContain('States.ALL');
  });
});

describe('items the map did not read with the checked header', () => {
  test('are rejected, not skipped as blank (a delimiter or header line the map reader took differently)', async () => {
    // GIVEN items keyed the way a comma reader keys a semicolon file: one column named after the whole header
    const table = await harness.freshTable();
    const items = [0, 1].map((index) => ({ index, row: { 'sku;name;quantity': `S-${index};One;1` } }));
    // WHEN the batch runs
    const result = await run(job('unread'), items);
    // THEN both rows are counted and rejected, saying why; nothing is written
    expect(result).toMatchObject({ rowsTotal: 2, rowsWritten: 0, rowsRejected: 2 });
    expect(result.errors[0].reason).toBe(
      "the row was not read with the file's header: the map's CSV reader found the column(s) 'sku;name;quantity' instead of 'sku', 'name', 'quantity'; nothing of it was written",
    );
    expect(await countItems(harness.emulators(), table)).toBe(0);
  });
});
