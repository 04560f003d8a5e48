/**
 * The large-file import's Lambda steps, run by the state machine (see docs/IMPORT-ENGINE.md, "Large files"):
 *
 * - `prepare`: claims the object version in the ledger, reads and checks the header (a header the schema refuses
 *   ends the import at once with a FAILED report), and for XLSX converts the sheet to a CSV in the work folder,
 *   each row with its source row number; returns the job the Distributed Map reads.
 * - `batch`: one child workflow's batch of rows: the engine's validator and BatchWriter (duplicate keys inside a
 *   batch resolved as in one invocation: the later row wins), paced by the AIMD write-rate controller.
 * - `finish`: reads the ResultWriter's manifest and result files, adds up every batch (rows of failed batches
 *   become rejected rows, "not processed"), joins the batches' rejected rows into the one rejected-rows CSV,
 *   writes the report (the single-invocation report's shape) and completes the ledger record. When the map itself
 *   failed (its Catch passes the error and no ResultWriter output), it finds the map run's manifest in the work
 *   folder, which Step Functions writes for failed map runs too, and counts what the finished batches wrote.
 *
 * Bundled into assets/inventory-large-file/index.js (handler `index.handler`).
 */
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectsV2CommandOutput,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { parse as parseCsvSync } from 'csv-parse/sync';
import { WriteFailure } from '../batch-writer';
import { Clients, createClients } from '../clients';
import { EngineConfig, loadConfig } from '../config';
import { INVALID_UTF8, INVALID_UTF8_PROBLEM, readCsv } from '../csv-reader';
import { formatOf, loadXlsxReader } from '../importer';
import { Ledger } from '../ledger';
import { errorFields, Logger } from '../log';
import { endsWithOwnColumns, RejectedRowsWriter } from '../rejected-rows';
import {
  decideStatus,
  ImportReport,
  MAX_REPORTED_ERRORS,
  rejectedRowsKeyFor,
  reportKeyFor,
  RowError,
  Tally,
} from '../report';
import { DEFAULT_RETRY_POLICY, RetryPolicy, sleep as realSleep } from '../retry';
import { notImportedAgainReason, RowSink, supersededEarlier } from '../row-sink';
import { FileFormatError, isFileFormatError, isReadAbortedError, SourceRow } from '../source';
import { HeaderError, RowValidator } from '../validator';
import { AimdOptions, AimdRateController } from './aimd';
import {
  BatchEvent,
  BatchItem,
  BatchResult,
  LargeFileJob,
  LargeFileObject,
  MAX_BATCH_ERRORS,
  WORK_FOLDER,
} from './job';

/** How long the ledger claim of a large-file import lasts: the state machine's timeout (24 h) plus an hour. */
export const LARGE_FILE_LEASE_MS = 25 * 60 * 60 * 1000;

/**
 * The attribute each item written by a large-file import carries, `{ e: execution name, l: line, p?: line it
 * replaced }`: what lets the conditional puts of concurrent batches keep the row later in the file (see
 * batch-writer.ts `fileOrder`). A later import (either mode) replaces the whole item.
 */
export const IMPORT_STAMP_ATTRIBUTE = '_import';

/**
 * How long a batch may write, from the start of its invocation. Its child workflow is EXPRESS (at most five minutes;
 * the WriteBatch task's TimeoutSeconds is 300, lib/inventory/private/large-file-engine.ts), but the function's own
 * timeout is fifteen minutes: without a deadline of its own, a batch whose child timed out went on writing for up to
 * ten minutes more, its conditional puts stamped with this import, over rows a newer import (an upload of the lines
 * the report rejected) had written meanwhile. At the deadline it stops and fails, leaving 30 seconds for the last
 * flush; its rows are then rejected as not processed, as for any failed batch.
 */
export const BATCH_DEADLINE_MS = 270_000;

/** A batch that reached BATCH_DEADLINE_MS: it stops writing and fails (not retried: it would be as slow again). */
export class BatchDeadlineExceeded extends Error {
  constructor(written: number, total: number) {
    super(
      `the batch stopped after ${BATCH_DEADLINE_MS / 1000} s, before its child workflow's 300 s timeout, with ${written} of ${total} rows written`,
    );
    this.name = 'BatchDeadlineExceeded';
  }
}

/** Largest header row Prepare reads (bytes): the engine's record limit. */
const HEADER_BYTES = 1024 * 1024;

