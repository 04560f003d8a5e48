/**
 * Builds XLSX workbooks from their XML parts, byte for byte as a spreadsheet program writes them, so a test can
 * hold exactly the construct it is about (a 1904 date system, phonetic guides, inline rich text, a hidden sheet)
 * without a spreadsheet program on the test machine. The parts in `xlsxParts` follow what Excel and LibreOffice
 * write (ECMA-376 Part 1, SpreadsheetML).
 */
import { constants, crc32, deflateRawSync } from 'node:zlib';

/** Data already compressed (raw deflate), with the CRC-32 and the size of what it inflates to. */
export interface Deflated {
  readonly deflated: Buffer;
  readonly crc: number;
  readonly size: number;
}

export interface ZipEntry {
  readonly name: string;
  readonly data: Buffer | string | Deflated;
  /** 0 (stored) or 8 (deflate, the default). Deflated data is always 8. */
  readonly method?: 0 | 8;
}

/**
 * `prefix`, then `unit` `count` times, then `suffix`, deflated without ever holding the whole: each part is
 * compressed once with a full flush (it ends byte-aligned and nothing after it refers back into it), so the
 * unit's compressed bytes can be repeated, and only the suffix ends the stream. The result is ordinary raw
 * deflate that inflates to exactly those bytes; for entries too big to build in memory (a zip bomb).
 */
export function deflateRepeated(prefix: Buffer, unit: Buffer, count: number, suffix: Buffer): Deflated {
  const flush = { finishFlush: constants.Z_FULL_FLUSH };
  const unitDeflated = deflateRawSync(unit, flush);
  let crc = crc32(prefix);
  for (let i = 0; i < count; i++) crc = crc32(unit, crc);
  crc = crc32(suffix, crc);
  return {
    deflated: Buffer.concat([
      deflateRawSync(prefix, flush),
      ...Array.from({ length: count }, () => unitDeflated),
      deflateRawSync(suffix),
    ]),
    crc,
    size: prefix.length + unit.length * count + suffix.length,
  };
}

function isDeflated(data: ZipEntry['data']): data is Deflated {
  return typeof data === 'object' && !Buffer.isBuffer(data);
}

/** A ZIP archive (no data descriptors, no ZIP64). */
export function zip(entries: readonly ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const given = entry.data;
    const raw = isDeflated(given) ? undefined : typeof given === 'string' ? Buffer.from(given, 'utf8') : given;
    const method = raw ? (entry.method ?? 8) : 8;
    const data = raw ? (method === 8 ? deflateRawSync(raw) : raw) : (given as Deflated).deflated;
    const size = raw ? raw.length : (given as Deflated).size;
    const name = Buffer.from(entry.name, 'utf8');
    const crc = raw ? crc32(raw) : (given as Deflated).crc;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, data);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

export interface SheetSpec {
  readonly name: string;
  /** `<sheetData>` content. */
  readonly rows: string;
  readonly state?: 'hidden' | 'veryHidden';
}

export interface WorkbookSpec {
  readonly sheets: readonly SheetSpec[];
  /** `<sst>` content (the `<si>` elements). */
  readonly sharedStrings?: string;
  readonly date1904?: boolean;
  /** `<cellXfs>` number format ids (index = style id). @default [0, 14] (general, a date) */
  readonly cellXfs?: readonly number[];
  /** Put the worksheets before the shared strings in the archive, as Excel does. @default true */
  readonly sheetsFirst?: boolean;
}

const NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
const REL_NS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"';
const RELS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

/** The XLSX bytes of a workbook spec. */
export function xlsx(spec: WorkbookSpec): Buffer {
  const xml = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
  const sheets = spec.sheets.map((sheet, i) => ({
    entry: {
      name: `xl/worksheets/sheet${i + 1}.xml`,
      data: `${xml}<worksheet ${NS} ${REL_NS}><sheetData>${sheet.rows}</sheetData></worksheet>`,
    },
    element: `<sheet name="${sheet.name}" sheetId="${i + 1}"${sheet.state ? ` state="${sheet.state}"` : ''} r:id="rId${i + 1}"/>`,
    rel: `<Relationship Id="rId${i + 1}" Type="${RELS}/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`,
  }));
  const n = spec.sheets.length;
  const xfs = (spec.cellXfs ?? [0, 14]).map(
    (id) => `<xf numFmtId="${id}" fontId="0" fillId="0" borderId="0" xfId="0"${id ? ' applyNumberFormat="1"' : ''}/>`,
  );
  const shared: ZipEntry[] =
    spec.sharedStrings === undefined
      ? []
      : [{ name: 'xl/sharedStrings.xml', data: `${xml}<sst ${NS}>${spec.sharedStrings}</sst>` }];
  const parts: ZipEntry[] = [
    {
      name: '[Content_Types].xml',
      data: `${xml}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>`,
    },
    {
      name: '_rels/.rels',
      data: `${xml}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    },
    {
      name: 'xl/workbook.xml',
      data: `${xml}<workbook ${NS} ${REL_NS}><workbookPr${spec.date1904 ? ' date1904="1"' : ''}/><sheets>${sheets.map((s) => s.element).join('')}</sheets></workbook>`,
    },
    {
      name: 'xl/_rels/workbook.xml.rels',
      data: `${xml}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${sheets.map((s) => s.rel).join('')}<Relationship Id="rId${n + 1}" Type="${RELS}/styles" Target="styles.xml"/><Relationship Id="rId${n + 2}" Type="${RELS}/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
    },
    {
      name: 'xl/styles.xml',
      data: `${xml}<styleSheet ${NS}><cellXfs count="${xfs.length}">${xfs.join('')}</cellXfs></styleSheet>`,
    },
  ];
  const sheetEntries = sheets.map((s) => s.entry);
  return zip(
    spec.sheetsFirst === false ? [...parts, ...shared, ...sheetEntries] : [...parts, ...sheetEntries, ...shared],
  );
}

/** A row of inline-string / number cells: strings become `t="inlineStr"`, numbers `<v>`. */
export function row(r: number, cells: readonly (string | number | undefined)[]): string {
  const letters = (i: number): string =>
    i < 26 ? String.fromCharCode(65 + i) : letters(Math.floor(i / 26) - 1) + String.fromCharCode(65 + (i % 26));
  const body = cells
    .map((value, i) => {
      const ref = `${letters(i)}${r}`;
      if (value === undefined) return '';
      if (typeof value === 'number') return `<c r="${ref}"><v>${value}</v></c>`;
      return `<c r="${ref}" t="inlineStr"><is><t xml:space="preserve">${escapeXml(value)}</t></is></c>`;
    })
    .join('');
  return `<row r="${r}">${body}</row>`;
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
