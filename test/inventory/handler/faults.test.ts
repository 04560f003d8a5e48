/**
 * Fault injection: DynamoDB (and S3 GetObject) failures are injected with aws-sdk-client-mock on clients whose
 * other calls pass through to the real emulators, so reports and tables are checked for real.
 */
import {
  BatchWriteItemCommand,
  BatchWriteItemCommandInput,
  DynamoDBClient,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import {
  GetObjectCommand,
  GetObjectCommandInput,
  ListObjectsV2Command,
  ListObjectsV2CommandInput,
  PutObjectCommand,
  PutObjectCommandInput,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { BatchWriter } from '../../../lib/inventory/handler/batch-writer';
import { setClients, setImportOverrides } from '../../../lib/inventory/handler/index';
import { emulatorClients } from '../../support/emulators';
import { expectInvariant, readReport, runHandler, s3Event, scanItems, upload, useEngineHarness } from './helpers';

const h = useEngineHarness();

const throttle = () =>
  Object.assign(new Error('Rate of requests exceeds the allowed throughput'), {
    name: 'ProvisionedThroughputExceededException',
  });

/** A DynamoDB client whose BatchWriteItem is `fake`; everything else it is not used for in these tests. */
function faultyDynamo(fake: (input: BatchWriteItemCommandInput, real: DynamoDBClient) => unknown) {
  const real = emulatorClients(h.emulators().s3Endpoint, h.emulators().dynamodbEndpoint);
  const faulty = new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const mock = mockClient(faulty);
  mock.on(BatchWriteItemCommand).callsFake((input: BatchWriteItemCommandInput) => fake(input, real.dynamodb));
  mock.on(ScanCommand).callsFake((input) => real.dynamodb.send(new ScanCommand(input)));
  setClients({ s3: real.s3, dynamodb: faulty });
  return { mock, real };
}

afterEach(() => {
  setClients(undefined);
  jest.restoreAllMocks();
});

function csv(count: number, prefix = 'R'): string {
  return ['sku,name,quantity', ...Array.from({ length: count }, (_, i) => `${prefix}-${i},Row ${i},${i}`)].join('\n');
}

describe('fault injection', () => {
  test('when write retries are exhausted, a PARTIAL report is written and the invocation throws', async () => {
    // GIVEN DynamoDB accepts the first two calls, then throttles for ever
    const table = await h.freshTable();
    setImportOverrides({ sleep: async () => undefined, retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 } });
    process.env.WRITE_CONCURRENCY = '1';
    let calls = 0;
    faultyDynamo((input, real) => {
      if (++calls <= 2) return real.send(new BatchWriteItemCommand(input));
      throw throttle();
    });
    await upload(h.emulators(), 'uploads/throttled.csv', csv(200));
    // WHEN / THEN
    await expect(runHandler(s3Event('uploads/throttled.csv'))).rejects.toThrow(
      /^not written: DynamoDB retries exhausted after 3 attempts \(ProvisionedThroughputExceededException/,
    );
    const report = await readReport(h.emulators(), 'uploads/throttled.csv');
    expect(report).toMatchObject({ status: 'PARTIAL', rowsWritten: 50 });
    expectInvariant(report);
    expect(report.errors[0].reason).toMatch(/^not written: DynamoDB retries exhausted/);
    expect((await scanItems(h.emulators(), table)).size).toBe(report.rowsWritten);
    expect(report.complete).toBe(false);
    delete process.env.WRITE_CONCURRENCY;
  });

  test('UnprocessedItems are retried until DynamoDB accepts them; rows count as written only then', async () => {
    const table = await h.freshTable();
    setImportOverrides({ sleep: async () => undefined });
    let calls = 0;
    faultyDynamo(async (input, real) => {
      const requests = input.RequestItems?.[table] ?? [];
      if (++calls % 2 === 1 && requests.length > 1) {
        // accept only the first half, hand back the rest
        const half = Math.floor(requests.length / 2);
        await real.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests.slice(0, half) } }));
        return { UnprocessedItems: { [table]: requests.slice(half) } };
      }
      return real.send(new BatchWriteItemCommand(input));
    });
    await upload(h.emulators(), 'uploads/unprocessed.csv', csv(120));
    const report = await runHandler(s3Event('uploads/unprocessed.csv'));
    expect(report).toMatchObject({ status: 'SUCCEEDED', rowsWritten: 120, rowsRejected: 0 });
    expect((await scanItems(h.emulators(), table)).size).toBe(120);
    expect(calls).toBeGreaterThan(5);
  });

  test('AccessDenied from DynamoDB fails the invocation after a FAILED report', async () => {
    await h.freshTable();
    faultyDynamo(() => {
      throw Object.assign(new Error('User is not authorized to perform: dynamodb:BatchWriteItem'), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 400 },
      });
    });
    await upload(h.emulators(), 'uploads/denied.csv', csv(30));
    await expect(runHandler(s3Event('uploads/denied.csv'))).rejects.toThrow(/AccessDeniedException/);
    const report = await readReport(h.emulators(), 'uploads/denied.csv');
    expect(report).toMatchObject({ status: 'FAILED', rowsWritten: 0 });
    expectInvariant(report);
  });

  /** An S3 client whose GetObject is denied (as S3 answers without s3:ListBucket); List and Put reach s3rver. */
  function deniedS3() {
    const real = emulatorClients(h.emulators().s3Endpoint, h.emulators().dynamodbEndpoint);
    const faultyS3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const mock = mockClient(faultyS3);
    mock.on(GetObjectCommand).callsFake((_input: GetObjectCommandInput) => {
      throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    });
    mock
      .on(ListObjectsV2Command)
      .callsFake((input: ListObjectsV2CommandInput) => real.s3.send(new ListObjectsV2Command(input)));
    mock.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => real.s3.send(new PutObjectCommand(input)));
    setClients({ s3: faultyS3, dynamodb: real.dynamodb });
    return mock;
  }

  test('AccessDenied reading an object that exists: FAILED report, then the invocation throws', async () => {
    await h.freshTable();
    await upload(h.emulators(), 'uploads/secret.csv', csv(3));
    deniedS3();
    await expect(runHandler(s3Event('uploads/secret.csv'))).rejects.toThrow('Access Denied');
    expect(await readReport(h.emulators(), 'uploads/secret.csv')).toMatchObject({
      status: 'FAILED',
      reason: 'the object could not be read: AccessDenied: Access Denied',
    });
  });

  test('AccessDenied for an object that vanished: FAILED report and the invocation succeeds (no retry)', async () => {
    // GIVEN an event for a key that no longer exists, and S3 answering AccessDenied for it
    const table = await h.freshTable();
    const mock = deniedS3();
    // WHEN
    const report = await runHandler(s3Event('uploads/vanished.csv'));
    // THEN the listing under the key (s3:ListBucket on the upload prefix) shows it is gone
    expect(mock.commandCalls(ListObjectsV2Command)[0].args[0].input).toMatchObject({
      Prefix: 'uploads/vanished.csv',
    });
    expect(report).toMatchObject({
      status: 'FAILED',
      rowsWritten: 0,
      reason: 'the object no longer exists (it was deleted or replaced before the import could read it)',
    });
    expect(await readReport(h.emulators(), 'uploads/vanished.csv')).toMatchObject({ status: 'FAILED' });
    expect((await scanItems(h.emulators(), table)).size).toBe(0);
  });

  test('a row superseded while its write is in flight is counted rejected, and the later row lands after it', async () => {
    // GIVEN the first batch (holding DUP at line 2) is held in flight until the duplicate at line 40 arrives
    const table = await h.freshTable();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const original = BatchWriter.prototype.supersede;
    jest.spyOn(BatchWriter.prototype, 'supersede').mockImplementation(function (this: BatchWriter, key, line) {
      const result = original.call(this, key, line);
      release();
      return result;
    });
    const order: string[] = [];
    faultyDynamo(async (input, real) => {
      const names = (input.RequestItems?.[table] ?? []).map((r) => r.PutRequest?.Item?.name?.S);
      if (names.includes('first')) await gate;
      order.push(...names.filter((n) => n === 'first' || n === 'second').map(String));
      return real.send(new BatchWriteItemCommand(input));
    });
    const rows = [
      'sku,name,quantity',
      'DUP,first,1',
      ...Array.from({ length: 37 }, (_, i) => `F-${i},filler,1`),
      'DUP,second,2',
    ];
    await upload(h.emulators(), 'uploads/inflight.csv', rows.join('\n'));
    // WHEN
    const report = await runHandler(s3Event('uploads/inflight.csv'));
    // THEN
    expect(report).toMatchObject({ status: 'PARTIAL', rowsTotal: 39, rowsWritten: 38, rowsRejected: 1 });
    expect((report as { errors: unknown[] }).errors).toEqual([
      { line: 2, sku: 'DUP', reason: 'duplicate sku: superseded by line 40' },
    ]);
    expect(order).toEqual(['first', 'second']);
    expect((await scanItems(h.emulators(), table)).get('DUP')).toMatchObject({ name: 'second', quantity: 2 });
  });
});
