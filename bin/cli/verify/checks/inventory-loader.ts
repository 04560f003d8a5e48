import { DeleteItemCommand, DescribeTableCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeRouteTablesCommand, DescribeVpcEndpointsCommand, Route, RouteTable } from '@aws-sdk/client-ec2';
import {
  FunctionConfiguration,
  GetFunctionConfigurationCommand,
  GetFunctionEventInvokeConfigCommand,
  FunctionEventInvokeConfig,
} from '@aws-sdk/client-lambda';
import {
  DeleteObjectCommand,
  GetBucketNotificationConfigurationCommand,
  GetObjectCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import {
  ColumnDefinition,
  DEFAULT_INVENTORY_SCHEMA,
  DEFAULT_MAX_LENGTH,
  InventorySchemaDefinition,
  parseSchemaJson,
} from '../../../../lib/inventory/handler/schema';
import { Item, RowValidator } from '../../../../lib/inventory/handler/validator';
import type { VerifyContext } from '../context';
import { INVENTORY_LOADER_OUTPUTS, StackOutputs } from '../outputs';
import { errorMessage, formatMs, poll } from '../poll';
import { CheckResult, fail, judge, pass, skip } from '../result';

/**
 * The schema the deployed engine imports with, read where the engine reads it: the function's `INVENTORY_SCHEMA`
 * environment variable, which InventoryLoader sets for a custom schema (absent: the standard schema). `source` says
 * where it came from, for the evidence; `error` is set when the variable holds no valid schema (the engine would
 * fail every import with the same message).
 */
export interface DeployedSchema {
  readonly schema: InventorySchemaDefinition;
  readonly source: string;
  readonly error?: string;
}

export function deployedSchema(config: FunctionConfiguration | undefined): DeployedSchema {
  const standard = (why: string): DeployedSchema => ({ schema: DEFAULT_INVENTORY_SCHEMA, source: why });
  if (!config) return standard('the standard schema (assumed: the function configuration was not read)');
  const env = config.Environment;
  if (env?.Error) {
    return standard(
      `the standard schema (assumed: the function's environment could not be read, ${env.Error.ErrorCode ?? 'error'}: ${env.Error.Message ?? ''})`,
    );
  }
  const json = env?.Variables?.INVENTORY_SCHEMA;
  if (json === undefined) return standard('the standard schema (the function has no INVENTORY_SCHEMA)');
  try {
    return { schema: parseSchemaJson(json), source: "the function's INVENTORY_SCHEMA" };
  } catch (e) {
    return { ...standard("the function's INVENTORY_SCHEMA"), error: errorMessage(e) };
  }
}

/** A value of `column` for smoke row `n` (1-3) that the engine accepts: within the column's bounds and length. */
function sampleValue(column: ColumnDefinition, n: number): string {
  switch (column.type) {
    case 'integer': {
      const lo = column.min === undefined ? -Infinity : Math.ceil(column.min);
      const hi = column.max === undefined ? Infinity : Math.floor(column.max);
      return String(Math.min(Math.max(n, lo), hi));
    }
    case 'number':
      return String(Math.min(Math.max(n + 0.5, column.min ?? -Infinity), column.max ?? Infinity));
    case 'boolean':
      return 'true';
    default:
      return `verify smoke item ${n}`.slice(0, Math.max(1, column.maxLength ?? DEFAULT_MAX_LENGTH));
  }
}

/** One row of the smoke import: the CSV cells, its key, and the item the engine writes for it. */
export interface SmokeRow {
  readonly key: string;
  readonly values: readonly string[];
  readonly item: Item;
}

/**
 * The three rows the smoke import uploads, in `schema` (the deployed engine's): every column of the schema, the key
 * `cdk-verify-<runId>-<n>` (its end, if the key column is shorter), the other values within each column's bounds.
 * Each row is validated with the engine's own RowValidator, which also gives the item it writes.
 *
 * @throws Error when the schema admits no such row (the error says why).
 */
export function smokeRows(runId: string, schema: InventorySchemaDefinition = DEFAULT_INVENTORY_SCHEMA): SmokeRow[] {
  const header = schema.columns.map((c) => c.name);
  const validator = new RowValidator(header, schema);
  return [1, 2, 3].map((n) => {
    const values = schema.columns.map((c) => {
      if (c.name.toLowerCase() !== schema.key.toLowerCase()) return sampleValue(c, n);
      const key = `cdk-verify-${runId}-${n}`;
      const max = c.maxLength ?? DEFAULT_MAX_LENGTH;
      return key.length <= max ? key : key.slice(key.length - max);
    });
    const result = validator.validate(values);
    if (!result.ok) throw new Error(`the schema admits no smoke row: ${result.reason}`);
    return { key: result.key, values, item: result.item };
  });
}

/** A CSV cell, quoted when it holds a comma, a quote or a line break. */
const csvCell = (value: string): string => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

/** The smoke import's CSV: the schema's columns as the header, then the three rows. */
export function smokeCsv(runId: string, schema: InventorySchemaDefinition = DEFAULT_INVENTORY_SCHEMA): string {
  const lines = [schema.columns.map((c) => csvCell(c.name)).join(',')];
  for (const row of smokeRows(runId, schema)) lines.push(row.values.map(csvCell).join(','));
  return `${lines.join('\n')}\n`;
}

/** The object keys the smoke import writes: the upload and the report the import engine writes for it. */
export function smokeKeys(outputs: StackOutputs, runId: string): { uploadKey: string; reportKey: string } {
  const uploadKey = `${outputs[INVENTORY_LOADER_OUTPUTS.uploadPrefix]}cdk-compute-patterns-verify-${runId}.csv`;
  return { uploadKey, reportKey: `${outputs[INVENTORY_LOADER_OUTPUTS.reportPrefix]}${uploadKey}.json` };
}

/** The import engine's report (see the handler contract): only the fields the verifier reads. */
interface ImportReport {
  readonly status?: string;
  readonly rowsTotal?: number;
  readonly rowsWritten?: number;
  readonly rowsRejected?: number;
  readonly errors?: readonly { line?: number; reason?: string }[];
  /** Where the engine put the rejected rows CSV (deleted with the report). */
  readonly rejectedRowsKey?: string;
}

const isNotFound = (e: unknown): boolean => {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    err.name === 'NoSuchKey' ||
    err.name === 'NotFound' ||
    err.name === 'ResourceNotFoundException' ||
    err.$metadata?.httpStatusCode === 404
  );
};

