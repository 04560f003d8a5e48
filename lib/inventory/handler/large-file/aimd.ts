/**
 * Write-rate controller for the large-file batch workers: additive increase, multiplicative decrease (AIMD), the
 * rule TCP uses to share a link, applied to a DynamoDB table's write capacity.
 *
 * - The controller holds a rate in rows per second and paces the worker with it: `acquire(rows)` waits until
 *   that many rows may be sent (a token bucket refilled at the rate, holding at most one second of tokens).
 * - After each chunk the worker reports what happened. Until the first throttling (slow start, as in TCP) a chunk
 *   that needed no retries multiplies the rate by `slowStartFactor`, so a worker finds the table's pace in a few
 *   seconds; after it, such a chunk raises the rate by `increase` rows/s (additive increase). A chunk that was throttled
 *   multiplies the rate by `decrease` (multiplicative decrease), at most once per `cooldownMs`, so one burst of
 *   throttling answers to one chunk is one congestion signal, not many.
 * - The rate never leaves [minRate, maxRate].
 *
 * Each batch worker runs its own controller (one per warm Lambda container, kept between batches). N workers each
 * running AIMD converge on a fair share of what the table accepts, as TCP flows share a link, without talking to
 * each other: a fresh on-demand table (4,000 write units/s at first, doubling as traffic is sustained) or a
 * provisioned one is filled at the rate it accepts, and the engine's own retries (exponential backoff, full
 * jitter) catch the throttled rows while the rate comes down, so no row is dropped.
 */

export interface AimdOptions {
  /** Rows per second to start at. @default 400 */
  readonly initialRate?: number;
  /** Lowest rate (rows/s). @default 25 */
  readonly minRate?: number;
  /** Highest rate (rows/s). @default 20_000 */
  readonly maxRate?: number;
  /** Rows/s added after a chunk without throttling. @default 50 */
  readonly increase?: number;
  /** Factor the rate grows by per clean chunk before the first throttling (slow start). @default 1.25 */
  readonly slowStartFactor?: number;
  /** Factor the rate is multiplied by on throttling. @default 0.5 */
  readonly decrease?: number;
  /** Shortest time between two decreases (ms). @default 1000 */
  readonly cooldownMs?: number;
  /** Clock (tests). @default Date.now */
  readonly now?: () => number;
  /** Sleep (tests). @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

export class AimdRateController {
  /** The current rate, rows per second. */
  rate: number;
  /** Decreases so far (for reports, logs and tests). */
  decreases = 0;
  /** Increases so far. */
  increases = 0;
  readonly minRate: number;
  readonly maxRate: number;
  private readonly increase: number;
  private readonly slowStartFactor: number;
  /** True until the first throttling. */
  slowStart = true;
  private readonly decrease: number;
  private readonly cooldownMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private tokens: number;
  private refilledAt: number;
  private lastDecreaseAt = Number.NEGATIVE_INFINITY;

  constructor(options: AimdOptions = {}) {
    this.minRate = options.minRate ?? 25;
    this.maxRate = options.maxRate ?? 20_000;
    this.rate = clamp(options.initialRate ?? 400, this.minRate, this.maxRate);
    this.increase = options.increase ?? 50;
    this.slowStartFactor = options.slowStartFactor ?? 1.25;
    this.decrease = options.decrease ?? 0.5;
    if (!(this.decrease > 0 && this.decrease < 1)) {
      throw new Error(`the AIMD decrease factor must be between 0 and 1 (exclusive); received ${this.decrease}`);
    }
    if (!(this.minRate > 0 && this.minRate <= this.maxRate)) {
      throw new Error(
        `the AIMD rates must satisfy 0 < minRate <= maxRate; received ${this.minRate} and ${this.maxRate}`,
      );
    }
    this.cooldownMs = options.cooldownMs ?? 1000;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.refilledAt = this.now();
    this.tokens = 0;
  }

  /** Waits until `rows` rows may be sent at the current rate. */
  async acquire(rows: number): Promise<void> {
    for (;;) {
      this.refill();
      // A chunk larger than one second of tokens is let through once the bucket is full (it then owes the time).
      const need = Math.min(rows, this.rate);
      if (this.tokens >= need) {
        this.tokens -= rows;
        return;
      }
      await this.sleep(Math.max(1, Math.ceil(((need - this.tokens) / this.rate) * 1000)));
    }
  }

  /** A chunk went through without throttling: slow start, then additive increase. */
  onSuccess(): void {
    const next = this.slowStart ? this.rate * this.slowStartFactor : this.rate + this.increase;
    this.rate = clamp(next, this.minRate, this.maxRate);
    this.increases++;
  }

  /** A chunk was throttled: multiplicative decrease (once per cooldown). Returns true when the rate was cut. */
  onThrottle(): boolean {
    const now = this.now();
    if (now - this.lastDecreaseAt < this.cooldownMs) return false;
    this.lastDecreaseAt = now;
    this.slowStart = false;
    this.rate = clamp(this.rate * this.decrease, this.minRate, this.maxRate);
    this.tokens = Math.min(this.tokens, 0);
    this.decreases++;
    return true;
  }

  private refill(): void {
    const now = this.now();
    const elapsed = Math.max(0, now - this.refilledAt) / 1000;
    this.refilledAt = now;
    this.tokens = Math.min(this.rate, this.tokens + elapsed * this.rate);
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
