import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Annotations, Aws, Duration, FileSystem, Names, Stack, Token, Tokenization } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticbeanstalk from 'aws-cdk-lib/aws-elasticbeanstalk';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { notifyingAlarm } from '../../common/alarm-topic';
import { CREDENTIAL_VARIABLES, looksLikeSecret } from '../../common/ecs-container';
import { ManagedPolicyRole } from '../../common/managed-policy-role';
import { acknowledge, wildcardResourceFinding } from '../../common/nag';
import { SecureVpc } from '../../common/secure-vpc';
import { ensureServiceEndpoints } from '../../common/service-endpoints';
import { defaultPrivateSubnets, validateMultiAz } from '../../common/subnets';
import { validateExclusive, validateIntegerInRange, validateOrder } from '../../common/validation';
import {
  BeanstalkBatchSizeType,
  BeanstalkDeploymentPolicy,
  BeanstalkEnvironmentOptions,
  BeanstalkOptionSetting,
  BeanstalkUpdateLevel,
} from '../beanstalk-options';

/** The current Node.js platform on Amazon Linux 2023 when this library was released (no network at synth). */
export const DEFAULT_SOLUTION_STACK_NAME = '64bit Amazon Linux 2023 v6.10.0 running Node.js 24';

/** Graviton3, non-burstable: the HighlyAvailableFleet's defaults, for the same reasons. */
const DEFAULT_INSTANCE_TYPES = ['c7g.medium', 'm7g.medium'];

/** The service-linked role Elastic Beanstalk maintains for managed platform updates. */
export const MANAGED_UPDATES_ROLE = 'AWSServiceRoleForElasticBeanstalkManagedUpdates';

/** What differs between the web and the worker tier. */
export interface TierSpec {
  readonly tier: 'WebServer' | 'Worker';
  /** Option settings only this tier has (load balancer, queue), given the VPC the environment runs in. */
  readonly settings: (vpc: ec2.IVpc) => BeanstalkOptionSetting[];
  /** Extra files to add to a directory source (relative path → content); a .zip source gets none. */
  readonly extraFiles?: { [file: string]: string };
  /** The health ConfigDocument (enhanced health rules and CloudWatch metrics). */
  readonly healthConfig: object;
}

/** What {@link buildEnvironment} creates. */
export interface BuiltEnvironment {
  readonly vpc: ec2.IVpc;
  readonly environment: elasticbeanstalk.CfnEnvironment;
  readonly applicationVersion: elasticbeanstalk.CfnApplicationVersion;
  readonly environmentName: string;
  readonly instanceRole: iam.Role;
  readonly platformPolicy: iam.ManagedPolicy;
  readonly instanceProfile: iam.CfnInstanceProfile;
  readonly serviceRole: iam.Role;
  readonly securityGroup: ec2.SecurityGroup;
  readonly sourceAsset: s3assets.Asset;
  readonly minCapacity: number;
}

/** One option setting. */
export function setting(namespace: string, optionName: string, value: string): BeanstalkOptionSetting {
  return { optionNamespace: namespace, optionName, value };
}

/** A number as an option value, tokens included. */
export function num(value: number): string {
  return Token.isUnresolved(value) ? Tokenization.stringifyNumber(value) : String(value);
}

