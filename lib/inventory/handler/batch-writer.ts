/**
 * Writes items to DynamoDB in BatchWriteItem calls of up to 25 with bounded concurrency.
 *
 * Guarantees:
 * - an entry is reported `accepted` only after DynamoDB accepted it (not returned in UnprocessedItems);
 * - UnprocessedItems and retryable errors (throttling, 5xx, network) are retried with exponential backoff and
 *   full jitter, at most `retry.maxAttempts` attempts per batch; then the remaining entries are reported failed
 *   and `failure` is set, so the caller stops;
 * - a batch DynamoDB refuses as invalid (ValidationException) is retried item by item, so one bad item is
 *   rejected with DynamoDB's message and the others still load;
 * - two entries with the same key are never in one call, and never in flight at the same time (see `supersede`),
 *   so a later row always lands after an earlier one with the same key.
 *
 * With `fileOrder` (the large-file mode, where batches of one file are written concurrently by different
 * workers), each entry is a conditional PutItem instead, stamped with the import and its line: it lands only if
 * the item holds no row of the same import from a later line (`attribute_not_exists(#imp) OR #imp.#e <> :e OR
 * #imp.#l <= :l`), so the row later in the file wins whatever order the puts arrive in. A put that loses is
 * reported accepted with `supersededBy` (the caller rejects it); one that replaced an earlier row of the same
 * import reports that row's line in `replacedLine` (the caller moves it from written to rejected) and records it
 * in the stamp (`p`), so a retried batch reports it again. BatchWriteItem has no conditions, hence PutItem: the
 * same write units, more requests.
 */
import { DynamoDBClient, WriteRequest } from '@aws-sdk/client-dynamodb';
import { ATTEMPT_TIMEOUT_MS, FastBatchWriter } from './fast-batch-write';
import { backoffDelay, DEFAULT_RETRY_POLICY, isRetryable, RetryPolicy, sleep as realSleep } from './retry';
import type { Item } from './validator';

export const MAX_BATCH_SIZE = 25;
export const DEFAULT_CONCURRENCY = 8;
/** fileOrder: conditional puts of one batch sent at once. */
export const ORDERED_PUTS_PER_BATCH = 5;

/** One row on its way to DynamoDB. */
export interface WriteEntry {
  readonly line: number;
  readonly key: string;
  readonly item: Item;
  readonly values: readonly string[];
  /**
   * Set when a later row with the same key arrived while this one was in flight, or (fileOrder) when the table
   * already held a later row of the same import (0 when DynamoDB did not say which line).
   */
  supersededBy?: number;
  /** fileOrder: the line of the earlier row of the same import this entry's put replaced. */
  replacedLine?: number;
}

/** The stamp attribute of fileOrder writes: `{ e: import id (S), l: line (N), p?: replaced line (N) }`. */
export interface FileOrder {
  /** Attribute holding the stamp. */
  readonly attribute: string;
  /** The import's id (the large-file execution's name). */
  readonly importId: string;
}

export type FailureKind = 'retries-exhausted' | 'fatal' | 'time-budget';

/** Why writing stopped. */
export class WriteFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
  ) {
    super(message);
    this.name = 'WriteFailure';
  }
}

export interface BatchWriterOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Attribute name of the partition key (to match UnprocessedItems to entries). */
  readonly keyAttribute: string;
  /** BatchWriteItem calls in flight at once. @default 8 */
  readonly concurrency?: number;
  readonly retry?: RetryPolicy;
  /** DynamoDB accepted the entry. */
  readonly onAccepted: (entry: WriteEntry) => void;
  /** The entry will not be written: DynamoDB refused it, or writing stopped (see `failure`). */
  readonly onFailed: (entry: WriteEntry, reason: string) => void;
  /** Returns true when there is no time left for another retry. @default never */
  readonly outOfTime?: () => boolean;
  /**
   * Milliseconds left before writing must stop (the import's hard stop). Each attempt is given at most this long
   * (and at most ATTEMPT_TIMEOUT_MS), and no backoff sleeps past it, so a stalled DynamoDB cannot keep a write
   * going past the point where the report must be written. @default unlimited
   */
  readonly msLeft?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  /** Resolve duplicate keys across concurrent writers in file order with conditional puts (see the top). */
  readonly fileOrder?: FileOrder;
}

