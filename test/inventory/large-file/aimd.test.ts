/**
 * The write-rate controller (AIMD with slow start) alone with a simulated clock, and the batch worker against
 * dynalite behind a loopback proxy that throttles like a table at capacity: BatchWriteItem and PutItem calls that would
 * exceed the proxy's write units per second are answered ProvisionedThroughputExceededException (dynalite
 * itself never throttles).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { loadConfig } from '../../../lib/inventory/handler/config';
import { AimdRateController } from '../../../lib/inventory/handler/large-file/aimd';
import type { LargeFileJob } from '../../../lib/inventory/handler/large-file/job';
import { setWorkerOverrides, writeBatch } from '../../../lib/inventory/handler/large-file/worker';
import { Logger } from '../../../lib/inventory/handler/log';
import { startDynamoDbProxy } from '../../support/dynamodb-proxy';
import { EMULATOR_CREDENTIALS, EMULATOR_REGION } from '../../support/emulators';
import { BUCKET, countItems, useEngineHarness } from '../handler/helpers';

function fakeClock() {
  let now = 0;
  return {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
    advance: (ms: number) => (now += ms),
  };
}

describe('AimdRateController', () => {
  test('grows by the slow-start factor until the first throttling, then halves and grows additively', () => {
    // GIVEN
    const clock = fakeClock();
    const aimd = new AimdRateController({ initialRate: 400, increase: 50, slowStartFactor: 1.25, now: clock.now });

    // WHEN / THEN slow start
    aimd.onSuccess();
    aimd.onSuccess();
    expect(aimd.rate).toBe(625);
    // multiplicative decrease ends slow start
    expect(aimd.onThrottle()).toBe(true);
    expect(aimd.rate).toBe(312.5);
    expect(aimd.slowStart).toBe(false);
    // additive increase from now on
    aimd.onSuccess();
    expect(aimd.rate).toBe(362.5);
  });

  test('cuts the rate once per cooldown, however many chunks report the same congestion', () => {
    const clock = fakeClock();
    const aimd = new AimdRateController({ initialRate: 1000, cooldownMs: 1000, now: clock.now });
    expect(aimd.onThrottle()).toBe(true);
    expect(aimd.onThrottle()).toBe(false);
    clock.advance(999);
    expect(aimd.onThrottle()).toBe(false);
    clock.advance(1);
    expect(aimd.onThrottle()).toBe(true);
    expect(aimd.rate).toBe(250);
    expect(aimd.decreases).toBe(2);
  });

  test('never leaves [minRate, maxRate]', () => {
    const clock = fakeClock();
    const aimd = new AimdRateController({ initialRate: 100, minRate: 60, maxRate: 150, cooldownMs: 0, now: clock.now });
    aimd.onThrottle();
    aimd.onThrottle();
    expect(aimd.rate).toBe(60);
    for (let i = 0; i < 10; i++) aimd.onSuccess();
    expect(aimd.rate).toBe(150);
  });

  test('paces rows at the current rate', async () => {
    // GIVEN 500 rows/s
    const clock = fakeClock();
    const aimd = new AimdRateController({ initialRate: 500, now: clock.now, sleep: clock.sleep });

    // WHEN 2,000 rows are acquired in chunks of 100
    for (let i = 0; i < 20; i++) await aimd.acquire(100);

    // THEN it took about 4 s of (simulated) time
    expect(clock.now()).toBeGreaterThanOrEqual(3_800);
    expect(clock.now()).toBeLessThanOrEqual(4_100);
  });

  test('fails when the decrease factor is not between 0 and 1', () => {
    expect(() => new AimdRateController({ decrease: 1 })).toThrow(
      'the AIMD decrease factor must be between 0 and 1 (exclusive); received 1',
    );
  });
});

/**
 * A loopback proxy to dynalite that accepts at most `unitsPerSecond` items per second (BatchWriteItem, PutItem): a
 * token bucket holding at most one second of writes, empty at first (a table at capacity has no burst left), so a
 * writer is throttled as soon as it writes faster than the table accepts.
 */
