import * as path from 'node:path';
import { ArnFormat, Duration, Names, Size, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { notifyingAlarm } from '../../common/alarm-topic';
import { limitLambdaEnvironment } from '../../common/lambda-environment';
import { fixedNameLogGroupProps, SecureLogGroup } from '../../common/log-group';
import { acknowledge, inEveryCompliancePack, wildcardResourceFinding } from '../../common/nag';
import { ensureServiceEndpoints } from '../../common/service-endpoints';
import type { InventoryLargeFileOptions } from '../large-file-options';
import { ImportFunctionRole } from './execution-role';

/** The large-file bundles (router.js, index.js, xlsx-reader.js), written by `npm run build:assets`. */
const LARGE_FILE_ASSET = path.join(__dirname, '..', '..', '..', 'assets', 'inventory-large-file');

/** Must match WORK_FOLDER in lib/inventory/handler/large-file/job.ts. */
const WORK_FOLDER = 'large-file-work/';

/** The Distributed Map's limit on one batch's input. */
export const MAX_BATCH_INPUT_BYTES = 256 * 1024;

export const LARGE_FILE_DEFAULTS = {
  threshold: Size.mebibytes(100),
  maxConcurrency: 10,
  toleratedFailurePercentage: 0,
  batchSize: 1000,
};

/** What the large-file engine needs from its InventoryLoader. */
export interface LargeFileEngineProps {
  readonly options: InventoryLargeFileOptions;
  readonly bucket: s3.IBucket;
  readonly table: dynamodb.ITable;
  readonly ledgerTable: dynamodb.ITable;
  readonly importFunction: lambda.IFunction;
  readonly uploadPrefix: string;
  readonly reportPrefix: string;
  readonly environment: { [key: string]: string };
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
  readonly selectedSubnets: ec2.SelectedSubnets;
  readonly vpcEndpointsProvided?: boolean;
  readonly securityGroup: ec2.SecurityGroup;
  readonly deadLetterQueue: sqs.IQueue;
  readonly logRetention?: logs.RetentionDays;
  readonly memorySize: number;
  readonly alarmTopic?: sns.ITopic;
}

/** The fields of the ASL definition that depend on the construct (see `largeFileDefinition`). */
/** The worker function's timeout (Lambda's maximum), also the Prepare and Finish tasks' TimeoutSeconds. */
const WORKER_TIMEOUT_SECONDS = 900;

export interface LargeFileDefinitionParams {
  readonly workerArn: string;
  readonly partition: string;
  readonly maxConcurrency: number;
  readonly toleratedFailurePercentage: number;
  readonly batchSize: number;
}

/**
 * The large-file state machine (Amazon States Language): Prepare → (import) Distributed Map reading the CSV
 * with the S3 CSV item reader, in batches, each written by an EXPRESS child workflow → Finish (the report).
 * Prepare and the map catch every error into Finish, and Finish catches its own into ReportFailure (a report
 * that does not read the batch results), so every execution that gets past Prepare's retries ends with a report.
 */
export function largeFileDefinition(p: LargeFileDefinitionParams): Record<string, unknown> {
  const invoke = `arn:${p.partition}:states:::lambda:invoke`;
  const lambdaRetry = {
    ErrorEquals: [
      'Lambda.ClientExecutionTimeoutException',
      'Lambda.ServiceException',
      'Lambda.AWSLambdaException',
      'Lambda.SdkClientException',
      'Lambda.TooManyRequestsException',
    ],
    IntervalSeconds: 2,
    MaxAttempts: 6,
    BackoffRate: 2,
    JitterStrategy: 'FULL',
  };
  const catchToFinish = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Finish' }];
  return {
    Comment: 'InventoryLoader large-file import (docs/IMPORT-ENGINE.md, "Large files")',
    StartAt: 'Prepare',
    TimeoutSeconds: 24 * 60 * 60,
    States: {
      Prepare: {
        Type: 'Task',
        Comment: 'Claims the object version, checks the header, converts XLSX to CSV',
        Resource: invoke,
        Parameters: {
          FunctionName: p.workerArn,
          Payload: { action: 'prepare', 'object.$': '$.object', 'executionName.$': '$$.Execution.Name' },
        },
        OutputPath: '$.Payload',
        // A Task's own timeout: the worker function's (without it the ASL default, 60 s, applies in some runners)
        TimeoutSeconds: WORKER_TIMEOUT_SECONDS,
        Retry: [lambdaRetry],
        Catch: catchToFinish,
        Next: 'Route',
      },
      Route: {
        Type: 'Choice',
        Choices: [{ Variable: '$.action', StringEquals: 'import', Next: 'ImportRows' }],
        Default: 'Done',
      },
      ImportRows: {
        Type: 'Map',
        Label: 'ImportRows',
        ItemReader: {
          Resource: `arn:${p.partition}:states:::s3:getObject`,
          ReaderConfig: { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW' },
          Parameters: {
            'Bucket.$': '$.job.bucket',
            'Key.$': '$.job.readerKey',
            'VersionId.$': '$.job.readerVersionId',
          },
        },
        ItemSelector: { 'index.$': '$$.Map.Item.Index', 'row.$': '$$.Map.Item.Value' },
        ItemBatcher: {
          MaxItemsPerBatch: p.batchSize,
          MaxInputBytesPerBatch: MAX_BATCH_INPUT_BYTES,
          BatchInput: { 'job.$': '$.job' },
        },
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' },
          StartAt: 'WriteBatch',
          States: {
            WriteBatch: {
              Type: 'Task',
              Comment: "Writes one batch of rows with the engine's validator and batch writer",
              Resource: invoke,
              Parameters: {
                FunctionName: p.workerArn,
                Payload: { action: 'batch', 'Items.$': '$.Items', 'BatchInput.$': '$.BatchInput' },
              },
              OutputPath: '$.Payload',
              // An EXPRESS workflow lasts at most 5 minutes; a batch is seconds of work
              TimeoutSeconds: 300,
              Retry: [
                lambdaRetry,
                {
                  ErrorEquals: ['WriteFailure'],
                  IntervalSeconds: 10,
                  MaxAttempts: 2,
                  BackoffRate: 3,
                  JitterStrategy: 'FULL',
                },
              ],
              End: true,
            },
          },
        },
        MaxConcurrency: p.maxConcurrency,
        ToleratedFailurePercentage: p.toleratedFailurePercentage,
        ResultWriter: {
          Resource: `arn:${p.partition}:states:::s3:putObject`,
          Parameters: { 'Bucket.$': '$.job.bucket', 'Prefix.$': '$.job.workPrefix' },
          // JSON Lines, so Finish reads the result files a record at a time: a SUCCEEDED record carries its batch's
          // rows (Input), so the files are about 2.5 times the CSV, and one JSON array of them would not fit in the
          // function's memory (or in a string) for files of a few million rows. NONE keeps every record's Status,
          // Input, Output, Error and Cause, which Finish reads.
          WriterConfig: { OutputType: 'JSONL', Transformation: 'NONE' },
        },
        ResultPath: '$.map',
        Catch: catchToFinish,
        Next: 'Finish',
      },
      Finish: {
        Type: 'Task',
        Comment: 'Adds up the batches and writes the report',
        Resource: invoke,
        Parameters: { FunctionName: p.workerArn, Payload: { action: 'finish', 'state.$': '$' } },
        OutputPath: '$.Payload',
        TimeoutSeconds: WORKER_TIMEOUT_SECONDS,
        Retry: [lambdaRetry],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.finishError', Next: 'ReportFailure' }],
        End: true,
      },
      ReportFailure: {
        Type: 'Task',
        Comment: 'Finish failed: writes a report without the batch results, saying so, and releases the ledger',
        Resource: invoke,
        Parameters: { FunctionName: p.workerArn, Payload: { action: 'finish', 'state.$': '$' } },
        OutputPath: '$.Payload',
        TimeoutSeconds: WORKER_TIMEOUT_SECONDS,
        Retry: [lambdaRetry],
        End: true,
      },
      Done: { Type: 'Succeed', Comment: 'Skipped (already imported) or refused with a report by Prepare' },
    },
  };
}

/**
 * The InventoryLoader's large-file mode: a router function (the upload rule's target), the state machine and
 * the function running its steps. Private: InventoryLoader exposes the pieces.
 */
export class LargeFileEngine extends Construct {
  public readonly router: lambda.Function;
  public readonly worker: lambda.Function;
  public readonly stateMachine: sfn.StateMachine;
  public readonly stateMachineLogGroup: logs.ILogGroup;
  public readonly failedExecutionsAlarm: cloudwatch.Alarm;
  public readonly threshold: Size;

  constructor(scope: Construct, id: string, props: LargeFileEngineProps) {
    super(scope, id);
    const options = props.options;
    const owner = scope.node.path;
    this.threshold = options.threshold ?? LARGE_FILE_DEFAULTS.threshold;
    const thresholdBytes = this.threshold.toBytes();
    const check = (name: string, value: number | undefined, min: number, max: number, hint: string) => {
      if (value === undefined || Token.isUnresolved(value)) return;
      if (!Number.isInteger(value) || value < min || value > max) {
        throw new Error(
          `${owner}: largeFiles.${name} must be an integer between ${min} and ${max}; received ${value}. ${hint}`,
        );
      }
    };
    check(
      'maxConcurrency',
      options.maxConcurrency,
      1,
      10000,
      "It is the Distributed Map's MaxConcurrency (at most 10,000 child workflows at once)",
    );
    check('toleratedFailurePercentage', options.toleratedFailurePercentage, 0, 100, 'It is a percentage of batches');
    check('batchSize', options.batchSize, 1, 10000, 'Rows per batch; a batch is also capped at 256 KiB of input');
    if (!Token.isUnresolved(thresholdBytes) && thresholdBytes < 1024 * 1024) {
      throw new Error(
        `${owner}: largeFiles.threshold must be at least 1 MiB (smaller files load faster in one invocation); received ${thresholdBytes} bytes. Pass Size.mebibytes(n) with n >= 1`,
      );
    }
    const stack = Stack.of(this);
    const uploads = props.bucket.arnForObjects(`${props.uploadPrefix}*`);
    const work = props.bucket.arnForObjects(`${props.reportPrefix}${WORK_FOLDER}*`);
    const reports = props.bucket.arnForObjects(`${props.reportPrefix}*`);

    // Subnets without egress: the router calls Step Functions and Lambda, the worker only S3/DynamoDB/X-Ray
    // (which the loader already provides).
    ensureServiceEndpoints({
      scope: this,
      vpc: props.vpc,
      subnets: props.selectedSubnets,
      services: [
        { service: ec2.InterfaceVpcEndpointAwsService.STEP_FUNCTIONS, name: 'StepFunctions' },
        { service: ec2.InterfaceVpcEndpointAwsService.LAMBDA, name: 'Lambda' },
      ],
      clients: [props.securityGroup],
      vpcEndpointsProvided: props.vpcEndpointsProvided,
    });

    // A fixed name gives the role its own state machine's ARN without a reference (role -> machine -> role).
    const stateMachineName = Names.uniqueResourceName(this, { maxLength: 80 });
    const stateMachineArn = stack.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: stateMachineName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });

    // --- the worker: Prepare, WriteBatch, Finish
    const workerRole = new ImportFunctionRole(this, 'WorkerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the large-file import steps of ${owner}`,
    });
    const workerLogs = new SecureLogGroup(this, 'WorkerLogGroup', { retention: props.logRetention });
    this.worker = new lambda.Function(this, 'Worker', {
      description: 'Large-file inventory import: prepares the file, writes batches of rows, writes the report',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(LARGE_FILE_ASSET),
      role: workerRole,
      memorySize: props.memorySize,
      // Prepare converts a whole XLSX sheet; a batch needs seconds.
      timeout: Duration.seconds(WORKER_TIMEOUT_SECONDS),
      tracing: lambda.Tracing.ACTIVE,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      logGroup: workerLogs,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: [props.securityGroup],
      environment: props.environment,
    });
    // A customer managed policy (NIST/HIPAA/PCI IAMNoInlinePolicy); the role's default policy stays empty, so a
    // statement the user adds there is reported on its own.
    const workerPolicy = new iam.ManagedPolicy(workerRole, 'WorkerPolicy', {
      description:
        'Reads uploads, writes reports and working files, lists the work folder, writes items and ledger records',
      roles: [workerRole],
      statements: [
        new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: [uploads, work] }),
        new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: [reports] }),
        // Finish lists the execution's work folder for the map run's manifest when the map failed (its Catch
        // passes no ResultWriter output): listing limited to the work folder.
        new iam.PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [props.bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': [`${props.reportPrefix}${WORK_FOLDER}*`] } },
        }),
        new iam.PolicyStatement({
          actions: ['dynamodb:BatchWriteItem', 'dynamodb:PutItem'],
          resources: [props.table.tableArn],
        }),
        new iam.PolicyStatement({
          actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
          resources: [props.ledgerTable.tableArn],
        }),
        ...keyStatements(['kms:Decrypt', 'kms:GenerateDataKey'], [props.bucket.encryptionKey]),
        ...keyStatements(
          ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
          [props.table.encryptionKey, props.ledgerTable.encryptionKey],
        ),
        logWriteStatement(workerLogs),
      ],
    });
    this.worker.node.addDependency(workerRole.servicePolicy, workerPolicy);
    limitLambdaEnvironment(
      this.worker,
      'INVENTORY_SCHEMA (your schema) is most of it: give it fewer columns or shorter names and bounds.',
    );
    acknowledge(
      workerPolicy,
      {
        id: wildcardResourceFinding(this, uploads),
        reason:
          'The large-file steps read any object under the upload prefix and nowhere else: uploads have arbitrary names.',
      },
      {
        id: wildcardResourceFinding(this, work),
        reason:
          "The large-file steps read their working files (converted sheets, the batches' rejected rows, the map's result files) under the report prefix's large-file-work/ folder, one folder per execution.",
      },
      {
        id: wildcardResourceFinding(this, reports),
        reason:
          'The large-file steps write reports, rejected-row files and their working files under the report prefix and nowhere else: their names follow the uploads.',
      },
    );
    acknowledgeLambdaServicePolicy(workerRole);
    acknowledge(
      this.worker,
      ...inEveryCompliancePack(
        'LambdaDLQ',
        'Step Functions invokes this function synchronously (RequestResponse) and handles its failures: it retries each step, and a batch that still fails is counted row by row in the report. A dead-letter queue applies only to asynchronous invocations.',
        ['NIST.800.53.R5', 'HIPAA.Security'],
      ),
      {
        id: 'Serverless-LambdaDLQ',
        reason:
          'Step Functions invokes this function synchronously (RequestResponse) and handles its failures: it retries each step, and a batch that still fails is counted row by row in the report. A dead-letter queue applies only to asynchronous invocations.',
      },
      ...inEveryCompliancePack(
        'LambdaConcurrency',
        "No concurrency is reserved: the Distributed Map's MaxConcurrency bounds the batches in flight, and Lambda keeps a minimum unreserved pool per account, so on new accounts whose concurrency quota is 10 any reservation fails to deploy.",
        ['NIST.800.53.R5', 'HIPAA.Security'],
      ),
    );

    // --- the state machine
    this.stateMachineLogGroup = new SecureLogGroup(this, 'StateMachineLogGroup', {
      retention: props.logRetention,
      // CloudWatch Logs needs no resource policy for vended log groups (/aws/vendedlogs/...). Kept on delete, the
      // name ends with the stack id's UUID, so a destroyed stack deploys again (fixedNameLogGroupProps).
      ...fixedNameLogGroupProps(`/aws/vendedlogs/states/${stateMachineName}`),
    });
    const machineRole = new iam.Role(this, 'StateMachineRole', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: `Runs the large-file import state machine of ${owner}`,
    });
    const servicePolicy = new iam.ManagedPolicy(machineRole, 'StatesServicePolicy', {
      description: 'What Step Functions needs on * to deliver execution logs and write X-Ray traces',
      roles: [machineRole],
      statements: [
        new iam.PolicyStatement({
          sid: 'LogDelivery',
          actions: [
            'logs:CreateLogDelivery',
            'logs:GetLogDelivery',
            'logs:UpdateLogDelivery',
            'logs:DeleteLogDelivery',
            'logs:ListLogDeliveries',
            'logs:PutResourcePolicy',
            'logs:DescribeResourcePolicies',
            'logs:DescribeLogGroups',
          ],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'XRayTraces',
          actions: [
            'xray:PutTraceSegments',
            'xray:PutTelemetryRecords',
            'xray:GetSamplingRules',
            'xray:GetSamplingTargets',
          ],
          resources: ['*'],
        }),
      ],
    });
    acknowledge(servicePolicy, {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'This policy holds only what Step Functions needs on * for its own logging and tracing: the CloudWatch Logs log-delivery actions (which have no resource-level permissions) and X-Ray trace and sampling writes (no resource-level permissions).',
    });
    const executions = stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const machinePolicy = new iam.ManagedPolicy(machineRole, 'StateMachinePolicy', {
      description:
        'Invokes the large-file steps, runs the Distributed Map (child workflows, item reader, result writer)',
      roles: [machineRole],
      statements: [
        new iam.PolicyStatement({
          sid: 'InvokeSteps',
          actions: ['lambda:InvokeFunction'],
          resources: [this.worker.functionArn],
        }),
        // The Distributed Map runs its child workflows as executions of this same state machine.
        new iam.PolicyStatement({
          sid: 'StartChildWorkflows',
          actions: ['states:StartExecution'],
          resources: [stateMachineArn],
        }),
        new iam.PolicyStatement({
          sid: 'ManageChildWorkflows',
          actions: ['states:DescribeExecution', 'states:StopExecution'],
          resources: [executions],
        }),
        // ItemReader: the upload, or the converted sheet in the work folder.
        new iam.PolicyStatement({
          sid: 'ReadRows',
          actions: ['s3:GetObject', 's3:GetObjectVersion'],
          resources: [uploads, work],
        }),
        // ResultWriter: the map's result files, in the execution's work folder.
        new iam.PolicyStatement({
          sid: 'WriteResults',
          actions: ['s3:PutObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'],
          resources: [work],
        }),
        // SSE-KMS: the item reader decrypts; the result writer's multipart uploads also need kms:Encrypt (Step
        // Functions, "IAM policies for using Distributed Map states").
        ...keyStatements(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'], [props.bucket.encryptionKey]),
      ],
    });
    acknowledge(
      machinePolicy,
      {
        id: wildcardResourceFinding(this, uploads),
        reason:
          "The Distributed Map's CSV item reader reads the uploaded file, which may have any name under the upload prefix.",
      },
      {
        id: wildcardResourceFinding(this, work),
        reason:
          "The item reader reads converted sheets and the result writer writes the map's result files in the execution's folder under large-file-work/, named after the execution.",
      },
      {
        id: wildcardResourceFinding(this, executions),
        reason:
          "The Distributed Map describes and stops its own child workflow executions, which are named at run time; the resource is this state machine's executions only.",
      },
    );
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      role: machineRole,
      definitionBody: sfn.DefinitionBody.fromString(
        stack.toJsonString(
          largeFileDefinition({
            workerArn: this.worker.functionArn,
            partition: stack.partition,
            maxConcurrency: options.maxConcurrency ?? LARGE_FILE_DEFAULTS.maxConcurrency,
            toleratedFailurePercentage:
              options.toleratedFailurePercentage ?? LARGE_FILE_DEFAULTS.toleratedFailurePercentage,
            batchSize: options.batchSize ?? LARGE_FILE_DEFAULTS.batchSize,
          }),
        ),
      ),
      timeout: Duration.hours(24),
    });
    // Logs and tracing on the resource itself: the L2 props would add their '*' statements to the role's default
    // policy, where an acknowledgement would also hide a wildcard the user adds.
    const cfnMachine = this.stateMachine.node.defaultChild as sfn.CfnStateMachine;
    cfnMachine.loggingConfiguration = {
      level: 'ALL',
      includeExecutionData: true,
      destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: this.stateMachineLogGroup.logGroupArn } }],
    };
    cfnMachine.tracingConfiguration = { enabled: true };
    this.stateMachine.node.addDependency(servicePolicy, machinePolicy);

    this.failedExecutionsAlarm = notifyingAlarm(
      this,
      'FailedExecutionsAlarm',
      new cloudwatch.MathExpression({
        expression: 'failed + timedOut + aborted',
        usingMetrics: {
          failed: this.stateMachine.metricFailed({ statistic: 'Sum' }),
          timedOut: this.stateMachine.metricTimedOut({ statistic: 'Sum' }),
          aborted: this.stateMachine.metricAborted({ statistic: 'Sum' }),
        },
        period: Duration.minutes(5),
        label: 'Large-file executions that failed, timed out or were aborted',
      }),
      {
        description: `Large-file imports of ${owner} failed, timed out or were aborted (the report may be missing)`,
        threshold: 1,
        topic: props.alarmTopic,
      },
    );

    // --- the router: the upload rule's target
    const routerRole = new ImportFunctionRole(this, 'RouterRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Routes uploads of ${owner} to the import function or the large-file state machine`,
    });
    const routerLogs = new SecureLogGroup(this, 'RouterLogGroup', { retention: props.logRetention });
    this.router = new lambda.Function(this, 'Router', {
      description: `Looks at each upload: ${thresholdBytes} bytes or more starts the large-file state machine, smaller goes to the import function`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'router.handler',
      code: lambda.Code.fromAsset(LARGE_FILE_ASSET),
      role: routerRole,
      memorySize: 256,
      timeout: Duration.seconds(30),
      tracing: lambda.Tracing.ACTIVE,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      logGroup: routerLogs,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: [props.securityGroup],
      environment: {
        LARGE_FILE_STATE_MACHINE_ARN: stateMachineArn,
        IMPORT_FUNCTION_NAME: props.importFunction.functionArn,
        LARGE_FILE_THRESHOLD_BYTES: String(thresholdBytes),
      },
    });
    const routerPolicy = new iam.ManagedPolicy(routerRole, 'RouterPolicy', {
      description:
        'Looks at uploads, starts the large-file state machine, invokes the import function, sends failures to the dead-letter queue',
      roles: [routerRole],
      statements: [
        new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: [uploads] }),
        new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [stateMachineArn] }),
        new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [props.importFunction.functionArn] }),
        new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [props.deadLetterQueue.queueArn] }),
        ...keyStatements(['kms:Decrypt', 'kms:GenerateDataKey'], [props.deadLetterQueue.encryptionMasterKey]),
        logWriteStatement(routerLogs),
      ],
    });
    // Failed asynchronous invocations (after Lambda's two retries, or older than 6 hours) go to the loader's
    // dead-letter queue; written as the L1 so the queue grant lands in the managed policy above.
    const invokeConfig = new lambda.CfnEventInvokeConfig(this, 'RouterInvokeConfig', {
      functionName: this.router.functionName,
      qualifier: '$LATEST',
      maximumRetryAttempts: 2,
      maximumEventAgeInSeconds: Duration.hours(6).toSeconds(),
      destinationConfig: { onFailure: { destination: props.deadLetterQueue.queueArn } },
    });
    invokeConfig.node.addDependency(routerPolicy);
    this.router.node.addDependency(routerRole.servicePolicy, routerPolicy);
    acknowledge(routerPolicy, {
      id: wildcardResourceFinding(this, uploads),
      reason:
        'The router looks at (HeadObject) any object under the upload prefix and nowhere else: uploads have arbitrary names.',
    });
    acknowledgeLambdaServicePolicy(routerRole);
    const dlqReason =
      'Failed asynchronous invocations go to an on-failure destination (the encrypted SQS queue), which AWS recommends over a DeadLetterConfig because it also carries the error and the original event.';
    acknowledge(
      this.router,
      { id: 'Serverless-LambdaDLQ', reason: dlqReason },
      ...inEveryCompliancePack('LambdaDLQ', dlqReason, ['NIST.800.53.R5', 'HIPAA.Security']),
      ...inEveryCompliancePack(
        'LambdaConcurrency',
        'No concurrency is reserved: the router only looks at an object and starts an execution or an invocation, and Lambda keeps a minimum unreserved pool per account, so on new accounts whose concurrency quota is 10 any reservation fails to deploy.',
        ['NIST.800.53.R5', 'HIPAA.Security'],
      ),
    );
  }
}