export type SupersedeOutcome =
  | { readonly state: 'queued'; readonly entry: WriteEntry }
  | { readonly state: 'in-flight' }
  | { readonly state: 'written' };

interface InFlight {
  readonly entry: WriteEntry;
  readonly done: Promise<void>;
}

export class BatchWriter {
  /** Set once writing has stopped for good; the caller must stop adding entries. */
  failure: WriteFailure | undefined;
  /** BatchWriteItem calls made (for metrics and tests). */
  calls = 0;

  private pending = new Map<string, WriteEntry>();
  private readonly inFlightKeys = new Map<string, InFlight>();
  private readonly batches = new Set<Promise<void>>();
  private readonly concurrency: number;
  private readonly retry: RetryPolicy;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly sender: FastBatchWriter;

  constructor(private readonly options: BatchWriterOptions) {
    this.sender = new FastBatchWriter(options.client);
    this.concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.sleep = options.sleep ?? realSleep;
  }

  /**
   * A later row with `key` arrived: takes the earlier entry out of the way.
   * - `queued` (not sent yet): removed from the queue and returned, so the caller can reject it;
   * - `in-flight`: marked `supersededBy` and its call awaited, so the later row is sent only after it; its
   *   onAccepted/onFailed callback has run (and seen `supersededBy`) when this resolves;
   * - `written`: nothing of it is held here any more (the caller knows whether it was accepted).
   */
  async supersede(key: string, byLine: number): Promise<SupersedeOutcome> {
    const queued = this.pending.get(key);
    if (queued) {
      this.pending.delete(key);
      return { state: 'queued', entry: queued };
    }
    const inFlight = this.inFlightKeys.get(key);
    if (inFlight) {
      inFlight.entry.supersededBy = byLine;
      await inFlight.done;
      return { state: 'in-flight' };
    }
    return { state: 'written' };
  }

  /**
   * Queues an entry; sends a batch when 25 are queued, waiting while `concurrency` calls are in flight.
   * After a failure entries are only queued (the caller drains and rejects them).
   */
  async add(entry: WriteEntry): Promise<void> {
    this.pending.set(entry.key, entry);
    if (this.failure) return;
    if (this.pending.size >= MAX_BATCH_SIZE) await this.dispatch();
  }

  /** Sends what is queued and waits for every call in flight to settle. */
  async flush(): Promise<void> {
    if (this.pending.size > 0) await this.dispatch();
    while (this.batches.size > 0) await Promise.all([...this.batches]);
  }

  /** Drops the queued entries without sending them and returns them (used when stopping). */
  drain(): WriteEntry[] {
    const entries = [...this.pending.values()];
    this.pending = new Map();
    return entries;
  }

  /** Waits for the calls in flight, sending nothing new. */
  async settle(): Promise<void> {
    while (this.batches.size > 0) await Promise.all([...this.batches]);
  }

  private async dispatch(): Promise<void> {
    while (this.batches.size >= this.concurrency) await Promise.race(this.batches);
    if (this.failure) return; // the queued entries are drained by the caller
    const entries = [...this.pending.values()];
    this.pending = new Map();
    const batch = this.writeBatch(entries).finally(() => {
      this.batches.delete(batch);
      for (const entry of entries) {
        if (this.inFlightKeys.get(entry.key)?.entry === entry) this.inFlightKeys.delete(entry.key);
      }
    });
    this.batches.add(batch);
    for (const entry of entries) this.inFlightKeys.set(entry.key, { entry, done: batch });
  }