async function functionChecks(
  ctx: VerifyContext,
  functionName: string,
): Promise<{ results: CheckResult[]; config?: FunctionConfiguration }> {
  const activeTitle = `function ${functionName} is Active`;
  const waited = await poll<FunctionConfiguration>(
    async () => {
      const config = await ctx.clients
        .lambda()
        .send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
      // Pending settles by itself; Inactive/Failed are reported as they are.
      return config.State === 'Pending' ? { done: false, reason: 'State Pending' } : { done: true, value: config };
    },
    {
      label: `function ${functionName}`,
      timeoutMs: ctx.settings.waitTimeoutMs,
      clock: ctx.clock,
      progress: ctx.progress,
    },
  );
  if (!waited.ok) {
    return { results: [fail('function-active', activeTitle, waited.reason)] };
  }
  const config = waited.value;
  const { expectedRuntimes, expectedArchitecture } = ctx.settings;
  const results: CheckResult[] = [
    judge(
      config.State === 'Active',
      'function-active',
      activeTitle,
      `State ${config.State ?? 'unknown'}${config.StateReason ? ` (${config.StateReason})` : ''}, LastUpdateStatus ${config.LastUpdateStatus ?? 'unknown'}`,
    ),
    judge(
      config.Runtime !== undefined && expectedRuntimes.includes(config.Runtime),
      'function-runtime',
      `runtime is ${expectedRuntimes.join(' or ')}`,
      `Runtime ${config.Runtime ?? 'unset'}`,
    ),
    judge(
      (config.Architectures ?? ['x86_64']).includes(expectedArchitecture as never),
      'function-architecture',
      `architecture is ${expectedArchitecture}`,
      `Architectures ${(config.Architectures ?? ['x86_64 (default)']).join(', ')}`,
    ),
  ];

  let invokeConfig: FunctionEventInvokeConfig | undefined;
  let invokeConfigError: string | undefined;
  try {
    invokeConfig = await ctx.clients
      .lambda()
      .send(new GetFunctionEventInvokeConfigCommand({ FunctionName: functionName }));
  } catch (e) {
    if (!isNotFound(e)) {
      invokeConfigError = errorMessage(e);
    }
  }
  const dlq = config.DeadLetterConfig?.TargetArn;
  const onFailure = invokeConfig?.DestinationConfig?.OnFailure?.Destination;
  const asyncPolicy = invokeConfig
    ? `; MaximumRetryAttempts ${invokeConfig.MaximumRetryAttempts ?? 'default'}, MaximumEventAgeInSeconds ${invokeConfig.MaximumEventAgeInSeconds ?? 'default'}`
    : '';
  results.push(
    judge(
      Boolean(dlq || onFailure),
      'function-failure-destination',
      'failed asynchronous invocations go to a dead-letter queue or on-failure destination',
      dlq || onFailure
        ? `${dlq ? `DeadLetterConfig ${dlq}` : ''}${dlq && onFailure ? '; ' : ''}${onFailure ? `OnFailure ${onFailure}` : ''}${asyncPolicy}`
        : `no DeadLetterConfig and no OnFailure destination${invokeConfigError ? ` (GetFunctionEventInvokeConfig failed: ${invokeConfigError})` : ''}`,
    ),
  );
  return { results, config };
}

