import { Progress, silentProgress } from './progress';

/** Time source and sleep, injectable so tests never wait for real. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Retry schedule for one wait. Delays grow `initialDelayMs * factor^n`, capped at `maxDelayMs`. */
export interface PollOptions {
  /** What is being waited for, shown in the progress line and in the timeout evidence. */
  readonly label: string;
  /** Give up once this much time has passed since the first attempt. */
  readonly timeoutMs: number;
  /** Give up after this many attempts even if time remains. @default - unlimited (bounded by timeoutMs) */
  readonly maxAttempts?: number;
  /** @default 1000 */
  readonly initialDelayMs?: number;
  /** @default 15000 */
  readonly maxDelayMs?: number;
  /** @default 2 */
  readonly factor?: number;
  readonly clock?: Clock;
  readonly progress?: Progress;
  /** Whether a thrown error is worth retrying. @default isRetryableError */
  readonly retryable?: (error: unknown) => boolean;
}

/**
 * Errors that retrying cannot fix (missing permissions, wrong names, expired credentials) end a wait at once
 * instead of burning the whole timeout; everything else (throttling, 5xx, network) is retried.
 */
export function isRetryableError(error: unknown): boolean {
  const name = (error as { name?: unknown })?.name;
  return !(
    typeof name === 'string' &&
    /AccessDenied|Unauthorized|UnrecognizedClient|InvalidClientTokenId|ExpiredToken|ResourceNotFound|NoSuchBucket|Validation|InvalidParameter|\.NotFound|InvalidGroup/.test(
      name,
    )
  );
}

/** The outcome of one attempt: done with a value, or not yet with the reason (kept as evidence). */
export type Attempt<T> = { readonly done: true; readonly value: T } | { readonly done: false; readonly reason: string };

export type PollResult<T> =
  | { readonly ok: true; readonly value: T; readonly attempts: number; readonly elapsedMs: number }
  | { readonly ok: false; readonly reason: string; readonly attempts: number; readonly elapsedMs: number };

/** Delay before attempt `n + 1` (n counts from 1). Exported for the schedule test. */
export function backoffDelay(
  attempt: number,
  opts: Pick<PollOptions, 'initialDelayMs' | 'maxDelayMs' | 'factor'>,
): number {
  const initial = opts.initialDelayMs ?? 1000;
  const max = opts.maxDelayMs ?? 15000;
  const factor = opts.factor ?? 2;
  return Math.min(max, initial * factor ** (attempt - 1));
}

/**
 * The one retry/poll loop every wait in the verifier uses: calls `attempt` until it reports done, sleeping with
 * exponential backoff between attempts, until `timeoutMs` or `maxAttempts` is reached. A thrown error counts as
 * a failed attempt (its message becomes the reason) so transient network or API errors are retried too, unless
 * `retryable` says retrying cannot help.
 * Never throws; the caller turns a timeout into a failed check with the last reason as evidence.
 */
export async function poll<T>(attempt: (n: number) => Promise<Attempt<T>>, opts: PollOptions): Promise<PollResult<T>> {
  const clock = opts.clock ?? systemClock;
  const progress = opts.progress ?? silentProgress;
  const start = clock.now();
  let reason = 'no attempt made';
  let n = 0;
  try {
    for (;;) {
      n += 1;
      try {
        const result = await attempt(n);
        if (result.done) {
          return { ok: true, value: result.value, attempts: n, elapsedMs: clock.now() - start };
        }
        reason = result.reason;
      } catch (e) {
        reason = errorMessage(e);
        if (!(opts.retryable ?? isRetryableError)(e)) {
          return {
            ok: false,
            reason: `${opts.label}: ${reason} (not retried)`,
            attempts: n,
            elapsedMs: clock.now() - start,
          };
        }
      }
      const elapsed = clock.now() - start;
      const delay = backoffDelay(n, opts);
      if ((opts.maxAttempts !== undefined && n >= opts.maxAttempts) || elapsed + delay > opts.timeoutMs) {
        const limit =
          opts.maxAttempts !== undefined && n >= opts.maxAttempts
            ? `gave up after ${n} attempt(s)`
            : `timed out after ${formatMs(elapsed)} (${n} attempt(s))`;
        return { ok: false, reason: `${limit} waiting for ${opts.label}: ${reason}`, attempts: n, elapsedMs: elapsed };
      }
      progress.update(`${opts.label}: ${reason}; retry ${n + 1} in ${formatMs(delay)} (${formatMs(elapsed)} elapsed)`);
      await clock.sleep(delay);
    }
  } finally {
    progress.done();
  }
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(ms < 10000 ? 1 : 0)}s`;
}

/** A readable message from anything thrown, including AWS SDK service errors. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) {
    return e.name && e.name !== 'Error' && !e.message.startsWith(e.name) ? `${e.name}: ${e.message}` : e.message;
  }
  return String(e);
}
