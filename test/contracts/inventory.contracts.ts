/**
 * Runtime contracts of InventoryLoader (lib/inventory): S3 upload ->
 * EventBridge -> Lambda import engine (in a VPC) -> DynamoDB, with a report
 * written back to S3 and failed events in an encrypted dead-letter queue.
 */
import { arn, ContractGroup, ref, role, RuntimeContract, service } from '../support/runtime-contracts';

export interface InventoryContractOptions {
  /** The construct id of the InventoryLoader (logical-id prefix of what it creates). */
  readonly prefix: string;
  /** Logical-id prefix of a bring-your-own bucket. @default - the loader's own bucket */
  readonly bucket?: string;
  /** Logical-id prefix of the bring-your-own bucket's key. @default - the loader's own bucket key */
  readonly bucketKey?: string;
  /** Logical-id prefix of a bring-your-own table. @default - the loader's own table */
  readonly table?: string;
  /** Logical-id prefix of the bring-your-own table's key. @default - the loader's own table key */
  readonly tableKey?: string;
}

export function inventoryContracts(o: InventoryContractOptions): ContractGroup {
  const p = o.prefix;
  const fnRole = role(`${p}Role`);
  const bucket = arn('AWS::S3::Bucket', o.bucket ?? `${p}Bucket`);
  const bucketKey = arn('AWS::KMS::Key', o.bucketKey ?? `${p}BucketKey`);
  const table = arn('AWS::DynamoDB::Table', o.table ?? `${p}Table`);
  const tableKey = arn('AWS::KMS::Key', o.tableKey ?? `${p}TableKey`);
  const ledger = arn('AWS::DynamoDB::Table', `${p}LedgerTable`);
  const ledgerKey = arn('AWS::KMS::Key', `${p}LedgerTableKey`);
  const fn = arn('AWS::Lambda::Function', `${p}Function`);
  const rule = arn('AWS::Events::Rule', `${p}UploadRule`);
  const dlq = arn('AWS::SQS::Queue', `${p}DeadLetterQueue`);
  const dlqKey = arn('AWS::KMS::Key', `${p}DeadLetterKey`);
  const eni = 'arn:aws:ec2:{region}:{account}:network-interface/eni-0123456789abcdef0';
  const viaS3 = { 'kms:ViaService': 's3.{region}.amazonaws.com' };
  const viaDynamo = { 'kms:ViaService': 'dynamodb.{region}.amazonaws.com' };
  const viaSqs = { 'kms:ViaService': 'sqs.{region}.amazonaws.com' };
  const fromRule = { 'aws:SourceArn': rule, 'aws:SourceAccount': '{account}' };
  const foreignRule = {
    'aws:SourceArn': 'arn:aws:events:{region}:{otherAccount}:rule/their-rule',
    'aws:SourceAccount': '{otherAccount}',
  };

  const eniCalls: RuntimeContract[] = [
    ['ec2:CreateNetworkInterface', eni],
    ['ec2:DescribeNetworkInterfaces', '*'],
    ['ec2:DeleteNetworkInterface', eni],
  ].map(([action, resource]) => ({
    caller: fnRole,
    action,
    resource,
    phase: 'deploy' as const,
    why: `Lambda checks at CreateFunction that a VPC function's role allows ${action} (Hyperplane ENIs), and rejects the function otherwise.`,
    expect: 'allowed' as const,
  }));

  const fromCode: RuntimeContract = {
    caller: fnRole,
    action: 'ec2:CreateNetworkInterface',
    resource: eni,
    context: { 'lambda:SourceFunctionArn': fn },
    phase: 'run',
    why: "Least privilege: the import code itself (the role's credentials inside the function) must not create network interfaces.",
    expect: 'denied',
  };

  return {
    pattern: 'InventoryLoader',
    contracts: [
      {
        caller: service('lambda.amazonaws.com'),
        action: 'sts:AssumeRole',
        resource: arn('AWS::IAM::Role', `${p}Role`),
        phase: 'deploy',
        why: 'Lambda assumes the function role to run the import.',
        expect: 'allowed',
      },
      ...eniCalls,
      fromCode,
      {
        caller: service('events.amazonaws.com'),
        action: 'lambda:InvokeFunction',
        resource: fn,
        context: fromRule,
        phase: 'run',
        why: 'The upload rule invokes the import function for each new upload.',
        expect: 'allowed',
      },
      {
        caller: service('events.amazonaws.com'),
        action: 'lambda:InvokeFunction',
        resource: fn,
        context: foreignRule,
        phase: 'run',
        why: "Confused deputy: another account's rule must not invoke the function.",
        expect: 'denied',
      },
      {
        caller: fnRole,
        action: 's3:GetObject',
        resource: [bucket, '/uploads/inventory.csv'],
        phase: 'run',
        why: 'The import reads the uploaded file.',
        expect: 'allowed',
      },
      {
        caller: fnRole,
        action: 'kms:Decrypt',
        resource: bucketKey,
        context: viaS3,
        phase: 'run',
        why: 'S3 decrypts the upload with the bucket key on behalf of the function.',
        expect: 'allowed',
      },
      {
        caller: fnRole,
        action: 's3:ListBucket',
        resource: bucket,
        context: { 's3:prefix': 'uploads/inventory.csv' },
        phase: 'run',
        why: 'Without ListBucket, S3 answers AccessDenied instead of NoSuchKey for an upload deleted before the import, so it is retried instead of reported FAILED.',
        expect: 'allowed',
      },
      {
        caller: fnRole,
        action: 's3:GetObject',
        resource: [bucket, '/private/other.csv'],
        phase: 'run',
        why: 'Least privilege: the import reads only under the upload prefix.',
        expect: 'denied',
      },
      {
        caller: fnRole,
        action: 's3:PutObject',
        resource: [bucket, '/reports/inventory.csv.json'],
        phase: 'run',
        why: 'The import writes its report next to the upload.',
        expect: 'allowed',
      },
      {
        caller: fnRole,
        action: 'kms:GenerateDataKey',
        resource: bucketKey,
        context: viaS3,
        phase: 'run',
        why: 'S3 encrypts the report with the bucket key on behalf of the function.',
        expect: 'allowed',
      },
      {
        caller: fnRole,
        action: 'dynamodb:BatchWriteItem',
        resource: table,
        phase: 'run',
        why: 'The import writes the rows in batches of 25.',
        expect: 'allowed',
      },
      {
        caller: fnRole,
        action: 'kms:GenerateDataKey',
        resource: tableKey,
        context: viaDynamo,
        phase: 'run',
        why: 'DynamoDB encrypts the written items with the table key for the function.',
        expect: 'allowed',
      },
      {
        caller: fnRole,
        action: 'kms:Decrypt',
        resource: tableKey,
        context: viaDynamo,
        phase: 'run',
        why: 'DynamoDB decrypts the table key material for the function.',
        expect: 'allowed',
      },
      ...['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:GetItem', 'dynamodb:DeleteItem'].map((action) => ({
        caller: fnRole,
        action,
        resource: ledger,
        phase: 'run' as const,
        why: `The idempotency ledger (${action}) keeps a retried upload from importing twice.`,
        expect: 'allowed' as const,
      })),
      {
        caller: fnRole,
        action: 'kms:Decrypt',
        resource: ledgerKey,
        context: viaDynamo,
        phase: 'run',
        why: 'DynamoDB decrypts the ledger key material for the function.',
        expect: 'allowed',
      },
      {
        caller: fnRole,
        action: 'logs:PutLogEvents',
        resource: [
          'arn:aws:logs:{region}:{account}:log-group:',
          ref('AWS::Logs::LogGroup', `${p}LogGroup`),
          ':log-stream:2026/01/01/[$LATEST]0123',
        ],
        phase: 'run',
        why: 'The function writes its JSON logs to its own log group.',
        expect: 'allowed',
      },
      {
        caller: fnRole,
        action: 'xray:PutTraceSegments',
        resource: '*',
        phase: 'run',
        why: 'Active tracing sends the trace segments.',
        expect: 'allowed',
      },
      {
        caller: fnRole,
        action: 'sqs:SendMessage',
        resource: dlq,
        phase: 'run',
        why: 'Lambda sends a failed asynchronous invocation to the dead-letter queue with the function role.',
        expect: 'allowed',
      },
      {
        caller: fnRole,
        action: 'kms:GenerateDataKey',
        resource: dlqKey,
        context: viaSqs,
        phase: 'run',
        why: 'SQS encrypts the failed invocation with the dead-letter key for the function role.',
        expect: 'allowed',
      },
      {
        caller: service('events.amazonaws.com'),
        action: 'sqs:SendMessage',
        resource: dlq,
        context: fromRule,
        phase: 'run',
        why: 'EventBridge sends an event it could not deliver to the function to the dead-letter queue.',
        expect: 'allowed',
      },
      {
        caller: service('events.amazonaws.com'),
        action: 'kms:GenerateDataKey',
        resource: dlqKey,
        context: fromRule,
        phase: 'run',
        why: 'EventBridge encrypts that event with the dead-letter key.',
        expect: 'allowed',
      },
      {
        caller: service('events.amazonaws.com'),
        action: 'sqs:SendMessage',
        resource: dlq,
        context: foreignRule,
        phase: 'run',
        why: "Confused deputy: another account's rule must not send to the dead-letter queue.",
        expect: 'denied',
      },
      {
        caller: service('events.amazonaws.com'),
        action: 'kms:GenerateDataKey',
        resource: dlqKey,
        context: foreignRule,
        phase: 'run',
        why: "Confused deputy: EventBridge acting for another account's rule must not use the dead-letter key.",
        expect: 'denied',
      },
    ],
  };
}