/** Validates the props both tiers share (messages without the construct path: callers wrap them). */
export function validateCommon(props: BeanstalkEnvironmentOptions): {
  min: number;
  max: number;
  types: ec2.InstanceType[];
} {
  validateSource(props.sourcePath);
  validateExclusive(
    'solutionStackName',
    props.solutionStackName,
    'platformArn',
    props.platformArn,
    'a platform is named either by its solution stack name or by its ARN',
  );
  const min = props.minCapacity ?? 2;
  const max = props.maxCapacity ?? 4;
  if (!Token.isUnresolved(min) && !(Number.isInteger(min) && min >= 1)) {
    throw new Error(
      `minCapacity must be a positive integer (2 or more for a highly available environment: an instance in each of two Availability Zones); received ${min}`,
    );
  }
  validateIntegerInRange('maxCapacity', max, 1, 10000);
  validateOrder('minCapacity', min, 'maxCapacity', max);
  const types = (props.instanceTypes ?? DEFAULT_INSTANCE_TYPES.map((t) => new ec2.InstanceType(t))).slice();
  if (types.length === 0) {
    throw new Error(
      'instanceTypes must name at least one instance type; received an empty list. Omit it for the defaults (c7g.medium, m7g.medium)',
    );
  }
  const seen = new Set<string>();
  for (const type of types) {
    const name = type.toString();
    if (seen.has(name))
      throw new Error(`instanceTypes must list distinct instance types; received ${name} more than once`);
    seen.add(name);
    if (type.architecture !== types[0].architecture) {
      throw new Error(
        `instanceTypes must share one CPU architecture (the platform runs one machine image); received ${types[0]} (${types[0].architecture}) and ${name} (${type.architecture})`,
      );
    }
  }
  for (const name of Object.keys(props.environment ?? {})) {
    if (CREDENTIAL_VARIABLES.includes(name.toUpperCase()) || looksLikeSecret(name)) {
      throw new Error(
        `environment must not carry credentials or secrets; received ${name}, whose name marks one. Environment properties are readable by anyone who can describe the environment: grant the instance role access to AWS Secrets Manager (grantPrincipal) and read the secret at run time, or rename the variable if it holds no secret`,
      );
    }
  }
  validateDeployment(props, min);
  const window = props.maintenanceWindow;
  if (
    window !== undefined &&
    !Token.isUnresolved(window) &&
    !/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun):([01]\d|2[0-3]):[0-5]\d$/.test(window)
  ) {
    throw new Error(`maintenanceWindow must be 'Day:HH:MM' in UTC, e.g. 'Sun:03:00'; received '${window}'`);
  }
  const name = props.environmentName;
  if (name !== undefined && !Token.isUnresolved(name) && !/^[A-Za-z0-9][A-Za-z0-9-]{2,38}[A-Za-z0-9]$/.test(name)) {
    throw new Error(
      `environmentName must be 4 to 40 letters, digits and hyphens, not starting or ending with a hyphen; received '${name}'`,
    );
  }
  return { min, max, types };
}

function validateSource(sourcePath: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(sourcePath);
  } catch {
    throw new Error(`sourcePath must be a directory or a .zip file; received '${sourcePath}', which does not exist`);
  }
  if (!stat.isDirectory() && !(stat.isFile() && sourcePath.toLowerCase().endsWith('.zip'))) {
    throw new Error(`sourcePath must be a directory or a .zip file; received '${sourcePath}', which is neither`);
  }
}

const ROLLING = [BeanstalkDeploymentPolicy.ROLLING, BeanstalkDeploymentPolicy.ROLLING_WITH_ADDITIONAL_BATCH];

