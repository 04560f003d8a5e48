import type { ImportReport } from '../../../lib/inventory/handler/report';
import {
  eventBridgeEvent,
  importFile,
  readRejectedCsv,
  readReport,
  runHandler,
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