async function throttlingProxy(target: string, unitsPerSecond: number) {
  let tokens = 0;
  let refilled = Date.now();
  const stats = { accepted: 0, throttled: 0 };
  const proxy = await startDynamoDbProxy(target, (operation, body) => {
    if (operation !== 'BatchWriteItem' && operation !== 'PutItem') return undefined;
    const request = JSON.parse(body) as { RequestItems?: Record<string, unknown[]> };
    const items = request.RequestItems
      ? Object.values(request.RequestItems).reduce((n, list) => n + list.length, 0)
      : 1;
    const now = Date.now();
    tokens = Math.min(unitsPerSecond, tokens + ((now - refilled) / 1000) * unitsPerSecond);
    refilled = now;
    if (tokens < items) {
      stats.throttled++;
      return {
        status: 400,
        type: 'ProvisionedThroughputExceededException',
        message: 'The level of configured provisioned throughput for the table was exceeded.',
      };
    }
    tokens -= items;
    stats.accepted += items;
    return undefined;
  });
  return { ...proxy, stats };
}

describe('the batch worker against a throttling table', () => {
  const harness = useEngineHarness();
  afterEach(() => setWorkerOverrides({}));

  test('backs off on throttling and still writes every row', async () => {
    // GIVEN a table that accepts 100 writes per second (below what dynalite answers even on a busy machine, so the
    // table, not the emulator, is the limit), and a worker that starts at 100 rows/s in slow start; 600 rows: slow
    // start (x1.25 per clean chunk of a quarter second's rows) outgrows the table within the first ~250 rows (measured
    // 166-231 on the shared machine), and the rest is written at the table's pace after the cut (about 4 s)
    const table = await harness.freshTable();
    const proxy = await throttlingProxy(harness.emulators().dynamodbEndpoint, 100);
    const dynamodb = new DynamoDBClient({
      region: EMULATOR_REGION,
      credentials: EMULATOR_CREDENTIALS,
      endpoint: proxy.endpoint,
    });
    setWorkerOverrides({
      clients: { s3: harness.emulators().s3, dynamodb },
      aimd: { initialRate: 100 },
      retry: { maxAttempts: 12, baseDelayMs: 20, maxDelayMs: 500 },
    });
    const header = ['sku', 'name', 'quantity'];
    const job: LargeFileJob = {
      bucket: BUCKET,
      key: 'uploads/throttled.csv',
      format: 'csv',
      executionName: 'throttled',
      readerKey: 'uploads/throttled.csv',
      readerVersionId: 'null',
      header,
      firstDataLine: 2,
      lineColumn: false,
      workPrefix: 'reports/large-file-work/throttled/',
      startedAt: new Date().toISOString(),
    };
    const rows = 600;
    const items = Array.from({ length: rows }, (_, index) => ({
      index,
      row: { sku: `T-${index}`, name: `Thing ${index}`, quantity: String(index % 10) },
    }));

    // WHEN
    try {
      const result = await writeBatch(
        { Items: items, BatchInput: { job } },
        loadConfig(),
        { s3: harness.emulators().s3, dynamodb },
        new Logger({}, () => undefined),
      );

      // THEN the table refused some calls, the controller cut its rate on them (each throttled chunk halves it, at
      // most once a second: the unit tests above), and nothing was lost
      expect(proxy.stats.throttled).toBeGreaterThan(0);
      expect(result.throttledChunks).toBeGreaterThan(0);
      expect(result).toMatchObject({ rowsTotal: rows, rowsWritten: rows, rowsRejected: 0, errors: [] });
      expect(await countItems(harness.emulators(), table)).toBe(rows);
    } finally {
      dynamodb.destroy();
      await proxy.stop();
    }
  }, 120_000);
});