/** Statements on the given customer managed keys (none for keys that are absent or imported without an ARN). */
function keyStatements(actions: string[], keys: (kms.IKey | undefined)[]): iam.PolicyStatement[] {
  const arns = keys.filter((k): k is kms.IKey => k !== undefined).map((k) => k.keyArn);
  return arns.length > 0 ? [new iam.PolicyStatement({ actions, resources: arns })] : [];
}

/** Writing to the function's own log group (what `logGroup.grantWrite` grants). */
function logWriteStatement(logGroup: logs.ILogGroup): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    resources: [logGroup.logGroupArn],
  });
}

function acknowledgeLambdaServicePolicy(role: ImportFunctionRole): void {
  acknowledge(role.servicePolicy, {
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      "This policy holds only what Lambda itself needs on *: the ENI actions of Lambda's AWS managed VPC access policy (ec2:CreateNetworkInterface, ec2:DescribeNetworkInterfaces, ec2:DescribeSubnets, ec2:DeleteNetworkInterface, ec2:AssignPrivateIpAddresses, ec2:UnassignPrivateIpAddresses), denied to the function's own code by a lambda:SourceFunctionArn condition, and xray:PutTraceSegments and xray:PutTelemetryRecords for active tracing. Describe actions and X-Ray have no resource-level permissions; the other ENI actions are granted on * as that AWS managed policy grants them, because the network interfaces Lambda creates have no ARN before they exist.",
  });
}
