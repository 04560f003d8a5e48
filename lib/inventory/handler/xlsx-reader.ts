/**
 * XLSX reader: the first visible worksheet, row 1 (the first non-blank row) is the header.
 *
 * The engine's own reader (ZIP directory + node:zlib + the saxes XML parser) replaced exceljs's stream reader,
 * which dropped the text of inline rich strings, appended phonetic guides to shared strings, ignored the 1904
 * date system, left its promise unsettled on a corrupted worksheet and held a 300 MiB shared string in memory
 * several times over. See docs/IMPORT-ENGINE.md, "XLSX reader".
 *
 * This module is bundled separately (assets/inventory-handler/xlsx-reader.js) and loaded on first use, so CSV
 * imports never load it. Cell values become text:
 * - numbers rounded to 15 significant digits, as Excel displays and recalculates them (`10.450000000000001` is
 *   `10.45`); booleans `true`/`false`; shared, inline and rich text as their plain text, without phonetic guides;
 * - numbers under a date format as ISO 8601 (`YYYY-MM-DD` at midnight, else the full timestamp, UTC as Excel
 *   stores no time zone), in the workbook's date system (1900 or 1904);
 * - formulas as their cached result; a formula without one, or an error value (`#DIV/0!`), rejects the row.
 *
 * Memory: the compressed workbook (at most MAX_XLSX_BYTES), the shared-strings table (at most
 * MAX_SHARED_STRINGS_CHARS characters) and one worksheet row. XML text runs over MAX_XML_TEXT_BYTES fail the file
 * before the XML parser buffers them (a highly compressed "zip bomb" inflates to gigabytes of one string).
 * Worksheets stream: rows are never accumulated.
 */
import { createInflateRaw } from 'node:zlib';
import { SaxesParser, SaxesTagPlain } from 'saxes';
import { FileFormatError, peek, ReadAbortedError, SourceRow } from './source';

/** Largest compressed workbook read (the whole ZIP is held in memory to reach its directory). */
export const MAX_XLSX_BYTES = 256 * 1024 * 1024;
/** Largest text between two XML tags: Excel cells hold at most 32,767 characters (< 128 KiB of UTF-8). */
export const MAX_XML_TEXT_BYTES = 1024 * 1024;
/** Largest total length of the shared-strings table (the workbook's distinct strings), in characters. */
export const MAX_SHARED_STRINGS_CHARS = 64 * 1024 * 1024;

const ZIP_LOCAL = 0x04034b50;
const ZIP_CENTRAL = 0x02014b50;
const ZIP_END = 0x06054b50;
const OLE2 = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const MIB = 1024 * 1024;

/** True when an Excel number format displays a date (has d/m/y/h/s tokens outside quotes and brackets). */
export function isDateFormat(numFmt: string | undefined): boolean {
  if (!numFmt) return false;
  const stripped = formatTokens(numFmt);
  return /[dy]/i.test(stripped) || /h+:m/i.test(stripped);
}

/** A date or time format that shows a time of day and no date (`h:mm`, `hh:mm:ss AM/PM`). */
export function isTimeOnlyFormat(numFmt: string | undefined): boolean {
  if (!numFmt) return false;
  const stripped = formatTokens(numFmt);
  return /h/i.test(stripped) && !/[dy]/i.test(stripped);
}

/** A number format without its quoted text, bracketed sections (colours, locales, conditions) and escapes. */
function formatTokens(numFmt: string): string {
  return numFmt.replace(/"[^"]*"|\[[^\]]*\]|\\./g, '');
}

/** Built-in time-of-day formats (ECMA-376 Part 1, 18.8.30): h:mm AM/PM, h:mm:ss AM/PM, h:mm, h:mm:ss, mm:ss. */
const BUILTIN_TIME_FORMATS = new Set([18, 19, 20, 21, 45]);

/** Built-in number formats that display dates or times (ECMA-376 Part 1, 18.8.30, and the CJK ids). */
const BUILTIN_DATE_FORMATS = new Set([
  14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47, 50, 51, 52, 53, 54, 55, 56,
  57, 58,
]);

/** Formats a date as ISO 8601 (date only when the time is midnight UTC). */
export function formatDate(date: Date): string {
  if (Number.isNaN(date.getTime())) return '';
  const iso = date.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
}

const MS_PER_DAY = 86_400_000;