export interface PrepareEvent {
  readonly action: 'prepare';
  readonly object: LargeFileObject;
  readonly executionName: string;
}
export interface BatchActionEvent extends BatchEvent {
  readonly action: 'batch';
}
/** The state machine's state when it reaches Finish (the `state.$: $` of its Payload). */
export interface FinishState {
  readonly object: LargeFileObject;
  readonly executionName?: string;
  readonly job?: LargeFileJob;
  /** The Distributed Map's output (its ResultWriter details). */
  readonly map?: { readonly ResultWriterDetails?: { readonly Bucket: string; readonly Key: string } };
  /** Set when the map or Prepare failed (a Catch). */
  readonly error?: { readonly Error?: string; readonly Cause?: string };
  /**
   * Set when Finish itself failed (its Catch, into ReportFailure): the report is written without reading the batch
   * results, which may be what failed.
   */
  readonly finishError?: { readonly Error?: string; readonly Cause?: string };
}
export interface FinishEvent {
  readonly action: 'finish';
  readonly state: FinishState;
}
export type WorkerEvent = PrepareEvent | BatchActionEvent | FinishEvent;

export interface PrepareResult {
  readonly action: 'import' | 'skip' | 'reported';
  readonly object: LargeFileObject;
  readonly executionName: string;
  readonly job?: LargeFileJob;
  readonly reason?: string;
}

/** Test seams: clients, the AIMD options, the retry policy, the sleep of the batch writer and the clock. */
export interface WorkerOverrides {
  clients?: Clients;
  aimd?: AimdOptions;
  retry?: RetryPolicy;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}
let overrides: WorkerOverrides = {};
export function setWorkerOverrides(next: WorkerOverrides): void {
  overrides = next;
  controller = undefined;
}

let cachedClients: Clients | undefined;
/** One write-rate controller per container, kept between batches (AIMD state is the point). */
let controller: AimdRateController | undefined;

/** Lambda entry point of the large-file steps. */
export async function handler(event: WorkerEvent): Promise<PrepareResult | BatchResult | ImportReport> {
  const config = loadConfig();
  const clients = overrides.clients ?? (cachedClients ??= createClients());
  const logger = new Logger({ step: event.action });
  switch (event.action) {
    case 'prepare':
      return prepare(event, config, clients, logger);
    case 'batch':
      return writeBatch(event, config, clients, logger);
    case 'finish':
      return finish(event.state, config, clients, logger);
    default:
      throw new Error(`unknown large-file step '${(event as { action?: string }).action}'`);
  }
}

function ledgerOf(config: EngineConfig, clients: Clients): Ledger | undefined {
  return config.ledgerTableName ? new Ledger(clients.dynamodb, config.ledgerTableName) : undefined;
}

type Body = AsyncIterable<Uint8Array> & { destroy?: () => void };

async function getBody(s3: S3Client, object: LargeFileObject, range?: string): Promise<Body> {
  const response = await s3.send(
    new GetObjectCommand({ Bucket: object.bucket, Key: object.key, VersionId: object.versionId, Range: range }),
  );
  return response.Body as unknown as Body;
}

/** Claims the version, checks the header, converts XLSX; see the top of this file. */
export async function prepare(
  event: PrepareEvent,
  config: EngineConfig,
  clients: Clients,
  logger: Logger,
): Promise<PrepareResult> {
  const { object, executionName } = event;
  const base = { object, executionName };
  const format = formatOf(object.key);
  const ledger = ledgerOf(config, clients);
  if (ledger) {
    const claim = await ledger.begin(object, executionName, LARGE_FILE_LEASE_MS);
    if (claim.proceed !== true) {
      logger.info('skipping object', { key: object.key, reason: claim.reason });
      return { ...base, action: 'skip', reason: claim.reason };
    }
  }
  const startedAt = new Date().toISOString();
  const workPrefix = `${config.reportPrefix}${WORK_FOLDER}${executionName}/`;
  const failWith = async (reason: string, line = 0): Promise<PrepareResult> => {
    // Refused whole, as a single invocation refuses it: complete (no row was left unread), FAILED, and an empty
    // rejected-rows file, so the previous upload's never lingers under this key.
    const report = buildReport(object, config, format, new Tally(), true, startedAt, { reason, line }, true);
    await new RejectedRowsWriter(
      clients.s3,
      object.bucket,
      rejectedRowsKeyFor(config.reportPrefix, object.key),
    ).close();
    await putReport(clients.s3, report);
    await ledger?.complete(object, executionName, report.status, 0);
    logger.warn('large-file import refused', { key: object.key, reason });
    return { ...base, action: 'reported', reason };
  };
  if (!format) return failWith('unsupported file type: upload a .csv (UTF-8) or .xlsx file');
  try {
    if (format === 'csv') {
      const body = await getBody(clients.s3, object, `bytes=0-${HEADER_BYTES - 1}`);
      let header: SourceRow | undefined;
      try {
        for await (const row of readCsv(body)) {
          if (row.values.every((v) => v.trim() === '') && row.problem === undefined) continue;
          header = row;
          break;
        }
      } finally {
        body.destroy?.();
      }
      if (!header) return failWith('the file is empty (no header row)');
      new RowValidator(header.values, config.schema); // throws HeaderError
      if (header.delimiter !== undefined || header.line > 1) {
        // The map's CSV item reader reads commas, and takes the file's first line as the header (FIRST_ROW): a
        // `;` or tab file, or blank lines before the header, would give items the header does not name. Such a
        // file is read once here with the engine's reader and written as the comma CSV the map reads, each row
        // with its line, as for XLSX.
        return {
          ...base,
          action: 'import',
          job: await convertToRows(object, executionName, startedAt, workPrefix, config, clients, 'csv'),
        };
      }
      const job: LargeFileJob = {
        ...jobBase(object, executionName, startedAt, workPrefix),
        format,
        readerKey: object.key,
        readerVersionId: object.versionId ?? 'null',
        header: [...header.values],
        firstDataLine: header.line + 1,
        lineColumn: false,
      };
      return { ...base, action: 'import', job };
    }
    return {
      ...base,
      action: 'import',
      job: await convertToRows(object, executionName, startedAt, workPrefix, config, clients, 'xlsx'),
    };
  } catch (err) {
    if (err instanceof HeaderError) return failWith(err.message, 1);
    // By name, not instanceof: the XLSX reader is a separate bundle with its own copy of the error classes.
    if (isFileFormatError(err) || isReadAbortedError(err)) return failWith(err.message);
    await ledger?.release(object, executionName);
    throw err;
  }
}

