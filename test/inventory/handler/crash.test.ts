/**
 * A crashed import is retried to completion. Lambda ends an invocation that runs out of memory or time by
 * killing its process; this kills a fresh Node.js process running the shipped bundle (SIGKILL, mid-file, against
 * dynalite and s3rver) and then runs the retry in another fresh process, as Lambda's async retry would.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { ImportReport } from '../../../lib/inventory/handler/report';
import { s3Event, scanItems, upload, useEngineHarness } from './helpers';

const h = useEngineHarness();
const INDEX = join(__dirname, '../../../assets/inventory-handler/index.js');
// Enough rows that the kill lands mid-file: it comes right after the first write is seen (25-75 rows written by
// then, measured), and dynalite answers in this process, so a slow machine slows the killed writer as much as the
// watcher. (The retry then writes every row: the more rows, the longer, with nothing more to prove.)
const ROWS = 2_000;

/** Starts the bundled handler on `event` in a new process; resolves with its result when it exits. */
function startBundle(event: unknown, env: Record<string, string>): { child: ChildProcess; result: Promise<string> } {
  const script = `
    const m = require(${JSON.stringify(INDEX)});
    const deadline = Date.now() + 600000;
    const ctx = { awsRequestId: 'req-' + process.pid, getRemainingTimeInMillis: () => deadline - Date.now() };
    m.handler(${JSON.stringify(event)}, ctx).then(
      (r) => console.log(JSON.stringify(r)),
      (e) => { console.error(e); process.exit(1); },
    );`;
  const child = spawn(process.execPath, ['-e', script], { env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const result = new Promise<string>((resolve, reject) =>
    child.on('exit', (code, signal) =>
      code === 0 ? resolve(stdout) : reject(new Error(`exit ${code ?? signal}: ${stderr}`)),
    ),
  );
  return { child, result };
}

async function countItems(table: string): Promise<number> {
  let count = 0;
  let start: Record<string, never> | undefined;
  do {
    const page = await h
      .emulators()
      .dynamodb.send(new ScanCommand({ TableName: table, Select: 'COUNT', ExclusiveStartKey: start }));
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey as typeof start;
  } while (start);
  return count;
}

describe('an import killed mid-file', () => {
  beforeAll(() => {
    if (!existsSync(INDEX)) throw new Error(`${INDEX} is missing: run 'npm run build:assets' first`);
  });

  test('is finished by the retry, every row written exactly once', async () => {
    // GIVEN a 2,000-row upload and a first invocation that SIGKILL ends after its first write
    const table = await h.freshTable();
    const ledger = await h.freshLedger();
    const key = 'uploads/crash.csv';
    await upload(
      h.emulators(),
      key,
      ['sku,name,quantity', ...Array.from({ length: ROWS }, (_, i) => `C-${i},Row ${i},${i}`)].join('\n'),
    );
    const event = s3Event(key, { etag: 'e-crash', sequencer: '00C1' });
    const env = {
      ...h.emulators().env,
      TABLE_NAME: table,
      LEDGER_TABLE_NAME: ledger,
      LEDGER_LEASE_SECONDS: '2',
      WRITE_CONCURRENCY: '1',
      LOG_LEVEL: 'SILENT',
    };
    const first = startBundle(event, env);
    const firstOutcome = first.result.then(
      () => 'finished',
      (err: Error) => err.message,
    );
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const page = await h.emulators().dynamodb.send(new ScanCommand({ TableName: table, Limit: 1 }));
      if ((page.Count ?? 0) > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    first.child.kill('SIGKILL');
    expect(await firstOutcome).toMatch(/^exit SIGKILL/);
    const writtenBeforeCrash = await countItems(table);
    expect(writtenBeforeCrash).toBeGreaterThan(0);
    expect(writtenBeforeCrash).toBeLessThan(ROWS);
    const claim = await h.emulators().dynamodb.send(
      new GetItemCommand({
        TableName: ledger,
        Key: { pk: { S: 'obj#inventory-uploads/uploads/crash.csv#seq:00C1' } },
      }),
    );
    expect(claim.Item?.state?.S).toBe('IN_PROGRESS');

    // WHEN Lambda retries the same event in a fresh process (here at once, while the dead lease is still live)
    const retry = JSON.parse((await startBundle(event, env).result).trim().split('\n').pop() ?? '') as ImportReport;

    // THEN the retry took over the lapsed lease and imported the whole file
    expect(retry).toMatchObject({ status: 'SUCCEEDED', complete: true, rowsTotal: ROWS, rowsWritten: ROWS });
    expect(retry.rowsRejected).toBe(0);
    const items = await scanItems(h.emulators(), table);
    expect(items.size).toBe(ROWS);
    for (let i = 0; i < ROWS; i++) {
      expect(items.get(`C-${i}`)).toEqual({ sku: `C-${i}`, name: `Row ${i}`, quantity: i });
    }
    // and a further delivery of the same event is recognised as done
    const again = JSON.parse((await startBundle(event, env).result).trim().split('\n').pop() ?? '');
    expect(again).toMatchObject({
      status: 'SKIPPED',
      reason: 'this object version was already imported (status SUCCEEDED)',
    });
  }, 120_000);
});
