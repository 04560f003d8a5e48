import { ArnFormat, Aws, Duration, Lazy, Names, Size, Stack, Token } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { alarmTopicFor, notifyingAlarm } from '../common/alarm-topic';
import { secretServiceEndpoints } from '../common/ecs-container';
import { checkImageRegistry } from '../common/ecs-image';
import { hardenedLaunchTemplate } from '../common/hardened-launch-template';
import { fixedNameLogGroupProps, SecureLogGroup } from '../common/log-group';
import { acknowledge, managedPolicyFinding, wildcardResourceFinding } from '../common/nag';
import { SecureKey } from '../common/secure-key';
import { SecureVpc } from '../common/secure-vpc';
import {
  ensureServiceEndpoints,
  isolatedSubnetsOf,
  RequiredServiceEndpoint,
  ServiceEndpointRequirements,
} from '../common/service-endpoints';
import { defaultPrivateSubnets, validateMultiAz } from '../common/subnets';
import { BatchJobDefinition, BatchJobDefinitionOptions } from './batch-job-definition';

/** Where the jobs of a {@link BatchJobQueue} run. */
export enum BatchCompute {
  /** AWS Fargate: no instances to manage; up to 16 vCPU and 120 GiB per job. */
  FARGATE = 'FARGATE',
  /** EC2 container instances that AWS Batch launches and scales: GPUs, larger jobs, instance choice. */
  EC2 = 'EC2',
}

/**
 * Fair-share scheduling for the queues of a {@link BatchJobQueue}: jobs submitted with a share
 * identifier get capacity by weight instead of first in, first out.
 */
export interface BatchFairShareOptions {
  /** The share identifiers and their weights (a lower weight gets more capacity). */
  readonly shares: batch.Share[];
  /**
   * How long past usage counts against a share.
   * @default - only current usage counts
   */
  readonly shareDecay?: Duration;
  /**
   * Percentage of the maximum vCPUs kept back for share identifiers that are not yet active.
   * @default - none kept back
   */
  readonly computeReservation?: number;
}

/**
 * Properties for a BatchJobQueue.
 */
export interface BatchJobQueueProps {
  /**
   * The VPC the jobs run in.
   * @default - a SecureVpc with private subnets in three Availability Zones and a NAT gateway
   */
  readonly vpc?: ec2.IVpc;

  /**
   * The subnets the jobs run in: private, in two or more Availability Zones.
   * @default - the VPC's private subnets (with egress if it has them, else isolated)
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * The VPC already has the interface endpoints jobs in subnets without egress need (ECR, CloudWatch
   * Logs; ECS for EC2 compute). Otherwise they are added to a VPC of this stack, or synthesis fails.
   * @default false
   */
  readonly vpcEndpointsProvided?: boolean;

  /**
   * Where the jobs run.
   * @default BatchCompute.FARGATE
   */
  readonly compute?: BatchCompute;

  /**
   * Run on Spot capacity first (Fargate Spot, or EC2 Spot with the SPOT_PRICE_CAPACITY_OPTIMIZED
   * strategy), with On-Demand capacity as the queue's second compute environment when Spot has none.
   * Jobs interrupted by Spot are retried (see `addJobDefinition`).
   * @default false
   */
  readonly spot?: boolean;

  /**
   * The most vCPUs each compute environment runs at once.
   * @default 256
   */
  readonly maxvCpus?: number;

  /**
   * The CPU architecture of the jobs: images must be built for it.
   * @default ecs.CpuArchitecture.ARM64 (Graviton)
   */
  readonly cpuArchitecture?: ecs.CpuArchitecture;

  /**
   * EC2 instance types for `compute: BatchCompute.EC2`; they must match `cpuArchitecture`.
   * @default - m7g, c7g and r7g (ARM64) or m7i, c7i and r7i (X86_64) in sizes Batch chooses
   */
  readonly instanceTypes?: ec2.InstanceType[];

  /**
   * Priority of the default queue (`jobQueue`); queues with a higher priority are served first.
   * @default 10
   */
  readonly priority?: number;

  /**
   * Fair-share scheduling for every queue of this construct.
   * @default - first in, first out within a queue
   */
  readonly fairShare?: BatchFairShareOptions;

  /**
   * How long a job may wait in RUNNABLE at the head of a queue, blocked because no capacity fits it
   * (insufficient instance capacity, the compute environment's maximum, or a resource requirement
   * no environment meets), before Batch cancels it so the jobs behind it can run. The cancelled job
   * counts as failed (the `failedJobs` alarm); the `queueBlocked` alarm fires as soon as the queue
   * is blocked.
   * @default Duration.hours(4)
   */
  readonly runnableTimeout?: Duration;

