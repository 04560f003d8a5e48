import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticbeanstalk from 'aws-cdk-lib/aws-elasticbeanstalk';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { alarmTopicFor, notifyingAlarm } from '../common/alarm-topic';
import { acknowledge } from '../common/nag';
import { SecureKey } from '../common/secure-key';
import { validateIntegerInRange, withConstructPath } from '../common/validation';
import { BeanstalkEnvironmentOptions } from './beanstalk-options';
import { BeanstalkWebApp } from './beanstalk-web-app';
import {
  buildEnvironment,
  environmentHealthAlarm,
  environmentHealthMetric,
  num,
  setting,
  validateCommon,
} from './private/environment';

/**
 * Properties for a BeanstalkWorker.
 */
/** The SQS daemon's option ranges (Elastic Beanstalk Developer Guide, namespace aws:elasticbeanstalk:sqsd). */
const MAX_SQSD_INACTIVITY_SECONDS = 36000;
const MAX_SQSD_RETRIES = 100;

export interface BeanstalkWorkerProps extends BeanstalkEnvironmentOptions {
  /**
   * The web app whose Elastic Beanstalk application the worker joins (one application, two environments).
   * @default - the worker creates an application of its own
   */
  readonly application?: BeanstalkWebApp;

  /**
   * The path on the instances the SQS daemon POSTs each message to.
   * @default '/'
   */
  readonly httpPath?: string;

  /**
   * How long a message stays invisible while the application processes it: the daemon waits up to this long
   * (less one second, and at most 36,000 seconds, the most its InactivityTimeout takes) for the application's
   * answer. Whole seconds, 2 to 43,200.
   * @default Duration.minutes(5)
   */
  readonly visibilityTimeout?: Duration;

  /**
   * How often a message is received (and failed) before it moves to the dead-letter queue: 1 to 100 (the SQS
   * daemon's MaxRetries takes no more).
   * @default 5
   */
  readonly maxReceiveCount?: number;

  /**
   * The KMS key that encrypts the queue and the dead-letter queue.
   * @default - a new SecureKey (rotation on)
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * What happens to the queues and their key when they leave the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The alarms a BeanstalkWorker raises. Each notifies the alarm topic.
 */
export interface BeanstalkWorkerAlarms {
  /** Enhanced health reported Degraded or Severe for 5 minutes. */
  readonly environmentHealth: cloudwatch.Alarm;
  /** A message landed in the dead-letter queue. */
  readonly deadLetter: cloudwatch.Alarm;
}

/**
 * An Elastic Beanstalk worker: a worker-tier environment whose SQS daemon reads an encrypted queue and POSTs
 * each message to the application, with a dead-letter queue and an alarm on it, in the application of a
 * BeanstalkWebApp (or its own). The same secure defaults as BeanstalkWebApp (enhanced health, managed
 * updates, CloudWatch Logs streaming, IMDSv2 only, private instances); the instance role may use this queue
 * and its key only.
 */
export class BeanstalkWorker extends Construct implements ec2.IConnectable, iam.IGrantable {
  /** The Elastic Beanstalk application (shared with `props.application` when given). */
  public readonly application: elasticbeanstalk.CfnApplication;
  /** The application version created from `sourcePath`. */
  public readonly applicationVersion: elasticbeanstalk.CfnApplicationVersion;
  /** The worker-tier environment. */
  public readonly environment: elasticbeanstalk.CfnEnvironment;
  /** The environment's name. */
  public readonly environmentName: string;
  /** The queue the worker reads: send jobs to it (`worker.queue.grantSendMessages(producer)`). */
  public readonly queue: sqs.Queue;
  /** Messages the application failed `maxReceiveCount` times. */
  public readonly deadLetterQueue: sqs.Queue;
  /** The key of both queues. */
  public readonly encryptionKey: kms.IKey;
  /** The VPC the environment runs in. */
  public readonly vpc: ec2.IVpc;
  /** The instance role (grant your application's permissions to it). */
  public readonly instanceRole: iam.Role;
  /** The service role Elastic Beanstalk monitors enhanced health with. */
  public readonly serviceRole: iam.Role;
  /** A security group of the instances, next to the one Elastic Beanstalk manages: no ingress. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** The instances' network connections. */
  public readonly connections: ec2.Connections;
  /** The instance role, for `grant*()` calls. */
  public readonly grantPrincipal: iam.IPrincipal;
  /** The topic the alarms notify. */
  public readonly alarmTopic: sns.ITopic;
  /** The worker's alarms, each notifying `alarmTopic`. */
  public readonly alarms: BeanstalkWorkerAlarms;

