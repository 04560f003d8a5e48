import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';

/**
 * How a new application version reaches the instances of an Elastic Beanstalk
 * environment (docs/BEANSTALK.md, "Deployment policies", compares them).
 */
export enum BeanstalkDeploymentPolicy {
  /** Every instance at once: fastest and cheapest, with downtime, and a failed version breaks every instance. */
  ALL_AT_ONCE = 'AllAtOnce',
  /** Batch by batch on the running instances: no extra cost, capacity reduced by one batch during the deployment. */
  ROLLING = 'Rolling',
  /** A new batch is launched first, then batch by batch: full capacity throughout, one extra batch billed while deploying. */
  ROLLING_WITH_ADDITIONAL_BATCH = 'RollingWithAdditionalBatch',
  /** A second Auto Scaling group with the new version, swapped in once healthy: full capacity, fastest rollback, double the instances while deploying. */
  IMMUTABLE = 'Immutable',
  /** Like immutable, but a share of the traffic goes to the new instances for an evaluation time before all of it (canary). */
  TRAFFIC_SPLITTING = 'TrafficSplitting',
}

/** How a rolling deployment's batch size is counted. */
export enum BeanstalkBatchSizeType {
  /** A percentage (1 to 100) of the instances. */
  PERCENTAGE = 'Percentage',
  /** A fixed number of instances. */
  FIXED = 'Fixed',
}

/** The platform updates Elastic Beanstalk applies on its own in the maintenance window. */
export enum BeanstalkUpdateLevel {
  /** Minor and patch versions of the platform branch (new features, no breaking change). */
  MINOR = 'minor',
  /** Patch versions only (fixes and security updates). */
  PATCH = 'patch',
}

/**
 * One Elastic Beanstalk option setting: the escape hatch for any option the
 * typed props do not cover (https://docs.aws.amazon.com/elasticbeanstalk/latest/dg/command-options-general.html).
 */
export interface BeanstalkOptionSetting {
  /**
   * The namespace, e.g. `aws:elasticbeanstalk:environment:proxy` (called `optionNamespace`, not `namespace`:
   * `namespace` is a reserved word in C#, one of the languages jsii publishes to).
   */
  readonly optionNamespace: string;
  /** The option name, e.g. `ProxyServer`. */
  readonly optionName: string;
  /** The value, as a string. */
  readonly value: string;
  /**
   * The name of the resource the option applies to (only some options, e.g. scheduled actions).
   * @default - none
   */
  readonly resourceName?: string;
}

/**
 * The properties every Elastic Beanstalk environment of the library accepts
 * (BeanstalkWebApp and BeanstalkWorker).
 */
export interface BeanstalkEnvironmentOptions {
  /**
   * The application source: a directory (zipped by CDK) or a `.zip` file, uploaded as an asset and
   * registered as an application version.
   */
  readonly sourcePath: string;

  /**
   * The platform version's solution stack name, e.g. '64bit Amazon Linux 2023 v6.10.0 running Node.js 22'.
   * Elastic Beanstalk retires old versions; managed platform updates keep a running environment current,
   * and this name only matters when the environment is created or replaced.
   * @default BeanstalkWebApp.DEFAULT_SOLUTION_STACK_NAME (Node.js 24 on Amazon Linux 2023), unless `platformArn` is given
   */
  readonly solutionStackName?: string;

  /**
   * The ARN of the platform version (instead of `solutionStackName`), e.g. for a custom platform.
   * @default - the solution stack `solutionStackName`
   */
  readonly platformArn?: string;

  /**
   * The environment's name (4 to 40 letters, digits and hyphens); it scopes the IAM permissions and names
   * the CloudWatch log groups (`/aws/elasticbeanstalk/<name>/...`).
   * @default - derived from the construct path
   */
  readonly environmentName?: string;

  /**
   * The VPC to run in.
   * @default - a new SecureVpc (two or more Availability Zones, flow logs on)
   */
  readonly vpc?: ec2.IVpc;

  /**
   * The subnets the instances run in: private subnets of two or more Availability Zones.
   * @default - the VPC's private subnets (with egress if it has them, isolated otherwise)
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Whether the VPC already has the endpoints the instances need when their subnets have no route to the
   * internet: elasticbeanstalk, elasticbeanstalk-health, cloudformation, sqs and logs interface endpoints
   * and the S3 gateway endpoint. Ignored when the subnets have egress.
   * @default false - the construct adds the missing endpoints to a VPC defined in the same stack, and refuses other VPCs with isolated subnets
   */
  readonly vpcEndpointsProvided?: boolean;

  /**
   * The instance types, in order of preference; all of one CPU architecture.
   * @default - c7g.medium and m7g.medium (Graviton3, not burstable)
   */
  readonly instanceTypes?: ec2.InstanceType[];

  /**
   * The fewest instances. 2 or more keep the environment serving when an instance or an Availability Zone
   * fails; 1 synthesizes with the warning `cdk-compute-patterns:singleInstance`.
   * @default 2
   */
  readonly minCapacity?: number;

  /**
   * The most instances the environment scales out to.
   * @default 4
   */
  readonly maxCapacity?: number;

  /**
   * Environment variables of the application (`process.env` in Node.js). Never secrets: they are readable by
   * anyone who can describe the environment; names that mark a secret are refused.
   * @default - none
   */
  readonly environment?: { [key: string]: string };

  /**
   * How application versions are deployed.
   * @default BeanstalkDeploymentPolicy.IMMUTABLE
   */
  readonly deploymentPolicy?: BeanstalkDeploymentPolicy;

  /**
   * Size of each batch of a ROLLING or ROLLING_WITH_ADDITIONAL_BATCH deployment (only those policies use
   * batches).
   * @default - 1 instance (BeanstalkBatchSizeType.FIXED) with a rolling policy
   */
  readonly deploymentBatchSize?: number;

  /**
   * How `deploymentBatchSize` is counted.
   * @default BeanstalkBatchSizeType.FIXED
   */
  readonly deploymentBatchSizeType?: BeanstalkBatchSizeType;

  /**
   * Percentage of traffic (1 to 100) the new instances receive during a TRAFFIC_SPLITTING deployment's evaluation.
   * @default 10 with TRAFFIC_SPLITTING
   */
  readonly trafficSplitPercent?: number;

  /**
   * How long a TRAFFIC_SPLITTING deployment evaluates the new instances before shifting all traffic
   * (whole minutes, 3 to 600).
   * @default Duration.minutes(5) with TRAFFIC_SPLITTING
   */
  readonly trafficSplitEvaluationTime?: Duration;

  /**
   * The weekly maintenance window in which managed platform updates start, `Day:HH:MM` in UTC.
   * @default 'Sun:03:00'
   */
  readonly maintenanceWindow?: string;

  /**
   * The platform updates applied in the maintenance window.
   * @default BeanstalkUpdateLevel.MINOR
   */
  readonly updateLevel?: BeanstalkUpdateLevel;

  /**
   * How long the instance and health logs streamed to CloudWatch Logs are kept.
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
   * Any other option setting. A setting here replaces the construct's own setting of the same namespace and
   * option name, so it can also weaken a secure default: review such overrides.
   * @default - none
   */
  readonly optionSettings?: BeanstalkOptionSetting[];
}
