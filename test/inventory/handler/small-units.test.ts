import { loadConfig } from '../../../lib/inventory/handler/config';
import { Logger, METRIC_NAMESPACE } from '../../../lib/inventory/handler/log';
import { csvCell, csvLine } from '../../../lib/inventory/handler/rejected-rows';
import { decideStatus, MAX_REPORTED_ERRORS, Tally } from '../../../lib/inventory/handler/report';
import { backoffDelay, isRetryable } from '../../../lib/inventory/handler/retry';

describe('rejected-rows CSV cells', () => {
  test.each([
    ['=SUM(A1)', "'=SUM(A1)"],
    ['+1', "'+1"],
    ['-2', "'-2"],
    ['@cmd', "'@cmd"],
    ['\tx', "'\tx"],
    ['\rx', `"'\rx"`],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['plain', 'plain'],
  ])('neutralises and quotes %j', (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  test('lines end with CRLF', () => {
    expect(csvLine(['a', '=1'])).toBe("a,'=1\r\n");
  });
});

describe('Tally and status', () => {
  test('caps the error list and counts the omitted errors', () => {
    const tally = new Tally();
    for (let i = 0; i < MAX_REPORTED_ERRORS + 5; i++) {
      tally.read();
      tally.rejected({ line: i + 2, reason: 'bad' });
    }
    expect(tally.errors).toHaveLength(MAX_REPORTED_ERRORS);
    expect(tally.errorsOmitted).toBe(5);
    expect(tally.rowsRejected).toBe(MAX_REPORTED_ERRORS + 5);
  });

  test('a superseded written row moves from written to rejected', () => {
    const tally = new Tally();
    tally.read();
    tally.written();
    tally.read();
    tally.rejected({ line: 2, reason: 'superseded' }, true);
    tally.written();
    expect([tally.rowsTotal, tally.rowsWritten, tally.rowsRejected]).toEqual([2, 1, 1]);
  });

  test('status: SUCCEEDED, PARTIAL, FAILED', () => {
    const clean = new Tally();
    expect(decideStatus(clean, true, false)).toBe('SUCCEEDED');
    expect(decideStatus(clean, true, true)).toBe('FAILED');
    expect(decideStatus(clean, false, false)).toBe('FAILED');
    const mixed = new Tally();
    mixed.written();
    mixed.rejected({ line: 3, reason: 'x' });
    expect(decideStatus(mixed, true, false)).toBe('PARTIAL');
    const allBad = new Tally();
    allBad.rejected({ line: 2, reason: 'x' });
    expect(decideStatus(allBad, true, false)).toBe('FAILED');
  });
});

describe('retry', () => {
  const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };
  test('full jitter: delay is random in [0, min(cap, base * 2^(retry-1)))', () => {
    expect(backoffDelay(1, policy, () => 0.999)).toBe(99);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(200);
    expect(backoffDelay(10, policy, () => 0.999)).toBe(999);
    expect(backoffDelay(4, policy, () => 0)).toBe(0);
  });

  test('classifies throttling, 5xx and network errors as retryable', () => {
    expect(isRetryable(Object.assign(new Error('x'), { name: 'ProvisionedThroughputExceededException' }))).toBe(true);
    expect(isRetryable(Object.assign(new Error('x'), { name: 'Weird', $metadata: { httpStatusCode: 503 } }))).toBe(
      true,
    );
    expect(isRetryable(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(true);
    expect(
      isRetryable(Object.assign(new Error('x'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } })),
    ).toBe(false);
  });
});

describe('Logger', () => {
  test('writes JSON lines with context and respects the level', () => {
    const lines: string[] = [];
    const logger = new Logger({ requestId: 'r1' }, (line) => lines.push(line), 'INFO').child({ key: 'k' });
    logger.debug('hidden');
    logger.warn('shown', { n: 1 });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ level: 'WARN', message: 'shown', requestId: 'r1', key: 'k', n: 1 });
  });

  test('emits CloudWatch Embedded Metric Format records', () => {
    const lines: string[] = [];
    new Logger({}, (line) => lines.push(line), 'INFO').metrics(
      { RowsWritten: { value: 5, unit: 'Count' }, DurationMs: { value: 12, unit: 'Milliseconds' } },
      'SUCCEEDED',
    );
    const record = JSON.parse(lines[0]);
    expect(record).toMatchObject({
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: METRIC_NAMESPACE,
            Dimensions: [[], ['Status']],
            Metrics: [
              { Name: 'RowsWritten', Unit: 'Count' },
              { Name: 'DurationMs', Unit: 'Milliseconds' },
            ],
          },
        ],
      },
      Status: 'SUCCEEDED',
      RowsWritten: 5,
      DurationMs: 12,
    });
    expect(typeof record._aws.Timestamp).toBe('number');
  });
});

describe('loadConfig', () => {
  test('reads the contract variables with their defaults', () => {
    expect(loadConfig({ TABLE_NAME: 'T' })).toMatchObject({
      tableName: 'T',
      reportPrefix: 'reports/',
      writeConcurrency: 8,
    });
    expect(loadConfig({ TABLE_NAME: 'T', LEDGER_TABLE_NAME: 'L', REPORT_PREFIX: 'out/' })).toMatchObject({
      ledgerTableName: 'L',
      reportPrefix: 'out/',
    });
  });

  test('fails when TABLE_NAME is missing', () => {
    expect(() => loadConfig({})).toThrow(
      'TABLE_NAME is not set; the InventoryLoader construct sets it to the inventory table name',
    );
  });

  test('fails when WRITE_CONCURRENCY is out of range', () => {
    expect(() => loadConfig({ TABLE_NAME: 'T', WRITE_CONCURRENCY: '0' })).toThrow(
      "WRITE_CONCURRENCY must be an integer from 1 to 64; received '0'",
    );
  });

  test('reads the ledger lease length, 30 seconds by default', () => {
    expect(loadConfig({ TABLE_NAME: 'T' }).leaseSeconds).toBe(30);
    expect(loadConfig({ TABLE_NAME: 'T', LEDGER_LEASE_SECONDS: '2' }).leaseSeconds).toBe(2);
  });

  test('fails when LEDGER_LEASE_SECONDS is out of range', () => {
    expect(() => loadConfig({ TABLE_NAME: 'T', LEDGER_LEASE_SECONDS: '900' })).toThrow(
      "LEDGER_LEASE_SECONDS must be a number from 1 to 300; received '900'",
    );
  });
});