function validateDeployment(props: BeanstalkEnvironmentOptions, min: number): void {
  const policy = props.deploymentPolicy ?? BeanstalkDeploymentPolicy.IMMUTABLE;
  const rolling = ROLLING.includes(policy);
  if (!rolling && (props.deploymentBatchSize !== undefined || props.deploymentBatchSizeType !== undefined)) {
    throw new Error(
      `deploymentBatchSize and deploymentBatchSizeType apply to ROLLING and ROLLING_WITH_ADDITIONAL_BATCH deployments only; received them with ${policy}. Remove them, or choose a rolling deploymentPolicy`,
    );
  }
  if (rolling) {
    const type = props.deploymentBatchSizeType ?? BeanstalkBatchSizeType.FIXED;
    const size = props.deploymentBatchSize ?? 1;
    if (type === BeanstalkBatchSizeType.PERCENTAGE)
      validateIntegerInRange('deploymentBatchSize (a percentage)', size, 1, 100);
    else validateIntegerInRange('deploymentBatchSize (instances)', size, 1, 10000);
    const all =
      type === BeanstalkBatchSizeType.PERCENTAGE
        ? !Token.isUnresolved(size) && size === 100
        : !Token.isUnresolved(size) && !Token.isUnresolved(min) && size >= min;
    if (policy === BeanstalkDeploymentPolicy.ROLLING && all) {
      throw new Error(
        `a ROLLING deployment with batches of ${size}${type === BeanstalkBatchSizeType.PERCENTAGE ? '%' : ''} takes every instance (minCapacity ${min}) out of service at once; use a smaller deploymentBatchSize, ROLLING_WITH_ADDITIONAL_BATCH to keep full capacity, or ALL_AT_ONCE if downtime is acceptable`,
      );
    }
  }
  const splitting = policy === BeanstalkDeploymentPolicy.TRAFFIC_SPLITTING;
  if (!splitting && (props.trafficSplitPercent !== undefined || props.trafficSplitEvaluationTime !== undefined)) {
    throw new Error(
      `trafficSplitPercent and trafficSplitEvaluationTime apply to TRAFFIC_SPLITTING deployments only; received them with ${policy}. Remove them, or set deploymentPolicy: BeanstalkDeploymentPolicy.TRAFFIC_SPLITTING`,
    );
  }
  validateIntegerInRange('trafficSplitPercent', props.trafficSplitPercent, 1, 100);
  const evaluation = props.trafficSplitEvaluationTime;
  if (evaluation !== undefined && !evaluation.isUnresolved()) {
    const minutes = evaluation.toSeconds() / 60;
    if (!Number.isInteger(minutes) || minutes < 3 || minutes > 600) {
      throw new Error(
        `trafficSplitEvaluationTime must be whole minutes between 3 and 600; received ${evaluation.toHumanString()}`,
      );
    }
  }
}

/** The deployment settings for the policy (batch settings only for rolling policies, split settings only for traffic splitting). */
function deploymentSettings(props: BeanstalkEnvironmentOptions): BeanstalkOptionSetting[] {
  const policy = props.deploymentPolicy ?? BeanstalkDeploymentPolicy.IMMUTABLE;
  const out = [setting('aws:elasticbeanstalk:command', 'DeploymentPolicy', policy)];
  if (ROLLING.includes(policy)) {
    out.push(
      setting(
        'aws:elasticbeanstalk:command',
        'BatchSizeType',
        props.deploymentBatchSizeType ?? BeanstalkBatchSizeType.FIXED,
      ),
      setting('aws:elasticbeanstalk:command', 'BatchSize', num(props.deploymentBatchSize ?? 1)),
    );
  }
  if (policy === BeanstalkDeploymentPolicy.TRAFFIC_SPLITTING) {
    out.push(
      setting('aws:elasticbeanstalk:trafficsplitting', 'NewVersionPercent', num(props.trafficSplitPercent ?? 10)),
      setting(
        'aws:elasticbeanstalk:trafficsplitting',
        'EvaluationTime',
        num((props.trafficSplitEvaluationTime ?? Duration.minutes(5)).toMinutes()),
      ),
    );
  }
  return out;
}

/**
 * Creates an application version from `sourcePath` and an environment of `tier` in `application`, with the
 * library's secure defaults: enhanced health, managed platform updates, CloudWatch Logs streaming with
 * retention, rotated logs to S3, IMDSv2 only, private instances, a least-privilege instance role and service role.
 */
