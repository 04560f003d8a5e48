/**
 * Imports one S3 object: stream → rows → validation → duplicate resolution → batched writes → report.
 *
 * Duplicate keys ("the later row wins") and each row's outcome: row-sink.ts, shared with the large-file worker.
 *
 * Accounting: see report.ts. Rows stopped by the time budget or a write failure are rejected with a
 * "not processed"/"not written" reason; rows after `stoppedAtLine` are not read.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { WriteFailure } from './batch-writer';
import type { EngineConfig } from './config';
import { readCsv } from './csv-reader';
import type { ObjectRef } from './events';
import { errorFields, Logger } from './log';
import { RejectedRowsWriter } from './rejected-rows';
import { decideStatus, ImportReport, rejectedRowsKeyFor, reportKeyFor, RowError, Tally } from './report';
import type { RetryPolicy } from './retry';
import { RowSink } from './row-sink';
import { isFileFormatError, isReadAbortedError, RowReader, SourceRow } from './source';
import { HeaderError, RowValidator } from './validator';

export type FileFormat = 'csv' | 'xlsx';

export interface ImportDeps {
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBClient;
  readonly config: EngineConfig;
  readonly logger: Logger;
  /** Milliseconds left in the invocation (Lambda `context.getRemainingTimeInMillis`). */
  readonly remainingMs: () => number;
  /** Overrides for tests: retry policy, sleep and jitter source of the batch writer. */
  readonly retry?: RetryPolicy;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  /** Overrides the time reserve (ms) kept for finishing cleanly. @default 10% of the time left, 1–30 s */
  readonly reserveMs?: number;
  /** Overrides the rejected-rows CSV part size (tests; S3 needs at least 5 MiB). @default PART_SIZE */
  readonly rejectedPartSize?: number;
}

export interface ImportOutcome {
  readonly report: ImportReport;
  /** Set when the invocation must fail after the report was written (write retries exhausted, S3/DynamoDB
   * errors), so Lambda's retry / dead-letter path takes over. */
  readonly failure?: Error;
}

/** The file format for a key, from its extension (case-insensitive). */
export function formatOf(key: string): FileFormat | undefined {
  const lower = key.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.xlsx')) return 'xlsx';
  return undefined;
}

/**
 * Loads the XLSX reader on first use. In the bundle, `./xlsx-reader` is marked external and resolves to the
 * separately bundled assets/inventory-handler/xlsx-reader.js, so CSV imports never load it; under
 * jest and tsx it resolves to xlsx-reader.ts.
 */
export function loadXlsxReader(): RowReader {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberate lazy load, see above
  const xlsx = require('./xlsx-reader') as { readXlsx: RowReader };
  return xlsx.readXlsx;
}

function isBlank(row: SourceRow): boolean {
  return row.problem === undefined && row.values.every((v) => v.trim() === '');
}

function errorName(err: unknown): string {
  return (err as { name?: string }).name ?? 'Error';
}

const NOT_FOUND = new Set(['NoSuchKey', 'NotFound', 'NoSuchVersion']);

/**
 * After AccessDenied on GetObject: true when a listing under the key (what the function's `s3:ListBucket` on the
 * upload prefix allows) shows that no object has the key any more, so the object vanished rather than being
 * unreadable. Any doubt (the listing fails, or shows the key) answers false: the AccessDenied stands.
 */
async function vanished(s3: S3Client, ref: ObjectRef): Promise<boolean> {
  try {
    const listing = await s3.send(new ListObjectsV2Command({ Bucket: ref.bucket, Prefix: ref.key, MaxKeys: 1 }));
    return !(listing.Contents ?? []).some((o) => o.Key === ref.key);
  } catch {
    return false;
  }
}

