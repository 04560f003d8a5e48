import {
  BatchWriteItemCommand,
  BatchWriteItemCommandInput,
  DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { BatchWriter, BatchWriterOptions, WriteEntry } from '../../../lib/inventory/handler/batch-writer';

const TABLE = 'Inventory';

function entry(line: number, key = `K${line}`): WriteEntry {
  return { line, key, item: { sku: { S: key }, n: { N: String(line) } }, values: [key] };
}

function keysOf(input: BatchWriteItemCommandInput): string[] {
  return (input.RequestItems?.[TABLE] ?? []).map((r) => r.PutRequest?.Item?.sku?.S ?? '?');
}

function throttle(): Error {
  return Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' });
}

function setup(overrides: Partial<BatchWriterOptions> = {}) {
  const client = new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const mock = mockClient(client);
  const accepted: number[] = [];
  const failed: [number, string][] = [];
  const delays: number[] = [];
  const writer = new BatchWriter({
    client,
    tableName: TABLE,
    keyAttribute: 'sku',
    onAccepted: (e) => accepted.push(e.line),
    onFailed: (e, reason) => failed.push([e.line, reason]),
    sleep: async (ms) => {
      delays.push(ms);
    },
    random: () => 0.5,
    retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 250 },
    ...overrides,
  });
  return { mock, writer, accepted, failed, delays };
}

describe('BatchWriter', () => {
  test('sends batches of at most 25 and counts only what DynamoDB accepted', async () => {
    const { mock, writer, accepted } = setup();
    mock.on(BatchWriteItemCommand).resolves({ UnprocessedItems: {} });
    for (let line = 2; line < 62; line++) await writer.add(entry(line));
    await writer.flush();
    const sizes = mock.commandCalls(BatchWriteItemCommand).map((c) => keysOf(c.args[0].input).length);
    expect(sizes).toEqual([25, 25, 10]);
    expect(accepted.sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i + 2));
  });

  test('retries UnprocessedItems with backoff until accepted', async () => {
    const { mock, writer, accepted, delays } = setup();
    mock
      .on(BatchWriteItemCommand)
      .resolvesOnce({ UnprocessedItems: { [TABLE]: [{ PutRequest: { Item: entry(3).item } }] } })
      .resolvesOnce({ UnprocessedItems: { [TABLE]: [{ PutRequest: { Item: entry(3).item } }] } })
      .resolves({ UnprocessedItems: {} });
    await writer.add(entry(2));
    await writer.add(entry(3));
    await writer.flush();
    const calls = mock.commandCalls(BatchWriteItemCommand).map((c) => keysOf(c.args[0].input));
    expect(calls).toEqual([['K2', 'K3'], ['K3'], ['K3']]);
    expect(accepted).toEqual([2, 3]);
    expect(delays).toEqual([50, 100]); // full jitter (random 0.5) of 100, 200
    expect(writer.failure).toBeUndefined();
  });

  test('retries throttling errors', async () => {
    const { mock, writer, accepted } = setup();
    mock.on(BatchWriteItemCommand).rejectsOnce(throttle()).resolves({});
    await writer.add(entry(2));
    await writer.flush();
    expect(mock.commandCalls(BatchWriteItemCommand)).toHaveLength(2);
    expect(accepted).toEqual([2]);
  });

  test('when retries are exhausted, reports the remaining entries failed and sets failure', async () => {
    const { mock, writer, accepted, failed, delays } = setup();
    mock.on(BatchWriteItemCommand).rejects(throttle());
    await writer.add(entry(2));
    await writer.flush();
    expect(mock.commandCalls(BatchWriteItemCommand)).toHaveLength(4);
    expect(delays).toEqual([50, 100, 125]); // capped at maxDelayMs 250
    expect(accepted).toEqual([]);
    expect(failed).toEqual([
      [
        2,
        expect.stringMatching(
          /^not written: DynamoDB retries exhausted after 4 attempts \(ProvisionedThroughputExceeded/,
        ),
      ],
    ]);
    expect(writer.failure?.kind).toBe('retries-exhausted');
  });

  test('a non-retryable error (AccessDenied) fails at once', async () => {
    const { mock, writer, failed } = setup();
    mock.on(BatchWriteItemCommand).rejects(Object.assign(new Error('not allowed'), { name: 'AccessDeniedException' }));
    await writer.add(entry(2));
    await writer.flush();
    expect(mock.commandCalls(BatchWriteItemCommand)).toHaveLength(1);
    expect(failed).toEqual([[2, 'not written: DynamoDB error AccessDeniedException: not allowed']]);
    expect(writer.failure?.kind).toBe('fatal');
  });

  test('a batch refused as invalid is retried item by item so only the bad item is rejected', async () => {
    const { mock, writer, accepted, failed } = setup();
    const invalid = Object.assign(new Error('Item size has exceeded the maximum allowed size'), {
      name: 'ValidationException',
    });
    mock.on(BatchWriteItemCommand).callsFake((input: BatchWriteItemCommandInput) => {
      if (keysOf(input).includes('K3')) throw invalid;
      return {};
    });
    for (const line of [2, 3, 4]) await writer.add(entry(line));
    await writer.flush();
    expect(accepted).toEqual([2, 4]);
    expect(failed).toEqual([[3, 'DynamoDB refused the item: Item size has exceeded the maximum allowed size']]);
    expect(writer.failure).toBeUndefined();
  });

  test('stops retrying when out of time', async () => {
    const { mock, writer, failed } = setup({ outOfTime: () => true });
    mock.on(BatchWriteItemCommand).rejects(throttle());
    await writer.add(entry(2));
    await writer.flush();
    expect(mock.commandCalls(BatchWriteItemCommand)).toHaveLength(1);
    expect(failed).toEqual([[2, 'not processed: time budget exhausted']]);
    expect(writer.failure?.kind).toBe('time-budget');
  });

  test('keeps at most `concurrency` calls in flight', async () => {
    const { mock, writer } = setup({ concurrency: 3 });
    let inFlight = 0;
    let peak = 0;
    mock.on(BatchWriteItemCommand).callsFake(async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return {};
    });
    for (let line = 2; line < 2 + 25 * 10; line++) await writer.add(entry(line));
    await writer.flush();
    expect(mock.commandCalls(BatchWriteItemCommand)).toHaveLength(10);
    expect(peak).toBe(3);
  });

  test('supersede drops a queued entry with the same key, so one call never holds a key twice', async () => {
    const { mock, writer } = setup();
    mock.on(BatchWriteItemCommand).resolves({});
    await writer.add(entry(2, 'DUP'));
    const outcome = await writer.supersede('DUP', 3);
    expect(outcome).toEqual({ state: 'queued', entry: entry(2, 'DUP') });
    await writer.add(entry(3, 'DUP'));
    await writer.flush();
    expect(mock.commandCalls(BatchWriteItemCommand).map((c) => keysOf(c.args[0].input))).toEqual([['DUP']]);
  });

  test('supersede waits for an in-flight entry, marks it, and the later row is sent after it settles', async () => {
    const { mock, writer, accepted } = setup();
    const order: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    mock.on(BatchWriteItemCommand).callsFake(async (input: BatchWriteItemCommandInput) => {
      const lines = (input.RequestItems?.[TABLE] ?? []).map((r) => r.PutRequest?.Item?.n?.N);
      order.push(`start ${lines.join(',')}`);
      if (lines.includes('2')) await gate;
      order.push(`end ${lines.join(',')}`);
      return {};
    });
    const first = entry(2, 'DUP');
    await writer.add(first);
    for (let line = 100; line < 124; line++) await writer.add(entry(line)); // fills the batch: sent
    const superseding = writer.supersede('DUP', 200);
    expect(first.supersededBy).toBe(200);
    release();
    expect(await superseding).toEqual({ state: 'in-flight' });
    await writer.add(entry(200, 'DUP'));
    await writer.flush();
    expect(order.indexOf('end 2,' + Array.from({ length: 24 }, (_, i) => 100 + i).join(','))).toBeLessThan(
      order.indexOf('start 200'),
    );
    expect(accepted).toContain(2); // the callback sees supersededBy; the importer counts it rejected
  });
});

