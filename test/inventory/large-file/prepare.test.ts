/**
 * The large-file Prepare step on a file it cannot read, in the source and in the shipped bundle: the bundle loads
 * the XLSX reader from its own file (assets/inventory-large-file/xlsx-reader.js) with its own copy of the error
 * classes, so the step must recognise them by name; `instanceof` failed there and Prepare threw instead of
 * ending the import with a FAILED report.
 */
import { handler as sourceWorker, setWorkerOverrides } from '../../../lib/inventory/handler/large-file/worker';
import type { StepHandler } from '../../../scripts/lib/large-file-local';
import { BUCKET, readReport, upload, useEngineHarness } from '../handler/helpers';

const harness = useEngineHarness();

/* eslint-disable @typescript-eslint/no-require-imports -- the shipped bundle, loaded as Lambda loads it */
const bundleWorker = (): StepHandler =>
  (require('../../../assets/inventory-large-file/index.js') as { handler: StepHandler }).handler;
/* eslint-enable @typescript-eslint/no-require-imports */

describe.each([
  ['source', () => sourceWorker as StepHandler],
  ['bundle', bundleWorker],
])('the large-file Prepare step (%s)', (kind, worker) => {
  afterEach(() => setWorkerOverrides({}));

  test('a CSV renamed .xlsx ends the import with a FAILED report, not a thrown error', async () => {
    // GIVEN
    await harness.freshTable();
    const key = `uploads/renamed-${kind}.xlsx`;
    await upload(harness.emulators(), key, 'sku,name,quantity\nA-1,Hammer,1\n');

    // WHEN
    const result = await worker()({
      action: 'prepare',
      object: { bucket: BUCKET, key, size: 1 },
      executionName: `prepare-${kind}`,
    });

    // THEN
    expect(result).toMatchObject({ action: 'reported' });
    const report = await readReport(harness.emulators(), key);
    expect(report).toMatchObject({ status: 'FAILED', rowsTotal: 0, rowsWritten: 0 });
    expect(report.reason).toMatch(/not an XLSX workbook|not a ZIP/i);
  }, 60_000);
});
