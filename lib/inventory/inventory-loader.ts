import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, Names, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { alarmTopicFor, notifyingAlarm } from '../common/alarm-topic';
import { limitLambdaEnvironment } from '../common/lambda-environment';
import { SecureLogGroup } from '../common/log-group';
import { acknowledge, inEveryCompliancePack, wildcardResourceFinding } from '../common/nag';
import { SecureBucket } from '../common/secure-bucket';
import { SecureKey } from '../common/secure-key';
import { secureTable } from '../common/secure-table';
import { SecureVpc } from '../common/secure-vpc';
import {
  allowHttpsToAwsEndpoints,
  ensureServiceEndpoints,
  hasGatewayEndpoint,
  isolatedSubnetsOf,
} from '../common/service-endpoints';
import { defaultPrivateSubnets, validateMultiAz } from '../common/subnets';
import { validateIntegerInRange, withConstructPath } from '../common/validation';
import { InventorySchema } from './inventory-schema';
import { InventoryLargeFileOptions } from './large-file-options';
import { ImportFunctionRole } from './private/execution-role';
import { LargeFileEngine } from './private/large-file-engine';

/** Where the prebuilt handler bundle lives (written by `npm run build:assets`). */
const HANDLER_ASSET = path.join(__dirname, '..', '..', 'assets', 'inventory-handler');

/** File types the import engine reads. */
const SUFFIXES = ['.csv', '.xlsx'];

/**
 * Properties for an InventoryLoader.
 */
export interface InventoryLoaderProps {
  /**
   * The bucket people upload inventory spreadsheets to. A bucket you bring must
   * send events to EventBridge (`SecureBucket.enableNativeEventBridge(bucket)` or `eventBridgeEnabled: true`).
   * @default - a new SecureBucket: public access blocked, TLS enforced, SSE-KMS, versioned, ACLs disabled, server access logs
   */
  readonly bucket?: s3.IBucket;

  /**
   * Where the default bucket's server access logs go.
   * @default - the stack's shared AccessLogBucket
   */
  readonly accessLogBucket?: s3.IBucket;

  /**
   * The inventory table; its partition key must be the schema's key column (string), and it must have no sort
   * key (the engine writes items by that one key). A `dynamodb.Table` of the app is checked at synth; for an
   * imported table this is your responsibility.
   * @default - a new on-demand table keyed by `sku`, with point-in-time recovery, KMS encryption, deletion protection, retained on delete
   */
  readonly table?: dynamodb.ITable;

  /**
   * Key prefix that triggers an import. Must end with '/'.
   * @default 'uploads/'
   */
  readonly uploadPrefix?: string;

  /**
   * Key prefix the import reports (JSON) and rejected rows (CSV) are written under.
   * Must end with '/' and must not overlap the upload prefix, so reports never trigger an import.
   * @default 'reports/'
   */
  readonly reportPrefix?: string;

  /**
   * The column schema rows are validated against.
   * @default InventorySchema.standard()
   */
  readonly schema?: InventorySchema;

  /**
   * Memory of the function, in MiB. CPU scales with memory; 1 GiB parses and
   * writes about as fast as DynamoDB on-demand accepts a fresh table's writes.
   * @default 1024
   */
  readonly memorySize?: number;

  /**
   * How long one import may run. The engine stops cleanly with a PARTIAL report
   * before this runs out.
   * @default Duration.minutes(15)
   */
  readonly timeout?: Duration;

  /**
   * Imports that may run at once (reserved concurrency). Caps the write pressure on the table and keeps a
   * burst of uploads from taking the account's whole concurrency. Lambda always keeps part of the
   * account's concurrency unreserved (100 executions with the default quota), so a reservation fails to deploy on
   * accounts with a low quota (new accounts may have 10): set it only where the quota allows.
   * @default - no reservation: imports share the account's unreserved concurrency
   */
  readonly reservedConcurrency?: number;

  /**
   * The VPC the function runs in (Control Tower CT.LAMBDA.PR.3); it needs
   * routes to S3, DynamoDB and X-Ray.
   * @default - a new SecureVpc without NAT gateways: isolated subnets, S3/DynamoDB gateway endpoints and an X-Ray interface endpoint
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Subnets of `vpc` the function runs in.
   * @default - the VPC's private subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * The VPC already has the endpoints the function needs in subnets without egress (the S3 and DynamoDB
   * gateway endpoints and an X-Ray interface endpoint that accepts HTTPS from the function). Without it, a
   * function in isolated subnets gets them added (VPC in the same stack) or the construct refuses to synth.
   * @default false
   */
  readonly vpcEndpointsProvided?: boolean;

