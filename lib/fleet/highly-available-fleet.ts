import { Annotations, ArnFormat, Duration, Size, Stack, Token } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { alarmTopicFor } from '../common/alarm-topic';
import { acknowledgeMixedInstancesLaunchTemplate, hardenedLaunchTemplate } from '../common/hardened-launch-template';
import { addLoadBalancer5xxAlarm } from '../common/load-balancer-alarms';
import { ManagedPolicyRole } from '../common/managed-policy-role';
import { acknowledge, guardRule, wildcardResourceFinding } from '../common/nag';
import { SecureLoadBalancer, WebLoadBalancerOptions } from '../common/secure-load-balancer';
import { SecureVpc } from '../common/secure-vpc';
import { ensureServiceEndpoints, RequiredServiceEndpoint } from '../common/service-endpoints';
import { defaultPrivateSubnets, distinctZones, validateMultiAz } from '../common/subnets';
import { validateIntegerInRange, validateOrder, validateWithin, withConstructPath } from '../common/validation';
import { defaultWebServerUserData } from './private/default-user-data';
import { defaultMachineImage } from './private/machine-image';
import { sessionManagerPolicy } from './private/session-manager-policy';
import { allowAutoScalingVolumeEncryption } from './private/volume-key-permissions';
import { addWarmPoolReadiness, WARM_POOL_HOOK_NAME } from './private/warm-pool-ready';

/**
 * The default instance types: Graviton3, Nitro, current generation, with
 * encryption in transit between instances. Two types so that the group can
 * fall back when one runs short in an Availability Zone (Control Tower
 * CT.AUTOSCALING.PR.6 asks for multiple instance types; CT.AUTOSCALING.PR.11
 * allows only types with in-transit encryption in the overrides, which rules
 * out the burstable t3/t4g families).
 */
const DEFAULT_INSTANCE_TYPE = 'c7g.medium';
const DEFAULT_ADDITIONAL_INSTANCE_TYPE = 'm7g.medium';

/**
 * Properties for a HighlyAvailableFleet.
 */
export interface HighlyAvailableFleetProps extends WebLoadBalancerOptions {
  /**
   * The VPC to run in.
   * @default - a new SecureVpc (two or more Availability Zones, flow logs on)
   */
  readonly vpc?: ec2.IVpc;

  /**
   * The subnets the instances run in. They must span at least two
   * Availability Zones.
   * @default - the VPC's private subnets (with egress if it has them, isolated otherwise)
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * The machine image the instances boot. The default user data expects
   * Amazon Linux 2023 (it installs httpd with dnf).
   *
   * A machine image resolved at deploy time (`ec2.MachineImage.latestAmazonLinux2023()`
   * without `cachedInContext`) replaces every instance on the first deploy after
   * each Amazon Linux release, however unrelated the deploy: prefer an image
   * whose id is in the template, or the default.
   * @default - Amazon Linux 2023 for the CPU architecture of `instanceType`: the AMI pinned in the
   * context value `cdk-compute-patterns:fleetMachineImages` when it names one, otherwise the release
   * current when each instance launches (resolved by EC2 at launch, so a deploy never replaces the
   * instances). See docs/FLEET.md, "Machine image".
   */
  readonly machineImage?: ec2.IMachineImage;

  /**
   * The preferred instance type: set on the launch template and first in the
   * mixed-instances policy. It must be an AWS Nitro type (Control Tower
   * CT.EC2.PR.15). The default is a non-burstable Graviton3 type: burstable
   * t3/t4g types do not support encryption in transit between instances, which
   * Control Tower CT.AUTOSCALING.PR.11 requires of every type in a
   * mixed-instances policy, and CPU credits make CPU target tracking misleading.
   * @default ec2.InstanceType.of(ec2.InstanceClass.C7G, ec2.InstanceSize.MEDIUM)
   */
  readonly instanceType?: ec2.InstanceType;

  /**
   * Further instance types the group may launch, in order of preference after
   * `instanceType`, when that type is short in an Availability Zone or (with
   * Spot) to diversify Spot pools. All must share the CPU architecture of
   * `instanceType`, so one machine image fits them all.
   * @default - m7g.medium when `instanceType` is not given; none when it is
   */
  readonly additionalInstanceTypes?: ec2.InstanceType[];

  /**
   * Commands the instances run at first boot.
   * @default - installs and starts Apache httpd serving a page that shows the instance id and Availability Zone, then signals CloudFormation whether the page is served
   */
  readonly userData?: ec2.UserData;

  /**
   * The port the application listens on in the instances. Only the load
   * balancer's security group may reach it.
   * @default 80
   */
  readonly instancePort?: number;

  /**
   * An EC2 key pair for SSH. Off by default: use AWS Systems Manager Session
   * Manager (the instance role allows it) and keep port 22 closed.
   * @default - no key pair
   */
  readonly keyPair?: ec2.IKeyPair;

  /**
   * Size of the encrypted gp3 root volume. At least the size of the machine
   * image's snapshot (8 GiB for Amazon Linux 2023).
   * @default Size.gibibytes(8)
   */
  readonly rootVolumeSize?: Size;

