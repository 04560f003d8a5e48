import { DeleteItemCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { Ledger } from '../../../lib/inventory/handler/ledger';
import type { ImportReport } from '../../../lib/inventory/handler/report';
import { eventBridgeEvent, runHandler, s3Event, scanItems, upload, useEngineHarness } from './helpers';

const h = useEngineHarness();
const CSV = 'sku,name,quantity\nL-1,Ledgered,1\n';

describe('idempotency ledger (dynalite)', () => {
  test('the same object version delivered twice is imported once', async () => {
    // GIVEN
    const table = await h.freshTable();
    const ledger = await h.freshLedger();
    await upload(h.emulators(), 'uploads/once.csv', CSV);
    const event = s3Event('uploads/once.csv', { etag: 'etag-1', sequencer: '00A1' });
    // WHEN
    const first = (await runHandler(event)) as ImportReport;
    await h.emulators().dynamodb.send(new DeleteItemCommand({ TableName: table, Key: { sku: { S: 'L-1' } } }));
    const second = await runHandler(event);
    // THEN the second delivery changed nothing
    expect(first).toMatchObject({ status: 'SUCCEEDED', rowsWritten: 1 });
    expect(second).toEqual({
      status: 'SKIPPED',
      bucket: 'inventory-uploads',
      key: 'uploads/once.csv',
      reason: 'this object version was already imported (status SUCCEEDED)',
    });
    expect((await scanItems(h.emulators(), table)).size).toBe(0);
    const record = await h.emulators().dynamodb.send(
      new GetItemCommand({
        TableName: ledger,
        Key: { pk: { S: 'obj#inventory-uploads/uploads/once.csv#seq:00A1' } },
      }),
    );
    expect(record.Item).toMatchObject({
      state: { S: 'COMPLETED' },
      result: { S: 'SUCCEEDED' },
      rowsWritten: { N: '1' },
    });
  });

  test('a new version of the same key is imported again', async () => {
    const table = await h.freshTable();
    await h.freshLedger();
    await upload(h.emulators(), 'uploads/versions.csv', CSV);
    await runHandler(eventBridgeEvent('uploads/versions.csv', { versionId: 'v1', sequencer: '00B1' }));
    await upload(h.emulators(), 'uploads/versions.csv', 'sku,name,quantity\nL-1,Updated,2\n');
    const report = await runHandler(
      eventBridgeEvent('uploads/versions.csv', { etag: 'x', versionId: undefined, sequencer: '00B2' }),
    );
    expect(report).toMatchObject({ status: 'SUCCEEDED' });
    expect((await scanItems(h.emulators(), table)).get('L-1')).toMatchObject({ name: 'Updated', quantity: 2 });
  });

  test('an event older than the newest processed one for the key is skipped', async () => {
    const table = await h.freshTable();
    await h.freshLedger();
    await upload(h.emulators(), 'uploads/ordered.csv', CSV);
    await runHandler(s3Event('uploads/ordered.csv', { etag: 'new', sequencer: '0055AED6DCD90281E6' }));
    await h.emulators().dynamodb.send(new DeleteItemCommand({ TableName: table, Key: { sku: { S: 'L-1' } } }));
    const stale = await runHandler(s3Event('uploads/ordered.csv', { etag: 'old', sequencer: '0055AED6DCD90281E5' }));
    expect(stale).toMatchObject({
      status: 'SKIPPED',
      reason: 'a newer event for this key was already processed (sequencer 0055AED6DCD90281E5 is older)',
    });
    expect((await scanItems(h.emulators(), table)).size).toBe(0);
  });

  test('fails (so Lambda retries later) while another invocation holds an unexpired lease', async () => {
    await h.freshTable();
    const ledgerTable = await h.freshLedger();
    await upload(h.emulators(), 'uploads/busy.csv', CSV);
    const ref = { bucket: 'inventory-uploads', key: 'uploads/busy.csv', etag: 'e-busy' };
    const ledger = new Ledger(h.emulators().dynamodb, ledgerTable);
    expect(await ledger.begin(ref, 'other-invocation', 60_000)).toEqual({ proceed: true });
    // a third of the time left (1 s) is shorter than one poll (a third of the 30 s lease): no waiting
    await expect(runHandler(s3Event('uploads/busy.csv', { etag: 'e-busy' }), 3_000)).rejects.toThrow(
      /^another invocation is importing this object version \(lease until /,
    );
  });

  test('waits while another invocation holds the lease, and skips the version once that one completes it', async () => {
    // GIVEN another invocation holding a heartbeating 1-second lease, completing 1.5 s from now
    await h.freshTable();
    const ledgerTable = await h.freshLedger();
    process.env.LEDGER_LEASE_SECONDS = '1';
    await upload(h.emulators(), 'uploads/wait.csv', CSV);
    const ref = { bucket: 'inventory-uploads', key: 'uploads/wait.csv', etag: 'e-wait' };
    const other = new Ledger(h.emulators().dynamodb, ledgerTable);
    expect(await other.begin(ref, 'other-invocation', 1_000)).toEqual({ proceed: true });
    const heartbeat = setInterval(() => void other.renew(ref, 'other-invocation', 1_000), 300);
    const done = new Promise<void>((resolve) =>
      setTimeout(async () => {
        clearInterval(heartbeat);
        await other.complete(ref, 'other-invocation', 'SUCCEEDED', 1);
        resolve();
      }, 1_500),
    );
    // WHEN the duplicate delivery runs
    const report = await runHandler(s3Event('uploads/wait.csv', { etag: 'e-wait' }), 60_000);
    await done;
    delete process.env.LEDGER_LEASE_SECONDS;
    // THEN it waited for the holder instead of failing, and imported nothing itself
    expect(report).toEqual({
      status: 'SKIPPED',
      bucket: 'inventory-uploads',
      key: 'uploads/wait.csv',
      reason: 'this object version was already imported (status SUCCEEDED)',
    });
  });

  test("renew extends only the owner's live lease, and reports a lease taken over as lost", async () => {
    const ledgerTable = await h.freshLedger();
    const ref = { bucket: 'inventory-uploads', key: 'uploads/renew.csv', etag: 'e-renew' };
    let now = 1_000_000;
    const ledger = new Ledger(h.emulators().dynamodb, ledgerTable, () => now);
    expect(await ledger.begin(ref, 'a', 1_000)).toEqual({ proceed: true });
    now += 900;
    expect(await ledger.renew(ref, 'a', 1_000)).toBe(true);
    now += 900; // 1.8 s after the claim: alive only because of the renewal
    expect(await ledger.begin(ref, 'b', 1_000)).toMatchObject({ proceed: 'busy', leaseUntil: 1_001_900 });
    now += 1_200; // no renewal: the lease lapses and b takes over
    expect(await ledger.begin(ref, 'b', 1_000)).toEqual({ proceed: true });
    expect(await ledger.renew(ref, 'a', 1_000)).toBe(false);
  });

  test('an expired lease is taken over', async () => {
    const table = await h.freshTable();
    const ledgerTable = await h.freshLedger();
    await upload(h.emulators(), 'uploads/crashed.csv', CSV);
    const ref = { bucket: 'inventory-uploads', key: 'uploads/crashed.csv', etag: 'e-crash' };
    const longAgo = new Ledger(h.emulators().dynamodb, ledgerTable, () => Date.now() - 3_600_000);
    expect(await longAgo.begin(ref, 'crashed-invocation', 60_000)).toEqual({ proceed: true });
    const report = await runHandler(s3Event('uploads/crashed.csv', { etag: 'e-crash' }));
    expect(report).toMatchObject({ status: 'SUCCEEDED' });
    expect((await scanItems(h.emulators(), table)).size).toBe(1);
  });

  test('a failed invocation releases its lease so the retry imports the file', async () => {
    const table = await h.freshTable();
    await h.freshLedger();
    await upload(h.emulators(), 'uploads/retry.csv', CSV);
    const event = s3Event('uploads/retry.csv', { etag: 'e-retry' });
    // a missing inventory table makes every write fail: an infrastructure failure, so the invocation throws
    process.env.TABLE_NAME = 'MissingTable';
    await expect(runHandler(event)).rejects.toThrow(/ResourceNotFoundException/);
    process.env.TABLE_NAME = table;
    const retried = await runHandler(event);
    expect(retried).toMatchObject({ status: 'SUCCEEDED', rowsWritten: 1 });
  });
});
