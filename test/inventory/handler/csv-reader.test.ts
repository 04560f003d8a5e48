import { Readable } from 'node:stream';
import { MAX_RECORD_BYTES, readCsv } from '../../../lib/inventory/handler/csv-reader';
import { FileFormatError, ReadAbortedError, SourceRow } from '../../../lib/inventory/handler/source';

async function rows(input: string | Buffer | Buffer[]): Promise<SourceRow[]> {
  const chunks = Array.isArray(input) ? input : [typeof input === 'string' ? Buffer.from(input, 'utf8') : input];
  const out: SourceRow[] = [];
  for await (const row of readCsv(Readable.from(chunks))) out.push(row);
  return out;
}

describe('readCsv', () => {
  test('drops a UTF-8 BOM and reads LF and CRLF files alike', async () => {
    const lf = await rows('\ufeffsku,name\nA,Widget\n');
    const crlf = await rows('\ufeffsku,name\r\nA,Widget\r\n');
    expect(lf).toEqual([
      { line: 1, values: ['sku', 'name'] },
      { line: 2, values: ['A', 'Widget'] },
    ]);
    expect(crlf).toEqual(lf);
  });

  test('quoted fields keep commas, doubled quotes and line breaks; line numbers are where a record starts', async () => {
    const result = await rows('sku,name\r\nA,"Bolt, 10mm ""hex"""\r\nB,"two\r\nline\r\nname"\r\n\r\nC,after\r\n');
    expect(result).toEqual([
      { line: 1, values: ['sku', 'name'] },
      { line: 2, values: ['A', 'Bolt, 10mm "hex"'] },
      { line: 3, values: ['B', 'two\r\nline\r\nname'] },
      { line: 6, values: [''] },
      { line: 7, values: ['C', 'after'] },
    ]);
  });

  test('a multi-byte character split across chunks is decoded intact', async () => {
    const bytes = Buffer.from('sku,name\nA,Café\n', 'utf8');
    const split = bytes.indexOf(0xc3) + 1;
    expect((await rows([bytes.subarray(0, split), bytes.subarray(split)]))[1].values).toEqual(['A', 'Café']);
  });

  test('rows with bytes that are not valid UTF-8 carry a problem; the others do not', async () => {
    const latin1 = Buffer.concat([Buffer.from('sku,name\nA,Caf'), Buffer.from([0xe9]), Buffer.from('\nB,ok\n')]);
    const result = await rows(latin1);
    expect(result[1].problem).toMatch(/not valid UTF-8/);
    expect(result[2]).toEqual({ line: 3, values: ['B', 'ok'] });
  });

  test('an unclosed quote yields one malformed record at the line it opened', async () => {
    const result = await rows('sku,name\nA,ok\nB,"never closed\nC,lost\n');
    expect(result[2]).toMatchObject({ line: 3, problem: expect.stringMatching(/opened on line 3 is never closed/) });
    expect(result).toHaveLength(3);
  });

  test('a stray quote inside an unquoted field is kept literally', async () => {
    expect((await rows('sku,name\nA,12" pipe\n'))[1].values).toEqual(['A', '12" pipe']);
  });

  test('fails when the file is empty', async () => {
    await expect(rows(Buffer.alloc(0))).rejects.toThrow(new FileFormatError('the file is empty'));
  });

  test('fails when the content is a PNG image', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    await expect(rows(png)).rejects.toThrow('the file is not CSV text: it looks like a PNG image');
  });

  test('fails when the content holds NUL bytes', async () => {
    await expect(rows(Buffer.from('sku\u0000name\n'))).rejects.toThrow(/binary data \(it contains NUL bytes\)/);
  });

  test('fails when the content is UTF-16', async () => {
    await expect(rows(Buffer.from('\ufffesku', 'utf16le'))).rejects.toThrow(/UTF-16/);
  });

  test('stops with ReadAbortedError at the first line not delivered when a record exceeds the size limit', async () => {
    const huge = `sku,name\nA,ok\nB,"${'x'.repeat(MAX_RECORD_BYTES + 10)}"\nC,never\n`;
    const chunks: Buffer[] = [];
    for (let i = 0; i < huge.length; i += 64 * 1024) chunks.push(Buffer.from(huge.slice(i, i + 64 * 1024)));
    const seen: SourceRow[] = [];
    let error: unknown;
    try {
      for await (const row of readCsv(Readable.from(chunks))) seen.push(row);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ReadAbortedError);
    expect(seen.every((row) => row.line < 3)).toBe(true);
    expect((error as ReadAbortedError).line).toBe(seen.length + 1);
    expect((error as Error).message).toMatch(/Max Record Size/);
  });
});