  /**
   * Device name of the root volume in the machine image.
   * @default '/dev/xvda' (Amazon Linux)
   */
  readonly rootVolumeDeviceName?: string;

  /**
   * Customer managed KMS key for the root volumes. EC2 Auto Scaling launches
   * the instances as its AWSServiceRoleForAutoScaling service-linked role,
   * which must use the key and create grants on it: for a key defined in this
   * app the construct adds the two key-policy statements EC2 Auto Scaling
   * documents; an imported key must already have them (docs/FLEET.md), or
   * every launch fails.
   * @default - the AWS managed key for EBS (aws/ebs)
   */
  readonly rootVolumeEncryptionKey?: kms.IKey;

  /**
   * Whether the VPC already has the endpoints the instances need when their
   * subnets have no route to the internet (PRIVATE_ISOLATED): interface
   * endpoints for ssm, ssmmessages and ec2messages (Session Manager),
   * cloudformation (cfn-signal, with the default user data), and the S3
   * gateway endpoint (Amazon Linux 2023 package repositories). Ignored when the
   * subnets have egress.
   * @default false - the construct adds the missing endpoints to a VPC defined in the same stack, and refuses other VPCs with isolated subnets
   */
  readonly vpcEndpointsProvided?: boolean;

  /**
   * The fewest instances the group runs. 2 or more keep the fleet serving
   * when an instance or an Availability Zone fails; 1 synthesizes with the
   * warning `cdk-compute-patterns:singleInstance` (a test or demo fleet).
   * @default 2
   */
  readonly minCapacity?: number;

  /**
   * The most instances the group scales out to.
   * @default 4
   */
  readonly maxCapacity?: number;

  /**
   * The initial number of instances. Leave it unset so that a deployment does
   * not reset the size the group has scaled to.
   * @default - unset: the group starts at `minCapacity` and scaling decides from there
   */
  readonly desiredCapacity?: number;

  /**
   * Average CPU utilization, in percent (1 to 100), that target tracking keeps
   * the group at.
   * @default 50
   */
  readonly targetCpuUtilizationPercent?: number;

  /**
   * Requests per minute per instance that a second target-tracking policy
   * keeps the group at (ALBRequestCountPerTarget). Useful when the
   * application is I/O-bound and CPU does not reflect load.
   * @default - no request-count scaling
   */
  readonly targetRequestsPerMinute?: number;

  /**
   * The path the load balancer checks on each instance.
   * @default '/'
   */
  readonly healthCheckPath?: string;

  /**
   * How long a new instance may take to boot before failed load balancer
   * health checks make the group replace it.
   * @default Duration.seconds(300)
   */
  readonly healthCheckGracePeriod?: Duration;

  /**
   * The number of instances that always run On-Demand, filled first. With
   * Spot, set it to `minCapacity` to keep the baseline on On-Demand.
   * @default 0
   */
  readonly onDemandBaseCapacity?: number;

  /**
   * Percentage (0 to 100) of the capacity above `onDemandBaseCapacity` that
   * runs On-Demand; the rest runs on Spot. Below 100 the group also turns on
   * capacity rebalancing, replacing Spot instances at elevated interruption risk.
   * @default 100 (no Spot)
   */
  readonly onDemandPercentageAboveBaseCapacity?: number;

  /**
   * How Spot capacity is allocated across the instance types and zones.
   * @default autoscaling.SpotAllocationStrategy.PRICE_CAPACITY_OPTIMIZED
   */
  readonly spotAllocationStrategy?: autoscaling.SpotAllocationStrategy;

  /**
   * The SNS topic that receives every scaling event (launch, terminate and
   * their errors) and the fleet's alarms. When its KMS key is managed in this
   * app, the construct lets the AWSServiceRoleForAutoScaling service-linked role
   * and CloudWatch alarms of this account and Region use it; an imported key must
   * already allow both (a warning says so). A topic policy, if the topic has one,
   * must let `cloudwatch.amazonaws.com` publish.
   * @default - the stack's shared alarm topic (KMS-encrypted, TLS only), opened to this account's CloudWatch alarms
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * Whether CloudFormation waits for the instances to signal (cfn-signal) that they serve, at
   * creation and in each rolling update batch. The default user data signals whether the page is
   * served; with your own `userData` and `signals: true` the construct appends a cfn-signal of the
   * user data's exit code (so its last command decides), and the instance role may signal this stack only.
   * @default - true with the default user data, false with your own
   */
  readonly signals?: boolean;

  /**
   * Instances replaced at a time by a rolling update (a launch template change).
   * @default 1
   */
  readonly updateBatchSize?: number;

  /**
   * How long a rolling update waits for the signals of each batch (with `signals`), or pauses
   * between batches (without).
   * @default - 15 minutes with signals, 5 minutes without
   */
  readonly updatePauseTime?: Duration;

  /**
   * Scheduled changes of the capacity (business hours, batch windows).
   * @default - none
   */
  readonly scheduledScaling?: FleetScheduledScaling[];

