/**
 * A stalled DynamoDB (an endpoint that accepts connections and never answers) must not outlive the function:
 * every write attempt has a deadline and the time budget is checked inside a write, so the import writes its
 * report, PARTIAL or FAILED with where it stopped, before Lambda's deadline. Source and shipped bundle; S3 on
 * s3rver, DynamoDB on a loopback server that never answers.
 */
import { AddressInfo, createServer, Server, Socket } from 'node:net';
import { setClients } from '../../../lib/inventory/handler/index';
import type { ImportReport } from '../../../lib/inventory/handler/report';
import { readReport, s3Event, upload, useEngineHarness } from './helpers';
import { invokeBundle, invokeSource, Outcome, RUNTIMES } from './support/bundle-runner';

const h = useEngineHarness();
// 20 s left: the engine keeps 10% (2 s) in reserve, half of it to let calls in flight end and half to write the report.
const DEADLINE_MS = 20_000;

describe.each(RUNTIMES)('a stalled DynamoDB (%s)', (runtime) => {
  let server: Server;
  const sockets = new Set<Socket>();
  let savedEndpoint: string | undefined;

  beforeAll(async () => {
    server = createServer((socket) => {
      sockets.add(socket); // accept, read, never answer
      socket.on('data', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    savedEndpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB;
  });
  afterEach(() => {
    process.env.AWS_ENDPOINT_URL_DYNAMODB = savedEndpoint;
    setClients(undefined);
  });

  test('the import writes its report before the deadline, saying where it stopped', async () => {
    // GIVEN a 2,000-row upload and DynamoDB's endpoint pointing at a server that never answers
    process.env.TABLE_NAME = 'Stalled';
    const key = `uploads/stalled-${runtime}.csv`;
    await upload(
      h.emulators(),
      key,
      ['sku,name,quantity', ...Array.from({ length: 2000 }, (_, i) => `ST-${i},Row ${i},${i}`)].join('\n'),
    );
    process.env.AWS_ENDPOINT_URL_DYNAMODB = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    setClients(undefined);
    // WHEN the function has 20 s left
    const started = Date.now();
    const outcome: Outcome =
      runtime === 'source'
        ? await invokeSource(s3Event(key), DEADLINE_MS, DEADLINE_MS + 2_000)
        : await invokeBundle(s3Event(key), DEADLINE_MS, {}, DEADLINE_MS + 2_000);
    const elapsed = Date.now() - started;
    // THEN it returned before the deadline with a FAILED report (nothing written) that says where it stopped
    expect(outcome.kind).toBe('result');
    if (runtime === 'source') expect(elapsed).toBeLessThan(DEADLINE_MS);
    const result = (outcome as { result: ImportReport }).result;
    expect(result).toMatchObject({ status: 'FAILED', complete: false, rowsWritten: 0 });
    expect(result.reason).toBe('not processed: time budget exhausted');
    expect(result.stoppedAtLine).toBeGreaterThan(1);
    expect(result.rowsTotal).toBe(result.rowsRejected);
    expect(result.errors[0].reason).toBe('not processed: time budget exhausted');
    // and the same report is in S3
    expect(await readReport(h.emulators(), key)).toMatchObject({ status: 'FAILED', complete: false });
  }, 60_000);
});
