/**
 * CSV files that used to lose rows or change values silently: mixed line endings, values under a blank header
 * cell, headers that are not UTF-8 or hide invisible characters, semicolon- and tab-separated exports, and the
 * rejected-rows CSV uploaded again after it was fixed. Each runs through the TypeScript source and the shipped
 * bundle (a fresh process per invocation) against dynalite and s3rver.
 */
import { parse } from 'csv-parse/sync';
import type { ImportReport } from '../../../lib/inventory/handler/report';
import { readRejectedCsv, s3Event, scanItems, upload, useEngineHarness } from './helpers';
import { invoke, Outcome, RUNTIMES } from './support/bundle-runner';

const h = useEngineHarness();

function report(outcome: Outcome): ImportReport {
  if (outcome.kind !== 'result') throw new Error(`expected a report, got ${JSON.stringify(outcome)}`);
  return outcome.result as ImportReport;
}

describe.each(RUNTIMES)('CSV fidelity (%s)', (runtime) => {
  const run = async (key: string, body: Buffer | string): Promise<ImportReport> => {
    await upload(h.emulators(), key, body);
    return report(await invoke(runtime, s3Event(key)));
  };

  test('a CRLF header with LF rows is read row by row', async () => {
    // GIVEN a header ending in CRLF (as Excel writes it) and rows appended with LF (by a script)
    const table = await h.freshTable();
    // WHEN
    const result = await run(
      `uploads/crlf-lf-${runtime}.csv`,
      'sku,name,quantity\r\nA-1,One,1\nA-2,Two,2\nA-3,Three,-3\n',
    );
    // THEN three rows, the bad one on line 4
    expect(result).toMatchObject({ status: 'PARTIAL', rowsTotal: 3, rowsWritten: 2, rowsRejected: 1 });
    expect(result.errors).toEqual([{ line: 4, sku: 'A-3', reason: 'quantity must not be negative; received -3' }]);
    expect([...(await scanItems(h.emulators(), table)).keys()].sort()).toEqual(['A-1', 'A-2']);
  });

  test('mixed CRLF, LF and lone CR endings give the right line numbers', async () => {
    // GIVEN every kind of line ending, a blank line and a quoted field spanning a line
    const table = await h.freshTable();
    const csv = 'sku,name,quantity\rM-1,One,1\r\nM-2,"Two\nlines",2\n\r\nM-3,Bad,x\rM-4,Four,4\nM-5,Bad,-5\r\n';
    // WHEN
    const result = await run(`uploads/mixed-endings-${runtime}.csv`, csv);
    // THEN lines: 1 header, 2 M-1, 3-4 M-2, 5 blank, 6 M-3, 7 M-4, 8 M-5
    expect(result).toMatchObject({ rowsTotal: 5, rowsWritten: 3, rowsRejected: 2 });
    expect(result.errors).toEqual([
      { line: 6, sku: 'M-3', reason: "quantity must be a whole number; received 'x'" },
      { line: 8, sku: 'M-5', reason: 'quantity must not be negative; received -5' },
    ]);
    expect((await scanItems(h.emulators(), table)).get('M-2')?.name).toBe('Two\nlines');
  });

  test('a value under a blank header cell rejects its row instead of vanishing', async () => {
    // GIVEN a column whose header cell is blank, with a value in one row
    const table = await h.freshTable();
    // WHEN
    const result = await run(`uploads/blank-header-${runtime}.csv`, 'sku,name,,quantity\nB-1,One,,1\nB-2,Two,note,2\n');
    // THEN
    expect(result).toMatchObject({ status: 'PARTIAL', rowsWritten: 1, rowsRejected: 1 });
    expect(result.errors).toEqual([
      {
        line: 3,
        sku: 'B-2',
        reason:
          "column 3 has no header but this row has a value there ('note'); name the column in the header row or delete it",
      },
    ]);
    expect([...(await scanItems(h.emulators(), table)).keys()]).toEqual(['B-1']);
  });

  test('a header that is not UTF-8 fails the file naming the encoding', async () => {
    // GIVEN a Windows-1252 export: "Größe" as single bytes
    const table = await h.freshTable();
    const bytes = Buffer.concat([
      Buffer.from('sku,name,quantity,Gr'),
      Buffer.from([0xf6, 0xdf]),
      Buffer.from('e\nW-1,One,1,XL\n'),
    ]);
    // WHEN
    const result = await run(`uploads/latin1-${runtime}.csv`, bytes);
    // THEN
    expect(result).toMatchObject({
      status: 'FAILED',
      rowsTotal: 0,
      reason:
        'the header row is not valid UTF-8 (column 4 reads \'Gr\ufffd\ufffde\'); the file is probably in a legacy encoding such as Windows-1252: save it as "CSV UTF-8" and upload it again',
    });
    expect(result.errors[0].line).toBe(1);
    expect((await scanItems(h.emulators(), table)).size).toBe(0);
  });

  test.each([
    [
      'UTF-16LE with a BOM',
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('sku,name,quantity\r\nE-1,One,1\r\n', 'utf16le')]),
      'the file is not CSV text: it looks like UTF-16 text; save it as "CSV UTF-8"',
    ],
    [
      'UTF-16LE without a BOM',
      Buffer.from('sku,name,quantity\r\nE-1,One,1\r\n', 'utf16le'),
      'the file is not CSV text: it looks like UTF-16 text without a byte order mark; save it as "CSV UTF-8"',
    ],
  ])('%s fails the file naming the encoding', async (_what, bytes, reason) => {
    // GIVEN "Unicode text" saved by Excel
    await h.freshTable();
    // WHEN
    const result = await run(`uploads/utf16-${runtime}-${_what.length}.csv`, bytes);
    // THEN
    expect(result).toMatchObject({ status: 'FAILED', rowsTotal: 0, reason });
  });

  test('an invisible character in a header cell is named', async () => {
    // GIVEN a header whose sku cell carries a zero-width space (pasted from a web page)
    await h.freshTable();
    // WHEN
    const result = await run(`uploads/zwsp-${runtime}.csv`, 'sk\u200bu,name,quantity\nZ-1,One,1\n');
    // THEN
    expect(result).toMatchObject({
      status: 'FAILED',
      reason:
        "header cell 1 ('sk\u200bu') contains an invisible character, U+200B ZERO WIDTH SPACE at position 3; delete it and upload the file again",
    });
  });

  test.each([
    ['semicolon', ';'],
    ['tab', '\t'],
  ])('a %s-separated file is read with its delimiter, named in the report', async (_name, delimiter) => {
    // GIVEN an export from a spreadsheet in a locale that uses ';' (or a TSV)
    const table = await h.freshTable();
    const csv = [
      ['sku', 'name', 'quantity', 'price'],
      ['S-1', 'Bolts, hex', '3', '1.5'],
      ['S-2', 'Nuts', '4', ''],
    ]
      .map((cells) => cells.map((c) => (c.includes(',') && delimiter === ';' ? `"${c}"` : c)).join(delimiter))
      .join('\r\n');
    // WHEN
    const result = await run(`uploads/delim-${_name}-${runtime}.csv`, csv);
    // THEN
    expect(result).toMatchObject({ status: 'SUCCEEDED', rowsWritten: 2, delimiter });
    expect((await scanItems(h.emulators(), table)).get('S-1')).toEqual({
      sku: 'S-1',
      name: 'Bolts, hex',
      quantity: 3,
      price: 1.5,
    });
  });

  test('the rejected-rows CSV round-trips: fixed and uploaded again, values keep no guard apostrophe', async () => {
    // GIVEN rows whose cells start with formula characters, rejected for another reason
    const table = await h.freshTable();
    const key = `uploads/roundtrip-${runtime}.csv`;
    const first = await run(
      key,
      'sku,name,quantity,category\nT-1,=SUM(A1:A2),x,+plus\nT-2,@home,-1,-minus\nT-3,Fine,1,\n',
    );
    expect(first).toMatchObject({ rowsWritten: 1, rowsRejected: 2 });
    const rejected = await readRejectedCsv(h.emulators(), key);
    expect(rejected).toContain("'=SUM(A1:A2)");
    // WHEN a person fixes the quantities in the rejected-rows file and uploads it as it is
    const rows = parse(rejected) as string[][];
    expect(rows[0]).toEqual(['sku', 'name', 'quantity', 'category', '_line', '_reason']);
    const fixed = rows.map((cells, i) => (i === 0 ? cells : [cells[0], cells[1], '7', ...cells.slice(3)]));
    const fixedCsv = fixed
      .map((cells) => cells.map((c) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(','))
      .join('\r\n');
    const second = await run(`uploads/roundtrip-fixed-${runtime}.csv`, fixedCsv);
    // THEN the table holds the original values, not the guarded ones
    expect(second).toMatchObject({ status: 'SUCCEEDED', rowsWritten: 2 });
    const items = await scanItems(h.emulators(), table);
    expect(items.get('T-1')).toEqual({ sku: 'T-1', name: '=SUM(A1:A2)', quantity: 7, category: '+plus' });
    expect(items.get('T-2')).toEqual({ sku: 'T-2', name: '@home', quantity: 7, category: '-minus' });
  });
});