  /**
   * Step scaling on CPU utilization next to target tracking: bigger steps for bigger breaches
   * (for example +2 instances above 85%).
   * @default - target tracking only
   */
  readonly cpuStepScaling?: autoscaling.ScalingInterval[];

  /**
   * A warm pool: instances launched and initialized ahead of need (user data run, application
   * answering), then kept `Stopped` (the default: you pay for their EBS volumes, not the instances),
   * `Running` (full instance price) or `Hibernated` (volumes, including one holding the RAM), that a
   * scale-out puts in service in seconds instead of booting from scratch. For applications whose
   * first boot is slow; otherwise it only adds cost. See docs/FLEET.md, "Warm pool".
   *
   * EC2 Auto Scaling refuses warm pools on groups with a mixed instances policy or Spot Instances,
   * so with a warm pool the group launches `instanceType` alone, On-Demand, from the launch template:
   * `additionalInstanceTypes`, Spot (`onDemandBaseCapacity`, `onDemandPercentageAboveBaseCapacity`,
   * `spotAllocationStrategy`) and `updateBatchSize` are refused. A launch lifecycle hook holds each
   * instance until the application answers on `healthCheckPath` (the user data installs a service that
   * completes the hook; an instance that never answers is abandoned and replaced), and a launch template
   * change replaces the group together with its warm pool (AutoScalingReplacingUpdate), since a rolling
   * update would leave the pool's instances on the old template.
   * @default - no warm pool
   */
  readonly warmPool?: autoscaling.WarmPoolOptions;
}

/** A scheduled change of a HighlyAvailableFleet's capacity. */
export interface FleetScheduledScaling {
  /** A unique name for this action (PascalCase, used in the construct id). */
  readonly name: string;
  /** When the action runs (cron, in UTC unless `timeZone`). */
  readonly schedule: autoscaling.Schedule;
  /**
   * The time zone of `schedule`, for example 'Europe/Paris'.
   * @default - UTC
   */
  readonly timeZone?: string;
  /**
   * The new minimum capacity.
   * @default - unchanged
   */
  readonly minCapacity?: number;
  /**
   * The new maximum capacity.
   * @default - unchanged
   */
  readonly maxCapacity?: number;
  /**
   * The new desired capacity.
   * @default - unchanged
   */
  readonly desiredCapacity?: number;
}

/**
 * The alarms a HighlyAvailableFleet raises. Each notifies the alarm topic;
 * add further actions with `alarm.addAlarmAction(...)`.
 */
export interface HighlyAvailableFleetAlarms {
  /** At least one instance failed its load balancer health checks for 3 minutes. */
  readonly unhealthyHosts: cloudwatch.Alarm;
  /** The instances answered with 5xx responses. */
  readonly target5xx: cloudwatch.Alarm;
  /** The load balancer itself answered with 5xx responses (for example no healthy instance). */
  readonly loadBalancer5xx: cloudwatch.Alarm;
}

/**
 * A highly available web fleet: an EC2 Auto Scaling group spread over two or
 * more Availability Zones behind an Application Load Balancer, scaled by
 * target tracking, with a hardened launch template (IMDSv2 only, encrypted gp3
 * root volume, no public IP, detailed monitoring, Session Manager instead of
 * SSH), load balancer health checks, rolling updates, scaling notifications
 * to an encrypted topic, and alarms for unhealthy hosts and 5xx errors.
 */
export class HighlyAvailableFleet extends Construct implements ec2.IConnectable, iam.IGrantable {
  /** The VPC the fleet runs in. */
  public readonly vpc: ec2.IVpc;
  /** The Auto Scaling group. */
  public readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  /** The launch template every instance starts from. */
  public readonly launchTemplate: ec2.LaunchTemplate;
  /**
   * The instance role: the Session Manager actions (policy `SessionManagerPolicy`), plus
   * cloudformation:SignalResource on this stack when the default user data signals. Grant your
   * application's permissions to it; attach AmazonSSMManagedInstanceCore yourself for other
   * Systems Manager capabilities (Patch Manager, Run Command, inventory).
   */
  public readonly instanceRole: iam.Role;
  /** The instances' security group: the instance port from the load balancer only. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** The Application Load Balancer. */
  public readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  /** The load balancer's security group. */
  public readonly loadBalancerSecurityGroup: ec2.SecurityGroup;
  /** The listener serving traffic: HTTPS on 443 with a certificate, otherwise HTTP on 80. */
  public readonly listener: elbv2.ApplicationListener;
  /** The port-80 listener that redirects to HTTPS, when a certificate is given. */
  public readonly redirectListener?: elbv2.ApplicationListener;
  /** The target group the instances register in. */
  public readonly targetGroup: elbv2.ApplicationTargetGroup;
  /** `http(s)://<load balancer DNS name>` as a string token. */
  public readonly url: string;
  /** The AWS WAF web ACL in front of the load balancer (unless `webAcl: false`, or internal without `webAcl: true`). */
  public readonly webAcl?: wafv2.CfnWebACL;
  /** The topic that receives every scaling event and alarm: subscribe on-call to it. */
  public readonly alarmTopic: sns.ITopic;
  /** The fleet's alarms, each notifying `alarmTopic`. */
  public readonly alarms: HighlyAvailableFleetAlarms;
  /**
   * The instances' network connections (their security group): allow them to reach a database with
   * `db.connections.allowDefaultPortFrom(fleet)`.
   */
  public readonly connections: ec2.Connections;
  /** The instance role: `bucket.grantRead(fleet)` lets the application on the instances read the bucket. */
  public readonly grantPrincipal: iam.IPrincipal;
  /** The warm pool, when `warmPool` is given. */
  public readonly warmPool?: autoscaling.WarmPool;
  /** The launch lifecycle hook that holds each instance until it is ready, when `warmPool` is given. */
  public readonly readinessHook?: autoscaling.LifecycleHook;

