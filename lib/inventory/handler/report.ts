/**
 * The import report: counters, the (capped) error list and the JSON document written next to the source file.
 *
 * Invariant: rowsTotal = rowsWritten + rowsRejected. rowsTotal counts the data rows the engine read (blank rows
 * are not rows). Every read row ends either written (DynamoDB accepted it and no later row superseded it) or
 * rejected (with a line and a reason). When the engine stops early (time budget, write failure, unreadable
 * record), rows after `stoppedAtLine` were not read and are not counted; `complete` is then false.
 */

/** At most this many errors are listed in the report; the rest are counted in `errorsOmitted` (all rejected rows
 * are in the rejected-rows CSV). */
export const MAX_REPORTED_ERRORS = 1000;

export type ImportStatus = 'SUCCEEDED' | 'PARTIAL' | 'FAILED';

export interface RowError {
  readonly line: number;
  readonly reason: string;
  readonly sku?: string;
}

export interface ImportReport {
  readonly status: ImportStatus;
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
  readonly etag?: string;
  readonly format?: 'csv' | 'xlsx';
  /** XLSX: the worksheet read (the first visible one). */
  readonly sheet?: string;
  /** CSV: the delimiter detected when it is not a comma (`;` or a tab). */
  readonly delimiter?: string;
  readonly rowsTotal: number;
  readonly rowsWritten: number;
  readonly rowsRejected: number;
  /** False when the engine stopped before the end of the file. */
  readonly complete: boolean;
  /** First line not read, when the engine stopped early. */
  readonly stoppedAtLine?: number;
  /** Why the file failed or the engine stopped, for file-level problems. */
  readonly reason?: string;
  readonly errors: RowError[];
  readonly errorsOmitted: number;
  readonly reportKey: string;
  readonly rejectedRowsKey: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
}

/** Counts rows and collects errors for one import. */
export class Tally {
  rowsTotal = 0;
  rowsWritten = 0;
  rowsRejected = 0;
  errorsOmitted = 0;
  readonly errors: RowError[] = [];

  /** A data row was read. */
  read(): void {
    this.rowsTotal++;
  }

  /** DynamoDB accepted a row. */
  written(): void {
    this.rowsWritten++;
  }

  /** A row is rejected. `wasWritten` moves a row already counted written (superseded by a later row). */
  rejected(error: RowError, wasWritten = false): void {
    if (wasWritten) this.rowsWritten--;
    this.rowsRejected++;
    if (this.errors.length < MAX_REPORTED_ERRORS) this.errors.push(error);
    else this.errorsOmitted++;
  }

  /** Errors sorted by line. */
  sortedErrors(): RowError[] {
    return [...this.errors].sort((a, b) => a.line - b.line);
  }
}

/** Chooses the status: SUCCEEDED (all read, none rejected), PARTIAL (something written), else FAILED. */
export function decideStatus(tally: Tally, complete: boolean, fileLevelFailure: boolean): ImportStatus {
  if (fileLevelFailure) return 'FAILED';
  if (complete && tally.rowsRejected === 0) return 'SUCCEEDED';
  return tally.rowsWritten > 0 ? 'PARTIAL' : 'FAILED';
}

/** Report key for a source key. */
export function reportKeyFor(prefix: string, key: string): string {
  return `${prefix}${key}.json`;
}

/** Rejected-rows CSV key for a source key. */
export function rejectedRowsKeyFor(prefix: string, key: string): string {
  return `${prefix}${key}.rejected.csv`;
}
