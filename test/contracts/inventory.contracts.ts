/**
 * Runtime contracts of InventoryLoader (lib/inventory): S3 upload ->
 * EventBridge -> Lambda import engine (in a VPC) -> DynamoDB, with a report
 * written back to S3 and failed events in an encrypted dead-letter queue.
 */
import { arn, ContractGroup, getAtt, ref, role, RuntimeContract, service } from '../support/runtime-contracts';
import { vpcFunctionRoleContracts } from './common.contracts';

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
  const viaS3 = { 'kms:ViaService': 's3.{region}.amazonaws.com' };
  const viaDynamo = { 'kms:ViaService': 'dynamodb.{region}.amazonaws.com' };
  const viaSqs = { 'kms:ViaService': 'sqs.{region}.amazonaws.com' };
  const fromRule = { 'aws:SourceArn': rule, 'aws:SourceAccount': '{account}' };
  const foreignRule = {
    'aws:SourceArn': 'arn:aws:events:{region}:{otherAccount}:rule/their-rule',
    'aws:SourceAccount': '{otherAccount}',
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
      ...vpcFunctionRoleContracts({ role: `${p}Role`, fn, what: 'the import code itself' }),
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

/**
 * The large-file mode (InventoryLoader `largeFiles`): the router (the upload rule's target) starts the state
 * machine or invokes the import function; Step Functions invokes the worker for each step, runs the Distributed
 * Map's child workflows, reads the CSV (item reader) and writes the map's results (result writer); the worker
 * reads uploads and its work folder, writes reports, items and ledger records.
 */
export function largeFileContracts(o: { readonly prefix: string }): ContractGroup {
  const p = o.prefix;
  const lf = `${p}LargeFiles`;
  const routerRole = role(`${lf}RouterRole`);
  const workerRole = role(`${lf}WorkerRole`);
  const machineRole = role(`${lf}StateMachineRole`);
  const router = arn('AWS::Lambda::Function', `${lf}Router`);
  const worker = arn('AWS::Lambda::Function', `${lf}Worker`);
  const machine = ref('AWS::StepFunctions::StateMachine', `${lf}StateMachine`);
  const importFunction = arn('AWS::Lambda::Function', `${p}Function`);
  const bucket = arn('AWS::S3::Bucket', `${p}Bucket`);
  const bucketKey = arn('AWS::KMS::Key', `${p}BucketKey`);
  const table = arn('AWS::DynamoDB::Table', `${p}Table`);
  const tableKey = arn('AWS::KMS::Key', `${p}TableKey`);
  const ledger = arn('AWS::DynamoDB::Table', `${p}LedgerTable`);
  const dlq = arn('AWS::SQS::Queue', `${p}DeadLetterQueue`);
  const dlqKey = arn('AWS::KMS::Key', `${p}DeadLetterKey`);
  const rule = arn('AWS::Events::Rule', `${p}UploadRule`);
  const machineName = getAtt('AWS::StepFunctions::StateMachine', `${lf}StateMachine`, 'Name');
  const executionOf = (name: string): RuntimeContract['resource'] => [
    'arn:aws:states:{region}:{account}:execution:',
    machineName,
    `:${name}`,
  ];
  const upload = [bucket, '/uploads/big.csv'];
  const work = [bucket, '/reports/large-file-work/big-csv-0123/'];
  const viaS3 = { 'kms:ViaService': 's3.{region}.amazonaws.com' };
  const viaDynamo = { 'kms:ViaService': 'dynamodb.{region}.amazonaws.com' };
  const viaSqs = { 'kms:ViaService': 'sqs.{region}.amazonaws.com' };
  const allowed = (
    caller: ReturnType<typeof role>,
    action: string,
    resource: RuntimeContract['resource'],
    why: string,
    context?: RuntimeContract['context'],
  ): RuntimeContract => ({
    caller,
    action,
    resource,
    phase: 'run',
    why,
    expect: 'allowed',
    ...(context ? { context } : {}),
  });
  const denied = (
    caller: ReturnType<typeof role>,
    action: string,
    resource: RuntimeContract['resource'],
    why: string,
  ): RuntimeContract => ({ caller, action, resource, phase: 'run', why, expect: 'denied' });

  return {
    pattern: 'InventoryLoader (largeFiles)',
    contracts: [
      ...[`${lf}RouterRole`, `${lf}WorkerRole`].map((r): RuntimeContract => ({
        caller: service('lambda.amazonaws.com'),
        action: 'sts:AssumeRole',
        resource: arn('AWS::IAM::Role', r),
        phase: 'deploy',
        why: 'Lambda assumes the role to run the function.',
        expect: 'allowed',
      })),
      {
        caller: service('states.amazonaws.com'),
        action: 'sts:AssumeRole',
        resource: arn('AWS::IAM::Role', `${lf}StateMachineRole`),
        phase: 'deploy',
        why: 'Step Functions assumes the state machine role to run executions.',
        expect: 'allowed',
      },
      {
        caller: service('events.amazonaws.com'),
        action: 'lambda:InvokeFunction',
        resource: router,
        context: { 'aws:SourceArn': rule, 'aws:SourceAccount': '{account}' },
        phase: 'run',
        why: 'The upload rule invokes the router for each new upload.',
        expect: 'allowed',
      },
      {
        caller: service('events.amazonaws.com'),
        action: 'lambda:InvokeFunction',
        resource: router,
        context: {
          'aws:SourceArn': 'arn:aws:events:{region}:{otherAccount}:rule/their-uploads',
          'aws:SourceAccount': '{otherAccount}',
        },
        phase: 'run',
        why: "Confused deputy: another account's rule (another account's bucket events) must not invoke the router, so it cannot start the state machine.",
        expect: 'denied',
      },
      {
        caller: service('events.amazonaws.com'),
        action: 'lambda:InvokeFunction',
        resource: router,
        context: {
          'aws:SourceArn': 'arn:aws:events:{region}:{account}:rule/other-bucket-uploads',
          'aws:SourceAccount': '{account}',
        },
        phase: 'run',
        why: "Confused deputy: only the loader's upload rule (which matches the loader's bucket) invokes the router; another rule of the account, for another bucket, must not.",
        expect: 'denied',
      },
      allowed(
        routerRole,
        's3:GetObject',
        upload,
        'The router looks at the upload (HeadObject) to compare its size with the threshold.',
      ),
      allowed(routerRole, 's3:GetObjectVersion', upload, 'The router looks at the event’s version of the upload.'),
      allowed(
        routerRole,
        'states:StartExecution',
        machine,
        'The router starts the large-file state machine for a file at or above the threshold.',
      ),
      allowed(
        routerRole,
        'lambda:InvokeFunction',
        importFunction,
        'The router hands a smaller file to the import function (asynchronous invocation).',
      ),
      allowed(
        routerRole,
        'sqs:SendMessage',
        dlq,
        'A router invocation that fails after its retries goes to the dead-letter queue (on-failure destination).',
      ),
      allowed(routerRole, 'kms:GenerateDataKey', dlqKey, 'Sending to the KMS-encrypted dead-letter queue.', viaSqs),
      denied(
        routerRole,
        'lambda:InvokeFunction',
        worker,
        'Least privilege: only Step Functions runs the large-file steps.',
      ),
      denied(
        routerRole,
        's3:PutObject',
        [bucket, '/reports/uploads/big.csv.json'],
        'Least privilege: the router writes nothing.',
      ),
      denied(
        routerRole,
        's3:GetObject',
        'arn:aws:s3:::someone-elses-bucket/uploads/big.csv',
        "Confused deputy: an event naming another bucket's object gets nothing from the router: it can look only at the loader's uploads.",
      ),
      denied(
        routerRole,
        'states:StartExecution',
        'arn:aws:states:{region}:{account}:stateMachine:SomeoneElses',
        'Least privilege: the router starts only the large-file state machine.',
      ),
      allowed(
        machineRole,
        'lambda:InvokeFunction',
        worker,
        'Each step (Prepare, WriteBatch, Finish) is a Lambda invoke of the worker.',
      ),
      allowed(
        machineRole,
        'states:StartExecution',
        machine,
        'The Distributed Map starts its child workflows as executions of the same state machine.',
      ),
      allowed(
        machineRole,
        'states:DescribeExecution',
        executionOf('0123-big-csv'),
        'Step Functions describes the executions of the state machine that runs the Distributed Map (documented least privilege for a Distributed Map).',
      ),
      allowed(
        machineRole,
        'states:StopExecution',
        executionOf('0123-big-csv'),
        "Step Functions stops the map's executions when it fails (the tolerated failure threshold is passed). The EXPRESS child workflows themselves are not reachable by DescribeExecution or StopExecution (not supported for EXPRESS); Step Functions tracks them in the Map Run.",
      ),
      denied(
        machineRole,
        'states:DescribeExecution',
        'arn:aws:states:{region}:{account}:execution:SomeoneElses:0123',
        "Least privilege: the state machine describes only its own executions, not another state machine's.",
      ),
      denied(
        machineRole,
        'states:StopExecution',
        'arn:aws:states:{region}:{account}:execution:SomeoneElses:0123',
        "Least privilege: the state machine stops only its own executions, not another state machine's.",
      ),
      allowed(machineRole, 's3:GetObject', upload, "The Distributed Map's CSV item reader reads the upload."),
      allowed(machineRole, 's3:GetObjectVersion', upload, 'The item reader reads the version the router saw.'),
      allowed(
        machineRole,
        's3:GetObject',
        [...work, 'rows.csv'],
        'The item reader reads a converted XLSX sheet from the work folder.',
      ),
      allowed(machineRole, 'kms:Decrypt', bucketKey, 'Reading SSE-KMS objects.', viaS3),
      allowed(
        machineRole,
        's3:PutObject',
        [...work, 'map-run/manifest.json'],
        "The ResultWriter writes the map's results to the work folder.",
      ),
      allowed(machineRole, 'kms:GenerateDataKey', bucketKey, 'Writing SSE-KMS result files.', viaS3),
      ...['s3:ListMultipartUploadParts', 's3:AbortMultipartUpload'].map((action) =>
        allowed(
          machineRole,
          action,
          [...work, 'map-run/SUCCEEDED_0.json'],
          `The ResultWriter writes the result files with multipart uploads (${action}).`,
        ),
      ),
      allowed(
        machineRole,
        'kms:Encrypt',
        bucketKey,
        'The ResultWriter\'s multipart uploads to an SSE-KMS bucket need kms:Encrypt as well as Decrypt and GenerateDataKey (Step Functions "IAM policies for using Distributed Map states").',
        viaS3,
      ),
      denied(
        machineRole,
        's3:GetObject',
        'arn:aws:s3:::someone-elses-bucket/uploads/big.csv',
        "Confused deputy: an execution started for another bucket's object cannot read it: the item reader reads only the loader's uploads and work folder.",
      ),
      denied(
        machineRole,
        'lambda:InvokeFunction',
        importFunction,
        'Least privilege: the state machine invokes only its worker.',
      ),
      denied(
        machineRole,
        's3:PutObject',
        [bucket, '/reports/uploads/big.csv.json'],
        'Least privilege: only the worker writes reports.',
      ),
      denied(
        machineRole,
        'states:StartExecution',
        'arn:aws:states:{region}:{account}:stateMachine:SomeoneElses',
        'Least privilege: the map starts only its own child workflows.',
      ),
      {
        caller: machineRole,
        action: 'logs:CreateLogDelivery',
        resource: '*',
        phase: 'deploy',
        why: 'Step Functions sets up the execution-log delivery to the state machine log group with the role when the state machine is created (and refuses the state machine otherwise).',
        expect: 'allowed',
      },
      allowed(machineRole, 'xray:PutTraceSegments', '*', 'Tracing is on: Step Functions sends the trace segments.'),
      ...(['Router', 'Worker'] as const).flatMap((fn) =>
        ['logs:CreateLogStream', 'logs:PutLogEvents'].map((action) =>
          allowed(
            fn === 'Router' ? routerRole : workerRole,
            action,
            [
              'arn:aws:logs:{region}:{account}:log-group:',
              ref('AWS::Logs::LogGroup', `${lf}${fn}LogGroup`),
              ':log-stream:2026/01/01/[$LATEST]0123',
            ],
            `The ${fn.toLowerCase()} writes its JSON logs to its own log group (${action}).`,
          ),
        ),
      ),
      denied(
        routerRole,
        'logs:PutLogEvents',
        [
          'arn:aws:logs:{region}:{account}:log-group:',
          ref('AWS::Logs::LogGroup', `${lf}WorkerLogGroup`),
          ':log-stream:x',
        ],
        "Least privilege: the router cannot write into the worker's log.",
      ),
      allowed(workerRole, 's3:GetObject', upload, 'Prepare reads the header (and converts an XLSX sheet).'),
      allowed(
        workerRole,
        's3:GetObject',
        [...work, 'rejected/000000000002.csv'],
        "Finish reads the batches' rejected rows and the map's result files.",
      ),
      allowed(
        workerRole,
        's3:ListBucket',
        bucket,
        "When the map failed, Finish lists the execution's work folder for the map run's manifest.json (Step Functions writes the result files of a failed map run too, but the Catch passes only the error).",
        { 's3:prefix': 'reports/large-file-work/big-csv-0123/' },
      ),
      {
        caller: workerRole,
        action: 's3:ListBucket',
        resource: bucket,
        context: { 's3:prefix': 'uploads/' },
        phase: 'run',
        why: 'Least privilege: the worker lists only the work folder, not the uploads.',
        expect: 'denied',
      },
      {
        caller: workerRole,
        action: 's3:ListBucket',
        resource: bucket,
        context: { 's3:prefix': 'reports/' },
        phase: 'run',
        why: 'Least privilege: the worker lists only the work folder, not the other reports.',
        expect: 'denied',
      },
      denied(
        workerRole,
        's3:ListBucket',
        bucket,
        'Least privilege: the worker cannot list the whole bucket (no s3:prefix).',
      ),
      allowed(workerRole, 's3:PutObject', [bucket, '/reports/uploads/big.csv.json'], 'Finish writes the report.'),
      allowed(
        workerRole,
        's3:PutObject',
        [...work, 'rows.csv'],
        'Prepare writes the converted sheet; batches write their rejected rows.',
      ),
      allowed(workerRole, 'kms:Decrypt', bucketKey, 'Reading SSE-KMS objects.', viaS3),
      allowed(workerRole, 'kms:GenerateDataKey', bucketKey, 'Writing SSE-KMS objects.', viaS3),
      allowed(workerRole, 'dynamodb:BatchWriteItem', table, 'WriteBatch writes the rows.'),
      allowed(
        workerRole,
        'dynamodb:PutItem',
        table,
        'WriteBatch writes each row as a conditional PutItem (a key in two batches ends with the row later in the file).',
      ),
      allowed(workerRole, 'kms:GenerateDataKey', tableKey, 'Writing to the KMS-encrypted table.', viaDynamo),
      ...['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'].map((action) =>
        allowed(workerRole, action, ledger, 'Prepare claims the object version in the ledger; Finish completes it.'),
      ),
      denied(
        workerRole,
        's3:PutObject',
        [bucket, '/uploads/other.csv'],
        'Least privilege: the worker never writes uploads.',
      ),
    ],
  };
}

/**
 * What `grantUpload` gives a principal (the sample's uploader role): a multipart upload of a spreadsheet under the
 * upload prefix, with the bucket key used through S3 only, and nothing else in the bucket or elsewhere.
 */
export function inventoryUploaderContracts(o: { readonly prefix: string; readonly uploader: string }): ContractGroup {
  const uploader = role(o.uploader);
  const bucket = arn('AWS::S3::Bucket', `${o.prefix}Bucket`);
  const bucketKey = arn('AWS::KMS::Key', `${o.prefix}BucketKey`);
  const viaS3 = { 'kms:ViaService': 's3.{region}.amazonaws.com' };
  const call = (
    action: string,
    resource: RuntimeContract['resource'],
    expect: 'allowed' | 'denied',
    why: string,
    context?: RuntimeContract['context'],
  ): RuntimeContract => ({ caller: uploader, action, resource, context, phase: 'run', why, expect });
  return {
    pattern: 'InventoryLoader',
    contracts: [
      call(
        's3:PutObject',
        [bucket, '/uploads/inventory.csv'],
        'allowed',
        'An uploader puts a spreadsheet under the upload prefix (one part, or each part of a multipart upload).',
      ),
      call(
        's3:AbortMultipartUpload',
        [bucket, '/uploads/inventory.xlsx'],
        'allowed',
        'The SDK aborts a failed multipart upload, so no orphaned parts are kept.',
      ),
      call(
        'kms:GenerateDataKey',
        bucketKey,
        'allowed',
        'S3 encrypts the upload with a data key of the bucket key for the uploader.',
        viaS3,
      ),
      call(
        'kms:Decrypt',
        bucketKey,
        'allowed',
        'S3 decrypts the data key to assemble the parts of a multipart upload to an SSE-KMS bucket.',
        viaS3,
      ),
      call('kms:Decrypt', bucketKey, 'denied', 'The uploader cannot use the bucket key outside S3 (kms:ViaService).'),
      call(
        's3:PutObject',
        [bucket, '/reports/fake.report.json'],
        'denied',
        'Least privilege: an uploader cannot forge reports.',
      ),
      call(
        's3:GetObject',
        [bucket, '/uploads/inventory.csv'],
        'denied',
        'Least privilege: an uploader cannot read uploads (its own or others).',
      ),
      call(
        's3:DeleteObject',
        [bucket, '/uploads/inventory.csv'],
        'denied',
        'Least privilege: an uploader cannot delete uploads.',
      ),
      call(
        's3:PutObject',
        'arn:aws:s3:::another-bucket/uploads/inventory.csv',
        'denied',
        'Least privilege: the grant names the loader bucket only.',
      ),
    ],
  };
}
