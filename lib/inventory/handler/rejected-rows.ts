/**
 * The rejected-rows CSV written next to the report: every rejected row, with its original cells followed by
 * `_line` and `_reason` columns, so people can fix the rows and upload the file again (the importer ignores
 * `_line` and `_reason` columns).
 *
 * Cells are neutralised against spreadsheet formula injection (OWASP "CSV Injection"): a cell starting with
 * `=`, `+`, `-`, `@`, tab or carriage return is prefixed with a single quote, so a spreadsheet shows it as text.
 *
 * The file is streamed: rows are buffered up to PART_SIZE and then sent as a multipart-upload part, so memory
 * stays bounded however many rows are rejected. A file smaller than one part is sent with one PutObject.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { LINE_COLUMN, REASON_COLUMN } from './validator';

/** Multipart part size (S3 requires at least 5 MiB for every part but the last). */
export const PART_SIZE = 8 * 1024 * 1024;

const FORMULA_START = /^[=+\-@\t\r]/;

/** Neutralises formula injection and quotes a cell for CSV. */
export function csvCell(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One CSV line (with CRLF, as RFC 4180 and Excel expect). */
export function csvLine(cells: readonly string[]): string {
  return cells.map(csvCell).join(',') + '\r\n';
}

/** Whether `header` ends with this file's own `_line` and `_reason` columns (a rejected-rows file uploaded again). */
export function endsWithOwnColumns(header: readonly string[]): boolean {
  const n = header.length;
  return (
    n >= 2 && header[n - 2].trim().toLowerCase() === LINE_COLUMN && header[n - 1].trim().toLowerCase() === REASON_COLUMN
  );
}

export class RejectedRowsWriter {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private uploadId: string | undefined;
  private readonly parts: { PartNumber: number; ETag: string }[] = [];
  private width = 0;
  /**
   * Whether the source's header ended with this file's own `_line` and `_reason` columns (a rejected-rows file
   * uploaded again): they are replaced, not repeated, so the next rejected-rows file can be uploaded too.
   */
  private ownColumns = false;
  /** Rows written (for tests and logs). */
  rows = 0;

  /** Parts uploaded so far. */
  get partCount(): number {
    return this.parts.length;
  }

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    readonly key: string,
    private readonly partSize = PART_SIZE,
  ) {}

  /** Sets the header (the source file's header cells). Call once, before `add`. */
  setHeader(header: readonly string[]): void {
    this.ownColumns = endsWithOwnColumns(header);
    const cells = this.ownColumns ? header.slice(0, -2) : header;
    this.width = cells.length;
    this.append(csvLine([...cells, LINE_COLUMN, REASON_COLUMN]));
  }

  /** Adds one rejected row (buffered; call `flushIfFull` to bound memory). */
  add(line: number, reason: string, values: readonly string[]): void {
    if (this.rows === 0 && this.buffered === 0 && this.parts.length === 0) this.setHeader([]);
    // The previous upload's `_line` and `_reason` cells give way to this one's (cells past them are kept).
    const own = this.ownColumns ? [...values.slice(0, this.width), ...values.slice(this.width + 2)] : values;
    const cells =
      own.length >= this.width ? [...own] : [...own, ...new Array<string>(this.width - own.length).fill('')];
    this.rows++;
    this.append(csvLine([...cells, String(line), reason]));
  }

  /** Sends a part when at least `partSize` bytes are buffered. */
  async flushIfFull(): Promise<void> {
    if (this.buffered >= this.partSize) await this.sendPart();
  }

  /** Completes the upload (header-only when nothing was rejected). */
  async close(): Promise<void> {
    if (this.buffered === 0 && this.rows === 0) this.setHeader([]);
    const body = Buffer.concat(this.chunks);
    if (this.uploadId === undefined) {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.key,
          Body: body,
          ContentType: 'text/csv; charset=utf-8',
        }),
      );
      return;
    }
    if (body.length > 0) await this.sendPart();
    await this.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: this.bucket,
        Key: this.key,
        UploadId: this.uploadId,
        MultipartUpload: { Parts: this.parts },
      }),
    );
  }

  /** Abandons a started multipart upload (best effort). */
  async abort(): Promise<void> {
    if (this.uploadId === undefined) return;
    await this.s3
      .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId }))
      .catch(() => undefined);
  }

  private append(text: string): void {
    const chunk = Buffer.from(text, 'utf8');
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  private async sendPart(): Promise<void> {
    const body = Buffer.concat(this.chunks);
    this.chunks = [];
    this.buffered = 0;
    if (this.uploadId === undefined) {
      const created = await this.s3.send(
        new CreateMultipartUploadCommand({
          Bucket: this.bucket,
          Key: this.key,
          ContentType: 'text/csv; charset=utf-8',
        }),
      );
      this.uploadId = created.UploadId;
    }
    const PartNumber = this.parts.length + 1;
    const { ETag } = await this.s3.send(
      new UploadPartCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId, PartNumber, Body: body }),
    );
    this.parts.push({ PartNumber, ETag: ETag ?? '' });
  }
}