  /**
   * How long job and event logs are kept.
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
}

/** Options for an extra queue of a {@link BatchJobQueue} (`addJobQueue`). */
export interface BatchQueueOptions {
  /** Priority of the queue (0 to 1000): queues with a higher priority are served first. */
  readonly priority: number;
}

/** The alarms of a {@link BatchJobQueue}, each notifying the alarm topic. */
export interface BatchJobQueueAlarms {
  /** A job of one of the queues failed (after its retries), or was cancelled after `runnableTimeout`. */
  readonly failedJobs: cloudwatch.Alarm;
  /** A RUNNABLE job blocks the head of a queue: no compute environment can place it. */
  readonly queueBlocked: cloudwatch.Alarm;
  /** Events (an upload, a schedule, a job event) could not be delivered and wait in the dead-letter queue. */
  readonly deadLetters: cloudwatch.Alarm;
}

/** Options for `submitOnSchedule`. */
export interface BatchScheduleOptions {
  /**
   * A description of the schedule.
   * @default - names the job definition and the construct
   */
  readonly description?: string;

  /**
   * The share identifier of the submitted jobs (up to 255 letters, digits, '-' and '_'). Required when the queue has
   * `fairShare`, refused when it has not: Batch's SubmitJob fails on a fair-share queue without one, and with one on
   * a queue without a scheduling policy.
   * @default - none (a queue without fairShare)
   */
  readonly shareIdentifier?: string;
}

/** Namespace of the metrics the construct derives from Batch events. */
const METRIC_NAMESPACE = 'CdkComputePatterns/Batch';

/** Construct id of the per-stack CloudWatch Logs resource policy for EventBridge: part of the API. */
const EVENTS_TO_LOGS_POLICY_ID = 'CdkComputePatternsEventsToLogs';

/** Event log groups are named under this prefix, which the per-stack resource policy covers. */
const EVENT_LOG_PREFIX = '/aws/events/cdk-compute-patterns/';

/** The blocked-in-RUNNABLE reasons Batch can act on (jobStateTimeLimitActions). */
const BLOCKED_REASONS = [
  batch.JobStateTimeLimitActionsReason.INSUFFICIENT_INSTANCE_CAPACITY,
  batch.JobStateTimeLimitActionsReason.COMPUTE_ENVIRONMENT_MAX_RESOURCE,
  batch.JobStateTimeLimitActionsReason.JOB_RESOURCE_REQUIREMENT,
];

/**
 * AWS Batch as one secure pattern: managed compute environments (Fargate by default, Fargate Spot
 * or EC2 with Spot first and On-Demand next) in private subnets across two or more Availability
 * Zones, job queues with priorities that share them, job definitions with a role each, encrypted
 * logs, triggers (a schedule, an S3 upload), and alarms on failed jobs and blocked queues.
 *
 * Update-safe: no custom physical names (CloudFormation can replace anything), and the Fargate
 * compute environments carry no `UpdatePolicy`, which Batch refuses on Fargate (aws-cdk#27054), so
 * changing `maxvCpus` or the subnets updates in place.
 */
export class BatchJobQueue extends Construct implements ec2.IConnectable {
  /** The VPC the jobs run in. */
  public readonly vpc: ec2.IVpc;
  /** The default job queue. */
  public readonly jobQueue: batch.JobQueue;
  /** Every queue of this construct: `jobQueue` first, then those added with `addJobQueue`. */
  public readonly jobQueues: batch.JobQueue[] = [];
  /** The compute environments, in the order the queues use them (Spot first when `spot`). */
  public readonly computeEnvironments: batch.IManagedComputeEnvironment[];
  /** The job definitions added with `addJobDefinition`. */
  public readonly jobDefinitions: BatchJobDefinition[] = [];
  /** The security group of the jobs (HTTPS out; add rules for what your jobs reach). */
  public readonly securityGroup: ec2.SecurityGroup;
  /** Network connections of the jobs. */
  public readonly connections: ec2.Connections;
  /** The log group of the jobs' containers. */
  public readonly logGroup: logs.ILogGroup;
  /** Failed-job events of the queues (what the `failedJobs` alarm counts). */
  public readonly failedJobsLogGroup: logs.LogGroup;
  /** Queue-blocked events of the queues (what the `queueBlocked` alarm counts). */
  public readonly blockedQueueLogGroup: logs.LogGroup;
  /** Receives events EventBridge or EventBridge Scheduler could not deliver. */
  public readonly deadLetterQueue: sqs.Queue;
  /** The fair-share scheduling policy, when `fairShare` is given. */
  public readonly schedulingPolicy?: batch.FairshareSchedulingPolicy;
  /** The SNS topic the alarms notify. */
  public readonly alarmTopic: sns.ITopic;
  /** The alarms. */
  public readonly alarms: BatchJobQueueAlarms;

