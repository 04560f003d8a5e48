/**
 * What the large-file state machine passes between its steps (see docs/IMPORT-ENGINE.md, "Large files").
 */
import type { ObjectRef } from '../events';
import type { RowError } from '../report';

/** Folder, under the report prefix, where a large-file import keeps its working files (one folder per execution). */
export const WORK_FOLDER = 'large-file-work/';

/** The object an execution imports, as the router passes it (an `ObjectRef` with the size it saw). */
export type LargeFileObject = ObjectRef;

/** One import of one large object, decided by the Prepare step and read by every batch. */
export interface LargeFileJob {
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
  readonly etag?: string;
  readonly format: 'csv' | 'xlsx';
  /** The execution's name: the ledger owner and the work folder's name. */
  readonly executionName: string;
  /** The CSV the Distributed Map reads: the upload itself (CSV) or the sheet converted to CSV (XLSX). */
  readonly readerKey: string;
  /** The version the map reads (S3 answers the version `null` for objects of an unversioned bucket). */
  readonly readerVersionId: string;
  /** The header cells as the map's CSV reader names them (the keys of each item). */
  readonly header: string[];
  /** Line number of the first data row; item N of the map is on line `firstDataLine + N` (CSV). */
  readonly firstDataLine: number;
  /** True for converted sheets: each row carries its source row number in `_line` (and a read problem in `_reason`). */
  readonly lineColumn: boolean;
  /** Working files of this execution: `<reportPrefix>large-file-work/<executionName>/`. */
  readonly workPrefix: string;
  readonly startedAt: string;
  /** XLSX: the worksheet read, for the report (as a single invocation reports it). */
  readonly sheet?: string;
  /** CSV: the delimiter found when it is not a comma, for the report. */
  readonly delimiter?: string;
}

/** One item of the Distributed Map (its ItemSelector): the row's index in the CSV and its cells by header name. */
export interface BatchItem {
  readonly index: number;
  readonly row: Record<string, string>;
}

/** The child workflow's input (what the Distributed Map's ItemBatcher hands each batch). */
export interface BatchEvent {
  readonly Items: BatchItem[];
  readonly BatchInput: { readonly job: LargeFileJob };
}

/** What one batch reports back (kept small: Step Functions passes it through the ResultWriter). */
export interface BatchResult {
  readonly firstLine: number;
  readonly lastLine: number;
  /** The batch's first and last item index in the map (absent in results of earlier versions). */
  readonly firstIndex?: number;
  readonly lastIndex?: number;
  readonly rowsTotal: number;
  readonly rowsWritten: number;
  readonly rowsRejected: number;
  /** The first rejected rows, with line and reason; all of them are in `rejectedKey`. */
  readonly errors: RowError[];
  readonly errorsOmitted: number;
  /** The batch's rejected rows (the rejected-rows CSV layout), when it rejected any. */
  readonly rejectedKey?: string;
  /** Chunks that met throttling, and the write rate (rows/s) the controller ended at. */
  readonly throttledChunks: number;
  readonly rate: number;
}

/** Errors a batch lists in its result; the rest are counted (the Finish step caps the report at 1,000). */
export const MAX_BATCH_ERRORS = 50;
