/**
 * The same file through the single-invocation import and through the large-file state machine (played locally
 * over the synthesized definition, batches of 2) must end alike: same report (but for timings and keys), same
 * rejected rows, same items. Each case is an input on which the two paths once differed.
 */
import { Size, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { InventoryLoader } from '../../../lib';
import { handler as sourceWorker } from '../../../lib/inventory/handler/large-file/worker';
import type { ImportReport } from '../../../lib/inventory/handler/report';
import { definitionFromTemplate, runLargeFileLocally, StepHandler } from '../../../scripts/lib/large-file-local';
import { testApp } from '../../support/cdk-context';
import { once } from '../../support/shared';
import {
  BUCKET,
  importFile,
  readRejectedCsv,
  readReport,
  scanItems,
  upload,
  useEngineHarness,
} from '../handler/helpers';
import { row, xlsx } from '../handler/support/zip';

const harness = useEngineHarness();

const definition = once(() => {
  const stack = new Stack(testApp(), 'Parity');
  new InventoryLoader(stack, 'Loader', {
    largeFiles: { threshold: Size.mebibytes(1), batchSize: 2, maxConcurrency: 2 },
  });
  return definitionFromTemplate(Template.fromStack(stack).toJSON() as Parameters<typeof definitionFromTemplate>[0]);
});

interface Outcome {
  readonly report: Partial<ImportReport>;
  readonly rejected: string;
  readonly items: Record<string, Record<string, unknown>>;
}

/** The report without what differs by design between two runs (timings, keys, the object's identity). */
function comparable(report: ImportReport): Partial<ImportReport> {
  const { startedAt, finishedAt, durationMs, key, reportKey, rejectedRowsKey, bucket, versionId, etag, ...rest } =
    report;
  void [startedAt, finishedAt, durationMs, key, reportKey, rejectedRowsKey, bucket, versionId, etag];
  return rest;
}

async function outcomeOf(table: string, key: string): Promise<Outcome> {
  const items: Record<string, Record<string, unknown>> = {};
  for (const [sku, item] of await scanItems(harness.emulators(), table)) {
    const { _import, ...rest } = item;
    void _import;
    items[sku] = rest;
  }
  return {
    report: comparable(await readReport(harness.emulators(), key)),
    rejected: await readRejectedCsv(harness.emulators(), key),
    items,
  };
}

let run = 0;
/** The outcome of each path for the same bytes. */
async function bothPaths(body: string | Uint8Array, ext: 'csv' | 'xlsx'): Promise<{ small: Outcome; large: Outcome }> {
  const n = ++run;
  const smallTable = await harness.freshTable();
  const smallKey = `uploads/parity-${n}.${ext}`;
  await importFile(harness.emulators(), smallKey, body);
  const small = await outcomeOf(smallTable, smallKey);
  const largeTable = await harness.freshTable();
  const largeKey = `uploads/parity-large-${n}.${ext}`;
  await upload(harness.emulators(), largeKey, body);
  await runLargeFileLocally({
    definition: definition(),
    worker: sourceWorker as StepHandler,
    s3: harness.emulators().s3,
    input: { object: { bucket: BUCKET, key: largeKey, size: 1 } },
    executionName: `parity-${n}`,
  });
  return { small, large: await outcomeOf(largeTable, largeKey) };
}

const H = 'sku,name,quantity,price,category';
const HX = ['sku', 'name', 'quantity', 'price', 'category'];
const book = (rows: string[]) => xlsx({ sheets: [{ name: 'Data', rows: rows.join('') }] });

describe('the large-file path ends as a single invocation does', () => {
  test.each([
    ['a semicolon-separated CSV', 'sku;name;quantity;price;category\nA1;Alpha;1;1;x\nA2;Beta;-2;2;y\nA3;Gamma;3;3;z\n'],
    ['a tab-separated CSV', 'sku\tname\tquantity\nA1\tAlpha\t1\nA2\tBeta\tx\n'],
    ['blank lines before the header', `\n\n${H}\nA1,Alpha,1,1,x\nA2,Beta,-2,2,y\n`],
  ])('%s (once: SUCCEEDED with no row read)', async (_name, csv) => {
    const { small, large } = await bothPaths(csv, 'csv');
    expect(small.report.rowsTotal).toBeGreaterThan(0);
    expect(large).toEqual(small);
  });

  test('bytes that are not UTF-8 in a data row (once: written with U+FFFD)', async () => {
    const body = Buffer.concat([
      Buffer.from(`${H}\nA1,Alpha,1,1,x\nA2,Gr`),
      Buffer.from([0xf6, 0xdf]),
      Buffer.from('e,2,2,y\n'),
    ]);
    const { small, large } = await bothPaths(body, 'csv');
    expect(small.report).toMatchObject({ rowsWritten: 1, rowsRejected: 1 });
    expect(large).toEqual(small);
  });

  test('an XLSX header with spaces around its names (once: every row rejected)', async () => {
    const body = book([
      row(1, [' sku ', 'name ', 'quantity', 'price', ' category']),
      row(2, ['A1', 'Alpha', 1, 1, 'x']),
    ]);
    const { small, large } = await bothPaths(body, 'xlsx');
    expect(small.report).toMatchObject({ status: 'SUCCEEDED', rowsWritten: 1, sheet: 'Data' });
    expect(large).toEqual(small);
  });

  test('XLSX rows with more cells than the header (once: another line, a cell value as the reason)', async () => {
    const body = book([
      row(1, HX),
      row(2, ['A1', 'Alpha', 1, 1, 'x', '42']),
      row(3, ['A2', 'Beta', 2, 2, 'y', 'x', 'oops']),
      row(4, ['A3', 'Gamma', 3, 3, 'z']),
    ]);
    const { small, large } = await bothPaths(body, 'xlsx');
    expect(small.report.errors?.map((e) => e.line)).toEqual([2, 3]);
    expect(large.report).toEqual(small.report);
    expect(large.items).toEqual(small.items);
    // The one difference left: the cells past the header are not in the large path's rejected-rows file (the map
    // reads items by the header's names, so Prepare's converted CSV has no place for them); the rows, lines and
    // reasons are the same
    const withoutExtraCells = small.rejected
      .replace('A1,Alpha,1,1,x,42,2,', 'A1,Alpha,1,1,x,2,')
      .replace('A2,Beta,2,2,y,x,oops,3,', 'A2,Beta,2,2,y,3,');
    expect(large.rejected).toBe(withoutExtraCells);
  });

  test('a header the schema refuses: FAILED, complete, and no stale rejected rows of an earlier upload', async () => {
    // GIVEN an earlier upload of the same key that left a rejected row
    await harness.freshTable();
    const key = 'uploads/parity-refused.csv';
    await importFile(harness.emulators(), key, `${H}\nA1,,1,1,x\n`);
    expect(await readRejectedCsv(harness.emulators(), key)).toContain('name is required but empty');
    // WHEN the next upload has a header the schema refuses and goes through the large-file path
    await upload(harness.emulators(), key, 'sku,title\nA1,Hammer\n');
    await runLargeFileLocally({
      definition: definition(),
      worker: sourceWorker as StepHandler,
      s3: harness.emulators().s3,
      input: { object: { bucket: BUCKET, key, size: 1 } },
      executionName: 'parity-refused',
    });
    // THEN as a single invocation: FAILED, complete, and an empty rejected-rows file
    const report = await readReport(harness.emulators(), key);
    expect(report).toMatchObject({ status: 'FAILED', complete: true, rowsTotal: 0 });
    expect(await readRejectedCsv(harness.emulators(), key)).toBe('_line,_reason\r\n');
  });

  test('a rejected-rows file saved as XLSX and uploaded again: its superseded duplicate is not imported again', async () => {
    // GIVEN A1 written by an earlier upload, and the rejected-rows file of an upload where A1 lost to a later line,
    // saved as a workbook after B1 was fixed
    const body = book([
      row(1, [...HX, '_line', '_reason']),
      row(2, ['A1', 'Old', 1, 1, 'x', 2, 'duplicate sku: superseded by line 5']),
      row(3, ['B1', 'Fixed', 2, 2, 'y', 3, 'name is required but empty']),
    ]);
    const { small, large } = await bothPaths(body, 'xlsx');
    // THEN both paths keep A1 out (rejected, saying why) and load B1
    expect(small.report).toMatchObject({ rowsWritten: 1, rowsRejected: 1 });
    expect(Object.keys(small.items)).toEqual(['B1']);
    expect(large).toEqual(small);
  });
});
