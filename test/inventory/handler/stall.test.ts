/**
 * A stalled DynamoDB (an endpoint that accepts connections and never answers) must not outlive the function:
 * every write attempt has a deadline and the time budget is checked inside a write, so the import writes its
 * report, PARTIAL or FAILED with where it stopped, before Lambda's deadline. Source and shipped bundle; S3 on
 * s3rver, DynamoDB on a loopback server that never answers.
 */
import { AddressInfo, createServer, Server, Socket } from 'node:net';
import { DYNAMODB_SOCKET_TIMEOUT_MS } from '../../../lib/inventory/handler/clients';
import { ATTEMPT_TIMEOUT_MS } from '../../../lib/inventory/handler/fast-batch-write';
import { setClients } from '../../../lib/inventory/handler/index';
import type { ImportReport } from '../../../lib/inventory/handler/report';
import { readReport, s3Event, upload, useEngineHarness } from './helpers';
import { invokeBundle, invokeSource, Outcome, Runtime, RUNTIMES } from './support/bundle-runner';

const h = useEngineHarness();
// 5 s left: the engine keeps 10% of the time left in reserve, at least 1 s, half of it to let calls in flight end
// and half to write the report, so a write attempt may last until 4.5 s. The writes' own limits are longer
// (ATTEMPT_TIMEOUT_MS, DYNAMODB_SOCKET_TIMEOUT_MS: 10 s), so an import that returns before the deadline was cut
// by its time budget, not by a socket timeout.
const DEADLINE_MS = 5_000;
const keyOf = (runtime: Runtime) => `uploads/stalled-${runtime}.csv`;

// Both runtimes are invoked at once in beforeAll (each mostly waits for its deadline); each test checks its own.
let server: Server;
const sockets = new Set<Socket>();
const runs = new Map<Runtime, Promise<{ outcome: Outcome; elapsed: number }>>();

beforeAll(async () => {
  server = createServer((socket) => {
    sockets.add(socket); // accept, read, never answer
    socket.on('data', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // GIVEN a 2,000-row upload per runtime and DynamoDB's endpoint pointing at a server that never answers
  process.env.TABLE_NAME = 'Stalled';
  const csv = ['sku,name,quantity', ...Array.from({ length: 2000 }, (_, i) => `ST-${i},Row ${i},${i}`)].join('\n');
  for (const runtime of RUNTIMES) await upload(h.emulators(), keyOf(runtime), csv);
  // (useEngineHarness restores the environment and the clients after the file)
  process.env.AWS_ENDPOINT_URL_DYNAMODB = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  setClients(undefined);
  // WHEN the function has DEADLINE_MS left (the bundle's process is killed 2 s after it, as Lambda would end it)
  for (const runtime of RUNTIMES) {
    const started = Date.now();
    const event = s3Event(keyOf(runtime));
    const invocation =
      runtime === 'source'
        ? invokeSource(event, DEADLINE_MS, DEADLINE_MS + 2_000)
        : invokeBundle(event, DEADLINE_MS, {}, DEADLINE_MS + 2_000);
    const run = invocation.then((outcome) => ({ outcome, elapsed: Date.now() - started }));
    run.catch(() => undefined); // (a rejection fails the runtime's test, which awaits it)
    runs.set(runtime, run);
  }
});

afterAll(async () => {
  await Promise.allSettled(runs.values());
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

describe.each(RUNTIMES)('a stalled DynamoDB (%s)', (runtime) => {
  test('the import writes its report before the deadline, saying where it stopped', async () => {
    const { outcome, elapsed } = await runs.get(runtime)!;
    // THEN it returned before the deadline with a FAILED report (nothing written) that says where it stopped
    expect(DEADLINE_MS).toBeLessThan(Math.min(ATTEMPT_TIMEOUT_MS, DYNAMODB_SOCKET_TIMEOUT_MS));
    expect(outcome.kind).toBe('result');
    if (runtime === 'source') expect(elapsed).toBeLessThan(DEADLINE_MS);
    const result = (outcome as { result: ImportReport }).result;
    expect(result).toMatchObject({ status: 'FAILED', complete: false, rowsWritten: 0 });
    expect(result.reason).toBe('not processed: time budget exhausted');
    expect(result.stoppedAtLine).toBeGreaterThan(1);
    expect(result.rowsTotal).toBe(result.rowsRejected);
    expect(result.errors[0].reason).toBe('not processed: time budget exhausted');
    // and the same report is in S3
    expect(await readReport(h.emulators(), keyOf(runtime))).toMatchObject({ status: 'FAILED', complete: false });
  }, 60_000);
});