const DATA_ROUTES_TITLE = "the function's subnets reach S3 and DynamoDB (a NAT route, or both gateway endpoints)";

/** A route that is in use (EC2 reports `blackhole` when its target is gone). */
const usable = (r: Route): boolean => r.State !== 'blackhole';

/**
 * `data-routes`: each subnet of the function reaches S3 and DynamoDB, so imports cannot time out on the network. A
 * subnet's route table (its explicit association, else the VPC's main table) passes with a usable default route
 * (0.0.0.0/0) to a NAT gateway or a transit gateway, or with routes to the prefix lists of both an S3 and a DynamoDB
 * gateway endpoint of the VPC. An internet gateway route does not count: a Lambda function's network interfaces
 * get no public IP address.
 */
async function dataRoutes(ctx: VerifyContext, config: FunctionConfiguration): Promise<CheckResult> {
  const subnetIds = config.VpcConfig?.SubnetIds ?? [];
  const vpcId = config.VpcConfig?.VpcId;
  if (subnetIds.length === 0 || !vpcId) {
    return pass(
      'data-routes',
      DATA_ROUTES_TITLE,
      'the function is not attached to a VPC: Lambda reaches S3 and DynamoDB from its own network',
    );
  }
  try {
    const ec2 = ctx.clients.ec2();
    const region = await ec2.config.region();
    const associated = await ec2.send(
      new DescribeRouteTablesCommand({ Filters: [{ Name: 'association.subnet-id', Values: subnetIds }] }),
    );
    const tableOf = new Map<string, RouteTable>();
    for (const table of associated.RouteTables ?? []) {
      for (const a of table.Associations ?? []) if (a.SubnetId) tableOf.set(a.SubnetId, table);
    }
    let main: RouteTable | undefined;
    if (subnetIds.some((id) => !tableOf.has(id))) {
      const mains = await ec2.send(
        new DescribeRouteTablesCommand({
          Filters: [
            { Name: 'vpc-id', Values: [vpcId] },
            { Name: 'association.main', Values: ['true'] },
          ],
        }),
      );
      main = mains.RouteTables?.[0];
    }
    const services = { S3: `com.amazonaws.${region}.s3`, DynamoDB: `com.amazonaws.${region}.dynamodb` };
    const endpoints = await ec2.send(
      new DescribeVpcEndpointsCommand({
        Filters: [
          { Name: 'vpc-id', Values: [vpcId] },
          { Name: 'vpc-endpoint-type', Values: ['Gateway'] },
          { Name: 'service-name', Values: Object.values(services) },
        ],
      }),
    );
    /** Gateway endpoint id -> 'S3' | 'DynamoDB', for the available endpoints of the VPC. */
    const serviceOf = new Map<string, string>();
    for (const e of endpoints.VpcEndpoints ?? []) {
      const name = Object.entries(services).find(([, service]) => service === e.ServiceName)?.[0];
      if (name && e.VpcEndpointId && (e.State ?? 'available').toLowerCase() === 'available') {
        serviceOf.set(e.VpcEndpointId, name);
      }
    }

    const lines: string[] = [];
    let ok = true;
    for (const subnetId of subnetIds) {
      const table = tableOf.get(subnetId) ?? main;
      if (!table) {
        ok = false;
        lines.push(`${subnetId}: no route table found`);
        continue;
      }
      const where = `${subnetId} (${table.RouteTableId}${tableOf.has(subnetId) ? '' : ', main'})`;
      const routes = (table.Routes ?? []).filter(usable);
      const egress = routes.find(
        (r) => r.DestinationCidrBlock === '0.0.0.0/0' && (r.NatGatewayId || r.TransitGatewayId),
      );
      if (egress) {
        lines.push(`${where}: 0.0.0.0/0 via ${egress.NatGatewayId ?? egress.TransitGatewayId}`);
        continue;
      }
      const reached = Object.keys(services).map((name) => {
        const route = routes.find(
          (r) => r.DestinationPrefixListId && r.GatewayId && serviceOf.get(r.GatewayId) === name,
        );
        return { name, route };
      });
      const missing = reached.filter((x) => !x.route).map((x) => x.name);
      if (missing.length === 0) {
        lines.push(
          `${where}: ${reached.map((x) => `${x.name} ${x.route!.DestinationPrefixListId} via ${x.route!.GatewayId}`).join(', ')}`,
        );
      } else {
        ok = false;
        const igw = routes.find((r) => r.DestinationCidrBlock === '0.0.0.0/0' && r.GatewayId?.startsWith('igw-'));
        lines.push(
          `${where}: no 0.0.0.0/0 route to a NAT or transit gateway${igw ? ` (${igw.GatewayId} does not count: Lambda gets no public IP)` : ''} and no route to the ${missing.join(' or ')} gateway endpoint`,
        );
      }
    }
    return judge(ok, 'data-routes', DATA_ROUTES_TITLE, lines.join('; '));
  } catch (e) {
    return fail('data-routes', DATA_ROUTES_TITLE, errorMessage(e));
  }
}