describe('BatchWriter with fileOrder (conditional puts)', () => {
  // dynalite answers ConditionalCheckFailedException without the item (it does not implement
  // ReturnValuesOnConditionCheckFailure); DynamoDB returns it, and the reason then names the winning line.
  test('a put refused because a later line of the import holds the key is superseded by that line', async () => {
    // GIVEN DynamoDB refuses the put and returns the item, whose stamp says line 40 of the same import
    const accepted: WriteEntry[] = [];
    const { mock, writer } = setup({
      fileOrder: { attribute: '_import', importId: 'exec-1' },
      onAccepted: (e) => accepted.push(e),
    });
    mock.on(PutItemCommand).rejects(
      Object.assign(new Error('The conditional request failed'), {
        name: 'ConditionalCheckFailedException',
        Item: { sku: { S: 'K7' }, _import: { M: { e: { S: 'exec-1' }, l: { N: '40' } } } },
      }),
    );

    // WHEN
    await writer.add(entry(7));
    await writer.flush();

    // THEN one conditional put, stamped and conditioned on the line, and the entry reported superseded by line 40
    const [call] = mock.commandCalls(PutItemCommand);
    expect(call.args[0].input).toMatchObject({
      TableName: TABLE,
      Item: { sku: { S: 'K7' }, _import: { M: { e: { S: 'exec-1' }, l: { N: '7' } } } },
      ConditionExpression: 'attribute_not_exists(#imp) OR #imp.#e <> :e OR #imp.#l <= :l',
      ReturnValues: 'ALL_OLD',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    expect(accepted.map((e) => [e.line, e.supersededBy])).toEqual([[7, 40]]);
  });
});