function jobBase(
  object: LargeFileObject,
  executionName: string,
  startedAt: string,
  workPrefix: string,
): Pick<LargeFileJob, 'bucket' | 'key' | 'versionId' | 'etag' | 'executionName' | 'workPrefix' | 'startedAt'> {
  return {
    bucket: object.bucket,
    key: object.key,
    ...(object.versionId ? { versionId: object.versionId } : {}),
    ...(object.etag ? { etag: object.etag } : {}),
    executionName,
    workPrefix,
    startedAt,
  };
}

/**
 * XLSX, and CSV files the map's CSV reader would read differently (see prepare): the rows the engine reads,
 * streamed to `<workPrefix>rows.csv` in the rejected-rows layout (the trimmed header, then `_line` with each row's
 * line or worksheet row number and `_reason` with a read problem). The validator ignores those two columns, and
 * the batches take each row's line from `_line`. A row with values past the header's columns gets the problem the
 * single-invocation validator gives it (its cells past the header would otherwise shift `_line` and `_reason`).
 */
async function convertToRows(
  object: LargeFileObject,
  executionName: string,
  startedAt: string,
  workPrefix: string,
  config: EngineConfig,
  clients: Clients,
  format: 'csv' | 'xlsx',
): Promise<LargeFileJob> {
  const readerKey = `${workPrefix}rows.csv`;
  const body = await getBody(clients.s3, object);
  const writer = new RejectedRowsWriter(clients.s3, object.bucket, readerKey);
  let header: readonly string[] | undefined;
  let validator: RowValidator | undefined;
  let source: Pick<SourceRow, 'sheet' | 'delimiter'> = {};
  try {
    for await (const row of format === 'csv' ? readCsv(body) : loadXlsxReader()(body)) {
      if (row.problem === undefined && row.values.every((v) => v.trim() === '')) continue;
      if (!header) {
        validator = new RowValidator(row.values, config.schema); // throws HeaderError
        header = row.values.map((h) => h.trim());
        source = { sheet: row.sheet, delimiter: row.delimiter };
        writer.setHeader(header);
        continue;
      }
      const extra = row.values.length > header.length && row.values.slice(header.length).some((v) => v.trim() !== '');
      // A rejected-rows file saved as a workbook and uploaded again: its `_reason` column is replaced by this file's
      // own, so a superseded duplicate is kept out here, as RowSink keeps it out in a single invocation.
      const earlier = validator && supersededEarlier(validator, row.values);
      const problem =
        row.problem ??
        (earlier !== undefined
          ? notImportedAgainReason(earlier)
          : extra
            ? `the row has ${row.values.length} values but the header has ${header.length} columns`
            : '');
      writer.add(row.line, problem, row.values.slice(0, header.length));
      await writer.flushIfFull();
    }
    if (!header) throw new FileFormatError('the file is empty (no header row)');
    await writer.close();
  } catch (err) {
    await writer.abort();
    throw err;
  } finally {
    body.destroy?.();
  }
  const head = await clients.s3.send(new HeadObjectCommand({ Bucket: object.bucket, Key: readerKey }));
  return {
    ...jobBase(object, executionName, startedAt, workPrefix),
    format,
    readerKey,
    readerVersionId: head.VersionId ?? 'null',
    // The converted file's own header: a source that is itself a rejected-rows file has its `_line` and `_reason`
    // replaced by the writer (RejectedRowsWriter.setHeader), not repeated.
    header: [...(endsWithOwnColumns(header) ? header.slice(0, -2) : header), '_line', '_reason'],
    firstDataLine: 2,
    lineColumn: true,
    ...(source.sheet !== undefined ? { sheet: source.sheet } : {}),
    ...(source.delimiter !== undefined ? { delimiter: source.delimiter } : {}),
  };
}

