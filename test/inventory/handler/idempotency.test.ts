/**
 * The ledger is keyed on the upload, not on its bytes: in a bucket without versioning, uploading the same bytes
 * again (A, B, A; delete and re-upload; "upload it again" after a PARTIAL import) is a new upload with a new
 * sequencer and is imported; a second delivery of the same event is not. Source and shipped bundle, against
 * dynalite and s3rver.
 */
import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { ImportResult } from '../../../lib/inventory/handler/index';
import { BUCKET, eventBridgeEvent, scanItems, useEngineHarness } from './helpers';
import { invoke, RUNTIMES } from './support/bundle-runner';

const h = useEngineHarness();
const A = 'sku,name,quantity\nI-1,Version A,1\n';
const B = 'sku,name,quantity\nI-1,Version B,2\n';

describe.each(RUNTIMES)('idempotency keyed on the upload (%s)', (runtime) => {
  let sequence = 0;
  /** Uploads to the unversioned bucket and delivers the EventBridge event S3 sends for it (no version id). */
  const uploadAndImport = async (key: string, body: string): Promise<ImportResult> => {
    const put = await h.emulators().s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    const sequencer = `0066${(++sequence).toString(16).toUpperCase().padStart(12, '0')}`;
    const result = await invoke(runtime, eventBridgeEvent(key, { etag: put.ETag?.replace(/"/g, ''), sequencer }));
    if (result.kind !== 'result') throw new Error(JSON.stringify(result));
    return result.result as ImportResult;
  };

  test('A, then B, then A again: the third upload is imported', async () => {
    // GIVEN
    const table = await h.freshTable();
    await h.freshLedger();
    const key = `uploads/aba-${runtime}.csv`;
    // WHEN
    const results = [await uploadAndImport(key, A), await uploadAndImport(key, B), await uploadAndImport(key, A)];
    // THEN every upload was imported and the table holds A
    expect(results.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect((await scanItems(h.emulators(), table)).get('I-1')).toMatchObject({ name: 'Version A', quantity: 1 });
  });

  test('a deleted and re-uploaded file is imported again', async () => {
    // GIVEN an imported file whose rows were then removed from the table, and the file deleted
    const table = await h.freshTable();
    await h.freshLedger();
    const key = `uploads/reupload-${runtime}.csv`;
    expect(await uploadAndImport(key, A)).toMatchObject({ status: 'SUCCEEDED' });
    await h.emulators().dynamodb.send(new DeleteItemCommand({ TableName: table, Key: { sku: { S: 'I-1' } } }));
    await h.emulators().s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    // WHEN the same bytes are uploaded again
    const again = await uploadAndImport(key, A);
    // THEN
    expect(again).toMatchObject({ status: 'SUCCEEDED', rowsWritten: 1 });
    expect((await scanItems(h.emulators(), table)).get('I-1')).toMatchObject({ name: 'Version A' });
  });

  test('"upload it again" after a PARTIAL import imports it again; a repeated delivery does not', async () => {
    // GIVEN a PARTIAL import (one bad row)
    const table = await h.freshTable();
    await h.freshLedger();
    const key = `uploads/partial-${runtime}.csv`;
    const partial = `${A}I-2,Bad,-1\n`;
    expect(await uploadAndImport(key, partial)).toMatchObject({ status: 'PARTIAL', rowsWritten: 1 });
    await h.emulators().dynamodb.send(new DeleteItemCommand({ TableName: table, Key: { sku: { S: 'I-1' } } }));
    // WHEN the same file is uploaded again, and that upload's event is then delivered a second time
    const put = await h.emulators().s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: partial }));
    const event = eventBridgeEvent(key, { etag: put.ETag?.replace(/"/g, ''), sequencer: '0077000000000001' });
    const second = await invoke(runtime, event);
    const duplicate = await invoke(runtime, event);
    // THEN the upload was imported again, its duplicate delivery skipped
    expect(second).toMatchObject({ kind: 'result', result: { status: 'PARTIAL', rowsWritten: 1 } });
    expect(duplicate).toMatchObject({ kind: 'result', result: { status: 'SKIPPED' } });
    expect((await scanItems(h.emulators(), table)).get('I-1')).toMatchObject({ name: 'Version A' });
  });
});