/**
 * What the construct checks at synth for a bucket and table defined in the app, checked on the deployed ones (an
 * imported bucket or table is known only here): `bucket-eventbridge`, the bucket sends its events to EventBridge (the
 * import rule matches `Object Created` events from it); `table-key`, the table's partition key is the deployed
 * schema's key column, of type S, with no sort key (the engine writes each row by that column alone).
 */
async function dataStoreChecks(
  ctx: VerifyContext,
  outputs: StackOutputs,
  deployed: DeployedSchema,
): Promise<CheckResult[]> {
  const bucket = outputs[INVENTORY_LOADER_OUTPUTS.bucketName];
  const table = outputs[INVENTORY_LOADER_OUTPUTS.tableName];
  const results: CheckResult[] = [];
  const eventsTitle = `bucket ${bucket} sends its events to EventBridge`;
  try {
    const config = await ctx.clients.s3().send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
    results.push(
      judge(
        config?.EventBridgeConfiguration !== undefined,
        'bucket-eventbridge',
        eventsTitle,
        config?.EventBridgeConfiguration !== undefined
          ? 'EventBridgeConfiguration is on'
          : 'no EventBridgeConfiguration: uploads never reach the import rule. Turn it on where the bucket is defined (SecureBucket.enableNativeEventBridge(bucket), or Amazon EventBridge notifications in the bucket properties)',
      ),
    );
  } catch (e) {
    results.push(fail('bucket-eventbridge', eventsTitle, errorMessage(e)));
  }
  const key = deployed.schema.key;
  const keyTitle = `table ${table} is keyed by the schema's key column '${key}' (string) alone`;
  if (deployed.error) {
    results.push(fail('table-key', keyTitle, `${deployed.source} is not a valid schema: ${deployed.error}`));
    return results;
  }
  try {
    const { Table } = (await ctx.clients.dynamodb().send(new DescribeTableCommand({ TableName: table }))) ?? {};
    const keys = Table?.KeySchema ?? [];
    const hash = keys.find((k) => k.KeyType === 'HASH')?.AttributeName;
    const range = keys.find((k) => k.KeyType === 'RANGE')?.AttributeName;
    const type = Table?.AttributeDefinitions?.find((a) => a.AttributeName === hash)?.AttributeType;
    results.push(
      judge(
        hash === key && type === 'S' && range === undefined,
        'table-key',
        keyTitle,
        `partition key ${hash ?? 'missing'} (${type ?? '?'}), ${range === undefined ? 'no sort key' : `sort key ${range}`}; key column '${key}' from ${deployed.source}`,
      ),
    );
  } catch (e) {
    results.push(fail('table-key', keyTitle, errorMessage(e)));
  }
  return results;
}