  constructor(scope: Construct, id: string, props: HighlyAvailableFleetProps = {}) {
    super(scope, id);

    const minCapacity = props.minCapacity ?? 2;
    const maxCapacity = props.maxCapacity ?? 4;
    const targetCpu = props.targetCpuUtilizationPercent ?? 50;
    const instancePort = props.instancePort ?? 80;
    const healthCheckPath = props.healthCheckPath ?? '/';
    const onDemandPercentage = props.onDemandPercentageAboveBaseCapacity ?? 100;
    const requests = props.targetRequestsPerMinute;
    // Errors name this fleet's construct path: a user with three fleets must know which one is wrong.
    const instanceTypes = withConstructPath(this, () => {
      validateCapacity(minCapacity, maxCapacity, props.desiredCapacity);
      if (!Token.isUnresolved(targetCpu) && !(targetCpu >= 1 && targetCpu <= 100)) {
        throw new Error(`targetCpuUtilizationPercent must be between 1 and 100; received ${targetCpu}`);
      }
      if (requests !== undefined && !Token.isUnresolved(requests) && !(Number.isInteger(requests) && requests >= 1)) {
        throw new Error(
          `targetRequestsPerMinute must be a positive integer (requests per instance per minute); received ${requests}`,
        );
      }
      validateIntegerInRange('instancePort', instancePort, 1, 65535);
      if (!Token.isUnresolved(healthCheckPath) && !healthCheckPath.startsWith('/')) {
        throw new Error(`healthCheckPath must start with '/'; received '${healthCheckPath}'`);
      }
      validateIntegerInRange('onDemandPercentageAboveBaseCapacity', onDemandPercentage, 0, 100);
      validateIntegerInRange(
        'onDemandBaseCapacity',
        props.onDemandBaseCapacity,
        0,
        Token.isUnresolved(maxCapacity) ? Number.MAX_SAFE_INTEGER : maxCapacity,
      );
      if (props.warmPool) validateWarmPool(props);
      // A warm pool needs a single launch template: no default second type.
      return resolveInstanceTypes(
        props.instanceType,
        props.additionalInstanceTypes ?? (props.warmPool ? [] : undefined),
      );
    });

    this.vpc = props.vpc ?? new SecureVpc(this, 'Vpc');
    const vpcSubnets = props.vpcSubnets ?? defaultPrivateSubnets(this.vpc);
    const selected = validateMultiAz(this, this.vpc, vpcSubnets, 'the instances');
    const publicIds = new Set(this.vpc.publicSubnets.map((s) => s.subnetId));
    const publicSelected = selected.subnets.filter((s) => publicIds.has(s.subnetId));
    if (publicSelected.length > 0) {
      throw new Error(
        `${this.node.path}: vpcSubnets must select private subnets: the instances get no public IP address and only the load balancer is public; received public subnets ${publicSelected.map((s) => s.node.path).join(', ')}. Select PRIVATE_WITH_EGRESS or PRIVATE_ISOLATED subnets`,
      );
    }

    if (!Token.isUnresolved(minCapacity) && minCapacity === 1) {
      Annotations.of(this).addWarningV2(
        'cdk-compute-patterns:singleInstance',
        `minCapacity is 1: the fleet can scale in to a single instance, which does not survive the loss of that instance or its Availability Zone; use 2 or more in production`,
      );
    }

    // Instances: hardened launch template, Session Manager instead of SSH.
    // A ManagedPolicyRole: what the construct and the user grant lands in a customer managed policy
    // (InstanceRole/Policy), not an inline one (NIST/HIPAA/PCI IAMNoInlinePolicy).
    this.instanceRole = new ManagedPolicyRole(this, 'InstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      // With the default user data, CDK adds cloudformation:SignalResource on this stack only (for cfn-signal).
      description: `Instances of ${this.node.path}: Session Manager only`,
    });
    this.grantPrincipal = this.instanceRole;
    sessionManagerPolicy(this, 'SessionManagerPolicy', this.instanceRole);
    this.securityGroup = new ec2.SecurityGroup(this, 'InstanceSecurityGroup', {
      vpc: this.vpc,
      description: `Instances of ${this.node.path}: the instance port from the load balancer only`,
      allowAllOutbound: true,
    });

