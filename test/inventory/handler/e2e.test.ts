import { setImportOverrides } from '../../../lib/inventory/handler/index';
import type { ImportReport } from '../../../lib/inventory/handler/report';
import {
  eventBridgeEvent,
  importFile,
  readRejectedCsv,
  readReport,
  runHandler,
  s3Event,
  scanItems,
  upload,
  useEngineHarness,
  expectInvariant,
} from './helpers';

const h = useEngineHarness();

describe('import engine end to end (dynalite + s3rver)', () => {
  test('loads a valid CSV and writes the report', async () => {
    // GIVEN
    const table = await h.freshTable();
    const csv = 'sku,name,quantity,price,category\nA-1,Widget,5,1.50,tools\nA-2,Gadget,0,,\n';
    // WHEN
    const report = await importFile(h.emulators(), 'uploads/basic.csv', csv);
    // THEN
    expect(report).toMatchObject({ status: 'SUCCEEDED', rowsTotal: 2, rowsWritten: 2, rowsRejected: 0, errors: [] });
    expectInvariant(report);
    const items = await scanItems(h.emulators(), table);
    expect(items.get('A-1')).toEqual({ sku: 'A-1', name: 'Widget', quantity: 5, price: 1.5, category: 'tools' });
    expect(items.get('A-2')).toEqual({ sku: 'A-2', name: 'Gadget', quantity: 0 });
    expect(await readReport(h.emulators(), 'uploads/basic.csv')).toMatchObject({ status: 'SUCCEEDED', rowsWritten: 2 });
    expect(await readRejectedCsv(h.emulators(), 'uploads/basic.csv')).toBe(
      'sku,name,quantity,price,category,_line,_reason\r\n',
    );
  });

  test('accepts the EventBridge Object Created shape', async () => {
    const table = await h.freshTable();
    await upload(h.emulators(), 'uploads/eb file.csv', 'sku,name,quantity\nB-1,Bolt,3\n');
    const report = (await runHandler(eventBridgeEvent('uploads/eb file.csv'))) as ImportReport;
    expect(report).toMatchObject({ status: 'SUCCEEDED', rowsWritten: 1, key: 'uploads/eb file.csv' });
    expect((await scanItems(h.emulators(), table)).get('B-1')).toMatchObject({ name: 'Bolt', quantity: 3 });
  });
});

describe('duplicate keys', () => {
  test('the later row wins; earlier rows are rejected naming the later line, queued or already written', async () => {
    // GIVEN D-1 twice in one batch, and D-2 far enough apart that its first row is written before the second
    // arrives (one call in flight at a time makes "already written" deterministic)
    const table = await h.freshTable();
    process.env.WRITE_CONCURRENCY = '1';
    const filler = (from: number, count: number) => Array.from({ length: count }, (_, i) => `F-${from + i},Filler,1`);
    const lines = [
      'sku,name,quantity',
      'D-1,First,1', // line 2
      'D-1,Second,2', // line 3
      'D-2,Early,5', // line 4
      ...filler(0, 200), // lines 5-204
      'D-2,Late,6', // line 205
      'D-1,Third,3', // line 206
    ];
    // WHEN
    const report = await importFile(h.emulators(), 'uploads/dupes.csv', lines.join('\n'));
    // THEN
    expect(report).toMatchObject({ status: 'PARTIAL', rowsTotal: 205, rowsWritten: 202, rowsRejected: 3 });
    expectInvariant(report);
    expect(report.errors).toEqual([
      { line: 2, sku: 'D-1', reason: 'duplicate sku: superseded by line 3' },
      { line: 3, sku: 'D-1', reason: 'duplicate sku: superseded by line 206' },
      { line: 4, sku: 'D-2', reason: 'duplicate sku: superseded by line 205' },
    ]);
    const items = await scanItems(h.emulators(), table);
    expect(items.size).toBe(report.rowsWritten);
    expect(items.get('D-1')).toEqual({ sku: 'D-1', name: 'Third', quantity: 3 });
    expect(items.get('D-2')).toEqual({ sku: 'D-2', name: 'Late', quantity: 6 });
    const rejected = (await readRejectedCsv(h.emulators(), 'uploads/dupes.csv')).trimEnd().split('\r\n');
    expect(rejected).toEqual([
      'sku,name,quantity,_line,_reason',
      'D-1,First,1,2,duplicate sku: superseded by line 3',
      'D-2,,,4,duplicate sku: superseded by line 205',
      'D-1,,,3,duplicate sku: superseded by line 206',
    ]);
  });

  test('an invalid later row does not displace a valid earlier one', async () => {
    const table = await h.freshTable();
    const report = await importFile(
      h.emulators(),
      'uploads/dupe-invalid.csv',
      'sku,name,quantity\nV-1,Good,1\nV-1,Bad,-1\n',
    );
    expect(report).toMatchObject({ rowsWritten: 1, rowsRejected: 1 });
    expect(report.errors).toEqual([{ line: 3, sku: 'V-1', reason: 'quantity must not be negative; received -1' }]);
    expect((await scanItems(h.emulators(), table)).get('V-1')).toMatchObject({ name: 'Good' });
  });
});

describe('time budget', () => {
  test('stops cleanly with PARTIAL before the timeout, every read row accounted for', async () => {
    const table = await h.freshTable();
    setImportOverrides({ reserveMs: 1000 });
    const rows = Array.from({ length: 500 }, (_, i) => `T-${i},Timed,1`);
    await upload(h.emulators(), 'uploads/slow.csv', ['sku,name,quantity', ...rows].join('\n'));
    let calls = 0;
    const report = (await runHandler(s3Event('uploads/slow.csv'), () =>
      ++calls < 150 ? 60_000 : 100,
    )) as ImportReport;
    expect(report).toMatchObject({
      status: 'PARTIAL',
      complete: false,
      reason: 'not processed: time budget exhausted',
    });
    expectInvariant(report);
    expect(report.rowsTotal).toBeGreaterThan(0);
    expect(report.rowsTotal).toBeLessThan(500);
    expect(report.stoppedAtLine).toBe(report.rowsTotal + 2);
    expect((await scanItems(h.emulators(), table)).size).toBe(report.rowsWritten);
  });
});
