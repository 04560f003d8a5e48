/**
 * The large-file Finish step after the map itself failed (its Catch passes the error, not the ResultWriter's
 * output), against s3rver, in the source and in the shipped bundle: it finds the map run's result files in the
 * execution's work folder, as Step Functions writes them for a failed map run, and counts what they report.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { BatchResult, LargeFileJob } from '../../../lib/inventory/handler/large-file/job';
import { handler as sourceWorker } from '../../../lib/inventory/handler/large-file/worker';
import { Ledger } from '../../../lib/inventory/handler/ledger';
import type { ImportReport } from '../../../lib/inventory/handler/report';
import type { StepHandler } from '../../../scripts/lib/large-file-local';
import { BUCKET, readObject, readReport, upload, useEngineHarness } from '../handler/helpers';

const harness = useEngineHarness();

/* eslint-disable @typescript-eslint/no-require-imports -- the shipped bundle, loaded as Lambda loads it */
const bundleWorker = (): StepHandler =>
  (require('../../../assets/inventory-large-file/index.js') as { handler: StepHandler }).handler;
/* eslint-enable @typescript-eslint/no-require-imports */

function jobFor(executionName: string, key: string): LargeFileJob {
  return {
    bucket: BUCKET,
    key,
    format: 'csv',
    executionName,
    readerKey: key,
    readerVersionId: 'null',
    header: ['sku', 'name', 'quantity'],
    firstDataLine: 2,
    lineColumn: false,
    workPrefix: `reports/large-file-work/${executionName}/`,
    startedAt: new Date().toISOString(),
  };
}

/** A succeeded batch's result: items first..last (line = index + 2), every row written. */
function succeeded(first: number, last: number): BatchResult {
  const rows = last - first + 1;
  return {
    firstLine: first + 2,
    lastLine: last + 2,
    firstIndex: first,
    lastIndex: last,
    rowsTotal: rows,
    rowsWritten: rows,
    rowsRejected: 0,
    errors: [],
    errorsOmitted: 0,
    throttledChunks: 0,
    rate: 400,
  };
}

async function put(key: string, body: unknown): Promise<void> {
  await harness.emulators().s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: JSON.stringify(body) }));
}

const mapError = {
  Error: 'States.ExceedToleratedFailureThreshold',
  Cause: 'the tolerated failure threshold was exceeded',
};