  private readonly compute: BatchCompute;
  private readonly cpuArchitecture: ecs.CpuArchitecture;
  private readonly runnableTimeout: Duration;
  private readonly queueKey: SecureKey;
  /** Where the jobs run and how they reach AWS there, for the endpoints a job definition's secrets need. */
  private readonly endpointRequirements: Omit<ServiceEndpointRequirements, 'services'>;
  private submit?: { readonly role: iam.Role; readonly policy: iam.ManagedPolicy };

  constructor(scope: Construct, id: string, props: BatchJobQueueProps = {}) {
    super(scope, id);
    this.compute = props.compute ?? BatchCompute.FARGATE;
    const fargate = this.compute === BatchCompute.FARGATE;
    this.cpuArchitecture = props.cpuArchitecture ?? ecs.CpuArchitecture.ARM64;
    this.runnableTimeout = props.runnableTimeout ?? Duration.hours(4);
    const maxvCpus = props.maxvCpus ?? 256;
    validateQueueProps(this, props, maxvCpus, this.runnableTimeout, fargate);

    // Network.
    this.vpc = props.vpc ?? new SecureVpc(this, 'Vpc');
    const vpcSubnets = props.vpcSubnets ?? defaultPrivateSubnets(this.vpc);
    const selected = validateMultiAz(this, this.vpc, vpcSubnets, 'the jobs');
    const publicIds = new Set(this.vpc.publicSubnets.map((s) => s.subnetId));
    const publicSelected = selected.subnets.filter((s) => publicIds.has(s.subnetId));
    if (publicSelected.length > 0) {
      throw new Error(
        `${this.node.path}: vpcSubnets must select private subnets: jobs get no public IP address; received public subnets ${publicSelected.map((s) => s.node.path).join(', ')}. Select PRIVATE_WITH_EGRESS or PRIVATE_ISOLATED subnets`,
      );
    }
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: this.vpc,
      description: `Jobs of ${this.node.path}: HTTPS out; no inbound`,
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to image registries and AWS APIs');
    this.connections = this.securityGroup.connections;
    const A = ec2.InterfaceVpcEndpointAwsService;
    const services: RequiredServiceEndpoint[] = [
      { service: A.ECR, name: 'EcrApi' },
      { service: A.ECR_DOCKER, name: 'EcrDocker' },
      { service: A.CLOUDWATCH_LOGS, name: 'Logs' },
    ];
    if (!fargate) {
      services.push(
        { service: A.ECS, name: 'Ecs' },
        { service: A.ECS_AGENT, name: 'EcsAgent' },
        { service: A.ECS_TELEMETRY, name: 'EcsTelemetry' },
      );
    }
    this.endpointRequirements = {
      scope: this,
      vpc: this.vpc,
      subnets: selected,
      clients: [this.securityGroup],
      gateways: [ec2.GatewayVpcEndpointAwsService.S3],
      vpcEndpointsProvided: props.vpcEndpointsProvided,
    };
    ensureServiceEndpoints({ ...this.endpointRequirements, services });

    // Compute environments: Spot first, On-Demand next.
    const environments: batch.IManagedComputeEnvironment[] = [];
    for (const spot of props.spot ? [true, false] : [false]) {
      const envId = spot ? 'SpotEnvironment' : 'OnDemandEnvironment';
      environments.push(
        fargate
          ? this.fargateEnvironment(envId, spot, maxvCpus, vpcSubnets)
          : this.ec2Environment(envId, spot, maxvCpus, vpcSubnets, props.instanceTypes),
      );
    }
    this.computeEnvironments = environments;

    // Queues.
    if (props.fairShare) {
      this.schedulingPolicy = new batch.FairshareSchedulingPolicy(this, 'SchedulingPolicy', {
        shares: props.fairShare.shares,
        shareDecay: props.fairShare.shareDecay,
        computeReservation: props.fairShare.computeReservation,
      });
    }
    this.jobQueue = this.createQueue('JobQueue', props.priority ?? 10);

    // Logs, dead letters, the submit role of EventBridge and Scheduler.
    this.logGroup = new SecureLogGroup(this, 'LogGroup', { retention: props.logRetention });
    this.queueKey = new SecureKey(this, 'DeadLetterKey', {
      description: `Encrypts the dead-letter queue of ${this.node.path}`,
    });
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.queueKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // Marks the queue as a dead-letter queue (Control Tower CT.SQS.PR.1 skips those).
      redriveAllowPolicy: { redrivePermission: sqs.RedrivePermission.ALLOW_ALL },
    });
    const isDeadLetterQueue =
      'This queue is the dead-letter queue of the rules and schedules that submit jobs or record job events; a dead-letter queue of a dead-letter queue would only move the problem. An alarm fires on its first message.';
    acknowledge(
      this.deadLetterQueue,
      { id: 'AwsSolutions-SQS3', reason: isDeadLetterQueue },
      { id: 'Serverless-SQSRedrivePolicy', reason: isDeadLetterQueue },
    );
    // Alarms from Batch's own events.
    this.alarmTopic = alarmTopicFor(this, props.alarmTopic);
    this.failedJobsLogGroup = this.eventLogGroup('FailedJobsLogGroup', props.logRetention);
    this.blockedQueueLogGroup = this.eventLogGroup('BlockedQueueLogGroup', props.logRetention);
    this.recordEvents('FailedJobsRule', this.failedJobsLogGroup, 'FailedJobs', {
      detailType: ['Batch Job State Change'],
      status: ['FAILED'],
    });
    this.recordEvents('BlockedQueueRule', this.blockedQueueLogGroup, 'BlockedQueueEvents', {
      detailType: ['Batch Job Queue Blocked'],
    });
    this.alarms = {
      failedJobs: notifyingAlarm(this, 'FailedJobsAlarm', this.metricFailedJobs(), {
        description: `A job of ${this.node.path} failed after its retries (its events are in the FailedJobsLogGroup)`,
        threshold: 1,
        topic: this.alarmTopic,
      }),
      queueBlocked: notifyingAlarm(this, 'QueueBlockedAlarm', this.metricBlockedQueueEvents(), {
        description: `A RUNNABLE job blocks a queue of ${this.node.path}: no compute environment can place it (capacity, maxvCpus or its resource requirements)`,
        threshold: 1,
        topic: this.alarmTopic,
      }),
      deadLetters: notifyingAlarm(
        this,
        'DeadLetterAlarm',
        this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: 'Maximum',
        }),
        {
          description: `Events of ${this.node.path} could not be delivered (a submission or a job event) and wait in its dead-letter queue`,
          threshold: 1,
          topic: this.alarmTopic,
        },
      ),
    };
    this.allowEventBridgeDeadLetters();
  }

  /**
   * Adds a queue with its own priority, served by the same compute environments (the course's
   * "multiple queues with different priorities").
   */
  public addJobQueue(id: string, options: BatchQueueOptions): batch.JobQueue {
    const queue = this.createQueue(id, options.priority);
    return queue;
  }

  /**
   * Adds an ECS job definition: see {@link BatchJobDefinition} for its secure defaults.
   */
  public addJobDefinition(id: string, options: BatchJobDefinitionOptions): BatchJobDefinition {
    // The image must be reachable (a public registry is refused in subnets without egress, Docker Hub warned about),
    // as for the ECS services' containers. In subnets without egress ECS reads the job's secrets through the Secrets Manager / SSM interface endpoints
    // (added to the VPC, or refused as for the queue's own endpoints). Jobs start only when submitted, after the
    // stack is deployed, so nothing has to wait for them.
    const { vpc, subnets } = this.endpointRequirements;
    checkImageRegistry(this, options.image, isolatedSubnetsOf(vpc, subnets), `addJobDefinition('${id}') image`);
    const secretEndpoints = secretServiceEndpoints(options.secrets);
    if (secretEndpoints.length > 0) ensureServiceEndpoints({ ...this.endpointRequirements, services: secretEndpoints });
    const definition = new BatchJobDefinition(this, id, {
      ...options,
      logGroup: this.logGroup,
      fargate: this.compute === BatchCompute.FARGATE,
      cpuArchitecture: this.cpuArchitecture,
    });
    this.jobDefinitions.push(definition);
    return definition;
  }

  /**
   * Lets `grantee` submit jobs of `definition` (every revision) to every queue of this construct.
   */
  public grantSubmitJob(grantee: iam.IGrantable, definition: BatchJobDefinition): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['batch:SubmitJob'],
      resourceArns: [...this.jobQueues.map((q) => q.jobQueueArn), definition.jobDefinitionArnAnyRevision],
    });
  }

  /**
   * Submits a job of `definition` to the default queue on `schedule` (EventBridge Scheduler).
   * Missed submissions are retried for an hour, then land in the dead-letter queue.
   */
  public submitOnSchedule(
    id: string,
    schedule: scheduler.ScheduleExpression,
    definition: BatchJobDefinition,
    options: BatchScheduleOptions = {},
  ): scheduler.CfnSchedule {
    const share = options.shareIdentifier;
    if (this.schedulingPolicy && share === undefined) {
      throw new Error(
        `${this.node.path}: submitOnSchedule('${id}') needs a shareIdentifier: the queues have fairShare, and Batch refuses a job without a share identifier on a fair-share queue. Pass shareIdentifier (the shares: ${this.schedulingPolicy.shares.map((x) => `'${x.shareIdentifier}'`).join(', ') || 'none yet'})`,
      );
    }
    if (!this.schedulingPolicy && share !== undefined) {
      throw new Error(
        `${this.node.path}: submitOnSchedule('${id}') shareIdentifier is only for queues with fairShare (Batch refuses a share identifier on a queue without a scheduling policy); received '${share}'. Leave it out, or give the construct fairShare`,
      );
    }
    if (share !== undefined && !Token.isUnresolved(share) && !/^[A-Za-z0-9_-]{1,255}$/.test(share)) {
      throw new Error(
        `${this.node.path}: submitOnSchedule('${id}') shareIdentifier must be 1 to 255 letters, digits, '-' and '_'; received '${share}'`,
      );
    }
    this.allowSubmit(definition);
    const name = Names.uniqueResourceName(this, { maxLength: 48 }) + `-${id}`.slice(0, 15);
    const cfnSchedule = new scheduler.CfnSchedule(this, `${id}Schedule`, {
      description: options.description ?? `Submits ${definition.node.path} to ${this.node.path}`,
      scheduleExpression: schedule.expressionString,
      scheduleExpressionTimezone: schedule.timeZone?.timezoneName,
      flexibleTimeWindow: { mode: 'OFF' },
      state: 'ENABLED',
      target: {
        // The universal target calls Batch's SubmitJob with the submit role.
        arn: `arn:${Aws.PARTITION}:scheduler:::aws-sdk:batch:submitJob`,
        roleArn: this.submitAccess().role.roleArn,
        input: Stack.of(this).toJsonString({
          JobName: name.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 128),
          JobQueue: this.jobQueue.jobQueueArn,
          JobDefinition: definition.jobDefinitionArn,
          ...(share !== undefined ? { ShareIdentifier: share } : {}),
        }),
        retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 8 },
        deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
      },
    });
    this.submitAccess().policy.addStatements(
      new iam.PolicyStatement({
        sid: `DeadLettersOf${id}`.replace(/[^A-Za-z0-9]/g, ''),
        actions: ['sqs:SendMessage'],
        resources: [this.deadLetterQueue.queueArn],
      }),
    );
    this.allowScheduleDeadLetters();
    cfnSchedule.node.addDependency(this.submitAccess().policy);
    return cfnSchedule;
  }

  /**
   * Submits a job of `definition` to the default queue for each object created in `bucket` under
   * `prefix` (S3 → EventBridge → Batch). The job gets the object as the parameters `bucket` and `key`:
   * use `Ref::bucket` and `Ref::key` in the definition's `command`. The bucket must send its events to
   * EventBridge (`SecureBucket.enableNativeEventBridge(bucket)` for a bucket of the app).
   */
  public submitOnUpload(id: string, bucket: s3.IBucket, prefix: string, definition: BatchJobDefinition): events.Rule {
    if (!Token.isUnresolved(prefix) && prefix.length > 0 && !prefix.endsWith('/')) {
      throw new Error(
        `${this.node.path}: the prefix of submitOnUpload must be empty or end in '/' (such as 'incoming/'); received '${prefix}'`,
      );
    }
    if (this.schedulingPolicy) {
      throw new Error(
        `${this.node.path}: submitOnUpload('${id}') cannot submit to these queues: they have fairShare, and Batch refuses a job without a share identifier there, which an EventBridge Batch target cannot set (its BatchParameters have no share identifier). Submit from your own code or a Lambda function with SubmitJob and a shareIdentifier, or use a BatchJobQueue without fairShare for uploads`,
      );
    }
    this.allowSubmit(definition);
    const ruleName = this.ruleName(`${id}Upload`);
    const rule = new events.Rule(this, `${id}UploadRule`, {
      ruleName,
      description: `Submits ${definition.node.path} for objects created under ${prefix || '(any key)'}`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [bucket.bucketName] },
          ...(prefix ? { object: { key: [{ prefix } as unknown as string] } } : {}),
        },
      },
    });
    const submitRole = this.submitAccess().role;
    const jobName = Names.uniqueResourceName(rule, { maxLength: 128 });
    const queueArn = this.jobQueue.jobQueueArn;
    rule.addTarget({
      bind: () => ({
        arn: queueArn,
        role: submitRole,
        batchParameters: { jobDefinition: definition.jobDefinitionArn, jobName },
        input: events.RuleTargetInput.fromObject({
          Parameters: {
            bucket: events.EventField.fromPath('$.detail.bucket.name'),
            key: events.EventField.fromPath('$.detail.object.key'),
          },
        }),
        deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
        retryPolicy: { maximumEventAgeInSeconds: 86400, maximumRetryAttempts: 8 },
      }),
    });
    return rule;
  }

  /** Failed jobs of the queues (after retries, and jobs cancelled after `runnableTimeout`). */
  public metricFailedJobs(options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.eventMetric('FailedJobs', options);
  }

  /** Queue-blocked events: a RUNNABLE job at the head of a queue that no compute environment can place. */
  public metricBlockedQueueEvents(options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.eventMetric('BlockedQueueEvents', options);
  }

  private eventMetric(name: string, options: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRIC_NAMESPACE,
      metricName: this.metricName(name),
      period: Duration.minutes(5),
      statistic: 'Sum',
      ...options,
    });
  }

  /**
   * Metric filters cannot set a fixed dimension value, so each construct's metrics carry its unique
   * name (stack and path) in the metric name.
   */
  private metricName(name: string): string {
    return `${Names.uniqueResourceName(this, { maxLength: 200 })}-${name}`;
  }

  private createQueue(id: string, priority: number): batch.JobQueue {
    if (!Token.isUnresolved(priority) && (!Number.isInteger(priority) || priority < 0 || priority > 1000)) {
      throw new Error(
        `${this.node.path}: the priority of queue ${id} must be an integer from 0 to 1000; received ${priority}`,
      );
    }
    const clash = this.jobQueues.find((q) => q.priority === priority);
    if (clash && !Token.isUnresolved(priority)) {
      throw new Error(
        `${this.node.path}: queue ${id} has priority ${priority}, the same as ${clash.node.id}; queues sharing compute environments need distinct priorities, or which is served first is undefined`,
      );
    }
    const queue = new batch.JobQueue(this, id, {
      priority,
      schedulingPolicy: this.schedulingPolicy,
      computeEnvironments: this.computeEnvironments.map((computeEnvironment, i) => ({
        computeEnvironment,
        order: i + 1,
      })),
      jobStateTimeLimitActions: BLOCKED_REASONS.map((reason) => ({
        action: batch.JobStateTimeLimitActionsAction.CANCEL,
        maxTime: this.runnableTimeout,
        reason,
        state: batch.JobStateTimeLimitActionsState.RUNNABLE,
      })),
    });
    this.jobQueues.push(queue);
    return queue;
  }

  private fargateEnvironment(
    id: string,
    spot: boolean,
    maxvCpus: number,
    vpcSubnets: ec2.SubnetSelection,
  ): batch.FargateComputeEnvironment {
    const environment = new batch.FargateComputeEnvironment(this, id, {
      vpc: this.vpc,
      vpcSubnets,
      spot,
      maxvCpus,
      securityGroups: [this.securityGroup],
    });
    // Batch refuses an update that carries UpdatePolicy (or the other EC2-only settings) for a Fargate
    // environment, so every later change to maxvCpus or the subnets would fail (aws-cdk#27054).
    const cfn = environment.node.defaultChild as batch.CfnComputeEnvironment;
    cfn.addPropertyDeletionOverride('UpdatePolicy');
    cfn.addPropertyDeletionOverride('ReplaceComputeEnvironment');
    return environment;
  }

  private ec2Environment(
    id: string,
    spot: boolean,
    maxvCpus: number,
    vpcSubnets: ec2.SubnetSelection,
    instanceTypes: ec2.InstanceType[] | undefined,
  ): batch.ManagedEc2EcsComputeEnvironment {
    const arm = this.cpuArchitecture === ecs.CpuArchitecture.ARM64;
    // Batch sets the instance role, the subnets and the security groups from the compute environment.
    const launchTemplate = hardenedLaunchTemplate(this, `${id}LaunchTemplate`, {
      rootVolumeSize: Size.gibibytes(30),
      networkInterface: false,
    });
    const instanceRole = new iam.Role(this, `${id}InstanceRole`, {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: `Container instances of ${this.node.path}: the ECS agent only`,
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonEC2ContainerServiceforEC2Role')],
    });
    acknowledge(instanceRole, {
      id: managedPolicyFinding('service-role/AmazonEC2ContainerServiceforEC2Role'),
      reason:
        'The AWS managed policy AWS Batch documents for its ECS container instances: the ECS agent creates or joins the cluster, registers the instance, polls for tasks, tags its resources, pulls images from ECR and writes container logs with it. Jobs get their own task role, and IMDSv2 with a hop limit of 1 keeps containers off the instance role.',
    });
    const types = instanceTypes ?? defaultInstanceTypes(arm);
    return new batch.ManagedEc2EcsComputeEnvironment(this, id, {
      vpc: this.vpc,
      vpcSubnets,
      spot,
      maxvCpus,
      minvCpus: 0,
      securityGroups: [this.securityGroup],
      instanceRole,
      instanceTypes: types,
      useOptimalInstanceClasses: false,
      launchTemplate,
      allocationStrategy: spot
        ? batch.AllocationStrategy.SPOT_PRICE_CAPACITY_OPTIMIZED
        : batch.AllocationStrategy.BEST_FIT_PROGRESSIVE,
      images: [{ imageType: batch.EcsMachineImageType.ECS_AL2023 }],
      updateToLatestImageVersion: true,
      replaceComputeEnvironment: false,
    });
  }

  /** The role EventBridge and Scheduler submit jobs with, and its policy: created with the first trigger. */
  private submitAccess(): { readonly role: iam.Role; readonly policy: iam.ManagedPolicy } {
    if (this.submit) return this.submit;
    const role = new iam.Role(this, 'SubmitRole', {
      assumedBy: new iam.CompositePrincipal(
        new iam.ServicePrincipal('events.amazonaws.com', {
          conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
        }),
        new iam.ServicePrincipal('scheduler.amazonaws.com', {
          conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
        }),
      ),
      description: `Submits the jobs of ${this.node.path} for its upload rules and schedules`,
    });
    const policy = new iam.ManagedPolicy(this, 'SubmitPolicy', {
      roles: [role],
      description: `Submit jobs to the queues of ${this.node.path}; nothing else`,
    });

    this.submit = { role, policy };
    return this.submit;
  }

  /** Lets the submit role submit `definition` to the default queue. */
  private allowSubmit(definition: BatchJobDefinition): void {
    const policy = this.submitAccess().policy;
    policy.addStatements(
      new iam.PolicyStatement({
        actions: ['batch:SubmitJob'],
        resources: [this.jobQueue.jobQueueArn, definition.jobDefinitionArnAnyRevision],
      }),
    );
    acknowledge(policy, {
      id: wildcardResourceFinding(policy, definition.jobDefinitionArnAnyRevision),
      reason: `The only wildcard is the revision of the job definition ${definition.node.path}: each deployment that changes it registers a new revision, and the schedules and rules submit the current one.`,
    });
  }

  /**
   * Rules get fixed names under one prefix, so the dead-letter queue's key and queue policies can name
   * them (`<prefix>-*`) without a reference to each rule (key -> queue -> rule -> key would be a cycle).
   */
  private ruleName(id: string): string {
    return `${this.namePrefix}-${id}`.slice(0, 64);
  }

  private get namePrefix(): string {
    return Names.uniqueResourceName(this, { maxLength: 32 });
  }

  /** A log group that EventBridge writes events to (named under the prefix the stack's resource policy covers). */
  private eventLogGroup(id: string, retention: logs.RetentionDays | undefined): SecureLogGroup {
    const group = new SecureLogGroup(this, id, {
      retention,
      // Under the prefix the resource policy names; kept on delete, the name ends with the stack id's UUID, so a
      // destroyed stack deploys again (fixedNameLogGroupProps).
      ...fixedNameLogGroupProps(EVENT_LOG_PREFIX + Names.uniqueResourceName(this, { maxLength: 400 }) + '/' + id),
    });
    eventsToLogsPolicy(this);
    return group;
  }

  /** Sends the Batch events of this construct's queues that match `detail` to `logGroup`, and counts them. */
  private recordEvents(
    id: string,
    logGroup: logs.LogGroup,
    metric: string,
    match: { readonly detailType: string[]; readonly status?: string[] },
  ): void {
    const rule = new events.Rule(this, id, {
      ruleName: this.ruleName(id),
      description: `Records ${match.detailType.join(', ')} events of the queues of ${this.node.path}`,
      eventPattern: {
        source: ['aws.batch'],
        detailType: match.detailType,
        detail: {
          // The queues are known only once the construct is complete (addJobQueue).
          jobQueue: Lazy.list({ produce: () => this.jobQueues.map((q) => q.jobQueueArn) }),
          ...(match.status ? { status: match.status } : {}),
        },
      },
    });
    const logGroupArn = Stack.of(this).formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: logGroup.logGroupName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    rule.addTarget({
      bind: () => ({
        arn: logGroupArn,
        deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
        retryPolicy: { maximumEventAgeInSeconds: 86400, maximumRetryAttempts: 8 },
      }),
    });
    new logs.MetricFilter(this, `${id}Metric`, {
      logGroup,
      filterPattern: logs.FilterPattern.allEvents(),
      metricNamespace: METRIC_NAMESPACE,
      metricName: this.metricName(metric),
      metricValue: '1',
    });
  }

  /** EventBridge must be able to use the dead-letter queue's key: for this construct's rules, in this account only. */
  private allowEventBridgeDeadLetters(): void {
    this.queueKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowEventBridgeDeadLettersOfTheRules',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'aws:SourceArn': Stack.of(this).formatArn({
              service: 'events',
              resource: 'rule',
              resourceName: `${this.namePrefix}-*`,
            }),
          },
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
        },
      }),
    );
    this.deadLetterQueue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowEventBridgeDeadLetters',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.deadLetterQueue.queueArn],
        conditions: {
          ArnLike: {
            'aws:SourceArn': Stack.of(this).formatArn({
              service: 'events',
              resource: 'rule',
              resourceName: `${this.namePrefix}-*`,
            }),
          },
        },
      }),
    );
  }

  private scheduleDeadLettersAllowed = false;

  /** Scheduler sends dead letters with the submit role: it needs the queue's key. */
  private allowScheduleDeadLetters(): void {
    if (this.scheduleDeadLettersAllowed) return;
    this.scheduleDeadLettersAllowed = true;
    this.submitAccess().policy.addStatements(
      new iam.PolicyStatement({
        sid: 'EncryptDeadLetters',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [this.queueKey.keyArn],
      }),
    );
  }
}

