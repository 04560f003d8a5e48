import { DeleteItemCommand, DescribeTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeRouteTablesCommand,
  DescribeVpcEndpointsCommand,
  EC2Client,
  Route,
  RouteTable,
} from '@aws-sdk/client-ec2';
import {
  FunctionConfiguration,
  GetFunctionConfigurationCommand,
  GetFunctionEventInvokeConfigCommand,
  LambdaClient,
} from '@aws-sdk/client-lambda';
import {
  DeleteObjectCommand,
  GetBucketNotificationConfigurationCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { smokeCsv, smokeKeys, smokeRows, verifyInventoryLoader } from '../../bin/cli/verify/checks/inventory-loader';
import type { CheckResult } from '../../bin/cli/verify/result';
import { INVENTORY } from './support/fixtures';
import { testContext } from './support/helpers';

const lambda = mockClient(LambdaClient);
const s3 = mockClient(S3Client);
const ddb = mockClient(DynamoDBClient);
const ec2 = mockClient(EC2Client);

const FUNCTION_OK: FunctionConfiguration = {
  FunctionName: 'inventory-fn',
  State: 'Active',
  LastUpdateStatus: 'Successful',
  Runtime: 'nodejs22.x',
  Architectures: ['arm64'],
  DeadLetterConfig: { TargetArn: 'arn:aws:sqs:us-east-1:111111111111:inventory-dlq' },
};

const notFound = (name: string, message = 'not found') => Object.assign(new Error(message), { name });
/** The part of an S3 GetObject body stream the verifier uses. */
const body = (text: string) => ({ transformToString: async () => text }) as never;
const REPORT_OK = { status: 'SUCCEEDED', rowsTotal: 3, rowsWritten: 3, rowsRejected: 0, errors: [] };
const { uploadKey, reportKey } = smokeKeys(INVENTORY, 'test-run');
const SKUS = ['cdk-verify-test-run-1', 'cdk-verify-test-run-2', 'cdk-verify-test-run-3'];

/** Item as the import engine stores it (quantity and price as numbers), plus an attribute the check ignores. */
const storedItem = (n: number) => ({
  sku: { S: `cdk-verify-test-run-${n}` },
  name: { S: `verify smoke item ${n}` },
  quantity: { N: String(n) },
  price: { N: `${n}.5` },
  category: { S: `verify smoke item ${n}` },
  note: { S: 'not in the upload' },
});

function givenHealthyFunction(config: FunctionConfiguration = FUNCTION_OK): void {
  lambda.on(GetFunctionConfigurationCommand, { FunctionName: 'inventory-fn' }).resolves(config);
  lambda
    .on(GetFunctionEventInvokeConfigCommand)
    .rejects(notFound('ResourceNotFoundException', 'The function does not have an event invoke config'));
}

/** S3 and DynamoDB behaving like a working import: the report appears after two polls, items exist. */
function givenWorkingImport(report: object = REPORT_OK): void {
  s3.on(PutObjectCommand).resolves({});
  s3.on(GetObjectCommand)
    .rejectsOnce(notFound('NoSuchKey'))
    .rejectsOnce(notFound('NoSuchKey'))
    .callsFake(() => ({ Body: body(JSON.stringify(report)) }));
  s3.on(DeleteObjectCommand).resolves({});
  ddb.on(GetItemCommand).callsFake((input: { Key: { sku: { S: string } } }) => ({
    Item: storedItem(Number(input.Key.sku.S.slice(-1))),
  }));
  ddb.on(DeleteItemCommand).resolves({});
}

/** DescribeTable's answer for a table with the partition key `name` of `type` and no sort key. */
const tableKeyedBy = (name: string, type = 'S') => ({
  Table: {
    KeySchema: [{ AttributeName: name, KeyType: 'HASH' as const }],
    AttributeDefinitions: [{ AttributeName: name, AttributeType: type as 'S' }],
  },
});

const byId = (results: CheckResult[]): Record<string, CheckResult> => Object.fromEntries(results.map((r) => [r.id, r]));

beforeEach(() => {
  lambda.reset();
  s3.reset();
  ddb.reset();
  ec2.reset();
  // the deployed bucket and table as the construct makes them (tests of those checks override these)
  s3.on(GetBucketNotificationConfigurationCommand, { Bucket: 'inventory-bucket' }).resolves({
    EventBridgeConfiguration: {},
  });
  ddb.on(DescribeTableCommand, { TableName: 'inventory-table' }).resolves(tableKeyedBy('sku'));
});

describe('InventoryLoader function checks', () => {
  const noWrite = () => testContext({ settings: { write: false } });

  test('pass for an Active nodejs22.x arm64 function with a dead-letter queue', async () => {
    // GIVEN
    givenHealthyFunction();
    // WHEN
    const results = await verifyInventoryLoader(noWrite(), INVENTORY);
    // THEN
    expect(results).toEqual([
      {
        id: 'function-active',
        status: 'pass',
        title: 'function inventory-fn is Active',
        evidence: 'State Active, LastUpdateStatus Successful',
      },
      {
        id: 'function-runtime',
        status: 'pass',
        title: 'runtime is nodejs22.x or nodejs24.x',
        evidence: 'Runtime nodejs22.x',
      },
      { id: 'function-architecture', status: 'pass', title: 'architecture is arm64', evidence: 'Architectures arm64' },
      {
        id: 'function-failure-destination',
        status: 'pass',
        title: 'failed asynchronous invocations go to a dead-letter queue or on-failure destination',
        evidence: 'DeadLetterConfig arn:aws:sqs:us-east-1:111111111111:inventory-dlq',
      },
      {
        id: 'data-routes',
        status: 'pass',
        title: "the function's subnets reach S3 and DynamoDB (a NAT route, or both gateway endpoints)",
        evidence: 'the function is not attached to a VPC: Lambda reaches S3 and DynamoDB from its own network',
      },
      {
        id: 'bucket-eventbridge',
        status: 'pass',
        title: 'bucket inventory-bucket sends its events to EventBridge',
        evidence: 'EventBridgeConfiguration is on',
      },
      {
        id: 'table-key',
        status: 'pass',
        title: "table inventory-table is keyed by the schema's key column 'sku' (string) alone",
        evidence:
          "partition key sku (S), no sort key; key column 'sku' from the standard schema (the function has no INVENTORY_SCHEMA)",
      },
      { id: 'smoke-import', status: 'skip', title: 'smoke import of a three-row CSV', evidence: 'skipped: --no-write' },
    ]);
    // nothing written: only the two reads of the bucket's and the table's configuration
    expect(s3.calls().map((c) => c.args[0].constructor.name)).toEqual(['GetBucketNotificationConfigurationCommand']);
    expect(ddb.calls().map((c) => c.args[0].constructor.name)).toEqual(['DescribeTableCommand']);
  });

  test('pass with an on-failure destination instead of a dead-letter queue', async () => {
    lambda.on(GetFunctionConfigurationCommand).resolves({ ...FUNCTION_OK, DeadLetterConfig: undefined });
    lambda.on(GetFunctionEventInvokeConfigCommand).resolves({
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:111111111111:failures' } },
    });
    const checks = byId(await verifyInventoryLoader(noWrite(), INVENTORY));
    expect(checks['function-failure-destination']).toMatchObject({
      status: 'pass',
      evidence:
        'OnFailure arn:aws:sqs:us-east-1:111111111111:failures; MaximumRetryAttempts 2, MaximumEventAgeInSeconds 3600',
    });
  });

  test('waits while the function is Pending', async () => {
    lambda
      .on(GetFunctionConfigurationCommand)
      .resolvesOnce({ ...FUNCTION_OK, State: 'Pending' })
      .resolves(FUNCTION_OK);
    lambda.on(GetFunctionEventInvokeConfigCommand).rejects(notFound('ResourceNotFoundException'));
    const ctx = noWrite();
    const checks = byId(await verifyInventoryLoader(ctx, INVENTORY));
    expect(checks['function-active'].status).toBe('pass');
    expect(ctx.clock.sleeps).toEqual([1000]);
  });

  test('fails when the function is Failed', async () => {
    givenHealthyFunction({ ...FUNCTION_OK, State: 'Failed', StateReason: 'EniLimitExceeded' });
    const checks = byId(await verifyInventoryLoader(noWrite(), INVENTORY));
    expect(checks['function-active']).toMatchObject({
      status: 'fail',
      evidence: 'State Failed (EniLimitExceeded), LastUpdateStatus Successful',
    });
  });

  test('fails when the function does not exist', async () => {
    lambda
      .on(GetFunctionConfigurationCommand)
      .rejects(notFound('ResourceNotFoundException', 'Function not found: inventory-fn'));
    const results = await verifyInventoryLoader(noWrite(), INVENTORY);
    expect(results[0]).toMatchObject({
      id: 'function-active',
      status: 'fail',
      evidence: 'function inventory-fn: ResourceNotFoundException: Function not found: inventory-fn (not retried)',
    });
  });

  test('fails when the runtime is not an expected one', async () => {
    givenHealthyFunction({ ...FUNCTION_OK, Runtime: 'nodejs18.x' });
    const checks = byId(await verifyInventoryLoader(noWrite(), INVENTORY));
    expect(checks['function-runtime']).toMatchObject({ status: 'fail', evidence: 'Runtime nodejs18.x' });
  });

  test('accepts a configured expected runtime', async () => {
    givenHealthyFunction({ ...FUNCTION_OK, Runtime: 'nodejs24.x' });
    const ctx = testContext({ settings: { write: false, expectedRuntimes: ['nodejs24.x'] } });
    const checks = byId(await verifyInventoryLoader(ctx, INVENTORY));
    expect(checks['function-runtime']).toMatchObject({ status: 'pass', title: 'runtime is nodejs24.x' });
  });

  test('fails when the function runs on x86_64', async () => {
    givenHealthyFunction({ ...FUNCTION_OK, Architectures: ['x86_64'] });
    const checks = byId(await verifyInventoryLoader(noWrite(), INVENTORY));
    expect(checks['function-architecture']).toMatchObject({ status: 'fail', evidence: 'Architectures x86_64' });
  });

  test('fails when failures have nowhere to go', async () => {
    givenHealthyFunction({ ...FUNCTION_OK, DeadLetterConfig: undefined });
    const checks = byId(await verifyInventoryLoader(noWrite(), INVENTORY));
    expect(checks['function-failure-destination']).toMatchObject({
      status: 'fail',
      evidence: 'no DeadLetterConfig and no OnFailure destination',
    });
  });

  test('fails with the reason when the event invoke config cannot be read', async () => {
    lambda.on(GetFunctionConfigurationCommand).resolves({ ...FUNCTION_OK, DeadLetterConfig: undefined });
    lambda
      .on(GetFunctionEventInvokeConfigCommand)
      .rejects(notFound('AccessDeniedException', 'not authorized to perform lambda:GetFunctionEventInvokeConfig'));
    const checks = byId(await verifyInventoryLoader(noWrite(), INVENTORY));
    expect(checks['function-failure-destination']).toMatchObject({
      status: 'fail',
      evidence:
        'no DeadLetterConfig and no OnFailure destination (GetFunctionEventInvokeConfig failed: AccessDeniedException: not authorized to perform lambda:GetFunctionEventInvokeConfig)',
    });
  });
});

describe('InventoryLoader smoke import (fault injection; the happy path runs on emulators)', () => {
  test('uploads three rows, waits for the report with backoff, checks the items and cleans up', async () => {
    // GIVEN
    givenHealthyFunction();
    givenWorkingImport();
    const ctx = testContext();
    // WHEN
    const results = await verifyInventoryLoader(ctx, INVENTORY);
    // THEN
    expect(results.slice(7).map((r) => [r.id, r.status])).toEqual([
      ['smoke-upload', 'pass'],
      ['smoke-report', 'pass'],
      ['smoke-items', 'pass'],
      ['smoke-cleanup', 'pass'],
    ]);
    const put = s3.commandCalls(PutObjectCommand)[0].args[0].input;
    expect(put).toMatchObject({ Bucket: 'inventory-bucket', Key: 'uploads/cdk-compute-patterns-verify-test-run.csv' });
    expect(put.Body).toBe(smokeCsv('test-run'));
    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Key)).toEqual([
      reportKey,
      reportKey,
      reportKey,
    ]);
    expect(reportKey).toBe('reports/uploads/cdk-compute-patterns-verify-test-run.csv.json');
    expect(ctx.clock.sleeps).toEqual([1000, 2000]);
    expect(ddb.commandCalls(DeleteItemCommand).map((c) => c.args[0].input.Key?.sku.S)).toEqual(SKUS);
    expect(s3.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input.Key)).toEqual([uploadKey, reportKey]);
  });

  test('the CSV has a header and three valid rows in the default schema', () => {
    expect(smokeCsv('r1').split('\n')).toEqual([
      'sku,name,quantity,price,category',
      'cdk-verify-r1-1,verify smoke item 1,1,1.5,verify smoke item 1',
      'cdk-verify-r1-2,verify smoke item 2,2,2.5,verify smoke item 2',
      'cdk-verify-r1-3,verify smoke item 3,3,3.5,verify smoke item 3',
      '',
    ]);
  });

  test('fails when the upload is denied, and still cleans up', async () => {
    givenHealthyFunction();
    givenWorkingImport();
    s3.on(PutObjectCommand).rejects(notFound('AccessDenied', 'Access Denied'));
    const results = await verifyInventoryLoader(testContext(), INVENTORY);
    expect(results.slice(7)).toEqual([
      {
        id: 'smoke-upload',
        status: 'fail',
        title: 'upload a three-row CSV to the upload prefix',
        evidence: `s3://inventory-bucket/${uploadKey}: AccessDenied: Access Denied`,
      },
      expect.objectContaining({ id: 'smoke-cleanup', status: 'pass' }),
    ]);
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  test('fails when the report never appears, checks the items anyway and cleans up', async () => {
    // GIVEN
    givenHealthyFunction();
    givenWorkingImport();
    s3.on(GetObjectCommand).rejects(notFound('NoSuchKey'));
    ddb.on(GetItemCommand).resolves({});
    // WHEN
    const checks = byId(await verifyInventoryLoader(testContext({ settings: { importTimeoutMs: 20_000 } }), INVENTORY));
    // THEN
    expect(checks['smoke-report']).toMatchObject({
      status: 'fail',
      evidence: `timed out after 15s (5 attempt(s)) waiting for import report: s3://inventory-bucket/${reportKey} not written yet`,
    });
    expect(checks['smoke-items']).toMatchObject({
      status: 'fail',
      evidence: SKUS.map((s) => `${s} missing`).join('; '),
    });
    expect(checks['smoke-cleanup'].status).toBe('pass');
    expect(ddb.commandCalls(DeleteItemCommand)).toHaveLength(3);
  });

  test('fails when the report says PARTIAL', async () => {
    givenHealthyFunction();
    givenWorkingImport({
      status: 'PARTIAL',
      rowsTotal: 3,
      rowsWritten: 2,
      rowsRejected: 1,
      errors: [{ line: 3, reason: 'quantity must be an integer >= 0', sku: 'cdk-verify-test-run-2' }],
    });
    const checks = byId(await verifyInventoryLoader(testContext(), INVENTORY));
    expect(checks['smoke-report']).toMatchObject({
      status: 'fail',
      evidence: `s3://inventory-bucket/${reportKey} after 3.0s: status PARTIAL, rowsTotal 3, rowsWritten 2, rowsRejected 1; errors: line 3: quantity must be an integer >= 0`,
    });
  });

  test('fails when an item is missing or has the wrong quantity', async () => {
    givenHealthyFunction();
    givenWorkingImport();
    ddb
      .on(GetItemCommand)
      .resolvesOnce({ Item: storedItem(1) })
      .resolvesOnce({})
      .resolvesOnce({ Item: { ...storedItem(3), quantity: { S: '3' } } });
    const checks = byId(await verifyInventoryLoader(testContext(), INVENTORY));
    expect(checks['smoke-items']).toMatchObject({
      status: 'fail',
      evidence: 'cdk-verify-test-run-2 missing; cdk-verify-test-run-3 has quantity {"S":"3"}, expected {"N":"3"}',
    });
    expect(ddb.commandCalls(GetItemCommand)[0].args[0].input).toEqual({
      TableName: 'inventory-table',
      Key: { sku: { S: 'cdk-verify-test-run-1' } },
      ConsistentRead: true,
    });
  });

  test('also deletes the rejected-rows CSV the report names, but only under the report prefix', async () => {
    givenHealthyFunction();
    givenWorkingImport({ ...REPORT_OK, rejectedRowsKey: `${reportKey.slice(0, -5)}.rejected.csv` });
    await verifyInventoryLoader(testContext(), INVENTORY);
    expect(s3.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input.Key)).toEqual([
      uploadKey,
      reportKey,
      'reports/uploads/cdk-compute-patterns-verify-test-run.csv.rejected.csv',
    ]);

    s3.reset();
    givenWorkingImport({ ...REPORT_OK, rejectedRowsKey: 'important/data.csv' });
    await verifyInventoryLoader(testContext(), INVENTORY);
    expect(s3.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input.Key)).toEqual([uploadKey, reportKey]);
  });

  test('fails the cleanup check when test data cannot be deleted', async () => {
    givenHealthyFunction();
    givenWorkingImport();
    ddb.on(DeleteItemCommand).rejects(notFound('AccessDeniedException', 'no dynamodb:DeleteItem'));
    const checks = byId(await verifyInventoryLoader(testContext(), INVENTORY));
    expect(checks['smoke-cleanup']).toMatchObject({
      status: 'fail',
      evidence: `could not delete: ${SKUS.map((s) => `item ${s}: AccessDeniedException: no dynamodb:DeleteItem`).join('; ')}`,
    });
    expect(s3.commandCalls(DeleteObjectCommand)).toHaveLength(2);
  });
});

