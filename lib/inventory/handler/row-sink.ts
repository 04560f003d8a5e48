/**
 * From a read row to DynamoDB, shared by the single-invocation importer (importer.ts) and the large-file batch
 * worker (large-file/worker.ts): the read problem or validation refusal that rejects a row, duplicate keys ("the
 * later row wins", see below), and the BatchWriter's outcome of each row turned into "written" or "rejected".
 *
 * Duplicate keys, in one streaming pass with bounded memory:
 * - KeyIndex remembers, per distinct key, the line of the last accepted row (see key-index.ts for its size).
 * - When row L2 repeats the key of row L1, L1 is rejected with "superseded by line L2":
 *   - L1 still queued (not sent): it is dropped from the queue, so two rows with the same key never share a
 *     BatchWriteItem call;
 *   - L1 in flight: L1 is marked superseded and the reader waits for its call to settle before queuing L2, so
 *     L2's put always lands after L1's; when L1's call settles it is counted rejected, not written;
 *   - L1 already written: its `written` count moves to `rejected`; L2's put overwrites it.
 *   So rowsWritten counts exactly the rows DynamoDB accepted and that are still the final version of their key.
 *   If L2 itself then fails to write (retries exhausted), both rows end rejected while the table holds L1: the
 *   report is PARTIAL and the invocation fails, and the retry (puts are idempotent) loads L2.
 * - Rows refused by validation never enter the index, so an invalid later row does not displace a valid one.
 * - Across the concurrent batches of a large file (`fileOrder`), the conditional puts of batch-writer.ts decide:
 *   a row that lost to a later line of another batch is rejected here; a row that replaced an earlier line of
 *   another batch moves that line from written to rejected (in this batch's counts: the report adds up batches).
 */
import { BatchWriter, BatchWriterOptions, WriteEntry } from './batch-writer';
import { KeyIndex } from './key-index';
import type { SourceRow } from './source';
import type { RowValidator } from './validator';

/** Where the sink's verdicts go. */
export interface RowOutcomes {
  /** A row is rejected; `wasWritten` moves a row already counted written. */
  rejected(
    line: number,
    reason: string,
    key: string | undefined,
    values: readonly string[],
    wasWritten?: boolean,
  ): void;
  /** DynamoDB accepted a row. */
  written(): void;
}

export interface RowSinkOptions extends Omit<BatchWriterOptions, 'onAccepted' | 'onFailed'> {
  readonly outcomes: RowOutcomes;
  /**
   * fileOrder: true for lines this sink handles itself (its batch), whose duplicates it resolves in memory; a
   * replaced line outside them belongs to another batch. @default every line is the sink's own
   */
  readonly ownsLine?: (line: number) => boolean;
}

export class RowSink {
  readonly writer: BatchWriter;
  /** Distinct keys accepted so far, with the line of the latest (0: that row was refused or lost). */
  readonly keys = new KeyIndex();
  private validator: RowValidator | undefined;

  constructor(private readonly options: RowSinkOptions) {
    const { outcomes, ownsLine = () => true } = options;
    const keyName = options.keyAttribute;
    this.writer = new BatchWriter({
      ...options,
      onAccepted: (entry) => {
        if (entry.supersededBy !== undefined) {
          // (fileOrder) a later row of another batch holds the key: a later row of this one must not reject it again
          if (this.keys.get(entry.key) === entry.line) this.keys.set(entry.key, 0);
          outcomes.rejected(entry.line, supersededReason(keyName, entry.supersededBy), entry.key, entry.values);
          return;
        }
        outcomes.written();
        if (entry.replacedLine !== undefined && !ownsLine(entry.replacedLine)) {
          const values = this.keyOnlyValues(entry.key);
          outcomes.rejected(entry.replacedLine, supersededReason(keyName, entry.line), entry.key, values, true);
        }
      },
      onFailed: (entry, reason) => {
        if (this.keys.get(entry.key) === entry.line) this.keys.set(entry.key, 0);
        outcomes.rejected(entry.line, reason, entry.key, entry.values);
      },
    });
  }

  /** Validates one data row and queues it, resolving a duplicate key first (see the top of this file). */
  async add(row: Pick<SourceRow, 'line' | 'values' | 'problem'>, validator: RowValidator): Promise<void> {
    this.validator = validator;
    const { outcomes } = this.options;
    if (row.problem) {
      outcomes.rejected(row.line, row.problem, validator.keyOf(row.values), row.values);
      return;
    }
    const earlier = supersededEarlier(validator, row.values);
    if (earlier !== undefined) {
      outcomes.rejected(row.line, notImportedAgainReason(earlier), validator.keyOf(row.values), row.values);
      return;
    }
    const result = validator.validate(row.values);
    if (!result.ok) {
      outcomes.rejected(row.line, result.reason, result.key, row.values);
      return;
    }
    const previous = this.keys.set(result.key, row.line);
    if (previous !== undefined && previous !== 0) {
      const reason = supersededReason(this.options.keyAttribute, row.line);
      const outcome = await this.writer.supersede(result.key, row.line);
      if (outcome.state === 'queued') {
        outcomes.rejected(outcome.entry.line, reason, result.key, outcome.entry.values);
      } else if (outcome.state === 'written') {
        // Written earlier and no longer held in memory: the rejected-rows CSV gets its key only.
        outcomes.rejected(previous, reason, result.key, this.keyOnlyValues(result.key), true);
      }
    }
    const entry: WriteEntry = { line: row.line, key: result.key, item: result.item, values: row.values };
    await this.writer.add(entry);
  }

  /** A row holding only the key, for rows superseded after they were written. */
  private keyOnlyValues(key: string): string[] {
    const validator = this.validator;
    if (!validator) return [key];
    return validator.header.map((_name, index) => (index === validator.keyColumn ? key : ''));
  }
}

const EARLIER_UPLOAD = '; in an earlier upload, whose rejected-rows file this line comes from: ';

/** The start of every reason supersededReason gives. */
const SUPERSEDED_REASON = /^duplicate [^:]+: superseded by /;

/**
 * The `_reason` of a row of a rejected-rows CSV uploaded again, when that reason is that a later duplicate
 * superseded the row: such a row lost to another row of its own file, so importing it now would undo the row
 * that won (and a row superseded after it was written holds only its key, so it would blank the item).
 */
export function supersededEarlier(validator: RowValidator, values: readonly string[]): string | undefined {
  const reason = validator.earlierReason(values);
  return reason !== undefined && SUPERSEDED_REASON.test(reason) ? reason : undefined;
}

/**
 * The reason a row of a rejected-rows CSV, superseded in the upload it came from, is not imported again. It starts
 * with that reason, so the next generation of the file keeps it out too.
 */
export function notImportedAgainReason(earlier: string): string {
  return `${earlier.split(EARLIER_UPLOAD)[0]}${EARLIER_UPLOAD}not imported again, so it cannot undo the row that won (delete the line, or clear its _reason cell to import it)`;
}

/** The reason a superseded row is rejected with (line 0: DynamoDB did not say which later line). */
export function supersededReason(keyName: string, byLine: number): string {
  return byLine > 0
    ? `duplicate ${keyName}: superseded by line ${byLine}`
    : `duplicate ${keyName}: superseded by a later line of the file`;
}
