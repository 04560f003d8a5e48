import { Readable } from 'node:stream';
import * as ExcelJS from 'exceljs';
import type { ImportReport } from '../../../lib/inventory/handler/report';
import {
  excelNumberText,
  formatDate,
  formatTimeOfDay,
  isDateFormat,
  isTimeOnlyFormat,
  readXlsx,
  serialToDate,
} from '../../../lib/inventory/handler/xlsx-reader';
import { expectInvariant, importFile, scanItems, useEngineHarness } from './helpers';

const h = useEngineHarness();

async function workbook(build: (wb: ExcelJS.Workbook) => void): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  build(wb);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

describe('XLSX import (dynalite + s3rver)', () => {
  test('reads the first worksheet: formulas as cached results, dates as ISO strings, bad rows rejected', async () => {
    // GIVEN
    const table = await h.freshTable();
    const file = await workbook((wb) => {
      const sheet = wb.addWorksheet('Stock');
      sheet.addRow(['SKU', 'Name', 'Quantity', 'Price', 'Category', 'Received']);
      sheet.addRow(['X-1', 'Widget', 5, 2.5, 'tools', new Date(Date.UTC(2025, 2, 31))]);
      sheet.addRow([
        'X-2',
        { richText: [{ text: 'Rich ' }, { text: 'name' }] },
        { formula: '2*3', result: 6 },
        null,
        null,
        null,
      ]);
      sheet.addRow([]);
      sheet.addRow(['X-3', 'Negative', -4, null, null, null]);
      sheet.addRow(['X-4', 'Stamped', 1, { formula: 'B1', result: 'x' }, null, new Date(Date.UTC(2025, 0, 2, 13, 45))]);
      sheet.addRow(['X-5', 'No cache', { formula: 'C2*2' }, null, null, null]);
      wb.addWorksheet('Ignored').addRow(['sku', 'name', 'quantity']);
    });
    // WHEN
    const report: ImportReport = await importFile(h.emulators(), 'uploads/stock.xlsx', file);
    // THEN
    expect(report).toMatchObject({ status: 'PARTIAL', format: 'xlsx', rowsTotal: 5, rowsWritten: 2, rowsRejected: 3 });
    expectInvariant(report);
    expect(report.errors).toEqual([
      { line: 5, sku: 'X-3', reason: 'quantity must not be negative; received -4' },
      { line: 6, sku: 'X-4', reason: "price must be a number; received 'x'" },
      {
        line: 7,
        sku: 'X-5',
        reason: 'cell C7 has a formula without a cached result; open and save the workbook in Excel',
      },
    ]);
    const items = await scanItems(h.emulators(), table);
    expect(items.get('X-1')).toEqual({
      sku: 'X-1',
      name: 'Widget',
      quantity: 5,
      price: 2.5,
      category: 'tools',
      Received: '2025-03-31',
    });
    expect(items.get('X-2')).toEqual({ sku: 'X-2', name: 'Rich name', quantity: 6 });
  });

  test('a file that is not a workbook is FAILED', async () => {
    await h.freshTable();
    const report = await importFile(h.emulators(), 'uploads/fake.xlsx', 'sku,name,quantity\nA,B,1\n');
    expect(report).toMatchObject({
      status: 'FAILED',
      reason: 'the file is not an XLSX workbook (an .xlsx file is a ZIP archive; this one is not)',
    });
  });

  test('a workbook whose header lacks a required column is FAILED', async () => {
    const table = await h.freshTable();
    const file = await workbook((wb) => {
      const sheet = wb.addWorksheet('S');
      sheet.addRow(['sku', 'title', 'quantity']);
      sheet.addRow(['A', 'B', 1]);
    });
    const report = await importFile(h.emulators(), 'uploads/noname.xlsx', file);
    expect(report).toMatchObject({
      status: 'FAILED',
      reason: 'the header row is missing required column(s): name (found: sku, title, quantity)',
    });
    expect((await scanItems(h.emulators(), table)).size).toBe(0);
  });
});

describe('XLSX cell conversion', () => {
  test('dates: date-only at midnight UTC, else the full ISO timestamp', () => {
    expect(formatDate(new Date(Date.UTC(2024, 1, 29)))).toBe('2024-02-29');
    expect(formatDate(new Date(Date.UTC(2024, 1, 29, 8, 30)))).toBe('2024-02-29T08:30:00.000Z');
  });

  test('recognises date number formats', () => {
    expect(isDateFormat('yyyy-mm-dd')).toBe(true);
    expect(isDateFormat('[$-409]d-mmm-yy;@')).toBe(true);
    expect(isDateFormat('0.00')).toBe(false);
    expect(isDateFormat('"day"0')).toBe(false);
  });

  test('recognises time-of-day formats, and writes a time of day as HH:MM:SS', () => {
    expect(isTimeOnlyFormat('h:mm')).toBe(true);
    expect(isTimeOnlyFormat('[$-409]h:mm:ss AM/PM;@')).toBe(true);
    expect(isTimeOnlyFormat('yyyy-mm-dd h:mm')).toBe(false);
    expect(isTimeOnlyFormat('d-mmm')).toBe(false);
    expect(isTimeOnlyFormat('"hours"0')).toBe(false);
    expect(formatTimeOfDay(0.5208333333333334)).toBe('12:30:00');
    expect(formatTimeOfDay(0)).toBe('00:00:00');
    expect(formatTimeOfDay(0.5 + 0.25 / 86_400)).toBe('12:00:00.250');
  });

  test("serial numbers become dates in the workbook's date system", () => {
    // 1900 system: 45000 is 2023-03-15; serial 1 is 1900-01-01 (before Excel's phantom 29 February 1900)
    expect(formatDate(serialToDate(45000, false))).toBe('2023-03-15');
    expect(formatDate(serialToDate(1, false))).toBe('1900-01-01');
    expect(formatDate(serialToDate(61, false))).toBe('1900-03-01');
    expect(formatDate(serialToDate(45000.5, false))).toBe('2023-03-15T12:00:00.000Z');
    // 1904 system: serial 0 is 1904-01-01
    expect(formatDate(serialToDate(0, true))).toBe('1904-01-01');
    expect(formatDate(serialToDate(43830, true))).toBe('2024-01-01');
  });

  test('cached numbers are rounded to 15 significant digits, as Excel shows them', () => {
    expect(excelNumberText('10.450000000000001')).toBe('10.45');
    expect(excelNumberText('0.30000000000000004')).toBe('0.3');
    expect(excelNumberText('123456789012345678')).toBe('123456789012346000');
    expect(excelNumberText('1E-400')).toBe('1E-400');
    expect(excelNumberText('0')).toBe('0');
    expect(excelNumberText('x')).toBeUndefined();
  });

  test('an empty workbook stream is FAILED as empty', async () => {
    const read = async () => {
      for await (const row of readXlsx(Readable.from([]))) void row;
    };
    await expect(read()).rejects.toThrow('the file is empty');
  });
});