export function buildEnvironment(
  scope: Construct,
  props: BeanstalkEnvironmentOptions,
  application: elasticbeanstalk.CfnApplication,
  spec: TierSpec,
  validated: { min: number; max: number; types: ec2.InstanceType[] },
): BuiltEnvironment {
  const stack = Stack.of(scope);
  const vpc = props.vpc ?? new SecureVpc(scope, 'Vpc');
  const selected = validateMultiAz(scope, vpc, props.vpcSubnets ?? defaultPrivateSubnets(vpc), 'the instances');
  const publicIds = new Set(vpc.publicSubnets.map((s) => s.subnetId));
  const publicSelected = selected.subnets.filter((s) => publicIds.has(s.subnetId));
  if (publicSelected.length > 0) {
    throw new Error(
      `${scope.node.path}: vpcSubnets must select private subnets: the instances get no public IP address and only the load balancer is public; received public subnets ${publicSelected.map((s) => s.node.path).join(', ')}. Select PRIVATE_WITH_EGRESS or PRIVATE_ISOLATED subnets`,
    );
  }
  if (!Token.isUnresolved(validated.min) && validated.min === 1) {
    Annotations.of(scope).addWarningV2(
      'cdk-compute-patterns:singleInstance',
      'minCapacity is 1: the environment can scale in to a single instance, which does not survive the loss of that instance or its Availability Zone; use 2 or more in production',
    );
  }

  const environmentName =
    props.environmentName ?? Names.uniqueResourceName(scope, { maxLength: 40, separator: '-' }).replace(/^-+|-+$/g, '');

  // The source bundle: the user's directory (plus the construct's platform files) or .zip.
  const sourceAsset = new s3assets.Asset(scope, 'SourceBundle', {
    path: stageSource(props.sourcePath, spec.extraFiles),
  });
  const applicationVersion = new elasticbeanstalk.CfnApplicationVersion(scope, 'Version', {
    applicationName: application.ref,
    description: `${scope.node.path} (asset ${sourceAsset.assetHash.slice(0, 12)})`,
    sourceBundle: { s3Bucket: sourceAsset.s3BucketName, s3Key: sourceAsset.s3ObjectKey },
  });

  // The instances' own security group next to the one Elastic Beanstalk manages: no ingress, for connections.
  const securityGroup = new ec2.SecurityGroup(scope, 'InstanceSecurityGroup', {
    vpc,
    description: `Instances of ${scope.node.path}: no ingress of its own (the load balancer reaches them through the security group Elastic Beanstalk manages)`,
    allowAllOutbound: true,
  });
  ensureServiceEndpoints({
    scope,
    vpc,
    subnets: selected,
    services: [
      { service: ec2.InterfaceVpcEndpointAwsService.ELASTIC_BEANSTALK, name: 'ElasticBeanstalk' },
      { service: ec2.InterfaceVpcEndpointAwsService.ELASTIC_BEANSTALK_HEALTH, name: 'ElasticBeanstalkHealth' },
      { service: ec2.InterfaceVpcEndpointAwsService.CLOUDFORMATION, name: 'CloudFormation' },
      { service: ec2.InterfaceVpcEndpointAwsService.SQS, name: 'Sqs' },
      { service: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS, name: 'CloudWatchLogs' },
    ],
    gateways: [ec2.GatewayVpcEndpointAwsService.S3],
    clients: [securityGroup],
    vpcEndpointsProvided: props.vpcEndpointsProvided,
  });

  // The instance role: grants of the user land in InstanceRole/Policy; the platform's needs in PlatformPolicy.
  const instanceRole = new ManagedPolicyRole(scope, 'InstanceRole', {
    assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
    description: `Instances of ${scope.node.path}: what the Elastic Beanstalk platform needs, nothing more`,
  });
  const environmentArn = stack.formatArn({
    service: 'elasticbeanstalk',
    resource: 'environment',
    resourceName: `${application.ref}/${environmentName}`,
  });
  const applicationArn = stack.formatArn({
    service: 'elasticbeanstalk',
    resource: 'application',
    resourceName: application.ref,
  });
  const logGroups = `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:/aws/elasticbeanstalk/${environmentName}/*`;
  const storage = `arn:${Aws.PARTITION}:s3:::elasticbeanstalk-${Aws.REGION}-${Aws.ACCOUNT_ID}`;
  const environmentFiles = `${storage}/resources/environments/*`;
  const logUploads = `${storage}/resources/environments/logs/*`;
  const platformPolicy = new iam.ManagedPolicy(scope, 'PlatformPolicy', {
    description: `What the Elastic Beanstalk platform on the instances of ${scope.node.path} needs (scoped from AWSElasticBeanstalkWebTier/WorkerTier)`,
    roles: [instanceRole],
    statements: [
      new iam.PolicyStatement({
        sid: 'ReadApplicationVersion',
        actions: ['s3:GetObject'],
        resources: [sourceAsset.bucket.arnForObjects(sourceAsset.s3ObjectKey)],
      }),
      new iam.PolicyStatement({
        sid: 'ReadEnvironmentFiles',
        actions: ['s3:GetObject'],
        resources: [environmentFiles],
      }),
      new iam.PolicyStatement({
        sid: 'PublishRotatedLogs',
        actions: ['s3:PutObject'],
        resources: [logUploads],
      }),
      new iam.PolicyStatement({
        sid: 'StreamLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        resources: [logGroups],
      }),
      new iam.PolicyStatement({
        sid: 'ReportHealth',
        actions: ['elasticbeanstalk:PutInstanceStatistics'],
        resources: [applicationArn, environmentArn],
      }),
    ],
  });
  acknowledge(
    platformPolicy.node.defaultChild!,
    {
      id: wildcardResourceFinding(scope, environmentFiles),
      reason:
        "The platform's engine on each instance reads its environment's deployment files from the Elastic Beanstalk storage bucket of this account and Region, under resources/environments/, where Elastic Beanstalk names each file by environment id, which is known only after creation; s3:GetObject only.",
    },
    {
      id: wildcardResourceFinding(scope, logUploads),
      reason:
        'The instances upload their rotated logs (LogPublicationControl, AwsSolutions-EB4) to the Elastic Beanstalk storage bucket of this account and Region under resources/environments/logs/, keyed by environment id and instance id, known only at run time; s3:PutObject only.',
    },
    {
      id: wildcardResourceFinding(scope, logGroups),
      reason:
        "The CloudWatch agent streams the instance logs into the log groups Elastic Beanstalk creates for this environment (/aws/elasticbeanstalk/<environment name>/<log file>) and writes one stream per instance, named by instance id at run time: log streams of this environment's log groups only.",
    },
  );
  const instanceProfile = new iam.CfnInstanceProfile(scope, 'InstanceProfile', { roles: [instanceRole.roleName] });

  // The service role: enhanced health monitoring (managed updates use the service-linked role).
  const serviceRole = new ManagedPolicyRole(scope, 'ServiceRole', {
    assumedBy: new iam.ServicePrincipal('elasticbeanstalk.amazonaws.com').withConditions({
      StringEquals: { 'sts:ExternalId': 'elasticbeanstalk' },
    }),
    description: `Elastic Beanstalk monitors the health of ${scope.node.path} with this role`,
  });
  const healthPolicy = new iam.ManagedPolicy(scope, 'HealthMonitoringPolicy', {
    description: `Enhanced health monitoring of ${scope.node.path} (the read-only part of AWSElasticBeanstalkEnhancedHealth)`,
    roles: [serviceRole],
    statements: [
      new iam.PolicyStatement({
        sid: 'DescribeEnvironmentResources',
        actions: [
          'elasticloadbalancing:DescribeInstanceHealth',
          'elasticloadbalancing:DescribeLoadBalancers',
          'elasticloadbalancing:DescribeTargetHealth',
          'ec2:DescribeInstances',
          'ec2:DescribeInstanceStatus',
          'ec2:DescribeSecurityGroups',
          'autoscaling:DescribeAutoScalingGroups',
          'autoscaling:DescribeAutoScalingInstances',
          'autoscaling:DescribeScalingActivities',
          'autoscaling:DescribeNotificationConfigurations',
        ],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        sid: 'StreamHealthLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        resources: [logGroups],
      }),
    ],
  });
  acknowledge(
    healthPolicy.node.defaultChild!,
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Describe calls only (elasticloadbalancing:DescribeTargetHealth, ec2:DescribeInstances, autoscaling:DescribeAutoScalingGroups and their kind), which Elastic Beanstalk makes to compute enhanced health of the load balancer, instances and Auto Scaling group it creates; these actions support no resource-level permissions.',
    },
    {
      id: wildcardResourceFinding(scope, logGroups),
      reason:
        "Elastic Beanstalk streams the environment's health events into its log group under /aws/elasticbeanstalk/<environment name>/; log streams of this environment's log groups only.",
    },
  );

  const retention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;
  const policyDefaults: BeanstalkOptionSetting[] = [
    setting('aws:ec2:vpc', 'VPCId', vpc.vpcId),
    setting('aws:ec2:vpc', 'Subnets', selected.subnetIds.join(',')),
    setting('aws:ec2:vpc', 'AssociatePublicIpAddress', 'false'),
    setting('aws:ec2:instances', 'InstanceTypes', validated.types.map((t) => t.toString()).join(',')),
    setting('aws:ec2:instances', 'SupportedArchitectures', validated.types[0].architecture),
    setting('aws:autoscaling:launchconfiguration', 'IamInstanceProfile', instanceProfile.ref),
    setting('aws:autoscaling:launchconfiguration', 'SecurityGroups', securityGroup.securityGroupId),
    setting('aws:autoscaling:launchconfiguration', 'DisableIMDSv1', 'true'),
    setting('aws:autoscaling:launchconfiguration', 'RootVolumeType', 'gp3'),
    setting('aws:autoscaling:asg', 'MinSize', num(validated.min)),
    setting('aws:autoscaling:asg', 'MaxSize', num(validated.max)),
    setting('aws:autoscaling:updatepolicy:rollingupdate', 'RollingUpdateEnabled', 'true'),
    setting('aws:autoscaling:updatepolicy:rollingupdate', 'RollingUpdateType', 'Health'),
    setting('aws:elasticbeanstalk:environment', 'EnvironmentType', 'LoadBalanced'),
    setting('aws:elasticbeanstalk:environment', 'ServiceRole', serviceRole.roleArn),
    setting('aws:elasticbeanstalk:healthreporting:system', 'SystemType', 'enhanced'),
    setting('aws:elasticbeanstalk:healthreporting:system', 'ConfigDocument', JSON.stringify(spec.healthConfig)),
    setting('aws:elasticbeanstalk:managedactions', 'ManagedActionsEnabled', 'true'),
    setting('aws:elasticbeanstalk:managedactions', 'PreferredStartTime', props.maintenanceWindow ?? 'Sun:03:00'),
    setting('aws:elasticbeanstalk:managedactions', 'ServiceRoleForManagedUpdates', MANAGED_UPDATES_ROLE),
    setting(
      'aws:elasticbeanstalk:managedactions:platformupdate',
      'UpdateLevel',
      props.updateLevel ?? BeanstalkUpdateLevel.MINOR,
    ),
    setting('aws:elasticbeanstalk:managedactions:platformupdate', 'InstanceRefreshEnabled', 'true'),
    setting('aws:elasticbeanstalk:cloudwatch:logs', 'StreamLogs', 'true'),
    setting('aws:elasticbeanstalk:cloudwatch:logs', 'DeleteOnTerminate', 'false'),
    setting('aws:elasticbeanstalk:cloudwatch:logs', 'RetentionInDays', num(retention)),
    setting('aws:elasticbeanstalk:cloudwatch:logs:health', 'HealthStreamingEnabled', 'true'),
    setting('aws:elasticbeanstalk:cloudwatch:logs:health', 'DeleteOnTerminate', 'false'),
    setting('aws:elasticbeanstalk:cloudwatch:logs:health', 'RetentionInDays', num(retention)),
    setting('aws:elasticbeanstalk:hostmanager', 'LogPublicationControl', 'true'),
    ...deploymentSettings(props),
    ...spec.settings(vpc),
    ...Object.entries(props.environment ?? {}).map(([k, v]) =>
      setting('aws:elasticbeanstalk:application:environment', k, v),
    ),
  ];
  const settings = mergeSettings(policyDefaults, props.optionSettings ?? []);

  const environment = new elasticbeanstalk.CfnEnvironment(scope, 'Environment', {
    applicationName: application.ref,
    environmentName,
    description: `${scope.node.path} (cdk-compute-patterns)`,
    tier: spec.tier === 'WebServer' ? { name: 'WebServer', type: 'Standard' } : { name: 'Worker', type: 'SQS/HTTP' },
    solutionStackName: props.platformArn ? undefined : (props.solutionStackName ?? DEFAULT_SOLUTION_STACK_NAME),
    platformArn: props.platformArn,
    versionLabel: applicationVersion.ref,
    optionSettings: settings.map((s) => ({
      namespace: s.optionNamespace,
      optionName: s.optionName,
      value: s.value,
      resourceName: s.resourceName,
    })),
  });
  // The instances need their permissions when they boot, and the endpoints when they first call AWS.
  environment.node.addDependency(platformPolicy, healthPolicy);

  return {
    vpc,
    environment,
    applicationVersion,
    environmentName,
    instanceRole,
    platformPolicy,
    instanceProfile,
    serviceRole,
    securityGroup,
    sourceAsset,
    minCapacity: validated.min,
  };
}

