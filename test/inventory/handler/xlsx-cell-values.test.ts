/**
 * XLSX cells whose stored text is not what the file holds at face value, end to end against the emulators: empty
 * string cells, the OOXML `_xHHHH_` escapes, numbers shown zero-padded by their format, and a chart sheet before the
 * data. The LibreOffice-written fixtures are made by scripts/make-libreoffice-fixtures.sh.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectInvariant, importFile, scanItems, useEngineHarness } from './helpers';
import { row, xlsx, zip } from './support/zip';

const harness = useEngineHarness();
const libreOffice = (name: string): Buffer => readFileSync(join(__dirname, 'fixtures', 'libreoffice', name));

describe('XLSX cell values', () => {
  test('a number shown zero-padded by its format (00000) is stored as shown, so it does not collide with another key', async () => {
    // GIVEN (written by LibreOffice) A2 = the number 123 with the format 00000, shown as 00123; A3 = the text 123
    const table = await harness.freshTable();
    // WHEN
    const report = await importFile(harness.emulators(), 'uploads/zero-padded.xlsx', libreOffice('zero-padded.xlsx'));
    // THEN two products, 00123 and 123, as the sheet shows them (not one "duplicate sku" superseding the other)
    expectInvariant(report);
    expect(report).toMatchObject({ status: 'SUCCEEDED', rowsWritten: 2, rowsRejected: 0 });
    const items = await scanItems(harness.emulators(), table);
    expect([...items.keys()].sort()).toEqual(['00123', '123']);
    expect(items.get('00123')?.name).toBe('Zero-padded SKU');
  });

  test("decodes the _xHHHH_ escapes: LibreOffice's escaped literal _x0041_ and Excel's carriage return", async () => {
    // GIVEN LibreOffice's file with the literal text "Lit _x0041_ code" (written as Lit _x005F_x0041_ code)
    const table = await harness.freshTable();
    const report = await importFile(harness.emulators(), 'uploads/formats.xlsx', libreOffice('formats.xlsx'));
    expectInvariant(report);
    const items = await scanItems(harness.emulators(), table);
    expect(items.get('00124')?.name).toBe('Lit _x0041_ code');
    expect(items.get('00123')?.name).toBe('Line one\nLine two');
    // AND a time of day (12:30, no date) is stored as a time of day, not as a timestamp on Excel's day zero
    expect(items.get('00123')?.opens).toBe('12:30:00');
    // AND a shared string, an inline string and a formula's string result as Excel writes a cell holding CR LF
    const table2 = await harness.freshTable();
    const book = xlsx({
      sheets: [
        {
          name: 'Sheet1',
          rows:
            '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>' +
            '<row r="2"><c r="A2" t="s"><v>3</v></c><c r="B2" t="s"><v>4</v></c><c r="C2"><v>1</v></c></row>' +
            '<row r="3"><c r="A3" t="inlineStr"><is><t>X-2</t></is></c><c r="B3" t="inlineStr"><is><t xml:space="preserve">Two_x000D_\nlines</t></is></c><c r="C3"><v>2</v></c></row>' +
            '<row r="4"><c r="A4" t="inlineStr"><is><t>X-3</t></is></c><c r="B4" t="str"><f>B3</f><v>Tab_x0009_here</v></c><c r="C4"><v>3</v></c></row>',
        },
      ],
      sharedStrings:
        '<si><t>sku</t></si><si><t>name</t></si><si><t>quantity</t></si><si><t>X-1</t></si>' +
        '<si><t xml:space="preserve">Line one_x000D_\nLine two</t></si>',
    });
    const report2 = await importFile(harness.emulators(), 'uploads/excel-crlf.xlsx', book);
    expect(report2).toMatchObject({ status: 'SUCCEEDED', rowsWritten: 3 });
    const items2 = await scanItems(harness.emulators(), table2);
    expect(items2.get('X-1')?.name).toBe('Line one\r\nLine two');
    expect(items2.get('X-2')?.name).toBe('Two\r\nlines');
    expect(items2.get('X-3')?.name).toBe('Tab\there');
  });

  test('an empty string cell (t="s" without a value) is empty, not the first shared string', async () => {
    // GIVEN empty shared-string cells, one without <v> and one with an empty <v>, as files re-saved by Excel hold
    const table = await harness.freshTable();
    const book = xlsx({
      sheets: [
        {
          name: 'Sheet1',
          rows:
            '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c></row>' +
            '<row r="2"><c r="A2" t="s"><v>4</v></c><c r="B2" t="s"><v>5</v></c><c r="C2"><v>1</v></c><c r="D2" s="0" t="s"/></row>' +
            '<row r="3"><c r="A3" s="0" t="s"/><c r="B3" t="s"><v>5</v></c><c r="C3"><v>2</v></c><c r="D3" t="s"><v></v></c></row>',
        },
      ],
      sharedStrings:
        '<si><t>sku</t></si><si><t>name</t></si><si><t>quantity</t></si><si><t>category</t></si><si><t>E-1</t></si><si><t>Bolt</t></si>',
    });
    // WHEN
    const report = await importFile(harness.emulators(), 'uploads/empty-s.xlsx', book);
    // THEN E-1 has no category, and line 3 (no sku) is rejected, not written as the product "sku"
    expectInvariant(report);
    expect(report).toMatchObject({ rowsWritten: 1, rowsRejected: 1 });
    expect(report.errors).toEqual([expect.objectContaining({ line: 3 })]);
    const items = await scanItems(harness.emulators(), table);
    expect([...items.keys()]).toEqual(['E-1']);
    expect(items.get('E-1')).toEqual({ sku: 'E-1', name: 'Bolt', quantity: 1 });
  });

  test('an empty inline-string cell (t="inlineStr" without <is>) is empty, not the previous inline string', async () => {
    const table = await harness.freshTable();
    const book = xlsx({
      sheets: [
        {
          name: 'Sheet1',
          rows:
            row(1, ['sku', 'name', 'quantity', 'category']) +
            '<row r="2"><c r="A2" t="inlineStr"><is><t>I-1</t></is></c><c r="B2" t="inlineStr"><is><t>Bolt</t></is></c><c r="C2"><v>1</v></c><c r="D2" t="inlineStr"/></row>' +
            '<row r="3"><c r="A3" t="inlineStr"/><c r="B3" t="inlineStr"><is><t>Nut</t></is></c><c r="C3"><v>2</v></c></row>',
        },
      ],
    });
    const report = await importFile(harness.emulators(), 'uploads/empty-inline.xlsx', book);
    expectInvariant(report);
    expect(report).toMatchObject({ rowsWritten: 1, rowsRejected: 1 });
    const items = await scanItems(harness.emulators(), table);
    expect([...items.keys()]).toEqual(['I-1']);
    expect(items.get('I-1')).toEqual({ sku: 'I-1', name: 'Bolt', quantity: 1 });
  });

  test('imports the first visible worksheet when a chart sheet comes first', async () => {
    // GIVEN a workbook whose first tab is a chart sheet (Excel's "Move Chart > New sheet" puts it before the data)
    const table = await harness.freshTable();
    const NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
    const R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"';
    const RELS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
    const x = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
    const cell = (ref: string, text: string) => `<c r="${ref}" t="inlineStr"><is><t>${text}</t></is></c>`;
    const book = zip([
      {
        name: '[Content_Types].xml',
        data: `${x}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/chartsheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.chartsheet+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`,
      },
      {
        name: '_rels/.rels',
        data: `${x}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
      },
      {
        name: 'xl/workbook.xml',
        data: `${x}<workbook ${NS} ${R}><workbookPr/><sheets><sheet name="Chart1" sheetId="2" r:id="rId2"/><sheet name="Stock" sheetId="1" r:id="rId1"/></sheets></workbook>`,
      },
      {
        name: 'xl/_rels/workbook.xml.rels',
        data: `${x}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${RELS}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="${RELS}/chartsheet" Target="chartsheets/sheet1.xml"/></Relationships>`,
      },
      {
        name: 'xl/chartsheets/sheet1.xml',
        data: `${x}<chartsheet ${NS} ${R}><sheetPr/><sheetViews><sheetView workbookViewId="0"/></sheetViews><drawing r:id="rId1"/></chartsheet>`,
      },
      {
        name: 'xl/worksheets/sheet1.xml',
        data: `${x}<worksheet ${NS} ${R}><sheetData><row r="1">${cell('A1', 'sku')}${cell('B1', 'name')}${cell('C1', 'quantity')}</row><row r="2">${cell('A2', 'C-1')}${cell('B2', 'One')}<c r="C2"><v>1</v></c></row></sheetData></worksheet>`,
      },
    ]);
    // WHEN
    const report = await importFile(harness.emulators(), 'uploads/chart-first.xlsx', book);
    // THEN the data sheet is imported
    expect(report).toMatchObject({ status: 'SUCCEEDED', rowsWritten: 1 });
    expect([...(await scanItems(harness.emulators(), table)).keys()]).toEqual(['C-1']);
  });
});
