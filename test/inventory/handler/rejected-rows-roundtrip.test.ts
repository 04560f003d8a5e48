/**
 * The documented workflow for rejected rows: fix them in the rejected-rows CSV and upload that file as it is,
 * again and again, end to end against the emulators. And a delimiter found past blank lines before the header.
 */
import { expectInvariant, importFile, readRejectedCsv, scanItems, useEngineHarness } from './helpers';

const harness = useEngineHarness();

describe('the rejected-rows CSV, fixed and uploaded again', () => {
  test('can be uploaded generation after generation: its _line and _reason columns are replaced, not repeated', async () => {
    // GIVEN a file with two bad rows
    const table = await harness.freshTable();
    const first = await importFile(
      harness.emulators(),
      'uploads/gen1.csv',
      'sku,name,quantity\nG-1,One,x\nG-2,Two,-2\nG-3,Three,3\n',
    );
    expect(first).toMatchObject({ rowsWritten: 1, rowsRejected: 2 });
    // WHEN G-1 is fixed in the rejected-rows file, which is uploaded as it is
    const gen1 = await readRejectedCsv(harness.emulators(), 'uploads/gen1.csv');
    const second = await importFile(harness.emulators(), 'uploads/gen2.csv', gen1.replace('G-1,One,x', 'G-1,One,1'));
    expect(second).toMatchObject({ rowsWritten: 1, rowsRejected: 1 });
    // THEN its own rejected-rows file has the columns once, with this upload's line and reason
    const gen2 = await readRejectedCsv(harness.emulators(), 'uploads/gen2.csv');
    expect(gen2.split('\r\n')[0]).toBe('sku,name,quantity,_line,_reason');
    expect(gen2.split('\r\n')[1]).toMatch(/^G-2,Two,'-2,3,/);
    // AND when G-2 is fixed there too and that file is uploaded as it is, G-2 loads
    const third = await importFile(harness.emulators(), 'uploads/gen3.csv', gen2.replace("'-2", '2'));
    expectInvariant(third);
    expect(third).toMatchObject({ status: 'SUCCEEDED', rowsWritten: 1, rowsRejected: 0 });
    const items = await scanItems(harness.emulators(), table);
    expect(items.get('G-2')).toEqual({ sku: 'G-2', name: 'Two', quantity: 2 });
    expect(items.get('G-1')).toEqual({ sku: 'G-1', name: 'One', quantity: 1 });
  });

  test('a cell starting with a tab loads the same through the rejected-rows file as in a first upload', async () => {
    // GIVEN the same row, once valid and once rejected for its quantity
    const table = await harness.freshTable();
    await importFile(harness.emulators(), 'uploads/tab-ok.csv', 'sku,name,quantity\nT-1,\tIndented,1\n');
    await importFile(harness.emulators(), 'uploads/tab-bad.csv', 'sku,name,quantity\nT-2,\tIndented,x\n');
    // WHEN the rejected row, neutralised as '<tab>Indented, is fixed and uploaded again
    const rejected = await readRejectedCsv(harness.emulators(), 'uploads/tab-bad.csv');
    expect(rejected).toContain("'\tIndented");
    await importFile(harness.emulators(), 'uploads/tab-fixed.csv', rejected.replace(',x,', ',1,'));
    // THEN both are stored alike (trimmed, as every value is)
    const items = await scanItems(harness.emulators(), table);
    expect(items.get('T-1')?.name).toBe('Indented');
    expect(items.get('T-2')?.name).toBe('Indented');
  });
});

describe('the delimiter', () => {
  test('comes from the header line, past blank lines before it', async () => {
    const table = await harness.freshTable();
    const report = await importFile(
      harness.emulators(),
      'uploads/semi-blank.csv',
      '\r\n  \r\nsku;name;quantity\r\nS-1;One;1\r\n',
    );
    expect(report).toMatchObject({ status: 'SUCCEEDED', rowsWritten: 1, delimiter: ';' });
    expect((await scanItems(harness.emulators(), table)).get('S-1')).toEqual({ sku: 'S-1', name: 'One', quantity: 1 });
  });
});
