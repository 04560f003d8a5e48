import { Attempt, backoffDelay, isRetryableError, poll } from '../../bin/cli/verify/poll';
import { fakeClock, recordingProgress } from './support/helpers';

/** An attempt function that reports not-done `failures` times, then done with 'value'. */
function succeedsAfter(failures: number): jest.Mock<Promise<Attempt<string>>, [number]> {
  return jest.fn(async (n: number): Promise<Attempt<string>> =>
    n > failures ? { done: true, value: 'value' } : { done: false, reason: `try ${n}` },
  );
}

describe('backoffDelay', () => {
  test('grows exponentially from the initial delay and is capped', () => {
    const opts = { initialDelayMs: 1000, maxDelayMs: 5000, factor: 2 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, opts))).toEqual([1000, 2000, 4000, 5000, 5000]);
  });

  test('defaults to 1 s doubling up to 15 s', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, {}))).toEqual([1000, 2000, 4000, 8000, 15000, 15000]);
  });
});

describe('poll', () => {
  test('returns the value once an attempt is done, sleeping with backoff in between', async () => {
    // GIVEN
    const clock = fakeClock();
    const attempt = succeedsAfter(3);
    // WHEN
    const result = await poll(attempt, { label: 'thing', timeoutMs: 60_000, clock });
    // THEN
    expect(result).toEqual({ ok: true, value: 'value', attempts: 4, elapsedMs: 7000 });
    expect(clock.sleeps).toEqual([1000, 2000, 4000]);
  });

  test('does not sleep when the first attempt succeeds', async () => {
    const clock = fakeClock();
    await expect(poll(succeedsAfter(0), { label: 'thing', timeoutMs: 1000, clock })).resolves.toMatchObject({
      ok: true,
      attempts: 1,
    });
    expect(clock.sleeps).toEqual([]);
  });

  test('fails when the timeout is reached, with the last reason as evidence', async () => {
    // GIVEN an attempt that never succeeds
    const clock = fakeClock();
    // WHEN
    const result = await poll(succeedsAfter(Infinity), { label: 'thing', timeoutMs: 10_000, clock });
    // THEN 1 + 2 + 4 = 7 s slept; the next 8 s delay would pass the 10 s timeout
    expect(clock.sleeps).toEqual([1000, 2000, 4000]);
    expect(result).toEqual({
      ok: false,
      reason: 'timed out after 7.0s (4 attempt(s)) waiting for thing: try 4',
      attempts: 4,
      elapsedMs: 7000,
    });
  });

  test('fails after maxAttempts', async () => {
    const result = await poll(succeedsAfter(Infinity), {
      label: 'thing',
      timeoutMs: 1e9,
      maxAttempts: 2,
      clock: fakeClock(),
    });
    expect(result).toMatchObject({
      ok: false,
      attempts: 2,
      reason: 'gave up after 2 attempt(s) waiting for thing: try 2',
    });
  });

  test('retries thrown transient errors', async () => {
    // GIVEN a throttled first call
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const attempt = jest
      .fn<Promise<Attempt<number>>, [number]>()
      .mockRejectedValueOnce(throttled)
      .mockResolvedValueOnce({ done: true, value: 42 });
    // WHEN
    const result = await poll(attempt, { label: 'thing', timeoutMs: 60_000, clock: fakeClock() });
    // THEN
    expect(result).toMatchObject({ ok: true, value: 42, attempts: 2 });
  });

  test('stops at once on an error retrying cannot fix', async () => {
    // GIVEN
    const denied = Object.assign(new Error('not authorized to perform ec2:DescribeInstances'), {
      name: 'UnauthorizedOperation',
    });
    const clock = fakeClock();
    // WHEN
    const result = await poll(() => Promise.reject(denied), { label: 'instances', timeoutMs: 60_000, clock });
    // THEN
    expect(result).toMatchObject({
      ok: false,
      attempts: 1,
      reason: 'instances: UnauthorizedOperation: not authorized to perform ec2:DescribeInstances (not retried)',
    });
    expect(clock.sleeps).toEqual([]);
  });

  test('reports each wait on the progress line and clears it at the end', async () => {
    const progress = recordingProgress();
    await poll(succeedsAfter(2), { label: 'thing', timeoutMs: 60_000, clock: fakeClock(), progress });
    expect(progress.updates).toEqual([
      'thing: try 1; retry 2 in 1.0s (0ms elapsed)',
      'thing: try 2; retry 3 in 2.0s (1.0s elapsed)',
    ]);
    expect(progress.doneCalls).toBe(1);
  });
});

describe('isRetryableError', () => {
  test.each(['ThrottlingException', 'InternalError', 'TimeoutError', 'Error'])('retries %s', (name) => {
    expect(isRetryableError(Object.assign(new Error('x'), { name }))).toBe(true);
  });

  test.each([
    'AccessDeniedException',
    'UnauthorizedOperation',
    'ResourceNotFoundException',
    'InvalidGroup.NotFound',
    'ExpiredTokenException',
    'ValidationException',
  ])('does not retry %s', (name) => {
    expect(isRetryableError(Object.assign(new Error('x'), { name }))).toBe(false);
  });
});
