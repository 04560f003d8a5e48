/**
 * XLSX files that the stream reader used to get wrong or never answer for, run through the TypeScript source
 * and through the shipped bundle (a fresh process per invocation, as Lambda runs it), against dynalite and s3rver.
 * Workbooks are assembled from their XML parts (support/zip.ts) so each holds exactly the construct under test.
 */
import { crc32, inflateRawSync } from 'node:zlib';
import type { ImportReport } from '../../../lib/inventory/handler/report';
import { readReport, s3Event, scanItems, upload, useEngineHarness } from './helpers';
import { invoke, Outcome, RUNTIMES } from './support/bundle-runner';
import { deflateRepeated, escapeXml, row, xlsx, zip } from './support/zip';

const h = useEngineHarness();

const HEADER = row(1, ['sku', 'name', 'quantity', 'price', 'received']);

/**
 * A 300 KB workbook whose shared strings inflate to 300 MiB of one string, built once for both runtimes (the tests
 * only read it) and compressed without holding the 300 MiB (support/zip.ts deflateRepeated).
 */
let zipBombFile: Buffer | undefined;
function zipBomb(): Buffer {
  zipBombFile ??= zip([
    {
      name: '[Content_Types].xml',
      data: '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
    },
    {
      name: 'xl/workbook.xml',
      data: '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
    },
    {
      name: 'xl/_rels/workbook.xml.rels',
      data: '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
    },
    {
      name: 'xl/sharedStrings.xml',
      data: deflateRepeated(
        Buffer.from(
          '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>',
        ),
        Buffer.alloc(1024 * 1024, 0x41),
        300,
        Buffer.from('</t></si></sst>'),
      ),
    },
    {
      name: 'xl/worksheets/sheet1.xml',
      data: `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${HEADER}<row r="2"><c r="A2" t="s"><v>0</v></c></row></sheetData></worksheet>`,
    },
  ]);
  return zipBombFile;
}

function report(outcome: Outcome): ImportReport {
  if (outcome.kind !== 'result') throw new Error(`expected a report, got ${JSON.stringify(outcome)}`);
  return outcome.result as ImportReport;
}