  /**
   * How long the function's logs are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * The SNS topic every alarm notifies. When its KMS key is managed in this app, the construct lets
   * CloudWatch alarms of this account and Region use it; an imported key must already allow that (a
   * warning says so). A topic policy, if the topic has one, must let `cloudwatch.amazonaws.com` publish.
   * @default - the stack's shared alarm topic (KMS-encrypted, TLS only), opened to this account's CloudWatch alarms
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * Imports files too large for one invocation on a Step Functions Distributed Map: a router function looks at
   * each upload and starts the large-file state machine at or above the threshold (docs/IMPORT-ENGINE.md,
   * "Large files"). The report has the same shape either way.
   * @default - every file is imported by the import function (up to what 15 minutes allow)
   */
  readonly largeFiles?: InventoryLargeFileOptions;
}

/**
 * The alarms an InventoryLoader raises. Each notifies the alarm topic; add
 * further actions with `alarm.addAlarmAction(...)`.
 */
export interface InventoryLoaderAlarms {
  /** Fires on the first message in the dead-letter queue: an import was lost after its retries. */
  readonly deadLetter: cloudwatch.Alarm;
  /** Fires on any function error. */
  readonly errors: cloudwatch.Alarm;
  /** Fires when invocations are throttled (reserved or account concurrency reached). */
  readonly throttles: cloudwatch.Alarm;
}

/**
 * An S3 upload of an inventory spreadsheet (CSV or XLSX) triggers a Lambda
 * function that loads every row into DynamoDB and writes a report next to the
 * upload. S3 → EventBridge → Lambda, all native CloudFormation; failures end in
 * an encrypted dead-letter queue with an alarm, never in silence.
 */