    this.connections = new ec2.Connections({ securityGroups: [this.securityGroup] });
    const userData = props.userData ?? defaultWebServerUserData(instancePort);
    const waitForSignals = props.signals ?? props.userData === undefined;
    withConstructPath(this, () => {
      validateIntegerInRange('updateBatchSize', props.updateBatchSize, 1, 1000);
      for (const action of props.scheduledScaling ?? []) {
        if (!/^[A-Za-z][A-Za-z0-9]*$/.test(action.name)) {
          throw new Error(`scheduledScaling names must be PascalCase letters and digits; received '${action.name}'`);
        }
        if ([action.minCapacity, action.maxCapacity, action.desiredCapacity].every((v) => v === undefined)) {
          throw new Error(
            `scheduledScaling '${action.name}' changes nothing: give minCapacity, maxCapacity and/or desiredCapacity`,
          );
        }
      }
    });
    ensureServiceEndpoints({
      scope: this,
      vpc: this.vpc,
      subnets: selected,
      services: instanceEndpoints(waitForSignals, props.warmPool !== undefined),
      gateways: [ec2.GatewayVpcEndpointAwsService.S3],
      clients: [this.securityGroup],
      vpcEndpointsProvided: props.vpcEndpointsProvided,
    });
    if (props.rootVolumeEncryptionKey && !allowAutoScalingVolumeEncryption(props.rootVolumeEncryptionKey)) {
      Annotations.of(this).addWarningV2(
        'cdk-compute-patterns:rootVolumeKey',
        `Could not add the AWSServiceRoleForAutoScaling statements to the policy of the imported root volume key ${props.rootVolumeEncryptionKey.node.path}; add them where the key is managed (docs/FLEET.md, "Customer managed root volume key") or every instance launch fails`,
      );
    }
    this.launchTemplate = hardenedLaunchTemplate(this, 'LaunchTemplate', {
      machineImage: props.machineImage ?? defaultMachineImage(this, instanceTypes[0].architecture),
      instanceType: instanceTypes[0],
      userData,
      role: this.instanceRole,
      securityGroup: this.securityGroup,
      keyPair: props.keyPair,
      rootVolumeDeviceName: props.rootVolumeDeviceName,
      rootVolumeSize: props.rootVolumeSize ?? Size.gibibytes(8),
      rootVolumeEncryptionKey: props.rootVolumeEncryptionKey,
    });

    this.alarmTopic = alarmTopicFor(this, props.alarmTopic, { autoScalingNotifications: true });

    // The group: private subnets in 2+ AZs, load balancer health checks, rolling updates.
    const usesSpot = Token.isUnresolved(onDemandPercentage) || onDemandPercentage < 100;
    if (usesSpot && instanceTypes.length < 2) {
      Annotations.of(this).addWarningV2(
        'cdk-compute-patterns:spotSingleInstanceType',
        'Spot capacity with a single instance type is interrupted and unavailable more often; list further types in additionalInstanceTypes',
      );
    }
    this.autoScalingGroup = new autoscaling.AutoScalingGroup(this, 'AutoScalingGroup', {
      vpc: this.vpc,
      vpcSubnets,
      // EC2 Auto Scaling refuses warm pools on groups with a mixed instances policy: one launch template then.
      ...(props.warmPool
        ? { launchTemplate: this.launchTemplate }
        : {
            mixedInstancesPolicy: {
              launchTemplate: this.launchTemplate,
              launchTemplateOverrides: instanceTypes.map((instanceType) => ({ instanceType })),
              instancesDistribution: {
                onDemandAllocationStrategy: autoscaling.OnDemandAllocationStrategy.PRIORITIZED,
                onDemandBaseCapacity: props.onDemandBaseCapacity ?? 0,
                onDemandPercentageAboveBaseCapacity: onDemandPercentage,
                spotAllocationStrategy:
                  props.spotAllocationStrategy ?? autoscaling.SpotAllocationStrategy.PRICE_CAPACITY_OPTIMIZED,
              },
            },
          }),
      capacityRebalance: usesSpot ? true : undefined,
      minCapacity,
      maxCapacity,
      desiredCapacity: props.desiredCapacity,
      healthChecks: autoscaling.HealthChecks.withAdditionalChecks({
        additionalTypes: [autoscaling.AdditionalHealthCheckType.ELB],
        gracePeriod: props.healthCheckGracePeriod ?? Duration.seconds(300),
      }),
      // Replacements (health, rebalancing) launch the new instance before terminating the old one.
      minHealthyPercentage: 100,
      maxHealthyPercentage: 200,
      // The default user data signals whether httpd serves; custom user data may not run cfn-signal.
      signals: waitForSignals
        ? autoscaling.Signals.waitForMinCapacity({ timeout: props.updatePauseTime ?? Duration.minutes(15) })
        : undefined,
      // A launch template change replaces the instances batch by batch (the rolling update), each batch
      // waiting for its signals: CloudFormation rolls back a change whose instances never signal. With a
      // warm pool it replaces the whole group and its pool: a rolling update replaces InService instances only.
      updatePolicy: props.warmPool
        ? autoscaling.UpdatePolicy.replacingUpdate()
        : autoscaling.UpdatePolicy.rollingUpdate({
            maxBatchSize: props.updateBatchSize ?? 1,
            minInstancesInService: minInstancesInService(minCapacity, maxCapacity),
            pauseTime: props.updatePauseTime ?? (waitForSignals ? undefined : Duration.minutes(5)),
          }),
      notifications: [{ topic: this.alarmTopic, scalingEvents: autoscaling.ScalingEvents.ALL }],
      groupMetrics: [autoscaling.GroupMetrics.all()],
    });
    if (waitForSignals) userData.addSignalOnExitCommand(this.autoScalingGroup);
    if (props.warmPool) {
      [this.warmPool, this.readinessHook] = this.addWarmPool(
        props.warmPool,
        userData,
        instancePort,
        healthCheckPath,
        props,
      );
    }
    // Optional next to VPCZoneIdentifier, but it states the zones explicitly (Control Tower CT.AUTOSCALING.PR.1).
    const cfnGroup = this.autoScalingGroup.node.defaultChild as autoscaling.CfnAutoScalingGroup;
    cfnGroup.availabilityZones = distinctZones(this, selected.availabilityZones);
    // On the group resource alone: a volume or instance the user adds next to it is still checked.
    if (!props.warmPool) acknowledgeMixedInstancesLaunchTemplate(this.autoScalingGroup);
    if (props.warmPool) {
      acknowledge(cfnGroup, {
        id: guardRule('autoscaling_mixed_instances_policy_multiple_instance_types_check'),
        reason:
          'The fleet has a warm pool (warmPool), which EC2 Auto Scaling refuses on a group with a MixedInstancesPolicy (PutWarmPool API reference), so the group launches the one instance type of its LaunchTemplate; without warmPool it uses a MixedInstancesPolicy with several instance types.',
      });
    }