/**
 * A time of day without a date (a serial below 1 under a time-only format, such as 12:30): `HH:MM:SS`, ISO 8601's
 * time of day (with milliseconds when there are any), not a timestamp on Excel's day zero (1899-12-31T12:30:00Z).
 */
export function formatTimeOfDay(serial: number): string {
  const iso = new Date(Math.round(serial * MS_PER_DAY)).toISOString();
  return iso.endsWith('.000Z') ? iso.slice(11, 19) : iso.slice(11, 23);
}
/** 1900 system: serial 1 is 1900-01-01; Excel counts a 29 February 1900 that never was (serial 60). */
const EPOCH_1900 = Date.UTC(1899, 11, 30);
/** 1904 system: serial 0 is 1904-01-01. */
const EPOCH_1904 = Date.UTC(1904, 0, 1);

/** The date a serial number stands for in the workbook's date system. */
export function serialToDate(serial: number, date1904: boolean): Date {
  if (date1904) return new Date(EPOCH_1904 + Math.round(serial * MS_PER_DAY));
  // Serials before 1 March 1900 (< 61) sit one day later than the calendar because of the phantom 29 Feb.
  const adjusted = serial < 61 ? serial + 1 : serial;
  return new Date(EPOCH_1900 + Math.round(adjusted * MS_PER_DAY));
}

/** A cached number as Excel shows it: 15 significant digits, without binary float noise. */
export function excelNumberText(raw: string): string | undefined {
  const value = Number(raw);
  if (!Number.isFinite(value)) return undefined;
  if (value === 0) return /[1-9]/.test(raw.replace(/[eE].*$/, '')) ? raw.trim() : '0';
  return String(Number(value.toPrecision(15)));
}

interface ZipEntryInfo {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly offset: number;
}

/** Reads the ZIP central directory. */
function zipDirectory(zip: Buffer): Map<string, ZipEntryInfo> {
  const damaged =
    'the workbook is damaged or incomplete (its ZIP directory is missing; was the upload cut short?); save it again and upload it again';
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === ZIP_END) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new FileFormatError(damaged);
  const count = zip.readUInt16LE(end + 10);
  const directoryOffset = zip.readUInt32LE(end + 16);
  if (count === 0xffff || directoryOffset === 0xffffffff) {
    throw new FileFormatError('the workbook uses ZIP64 (over 4 GB); save it as CSV UTF-8 and upload that');
  }
  const entries = new Map<string, ZipEntryInfo>();
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > zip.length || zip.readUInt32LE(at) !== ZIP_CENTRAL) throw new FileFormatError(damaged);
    const nameLength = zip.readUInt16LE(at + 28);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    entries.set(name.replace(/^\//, ''), {
      name,
      method: zip.readUInt16LE(at + 10),
      compressedSize: zip.readUInt32LE(at + 20),
      size: zip.readUInt32LE(at + 24),
      offset: zip.readUInt32LE(at + 42),
    });
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return entries;
}

/** Streams the inflated bytes of one ZIP entry. */
async function* entryBytes(zip: Buffer, entry: ZipEntryInfo): AsyncGenerator<Buffer> {
  const at = entry.offset;
  if (at + 30 > zip.length || zip.readUInt32LE(at) !== ZIP_LOCAL) {
    throw new FileFormatError(`the workbook is damaged: the ZIP entry ${entry.name} is missing`);
  }
  const start = at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
  const data = zip.subarray(start, start + entry.compressedSize);
  if (data.length < entry.compressedSize)
    throw new FileFormatError(`the workbook is damaged: ${entry.name} is cut short`);
  if (entry.method === 0) {
    for (let i = 0; i < data.length; i += 64 * 1024) yield data.subarray(i, i + 64 * 1024);
    return;
  }
  if (entry.method !== 8) {
    throw new FileFormatError(
      `the workbook compresses ${entry.name} with ZIP method ${entry.method}; save it again in Excel`,
    );
  }
  const inflater = createInflateRaw({ chunkSize: 64 * 1024 });
  inflater.end(data);
  try {
    for await (const chunk of inflater as AsyncIterable<Buffer>) yield chunk;
  } finally {
    inflater.destroy();
  }
}

/**
 * Parses one XML part with saxes, feeding it inflated chunks; `onChunk` runs after each chunk (to hand out the
 * rows it completed). Text runs over MAX_XML_TEXT_BYTES fail the file before the parser buffers them.
 */
