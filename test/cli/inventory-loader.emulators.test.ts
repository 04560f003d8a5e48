import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  GetFunctionConfigurationCommand,
  GetFunctionEventInvokeConfigCommand,
  LambdaClient,
} from '@aws-sdk/client-lambda';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { createAwsClients } from '../../bin/cli/verify/aws';
import { smokeKeys, verifyInventoryLoader } from '../../bin/cli/verify/checks/inventory-loader';
import { DEFAULT_INVENTORY_SCHEMA } from '../../lib/inventory/handler/schema';
import { RowValidator } from '../../lib/inventory/handler/validator';
import { createBucket, createTable, EMULATOR_CREDENTIALS, Emulators, startEmulators } from '../support/emulators';
import { INVENTORY } from './support/fixtures';
import { fakeClock, testContext } from './support/helpers';

// The smoke import against real S3 (s3rver) and DynamoDB (dynalite) on loopback. The deployed function is
// stood in for by `fakeImport`, triggered by s3rver's object-created event like the real S3 trigger; Lambda's
// configuration API is mocked (there is no Lambda emulator).
const lambda = mockClient(LambdaClient);

interface S3Event {
  Records?: { eventName?: string; s3: { bucket: { name: string }; object: { key: string } } }[];
}

describe('InventoryLoader smoke import on s3rver + dynalite', () => {
  let emulators: Emulators;
  /** How the stand-in import treats each CSV row; returns false to reject the row. */
  let acceptRow: (sku: string) => boolean;
  let imports: Promise<void>[];
  /** When set, uploads go to this function (the real handler) instead of `fakeImport`. */
  let realEngine: ((event: unknown) => Promise<unknown>) | undefined;

  beforeAll(async () => {
    emulators = await startEmulators();
    await createBucket(emulators.s3, INVENTORY.BucketName);
    await createTable(emulators.dynamodb, INVENTORY.TableName, 'sku');
    emulators.s3rver.onEvent((event) => {
      for (const record of (event as S3Event).Records ?? []) {
        const key = record.s3.object.key;
        if (record.eventName?.startsWith('ObjectCreated') && key.startsWith(INVENTORY.UploadPrefix)) {
          imports.push(realEngine ? realEngine(event).then(() => undefined) : fakeImport(key));
        }
      }
    });
  });

  afterAll(async () => {
    await emulators?.stop();
  });

  beforeEach(() => {
    realEngine = undefined;
    acceptRow = () => true;
    imports = [];
    lambda.reset();
    lambda.on(GetFunctionConfigurationCommand).resolves({
      State: 'Active',
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      DeadLetterConfig: { TargetArn: 'arn:aws:sqs:us-east-1:111111111111:dlq' },
    });
    lambda
      .on(GetFunctionEventInvokeConfigCommand)
      .rejects(Object.assign(new Error('none'), { name: 'ResourceNotFoundException' }));
  });

  /** What the deployed import engine does for an upload: load the rows, write the report next to it. */
  async function fakeImport(key: string): Promise<void> {
    const object = await emulators.s3.send(new GetObjectCommand({ Bucket: INVENTORY.BucketName, Key: key }));
    const [header, ...rows] = ((await object.Body?.transformToString()) ?? '').trim().split('\n');
    // The engine's own row validation builds the items (its CSV reading is tested with the engine).
    const validator = new RowValidator(header.split(','), DEFAULT_INVENTORY_SCHEMA);
    let written = 0;
    const errors: { line: number; reason: string }[] = [];
    for (const [index, row] of rows.entries()) {
      const result = validator.validate(row.split(','));
      if (!result.ok || !acceptRow(result.key)) {
        errors.push({ line: index + 2, reason: result.ok ? 'rejected by test' : result.reason });
        continue;
      }
      await emulators.dynamodb.send(new PutItemCommand({ TableName: INVENTORY.TableName, Item: result.item }));
      written += 1;
    }
    const report = {
      status: errors.length ? 'PARTIAL' : 'SUCCEEDED',
      rowsTotal: rows.length,
      rowsWritten: written,
      rowsRejected: errors.length,
      errors,
    };
    await emulators.s3.send(
      new PutObjectCommand({
        Bucket: INVENTORY.BucketName,
        Key: `${INVENTORY.ReportPrefix}${key}.json`,
        Body: JSON.stringify(report),
      }),
    );
  }

  function context(runId: string, write = true) {
    const common = { credentials: EMULATOR_CREDENTIALS };
    return testContext({
      clients: createAwsClients('us-east-1', {
        s3: { ...common, endpoint: emulators.s3Endpoint, forcePathStyle: true },
        dynamodb: { ...common, endpoint: emulators.dynamodbEndpoint },
      }),
      // While the verifier waits for the report, let the triggered import finish (no real sleeping).
      clock: fakeClock(async () => {
        await Promise.all(imports);
      }),
      settings: { runId, write },
    });
  }

  async function bucketKeys(): Promise<string[]> {
    const listing = await emulators.s3.send(new ListObjectsV2Command({ Bucket: INVENTORY.BucketName }));
    return (listing.Contents ?? []).map((o) => o.Key ?? '');
  }

  async function itemExists(sku: string): Promise<boolean> {
    const { Item } = await emulators.dynamodb.send(
      new GetItemCommand({ TableName: INVENTORY.TableName, Key: { sku: { S: sku } }, ConsistentRead: true }),
    );
    return Item !== undefined;
  }

  test('passes end to end and leaves no test data behind', async () => {
    // WHEN
    const results = await verifyInventoryLoader(context('ok'), INVENTORY);
    // THEN
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ['function-active', 'pass'],
      ['function-runtime', 'pass'],
      ['function-architecture', 'pass'],
      ['function-failure-destination', 'pass'],
      ['data-routes', 'pass'],
      // s3rver answers GetBucketNotificationConfiguration with NotImplemented (the check is unit-tested with mocks)
      ['bucket-eventbridge', 'fail'],
      ['table-key', 'pass'],
      ['smoke-upload', 'pass'],
      ['smoke-report', 'pass'],
      ['smoke-items', 'pass'],
      ['smoke-cleanup', 'pass'],
    ]);
    expect(results[5].evidence).toContain('NotImplemented');
    expect(results[9].evidence).toBe('found cdk-verify-ok-1, cdk-verify-ok-2, cdk-verify-ok-3');
    expect(imports).toHaveLength(1);
    expect(await bucketKeys()).toEqual([]);
    expect(await itemExists('cdk-verify-ok-1')).toBe(false);
    expect(await itemExists('cdk-verify-ok-3')).toBe(false);
  });

  test('fails when the import rejects a row, and still cleans up', async () => {
    // GIVEN an import that rejects the second row
    acceptRow = (sku) => !sku.endsWith('-2');
    const { reportKey } = smokeKeys(INVENTORY, 'partial');
    // WHEN
    const results = await verifyInventoryLoader(context('partial'), INVENTORY);
    // THEN
    const checks = Object.fromEntries(results.map((r) => [r.id, r]));
    expect(checks['smoke-report']).toMatchObject({
      status: 'fail',
      evidence: expect.stringMatching(
        new RegExp(
          `^s3://inventory-bucket/${reportKey.replace(/\./g, '\\.')} after .*: status PARTIAL, rowsTotal 3, rowsWritten 2, rowsRejected 1; errors: line 3: rejected by test$`,
        ),
      ),
    });
    expect(checks['smoke-items']).toMatchObject({ status: 'fail', evidence: 'cdk-verify-partial-2 missing' });
    expect(checks['smoke-cleanup'].status).toBe('pass');
    expect(await bucketKeys()).toEqual([]);
    expect(await itemExists('cdk-verify-partial-1')).toBe(false);
  });

  test('--no-write writes nothing', async () => {
    const results = await verifyInventoryLoader(context('nowrite', false), INVENTORY);
    expect(results.at(-1)).toMatchObject({ id: 'smoke-import', status: 'skip' });
    expect(imports).toHaveLength(0);
    expect(await bucketKeys()).toEqual([]);
  });

  describe('with the real import engine (lib/inventory/handler) as the triggered function', () => {
    const saved = { ...process.env };
    let handler: (event: unknown, context: unknown) => Promise<unknown>;

    beforeAll(() => {
      // The handler builds its clients from the standard SDK environment (the handler contract).
      Object.assign(process.env, emulators.env, {
        TABLE_NAME: INVENTORY.TableName,
        REPORT_PREFIX: INVENTORY.ReportPrefix,
        LOG_LEVEL: 'SILENT',
      });
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after the environment is set
      handler = require('../../lib/inventory/handler/index').handler;
    });

    afterAll(() => {
      process.env = { ...saved };
    });

    test('the verifier and the engine agree on the report key, report fields and item shape', async () => {
      // GIVEN uploads trigger the real handler instead of the stand-in
      realEngine = (event) => handler(event, { getRemainingTimeInMillis: () => 60_000, awsRequestId: 'verify-test' });
      // WHEN
      const results = await verifyInventoryLoader(context('engine'), INVENTORY);
      // THEN
      const checks = Object.fromEntries(results.map((r) => [r.id, r]));
      expect(checks['smoke-report']).toMatchObject({ status: 'pass' });
      expect(checks['smoke-report'].evidence).toContain('status SUCCEEDED, rowsTotal 3, rowsWritten 3, rowsRejected 0');
      expect(checks['smoke-items']).toMatchObject({ status: 'pass' });
      expect(checks['smoke-cleanup']).toMatchObject({ status: 'pass' });
      // the engine's rejected-rows CSV (named in its report) is cleaned up too
      expect(checks['smoke-cleanup'].evidence).toContain('.rejected.csv');
      expect(await bucketKeys()).toEqual([]);
    });

    test('the verifier imports in the schema the engine reads from INVENTORY_SCHEMA, into a table keyed by it', async () => {
      // GIVEN an engine deployed with a custom schema (in its environment, as InventoryLoader sets it) and a table
      // keyed by the schema's key column
      const schema = {
        key: 'itemId',
        columns: [
          { name: 'itemId', type: 'string', required: true, maxLength: 24 },
          { name: 'count', type: 'integer', required: true, min: 10 },
          { name: 'active', type: 'boolean', required: true },
        ],
        extraColumns: 'ignore',
      };
      const outputs = { ...INVENTORY, TableName: 'custom-inventory' };
      await createTable(emulators.dynamodb, outputs.TableName, 'itemId');
      Object.assign(process.env, { TABLE_NAME: outputs.TableName, INVENTORY_SCHEMA: JSON.stringify(schema) });
      lambda.on(GetFunctionConfigurationCommand).resolves({
        State: 'Active',
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        DeadLetterConfig: { TargetArn: 'arn:aws:sqs:us-east-1:111111111111:dlq' },
        Environment: { Variables: { TABLE_NAME: outputs.TableName, INVENTORY_SCHEMA: JSON.stringify(schema) } },
      });
      realEngine = (event) => handler(event, { getRemainingTimeInMillis: () => 60_000, awsRequestId: 'verify-custom' });
      try {
        // WHEN
        const results = await verifyInventoryLoader(context('custom'), outputs);
        // THEN every check but the notification configuration (which s3rver does not implement) passes
        const checks = Object.fromEntries(results.map((r) => [r.id, r]));
        expect(results.filter((r) => r.status !== 'pass').map((r) => r.id)).toEqual(['bucket-eventbridge']);
        expect(checks['table-key'].evidence).toBe(
          "partition key itemId (S), no sort key; key column 'itemId' from the function's INVENTORY_SCHEMA",
        );
        expect(checks['smoke-report'].evidence).toContain(
          'status SUCCEEDED, rowsTotal 3, rowsWritten 3, rowsRejected 0',
        );
        expect(checks['smoke-items'].evidence).toBe(
          'found cdk-verify-custom-1, cdk-verify-custom-2, cdk-verify-custom-3',
        );
        expect(await bucketKeys()).toEqual([]);
        const { Item } = await emulators.dynamodb.send(
          new GetItemCommand({ TableName: outputs.TableName, Key: { itemId: { S: 'cdk-verify-custom-1' } } }),
        );
        expect(Item).toBeUndefined();
      } finally {
        delete process.env.INVENTORY_SCHEMA;
        process.env.TABLE_NAME = INVENTORY.TableName;
      }
    });
  });
});