    // The load balancer: shared secure defaults, only it reaches the instances.
    const secureLoadBalancer = new SecureLoadBalancer(
      this,
      'LoadBalancer',
      SecureLoadBalancer.propsFrom(this.vpc, props),
    );
    this.loadBalancer = secureLoadBalancer.loadBalancer;
    this.loadBalancerSecurityGroup = secureLoadBalancer.securityGroup;
    this.listener = secureLoadBalancer.listener;
    this.redirectListener = secureLoadBalancer.redirectListener;
    this.url = secureLoadBalancer.url;
    this.webAcl = secureLoadBalancer.webAcl;

    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'TargetGroup', {
      vpc: this.vpc,
      port: instancePort,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.INSTANCE,
      targets: [this.autoScalingGroup],
      deregistrationDelay: Duration.seconds(30),
      healthCheck: {
        path: healthCheckPath,
        healthyHttpCodes: '200-399',
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
    });
    // Registers the target group and opens the instance port from the load balancer's security group only.
    this.listener.addTargetGroups('Fleet', { targetGroups: [this.targetGroup] });

    // Scaling.
    this.autoScalingGroup.scaleOnCpuUtilization('CpuScaling', { targetUtilizationPercent: targetCpu });
    if (requests !== undefined) {
      this.autoScalingGroup.scaleOnRequestCount('RequestCountScaling', { targetRequestsPerMinute: requests });
    }
    if (props.cpuStepScaling) {
      this.autoScalingGroup.scaleOnMetric('CpuStepScaling', {
        metric: this.metricCpuUtilization({ period: Duration.minutes(1) }),
        scalingSteps: props.cpuStepScaling,
        adjustmentType: autoscaling.AdjustmentType.CHANGE_IN_CAPACITY,
      });
    }
    for (const action of props.scheduledScaling ?? []) {
      this.autoScalingGroup.scaleOnSchedule(action.name, {
        schedule: action.schedule,
        timeZone: action.timeZone,
        minCapacity: action.minCapacity,
        maxCapacity: action.maxCapacity,
        desiredCapacity: action.desiredCapacity,
      });
    }