describe.each([
  ['source', () => sourceWorker as StepHandler],
  ['bundle', bundleWorker],
])('the large-file Finish step after the map failed (%s)', (kind, worker) => {
  beforeEach(async () => {
    await harness.freshTable();
    await harness.freshLedger();
  });

  test("counts the failed map run's result files: written rows, a stopped batch, and items no file names", async () => {
    // GIVEN a map run that wrote items 0-999 and 2000-2999, whose batch 3000-3001 was stopped when it failed, and
    // whose result files name no batch for items 1000-1999
    const executionName = `finish-gap-${kind}`;
    const key = `uploads/${executionName}.csv`;
    await upload(harness.emulators(), key, 'sku,name,quantity\n');
    const job = jobFor(executionName, key);
    const run = `${job.workPrefix}0b7c9e52-map-run/`;
    await put(`${run}SUCCEEDED_0.json`, [
      { Status: 'SUCCEEDED', Output: JSON.stringify(succeeded(0, 999)) },
      { Status: 'SUCCEEDED', Output: JSON.stringify(succeeded(2000, 2999)) },
    ]);
    const stopped = [3000, 3001].map((index) => ({ index, row: { sku: `S-${index}`, name: 'x', quantity: '1' } }));
    await put(`${run}FAILED_0.json`, [
      { Status: 'ABORTED', Input: JSON.stringify({ Items: stopped, BatchInput: { job } }) },
    ]);
    await put(`${run}manifest.json`, {
      DestinationBucket: BUCKET,
      MapRunArn: 'arn:aws:states:us-east-1:000000000000:mapRun:machine/ImportRows:0b7c9e52',
      ResultFiles: {
        SUCCEEDED: [{ Key: `${run}SUCCEEDED_0.json`, Size: 1 }],
        FAILED: [{ Key: `${run}FAILED_0.json`, Size: 1 }],
        PENDING: [],
      },
    });

    // WHEN Finish gets the map's error and no ResultWriter output (what the Catch passes)
    const report = (await worker()({
      action: 'finish',
      state: { object: { bucket: BUCKET, key, size: 1 }, executionName, job, error: mapError },
    })) as ImportReport;

    // THEN
    expect(report).toEqual(await readReport(harness.emulators(), key));
    expect(report).toMatchObject({
      status: 'PARTIAL',
      rowsTotal: 2_002,
      rowsWritten: 2_000,
      rowsRejected: 2,
      complete: false,
    });
    expect(report.reason).toBe(
      'the import stopped: States.ExceedToleratedFailureThreshold: the tolerated failure threshold was exceeded; ' +
        'batches that did not finish (their rows are rejected as not processed; upload those lines again): ' +
        'lines 3002-3003 (ABORTED); rows the map run did not report (not counted): lines 1002-2001',
    );
    const stoppedReason =
      'not processed: its batch was stopped when the map run failed (some of its rows may have been written; upload them again)';
    expect(report.errors).toEqual([
      { line: 3002, reason: stoppedReason },
      { line: 3003, reason: stoppedReason },
    ]);
    const rejected = await readObject(harness.emulators(), `reports/${key}.rejected.csv`);
    expect(rejected.trim().split(/\r?\n/)).toEqual([
      'sku,name,quantity,_line,_reason',
      `S-3000,x,1,3002,${stoppedReason}`,
      `S-3001,x,1,3003,${stoppedReason}`,
    ]);
  }, 60_000);

  test('reads result files written as JSON Lines, each SUCCEEDED record with its batch input, as the state machine asks', async () => {
    // GIVEN a map run that succeeded, with the JSON Lines result files the ResultWriter's WriterConfig asks for
    // (Transformation NONE: a SUCCEEDED record carries its batch's rows), and one failed batch
    const executionName = `finish-jsonl-${kind}`;
    const key = `uploads/${executionName}.csv`;
    await upload(harness.emulators(), key, 'sku,name,quantity\n');
    const job = jobFor(executionName, key);
    const run = `${job.workPrefix}5d1e7a30-map-run/`;
    const items = (first: number, last: number) =>
      Array.from({ length: last - first + 1 }, (_, i) => ({
        index: first + i,
        row: { sku: `S-${first + i}`, name: 'x'.repeat(200), quantity: '1' },
      }));
    const lines = (records: object[]) => `${records.map((r) => JSON.stringify(r)).join('\n')}\n`;
    const s3 = harness.emulators().s3;
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: `${run}SUCCEEDED_0.json`,
        Body: lines(
          [0, 1000, 2000].map((first) => ({
            Status: 'SUCCEEDED',
            Input: JSON.stringify({ Items: items(first, first + 999), BatchInput: { job } }),
            InputDetails: { Included: true },
            Output: JSON.stringify(succeeded(first, first + 999)),
          })),
        ),
      }),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: `${run}FAILED_0.json`,
        Body: lines([
          {
            Status: 'FAILED',
            Input: JSON.stringify({ Items: items(3000, 3001), BatchInput: { job } }),
            Error: 'WriteFailure',
            Cause: 'throttled',
          },
        ]),
      }),
    );
    await put(`${run}manifest.json`, {
      DestinationBucket: BUCKET,
      ResultFiles: {
        SUCCEEDED: [{ Key: `${run}SUCCEEDED_0.json`, Size: 1 }],
        FAILED: [{ Key: `${run}FAILED_0.json`, Size: 1 }],
        PENDING: [],
      },
    });

    // WHEN Finish gets the map's ResultWriter output
    const report = (await worker()({
      action: 'finish',
      state: {
        object: { bucket: BUCKET, key, size: 1 },
        executionName,
        job,
        map: { ResultWriterDetails: { Bucket: BUCKET, Key: `${run}manifest.json` } },
      },
    })) as ImportReport;

    // THEN every record of both files is counted
    expect(report).toMatchObject({ status: 'PARTIAL', rowsTotal: 3_002, rowsWritten: 3_000, rowsRejected: 2 });
    expect(report.errors.map((e) => e.line)).toEqual([3002, 3003]);
    expect(report.errors[0].reason).toMatch(/^not processed: its batch failed \(WriteFailure: throttled\)/);
  }, 60_000);

  test('ReportFailure (Finish itself failed): a FAILED report that says why and counts nothing, and the claim is released', async () => {
    // GIVEN an import whose Finish failed (here: ran out of memory), holding the ledger claim
    const ledgerTable = await harness.freshLedger();
    const executionName = `finish-failed-${kind}`;
    const key = `uploads/${executionName}.csv`;
    await upload(harness.emulators(), key, 'sku,name,quantity\n');
    const job = jobFor(executionName, key);
    const object = { bucket: BUCKET, key, size: 1 };
    const ledger = new Ledger(harness.emulators().dynamodb, ledgerTable);
    expect(await ledger.begin(object, executionName, 60_000)).toEqual({ proceed: true });

    // WHEN ReportFailure runs with the state Finish's Catch passes
    const report = (await worker()({
      action: 'finish',
      state: {
        object,
        executionName,
        job,
        map: { ResultWriterDetails: { Bucket: BUCKET, Key: `${job.workPrefix}missing/manifest.json` } },
        finishError: { Error: 'Lambda.Unknown', Cause: 'Runtime exited with error: signal: killed' },
      },
    })) as ImportReport;

    // THEN the report is written, FAILED, and says the outcome is unknown and what to do
    expect(report).toEqual(await readReport(harness.emulators(), key));
    expect(report).toMatchObject({ status: 'FAILED', rowsTotal: 0, rowsWritten: 0, complete: false });
    expect(report.reason).toBe(
      'the report could not be built from the batch results (Lambda.Unknown: Runtime exited with error: signal: killed): ' +
        'the rows the batches wrote are not counted and rejected rows are not listed. Upload the file again to import it ' +
        'with a full report (rows already written are written again, unchanged)',
    );
    // AND the claim is released: another import of the same object version may begin at once
    expect(await ledger.begin(object, 'another-execution', 60_000)).toEqual({ proceed: true });
  }, 60_000);

  test('fails when the work folder holds no manifest: the reason says the rows the batches wrote are not counted', async () => {
    // GIVEN a map that failed before its ResultWriter wrote anything
    const executionName = `finish-none-${kind}`;
    const key = `uploads/${executionName}.csv`;
    await upload(harness.emulators(), key, 'sku,name,quantity\n');
    const job = jobFor(executionName, key);

    // WHEN
    const report = (await worker()({
      action: 'finish',
      state: { object: { bucket: BUCKET, key, size: 1 }, executionName, job, error: mapError },
    })) as ImportReport;

    // THEN
    expect(report).toMatchObject({ status: 'FAILED', rowsTotal: 0, rowsWritten: 0, complete: false });
    expect(report.reason).toBe(
      'the import stopped: States.ExceedToleratedFailureThreshold: the tolerated failure threshold was exceeded; ' +
        `no map run results were found in s3://${BUCKET}/${job.workPrefix}, so the rows its batches wrote are not counted`,
    );
  }, 60_000);
});
