/**
 * What the CSV and XLSX readers produce: an async sequence of rows, the header first.
 */

/** One row of the source file. */
export interface SourceRow {
  /** Line number in the file (CSV: the line the record starts on; XLSX: the worksheet row number). Header = 1. */
  readonly line: number;
  /** Cell values as text, in column order. */
  readonly values: readonly string[];
  /** Set when the row could not be read correctly (invalid bytes, malformed quotes, formula error): reject it. */
  readonly problem?: string;
  /** XLSX: the name of the worksheet read, on the header row. */
  readonly sheet?: string;
  /** CSV: the delimiter detected, on the first row, when it is not a comma. */
  readonly delimiter?: string;
}

/** Reads rows from a byte stream. */
export type RowReader = (body: AsyncIterable<Uint8Array>) => AsyncIterable<SourceRow>;

/**
 * The whole file is unusable (empty, binary, wrong type): the import is FAILED and nothing is written.
 *
 * Recognise it with `isFileFormatError` (its `name`), never `instanceof`: the XLSX reader is a separate bundle
 * with its own copy of this class.
 */
export class FileFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FileFormatError';
  }
}

/** True for a FileFormatError from any bundle (compares `name`, see FileFormatError). */
export function isFileFormatError(err: unknown): err is FileFormatError {
  return err instanceof Error && err.name === 'FileFormatError';
}

/** True for a ReadAbortedError from any bundle (compares `name`). */
export function isReadAbortedError(err: unknown): err is ReadAbortedError {
  return err instanceof Error && err.name === 'ReadAbortedError' && typeof (err as ReadAbortedError).line === 'number';
}

/**
 * The reader cannot continue (for example a record larger than the reader's limit). Rows before `line` were
 * delivered; nothing from `line` on is read or counted (the report is incomplete, `stoppedAtLine = line`).
 */
export class ReadAbortedError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
    this.name = 'ReadAbortedError';
  }
}

const SIGNATURES: { bytes: number[]; what: string }[] = [
  { bytes: [0x89, 0x50, 0x4e, 0x47], what: 'a PNG image' },
  { bytes: [0xff, 0xd8, 0xff], what: 'a JPEG image' },
  { bytes: [0x47, 0x49, 0x46, 0x38], what: 'a GIF image' },
  { bytes: [0x25, 0x50, 0x44, 0x46], what: 'a PDF document' },
  { bytes: [0x1f, 0x8b], what: 'a gzip archive' },
  { bytes: [0xd0, 0xcf, 0x11, 0xe0], what: 'a legacy Excel .xls (OLE) file; save it as .xlsx or "CSV UTF-8"' },
  { bytes: [0x50, 0x4b, 0x03, 0x04], what: 'a ZIP archive (an .xlsx workbook must have the .xlsx extension)' },
  { bytes: [0xff, 0xfe], what: 'UTF-16 text; save it as "CSV UTF-8"' },
  { bytes: [0xfe, 0xff], what: 'UTF-16 text; save it as "CSV UTF-8"' },
];

/** Names the kind of binary file `head` starts with, or returns undefined when it may be text. */
export function sniffBinary(head: Uint8Array): string | undefined {
  for (const { bytes, what } of SIGNATURES) {
    if (head.length >= bytes.length && bytes.every((b, i) => head[i] === b)) return what;
  }
  if (head.includes(0)) {
    // UTF-16 without a byte order mark: ASCII text with a NUL after (LE) or before (BE) every character.
    const sample = head.subarray(0, Math.min(head.length, 512) & ~1);
    let even = 0;
    let odd = 0;
    for (let i = 0; i < sample.length; i += 2) {
      if (sample[i] === 0) even++;
      if (sample[i + 1] === 0) odd++;
    }
    const pairs = sample.length / 2;
    if (pairs >= 4 && (odd >= pairs * 0.9 || even >= pairs * 0.9) && Math.min(odd, even) <= pairs * 0.1) {
      return 'UTF-16 text without a byte order mark; save it as "CSV UTF-8"';
    }
    return 'binary data (it contains NUL bytes)';
  }
  return undefined;
}

/** Reads the first chunk of `body` and returns it with an iterable that replays it followed by the rest. */
export async function peek(
  body: AsyncIterable<Uint8Array>,
): Promise<{ head: Uint8Array | undefined; all: AsyncIterable<Uint8Array> }> {
  const iterator = body[Symbol.asyncIterator]();
  let first = await iterator.next();
  while (!first.done && first.value.length === 0) first = await iterator.next();
  const head = first.done ? undefined : first.value;
  async function* replay(): AsyncGenerator<Uint8Array> {
    try {
      if (head) yield head;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      await iterator.return?.();
    }
  }
  return { head, all: replay() };
}