/** Imports one object and writes its report. Never throws for bad input; see `ImportOutcome.failure`. */
export async function importObject(ref: ObjectRef, deps: ImportDeps): Promise<ImportOutcome> {
  const { s3, config, logger } = deps;
  const startedAt = new Date();
  const initialRemaining = deps.remainingMs();
  const reserveMs = deps.reserveMs ?? Math.min(30_000, Math.max(1_000, initialRemaining * 0.1));
  const outOfTime = (): boolean => deps.remainingMs() < reserveMs;
  const outOfTimeHard = (): boolean => deps.remainingMs() < reserveMs / 2;

  const reportKey = reportKeyFor(config.reportPrefix, ref.key);
  const rejectedKey = rejectedRowsKeyFor(config.reportPrefix, ref.key);
  const tally = new Tally();
  const rejected = new RejectedRowsWriter(s3, ref.bucket, rejectedKey, deps.rejectedPartSize);
  const format = formatOf(ref.key);

  let fileError: string | undefined;
  let fileErrorLine = 0; // 1 when the header row is at fault
  let stop: { line: number; reason: string } | undefined;
  let failure: Error | undefined;
  let sheet: string | undefined;
  let delimiter: string | undefined;

  const reject = (
    line: number,
    reason: string,
    sku: string | undefined,
    values: readonly string[],
    wasWritten = false,
  ) => {
    const error: RowError = sku === undefined ? { line, reason } : { line, reason, sku };
    tally.rejected(error, wasWritten);
    rejected.add(line, reason, values);
  };

  if (!format) {
    const dot = ref.key.lastIndexOf('.');
    const ext = dot > ref.key.lastIndexOf('/') ? ref.key.slice(dot) : '(none)';
    fileError = `unsupported file type ${ext}: upload a .csv (UTF-8) or .xlsx file`;
  } else {
    let body: (AsyncIterable<Uint8Array> & { destroy?: () => void }) | undefined;
    try {
      const response = await s3.send(
        new GetObjectCommand({
          Bucket: ref.bucket,
          Key: ref.key,
          VersionId: ref.versionId,
          IfMatch: ref.versionId === undefined && ref.etag ? `"${ref.etag}"` : undefined,
        }),
      );
      body = response.Body as unknown as AsyncIterable<Uint8Array> & { destroy?: () => void };
    } catch (err) {
      const name = errorName(err);
      if (NOT_FOUND.has(name) || (name === 'AccessDenied' && (await vanished(s3, ref)))) {
        fileError = 'the object no longer exists (it was deleted or replaced before the import could read it)';
      } else if (name === 'PreconditionFailed') {
        fileError =
          'the object was replaced by a newer upload before the import could read it; the newer upload is imported on its own';
      } else {
        fileError = `the object could not be read: ${name}: ${(err as Error).message}`;
        failure = err as Error;
      }
    }
    if (body) {
      const sink = new RowSink({
        client: deps.dynamodb,
        tableName: config.tableName,
        keyAttribute: config.schema.key,
        concurrency: config.writeConcurrency,
        retry: deps.retry,
        sleep: deps.sleep,
        random: deps.random,
        outOfTime: outOfTimeHard,
        msLeft: () => deps.remainingMs() - reserveMs / 2,
        outcomes: { rejected: reject, written: () => tally.written() },
      });
      const { writer, keys } = sink;

      try {
        const reader = format === 'csv' ? readCsv(body) : loadXlsxReader()(body);
        let validator: RowValidator | undefined;
        for await (const row of reader) {
          if (isBlank(row)) continue;
          if (!validator) {
            sheet = row.sheet;
            delimiter = row.delimiter;
            if (row.problem) throw new HeaderError(headerProblem(row));
            validator = new RowValidator(row.values, config.schema);
            rejected.setHeader(validator.header);
            continue;
          }
          if (writer.failure) {
            stop = { line: row.line, reason: writer.failure.message };
            break;
          }
          if (outOfTime()) {
            stop = { line: row.line, reason: 'not processed: time budget exhausted' };
            break;
          }
          tally.read();
          await sink.add(row, validator);
          await rejected.flushIfFull();
        }
        if (!validator) fileError = 'the file is empty (no header row)';
      } catch (err) {
        // By name, not instanceof: the XLSX reader is a separate bundle with its own copy of the error classes.
        if (isFileFormatError(err) || err instanceof HeaderError) {
          fileError = err.message;
          if (err instanceof HeaderError) fileErrorLine = 1;
        } else if (isReadAbortedError(err)) {
          stop = { line: err.line, reason: err.message };
        } else {
          const message = `reading the object failed: ${errorName(err)}: ${(err as Error).message}`;
          failure = new WriteFailure('fatal', message);
          stop = { line: 0, reason: message };
        }
      } finally {
        body.destroy?.();
      }
      // Finish the writes: queued rows are sent unless writing already failed.
      if (writer.failure || failure) {
        const reason = writer.failure?.message ?? failure?.message ?? '';
        for (const entry of writer.drain()) {
          reject(entry.line, `not processed: import stopped (${reason})`, entry.key, entry.values);
        }
        await writer.settle();
      } else {
        await writer.flush();
      }
      if (writer.failure && writer.failure.kind !== 'time-budget') failure = failure ?? writer.failure;
      if (writer.failure?.kind === 'time-budget' && !stop) {
        stop = { line: 0, reason: writer.failure.message };
      }
      logger.debug('writes finished', { calls: writer.calls, distinctKeys: keys.size, keyIndexBytes: keys.byteLength });
    }
  }

  const complete = stop === undefined;
  const fileLevel = fileError !== undefined;
  const status = decideStatus(tally, complete, fileLevel);
  const errors = tally.sortedErrors();
  if (fileError) errors.unshift({ line: fileErrorLine, reason: fileError });
  const finishedAt = new Date();
  const report: ImportReport = {
    status,
    bucket: ref.bucket,
    key: ref.key,
    ...(ref.versionId ? { versionId: ref.versionId } : {}),
    ...(ref.etag ? { etag: ref.etag } : {}),
    ...(format ? { format } : {}),
    ...(sheet !== undefined ? { sheet } : {}),
    ...(delimiter !== undefined ? { delimiter } : {}),
    rowsTotal: tally.rowsTotal,
    rowsWritten: tally.rowsWritten,
    rowsRejected: tally.rowsRejected,
    complete,
    ...(stop && stop.line > 0 ? { stoppedAtLine: stop.line } : {}),
    ...(fileError ? { reason: fileError } : stop ? { reason: stop.reason } : {}),
    errors,
    errorsOmitted: tally.errorsOmitted,
    reportKey,
    rejectedRowsKey: rejectedKey,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
  };
  try {
    await rejected.close();
    await s3.send(
      new PutObjectCommand({
        Bucket: ref.bucket,
        Key: reportKey,
        Body: JSON.stringify(report, null, 2),
        ContentType: 'application/json',
      }),
    );
  } catch (err) {
    await rejected.abort();
    logger.error('could not write the import report', { reportKey, ...errorFields(err) });
    failure = failure ?? (err as Error);
  }
  return failure ? { report, failure } : { report };
}

/** Why a header row the reader flagged cannot be used (bytes that are not UTF-8, a formula error). */
function headerProblem(row: SourceRow): string {
  const column = row.values.findIndex((value) => value.includes('\uFFFD'));
  if (column >= 0) {
    return `the header row is not valid UTF-8 (column ${column + 1} reads '${row.values[column]}'); the file is probably in a legacy encoding such as Windows-1252: save it as "CSV UTF-8" and upload it again`;
  }
  return `the header row cannot be read: ${row.problem}`;
}
