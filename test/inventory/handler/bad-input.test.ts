import { DeleteObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { setImportOverrides } from '../../../lib/inventory/handler/index';
import type { ImportReport } from '../../../lib/inventory/handler/report';
import {
  BUCKET,
  expectInvariant,
  importFile,
  readRejectedCsv,
  readReport,
  runHandler,
  s3Event,
  scanItems,
  upload,
  useEngineHarness,
} from './helpers';

const h = useEngineHarness();
const HEADER = 'sku,name,quantity,price,category';

describe('bad input (dynalite + s3rver)', () => {
  test('rejects invalid rows with line and reason and loads the rest', async () => {
    // GIVEN a file with one problem per row
    const table = await h.freshTable();
    const csv = [
      HEADER,
      'OK-1,Widget,5,1.50,tools',
      ',No sku,1,,',
      'BAD-2,,1,,',
      'BAD-3,Half,1.5,,',
      'BAD-4,Negative,-1,,',
      'BAD-5,Pricey,1,abc,',
      '=HYPERLINK("x"),Formula,notanumber,,',
      'OK-2,Gadget,0,,',
    ].join('\n');
    // WHEN
    const report = await importFile(h.emulators(), 'uploads/mixed.csv', csv);
    // THEN
    expect(report).toMatchObject({ status: 'PARTIAL', rowsTotal: 8, rowsWritten: 2, rowsRejected: 6, complete: true });
    expectInvariant(report);
    expect(report.errors).toEqual([
      { line: 3, reason: 'sku is required but empty' },
      { line: 4, reason: 'name is required but empty', sku: 'BAD-2' },
      { line: 5, reason: "quantity must be a whole number; received '1.5'", sku: 'BAD-3' },
      { line: 6, reason: 'quantity must not be negative; received -1', sku: 'BAD-4' },
      { line: 7, reason: "price must be a number; received 'abc'", sku: 'BAD-5' },
      { line: 8, reason: "quantity must be a whole number; received 'notanumber'", sku: '=HYPERLINK("x")' },
    ]);
    expect([...(await scanItems(h.emulators(), table)).keys()].sort()).toEqual(['OK-1', 'OK-2']);
    const rejectedCsv = await readRejectedCsv(h.emulators(), 'uploads/mixed.csv');
    expect(rejectedCsv.split('\r\n')).toEqual([
      'sku,name,quantity,price,category,_line,_reason',
      ',No sku,1,,,3,sku is required but empty',
      'BAD-2,,1,,,4,name is required but empty',
      "BAD-3,Half,1.5,,,5,quantity must be a whole number; received '1.5'",
      "BAD-4,Negative,'-1,,,6,quantity must not be negative; received -1",
      "BAD-5,Pricey,1,abc,,7,price must be a number; received 'abc'",
      `"'=HYPERLINK(""x"")",Formula,notanumber,,,8,quantity must be a whole number; received 'notanumber'`,
      '',
    ]);
  });

  test('fails the whole file when a required column is missing, writing nothing', async () => {
    const table = await h.freshTable();
    const report = await importFile(h.emulators(), 'uploads/noqty.csv', 'sku,name,qty\nA,Widget,1\n');
    expect(report).toMatchObject({
      status: 'FAILED',
      rowsTotal: 0,
      rowsWritten: 0,
      rowsRejected: 0,
      reason: 'the header row is missing required column(s): quantity (found: sku, name, qty)',
    });
    expect(report.errors).toEqual([
      { line: 1, reason: 'the header row is missing required column(s): quantity (found: sku, name, qty)' },
    ]);
    expect((await scanItems(h.emulators(), table)).size).toBe(0);
    expect(await readReport(h.emulators(), 'uploads/noqty.csv')).toMatchObject({ status: 'FAILED' });
  });

  test('an empty file is FAILED', async () => {
    await h.freshTable();
    const report = await importFile(h.emulators(), 'uploads/empty.csv', '');
    expect(report).toMatchObject({ status: 'FAILED', rowsTotal: 0, reason: 'the file is empty' });
  });

  test('a file of blank lines is FAILED as empty', async () => {
    await h.freshTable();
    const report = await importFile(h.emulators(), 'uploads/blank.csv', '\n\r\n  \n');
    expect(report).toMatchObject({ status: 'FAILED', reason: 'the file is empty (no header row)' });
  });

  test('a header-only file SUCCEEDS with zero rows', async () => {
    await h.freshTable();
    const report = await importFile(h.emulators(), 'uploads/header-only.csv', `${HEADER}\r\n`);
    expect(report).toMatchObject({ status: 'SUCCEEDED', rowsTotal: 0, rowsWritten: 0, rowsRejected: 0, errors: [] });
  });

  test('BOM, CRLF, quoted commas/quotes/newlines, blank lines and odd header case all load, with true line numbers', async () => {
    const table = await h.freshTable();
    const csv =
      '\ufeff SKU ,NAME,Quantity\r\n' +
      'Q-1,"Bolt, 10mm ""hex""",4\r\n' +
      '\r\n' +
      'Q-2,"Two\r\nline",2\r\n' +
      'Q-3,Nut,bad\r\n';
    const report = await importFile(h.emulators(), 'uploads/quoted.csv', csv);
    expect(report).toMatchObject({ status: 'PARTIAL', rowsTotal: 3, rowsWritten: 2 });
    expect(report.errors).toEqual([{ line: 6, reason: "quantity must be a whole number; received 'bad'", sku: 'Q-3' }]);
    const items = await scanItems(h.emulators(), table);
    expect(items.get('Q-1')).toEqual({ sku: 'Q-1', name: 'Bolt, 10mm "hex"', quantity: 4 });
    expect(items.get('Q-2')).toEqual({ sku: 'Q-2', name: 'Two\r\nline', quantity: 2 });
  });

  test('an unsupported file type is FAILED with a clear reason', async () => {
    await h.freshTable();
    const report = await importFile(h.emulators(), 'uploads/notes.txt', 'sku,name,quantity\nA,B,1\n');
    expect(report).toMatchObject({
      status: 'FAILED',
      reason: 'unsupported file type .txt: upload a .csv (UTF-8) or .xlsx file',
    });
  });

  test('a PNG renamed .csv is FAILED', async () => {
    await h.freshTable();
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    const report = await importFile(h.emulators(), 'uploads/photo.csv', png);
    expect(report).toMatchObject({ status: 'FAILED', reason: 'the file is not CSV text: it looks like a PNG image' });
  });

  test('rows with bytes that are not UTF-8 are rejected; the rest load', async () => {
    const table = await h.freshTable();
    const latin1 = Buffer.concat([
      Buffer.from(`${HEADER}\nL-1,Caf`),
      Buffer.from([0xe9]), // 'é' in Latin-1, invalid in UTF-8
      Buffer.from(',1,,\nL-2,Plain,2,,\n'),
    ]);
    const report = await importFile(h.emulators(), 'uploads/latin1.csv', latin1);
    expect(report).toMatchObject({ status: 'PARTIAL', rowsWritten: 1, rowsRejected: 1 });
    expect(report.errors).toEqual([
      { line: 2, sku: 'L-1', reason: 'the row contains bytes that are not valid UTF-8; save the file as "CSV UTF-8"' },
    ]);
    expect([...(await scanItems(h.emulators(), table)).keys()]).toEqual(['L-2']);
  });

  test('malformed quotes: rows before an unclosed quote load, the malformed record is rejected', async () => {
    const table = await h.freshTable();
    const csv = `${HEADER}\nM-1,Fine,1,,\nM-2,"Oops,1,,\nM-3,Swallowed,3,,\n`;
    const report = await importFile(h.emulators(), 'uploads/quotes.csv', csv);
    expect(report).toMatchObject({ status: 'PARTIAL', rowsTotal: 2, rowsWritten: 1, rowsRejected: 1 });
    expect(report.errors[0]).toMatchObject({
      line: 3,
      reason: expect.stringMatching(/^malformed quotes: .* line 3 is never closed/),
    });
    expect([...(await scanItems(h.emulators(), table)).keys()]).toEqual(['M-1']);
  });

  test('a 10,000-character cell is rejected as over-long', async () => {
    await h.freshTable();
    const report = await importFile(h.emulators(), 'uploads/long.csv', `${HEADER}\nX-1,${'n'.repeat(10_000)},1,,\n`);
    expect(report).toMatchObject({ status: 'FAILED', rowsRejected: 1 });
    expect(report.errors).toEqual([
      { line: 2, sku: 'X-1', reason: 'name is 10000 characters long; the maximum is 1024' },
    ]);
  });

  test('a key with spaces, + and unicode is decoded and its report lands next to it', async () => {
    const table = await h.freshTable();
    const key = 'uploads/Q1 stock + extras – été.csv';
    const report = await importFile(h.emulators(), key, `${HEADER}\nU-1,Unicode ✓,1,,\n`);
    expect(report).toMatchObject({ status: 'SUCCEEDED', key, reportKey: `reports/${key}.json` });
    expect(await readReport(h.emulators(), key)).toMatchObject({ key, rowsWritten: 1 });
    expect((await scanItems(h.emulators(), table)).get('U-1')).toMatchObject({ name: 'Unicode ✓' });
  });

  test('an object deleted before the function read it gets a FAILED report (no retry)', async () => {
    await h.freshTable();
    const key = 'uploads/gone.csv';
    await upload(h.emulators(), key, `${HEADER}\nG-1,Gone,1,,\n`);
    await h.emulators().s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    const report = (await runHandler(s3Event(key))) as ImportReport;
    expect(report).toMatchObject({
      status: 'FAILED',
      reason: 'the object no longer exists (it was deleted or replaced before the import could read it)',
    });
    expect(await readReport(h.emulators(), key)).toMatchObject({ status: 'FAILED' });
  });

  test('events for keys under the report prefix are skipped', async () => {
    await h.freshTable();
    const result = await runHandler(s3Event('reports/uploads/mixed.csv.json'));
    expect(result).toEqual({
      status: 'SKIPPED',
      bucket: BUCKET,
      key: 'reports/uploads/mixed.csv.json',
      reason: "the key is under the report prefix 'reports/'; reports are never imported",
    });
  });

  test('caps the errors in the report but puts every rejected row in the rejected-rows CSV', async () => {
    await h.freshTable();
    const rows = Array.from({ length: 1500 }, (_, i) => `E-${i},Name,-${i + 1},,`);
    const report = await importFile(h.emulators(), 'uploads/many-bad.csv', [HEADER, ...rows].join('\n'));
    expect(report).toMatchObject({ status: 'FAILED', rowsTotal: 1500, rowsRejected: 1500, errorsOmitted: 500 });
    expect(report.errors).toHaveLength(1000);
    const lines = (await readRejectedCsv(h.emulators(), 'uploads/many-bad.csv')).trimEnd().split('\r\n');
    expect(lines).toHaveLength(1501);
    expect(lines[1500]).toBe("E-1499,Name,'-1500,,,1501,quantity must not be negative; received -1500");
  });

  test('a rejected-rows CSV larger than one part is uploaded in parts', async () => {
    await h.freshTable();
    setImportOverrides({ rejectedPartSize: 64 * 1024 });
    const uploadParts = jest.spyOn(S3Client.prototype, 'send');
    const name = 'w'.repeat(2000);
    const rows = Array.from({ length: 200 }, (_, i) => `W-${i},${name},1,,`);
    const report = await importFile(h.emulators(), 'uploads/wide-bad.csv', [HEADER, ...rows].join('\n'));
    expect(report).toMatchObject({ rowsRejected: 200 });
    const csv = await readRejectedCsv(h.emulators(), 'uploads/wide-bad.csv');
    expect(csv.length).toBeGreaterThan(6 * 64 * 1024);
    const lines = csv.trimEnd().split('\r\n');
    expect(lines).toHaveLength(201);
    expect(lines.slice(1).map((line) => line.split(',')[0])).toEqual(rows.map((row) => row.split(',')[0]));
    expect(uploadParts.mock.calls.filter(([command]) => command instanceof UploadPartCommand).length).toBeGreaterThan(
      5,
    );
    uploadParts.mockRestore();
  });

  test('honours INVENTORY_SCHEMA and REPORT_PREFIX', async () => {
    const table = await h.freshTable();
    process.env.REPORT_PREFIX = 'out/';
    process.env.INVENTORY_SCHEMA = JSON.stringify({
      key: 'sku',
      columns: [
        { name: 'sku', type: 'string', required: true },
        { name: 'stock', type: 'integer', required: true, max: 10 },
      ],
      extraColumns: 'ignore',
    });
    const report = await importFile(h.emulators(), 'uploads/custom.csv', 'sku,stock,note\nC-1,3,x\nC-2,11,y\n');
    expect(report).toMatchObject({ status: 'PARTIAL', reportKey: 'out/uploads/custom.csv.json' });
    expect(report.errors).toEqual([{ line: 3, sku: 'C-2', reason: 'stock must be at most 10; received 11' }]);
    expect(await readReport(h.emulators(), 'uploads/custom.csv', 'out/')).toMatchObject({ rowsWritten: 1 });
    expect((await scanItems(h.emulators(), table)).get('C-1')).toEqual({ sku: 'C-1', stock: 3 });
  });
});