    // Alarms, exposed so users can add actions.
    const targetAlarms = secureLoadBalancer.addTargetGroupAlarms(this.targetGroup, { topic: this.alarmTopic });
    this.alarms = {
      unhealthyHosts: targetAlarms.unhealthyHostsAlarm,
      target5xx: targetAlarms.target5xxAlarm,
      loadBalancer5xx: addLoadBalancer5xxAlarm(secureLoadBalancer, 'LoadBalancer5xxAlarm', this.loadBalancer, {
        topic: this.alarmTopic,
      }),
    };
  }

  /**
   * The warm pool, after a launch lifecycle hook that holds each instance until the application answers
   * (the readiness service the user data installs completes it), with the permissions that service needs.
   */
  private addWarmPool(
    options: autoscaling.WarmPoolOptions,
    userData: ec2.UserData,
    instancePort: number,
    healthCheckPath: string,
    props: HighlyAvailableFleetProps,
  ): [autoscaling.WarmPool, autoscaling.LifecycleHook] {
    const group = this.autoScalingGroup;
    const hook = group.addLifecycleHook('ReadinessHook', {
      lifecycleHookName: WARM_POOL_HOOK_NAME,
      lifecycleTransition: autoscaling.LifecycleTransition.INSTANCE_LAUNCHING,
      // An instance whose application never answers is abandoned (terminated and replaced), not put in service.
      defaultResult: autoscaling.DefaultResult.ABANDON,
      heartbeatTimeout: props.healthCheckGracePeriod ?? Duration.seconds(300),
    });
    addWarmPoolReadiness(userData, group, instancePort, healthCheckPath);
    const stack = Stack.of(this);
    // The group ARN holds an id CloudFormation does not return; the group name pins the resource.
    const groupArn = stack.formatArn({
      service: 'autoscaling',
      resource: 'autoScalingGroup',
      resourceName: `*:autoScalingGroupName/${group.autoScalingGroupName}`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    // A policy of its own: it names the group, which depends on the launch template, which waits for the
    // role's grants policy (a statement there would be a cycle).
    const policy = new iam.ManagedPolicy(this, 'ReadinessPolicy', {
      description: `The warm pool readiness service of ${this.node.path}: reads its group's name, completes its lifecycle hook`,
      roles: [this.instanceRole],
      statements: [
        new iam.PolicyStatement({
          sid: 'ReadGroupName',
          actions: ['cloudformation:DescribeStackResource'],
          resources: [stack.stackId],
        }),
        new iam.PolicyStatement({
          sid: 'CompleteReadinessHook',
          actions: ['autoscaling:CompleteLifecycleAction'],
          resources: [groupArn],
        }),
      ],
    });
    acknowledge(policy.node.defaultChild as iam.CfnManagedPolicy, {
      id: wildcardResourceFinding(this, groupArn),
      reason: `The wildcard stands for the id EC2 Auto Scaling puts in the group's ARN, which CloudFormation does not return; the ARN names the fleet's own group by name, and the statement allows autoscaling:CompleteLifecycleAction only (the readiness service completing the ${WARM_POOL_HOOK_NAME} hook of its instance).`,
    });
    // PoolState written out (Stopped, EC2 Auto Scaling's default) so the template says what the pool costs.
    const pool = withConstructPath(this, () =>
      group.addWarmPool({ ...options, poolState: options.poolState ?? autoscaling.PoolState.STOPPED }),
    );
    // Pool instances launch only once the hook exists, so none enters the pool before it is ready.
    pool.node.addDependency(hook);
    if (options.poolState === autoscaling.PoolState.HIBERNATED) {
      // Hibernation must be configured at launch; EC2 writes the RAM to the encrypted root volume.
      (this.launchTemplate.node.defaultChild as ec2.CfnLaunchTemplate).addPropertyOverride(
        'LaunchTemplateData.HibernationOptions.Configured',
        true,
      );
    }
    return [pool, hook];
  }

  /**
   * Average CPU utilization of the fleet's instances, in percent (what target tracking scales on).
   * @default - average over 5 minutes
   */
  public metricCpuUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/EC2',
      metricName: 'CPUUtilization',
      dimensionsMap: { AutoScalingGroupName: this.autoScalingGroup.autoScalingGroupName },
      statistic: 'Average',
      ...props,
    });
  }

  /**
   * Requests the load balancer sent to the fleet.
   * @default - sum over 5 minutes
   */
  public metricRequestCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.targetGroup.metrics.requestCount(props);
  }

  /**
   * Instances failing their load balancer health checks (the `unhealthyHosts` alarm's metric).
   * @default - maximum over 5 minutes
   */
  public metricUnhealthyHostCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.targetGroup.metrics.unhealthyHostCount({ statistic: 'Maximum', ...props });
  }

  /**
   * 5xx responses from the instances (the `target5xx` alarm's metric).
   * @default - sum over 5 minutes
   */
  public metricTarget5xxCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.targetGroup.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, props);
  }
}

/**
 * The interface endpoints instances in subnets without egress call: Session
 * Manager (the agent registers with ssm, opens sessions through ssmmessages and
 * polls ec2messages), and cloudformation when the default user data runs cfn-signal.
 */
function instanceEndpoints(signals: boolean, warmPool: boolean): RequiredServiceEndpoint[] {
  return [
    { service: ec2.InterfaceVpcEndpointAwsService.SSM, name: 'Ssm' },
    { service: ec2.InterfaceVpcEndpointAwsService.SSM_MESSAGES, name: 'SsmMessages' },
    { service: ec2.InterfaceVpcEndpointAwsService.EC2_MESSAGES, name: 'Ec2Messages' },
    ...(signals || warmPool
      ? [{ service: ec2.InterfaceVpcEndpointAwsService.CLOUDFORMATION, name: 'CloudFormation' }]
      : []),
    // The warm pool's readiness service completes its lifecycle action.
    ...(warmPool ? [{ service: ec2.InterfaceVpcEndpointAwsService.AUTOSCALING, name: 'AutoScaling' }] : []),
  ];
}