  private async writeBatch(entries: WriteEntry[]): Promise<void> {
    if (this.options.fileOrder) {
      // At most ORDERED_PUTS_PER_BATCH puts of a batch at once (concurrency x that in flight): a put whose answer
      // is lost (a timeout while it landed) is retried, and the retry cannot see which row the first one replaced.
      const order = this.options.fileOrder;
      const queue = [...entries];
      const lane = async (): Promise<void> => {
        for (let entry = queue.shift(); entry; entry = queue.shift()) await this.putInOrder(entry, order);
      };
      await Promise.all(Array.from({ length: Math.min(ORDERED_PUTS_PER_BATCH, queue.length) }, lane));
      return;
    }
    const { tableName, keyAttribute } = this.options;
    let remaining = entries;
    let lastProblem = '';
    const msLeft = (): number => this.options.msLeft?.() ?? Number.POSITIVE_INFINITY;
    const timeUp = (): boolean => msLeft() <= 0;
    for (let attempt = 1; attempt <= this.retry.maxAttempts; attempt++) {
      if (attempt > 1) {
        if (this.options.outOfTime?.() || timeUp()) {
          this.fail(remaining, new WriteFailure('time-budget', 'not processed: time budget exhausted'));
          return;
        }
        await this.sleep(Math.min(backoffDelay(attempt - 1, this.retry, this.options.random), msLeft()));
      }
      if (timeUp()) {
        this.fail(remaining, new WriteFailure('time-budget', 'not processed: time budget exhausted'));
        return;
      }
      if (this.failure?.kind === 'fatal') {
        this.fail(remaining, this.failure);
        return;
      }
      let unprocessed: WriteRequest[];
      try {
        this.calls++;
        const response = await this.sender.send(
          { RequestItems: { [tableName]: remaining.map((e) => ({ PutRequest: { Item: e.item } })) } },
          Math.min(ATTEMPT_TIMEOUT_MS, msLeft()),
        );
        unprocessed = response.UnprocessedItems?.[tableName] ?? [];
      } catch (err) {
        const name = (err as Error).name;
        if (name === 'ValidationException') {
          await this.isolate(remaining, (err as Error).message);
          return;
        }
        if (isRetryable(err)) {
          lastProblem = `${name}: ${(err as Error).message}`;
          continue;
        }
        this.fail(
          remaining,
          new WriteFailure('fatal', `not written: DynamoDB error ${name}: ${(err as Error).message}`),
        );
        return;
      }
      if (unprocessed.length === 0) {
        for (const entry of remaining) this.options.onAccepted(entry);
        return;
      }
      const unprocessedKeys = new Set(unprocessed.map((r) => r.PutRequest?.Item?.[keyAttribute]?.S));
      const stillPending: WriteEntry[] = [];
      for (const entry of remaining) {
        if (unprocessedKeys.has(entry.key)) stillPending.push(entry);
        else this.options.onAccepted(entry);
      }
      remaining = stillPending;
      lastProblem = `${remaining.length} item(s) returned as UnprocessedItems`;
    }
    this.fail(
      remaining,
      new WriteFailure(
        'retries-exhausted',
        `not written: DynamoDB retries exhausted after ${this.retry.maxAttempts} attempts (${lastProblem})`,
      ),
    );
  }