describe('InventoryLoader data routes', () => {
  const TITLE = "the function's subnets reach S3 and DynamoDB (a NAT route, or both gateway endpoints)";
  const IN_VPC: FunctionConfiguration = {
    ...FUNCTION_OK,
    VpcConfig: { VpcId: 'vpc-1', SubnetIds: ['subnet-a', 'subnet-b'], SecurityGroupIds: ['sg-1'] },
  };
  const S3_PL: Route = { DestinationPrefixListId: 'pl-63a5400a', GatewayId: 'vpce-s3', State: 'active' };
  const DDB_PL: Route = { DestinationPrefixListId: 'pl-02cd2c6b', GatewayId: 'vpce-ddb', State: 'active' as const };
  const LOCAL: Route = { DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', State: 'active' as const };

  /** The VPC's route tables (explicit associations and the main one) and its S3 and DynamoDB gateway endpoints. */
  function givenNetwork(associated: RouteTable[], main: RouteTable, endpoints = ['s3', 'dynamodb']): void {
    givenHealthyFunction(IN_VPC);
    ec2
      .on(DescribeRouteTablesCommand, {
        Filters: [{ Name: 'association.subnet-id', Values: ['subnet-a', 'subnet-b'] }],
      })
      .resolves({ RouteTables: associated })
      .on(DescribeRouteTablesCommand, {
        Filters: [
          { Name: 'vpc-id', Values: ['vpc-1'] },
          { Name: 'association.main', Values: ['true'] },
        ],
      })
      .resolves({ RouteTables: [main] });
    ec2.on(DescribeVpcEndpointsCommand).resolves({
      VpcEndpoints: endpoints.map((e) => ({
        VpcEndpointId: e === 's3' ? 'vpce-s3' : 'vpce-ddb',
        ServiceName: `com.amazonaws.us-east-1.${e}`,
        VpcEndpointType: 'Gateway',
        // EC2 answers lowercase here, whatever the SDK's enum says
        State: 'available' as never,
      })),
    });
  }
  const dataRoutes = async () =>
    byId(await verifyInventoryLoader(testContext({ settings: { write: false } }), INVENTORY))['data-routes'];

  test('pass for a subnet with a NAT route and one on the main table with both gateway endpoints', async () => {
    // GIVEN subnet-a associated with a NAT table, subnet-b on the main table holding the endpoint routes
    givenNetwork(
      [
        {
          RouteTableId: 'rtb-nat',
          Associations: [{ SubnetId: 'subnet-a' }],
          Routes: [LOCAL, { DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-1', State: 'active' as const }],
        },
      ],
      { RouteTableId: 'rtb-main', Associations: [{ Main: true }], Routes: [LOCAL, S3_PL, DDB_PL] },
    );
    // WHEN / THEN
    expect(await dataRoutes()).toEqual({
      id: 'data-routes',
      status: 'pass',
      title: TITLE,
      evidence:
        'subnet-a (rtb-nat): 0.0.0.0/0 via nat-1; subnet-b (rtb-main, main): S3 pl-63a5400a via vpce-s3, DynamoDB pl-02cd2c6b via vpce-ddb',
    });
    // the endpoints are looked up by the Region's service names, gateway type, in the function's VPC
    expect(ec2.commandCalls(DescribeVpcEndpointsCommand)[0].args[0].input).toEqual({
      Filters: [
        { Name: 'vpc-id', Values: ['vpc-1'] },
        { Name: 'vpc-endpoint-type', Values: ['Gateway'] },
        { Name: 'service-name', Values: ['com.amazonaws.us-east-1.s3', 'com.amazonaws.us-east-1.dynamodb'] },
      ],
    });
  });

  test('does not read the main table when every subnet has its own', async () => {
    givenNetwork(
      [
        { RouteTableId: 'rtb-a', Associations: [{ SubnetId: 'subnet-a' }], Routes: [S3_PL, DDB_PL] },
        { RouteTableId: 'rtb-b', Associations: [{ SubnetId: 'subnet-b' }], Routes: [S3_PL, DDB_PL] },
      ],
      { RouteTableId: 'rtb-main', Routes: [] },
    );
    expect((await dataRoutes()).status).toBe('pass');
    expect(ec2.commandCalls(DescribeRouteTablesCommand)).toHaveLength(1);
  });

  test('fails for an isolated subnet with the S3 endpoint only, and says an internet gateway does not count', async () => {
    // GIVEN subnet-b's table reaches S3 by endpoint and the internet by an internet gateway, and DynamoDB not at all
    givenNetwork(
      [
        { RouteTableId: 'rtb-a', Associations: [{ SubnetId: 'subnet-a' }], Routes: [LOCAL, S3_PL, DDB_PL] },
        {
          RouteTableId: 'rtb-b',
          Associations: [{ SubnetId: 'subnet-b' }],
          Routes: [LOCAL, S3_PL, { DestinationCidrBlock: '0.0.0.0/0', GatewayId: 'igw-1', State: 'active' as const }],
        },
      ],
      { RouteTableId: 'rtb-main', Routes: [] },
    );
    // WHEN / THEN
    expect(await dataRoutes()).toEqual({
      id: 'data-routes',
      status: 'fail',
      title: TITLE,
      evidence:
        'subnet-a (rtb-a): S3 pl-63a5400a via vpce-s3, DynamoDB pl-02cd2c6b via vpce-ddb; subnet-b (rtb-b): no 0.0.0.0/0 route to a NAT or transit gateway (igw-1 does not count: Lambda gets no public IP) and no route to the DynamoDB gateway endpoint',
    });
  });

  test('fails when the NAT route is a blackhole and the VPC has no gateway endpoints', async () => {
    givenNetwork(
      [],
      {
        RouteTableId: 'rtb-main',
        Routes: [LOCAL, { DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-gone', State: 'blackhole' as const }],
      },
      [],
    );
    expect((await dataRoutes()).evidence).toBe(
      'subnet-a (rtb-main, main): no 0.0.0.0/0 route to a NAT or transit gateway and no route to the S3 or DynamoDB gateway endpoint; subnet-b (rtb-main, main): no 0.0.0.0/0 route to a NAT or transit gateway and no route to the S3 or DynamoDB gateway endpoint',
    );
  });

  test('fails when a prefix-list route targets an endpoint of another service or VPC', async () => {
    // GIVEN the DynamoDB route points at an endpoint DescribeVpcEndpoints does not return for this VPC
    givenNetwork([], { RouteTableId: 'rtb-main', Routes: [S3_PL, { ...DDB_PL, GatewayId: 'vpce-elsewhere' }] }, ['s3']);
    const check = await dataRoutes();
    expect(check.status).toBe('fail');
    expect(check.evidence).toContain(
      'subnet-a (rtb-main, main): no 0.0.0.0/0 route to a NAT or transit gateway and no route to the DynamoDB gateway endpoint',
    );
  });

  test('fails with the EC2 error when the route tables cannot be read', async () => {
    givenHealthyFunction(IN_VPC);
    ec2.on(DescribeRouteTablesCommand).rejects(
      Object.assign(new Error('You are not authorized to perform this operation.'), {
        name: 'UnauthorizedOperation',
      }),
    );
    expect(await dataRoutes()).toEqual({
      id: 'data-routes',
      status: 'fail',
      title: TITLE,
      evidence: 'UnauthorizedOperation: You are not authorized to perform this operation.',
    });
  });
});

describe('InventoryLoader bucket and table', () => {
  const checks = async () => byId(await verifyInventoryLoader(testContext({ settings: { write: false } }), INVENTORY));

  test('fails when the bucket does not send events to EventBridge', async () => {
    // GIVEN an imported bucket without EventBridge notifications
    givenHealthyFunction();
    s3.on(GetBucketNotificationConfigurationCommand).resolves({});
    // WHEN / THEN
    expect((await checks())['bucket-eventbridge']).toEqual({
      id: 'bucket-eventbridge',
      status: 'fail',
      title: 'bucket inventory-bucket sends its events to EventBridge',
      evidence:
        'no EventBridgeConfiguration: uploads never reach the import rule. Turn it on where the bucket is defined (SecureBucket.enableNativeEventBridge(bucket), or Amazon EventBridge notifications in the bucket properties)',
    });
  });

  test('fails when the table has a sort key', async () => {
    givenHealthyFunction();
    ddb.on(DescribeTableCommand).resolves({
      Table: {
        KeySchema: [
          { AttributeName: 'sku', KeyType: 'HASH' },
          { AttributeName: 'warehouse', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'sku', AttributeType: 'S' },
          { AttributeName: 'warehouse', AttributeType: 'S' },
        ],
      },
    });
    expect((await checks())['table-key']).toMatchObject({
      status: 'fail',
      evidence:
        "partition key sku (S), sort key warehouse; key column 'sku' from the standard schema (the function has no INVENTORY_SCHEMA)",
    });
  });

  test('fails when the partition key is a number', async () => {
    givenHealthyFunction();
    ddb.on(DescribeTableCommand).resolves(tableKeyedBy('id', 'N'));
    expect((await checks())['table-key']).toMatchObject({
      status: 'fail',
      evidence:
        "partition key id (N), no sort key; key column 'sku' from the standard schema (the function has no INVENTORY_SCHEMA)",
    });
  });

  test('fails with the error when the configuration cannot be read', async () => {
    givenHealthyFunction();
    s3.on(GetBucketNotificationConfigurationCommand).rejects(
      Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }),
    );
    ddb
      .on(DescribeTableCommand)
      .rejects(Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException' }));
    const results = await checks();
    expect(results['bucket-eventbridge']).toMatchObject({ status: 'fail', evidence: 'AccessDenied: Access Denied' });
    expect(results['table-key']).toMatchObject({
      status: 'fail',
      evidence: 'ResourceNotFoundException: Requested resource not found',
    });
  });
});

describe("InventoryLoader with a custom schema (the function's INVENTORY_SCHEMA)", () => {
  /** A schema unlike the standard one: another key, a short key column, bounds the default values break. */
  const CUSTOM = {
    key: 'itemId',
    columns: [
      { name: 'itemId', type: 'string', required: true, maxLength: 16 },
      { name: 'count', type: 'integer', required: true, min: 10, max: 20 },
      { name: 'weight', type: 'number', required: true, max: 0.25 },
      { name: 'active', type: 'boolean', required: true },
      { name: 'label', type: 'string', maxLength: 5 },
    ],
    extraColumns: 'ignore',
  };
  const withSchema = (schema: unknown): FunctionConfiguration => ({
    ...FUNCTION_OK,
    Environment: { Variables: { TABLE_NAME: 'inventory-table', INVENTORY_SCHEMA: JSON.stringify(schema) } },
  });

  beforeEach(() => {
    ddb.on(DescribeTableCommand, { TableName: 'inventory-table' }).resolves(tableKeyedBy('itemId'));
  });

  test('uploads rows in the deployed schema, within its bounds, and checks and deletes the items by its key', async () => {
    // GIVEN a deployed engine with the custom schema, and an import that writes what the engine writes
    givenHealthyFunction(withSchema(CUSTOM));
    givenWorkingImport();
    const rows = smokeRows('test-run', CUSTOM as never);
    ddb.on(GetItemCommand).callsFake((input: { Key: { itemId: { S: string } } }) => ({
      Item: rows.find((r) => r.key === input.Key.itemId.S)?.item,
    }));
    // WHEN
    const checks = byId(await verifyInventoryLoader(testContext(), INVENTORY));
    // THEN the table is checked against the schema's key, and the smoke import passes
    expect(checks['table-key']).toMatchObject({
      status: 'pass',
      title: "table inventory-table is keyed by the schema's key column 'itemId' (string) alone",
      evidence: "partition key itemId (S), no sort key; key column 'itemId' from the function's INVENTORY_SCHEMA",
    });
    expect(['smoke-upload', 'smoke-report', 'smoke-items', 'smoke-cleanup'].map((id) => checks[id].status)).toEqual([
      'pass',
      'pass',
      'pass',
      'pass',
    ]);
    // AND the CSV has the schema's columns, the key's end where the column is short, values within the bounds
    expect(String(s3.commandCalls(PutObjectCommand)[0].args[0].input.Body).split('\n')).toEqual([
      'itemId,count,weight,active,label',
      'erify-test-run-1,10,0.25,true,verif',
      'erify-test-run-2,10,0.25,true,verif',
      'erify-test-run-3,10,0.25,true,verif',
      '',
    ]);
    expect(rows[0].item).toEqual({
      itemId: { S: 'erify-test-run-1' },
      count: { N: '10' },
      weight: { N: '0.25' },
      active: { BOOL: true },
      label: { S: 'verif' },
    });
    expect(ddb.commandCalls(DeleteItemCommand).map((c) => c.args[0].input.Key)).toEqual(
      rows.map((r) => ({ itemId: { S: r.key } })),
    );
  });

  test("fails table-key when the table is keyed by another attribute than the schema's key column", async () => {
    givenHealthyFunction(withSchema(CUSTOM));
    ddb.on(DescribeTableCommand).resolves(tableKeyedBy('sku'));
    const checks = byId(await verifyInventoryLoader(testContext({ settings: { write: false } }), INVENTORY));
    expect(checks['table-key']).toMatchObject({
      status: 'fail',
      evidence: "partition key sku (S), no sort key; key column 'itemId' from the function's INVENTORY_SCHEMA",
    });
  });

  test('fails table-key and skips the smoke import when INVENTORY_SCHEMA is not a valid schema', async () => {
    givenHealthyFunction(withSchema({ key: 'itemId', columns: [] }));
    const results = await verifyInventoryLoader(testContext(), INVENTORY);
    const checks = byId(results);
    expect(checks['table-key']).toMatchObject({
      status: 'fail',
      evidence: expect.stringMatching(/^the function's INVENTORY_SCHEMA is not a valid schema: .*columns/),
    });
    expect(results.at(-1)).toMatchObject({
      id: 'smoke-import',
      status: 'skip',
      evidence: "skipped: the function's INVENTORY_SCHEMA is not a valid schema",
    });
    expect(s3.commandCalls(PutObjectCommand)).toEqual([]);
  });

  test("assumes the standard schema, and says so, when the function's environment cannot be read", async () => {
    givenHealthyFunction({
      ...FUNCTION_OK,
      Environment: { Error: { ErrorCode: 'AccessDeniedException', Message: 'Lambda was unable to decrypt' } },
    });
    ddb.on(DescribeTableCommand).resolves(tableKeyedBy('sku'));
    const checks = byId(await verifyInventoryLoader(testContext({ settings: { write: false } }), INVENTORY));
    expect(checks['table-key']).toMatchObject({
      status: 'pass',
      evidence:
        "partition key sku (S), no sort key; key column 'sku' from the standard schema (assumed: the function's environment could not be read, AccessDeniedException: Lambda was unable to decrypt)",
    });
  });
});
