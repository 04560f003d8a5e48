/**
 * Streaming CSV reader: bytes → UTF-8 text → csv-parse → rows with exact line numbers.
 *
 * - A UTF-8 byte order mark is dropped; CRLF, LF and CR line endings are accepted, mixed in one file (csv-parse
 *   would otherwise take the first line's ending for the whole file: a CRLF header with LF rows was one row).
 * - The delimiter is `,` unless the header line has no comma outside quotes but has `;` or tabs (spreadsheet
 *   exports in locales with a decimal comma, TSV files): then that one. The header row carries it (`delimiter`).
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
export const INVALID_UTF8 = '\uFFFD';

/** The problem of a row holding bytes that are not UTF-8 (they decode as U+FFFD). */
export const INVALID_UTF8_PROBLEM = 'the row contains bytes that are not valid UTF-8; save the file as "CSV UTF-8"';

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

const CANDIDATE_DELIMITERS = [',', ';', '\t'];

/**
 * The delimiter of a file, from its first non-blank line (counted outside double quotes): blank lines before the
 * header are skipped as the importer skips them.
 */
export function detectDelimiter(head: Uint8Array): string {
  const text = Buffer.from(head.buffer, head.byteOffset, Math.min(head.length, 64 * 1024)).toString('utf8');
  const counts = new Map(CANDIDATE_DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  let blank = true;
  for (const char of text) {
    if (!quoted && (char === '\n' || char === '\r')) {
      if (blank) continue;
      break;
    }
    if (char === '"') quoted = !quoted;
    else if (!quoted && counts.has(char)) counts.set(char, (counts.get(char) ?? 0) + 1);
    if (char.trim() !== '' && char !== '\ufeff') blank = false;
  }
  if ((counts.get(',') ?? 0) > 0) return ',';
  const [best, count] = [...counts].sort((a, b) => b[1] - a[1])[0];
  return count > 0 ? best : ',';
}

/** Reads CSV rows (header first) from a byte stream. */
export async function* readCsv(body: AsyncIterable<Uint8Array>): AsyncGenerator<SourceRow> {
  const { head, all } = await peek(body);
  if (!head) throw new FileFormatError('the file is empty');
  const binary = sniffBinary(head);
  if (binary) throw new FileFormatError(`the file is not CSV text: it looks like ${binary}`);

  // csv-parse drops the records it has buffered when its stream errors, so errors are taken as 'skip' events
  // instead (skip_records_with_error) and replayed in order: `records` on the error is how many records came
  // before the bad one.
  const delimiter = detectDelimiter(head);
  const parser = parse({
    delimiter,
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    relax_quotes: true,
    max_record_size: MAX_RECORD_BYTES,
    skip_records_with_error: true,
  });
  const skips: { records: number; code: string; message: string }[] = [];
  parser.on('skip', (err: Error & { code?: string; records?: number }) => {
    skips.push({ records: err.records ?? 0, code: err.code ?? 'CSV_ERROR', message: err.message });
  });
  pipeline(Readable.from(decodeUtf8(all)), parser, () => {
    // Errors (S3 read errors) surface through the parser's async iterator below.
  });
  let nextLine = 1;
  let consumed = 0;
  let headerSeen = false;
  const skipped = (skip: { code: string; message: string }): SourceRow => {
    if (skip.code === 'CSV_QUOTE_NOT_CLOSED') {
      return {
        line: nextLine,
        values: [],
        problem: `malformed quotes: the quoted field opened on line ${nextLine} is never closed, so the rest of the file could not be read`,
      };
    }
    // The parser cannot resynchronise after other errors (for example a record over MAX_RECORD_BYTES).
    throw new ReadAbortedError(
      nextLine,
      `the CSV could not be read past line ${nextLine - 1}: ${skip.message}; rows from line ${nextLine} on were not imported`,
    );
  };
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (skips.length > 0 && skips[0].records <= consumed) {
        yield skipped(skips.shift() as (typeof skips)[number]);
        return;
      }
      consumed++;
      const line = nextLine;
      nextLine += 1 + lineBreaks(record);
      const invalid = record.some((value) => value.includes(INVALID_UTF8));
      const row: SourceRow = invalid
        ? {
            line,
            values: record,
            problem: INVALID_UTF8_PROBLEM,
          }
        : { line, values: record };
      // The delimiter is reported with the header: the first row with a value (blank lines before it are skipped).
      const first = !headerSeen && record.some((value) => value.trim() !== '');
      if (first) headerSeen = true;
      yield first && delimiter !== ',' ? { ...row, delimiter } : row;
    }
    if (skips.length > 0) yield skipped(skips[0]);
  } finally {
    parser.destroy();
  }
}