/** The Graviton or x86 general-purpose, compute and memory families, current generation. */
function defaultInstanceTypes(arm: boolean): ec2.InstanceType[] {
  const classes = arm
    ? [ec2.InstanceClass.M7G, ec2.InstanceClass.C7G, ec2.InstanceClass.R7G]
    : [ec2.InstanceClass.M7I, ec2.InstanceClass.C7I, ec2.InstanceClass.R7I];
  return classes.map((c) => ec2.InstanceType.of(c, ec2.InstanceSize.LARGE));
}

/**
 * The per-stack CloudWatch Logs resource policy that lets EventBridge write to the event log groups of
 * the patterns (named under `/aws/events/cdk-compute-patterns/`), for rules of this account only.
 * Native CloudFormation, created once per stack: an account has at most 10 such policies per Region.
 */
function eventsToLogsPolicy(scope: Construct): void {
  const stack = Stack.of(scope);
  if (stack.node.tryFindChild(EVENTS_TO_LOGS_POLICY_ID)) return;
  new logs.CfnResourcePolicy(stack, EVENTS_TO_LOGS_POLICY_ID, {
    policyName: `${stack.stackName}-events-to-logs`.slice(0, 255),
    policyDocument: stack.toJsonString({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'EventBridgeToPatternEventLogs',
          Effect: 'Allow',
          Principal: { Service: ['events.amazonaws.com', 'delivery.logs.amazonaws.com'] },
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:${EVENT_LOG_PREFIX}*`,
          Condition: {
            StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
            ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:events:${Aws.REGION}:${Aws.ACCOUNT_ID}:rule/*` },
          },
        },
      ],
    }),
  });
}

