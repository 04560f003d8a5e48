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

describe('superseded duplicates in the rejected-rows CSV', () => {
  afterEach(() => {
    delete process.env.INVENTORY_SCHEMA;
  });

  test('are not imported again: the row that won keeps its values, generation after generation', async () => {
    // GIVEN D-1 twice (line 3 wins) and a row with a bad quantity
    const table = await harness.freshTable();
    await importFile(
      harness.emulators(),
      'uploads/dups.csv',
      'sku,name,quantity\nD-1,Old name,1\nD-1,New name,2\nX-1,Bad,x\n',
    );
    const rejected = await readRejectedCsv(harness.emulators(), 'uploads/dups.csv');
    expect(rejected).toContain('D-1,Old name,1,2,duplicate sku: superseded by line 3');
    // WHEN X-1 is fixed and the file uploaded as it is (the documented workflow)
    const report = await importFile(
      harness.emulators(),
      'uploads/dups-fixed.csv',
      rejected.replace('X-1,Bad,x', 'X-1,Bad,5'),
    );
    // THEN X-1 loads, D-1 keeps the winning row, and the superseded line is reported, saying why and what to do
    expectInvariant(report);
    expect(report).toMatchObject({ rowsWritten: 1, rowsRejected: 1 });
    const items = await scanItems(harness.emulators(), table);
    expect(items.get('D-1')).toEqual({ sku: 'D-1', name: 'New name', quantity: 2 });
    expect(items.get('X-1')).toEqual({ sku: 'X-1', name: 'Bad', quantity: 5 });
    const why =
      'duplicate sku: superseded by line 3; in an earlier upload, whose rejected-rows file this line comes from: not imported again, so it cannot undo the row that won (delete the line, or clear its _reason cell to import it)';
    expect(report.errors).toEqual([{ line: 2, reason: why, sku: 'D-1' }]);
    // AND the next generation of the file keeps it out too, with the same reason (not growing)
    const next = await readRejectedCsv(harness.emulators(), 'uploads/dups-fixed.csv');
    const again = await importFile(harness.emulators(), 'uploads/dups-again.csv', next);
    expect(again.errors).toEqual([{ line: 2, reason: why, sku: 'D-1' }]);
    expect((await scanItems(harness.emulators(), table)).get('D-1')).toEqual({
      sku: 'D-1',
      name: 'New name',
      quantity: 2,
    });
  });

  test('a row superseded after it was written (only its key in the file) does not blank the item', async () => {
    // GIVEN a schema whose only required column is the key, K-1 early (written long before its duplicate) and last
    process.env.INVENTORY_SCHEMA = JSON.stringify({
      key: 'sku',
      columns: [
        { name: 'sku', type: 'string', required: true },
        { name: 'name', type: 'string' },
        { name: 'price', type: 'number', min: 0 },
      ],
    });
    const table = await harness.freshTable();
    const rows = ['K-1,First,1'];
    for (let i = 0; i < 1000; i++) rows.push(`F-${i},Filler,1`);
    rows.push('K-1,Final,9', 'B-1,Bad price,abc');
    await importFile(harness.emulators(), 'uploads/keyonly.csv', `sku,name,price\n${rows.join('\n')}\n`);
    const rejected = await readRejectedCsv(harness.emulators(), 'uploads/keyonly.csv');
    expect(rejected).toContain('K-1,,,2,duplicate sku: superseded by line 1003');
    // WHEN the bad price is fixed and the file uploaded as it is
    await importFile(harness.emulators(), 'uploads/keyonly-fixed.csv', rejected.replace('abc', '3'));
    // THEN K-1 keeps the last K-1 row's values
    const items = await scanItems(harness.emulators(), table);
    expect(items.get('K-1')).toEqual({ sku: 'K-1', name: 'Final', price: 9 });
    expect(items.get('B-1')).toEqual({ sku: 'B-1', name: 'Bad price', price: 3 });
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
