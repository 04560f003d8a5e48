/**
 * The prebuilt Lambda bundle (assets/inventory-handler, made by `npm run build:assets`, which `npm test` runs
 * first): size, the lazy XLSX split, and both import paths run from the bundle against the emulators.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as ExcelJS from 'exceljs';
import { encodeNotificationKey, upload, useEngineHarness } from './helpers';

const h = useEngineHarness();
const DIR = join(__dirname, '../../../assets/inventory-handler');
const INDEX = join(DIR, 'index.js');

function runInChild(script: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script], { env: { ...process.env, ...env } }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

describe('inventory handler bundle', () => {
  beforeAll(() => {
    if (!existsSync(INDEX)) throw new Error(`${INDEX} is missing: run 'npm run build:assets' first`);
  });

  test('the CSV path bundle is under 1 MB and leaves the XLSX reader to a separate file', () => {
    expect(statSync(INDEX).size).toBeLessThan(1024 * 1024);
    const code = readFileSync(INDEX, 'utf8');
    expect(code).toContain('require("./xlsx-reader")');
    expect(code).not.toContain('WorkbookReader');
    expect(existsSync(join(DIR, 'xlsx-reader.js'))).toBe(true);
  });

  test('runs a CSV import without loading the XLSX reader, and loads it for an XLSX import', async () => {
    // GIVEN a CSV and an XLSX upload, and a table
    const table = await h.freshTable();
    await upload(h.emulators(), 'uploads/bundle.csv', 'sku,name,quantity\nBU-1,From CSV,1\n');
    const wb = new ExcelJS.Workbook();
    const sheet = wb.addWorksheet('S');
    sheet.addRow(['sku', 'name', 'quantity']);
    sheet.addRow(['BU-2', 'From XLSX', 2]);
    await upload(h.emulators(), 'uploads/bundle.xlsx', Buffer.from(await wb.xlsx.writeBuffer()));
    const event = (key: string) => ({
      Records: [
        {
          eventName: 'ObjectCreated:Put',
          s3: { bucket: { name: 'inventory-uploads' }, object: { key: encodeNotificationKey(key) } },
        },
      ],
    });
    const script = `
      const m = require(${JSON.stringify(INDEX)});
      const ctx = { awsRequestId: 'bundle', getRemainingTimeInMillis: () => 60000 };
      const xlsxLoaded = () => Object.keys(require.cache).some((k) => k.endsWith('xlsx-reader.js'));
      (async () => {
        const csv = await m.handler(${JSON.stringify(event('uploads/bundle.csv'))}, ctx);
        const afterCsv = xlsxLoaded();
        const xlsx = await m.handler(${JSON.stringify(event('uploads/bundle.xlsx'))}, ctx);
        console.log(JSON.stringify({ csv: csv.rowsWritten, afterCsv, xlsx: xlsx.rowsWritten, afterXlsx: xlsxLoaded() }));
      })().catch((err) => { console.error(err); process.exit(1); });`;
    // WHEN
    const stdout = await runInChild(script, { ...h.emulators().env, TABLE_NAME: table, LOG_LEVEL: 'SILENT' });
    // THEN
    expect(JSON.parse(stdout.trim().split('\n').pop() ?? '')).toEqual({
      csv: 1,
      afterCsv: false,
      xlsx: 1,
      afterXlsx: true,
    });
  });
});