/**
 * What the single-invocation reader would have rejected in an item, or an item the map's CSV reader did not read
 * with the header Prepare checked (its keys are not the header's names: a delimiter or header line the reader took
 * differently), which would otherwise look blank and vanish uncounted.
 */
function itemProblem(job: LargeFileJob, item: BatchItem, values: readonly string[]): string {
  const keys = Object.keys(item.row);
  if (keys.length > 0 && !job.header.some((name) => name in item.row)) {
    const seen = keys.slice(0, 3).map((k) => `'${k.slice(0, 40)}'`);
    return `the row was not read with the file's header: the map's CSV reader found the column(s) ${seen.join(', ')}${keys.length > 3 ? ', ...' : ''} instead of ${job.header
      .slice(0, 3)
      .map((h) => `'${h}'`)
      .join(', ')}; nothing of it was written`;
  }
  if (!job.lineColumn && values.some((v) => v.includes(INVALID_UTF8))) return INVALID_UTF8_PROBLEM;
  return '';
}

/** The source line of a map item. */
function lineOf(job: LargeFileJob, item: BatchItem): number {
  if (job.lineColumn) {
    const line = Number(item.row._line);
    if (Number.isInteger(line) && line > 0) return line;
  }
  return job.firstDataLine + item.index;
}

/** Writes one batch of rows; see the top of this file. Throws (so Step Functions retries the batch) when writes fail. */
export async function writeBatch(
  event: BatchEvent,
  config: EngineConfig,
  clients: Clients,
  logger: Logger,
): Promise<BatchResult> {
  const { job } = event.BatchInput;
  const items = event.Items;
  const validator = new RowValidator(job.lineColumn ? job.header.slice(0, -2) : job.header, config.schema);
  const width = validator.header.length;
  const tally = new Tally();
  const rejectedRows: { line: number; reason: string; values: readonly string[] }[] = [];
  const reject = (
    line: number,
    reason: string,
    key: string | undefined,
    values: readonly string[],
    wasWritten = false,
  ) => {
    tally.rejected(key === undefined ? { line, reason } : { line, reason, sku: key }, wasWritten);
    rejectedRows.push({ line, reason, values });
  };
  const aimd = (controller ??= new AimdRateController(overrides.aimd));
  let throttledInChunk = false;
  const sleep = overrides.sleep ?? realSleep;
  const lines = items.map((item) => lineOf(job, item));
  const ownLines = new Set(lines);
  const sink = new RowSink({
    client: clients.dynamodb,
    tableName: config.tableName,
    keyAttribute: config.schema.key,
    concurrency: config.writeConcurrency,
    retry: overrides.retry ?? DEFAULT_RETRY_POLICY,
    // The writer sleeps only before a retry (throttling, UnprocessedItems, 5xx): the congestion signal.
    sleep: (ms) => {
      throttledInChunk = true;
      return sleep(ms);
    },
    // Batches run concurrently: a key in two batches is resolved by conditional puts, the later line wins.
    fileOrder: { attribute: IMPORT_STAMP_ATTRIBUTE, importId: job.executionName },
    ownsLine: (line) => ownLines.has(line),
    outcomes: { rejected: reject, written: () => tally.written() },
  });
  const { writer } = sink;

  let throttledChunks = 0;
  let index = 0;
  const now = overrides.now ?? Date.now;
  const deadline = now() + BATCH_DEADLINE_MS;
  while (index < items.length && !writer.failure) {
    if (now() >= deadline) {
      const failure = new BatchDeadlineExceeded(tally.rowsWritten, items.length);
      logger.error('batch failed', { firstLine: lines[0], ...errorFields(failure) });
      throw failure;
    }
    const chunkSize = Math.max(25, Math.min(500, Math.floor(aimd.rate / 4)));
    const end = Math.min(items.length, index + chunkSize);
    await aimd.acquire(end - index);
    throttledInChunk = false;
    for (; index < end; index++) {
      const item = items[index];
      const cells = job.header.map((name) => item.row[name] ?? '');
      const values = cells.slice(0, width);
      const problem = (job.lineColumn ? cells[width + 1] : '') || itemProblem(job, item, values);
      if (!problem && values.every((v) => v.trim() === '')) continue;
      tally.read();
      await sink.add({ line: lines[index], values, problem: problem || undefined }, validator);
    }
    await writer.flush();
    if (throttledInChunk) {
      throttledChunks++;
      aimd.onThrottle();
    } else {
      aimd.onSuccess();
    }
  }
  if (writer.failure) {
    // Puts are idempotent: Step Functions retries the whole batch, and a batch that still fails is counted by
    // the Finish step from its input (its rows rejected as "not processed").
    logger.error('batch failed', { firstLine: lines[0], ...errorFields(writer.failure) });
    throw writer.failure;
  }
  const firstLine = lines.length > 0 ? Math.min(...lines) : 0;
  const lastLine = lines.length > 0 ? Math.max(...lines) : 0;
  const indexes = items.map((item) => item.index);
  let rejectedKey: string | undefined;
  if (rejectedRows.length > 0) {
    rejectedKey = `${job.workPrefix}rejected/${String(firstLine).padStart(12, '0')}.csv`;
    const part = new RejectedRowsWriter(clients.s3, job.bucket, rejectedKey);
    part.setHeader(validator.header);
    for (const row of rejectedRows.sort((a, b) => a.line - b.line)) part.add(row.line, row.reason, row.values);
    await part.close();
  }
  const errors = tally.sortedErrors();
  return {
    firstLine,
    lastLine,
    ...(indexes.length > 0 ? { firstIndex: Math.min(...indexes), lastIndex: Math.max(...indexes) } : {}),
    rowsTotal: tally.rowsTotal,
    rowsWritten: tally.rowsWritten,
    rowsRejected: tally.rowsRejected,
    errors: errors.slice(0, MAX_BATCH_ERRORS),
    errorsOmitted: Math.max(0, errors.length - MAX_BATCH_ERRORS) + tally.errorsOmitted,
    ...(rejectedKey ? { rejectedKey } : {}),
    throttledChunks,
    rate: Math.round(aimd.rate),
  };
}