function validateQueueProps(
  scope: Construct,
  props: BatchJobQueueProps,
  maxvCpus: number,
  runnableTimeout: Duration,
  fargate: boolean,
): void {
  const path = scope.node.path;
  if (!Token.isUnresolved(maxvCpus) && (!Number.isInteger(maxvCpus) || maxvCpus < 1)) {
    throw new Error(`${path}: maxvCpus must be a whole number of at least 1; received ${maxvCpus}`);
  }
  const seconds = runnableTimeout.toSeconds();
  if (!Token.isUnresolved(seconds) && (seconds < 600 || seconds > 86400)) {
    throw new Error(
      `${path}: runnableTimeout must be from 10 minutes to 24 hours (AWS Batch's limits for jobStateTimeLimitActions); received ${seconds} seconds`,
    );
  }
  if (fargate && props.instanceTypes) {
    throw new Error(
      `${path}: instanceTypes apply to compute: BatchCompute.EC2 only; Fargate chooses its own capacity. Remove instanceTypes or set compute: BatchCompute.EC2`,
    );
  }
  const reservation = props.fairShare?.computeReservation;
  if (reservation !== undefined && !Token.isUnresolved(reservation) && (reservation < 0 || reservation > 99)) {
    throw new Error(`${path}: fairShare.computeReservation must be a percentage from 0 to 99; received ${reservation}`);
  }
  if (props.fairShare && props.fairShare.shares.length === 0) {
    throw new Error(`${path}: fairShare.shares must name at least one share identifier; received none`);
  }
}