  /** fileOrder: one entry as a conditional PutItem (see the top of this file), retried like a batch. */
  private async putInOrder(entry: WriteEntry, order: FileOrder): Promise<void> {
    const msLeft = (): number => this.options.msLeft?.() ?? Number.POSITIVE_INFINITY;
    const timeUp = (): boolean => msLeft() <= 0;
    const stamp = (replaced?: number): Item[string] => ({
      M: {
        e: { S: order.importId },
        l: { N: String(entry.line) },
        ...(replaced !== undefined ? { p: { N: String(replaced) } } : {}),
      },
    });
    const put = (replaced: number | undefined, condition: string) =>
      this.sender.put(
        {
          TableName: this.options.tableName,
          Item: { ...entry.item, [order.attribute]: stamp(replaced) },
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#imp': order.attribute, '#e': 'e', '#l': 'l' },
          ExpressionAttributeValues: { ':e': { S: order.importId }, ':l': { N: String(entry.line) } },
          ReturnValues: 'ALL_OLD',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
        Math.min(ATTEMPT_TIMEOUT_MS, msLeft()),
      );
    let lastProblem = '';
    // First the ordered put; then, if it replaced an earlier row of this import, the same put again recording
    // that line (only while the item is still this row), so a retried batch can report it again.
    let replaced: number | undefined;
    for (let attempt = 1; attempt <= this.retry.maxAttempts; attempt++) {
      if (attempt > 1) {
        if (this.options.outOfTime?.() || timeUp()) {
          this.fail([entry], new WriteFailure('time-budget', 'not processed: time budget exhausted'));
          return;
        }
        await this.sleep(Math.min(backoffDelay(attempt - 1, this.retry, this.options.random), msLeft()));
      }
      if (timeUp()) {
        this.fail([entry], new WriteFailure('time-budget', 'not processed: time budget exhausted'));
        return;
      }
      if (this.failure?.kind === 'fatal') {
        this.fail([entry], this.failure);
        return;
      }
      try {
        this.calls++;
        if (replaced === undefined) {
          const response = await put(undefined, 'attribute_not_exists(#imp) OR #imp.#e <> :e OR #imp.#l <= :l');
          const old = response.Attributes?.[order.attribute]?.M;
          if (old?.e?.S !== order.importId) break;
          const oldLine = Number(old.l?.N);
          replaced = oldLine < entry.line ? oldLine : old.p?.N !== undefined ? Number(old.p.N) : undefined;
          if (replaced === undefined) break;
        }
        await put(replaced, '#imp.#e = :e AND #imp.#l = :l');
        entry.replacedLine = replaced;
        break;
      } catch (err) {
        const name = (err as Error).name;
        if (name === 'ConditionalCheckFailedException') {
          if (replaced !== undefined) {
            // A later row took the item between the two puts: that row's writer reported this one's.
            entry.replacedLine = replaced;
            break;
          }
          const winner = (err as { Item?: Item }).Item?.[order.attribute]?.M?.l?.N;
          entry.supersededBy = winner !== undefined ? Number(winner) : 0;
          break;
        }
        if (name === 'ValidationException') {
          this.options.onFailed(entry, `DynamoDB refused the item: ${(err as Error).message}`);
          return;
        }
        if (isRetryable(err)) {
          lastProblem = `${name}: ${(err as Error).message}`;
          if (attempt < this.retry.maxAttempts) continue;
          this.fail(
            [entry],
            new WriteFailure(
              'retries-exhausted',
              `not written: DynamoDB retries exhausted after ${this.retry.maxAttempts} attempts (${lastProblem})`,
            ),
          );
          return;
        }
        this.fail([entry], new WriteFailure('fatal', `not written: DynamoDB error ${name}: ${(err as Error).message}`));
        return;
      }
    }
    this.options.onAccepted(entry);
  }

  /** Writes the entries one per call, so an invalid item is refused alone. */
  private async isolate(entries: WriteEntry[], message: string): Promise<void> {
    if (entries.length === 1) {
      this.options.onFailed(entries[0], `DynamoDB refused the item: ${message}`);
      return;
    }
    for (const entry of entries) await this.writeBatch([entry]);
  }

  private fail(entries: WriteEntry[], failure: WriteFailure): void {
    if (!this.failure || (this.failure.kind === 'time-budget' && failure.kind !== 'time-budget'))
      this.failure = failure;
    for (const entry of entries) this.options.onFailed(entry, failure.message);
  }
}