/**
 * Throws on what a warm pool cannot be combined with: EC2 Auto Scaling refuses warm pools on groups with a
 * mixed instances policy or Spot Instances, and the replacing update a warm pool needs has no batches.
 */
function validateWarmPool(props: HighlyAvailableFleetProps): void {
  const conflicts: [string, boolean][] = [
    ['additionalInstanceTypes', (props.additionalInstanceTypes ?? []).length > 0],
    ['onDemandBaseCapacity', props.onDemandBaseCapacity !== undefined && props.onDemandBaseCapacity !== 0],
    [
      'onDemandPercentageAboveBaseCapacity',
      props.onDemandPercentageAboveBaseCapacity !== undefined && props.onDemandPercentageAboveBaseCapacity !== 100,
    ],
    ['spotAllocationStrategy', props.spotAllocationStrategy !== undefined],
  ];
  for (const [name, given] of conflicts) {
    if (given) {
      throw new Error(
        `warmPool cannot be combined with ${name}: EC2 Auto Scaling refuses warm pools on groups with a mixed instances policy or Spot Instances, which ${name} needs; remove ${name} (the fleet then runs instanceType alone, On-Demand) or remove warmPool`,
      );
    }
  }
  if (props.updateBatchSize !== undefined) {
    throw new Error(
      'warmPool cannot be combined with updateBatchSize: with a warm pool a launch template change replaces the whole group and its pool at once (a rolling update would leave the pool on the old launch template); remove updateBatchSize',
    );
  }
}

/**
 * Instance families built on the Xen hypervisor rather than the AWS Nitro System (the EC2 user guide's
 * list of Xen-based types), with the sizes of those families that are Nitro.
 */
const XEN_FAMILIES = new Set([
  'c1',
  'c3',
  'c4',
  'cc2',
  'cg1',
  'cr1',
  'd2',
  'f1',
  'g2',
  'g3',
  'g3s',
  'h1',
  'hi1',
  'hs1',
  'i2',
  'i3',
  'm1',
  'm2',
  'm3',
  'm4',
  'p2',
  'p3',
  'r3',
  'r4',
  't1',
  't2',
  'x1',
  'x1e',
]);
const NITRO_SIZES_OF_XEN_FAMILIES = new Set(['i3.metal', 'm4.16xlarge']);

/** Whether `type` is built on the AWS Nitro System (tokens and unknown families count as Nitro). */
function isNitro(type: ec2.InstanceType): boolean {
  const name = type.toString();
  if (Token.isUnresolved(name)) return true;
  return !XEN_FAMILIES.has(name.split('.')[0]) || NITRO_SIZES_OF_XEN_FAMILIES.has(name);
}

function validateCapacity(min: number, max: number, desired: number | undefined): void {
  if (!Token.isUnresolved(min) && !(Number.isInteger(min) && min >= 1)) {
    throw new Error(
      `minCapacity must be a positive integer (2 or more for a highly available fleet: an instance in each of two Availability Zones); received ${min}`,
    );
  }
  validateIntegerInRange('maxCapacity', max, 1, 10000);
  validateOrder('minCapacity', min, 'maxCapacity', max);
  validateWithin('desiredCapacity', desired, 'minCapacity', min, 'maxCapacity', max);
}

/**
 * CloudFormation requires MinInstancesInService to be below MaxSize; keep the
 * whole minimum in service otherwise, so updates never drop below it.
 */
function minInstancesInService(min: number, max: number): number {
  if (Token.isUnresolved(min) || Token.isUnresolved(max)) return min;
  return Math.max(0, Math.min(min, max - 1));
}

function resolveInstanceTypes(
  instanceType: ec2.InstanceType | undefined,
  additional: ec2.InstanceType[] | undefined,
): ec2.InstanceType[] {
  const first = instanceType ?? new ec2.InstanceType(DEFAULT_INSTANCE_TYPE);
  const rest = additional ?? (instanceType ? [] : [new ec2.InstanceType(DEFAULT_ADDITIONAL_INSTANCE_TYPE)]);
  const all = [first, ...rest];
  const seen = new Set<string>();
  for (const type of all) {
    const name = type.toString();
    if (seen.has(name)) {
      throw new Error(
        `instanceType and additionalInstanceTypes must list distinct instance types; received ${name} more than once`,
      );
    }
    seen.add(name);
    if (!isNitro(type)) {
      throw new Error(
        `instance type ${name} is not built on the AWS Nitro System, which the fleet requires (Control Tower CT.EC2.PR.15; Nitro types also encrypt traffic between instances); choose a current-generation type such as c7g.medium, m7g.medium or t4g.small`,
      );
    }
    if (type.architecture !== first.architecture) {
      throw new Error(
        `additionalInstanceTypes must share the CPU architecture of instanceType ${first} (${first.architecture}) so that one machine image fits them all; received ${name} (${type.architecture})`,
      );
    }
  }
  return all;
}