async function* parseXml<T>(
  zip: Buffer,
  entry: ZipEntryInfo,
  attach: (parser: SaxesParser, out: T[]) => void,
): AsyncGenerator<T> {
  const parser = new SaxesParser({ xmlns: false, position: false });
  const out: T[] = [];
  let failure: Error | undefined;
  parser.on('error', (err) => {
    failure ??= err;
  });
  attach(parser, out);
  const decoder = new TextDecoder('utf-8');
  let run = 0;
  const feed = (text: string): void => {
    const lastTag = text.lastIndexOf('<');
    run = lastTag < 0 ? run + text.length : text.length - lastTag;
    if (run > MAX_XML_TEXT_BYTES) {
      throw new FileFormatError(
        `the workbook holds a text of more than ${MAX_XML_TEXT_BYTES / MIB} MiB in ${entry.name} (a cell holds at most 32,767 characters); it is damaged or not a spreadsheet export`,
      );
    }
    parser.write(text);
    if (failure) throw new FileFormatError(`the workbook could not be read: ${entry.name}: ${failure.message}`);
  };
  for await (const chunk of entryBytes(zip, entry)) {
    feed(decoder.decode(chunk, { stream: true }));
    while (out.length > 0) yield out.shift() as T;
  }
  feed(decoder.decode());
  parser.close();
  if (failure)
    throw new FileFormatError(`the workbook could not be read: ${entry.name}: ${(failure as Error).message}`);
  while (out.length > 0) yield out.shift() as T;
}

async function drain(source: AsyncIterable<unknown>): Promise<void> {
  for await (const item of source) void item;
}

/** Local name of an XML element (drops a namespace prefix such as `x:`). */
const local = (name: string): string => name.slice(name.indexOf(':') + 1);

function resolveTarget(base: string, target: string): string {
  if (target.startsWith('/')) return target.slice(1);
  const parts = base.split('/').slice(0, -1);
  for (const segment of target.split('/')) {
    if (segment === '..') parts.pop();
    else if (segment !== '.') parts.push(segment);
  }
  return parts.join('/');
}

function relsPath(part: string): string {
  const slash = part.lastIndexOf('/');
  return `${part.slice(0, slash + 1)}_rels/${part.slice(slash + 1)}.rels`;
}

async function relationships(
  zip: Buffer,
  entries: Map<string, ZipEntryInfo>,
  part: string,
): Promise<Map<string, { type: string; target: string }>> {
  const rels = new Map<string, { type: string; target: string }>();
  const entry = entries.get(relsPath(part));
  if (!entry) return rels;
  await drain(
    parseXml<never>(zip, entry, (parser) =>
      parser.on('opentag', (tag: SaxesTagPlain) => {
        if (local(tag.name) === 'Relationship') {
          rels.set(String(tag.attributes.Id), {
            type: String(tag.attributes.Type ?? ''),
            target: resolveTarget(part, String(tag.attributes.Target ?? '')),
          });
        }
      }),
    ),
  );
  return rels;
}

interface Workbook {
  readonly date1904: boolean;
  readonly sheet: { readonly name: string; readonly path: string };
  readonly stylesPath?: string;
  readonly sharedStringsPath?: string;
}