describe.each(RUNTIMES)('XLSX fidelity (%s)', (runtime) => {
  const run = async (key: string, body: Buffer | string, remainingMs = 60_000): Promise<Outcome> => {
    await upload(h.emulators(), key, body);
    return invoke(runtime, s3Event(key), remainingMs);
  };

  test('a 1904-date-system workbook gives the dates the spreadsheet shows', async () => {
    // GIVEN a workbook in the 1904 date system (Excel for Mac before 2011) with a date-formatted cell: serial
    // 43830 is 2024-01-01 there (45292 in the 1900 system)
    const table = await h.freshTable();
    const file = xlsx({
      date1904: true,
      sheets: [
        {
          name: 'Stock',
          rows: HEADER + row(2, ['D-1', 'Dated', 1, 2]).replace('</row>', '<c r="E2" s="1"><v>43830</v></c></row>'),
        },
      ],
    });
    // WHEN
    const result = report(await run(`uploads/1904-${runtime}.xlsx`, file));
    // THEN
    expect(result).toMatchObject({ status: 'SUCCEEDED', rowsWritten: 1 });
    expect((await scanItems(h.emulators(), table)).get('D-1')).toMatchObject({ received: '2024-01-01' });
  });

  test('phonetic guides (rPh) in shared strings are not part of the text', async () => {
    // GIVEN a Japanese name with its furigana reading, as Excel stores it in the shared strings
    const table = await h.freshTable();
    const file = xlsx({
      sharedStrings:
        '<si><t>東京タワー</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh><phoneticPr fontId="1"/></si>' +
        '<si><r><t>Bold </t></r><r><rPr><b/></rPr><t>run</t></r><rPh sb="0" eb="1"><t>ボ</t></rPh></si>',
      sheets: [
        {
          name: 'Stock',
          rows:
            HEADER +
            '<row r="2"><c r="A2" t="inlineStr"><is><t>P-1</t></is></c><c r="B2" t="s"><v>0</v></c><c r="C2"><v>1</v></c></row>' +
            '<row r="3"><c r="A3" t="inlineStr"><is><t>P-2</t></is></c><c r="B3" t="s"><v>1</v></c><c r="C3"><v>2</v></c></row>',
        },
      ],
    });
    // WHEN
    const result = report(await run(`uploads/rph-${runtime}.xlsx`, file));
    // THEN
    expect(result).toMatchObject({ status: 'SUCCEEDED', rowsWritten: 2 });
    const items = await scanItems(h.emulators(), table);
    expect(items.get('P-1')?.name).toBe('東京タワー');
    expect(items.get('P-2')?.name).toBe('Bold run');
  });

  test('inline rich text (inlineStr with runs) keeps every run', async () => {
    // GIVEN an inline string made of formatted runs
    const table = await h.freshTable();
    const file = xlsx({
      sheets: [
        {
          name: 'Stock',
          rows:
            HEADER +
            '<row r="2"><c r="A2" t="inlineStr"><is><t>R-1</t></is></c><c r="B2" t="inlineStr"><is><r><t xml:space="preserve">Rich </t></r><r><rPr><b/></rPr><t>text</t></r></is></c><c r="C2"><v>3</v></c></row>',
        },
      ],
    });
    // WHEN
    const result = report(await run(`uploads/inline-rich-${runtime}.xlsx`, file));
    // THEN
    expect(result).toMatchObject({ status: 'SUCCEEDED', rowsWritten: 1 });
    expect((await scanItems(h.emulators(), table)).get('R-1')?.name).toBe('Rich text');
  });

  test('cached numbers carrying binary float noise are stored as the spreadsheet shows them (15 digits)', async () => {
    // GIVEN cached values 10.450000000000001 and 0.30000000000000004 (Excel shows 10.45 and 0.3)
    const table = await h.freshTable();
    const file = xlsx({
      sheets: [
        {
          name: 'Stock',
          rows:
            HEADER +
            row(2, ['F-1', 'Noisy', 1]).replace('</row>', '<c r="D2"><v>10.450000000000001</v></c></row>') +
            row(3, ['F-2', 'Noisier', 1]).replace('</row>', '<c r="D3"><v>0.30000000000000004</v></c></row>'),
        },
      ],
    });
    // WHEN
    const result = report(await run(`uploads/noise-${runtime}.xlsx`, file));
    // THEN
    expect(result).toMatchObject({ status: 'SUCCEEDED', rowsWritten: 2 });
    const items = await scanItems(h.emulators(), table);
    expect(items.get('F-1')?.price).toBe(10.45);
    expect(items.get('F-2')?.price).toBe(0.3);
  });

  test('a number that underflows is rejected, not stored as 0', async () => {
    // GIVEN a cached value too small for a double (and for DynamoDB's 1E-130 floor)
    const table = await h.freshTable();
    const file = xlsx({
      sheets: [
        {
          name: 'Stock',
          rows: HEADER + row(2, ['U-1', 'Tiny', 1]).replace('</row>', '<c r="D2"><v>1E-400</v></c></row>'),
        },
      ],
    });
    // WHEN
    const result = report(await run(`uploads/underflow-${runtime}.xlsx`, file));
    // THEN
    expect(result).toMatchObject({ status: 'FAILED', rowsRejected: 1 });
    expect(result.errors).toEqual([
      { line: 2, sku: 'U-1', reason: "price '1E-400' is too small for DynamoDB (non-zero magnitudes start at 1E-130)" },
    ]);
    expect((await scanItems(h.emulators(), table)).size).toBe(0);
  });

  test('a hidden first sheet is skipped and the report names the sheet read', async () => {
    // GIVEN a workbook whose first sheet is hidden (a lookup table) and whose second is the data
    const table = await h.freshTable();
    const file = xlsx({
      sheets: [
        { name: 'Lookups', state: 'hidden', rows: row(1, ['code', 'meaning']) + row(2, ['A', 'Active']) },
        { name: 'Stock', rows: HEADER + row(2, ['H-1', 'Visible', 4]) },
      ],
    });
    // WHEN
    const result = report(await run(`uploads/hidden-${runtime}.xlsx`, file));
    // THEN
    expect(result).toMatchObject({ status: 'SUCCEEDED', rowsWritten: 1, sheet: 'Stock' });
    expect([...(await scanItems(h.emulators(), table)).keys()]).toEqual(['H-1']);
  });

  test.each([
    [
      'a CSV renamed .xlsx',
      () => Buffer.from('sku,name,quantity\nA,B,1\n'),
      'the file is not an XLSX workbook (an .xlsx file is a ZIP archive; this one is not)',
    ],
    [
      'a legacy .xls (OLE2) renamed .xlsx',
      () => Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504)]),
      'the file is a legacy Excel 97-2003 .xls workbook, not .xlsx; open it in Excel and save it as "Excel Workbook (.xlsx)" or "CSV UTF-8"',
    ],
    [
      'a truncated workbook',
      () => xlsx({ sheets: [{ name: 'S', rows: HEADER + row(2, ['T-1', 'Cut', 1]) }] }).subarray(0, 700),
      'the workbook is damaged or incomplete (its ZIP directory is missing; was the upload cut short?); save it again and upload it again',
    ],
    [
      'a ZIP that is not a workbook (a .docx renamed)',
      () => zip([{ name: 'word/document.xml', data: '<w:document/>' }]),
      'the file is a ZIP archive but not an XLSX workbook (it has no xl/workbook.xml)',
    ],
    [
      'a workbook whose worksheet XML is malformed',
      () => xlsx({ sheets: [{ name: 'S', rows: HEADER + '<row r="2"><c r="A2"><v>1</c></row>' }] }),
      'the workbook could not be read: xl/worksheets/sheet1.xml: unexpected close tag.',
    ],
  ])('%s ends in a FAILED report, not a retry', async (_what, bytes, reason) => {
    // GIVEN
    const table = await h.freshTable();
    const key = `uploads/broken-${runtime}-${_what.replace(/\W+/g, '-')}.xlsx`;
    // WHEN
    const outcome = await run(key, bytes());
    // THEN the invocation succeeds with a FAILED report naming the problem, also written to S3
    expect(report(outcome)).toMatchObject({ status: 'FAILED', rowsTotal: 0, reason });
    expect(await readReport(h.emulators(), key)).toMatchObject({ status: 'FAILED', reason });
    expect((await scanItems(h.emulators(), table)).size).toBe(0);
  });

  test('a workbook with a corrupted worksheet settles with a FAILED report', async () => {
    // GIVEN a workbook whose worksheet's compressed bytes are damaged (the directory is intact)
    await h.freshTable();
    const good = xlsx({ sheets: [{ name: 'S', rows: HEADER + row(2, ['C-1', 'Corrupt', 1]) }] });
    const at = good.indexOf('xl/worksheets/sheet1.xml') + 'xl/worksheets/sheet1.xml'.length;
    const bad = Buffer.from(good);
    for (let i = at + 4; i < at + 40; i++) bad[i] = 0xff;
    // WHEN
    const outcome = await run(`uploads/corrupt-${runtime}.xlsx`, bad);
    // THEN
    expect(outcome.kind).toBe('result');
    expect(report(outcome)).toMatchObject({ status: 'FAILED', rowsWritten: 0 });
    expect(report(outcome).reason).toMatch(/^the workbook could not be read: /);
  });

  test('a worksheet damaged after thousands of rows stops there: PARTIAL, with where it stopped', async () => {
    // GIVEN 3,000 good rows, then malformed XML
    const table = await h.freshTable();
    const rows = Array.from({ length: 3000 }, (_, i) => row(i + 2, [`W-${i}`, `Row ${i}`, i])).join('');
    const file = xlsx({ sheets: [{ name: 'S', rows: HEADER + rows + '<row r="3002"><c r="A3002"><v>1</c></row>' }] });
    // WHEN
    const result = report(await run(`uploads/damaged-late-${runtime}.xlsx`, file));
    // THEN the rows before the damage that were handed out are accounted for; the rest is named as not read
    expect(result).toMatchObject({ status: 'PARTIAL', complete: false });
    expect(result.rowsWritten).toBeGreaterThan(0);
    expect(result.rowsTotal).toBe(result.rowsWritten + result.rowsRejected);
    expect(result.stoppedAtLine).toBe(result.rowsTotal + 2);
    expect(result.reason).toBe(
      `the workbook could not be read: xl/worksheets/sheet1.xml: unexpected close tag.; rows from ${result.stoppedAtLine} on were not imported`,
    );
    expect((await scanItems(h.emulators(), table)).size).toBe(result.rowsWritten);
  });

  test('a zip bomb (one huge shared string) fails with a report within the documented memory limit', async () => {
    // GIVEN a 300 KB workbook whose shared strings inflate to 300 MiB of one string
    await h.freshTable();
    const file = zipBomb();
    expect(file.length).toBeLessThan(1024 * 1024);
    // WHEN
    const outcome = await run(`uploads/bomb-${runtime}.xlsx`, file, 120_000);
    // THEN
    expect(report(outcome)).toMatchObject({
      status: 'FAILED',
      reason:
        'the workbook holds a text of more than 1 MiB in xl/sharedStrings.xml (a cell holds at most 32,767 characters); it is damaged or not a spreadsheet export',
    });
    if (runtime === 'bundle') expect(outcome.peakRssMiB).toBeLessThan(400);
  }, 120_000);
});

describe('XLSX header text', () => {
  test('escapeXml keeps test workbooks well formed', () => {
    expect(escapeXml('a<b>&"c"')).toBe('a&lt;b&gt;&amp;&quot;c&quot;');
  });
});

describe('test workbooks (support/zip.ts)', () => {
  test('deflateRepeated inflates to exactly prefix + unit x count + suffix, with their CRC-32 and size', () => {
    const [prefix, unit, suffix] = [Buffer.from('<t>'), Buffer.from('AB'.repeat(40_000)), Buffer.from('</t>')];
    const whole = Buffer.concat([prefix, ...Array.from({ length: 5 }, () => unit), suffix]);
    const made = deflateRepeated(prefix, unit, 5, suffix);
    expect(inflateRawSync(made.deflated).equals(whole)).toBe(true);
    expect(made).toMatchObject({ crc: crc32(whole), size: whole.length });
  });
});
