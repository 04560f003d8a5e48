/**
 * Workbooks written by LibreOffice (7.4), not by this repository's code: the fixtures in fixtures/libreoffice/ were
 * made by scripts/make-libreoffice-fixtures.sh (re-saving a workbook, converting a flat ODS file and CSV files),
 * and are committed. Each runs through the TypeScript source and the shipped bundle (a fresh process, as Lambda
 * runs it) against dynalite and s3rver.
 *
 * What LibreOffice writes differently from Excel, and these files carry: every string as a shared string (inline
 * strings become shared ones), rich text as runs with their fonts, sheets named through relationship ids that do
 * not follow sheet order (rId2 for sheet1), `date1904="true"` (not "1"), an explicit `t="n"` on numbers, float
 * noise already rounded away (10.450000000000001 is written 10.45), phonetic guides dropped, cells of a blank
 * header left out, and U+FFFD in the text when a CSV was opened in the wrong character set.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImportReport } from '../../../lib/inventory/handler/report';
import { expectInvariant, readRejectedCsv, s3Event, scanItems, upload, useEngineHarness } from './helpers';
import { invoke, Outcome, RUNTIMES } from './support/bundle-runner';

const h = useEngineHarness();
const FIXTURES = join(__dirname, 'fixtures', 'libreoffice');

function report(outcome: Outcome): ImportReport {
  if (outcome.kind !== 'result') throw new Error(`expected a report, got ${JSON.stringify(outcome)}`);
  return outcome.result as ImportReport;
}

describe.each(RUNTIMES)('workbooks written by LibreOffice (%s)', (runtime) => {
  const run = async (fixture: string): Promise<ImportReport> => {
    const key = `uploads/libreoffice-${runtime}-${fixture}`;
    await upload(h.emulators(), key, readFileSync(join(FIXTURES, fixture)));
    const result = report(await invoke(runtime, s3Event(key)));
    expectInvariant(result);
    return result;
  };

  test('a re-saved workbook: hidden first sheet skipped, 1904 dates, no phonetic guide, rich text whole', async () => {
    // GIVEN resaved.xlsx: Lookup (hidden) then Stock; date1904; '東京タワー' had a furigana guide; R-2's name was an
    // inline string of three runs (LibreOffice made it a shared string with three runs)
    const table = await h.freshTable();

    // WHEN
    const result = await run('resaved.xlsx');

    // THEN
    expect(result).toMatchObject({ status: 'SUCCEEDED', sheet: 'Stock', rowsTotal: 2, rowsWritten: 2 });
    const items = await scanItems(h.emulators(), table);
    expect(items.get('R-1')).toEqual({
      sku: 'R-1',
      name: '東京タワー',
      quantity: 1,
      price: 10.45,
      received: '2024-01-01',
    });
    // serial 0 is the first day of the 1904 system
    expect(items.get('R-2')).toEqual({
      sku: 'R-2',
      name: 'Inline rich text',
      quantity: 2,
      price: 0.3,
      received: '1904-01-01',
    });
  });

  test('a converted flat ODS file: rich text span, 1904 null date, and a value under a blank header cell', async () => {
    // GIVEN from-fods.xlsx: LO-1 has a bold span in its name; LO-2 has 'note' in column F, whose header cell is
    // blank (and left out of the file by LibreOffice)
    const table = await h.freshTable();

    // WHEN
    const result = await run('from-fods.xlsx');

    // THEN LO-1 loads as the spreadsheet shows it; LO-2 is rejected instead of losing its note
    expect(result).toMatchObject({ status: 'PARTIAL', sheet: 'Stock', rowsTotal: 2, rowsWritten: 1, rowsRejected: 1 });
    expect(result.errors).toEqual([
      {
        line: 3,
        sku: 'LO-2',
        // LibreOffice leaves a blank cell at the end of the header row out, so the header has five columns
        reason: 'the row has 6 values but the header has 5 columns',
      },
    ]);
    const items = await scanItems(h.emulators(), table);
    expect(items.get('LO-1')).toEqual({
      sku: 'LO-1',
      name: 'Plain bold end',
      quantity: 3,
      price: 10.45,
      received: '2024-01-01',
    });
    expect(await readRejectedCsv(h.emulators(), `uploads/libreoffice-${runtime}-from-fods.xlsx`)).toContain(
      'LO-2,Under blank,1,0.3,,note,3,',
    );
  });

  test('a Windows-1252 CSV opened in the right character set: the umlauts of a header survive', async () => {
    const table = await h.freshTable();
    const result = await run('windows-1252.xlsx');
    expect(result).toMatchObject({ status: 'SUCCEEDED', rowsWritten: 1 });
    expect((await scanItems(h.emulators(), table)).get('W-1')).toEqual({
      sku: 'W-1',
      name: 'Café crème',
      quantity: 2,
      price: 3.5,
      Größe: 'XL',
    });
  });

  test('fails when the header holds U+FFFD (a CSV opened in the wrong character set): no mangled attribute names', async () => {
    // GIVEN mojibake.xlsx: LibreOffice read Windows-1252 bytes as UTF-8 and wrote 'Gr\uFFFD\uFFFDe'
    const table = await h.freshTable();

    // WHEN
    const result = await run('mojibake.xlsx');

    // THEN the file fails on its header, naming the column, and nothing reaches the table
    expect(result).toMatchObject({ status: 'FAILED', rowsWritten: 0 });
    expect(result.errors[0]).toMatchObject({ line: 1 });
    expect(result.errors[0].reason).toContain("column 5 reads 'Gr\uFFFD\uFFFDe'");
    expect((await scanItems(h.emulators(), table)).size).toBe(0);
  });

  test('a sheet of shared strings: 3,000 rows, every text cell a shared string', async () => {
    const table = await h.freshTable();
    const result = await run('shared-strings.xlsx');
    expect(result).toMatchObject({ status: 'SUCCEEDED', rowsTotal: 3000, rowsWritten: 3000, rowsRejected: 0 });
    const items = await scanItems(h.emulators(), table);
    expect(items.size).toBe(3000);
    expect(items.get('SS-00007')).toEqual({
      sku: 'SS-00007',
      name: 'Safety glasses',
      quantity: 7,
      price: 7.25,
      category: 'hand tools',
      location: 'Aisle 7',
    });
  }, 120_000);
});