export class InventoryLoader extends Construct implements ec2.IConnectable, iam.IGrantable {
  /** The bucket uploads go to and reports are written to (yours, or the SecureBucket created). */
  public readonly bucket: s3.IBucket;
  /** The inventory table the rows are loaded into (yours, or the one created, keyed by the schema's key column). */
  public readonly table: dynamodb.ITable;
  /** The import engine's idempotency ledger (partition key `pk`). */
  public readonly ledgerTable: dynamodb.Table;
  /** The import function (the engine in lib/inventory/handler). */
  public readonly function: lambda.Function;
  /** Receives events the function could not process, from EventBridge and from Lambda's async retries. */
  public readonly deadLetterQueue: sqs.Queue;
  /** The function's encrypted log group. */
  public readonly logGroup: logs.ILogGroup;
  /** The VPC the function runs in (yours, or the SecureVpc created). */
  public readonly vpc: ec2.IVpc;
  /** The function's security group: HTTPS egress only (see the README for what it reaches). */
  public readonly securityGroup: ec2.SecurityGroup;
  /** The EventBridge rule that starts an import. */
  public readonly rule: events.Rule;
  /** The loader's alarms, each notifying `alarmTopic`. */
  public readonly alarms: InventoryLoaderAlarms;
  /** The topic the alarms notify; subscribe your on-call channel to it. */
  public readonly alarmTopic: sns.ITopic;
  /** The import function's network connections (its security group). */
  public readonly connections: ec2.Connections;
  /** The import function's role: grant it what a custom import step needs. */
  public readonly grantPrincipal: iam.IPrincipal;
  /** The key prefix that starts an import. */
  public readonly uploadPrefix: string;
  /** The key prefix reports and rejected-row files are written under. */
  public readonly reportPrefix: string;
  /** With `largeFiles`: the state machine that imports large files (Distributed Map). */
  public readonly largeFileStateMachine?: sfn.StateMachine;
  /** With `largeFiles`: the upload rule's target, which sends each upload to the function or the state machine. */
  public readonly largeFileRouter?: lambda.Function;
  /** With `largeFiles`: the function running the state machine's steps (prepare, write a batch, report). */
  public readonly largeFileWorker?: lambda.Function;
  /** With `largeFiles`: fires when a large-file execution fails, times out or is aborted. */
  public readonly largeFileFailedAlarm?: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: InventoryLoaderProps = {}) {
    super(scope, id);
    this.uploadPrefix = props.uploadPrefix ?? 'uploads/';
    this.reportPrefix = props.reportPrefix ?? 'reports/';
    const timeout = props.timeout ?? Duration.minutes(15);
    // Errors name this loader's construct path: a user with several loaders must know which one is wrong.
    withConstructPath(this, () => {
      validatePrefixes(this.uploadPrefix, this.reportPrefix);
      validateIntegerInRange('memorySize', props.memorySize, 512, 10240);
      validateIntegerInRange('reservedConcurrency', props.reservedConcurrency, 1, 1000);
      if (!Token.isUnresolved(timeout.toSeconds()) && (timeout.toSeconds() < 60 || timeout.toSeconds() > 900)) {
        throw new Error(
          `timeout must be between 1 and 15 minutes for a spreadsheet import; received ${timeout.toHumanString()}`,
        );
      }
      if (!fs.existsSync(path.join(HANDLER_ASSET, 'index.js'))) {
        throw new Error(
          `the InventoryLoader handler bundle is missing at ${HANDLER_ASSET}; run 'npm run build' (a published package ships it prebuilt)`,
        );
      }
    });
    const schema = props.schema ?? InventorySchema.standard();

    this.bucket = props.bucket ?? new SecureBucket(this, 'Bucket', { serverAccessLogsBucket: props.accessLogBucket });
    const userBucket = props.bucket;
    if (userBucket instanceof s3.Bucket) {
      // checked at synth, so SecureBucket.enableNativeEventBridge(bucket) may come after the loader
      this.node.addValidation({ validate: () => validateBucketEvents(this, userBucket) });
    }
    if (props.table instanceof dynamodb.Table) validateTableKey(this, props.table, schema.keyColumn);
    this.table =
      props.table ?? secureTable(this, 'Table', { partitionKey: schema.keyColumn, what: 'the inventory table' });
    this.ledgerTable = secureTable(this, 'LedgerTable', { partitionKey: 'pk', what: 'the import ledger' });
    (this.ledgerTable.node.defaultChild as dynamodb.CfnTable).timeToLiveSpecification = {
      attributeName: 'expiresAt',
      enabled: true,
    };

    const ownVpc = props.vpc ? undefined : new SecureVpc(this, 'Vpc', { maxAzs: 2, natGateways: 0 });
    this.vpc = props.vpc ?? ownVpc!;
    const subnets = props.vpcSubnets ?? defaultPrivateSubnets(this.vpc);
    const selectedSubnets = validateMultiAz(this, this.vpc, subnets, 'the import function');
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: this.vpc,
      description: `Inventory import function of ${this.node.path}: HTTPS out to AWS endpoints only`,
      allowAllOutbound: false,
    });
    const gateways = [ec2.GatewayVpcEndpointAwsService.S3, ec2.GatewayVpcEndpointAwsService.DYNAMODB];
    // Subnets without egress need the gateway endpoints and an X-Ray interface endpoint (active tracing); the
    // interface endpoints are reached by security group.
    validateDataRoutes(this, this.vpc, selectedSubnets, props.vpcEndpointsProvided);
    ensureServiceEndpoints({
      scope: this,
      vpc: this.vpc,
      subnets: selectedSubnets,
      services: [{ service: ec2.InterfaceVpcEndpointAwsService.XRAY, name: 'XRay' }],
      gateways,
      clients: [this.securityGroup],
      vpcEndpointsProvided: props.vpcEndpointsProvided,
    });
    allowHttpsToAwsEndpoints({
      scope: this,
      securityGroup: this.securityGroup,
      vpc: this.vpc,
      subnets: selectedSubnets,
      gateways,
      vpcEndpointsProvided: props.vpcEndpointsProvided,
    });

    const queueKey = new SecureKey(this, 'DeadLetterKey', {
      description: `Encrypts the dead-letter queue of ${this.node.path}`,
    });
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: queueKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // Marks the queue as a dead-letter queue (Control Tower CT.SQS.PR.1 skips those).
      redriveAllowPolicy: { redrivePermission: sqs.RedrivePermission.ALLOW_ALL },
    });
    const isDeadLetterQueue =
      'This queue is the dead-letter queue of the import (EventBridge target and Lambda on-failure destination); a dead-letter queue of a dead-letter queue would only move the problem. An alarm fires on its first message.';
    acknowledge(
      this.deadLetterQueue,
      { id: 'AwsSolutions-SQS3', reason: isDeadLetterQueue },
      { id: 'Serverless-SQSRedrivePolicy', reason: isDeadLetterQueue },
    );

    this.logGroup = new SecureLogGroup(this, 'LogGroup', {
      retention: props.logRetention,
    });
    const role = new ImportFunctionRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the inventory import of ${this.node.path}`,
    });
    this.function = new lambda.Function(this, 'Function', {
      description: 'Loads uploaded inventory spreadsheets (CSV/XLSX) into DynamoDB',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(HANDLER_ASSET),
      role,
      memorySize: props.memorySize ?? 1024,
      timeout,
      reservedConcurrentExecutions: props.reservedConcurrency,
      tracing: lambda.Tracing.ACTIVE,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      logGroup: this.logGroup,
      vpc: this.vpc,
      vpcSubnets: subnets,
      securityGroups: [this.securityGroup],
      environment: {
        TABLE_NAME: this.table.tableName,
        LEDGER_TABLE_NAME: this.ledgerTable.tableName,
        REPORT_PREFIX: this.reportPrefix,
        ...(props.schema ? { INVENTORY_SCHEMA: schema.toJson() } : {}),
        // Keeps V8's young generation from growing during long imports: measured lower peak memory and
        // higher throughput at 1M rows (docs/BENCHMARKS.md).
        NODE_OPTIONS: '--max-semi-space-size=4',
      },
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
    });
    this.connections = this.function.connections;
    this.grantPrincipal = this.function.grantPrincipal;
    // Lambda checks the ENI permissions when it creates the function: the policy must exist first.
    this.function.node.addDependency(role.servicePolicy);
    limitLambdaEnvironment(
      this.function,
      'INVENTORY_SCHEMA (your schema) is most of it: give it fewer columns or shorter names and bounds.',
    );
    this.grantLeastPrivilege(role);

    const largeFiles = props.largeFiles
      ? new LargeFileEngine(this, 'LargeFiles', {
          options: props.largeFiles,
          bucket: this.bucket,
          table: this.table,
          ledgerTable: this.ledgerTable,
          importFunction: this.function,
          uploadPrefix: this.uploadPrefix,
          reportPrefix: this.reportPrefix,
          environment: {
            TABLE_NAME: this.table.tableName,
            LEDGER_TABLE_NAME: this.ledgerTable.tableName,
            REPORT_PREFIX: this.reportPrefix,
            ...(props.schema ? { INVENTORY_SCHEMA: schema.toJson() } : {}),
          },
          vpc: this.vpc,
          vpcSubnets: subnets,
          selectedSubnets,
          vpcEndpointsProvided: props.vpcEndpointsProvided,
          securityGroup: this.securityGroup,
          deadLetterQueue: this.deadLetterQueue,
          logRetention: props.logRetention,
          memorySize: props.memorySize ?? 1024,
          alarmTopic: props.alarmTopic,
        })
      : undefined;
    this.largeFileStateMachine = largeFiles?.stateMachine;
    this.largeFileRouter = largeFiles?.router;
    this.largeFileWorker = largeFiles?.worker;
    this.largeFileFailedAlarm = largeFiles?.failedExecutionsAlarm;

    // A fixed rule name gives the dead-letter key's policy the rule's ARN without a reference to the rule
    // (key -> queue -> rule -> key would be a cycle).
    const ruleName = Names.uniqueResourceName(this, { maxLength: 64 - '-Upload'.length }) + '-Upload';
    this.rule = new events.Rule(this, 'UploadRule', {
      ruleName,
      description: `Starts an inventory import for ${SUFFIXES.join('/')} uploads under ${this.uploadPrefix}`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [this.bucket.bucketName] },
          object: {
            key: SUFFIXES.flatMap((suffix) =>
              [suffix, suffix.toUpperCase()].map((s) => events.Match.wildcard(`${this.uploadPrefix}*${s}`)),
            ).flat(),
          },
        },
      },
    });
    this.rule.addTarget(
      new targets.LambdaFunction(largeFiles?.router ?? this.function, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 8,
        maxEventAge: Duration.hours(24),
      }),
    );
    // EventBridge must be able to use the queue's key to deliver dead letters: for this rule, in this account only.
    queueKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowEventBridgeDeadLettersOfTheUploadRule',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: {
          ArnEquals: {
            'aws:SourceArn': Stack.of(this).formatArn({ service: 'events', resource: 'rule', resourceName: ruleName }),
          },
          StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
        },
      }),
    );

    this.alarmTopic = alarmTopicFor(this, props.alarmTopic);
    const deadLetter = notifyingAlarm(
      this,
      'DeadLetterAlarm',
      this.metricDeadLetterMessages({ period: Duration.minutes(1) }),
      {
        description: `Inventory imports of ${this.node.path} failed and landed in the dead-letter queue`,
        threshold: 1,
        topic: this.alarmTopic,
      },
    );
    const errors = notifyingAlarm(this, 'ErrorsAlarm', this.metricErrors({ period: Duration.minutes(5) }), {
      description: `The inventory import function of ${this.node.path} failed`,
      threshold: 1,
      topic: this.alarmTopic,
    });
    const throttles = notifyingAlarm(this, 'ThrottlesAlarm', this.metricThrottles({ period: Duration.minutes(5) }), {
      description: `Inventory imports of ${this.node.path} are throttled (reserved or account concurrency reached)`,
      threshold: 1,
      topic: this.alarmTopic,
    });
    this.alarms = { deadLetter, errors, throttles };
  }

  /**
   * Import function errors (the `errors` alarm's metric).
   * @default - sum over 5 minutes
   */
  public metricErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.function.metricErrors({ statistic: 'Sum', ...props });
  }

  /**
   * Throttled import invocations (the `throttles` alarm's metric).
   * @default - sum over 5 minutes
   */
  public metricThrottles(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.function.metricThrottles({ statistic: 'Sum', ...props });
  }

  /**
   * Import events in the dead-letter queue (the `deadLetter` alarm's metric).
   * @default - maximum over 5 minutes
   */
  public metricDeadLetterMessages(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', ...props });
  }

  /**
   * Lets `grantee` upload spreadsheets: `s3:PutObject` and `s3:AbortMultipartUpload` on keys under the upload
   * prefix, nowhere else in the bucket, and, for a KMS-encrypted bucket, `kms:GenerateDataKey` and `kms:Decrypt`
   * on the bucket's key through S3 only (a multipart upload to an SSE-KMS bucket needs both). Exact actions, no
   * wildcards: the one finding left on the grantee's policy is the upload prefix itself
   * (`AwsSolutions-IAM5[Resource::<bucket>/<uploadPrefix>*]`), since uploads have arbitrary names.
   */
  public grantUpload(grantee: iam.IGrantable): iam.Grant {
    return this.grantOnBucket(grantee, ['s3:PutObject', 's3:AbortMultipartUpload'], this.uploadPrefix, [
      'kms:GenerateDataKey',
      'kms:Decrypt',
    ]);
  }

  /**
   * Lets `grantee` read the import reports and rejected-row files: `s3:GetObject` on keys under the report prefix,
   * `s3:ListBucket` limited to that prefix (an `s3:prefix` condition), and, for a KMS-encrypted bucket,
   * `kms:Decrypt` on the bucket's key through S3 only. Exact actions, no wildcards.
   */
  public grantReadReports(grantee: iam.IGrantable): iam.Grant {
    const grant = this.grantOnBucket(grantee, ['s3:GetObject'], this.reportPrefix, ['kms:Decrypt']);
    return grant.combine(
      iam.Grant.addToPrincipalOrResource({
        grantee,
        actions: ['s3:ListBucket'],
        resourceArns: [this.bucket.bucketArn],
        resource: this.bucket,
        conditions: { StringLike: { 's3:prefix': [`${this.reportPrefix}*`] } },
      }),
    );
  }

  /** Exact object actions under `prefix`, and the bucket key's `keyActions` when S3 calls KMS for the grantee. */
  private grantOnBucket(grantee: iam.IGrantable, actions: string[], prefix: string, keyActions: string[]): iam.Grant {
    const grant = iam.Grant.addToPrincipalOrResource({
      grantee,
      actions,
      resourceArns: [this.bucket.arnForObjects(`${prefix}*`)],
      resource: this.bucket,
    });
    const key = this.bucket.encryptionKey;
    if (!key) return grant;
    return grant.combine(
      iam.Grant.addToPrincipalOrResource({
        grantee,
        actions: keyActions,
        resourceArns: [key.keyArn],
        resource: key,
        conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` } },
      }),
    );
  }

  /** Reads uploads, writes reports, writes items and ledger records: nothing else. */
  private grantLeastPrivilege(role: ImportFunctionRole): void {
    const uploads = this.bucket.arnForObjects(`${this.uploadPrefix}*`);
    const reports = this.bucket.arnForObjects(`${this.reportPrefix}*`);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: [uploads] }),
    );
    // Without s3:ListBucket, S3 answers AccessDenied for a missing key; with it, NoSuchKey, which the engine
    // reports as FAILED instead of retrying into the dead-letter queue. Listing is limited to the upload prefix.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${this.uploadPrefix}*`] } },
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: [reports] }),
    );
    const bucketKey = this.bucket.encryptionKey;
    if (bucketKey) {
      bucketKey.grant(role, 'kms:Decrypt', 'kms:GenerateDataKey');
    }
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:BatchWriteItem', 'dynamodb:PutItem'],
        resources: [this.table.tableArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        resources: [this.ledgerTable.tableArn],
      }),
    );
    for (const key of [this.table.encryptionKey, this.ledgerTable.encryptionKey]) {
      key?.grant(role, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey');
    }
    this.logGroup.grantWrite(role);

    // Each acknowledgement sits on the policy resource that holds the finding, never on the role: a wildcard the
    // user adds to the role lands in the same customer managed policy under its own finding id and stays visible.
    acknowledge(
      role.policy!,
      {
        id: wildcardResourceFinding(this, uploads),
        reason: 'The function reads any object under the upload prefix and nowhere else: uploads have arbitrary names.',
      },
      {
        id: wildcardResourceFinding(this, reports),
        reason:
          'The function writes reports and rejected-row files under the report prefix and nowhere else: their names follow the uploads.',
      },
      {
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason:
          "CDK's grant for sending to the KMS-encrypted dead-letter queue; it is scoped to that queue's key alone.",
      },
      {
        id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
        reason:
          "CDK's grant for sending to the KMS-encrypted dead-letter queue; it is scoped to that queue's key alone.",
      },
    );
    acknowledge(role.servicePolicy, {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        "This policy holds only what Lambda itself needs on *: the ENI actions of Lambda's AWS managed VPC access policy (ec2:CreateNetworkInterface, ec2:DescribeNetworkInterfaces, ec2:DescribeSubnets, ec2:DeleteNetworkInterface, ec2:AssignPrivateIpAddresses, ec2:UnassignPrivateIpAddresses), denied to the function's own code by a lambda:SourceFunctionArn condition, and xray:PutTraceSegments and xray:PutTelemetryRecords for active tracing. Describe actions and X-Ray have no resource-level permissions; the other ENI actions are granted on * as that AWS managed policy grants them, because the network interfaces Lambda creates have no ARN before they exist.",
    });
    const dlqReason =
      'Failed asynchronous invocations go to an on-failure destination (the encrypted SQS queue), which AWS recommends over a DeadLetterConfig because it also carries the error and the original event.';
    acknowledge(
      this.function,
      { id: 'Serverless-LambdaDLQ', reason: dlqReason },
      ...inEveryCompliancePack('LambdaDLQ', dlqReason, ['NIST.800.53.R5', 'HIPAA.Security']),
    );
    if ((this.function.node.defaultChild as lambda.CfnFunction).reservedConcurrentExecutions === undefined) {
      acknowledge(
        this.function,
        ...inEveryCompliancePack(
          'LambdaConcurrency',
          'No concurrency is reserved by default: Lambda keeps a minimum pool of unreserved concurrency per account, so on new accounts whose concurrency quota is 10 any reservation fails to deploy. Imports of one file are serialized by the ledger lease, and a throttle alarm watches the function; set reservedConcurrency to cap it where the quota allows.',
          ['NIST.800.53.R5', 'HIPAA.Security'],
        ),
      );
    }
  }
}