/**
 * The smoke import: upload a three-row CSV to the upload prefix, wait for the import report, check the three items
 * are in the table, then delete everything it wrote (items, upload, report) whatever happened.
 */
async function smokeImport(
  ctx: VerifyContext,
  outputs: StackOutputs,
  schema: InventorySchemaDefinition,
): Promise<CheckResult[]> {
  const bucket = outputs[INVENTORY_LOADER_OUTPUTS.bucketName];
  const table = outputs[INVENTORY_LOADER_OUTPUTS.tableName];
  const { runId } = ctx.settings;
  const { uploadKey, reportKey } = smokeKeys(outputs, runId);
  let rows: SmokeRow[];
  try {
    rows = smokeRows(runId, schema);
  } catch (e) {
    return [fail('smoke-upload', 'upload a three-row CSV to the upload prefix', errorMessage(e))];
  }
  const s3 = ctx.clients.s3();
  const ddb = ctx.clients.dynamodb();
  const results: CheckResult[] = [];
  const reportPrefix = outputs[INVENTORY_LOADER_OUTPUTS.reportPrefix];
  /** Objects this run created (or made the import create); all deleted at the end. */
  const written = [uploadKey, reportKey];
  try {
    try {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: uploadKey,
          Body: smokeCsv(runId, schema),
          ContentType: 'text/csv',
        }),
      );
      results.push(pass('smoke-upload', 'upload a three-row CSV to the upload prefix', `s3://${bucket}/${uploadKey}`));
    } catch (e) {
      results.push(
        fail(
          'smoke-upload',
          'upload a three-row CSV to the upload prefix',
          `s3://${bucket}/${uploadKey}: ${errorMessage(e)}`,
        ),
      );
      return results;
    }

    const reportTitle = 'import report shows the three rows written';
    const waited = await poll<ImportReport>(
      async () => {
        try {
          const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: reportKey }));
          return { done: true, value: JSON.parse((await res.Body?.transformToString()) ?? '') as ImportReport };
        } catch (e) {
          if (isNotFound(e)) {
            return { done: false, reason: `s3://${bucket}/${reportKey} not written yet` };
          }
          throw e;
        }
      },
      {
        label: 'import report',
        timeoutMs: ctx.settings.importTimeoutMs,
        initialDelayMs: 1000,
        maxDelayMs: 10000,
        clock: ctx.clock,
        progress: ctx.progress,
      },
    );
    if (!waited.ok) {
      results.push(fail('smoke-report', reportTitle, waited.reason));
    } else {
      const r = waited.value;
      // Only ever delete under the report prefix, whatever the report says.
      if (typeof r.rejectedRowsKey === 'string' && r.rejectedRowsKey.startsWith(reportPrefix)) {
        written.push(r.rejectedRowsKey);
      }
      const firstErrors = (r.errors ?? [])
        .slice(0, 3)
        .map((e) => `line ${e.line ?? '?'}: ${e.reason ?? '?'}`)
        .join('; ');
      results.push(
        judge(
          r.status === 'SUCCEEDED' && r.rowsWritten === rows.length && r.rowsRejected === 0,
          'smoke-report',
          reportTitle,
          `s3://${bucket}/${reportKey} after ${formatMs(waited.elapsedMs)}: status ${r.status ?? 'missing'}, rowsTotal ${r.rowsTotal ?? '?'}, rowsWritten ${r.rowsWritten ?? '?'}, rowsRejected ${r.rowsRejected ?? '?'}${firstErrors ? `; errors: ${firstErrors}` : ''}`,
        ),
      );
    }

    const found: string[] = [];
    const problems: string[] = [];
    for (const row of rows) {
      try {
        const { Item } = await ddb.send(
          new GetItemCommand({ TableName: table, Key: { [schema.key]: { S: row.key } }, ConsistentRead: true }),
        );
        // Every attribute the engine writes for the row, as its RowValidator builds it from the uploaded cells.
        const wrong = Object.entries(row.item).filter(
          ([name, value]) => JSON.stringify(Item?.[name] ?? null) !== JSON.stringify(value),
        );
        if (!Item) {
          problems.push(`${row.key} missing`);
        } else if (wrong.length > 0) {
          problems.push(
            `${row.key} has ${wrong.map(([name, value]) => `${name} ${JSON.stringify(Item[name] ?? null)}, expected ${JSON.stringify(value)}`).join(', ')}`,
          );
        } else {
          found.push(row.key);
        }
      } catch (e) {
        problems.push(`${row.key}: ${errorMessage(e)}`);
      }
    }
    results.push(
      judge(
        problems.length === 0,
        'smoke-items',
        `the three items are in table ${table}`,
        problems.length === 0 ? `found ${found.join(', ')}` : problems.join('; '),
      ),
    );
    return results;
  } finally {
    results.push(
      await cleanup(
        ctx,
        bucket,
        table,
        written,
        schema.key,
        rows.map((r) => r.key),
      ),
    );
  }
}

