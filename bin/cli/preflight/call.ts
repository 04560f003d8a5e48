import { poll } from '../verify/poll';
import type { PreflightContext } from './context';

export type CallResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/** Attempts per AWS call: throttling and 5xx are retried with backoff (1s, 2s, 4s), access errors are not. */
export const CALL_ATTEMPTS = 4;

/**
 * One read-only AWS call through verify's retry loop: throttling, 5xx and network errors are retried, errors that
 * retrying cannot fix (AccessDenied, unknown names) end it at once. Never throws; a failure comes back as the
 * reason, which the check turns into a WARN ("could not check") rather than guessing.
 */
export async function call<T>(
  ctx: Pick<PreflightContext, 'clock' | 'progress'>,
  label: string,
  fn: () => Promise<T>,
): Promise<CallResult<T>> {
  const result = await poll(async () => ({ done: true as const, value: await fn() }), {
    label,
    timeoutMs: 60_000,
    maxAttempts: CALL_ATTEMPTS,
    clock: ctx.clock,
    progress: ctx.progress,
  });
  return result.ok ? { ok: true, value: result.value } : { ok: false, reason: result.reason };
}

/** The error name of an AWS SDK error (`NoSuchEntityException`, `ParameterNotFound`...). */
export function errorName(e: unknown): string | undefined {
  const name = (e as { name?: unknown })?.name;
  return typeof name === 'string' ? name : undefined;
}