/**
 * An upload starts an import only if the bucket sends its events to EventBridge. Refuses a bucket of the app
 * that has neither the native `NotificationConfiguration.EventBridgeConfiguration` nor CDK's notifications
 * resource (the `eventBridgeEnabled` prop); an imported bucket cannot be checked here.
 */
function validateBucketEvents(scope: Construct, bucket: s3.Bucket): string[] {
  const cfn = bucket.node.defaultChild as s3.CfnBucket & { _toCloudFormation(): { Resources: object } };
  const [rendered] = Object.values(Stack.of(bucket).resolve(cfn._toCloudFormation()).Resources) as {
    Properties?: { NotificationConfiguration?: { EventBridgeConfiguration?: { EventBridgeEnabled?: unknown } } };
  }[];
  const native = rendered?.Properties?.NotificationConfiguration?.EventBridgeConfiguration?.EventBridgeEnabled;
  if (native === true || native === 'true' || bucket.node.tryFindChild('Notifications')) return [];
  return [
    `${scope.node.path}: the bucket ${bucket.node.path} does not send its events to EventBridge, so no upload would start an import. Call SecureBucket.enableNativeEventBridge(bucket) (plain CloudFormation) or create it with eventBridgeEnabled: true, or let the InventoryLoader create its bucket`,
  ];
}