async function readWorkbook(zip: Buffer, entries: Map<string, ZipEntryInfo>): Promise<Workbook> {
  const rootRels = await relationships(zip, entries, '');
  const officeDocument = [...rootRels.values()].find((r) => r.type.endsWith('/officeDocument'))?.target;
  const workbookPath = officeDocument && entries.has(officeDocument) ? officeDocument : 'xl/workbook.xml';
  const entry = entries.get(workbookPath);
  if (!entry)
    throw new FileFormatError('the file is a ZIP archive but not an XLSX workbook (it has no xl/workbook.xml)');
  let date1904 = false;
  const sheets: { name: string; id: string; hidden: boolean }[] = [];
  await drain(
    parseXml<never>(zip, entry, (parser) =>
      parser.on('opentag', (tag: SaxesTagPlain) => {
        const name = local(tag.name);
        if (name === 'workbookPr') date1904 = ['1', 'true'].includes(String(tag.attributes.date1904 ?? ''));
        if (name === 'sheet') {
          const id = Object.entries(tag.attributes).find(([k]) => local(k) === 'id')?.[1];
          const state = String(tag.attributes.state ?? 'visible');
          sheets.push({ name: String(tag.attributes.name ?? ''), id: String(id ?? ''), hidden: state !== 'visible' });
        }
      }),
    ),
  );
  const rels = await relationships(zip, entries, workbookPath);
  // A chart sheet (Excel's "Move Chart > New sheet", inserted before the data) is a tab but holds no cells: the
  // first visible tab that is a worksheet is the one to import.
  const isWorksheet = (s: { id: string }) => rels.get(s.id)?.type.endsWith('/worksheet') ?? true;
  const visible = sheets.find((s) => !s.hidden && isWorksheet(s));
  if (!visible) {
    throw new FileFormatError(
      !sheets.some(isWorksheet)
        ? 'the workbook has no worksheet'
        : 'every worksheet of the workbook is hidden; unhide the sheet to import',
    );
  }
  const path = rels.get(visible.id)?.target;
  if (!path || !entries.has(path))
    throw new FileFormatError(`the workbook is damaged: worksheet '${visible.name}' is missing`);
  const byType = (suffix: string) => [...rels.values()].find((r) => r.type.endsWith(suffix))?.target;
  const styles = byType('/styles');
  const shared = byType('/sharedStrings');
  return {
    date1904,
    sheet: { name: visible.name, path },
    stylesPath: styles && entries.has(styles) ? styles : undefined,
    sharedStringsPath: shared && entries.has(shared) ? shared : undefined,
  };
}

/** How a cell style displays numbers, where it changes the text of the value: as a date, or zero-padded. */
interface CellStyle {
  /** The number format displays a date (or time). */
  readonly date: boolean;
  /** The number format displays a time of day only (no date). */
  readonly timeOnly?: boolean;
  /** The number format is only zeros (`00000`): integers are shown padded with leading zeros to this width. */
  readonly zeroPadWidth?: number;
}

/**
 * For each cell style index, how its number format shows a number. Zero-padded formats matter because they are
 * how spreadsheets keep identifiers such as 00123 in a number cell: the file holds 123, the user sees 00123.
 */
async function readCellStyles(zip: Buffer, entry: ZipEntryInfo | undefined): Promise<CellStyle[]> {
  if (!entry) return [];
  const custom = new Map<number, string>();
  const xfs: number[] = [];
  let inCellXfs = false;
  await drain(
    parseXml<never>(zip, entry, (parser) => {
      parser.on('opentag', (tag: SaxesTagPlain) => {
        const name = local(tag.name);
        if (name === 'numFmt') custom.set(Number(tag.attributes.numFmtId), String(tag.attributes.formatCode ?? ''));
        else if (name === 'cellXfs') inCellXfs = true;
        else if (name === 'xf' && inCellXfs) xfs.push(Number(tag.attributes.numFmtId ?? 0));
      });
      parser.on('closetag', (tag) => {
        if (local(tag.name) === 'cellXfs') inCellXfs = false;
      });
    }),
  );
  return xfs.map((id) => {
    const code = custom.get(id);
    if (code === undefined) return { date: BUILTIN_DATE_FORMATS.has(id), timeOnly: BUILTIN_TIME_FORMATS.has(id) };
    // Only zeros (optionally quoted as a whole): the width of the padded integer. Built-in format 1 ('0') pads to
    // one digit, which changes nothing.
    const zeros = /^"?(0+)"?$/.exec(code.trim());
    return {
      date: isDateFormat(code),
      timeOnly: isTimeOnlyFormat(code),
      ...(zeros && zeros[1].length > 1 ? { zeroPadWidth: zeros[1].length } : {}),
    };
  });
}

/**
 * Decodes the `_xHHHH_` escapes of an OOXML string (ST_Xstring): Excel writes characters XML cannot hold that way
 * (a carriage return as `_x000D_`), and a literal `_x` followed by four hex digits as `_x005F_x...`.
 */
