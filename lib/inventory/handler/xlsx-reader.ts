/**
 * Streaming XLSX reader (exceljs WorkbookReader): first worksheet only, row 1 is the header.
 *
 * This module is bundled separately (assets/inventory-handler/xlsx-reader.js) and loaded on first use, so CSV
 * imports never load exceljs. Cell values become text:
 * - numbers and booleans as `String(value)`; shared, inline and rich text as their plain text; hyperlinks as their text;
 * - dates as ISO 8601: `YYYY-MM-DD` when the time of day is midnight, else the full `toISOString()` (UTC, as
 *   Excel stores no time zone);
 * - formulas as their cached result; a formula without a cached result, or an error value (`#DIV/0!`, `#N/A`),
 *   rejects the row with a reason naming the cell.
 *
 * Memory: exceljs keeps the shared-strings table (unique strings of the workbook) in memory, and parks worksheets
 * that precede the shared strings in the ZIP in a temporary file. Rows are never accumulated.
 */
import { Readable } from 'node:stream';
import * as ExcelJS from 'exceljs';
import { FileFormatError, peek, SourceRow } from './source';

const ZIP_SIGNATURE = [0x50, 0x4b, 0x03, 0x04];

interface CellLike {
  readonly value: unknown;
  readonly numFmt?: string;
  readonly address: string;
}

/** True when an Excel number format displays a date (has d/m/y/h/s tokens outside quotes and brackets). */
export function isDateFormat(numFmt: string | undefined): boolean {
  if (!numFmt) return false;
  const stripped = numFmt.replace(/"[^"]*"|\[[^\]]*\]|\\./g, '');
  return /[dy]/i.test(stripped) || /h+:m/i.test(stripped);
}

/** Formats a date cell as ISO 8601 (date only when the time is midnight UTC). */
export function formatDate(date: Date): string {
  if (Number.isNaN(date.getTime())) return '';
  const iso = date.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
}

function excelSerialToDate(serial: number): Date {
  return new Date(Math.round((serial - 25569) * 86400 * 1000));
}

type CellResult = { text: string; problem?: undefined } | { text: string; problem: string };

/** Converts one exceljs cell value to text, or explains why it cannot be used. */
export function cellText(cell: CellLike): CellResult {
  const value = cell.value;
  if (value === null || value === undefined) return { text: '' };
  if (typeof value === 'string') return { text: value };
  if (typeof value === 'number') {
    return Number.isFinite(value)
      ? { text: String(value) }
      : { text: '', problem: `cell ${cell.address} is not a number` };
  }
  if (typeof value === 'boolean') return { text: String(value) };
  if (value instanceof Date) return { text: formatDate(value) };
  const v = value as Record<string, unknown>;
  if ('error' in v) return { text: '', problem: `cell ${cell.address} holds the error value ${String(v.error)}` };
  if ('formula' in v || 'sharedFormula' in v) {
    const result = v.result;
    if (result === undefined || result === null) {
      return {
        text: '',
        problem: `cell ${cell.address} has a formula without a cached result; open and save the workbook in Excel`,
      };
    }
    if (typeof result === 'number') {
      if (!Number.isFinite(result)) {
        return { text: '', problem: `cell ${cell.address} holds a formula whose result is an error` };
      }
      return { text: isDateFormat(cell.numFmt) ? formatDate(excelSerialToDate(result)) : String(result) };
    }
    return cellText({ ...cell, value: result });
  }
  if (Array.isArray(v.richText)) {
    return { text: (v.richText as { text?: string }[]).map((part) => part.text ?? '').join('') };
  }
  if (typeof v.text === 'string') return { text: v.text };
  if (typeof v.text === 'object' && v.text !== null) return cellText({ ...cell, value: v.text });
  return { text: '', problem: `cell ${cell.address} has a value of an unsupported kind` };
}

interface RowLike {
  readonly number: number;
  readonly cellCount: number;
  getCell(column: number): CellLike;
}

/** Converts a worksheet row to a SourceRow. */
export function toSourceRow(row: RowLike): SourceRow {
  const values: string[] = [];
  const problems: string[] = [];
  for (let column = 1; column <= row.cellCount; column++) {
    const { text, problem } = cellText(row.getCell(column));
    values.push(text);
    if (problem) problems.push(problem);
  }
  return problems.length > 0
    ? { line: row.number, values, problem: problems.join('; ') }
    : { line: row.number, values };
}

/** Reads XLSX rows of the first worksheet (header first) from a byte stream. */
export async function* readXlsx(body: AsyncIterable<Uint8Array>): AsyncGenerator<SourceRow> {
  const { head, all } = await peek(body);
  if (!head) throw new FileFormatError('the file is empty');
  if (!ZIP_SIGNATURE.every((b, i) => head[i] === b)) {
    throw new FileFormatError('the file is not an XLSX workbook (an .xlsx file is a ZIP archive; this one is not)');
  }
  const input = Readable.from(all);
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  let sawWorksheet = false;
  try {
    for await (const worksheet of reader) {
      sawWorksheet = true;
      for await (const row of worksheet as AsyncIterable<RowLike>) {
        yield toSourceRow(row);
      }
      break; // first worksheet only
    }
  } catch (err) {
    if (err instanceof FileFormatError) throw err;
    throw new FileFormatError(`the workbook could not be read: ${(err as Error).message}`);
  } finally {
    input.destroy();
  }
  if (!sawWorksheet) throw new FileFormatError('the workbook has no worksheet');
}