interface ChildRecord {
  /** SUCCEEDED, FAILED, TIMED_OUT, ABORTED (the FAILED_n files) or PENDING (never started). */
  readonly Status?: string;
  readonly Input?: string;
  readonly Output?: string;
  readonly Error?: string;
  readonly Cause?: string;
}
interface Manifest {
  readonly ResultFiles?: {
    readonly SUCCEEDED?: { Key: string }[];
    readonly FAILED?: { Key: string }[];
    readonly PENDING?: { Key: string }[];
  };
}

async function readJson<T>(s3: S3Client, bucket: string, key: string): Promise<T> {
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return JSON.parse((await response.Body?.transformToString('utf-8')) ?? 'null') as T;
}

/**
 * The records of one ResultWriter result file, one at a time. The state machine asks for JSON Lines (WriterConfig
 * OutputType JSONL), read line by line from the response stream, so a file of any size takes the memory of one
 * record (a batch's rows at most); a file written as one JSON array (a map run of a state machine deployed before
 * JSON Lines, or another runner) is parsed whole.
 */
export async function* readResultRecords(s3: S3Client, bucket: string, key: string): AsyncGenerator<ChildRecord> {
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const body = response.Body as Readable | undefined;
  if (!body) return;
  const lines = createInterface({ input: body, crlfDelay: Infinity });
  let arrayText: string[] | undefined;
  for await (const line of lines) {
    if (arrayText) {
      arrayText.push(line);
      continue;
    }
    const text = line.trim();
    if (text === '') continue;
    if (text.startsWith('[')) {
      arrayText = [line];
      continue;
    }
    yield JSON.parse(text) as ChildRecord;
  }
  if (arrayText) yield* JSON.parse(arrayText.join('\n')) as ChildRecord[];
}

async function readText(s3: S3Client, bucket: string, key: string): Promise<string> {
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await response.Body?.transformToString('utf-8')) ?? '';
}