function decodeXString(text: string): string {
  if (!text.includes('_x')) return text;
  return text.replace(/_x([0-9A-Fa-f]{4})_/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * Attaches handlers that collect the plain text of a rich-text container (`si`, `is`): the `t` elements, directly
 * or in runs (`r`), never those inside phonetic guides (`rPh`). Returns the accessors.
 */
function textCollector() {
  let text = '';
  let inT = false;
  let phonetic = 0;
  return {
    reset: () => {
      text = '';
    },
    get text() {
      return text;
    },
    open(name: string) {
      if (name === 'rPh') phonetic++;
      else if (name === 't' && phonetic === 0) inT = true;
    },
    close(name: string) {
      if (name === 'rPh') phonetic--;
      else if (name === 't') inT = false;
    },
    add(chunk: string) {
      if (inT) text += chunk;
    },
  };
}

async function readSharedStrings(zip: Buffer, entry: ZipEntryInfo | undefined): Promise<string[]> {
  if (!entry) return [];
  const strings: string[] = [];
  let total = 0;
  const text = textCollector();
  await drain(
    parseXml<never>(zip, entry, (parser) => {
      parser.on('opentag', (tag: SaxesTagPlain) => {
        const name = local(tag.name);
        if (name === 'si') text.reset();
        else text.open(name);
      });
      parser.on('text', (chunk) => text.add(chunk));
      parser.on('cdata', (chunk) => text.add(chunk));
      parser.on('closetag', (tag) => {
        const name = local(tag.name);
        if (name === 'si') {
          total += text.text.length;
          if (total > MAX_SHARED_STRINGS_CHARS) {
            throw new FileFormatError(
              `the workbook's shared strings exceed ${MAX_SHARED_STRINGS_CHARS / MIB} Mi characters; save it as CSV UTF-8 and upload that`,
            );
          }
          strings.push(decodeXString(text.text));
        } else text.close(name);
      });
    }),
  );
  return strings;
}

/** Column number (1-based) of a cell reference such as `AB12`. */
function columnOf(ref: string): number {
  let column = 0;
  for (let i = 0; i < ref.length; i++) {
    const code = ref.charCodeAt(i);
    if (code < 65 || code > 90) break;
    column = column * 26 + (code - 64);
  }
  return column;
}

function columnName(column: number): string {
  let name = '';
  for (let n = column; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

/** Reads the rows of the first visible worksheet (header first) from a byte stream. */
export async function* readXlsx(body: AsyncIterable<Uint8Array>): AsyncGenerator<SourceRow> {
  const { head, all } = await peek(body);
  if (!head) throw new FileFormatError('the file is empty');
  if (OLE2.every((b, i) => head[i] === b)) {
    throw new FileFormatError(
      'the file is a legacy Excel 97-2003 .xls workbook, not .xlsx; open it in Excel and save it as "Excel Workbook (.xlsx)" or "CSV UTF-8"',
    );
  }
  if (head.length < 4 || head[0] !== 0x50 || head[1] !== 0x4b || head[2] !== 0x03 || head[3] !== 0x04) {
    throw new FileFormatError('the file is not an XLSX workbook (an .xlsx file is a ZIP archive; this one is not)');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of all) {
    size += chunk.length;
    if (size > MAX_XLSX_BYTES) {
      throw new FileFormatError(
        `the workbook is over ${MAX_XLSX_BYTES / MIB} MiB, the largest XLSX file the engine reads; save it as CSV UTF-8 and upload that`,
      );
    }
    chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
  }
  const zip = Buffer.concat(chunks, size);
  chunks.length = 0;
  let rows = 0;
  let lastLine = 0;
  try {
    for await (const row of readWorksheet(zip)) {
      rows++;
      lastLine = row.line;
      yield row;
    }
  } catch (err) {
    const problem =
      (err as Error).name === 'FileFormatError'
        ? (err as Error)
        : new FileFormatError(`the workbook could not be read: ${(err as Error).message}`);
    // Damage after data rows were handed out stops the import there (PARTIAL, stoppedAtLine), as for CSV.
    if (rows > 1) {
      throw new ReadAbortedError(lastLine + 1, `${problem.message}; rows from ${lastLine + 1} on were not imported`);
    }
    throw problem;
  }
}

async function* readWorksheet(zip: Buffer): AsyncGenerator<SourceRow> {
  const entries = zipDirectory(zip);
  const workbook = await readWorkbook(zip, entries);
  const styles = await readCellStyles(zip, workbook.stylesPath ? entries.get(workbook.stylesPath) : undefined);
  const shared = await readSharedStrings(
    zip,
    workbook.sharedStringsPath ? entries.get(workbook.sharedStringsPath) : undefined,
  );

  let first = true;
  let rowNumber = 0;
  let values: string[] = [];
  let problems: string[] = [];
  let cell:
    | { ref: string; column: number; type: string; style: number; value: string; formula: boolean; inV: boolean }
    | undefined;
  let lastColumn = 0;
  const inline = textCollector();
  let inInline = false;

  const finishCell = (): void => {
    if (!cell) return;
    const { ref, type, value } = cell;
    let text = '';
    let problem: string | undefined;
    if (type === 's') {
      // An empty shared-string cell (no <v>, or an empty one) is an empty cell: Number('') would be index 0.
      const index = value.trim() === '' ? undefined : Number(value);
      if (index === undefined) text = '';
      else if (!Number.isInteger(index) || index < 0 || index >= shared.length)
        problem = `cell ${ref} refers to a shared string that does not exist`;
      else text = shared[index];
    } else if (type === 'inlineStr') {
      text = decodeXString(inline.text);
    } else if (type === 'str') {
      text = decodeXString(value);
    } else if (type === 'd') {
      text = value;
    } else if (type === 'b') {
      text = value === '1' ? 'true' : value === '0' ? 'false' : value;
    } else if (type === 'e') {
      problem = `cell ${ref} holds the error value ${value}`;
    } else if (value === '') {
      if (cell.formula)
        problem = `cell ${ref} has a formula without a cached result; open and save the workbook in Excel`;
    } else if (styles[cell.style]?.date) {
      const serial = Number(value);
      text = !Number.isFinite(serial)
        ? ''
        : styles[cell.style]?.timeOnly && serial >= 0 && serial < 1
          ? formatTimeOfDay(serial)
          : formatDate(serialToDate(serial, workbook.date1904));
      if (!text) problem = `cell ${ref} is not a date`;
    } else {
      const number = excelNumberText(value);
      const width = styles[cell.style]?.zeroPadWidth;
      if (number === undefined) problem = `cell ${ref} is not a number`;
      else text = width && /^-?\d+$/.test(number) ? zeroPad(number, width) : number;
    }
    while (values.length < cell.column - 1) values.push('');
    values[cell.column - 1] = text;
    if (problem) problems.push(problem);
    lastColumn = cell.column;
    cell = undefined;
  };

  yield* parseXml<SourceRow>(zip, entries.get(workbook.sheet.path) as ZipEntryInfo, (parser, out) => {
    parser.on('opentag', (tag: SaxesTagPlain) => {
      const name = local(tag.name);
      switch (name) {
        case 'row':
          rowNumber = tag.attributes.r ? Number(tag.attributes.r) : rowNumber + 1;
          values = [];
          problems = [];
          lastColumn = 0;
          break;
        case 'c': {
          // A cell's inline string is its own: one without an <is> (t="inlineStr" and nothing else) is empty.
          inline.reset();
          const ref = String(tag.attributes.r ?? '');
          const column = ref ? columnOf(ref) : lastColumn + 1;
          cell = {
            ref: ref || `${columnName(column)}${rowNumber}`,
            column,
            type: String(tag.attributes.t ?? 'n'),
            style: Number(tag.attributes.s ?? 0),
            value: '',
            formula: false,
            inV: false,
          };
          break;
        }
        case 'v':
          if (cell) cell.inV = true;
          break;
        case 'f':
          if (cell) cell.formula = true;
          break;
        case 'is':
          inInline = true;
          inline.reset();
          break;
        default:
          if (inInline) inline.open(name);
      }
    });
    const onText = (chunk: string): void => {
      if (cell?.inV) cell.value += chunk;
      else if (inInline) inline.add(chunk);
    };
    parser.on('text', onText);
    parser.on('cdata', onText);
    parser.on('closetag', (tag) => {
      const name = local(tag.name);
      switch (name) {
        case 'v':
          if (cell) cell.inV = false;
          break;
        case 'is':
          inInline = false;
          break;
        case 'c':
          finishCell();
          break;
        case 'row': {
          const row: SourceRow =
            problems.length > 0
              ? { line: rowNumber, values, problem: problems.join('; ') }
              : { line: rowNumber, values };
          if (first && values.some((v) => v.trim() !== '')) {
            first = false;
            out.push({ ...row, sheet: workbook.sheet.name });
          } else out.push(row);
          break;
        }
        default:
          if (inInline) inline.close(name);
      }
    });
  });
  if (first) yield { line: 1, values: [], sheet: workbook.sheet.name };
}

/** An integer as a zero-only number format (`00000`) shows it: padded with leading zeros to `width` digits. */
function zeroPad(integer: string, width: number): string {
  return integer.startsWith('-') ? `-${integer.slice(1).padStart(width, '0')}` : integer.padStart(width, '0');
}
