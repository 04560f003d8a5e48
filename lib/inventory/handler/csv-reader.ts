/**
 * Streaming CSV reader: bytes → UTF-8 text → csv-parse → rows with exact line numbers.
 *
 * - A UTF-8 byte order mark is dropped; CRLF, LF and CR line endings are accepted.
 * - Quoted fields may hold commas, doubled quotes and line breaks. A stray quote inside an unquoted field is
 *   kept as a literal character (csv-parse `relax_quotes`), as spreadsheet programs do.
 * - Line numbers are counted here, not taken from csv-parse: a record starts on the line after the previous
 *   record ended and spans one line plus the line breaks inside its quoted fields.
 * - Blank lines are returned as rows with no values; the importer skips them (they are not counted).
 * - Binary content (NUL bytes, image/archive signatures, UTF-16) fails the whole file before anything is read.
 *   Bytes that are not valid UTF-8 further in are decoded as U+FFFD and the rows holding them are rejected, so a
 *   file with a few mis-encoded cells still loads its good rows.
 * - A field left open by an unclosed quote swallows the rest of the file; that malformed record is returned as
 *   one rejected row. A record over MAX_RECORD_BYTES stops the read (ReadAbortedError): memory stays bounded.
 */
import { Readable, pipeline } from 'node:stream';
import { parse } from 'csv-parse';
import { FileFormatError, peek, ReadAbortedError, sniffBinary, SourceRow } from './source';

/** Largest record csv-parse will buffer (characters). DynamoDB items are at most 400 KB anyway. */
export const MAX_RECORD_BYTES = 1024 * 1024;

const LINE_BREAK = /\r\n|\r|\n/g;
const INVALID_UTF8 = '\uFFFD';

function lineBreaks(values: readonly string[]): number {
  let count = 0;
  for (const value of values) {
    if (value.includes('\n') || value.includes('\r')) count += value.match(LINE_BREAK)?.length ?? 0;
  }
  return count;
}

async function* decodeUtf8(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of chunks) {
    const text = decoder.decode(chunk, { stream: true });
    if (text) yield text;
  }
  const tail = decoder.decode();
  if (tail) yield tail;
}

/** Reads CSV rows (header first) from a byte stream. */
export async function* readCsv(body: AsyncIterable<Uint8Array>): AsyncGenerator<SourceRow> {
  const { head, all } = await peek(body);
  if (!head) throw new FileFormatError('the file is empty');
  const binary = sniffBinary(head);
  if (binary) throw new FileFormatError(`the file is not CSV text: it looks like ${binary}`);

  const parser = parse({ relax_column_count: true, relax_quotes: true, max_record_size: MAX_RECORD_BYTES });
  pipeline(Readable.from(decodeUtf8(all)), parser, () => {
    // Errors surface through the parser's async iterator below.
  });
  let nextLine = 1;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      const line = nextLine;
      nextLine += 1 + lineBreaks(record);
      const invalid = record.some((value) => value.includes(INVALID_UTF8));
      yield invalid
        ? {
            line,
            values: record,
            problem: 'the row contains bytes that are not valid UTF-8; save the file as "CSV UTF-8"',
          }
        : { line, values: record };
    }
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'CSV_QUOTE_NOT_CLOSED') {
      yield {
        line: nextLine,
        values: [],
        problem: `malformed quotes: the quoted field opened on line ${nextLine} is never closed, so the rest of the file could not be read`,
      };
      return;
    }
    if (typeof code === 'string' && code.startsWith('CSV_')) {
      throw new ReadAbortedError(
        nextLine,
        `CSV syntax error in the record starting on line ${nextLine}: ${(err as Error).message}`,
      );
    }
    throw err;
  } finally {
    parser.destroy();
  }
}