/**
 * From subnets without egress, the function reaches S3 (uploads, reports) and DynamoDB (items, ledger) only
 * through gateway endpoints. A VPC defined in this stack gets the missing ones (`ensureServiceEndpoints`); for
 * a VPC of another stack, or an imported one, refuses isolated subnets when the app adds no S3 or DynamoDB
 * gateway endpoint to it, unless the user says the endpoints exist (`vpcEndpointsProvided`; `verify` checks them).
 */
function validateDataRoutes(
  scope: Construct,
  vpc: ec2.IVpc,
  subnets: ec2.SelectedSubnets,
  vpcEndpointsProvided: boolean | undefined,
): void {
  const isolated = isolatedSubnetsOf(vpc, subnets);
  if (isolated.length === 0 || vpcEndpointsProvided) return;
  if (vpc instanceof ec2.Vpc && Stack.of(vpc) === Stack.of(scope)) return;
  const gateways: [string, ec2.GatewayVpcEndpointAwsService][] = [
    ['S3', ec2.GatewayVpcEndpointAwsService.S3],
    ['DynamoDB', ec2.GatewayVpcEndpointAwsService.DYNAMODB],
  ];
  const missing = gateways.filter(([, service]) => !hasGatewayEndpoint(vpc, service)).map(([name]) => name);
  if (missing.length === 0) return;
  const where =
    vpc instanceof ec2.Vpc ? `the VPC ${vpc.node.path} (another stack)` : `the imported VPC ${vpc.node.path}`;
  throw new Error(
    `${scope.node.path}: the selected subnets have no route to the internet (${isolated.length} PRIVATE_ISOLATED subnets) and ${where} has no ${missing.join(' or ')} gateway endpoint in this app, so the import function could not reach ${missing.join(' or ')}. Add them where the VPC is defined (vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 }), and DYNAMODB), select subnets with a NAT route, or set vpcEndpointsProvided: true if they exist outside this app (verify checks them)`,
  );
}