  constructor(scope: Construct, id: string, props: BeanstalkWorkerProps) {
    super(scope, id);
    const visibility = props.visibilityTimeout ?? Duration.minutes(5);
    const maxReceiveCount = props.maxReceiveCount ?? 5;
    const httpPath = props.httpPath ?? '/';
    const validated = withConstructPath(this, () => {
      const common = validateCommon(props);
      // Both the queue's redrive policy (1 to 1,000) and the daemon's MaxRetries (1 to 100) get it.
      validateIntegerInRange('maxReceiveCount', maxReceiveCount, 1, MAX_SQSD_RETRIES);
      if (!visibility.isUnresolved()) {
        const seconds = visibility.toSeconds();
        if (!Number.isInteger(seconds) || seconds < 2 || seconds > 43200) {
          throw new Error(
            `visibilityTimeout must be whole seconds between 2 and 43,200 (12 hours); received ${visibility.toHumanString()}`,
          );
        }
      }
      if (!Token.isUnresolved(httpPath) && !httpPath.startsWith('/')) {
        throw new Error(`httpPath must start with '/'; received '${httpPath}'`);
      }
      return common;
    });

    this.application =
      props.application?.application ??
      new elasticbeanstalk.CfnApplication(this, 'Application', {
        description: `${this.node.path} (cdk-compute-patterns)`,
      });

    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.encryptionKey =
      props.encryptionKey ??
      new SecureKey(this, 'QueueKey', { description: `Encrypts the queues of ${this.node.path}`, removalPolicy });
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      redriveAllowPolicy: { redrivePermission: sqs.RedrivePermission.ALLOW_ALL },
      removalPolicy,
    });
    const isDeadLetterQueue =
      "This queue is the worker queue's dead-letter queue; a dead-letter queue of a dead-letter queue would only move the problem. An alarm fires on its first message.";
    acknowledge(
      this.deadLetterQueue,
      { id: 'AwsSolutions-SQS3', reason: isDeadLetterQueue },
      { id: 'Serverless-SQSRedrivePolicy', reason: isDeadLetterQueue },
    );
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.encryptionKey,
      enforceSSL: true,
      visibilityTimeout: visibility,
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
      removalPolicy,
    });

    const seconds = visibility.toSeconds();
    const built = buildEnvironment(
      this,
      props,
      this.application,
      {
        tier: 'Worker',
        settings: () => [
          setting('aws:elasticbeanstalk:sqsd', 'WorkerQueueURL', this.queue.queueUrl),
          setting('aws:elasticbeanstalk:sqsd', 'HttpPath', httpPath),
          setting('aws:elasticbeanstalk:sqsd', 'MimeType', 'application/json'),
          setting('aws:elasticbeanstalk:sqsd', 'VisibilityTimeout', num(seconds)),
          // The daemon gives up on the application's answer before the message becomes visible again (and
          // InactivityTimeout takes at most 36,000 seconds: above it Elastic Beanstalk refuses the environment).
          setting(
            'aws:elasticbeanstalk:sqsd',
            'InactivityTimeout',
            Token.isUnresolved(seconds) ? num(seconds) : String(Math.min(seconds - 1, MAX_SQSD_INACTIVITY_SECONDS)),
          ),
          setting('aws:elasticbeanstalk:sqsd', 'MaxRetries', num(maxReceiveCount)),
        ],
        healthConfig: { Version: 1 },
      },
      validated,
    );
    // The worker daemon: this queue only, and its key for the messages (cron.yaml periodic tasks send to it too).
    built.platformPolicy.addStatements(
      new iam.PolicyStatement({
        sid: 'WorkerDaemonQueue',
        actions: [
          'sqs:ReceiveMessage',
          'sqs:DeleteMessage',
          'sqs:ChangeMessageVisibility',
          'sqs:SendMessage',
          'sqs:GetQueueAttributes',
          'sqs:GetQueueUrl',
        ],
        resources: [this.queue.queueArn],
      }),
      new iam.PolicyStatement({
        sid: 'WorkerDaemonQueueKey',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [this.encryptionKey.keyArn],
      }),
    );
    // Enhanced health of a worker environment reads the queue's attributes.
    built.serviceRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
        resources: [this.queue.queueArn],
      }),
    );

    this.applicationVersion = built.applicationVersion;
    this.environment = built.environment;
    this.environmentName = built.environmentName;
    this.vpc = built.vpc;
    this.instanceRole = built.instanceRole;
    this.serviceRole = built.serviceRole;
    this.securityGroup = built.securityGroup;
    this.connections = new ec2.Connections({ securityGroups: [this.securityGroup] });
    this.grantPrincipal = this.instanceRole;

    this.alarmTopic = alarmTopicFor(this, props.alarmTopic);
    this.alarms = {
      environmentHealth: environmentHealthAlarm(this, this.environmentName, this.alarmTopic),
      deadLetter: notifyingAlarm(this, 'DeadLetterAlarm', this.metricDeadLetterMessages(), {
        description: `Messages of ${this.node.path} failed ${maxReceiveCount} times and landed in the dead-letter queue`,
        threshold: 1,
        topic: this.alarmTopic,
      }),
    };
  }

  /**
   * The environment's enhanced health (the `environmentHealth` alarm's metric).
   * @default - maximum over 1 minute
   */
  public metricEnvironmentHealth(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return environmentHealthMetric(this.environmentName, props);
  }

  /**
   * Messages waiting in the dead-letter queue (the `deadLetter` alarm's metric).
   * @default - maximum over 1 minute
   */
  public metricDeadLetterMessages(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      statistic: 'Maximum',
      period: Duration.minutes(1),
      ...props,
    });
  }

  /**
   * Messages waiting in the queue (backlog).
   * @default - maximum over 5 minutes
   */
  public metricQueueDepth(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', ...props });
  }
}