/**
 * The newest `manifest.json` of a map run in the execution's work folder, where the ResultWriter writes
 * `<Prefix>/<map run id>/manifest.json`. Step Functions exports the results of a map run that fails too: its
 * `FAILED_n.json` holds the failed, timed-out and aborted child workflows and its `PENDING_n.json` those "that
 * weren't started because the Map Run failed or aborted" (Step Functions Developer Guide, "ResultWriter (Map)",
 * Exporting to Amazon S3: https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html).
 * But the map's Catch passes only the error, not the ResultWriter's output, so Finish lists the work folder (the
 * worker may list that prefix only). The folder belongs to one execution; a redriven map run writes a newer one.
 */
async function findManifest(s3: S3Client, job: LargeFileJob): Promise<{ Bucket: string; Key: string } | undefined> {
  let token: string | undefined;
  let newest: { key: string; modified: number } | undefined;
  do {
    const page: ListObjectsV2CommandOutput = await s3.send(
      new ListObjectsV2Command({ Bucket: job.bucket, Prefix: job.workPrefix, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) {
      if (!object.Key?.endsWith('/manifest.json')) continue;
      const modified = object.LastModified?.getTime() ?? 0;
      if (!newest || modified >= newest.modified) newest = { key: object.Key, modified };
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return newest ? { Bucket: job.bucket, Key: newest.key } : undefined;
}

/** Why the rows of a batch that did not finish are rejected, by the child workflow's status. */
function notProcessedReason(record: ChildRecord): string {
  if (record.Status === 'PENDING') return 'not processed: its batch never started (the map run stopped first)';
  if (record.Status === 'ABORTED') {
    return 'not processed: its batch was stopped when the map run failed (some of its rows may have been written; upload them again)';
  }
  // A batch writes as it goes, so one that failed (after its retries) may have written some of its rows first; the
  // puts are idempotent upserts, so uploading them again is safe.
  return `not processed: its batch failed (${record.Error ?? 'did not finish'}${record.Cause ? `: ${record.Cause.slice(0, 300)}` : ''}); some of its rows may have been written: upload them again`;
}

/** At most this many unfinished batches are named in the report's reason (all their rows are rejected rows). */
const MAX_NAMED_BATCHES = 20;

/** "lines 5002-6001 (FAILED: WriteFailure), ..." for the reason of a report whose map did not finish. */
function describeBatches(batches: { firstLine: number; lastLine: number; what: string }[]): string {
  const named = [...batches]
    .sort((a, b) => a.firstLine - b.firstLine)
    .slice(0, MAX_NAMED_BATCHES)
    .map((b) => `lines ${b.firstLine}-${b.lastLine} (${b.what})`);
  const more = batches.length - named.length;
  return named.join(', ') + (more > 0 ? ` and ${more} more` : '');
}

/**
 * Item ranges no batch record covers, between the first and the last item the records name (a map run that
 * stopped may list fewer batches than the file has; rows after the last one listed are not known here).
 */
function holes(ranges: [number, number][]): [number, number][] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  let next = 0;
  for (const [first, last] of sorted) {
    if (first > next) out.push([next, first - 1]);
    next = Math.max(next, last + 1);
  }
  return out;
}

/** Adds up the batches and writes the report; see the top of this file. */
export async function finish(
  state: FinishState,
  config: EngineConfig,
  clients: Clients,
  logger: Logger,
): Promise<ImportReport> {
  const object = state.object;
  const job = state.job;
  const owner = job?.executionName ?? state.executionName ?? '';
  const startedAt = job?.startedAt ?? new Date().toISOString();
  const tally = new Tally();
  const format = formatOf(object.key);
  if (state.finishError) return reportFinishFailure(state, config, clients, logger);
  const failure = state.error ? `${state.error.Error ?? 'Error'}: ${state.error.Cause ?? ''}`.trim() : undefined;
  let complete = failure === undefined;
  let reason: { reason: string; line: number } | undefined = failure
    ? { reason: `the import stopped: ${failure}`, line: 0 }
    : undefined;
  const rejected = new RejectedRowsWriter(
    clients.s3,
    object.bucket,
    rejectedRowsKeyFor(config.reportPrefix, object.key),
  );
  const header = job ? (job.lineColumn ? job.header.slice(0, -2) : job.header) : [];
  if (job) rejected.setHeader(header.map((h) => h.trim()));
  try {
    // The map failed (its Catch): no ResultWriter output, but the map run's result files are in the work folder.
    const details =
      state.map?.ResultWriterDetails ?? (job && failure ? await findManifest(clients.s3, job) : undefined);
    if (job && details) {
      const manifest = await readJson<Manifest>(clients.s3, details.Bucket, details.Key);
      const segments: { firstLine: number; write: () => Promise<void> }[] = [];
      const succeeded = manifest.ResultFiles?.SUCCEEDED ?? [];
      const unfinished = [...(manifest.ResultFiles?.FAILED ?? []), ...(manifest.ResultFiles?.PENDING ?? [])];
      const unfinishedBatches: { firstLine: number; lastLine: number; what: string }[] = [];
      // Item ranges of every batch the records name, and the line of each item at their edges (for the holes).
      const ranges: [number, number][] = [];
      const lineAt = new Map<number, number>();
      let indexed = true;
      for (const file of succeeded) {
        for await (const record of readResultRecords(clients.s3, details.Bucket, file.Key)) {
          const result = JSON.parse(record.Output ?? '{}') as BatchResult;
          tally.rowsTotal += result.rowsTotal;
          tally.rowsWritten += result.rowsWritten;
          tally.rowsRejected += result.rowsRejected;
          for (const error of result.errors) addError(tally, error);
          tally.errorsOmitted += result.errorsOmitted;
          if (result.firstIndex !== undefined && result.lastIndex !== undefined) {
            ranges.push([result.firstIndex, result.lastIndex]);
            lineAt.set(result.firstIndex, result.firstLine);
            lineAt.set(result.lastIndex, result.lastLine);
          } else {
            indexed = false;
          }
          if (result.rejectedKey) {
            const key = result.rejectedKey;
            segments.push({
              firstLine: result.firstLine,
              write: async () => {
                const rows = parseCsvSync(await readText(clients.s3, job.bucket, key), {
                  relax_column_count: true,
                }) as string[][];
                for (const cells of rows.slice(1)) {
                  rejected.add(Number(cells[cells.length - 2]), cells[cells.length - 1], cells.slice(0, -2));
                  await rejected.flushIfFull();
                }
              },
            });
          }
        }
      }
      for (const file of unfinished) {
        for await (const record of readResultRecords(clients.s3, details.Bucket, file.Key)) {
          const input = JSON.parse(record.Input ?? '{}') as Partial<BatchEvent>;
          const why = notProcessedReason(record);
          const items = input.Items ?? [];
          const batch = items.map((item) => {
            const line = lineOf(job, item);
            const values = header.map((name) => item.row[name] ?? '');
            return { line, values };
          });
          if (items.length > 0) {
            const first = items[0].index;
            const last = items[items.length - 1].index;
            ranges.push([first, last]);
            lineAt.set(first, batch[0].line);
            lineAt.set(last, batch[batch.length - 1].line);
            unfinishedBatches.push({
              firstLine: batch[0].line,
              lastLine: batch[batch.length - 1].line,
              what: `${record.Status ?? 'FAILED'}${record.Error ? `: ${record.Error}` : ''}`,
            });
          }
          const rows = batch.filter((r) => r.values.some((v) => v.trim() !== ''));
          for (const row of rows) {
            tally.read();
            tally.rejected({ line: row.line, reason: why });
          }
          complete = complete && rows.length === 0;
          segments.push({
            firstLine: rows[0]?.line ?? 0,
            write: async () => {
              for (const row of rows) {
                rejected.add(row.line, why, row.values);
                await rejected.flushIfFull();
              }
            },
          });
        }
      }
      for (const segment of segments.sort((a, b) => a.firstLine - b.firstLine)) await segment.write();
      const parts: string[] = [];
      if (unfinishedBatches.length > 0) {
        parts.push(
          `batches that did not finish (their rows are rejected as not processed; upload those lines again): ${describeBatches(unfinishedBatches)}`,
        );
      }
      // Items no record names (a map run that stopped may not list every batch): their rows were not counted.
      const missing = failure && indexed ? holes(ranges) : [];
      if (missing.length > 0) {
        complete = false;
        const lineOfIndex = (index: number, side: -1 | 1): string => {
          if (!job.lineColumn) return String(job.firstDataLine + index);
          const neighbour = lineAt.get(index + side);
          return neighbour === undefined ? '?' : side < 0 ? `after ${neighbour}` : `before ${neighbour}`;
        };
        parts.push(
          `rows the map run did not report (not counted): ${missing
            .slice(0, MAX_NAMED_BATCHES)
            .map(([first, last]) => `lines ${lineOfIndex(first, -1)}-${lineOfIndex(last, 1)}`)
            .join(', ')}`,
        );
      }
      if (failure) {
        reason = { reason: [`the import stopped: ${failure}`, ...parts].join('; '), line: 0 };
      } else if (unfinished.length > 0) {
        reason = {
          reason: ['some batches failed after their retries; their rows are rejected as not processed', ...parts].join(
            '; ',
          ),
          line: 0,
        };
      }
    } else if (job && failure) {
      reason = {
        reason: `the import stopped: ${failure}; no map run results were found in s3://${job.bucket}/${job.workPrefix}, so the rows its batches wrote are not counted`,
        line: 0,
      };
    } else if (!failure) {
      reason = { reason: 'the import stopped before its batches reported (no results were written)', line: 0 };
      complete = false;
    }
    await rejected.close();
  } catch (err) {
    await rejected.abort();
    logger.error('could not read the batch results', errorFields(err));
    throw err;
  }
  const fileLevel = !job;
  const report = buildReport(object, config, format, tally, complete, startedAt, reason, fileLevel, job);
  await putReport(clients.s3, report);
  const ledger = ledgerOf(config, clients);
  if (ledger && owner) {
    if (fileLevel && failure) await ledger.release(object, owner);
    else await ledger.complete(object, owner, report.status, report.rowsWritten);
  }
  logger.info('large-file import finished', {
    key: object.key,
    status: report.status,
    rowsTotal: report.rowsTotal,
    rowsWritten: report.rowsWritten,
    rowsRejected: report.rowsRejected,
  });
  return report;
}

/**
 * ReportFailure: Finish failed (out of memory, a timeout, an S3 error on the results), so the batch results are
 * not read again. The report says the import's outcome is unknown (FAILED, no rows counted, why) and the ledger
 * claim is released, so that uploading the file again imports it; the writes are idempotent upserts.
 */
async function reportFinishFailure(
  state: FinishState,
  config: EngineConfig,
  clients: Clients,
  logger: Logger,
): Promise<ImportReport> {
  const object = state.object;
  const owner = state.job?.executionName ?? state.executionName ?? '';
  const e = state.finishError!;
  const why = `${e.Error ?? 'Error'}${e.Cause ? `: ${e.Cause.slice(0, 500)}` : ''}`;
  const earlier = state.error ? `; before that the import had stopped: ${state.error.Error ?? 'Error'}` : '';
  const reason = {
    reason: `the report could not be built from the batch results (${why})${earlier}: the rows the batches wrote are not counted and rejected rows are not listed. Upload the file again to import it with a full report (rows already written are written again, unchanged)`,
    line: 0,
  };
  const report = buildReport(
    object,
    config,
    formatOf(object.key),
    new Tally(),
    false,
    state.job?.startedAt ?? new Date().toISOString(),
    reason,
    true,
  );
  await putReport(clients.s3, report);
  const ledger = ledgerOf(config, clients);
  if (ledger && owner) await ledger.release(object, owner);
  logger.error('large-file import finished without its batch results', { key: object.key, error: why });
  return report;
}

function addError(tally: Tally, error: RowError): void {
  if (tally.errors.length < MAX_REPORTED_ERRORS) tally.errors.push(error);
  else tally.errorsOmitted++;
}

function buildReport(
  object: LargeFileObject,
  config: EngineConfig,
  format: 'csv' | 'xlsx' | undefined,
  tally: Tally,
  complete: boolean,
  startedAt: string,
  problem: { reason: string; line: number } | undefined,
  fileLevel = problem !== undefined && tally.rowsTotal === 0 && !complete,
  source?: Pick<LargeFileJob, 'sheet' | 'delimiter'>,
): ImportReport {
  const finishedAt = new Date();
  const errors = tally.sortedErrors();
  if (problem && fileLevel) errors.unshift({ line: problem.line, reason: problem.reason });
  return {
    status: decideStatus(tally, complete, fileLevel),
    bucket: object.bucket,
    key: object.key,
    ...(object.versionId ? { versionId: object.versionId } : {}),
    ...(object.etag ? { etag: object.etag } : {}),
    ...(format ? { format } : {}),
    ...(source?.sheet !== undefined ? { sheet: source.sheet } : {}),
    ...(source?.delimiter !== undefined ? { delimiter: source.delimiter } : {}),
    rowsTotal: tally.rowsTotal,
    rowsWritten: tally.rowsWritten,
    rowsRejected: tally.rowsRejected,
    complete,
    ...(problem ? { reason: problem.reason } : {}),
    errors,
    errorsOmitted: tally.errorsOmitted,
    reportKey: reportKeyFor(config.reportPrefix, object.key),
    rejectedRowsKey: rejectedRowsKeyFor(config.reportPrefix, object.key),
    startedAt,
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - new Date(startedAt).getTime(),
  };
}

async function putReport(s3: S3Client, report: ImportReport): Promise<void> {
  await s3.send(
    new PutObjectCommand({
      Bucket: report.bucket,
      Key: report.reportKey,
      Body: JSON.stringify(report, null, 2),
      ContentType: 'application/json',
    }),
  );
}

export { WriteFailure };