async function cleanup(
  ctx: VerifyContext,
  bucket: string,
  table: string,
  keys: string[],
  keyColumn: string,
  skus: string[],
): Promise<CheckResult> {
  const problems: string[] = [];
  for (const sku of skus) {
    try {
      await ctx.clients.dynamodb().send(new DeleteItemCommand({ TableName: table, Key: { [keyColumn]: { S: sku } } }));
    } catch (e) {
      problems.push(`item ${sku}: ${errorMessage(e)}`);
    }
  }
  for (const key of keys) {
    try {
      await ctx.clients.s3().send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    } catch (e) {
      problems.push(`s3://${bucket}/${key}: ${errorMessage(e)}`);
    }
  }
  return judge(
    problems.length === 0,
    'smoke-cleanup',
    'smoke-import test data deleted',
    problems.length === 0
      ? `deleted ${skus.length} item(s) and ${keys.length} object(s) (${keys.join(', ')})`
      : `could not delete: ${problems.join('; ')}`,
  );
}

/**
 * InventoryLoader checks: the function is Active on the expected runtime and architecture with a failure
 * destination, its subnets reach S3 and DynamoDB, the bucket sends events to EventBridge, the table is keyed as
 * the engine writes, and (unless `--no-write`) a real three-row import goes through end
 * to end.
 */
export async function verifyInventoryLoader(ctx: VerifyContext, outputs: StackOutputs): Promise<CheckResult[]> {
  const { results, config } = await functionChecks(ctx, outputs[INVENTORY_LOADER_OUTPUTS.functionName]);
  if (config) results.push(await dataRoutes(ctx, config));
  const deployed = deployedSchema(config);
  results.push(...(await dataStoreChecks(ctx, outputs, deployed)));
  if (!ctx.settings.write) {
    results.push(skip('smoke-import', 'smoke import of a three-row CSV', 'skipped: --no-write'));
    return results;
  }
  if (deployed.error) {
    results.push(
      skip('smoke-import', 'smoke import of a three-row CSV', `skipped: ${deployed.source} is not a valid schema`),
    );
    return results;
  }
  results.push(...(await smokeImport(ctx, outputs, deployed.schema)));
  return results;
}