/** The engine puts items keyed by the schema's key column alone: the table must be keyed by it, as a string. */
function validateTableKey(scope: Construct, table: dynamodb.Table, keyColumn: string): void {
  const { partitionKeys, sortKeys } = table.schemaV2();
  const partitionKey = partitionKeys.length === 1 ? partitionKeys[0] : undefined;
  const sortKey = sortKeys[0];
  if (partitionKey?.name !== keyColumn || partitionKey.type !== dynamodb.AttributeType.STRING) {
    throw new Error(
      `${scope.node.path}: the table's partition key must be the schema's key column '${keyColumn}' of type S (string); received '${partitionKey?.name}' of type ${partitionKey?.type}. Pass a table keyed by '${keyColumn}' of type STRING, or a schema whose keyColumn names the table's partition key`,
    );
  }
  if (sortKey) {
    throw new Error(
      `${scope.node.path}: the table must not have a sort key, because the import engine writes each row by '${keyColumn}' alone; received sort key '${sortKey.name}'. Pass a table with the partition key '${keyColumn}' only`,
    );
  }
}

/** Prefixes end with '/', and reports can never land where they would start an import. */
function validatePrefixes(uploadPrefix: string, reportPrefix: string): void {
  for (const [name, value] of [
    ['uploadPrefix', uploadPrefix],
    ['reportPrefix', reportPrefix],
  ]) {
    if (!/^[^/].*\/$/.test(value)) {
      throw new Error(`${name} must be a non-empty key prefix ending in '/' (such as 'uploads/'); received '${value}'`);
    }
  }
  if (uploadPrefix.startsWith(reportPrefix) || reportPrefix.startsWith(uploadPrefix)) {
    throw new Error(
      `uploadPrefix ('${uploadPrefix}') and reportPrefix ('${reportPrefix}') must not overlap, or reports would trigger imports of themselves`,
    );
  }
}