/** The construct's settings with the user's replacing those of the same namespace, option and resource. */
function mergeSettings(
  defaults: BeanstalkOptionSetting[],
  overrides: BeanstalkOptionSetting[],
): BeanstalkOptionSetting[] {
  const key = (s: BeanstalkOptionSetting) => `${s.optionNamespace}|${s.optionName}|${s.resourceName ?? ''}`;
  const overridden = new Set(overrides.map(key));
  return [...defaults.filter((s) => !overridden.has(key(s))), ...overrides];
}

/**
 * The directory to upload: `sourcePath` itself, or, when the construct adds files (the HTTPS redirect),
 * a copy of it with those files in a temporary directory (CDK hashes the content, so the asset is stable).
 */
function stageSource(sourcePath: string, extraFiles: { [file: string]: string } | undefined): string {
  const files = Object.entries(extraFiles ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (files.length === 0 || !fs.statSync(sourcePath).isDirectory()) return sourcePath;
  // One copy per content (the source's fingerprint and the added files), reused by every later synth: a fresh
  // temporary directory per synth would leave a copy of the user's source behind on every `cdk synth`.
  const digest = crypto.createHash('sha256').update(FileSystem.fingerprint(sourcePath));
  for (const [file, content] of files) digest.update(`\0${file}\0${content}`);
  const staged = path.join(os.tmpdir(), `cdk-compute-patterns-beanstalk-${digest.digest('hex').slice(0, 32)}`);
  if (fs.existsSync(staged)) return staged;
  // Built under another name and renamed into place, so a concurrent synth never reads a half-written copy.
  const building = fs.mkdtempSync(`${staged}-`);
  fs.cpSync(sourcePath, building, { recursive: true });
  for (const [file, content] of files) {
    fs.mkdirSync(path.dirname(path.join(building, file)), { recursive: true });
    fs.writeFileSync(path.join(building, file), content);
  }
  try {
    fs.renameSync(building, staged);
  } catch (e) {
    fs.rmSync(building, { recursive: true, force: true });
    if (!fs.existsSync(staged)) throw e;
  }
  return staged;
}

/** The environment's health (0 OK ... 25 Severe), as enhanced health publishes it every minute. */
export function environmentHealthMetric(environmentName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/ElasticBeanstalk',
    metricName: 'EnvironmentHealth',
    dimensionsMap: { EnvironmentName: environmentName },
    statistic: 'Maximum',
    period: Duration.minutes(1),
    ...props,
  });
}

/** The value of EnvironmentHealth from which the environment counts as Degraded (20) or Severe (25). */
const DEGRADED = 20;

/** The alarm both tiers raise: enhanced health Degraded or Severe for 5 minutes, notifying `topic`. */
export function environmentHealthAlarm(scope: Construct, environmentName: string, topic: sns.ITopic): cloudwatch.Alarm {
  return notifyingAlarm(scope, 'EnvironmentHealthAlarm', environmentHealthMetric(environmentName), {
    description: `Enhanced health of ${scope.node.path} is Degraded or Severe`,
    threshold: DEGRADED,
    evaluationPeriods: 5,
    topic,
  });
}
