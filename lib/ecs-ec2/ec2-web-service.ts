import { Annotations, Duration, Size, Token } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { alarmTopicFor } from '../common/alarm-topic';
import {
  acknowledgeExecWildcards,
  containerMemoryErrors,
  DEFAULT_USER,
  addServiceContainer,
  dependOnTaskRolePolicies,
  ecrLoginPolicy,
  mainContainerReservation,
  secretLookingVariables,
  secretServiceEndpoints,
  validateEnvironment,
  validateUser,
  writableVolumes,
} from '../common/ecs-container';
import { checkImageRegistry, imageTagAdvice } from '../common/ecs-image';
import { deploymentServiceProps, ServiceDeployment } from '../common/ecs-service-deployment';
import { attachServiceToLoadBalancer, validateSharedListenerRule } from '../common/ecs-service-load-balancing';
import {
  addServiceScaling,
  EcsWebServiceAlarms,
  EcsWebServiceOptions,
  serviceAlarms,
  validateEcsWebServiceOptions,
} from '../common/ecs-service-options';
import {
  prepareSidecarNetwork,
  sidecarNetwork,
  SidecarNetwork,
  SidecarOptions,
  sidecarContainerOptions,
} from '../common/ecs-sidecar';
import { acknowledgeMixedInstancesLaunchTemplate, hardenedLaunchTemplate } from '../common/hardened-launch-template';
import { SecureLogGroup } from '../common/log-group';
import { acknowledge } from '../common/nag';
import { SecureKey } from '../common/secure-key';
import { SecureVpc } from '../common/secure-vpc';
import { ensureEndpointDependencies, isolatedSubnetsOf, RequiredServiceEndpoint } from '../common/service-endpoints';
import { defaultPrivateSubnets, validateMultiAz } from '../common/subnets';
import { validateIntegerInRange, validateOrder, withConstructPath } from '../common/validation';
import { RoutedPolicy, RoutedRole } from '../fargate/private/routed-role';
import { sessionManagerPolicy } from '../fleet/private/session-manager-policy';
import { ContainerInstanceTeardown } from './private/teardown';

/** Name of the application container in the task definition. */
const CONTAINER_NAME = 'web';

/** Public SSM parameters of the ECS-optimized Amazon Linux 2023 AMI, per architecture. */
const ECS_AMI_PARAMETERS: Record<string, string> = {
  [ec2.InstanceArchitecture.ARM_64]: '/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id',
  [ec2.InstanceArchitecture.X86_64]: '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id',
};

/**
 * The alarms an Ec2WebService raises (the same names as FargateWebServiceAlarms). Each notifies the alarm
 * topic; add further actions with `alarm.addAlarmAction(...)`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Ec2WebServiceAlarms extends EcsWebServiceAlarms {}

/**
 * Properties for an Ec2WebService.
 */
export interface Ec2WebServiceProps extends EcsWebServiceOptions {
  /**
   * The container image to run: `ecs.ContainerImage.fromEcrRepository(repository, tagOrDigest)`
   * (or `SecureRepository.imageForTag` / `imageForDigest`), `fromAsset(...)`, or an ECR Public image
   * (`fromRegistry('public.ecr.aws/...')`). An image named by a mutable tag such as `latest` (or by
   * no tag) synthesizes with a warning; pin a digest or an immutable tag. Docker Hub images synthesize
   * with a warning too (anonymous pulls are rate-limited per source IP, and every instance pulls through
   * the VPC's NAT address). In subnets without egress only a private ECR image can be pulled.
   */
  readonly image: ecs.ContainerImage;

  /**
   * The VPC to run in.
   * @default - a new SecureVpc (two or more AZs, flow logs, one NAT gateway)
   */
  readonly vpc?: ec2.IVpc;

  /**
   * The private subnets the container instances (and, in `awsvpc` mode, the tasks) run in.
   * @default - the VPC's private subnets (with egress when it has them)
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * The VPC already has the interface endpoints that instances in subnets without egress need (ECS,
   * ECS agent, ECS telemetry, ECR api and dkr, CloudWatch Logs, SSM, SSM messages, EC2 messages) and
   * the S3 gateway endpoint. When false and the subnets have no egress, the construct adds the
   * missing endpoints to a VPC defined in the same stack, and refuses any other VPC.
   * @default false
   */
  readonly vpcEndpointsProvided?: boolean;

  /**
   * Container instance type. Graviton (arm64) by default; the AMI and the task's CPU architecture
   * follow the type's architecture. In `awsvpc` mode every task takes an elastic network interface of
   * its instance (m7g.large: 2 tasks; see docs/ECS-EC2.md).
   * @default m7g.large
   */
  readonly instanceType?: ec2.InstanceType;

  /**
   * Further instance types of the same architecture, for capacity and Spot diversity.
   * @default - c7g.large when instanceType is not given, otherwise none
   */
  readonly additionalInstanceTypes?: ec2.InstanceType[];

  /**
   * Fewest container instances.
   * @default 2
   */
  readonly instanceMinCapacity?: number;

  /**
   * Most container instances; ECS managed scaling adds instances up to here when tasks do not fit.
   * @default 6
   */
  readonly instanceMaxCapacity?: number;

  /**
   * On-demand instances always kept (before any Spot).
   * @default 0
   */
  readonly onDemandBaseCapacity?: number;

  /**
   * Percentage of on-demand instances above `onDemandBaseCapacity`; below 100 the rest is Spot. The ECS agent
   * then drains an instance's tasks on its two-minute Spot interruption notice
   * (`ECS_ENABLE_SPOT_INSTANCE_DRAINING`, set in the user data; managed draining covers Auto Scaling's own
   * terminations, not Spot interruptions).
   * @default 100
   */
  readonly onDemandPercentageAboveBaseCapacity?: number;

  /**
   * Task networking: `AWS_VPC` (each task has its own network interface and security group, reachable
   * from the load balancer only) or `BRIDGE` (tasks share the instance's interface through dynamic
   * host ports 32768-65535, which the instances' security group opens to the load balancer).
   * @default ecs.NetworkMode.AWS_VPC
   */
  readonly networkMode?: ecs.NetworkMode;

  /**
   * How ECS places tasks on instances, in order.
   * @default - spread across Availability Zones, then binpack on memory
   */
  readonly placementStrategies?: ecs.PlacementStrategy[];

  /**
   * Where ECS may place tasks (e.g. `ecs.PlacementConstraint.memberOf('attribute:ecs.instance-type =~ m7g.*')`).
   * @default - none
   */
  readonly placementConstraints?: ecs.PlacementConstraint[];

  /**
   * Task CPU units (1024 = 1 vCPU), reserved on the instance.
   * @default 256
   */
  readonly cpu?: number;

  /**
   * Task memory in MiB, reserved on the instance: the application container's hard limit; with sidecars
   * (`addSidecar`), the application container reserves what their reservations leave of it.
   * @default 512
   */
  readonly memoryLimitMiB?: number;
}

/**
 * A containerized web application on ECS with the EC2 launch type, behind the shared secure
 * Application Load Balancer: a cluster whose Auto Scaling group capacity provider (ECS managed
 * scaling and managed draining) runs hardened Graviton container instances from the ECS-optimized
 * Amazon Linux 2023 AMI (IMDSv2 with hop limit 1, encrypted gp3, no public IP, Session Manager),
 * tasks spread across Availability Zones then binpacked on memory, `awsvpc` networking, the same
 * container hardening, scaling and alarms as FargateWebService, and a teardown order that deletes
 * the service before the capacity it runs on.
 */
export class Ec2WebService extends Construct implements ec2.IConnectable, iam.IGrantable {
  /** The VPC the service runs in. */
  public readonly vpc: ec2.IVpc;
  /** The cluster. */
  public readonly cluster: ecs.Cluster;
  /** The container instances. */
  public readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  /** The Auto Scaling group capacity provider the service runs on. */
  public readonly capacityProvider: ecs.AsgCapacityProvider;
  /** The hardened launch template of the container instances. */
  public readonly launchTemplate: ec2.LaunchTemplate;
  /**
   * The custom resource (and its function) that releases the container instances' scale-in protection when the
   * stack is deleted, so that managed termination protection never blocks the deletion.
   */
  public readonly teardownFunction: lambda.IFunction;
  private readonly teardown: ContainerInstanceTeardown;
  /** The role of the container instances (ECS agent, Session Manager). */
  public readonly instanceRole: iam.IRole;
  /** Security group of the container instances. */
  public readonly instanceSecurityGroup: ec2.SecurityGroup;
  /** The task definition. */
  public readonly taskDefinition: ecs.Ec2TaskDefinition;
  /** The application container. */
  public readonly container: ecs.ContainerDefinition;
  /** The role the application assumes. */
  public readonly taskRole: iam.IRole;
  /** The ECS service. */
  public readonly service: ecs.Ec2Service;
  /** Security group of the tasks in `awsvpc` mode; in `BRIDGE` mode, the instances' security group. */
  public readonly securityGroup: ec2.ISecurityGroup;
  /** The load balancer: the service's own, or the one it joined with `listenerRule`. */
  public readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  /** The serving listener: HTTPS on 443 with a certificate, otherwise HTTP on 80. */
  public readonly listener: elbv2.ApplicationListener;
  /** The target group of the tasks (with a traffic-shifting deployment: the one production starts on). */
  public readonly targetGroup: elbv2.ApplicationTargetGroup;
  /** The second target group of a blue/green, linear or canary deployment. */
  public readonly alternateTargetGroup?: elbv2.ApplicationTargetGroup;
  /** The listener rule of the service: with `listenerRule`, or the production rule of a traffic-shifting deployment. */
  public readonly listenerRule?: elbv2.ApplicationListenerRule;
  /** The test listener of a traffic-shifting deployment with `testListenerPort`. */
  public readonly testListener?: elbv2.ApplicationListener;
  /** The role ECS moves traffic between the target groups with, for a traffic-shifting deployment. */
  public readonly deploymentRole?: iam.IRole;
  /** The scalable task count. */
  public readonly scaling: ecs.ScalableTaskCount;
  /** The log group of the container logs. */
  public readonly logGroup: logs.ILogGroup;
  /** The log group of ECS Exec sessions, with `enableExecuteCommand`. */
  public readonly execLogGroup?: logs.ILogGroup;
  /**
   * `http(s)://<domain or load balancer DNS name>`; on a shared load balancer, narrowed to the rule's first
   * host name and path prefix.
   */
  public readonly url: string;
  /** The AWS WAF web ACL in front of the load balancer (unless `webAcl: false`, or internal without `webAcl: true`). */
  public readonly webAcl?: wafv2.CfnWebACL;
  /** The alarms, each notifying `alarmTopic`. */
  public readonly alarms: Ec2WebServiceAlarms;
  /** The topic the alarms notify. */
  public readonly alarmTopic: sns.ITopic;
  /** The task role: grant it what the application needs. */
  public readonly grantPrincipal: iam.IPrincipal;
  /** The tasks' network access (`awsvpc`) or the instances' (`BRIDGE`). */
  public readonly connections: ec2.Connections;
  /** The containers added with `addSidecar`, in order. */
  public readonly sidecars: ecs.ContainerDefinition[] = [];
  private readonly ecrAuthorization: RoutedPolicy;
  /** Where the tasks run, for the sidecars' registry and endpoint checks. */
  private readonly sidecarNetwork: SidecarNetwork;
  /** The task's memory budget (MiB): the application container's hard limit, reserved on the instance. */
  private readonly taskMemoryMiB: number;
  private readonly networkMode: ecs.NetworkMode;

  constructor(scope: Construct, id: string, props: Ec2WebServiceProps) {
    super(scope, id);
    const cpu = props.cpu ?? 256;
    const memoryLimitMiB = props.memoryLimitMiB ?? 512;
    const containerPort = props.containerPort ?? 80;
    const healthCheckPath = props.healthCheckPath ?? '/';
    const deployment = props.deployment ?? ServiceDeployment.rolling();
    const instanceMin = props.instanceMinCapacity ?? 2;
    const instanceMax = props.instanceMaxCapacity ?? 6;
    const networkMode = props.networkMode ?? ecs.NetworkMode.AWS_VPC;
    this.networkMode = networkMode;
    this.taskMemoryMiB = memoryLimitMiB;
    const readonlyRootFilesystem = props.readonlyRootFilesystem ?? true;
    const enableExecuteCommand = props.enableExecuteCommand ?? false;
    const onDemandPercentage = props.onDemandPercentageAboveBaseCapacity ?? 100;
    const instanceType = props.instanceType ?? ec2.InstanceType.of(ec2.InstanceClass.M7G, ec2.InstanceSize.LARGE);
    // Two Graviton types by default: Control Tower CT.AUTOSCALING.PR.6 wants a mixed instances policy
    // with more than one type (a shortage of one type then does not stop scale-out).
    const additionalTypes =
      props.additionalInstanceTypes ??
      (props.instanceType ? [] : [ec2.InstanceType.of(ec2.InstanceClass.C7G, ec2.InstanceSize.LARGE)]);
    const instanceTypes = [instanceType, ...additionalTypes];
    const { capacity, deploymentProps, sharedLoadBalancer } = withConstructPath(this, () => {
      validateIntegerInRange('cpu', cpu, 128, 196608);
      validateIntegerInRange('memoryLimitMiB', memoryLimitMiB, 6, 1048576);
      validateIntegerInRange('containerPort', containerPort, 1, 65535);
      if (!Token.isUnresolved(healthCheckPath) && !healthCheckPath.startsWith('/')) {
        throw new Error(`healthCheckPath must start with '/', e.g. '/health'; received '${healthCheckPath}'`);
      }
      const validated = validateEcsWebServiceOptions(props);
      validateIntegerInRange('instanceMinCapacity', instanceMin, 1, 1000);
      validateIntegerInRange('instanceMaxCapacity', instanceMax, 1, 1000);
      validateOrder('instanceMinCapacity', instanceMin, 'instanceMaxCapacity', instanceMax);
      validateIntegerInRange('onDemandBaseCapacity', props.onDemandBaseCapacity, 0, 1000);
      validateIntegerInRange('onDemandPercentageAboveBaseCapacity', onDemandPercentage, 0, 100);
      validateEnvironment(props.environment);
      validateUser(props.user);
      if (networkMode !== ecs.NetworkMode.AWS_VPC && networkMode !== ecs.NetworkMode.BRIDGE) {
        throw new Error(
          `networkMode must be AWS_VPC (a network interface and security group per task) or BRIDGE (dynamic host ports); received ${networkMode}`,
        );
      }
      const architectures = new Set(instanceTypes.map((t) => t.architecture));
      if (architectures.size > 1) {
        throw new Error(
          `instanceType and additionalInstanceTypes must share one CPU architecture (one AMI and one image serve them all); received ${instanceTypes.map((t) => `${t} (${t.architecture})`).join(', ')}`,
        );
      }
      return {
        capacity: validated,
        deploymentProps: deploymentServiceProps(deployment),
        sharedLoadBalancer: props.listenerRule
          ? validateSharedListenerRule(props.listenerRule, props, props.vpc)
          : undefined,
      };
    });
    const { minCapacity, desiredCount } = capacity;
    if (!Token.isUnresolved(minCapacity) && minCapacity < 2) {
      Annotations.of(this).addWarningV2(
        'cdk-compute-patterns:singleInstance',
        `minCapacity is ${minCapacity}: the service can scale to a single task, which does not survive the loss of an Availability Zone or a failed task; use 2 or more in production`,
      );
    }
    if (!Token.isUnresolved(instanceMin) && instanceMin < 2) {
      Annotations.of(this).addWarningV2(
        'cdk-compute-patterns:singleContainerInstance',
        `instanceMinCapacity is ${instanceMin}: the cluster can shrink to one container instance in one Availability Zone; use 2 or more in production`,
      );
    }
    imageTagAdvice(this, props.image);

    // Network.
    this.vpc = props.vpc ?? sharedLoadBalancer?.loadBalancer.vpc ?? new SecureVpc(this, 'Vpc');
    const vpcSubnets = props.vpcSubnets ?? defaultPrivateSubnets(this.vpc);
    const selected = validateMultiAz(this, this.vpc, vpcSubnets, 'the container instances');
    // The instances pull the image: from subnets without egress only private ECR is reachable.
    checkImageRegistry(this, props.image, isolatedSubnetsOf(this.vpc, selected));
    const publicIds = new Set(this.vpc.publicSubnets.map((s) => s.subnetId));
    const publicSelected = selected.subnets.filter((s) => publicIds.has(s.subnetId));
    if (publicSelected.length > 0) {
      throw new Error(
        `${this.node.path}: vpcSubnets must select private subnets: container instances and tasks get no public IP address and only the load balancer is public; received public subnets ${publicSelected.map((s) => s.node.path).join(', ')}. Select PRIVATE_WITH_EGRESS or PRIVATE_ISOLATED subnets`,
      );
    }

    this.alarmTopic = alarmTopicFor(this, props.alarmTopic, { autoScalingNotifications: true });

    // Cluster and container instances: the fleet's hardening on the ECS-optimized AL2023 AMI.
    let executeCommandConfiguration: ecs.ExecuteCommandConfiguration | undefined;
    if (enableExecuteCommand) {
      this.execLogGroup = new SecureLogGroup(this, 'ExecLogGroup', { retention: props.logRetention });
      executeCommandConfiguration = {
        kmsKey: new SecureKey(this, 'ExecKey', { description: `Encrypts ECS Exec sessions of ${this.node.path}` }),
        logging: ecs.ExecuteCommandLogging.OVERRIDE,
        logConfiguration: { cloudWatchLogGroup: this.execLogGroup, cloudWatchEncryptionEnabled: true },
      };
    }
    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: this.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
      executeCommandConfiguration,
    });
    const instanceRole = new RoutedRole(this, 'InstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: `Container instances of ${this.node.path}: ECS agent and Session Manager`,
    });
    this.instanceRole = instanceRole;
    sessionManagerPolicy(this, 'SessionManagerPolicy', instanceRole);
    this.instanceSecurityGroup = new ec2.SecurityGroup(this, 'InstanceSecurityGroup', {
      vpc: this.vpc,
      description: `Container instances of ${this.node.path}: ${networkMode === ecs.NetworkMode.BRIDGE ? 'dynamic host ports from the load balancer only' : 'no inbound traffic'}`,
      allowAllOutbound: true,
    });
    const architecture = instanceType.architecture;
    this.launchTemplate = hardenedLaunchTemplate(this, 'LaunchTemplate', {
      machineImage: ec2.MachineImage.resolveSsmParameterAtLaunch(ECS_AMI_PARAMETERS[architecture], {
        os: ec2.OperatingSystemType.LINUX,
      }),
      instanceType,
      userData: ec2.UserData.forLinux(),
      role: instanceRole,
      securityGroup: this.instanceSecurityGroup,
      rootVolumeSize: Size.gibibytes(30),
    });
    if (onDemandPercentage < 100) {
      // Managed draining acts on Auto Scaling's terminations (scale-in, refresh, rebalancing); a Spot interruption
      // notice reaches ECS only through the agent, which acts on it only with this setting (off by default).
      this.launchTemplate.userData!.addCommands('echo ECS_ENABLE_SPOT_INSTANCE_DRAINING=true >> /etc/ecs/ecs.config');
    }
    this.autoScalingGroup = new autoscaling.AutoScalingGroup(this, 'AutoScalingGroup', {
      vpc: this.vpc,
      vpcSubnets,
      mixedInstancesPolicy: {
        launchTemplate: this.launchTemplate,
        launchTemplateOverrides: instanceTypes.map((t) => ({ instanceType: t })),
        instancesDistribution: {
          onDemandAllocationStrategy: autoscaling.OnDemandAllocationStrategy.PRIORITIZED,
          onDemandBaseCapacity: props.onDemandBaseCapacity ?? 0,
          onDemandPercentageAboveBaseCapacity: onDemandPercentage,
          spotAllocationStrategy: autoscaling.SpotAllocationStrategy.PRICE_CAPACITY_OPTIMIZED,
        },
      },
      minCapacity: instanceMin,
      maxCapacity: instanceMax,
      groupMetrics: [autoscaling.GroupMetrics.all()],
      notifications: [
        {
          topic: this.alarmTopic,
          scalingEvents: autoscaling.ScalingEvents.ALL,
        },
      ],
    });
    const cfnGroup = this.autoScalingGroup.node.defaultChild as autoscaling.CfnAutoScalingGroup;
    // Optional next to VPCZoneIdentifier, but it states the zones explicitly (Control Tower CT.AUTOSCALING.PR.1).
    cfnGroup.availabilityZones = [...new Set(selected.availabilityZones)];
    acknowledgeMixedInstancesLaunchTemplate(this.autoScalingGroup);
    // Managed termination protection: ECS protects the instances that run tasks from scale-in, so managed scaling
    // only removes empty instances; managed draining moves tasks off an instance before Auto Scaling terminates it
    // (scale-in, refresh, rebalancing; Spot interruptions are drained by the agent, see above). Stack deletion never hangs (aws-cdk#14732, #18179): the teardown resource is
    // deleted after the capacity provider and before the group, and releases the protection ECS leaves behind.
    this.capacityProvider = new ecs.AsgCapacityProvider(this, 'CapacityProvider', {
      autoScalingGroup: this.autoScalingGroup,
      enableManagedScaling: true,
      enableManagedTerminationProtection: true,
      enableManagedDraining: true,
      targetCapacityPercent: 100,
    });
    this.teardown = new ContainerInstanceTeardown(this, 'Teardown', {
      autoScalingGroup: this.autoScalingGroup,
      capacityProvider: this.capacityProvider,
      vpc: this.vpc,
      vpcSubnets,
      selectedSubnets: selected,
      vpcEndpointsProvided: props.vpcEndpointsProvided,
      logRetention: props.logRetention,
    });
    this.teardownFunction = this.teardown.function;
    // The ECS agent's permissions aws-cdk-lib adds while associating the group go to a policy of their own.
    const agentPolicy = new RoutedPolicy(this, 'EcsAgentPolicy', instanceRole);
    const agentStatements: iam.PolicyStatement[] = [];
    instanceRole.routeWhile(
      agentPolicy,
      () => this.cluster.addAsgCapacityProvider(this.capacityProvider),
      (st) => {
        agentStatements.push(st);
        return true;
      },
    );
    if (agentPolicy.policy) {
      const anywhere = agentStatements.filter((st) => st.resources.includes('*')).flatMap((st) => st.actions);
      const submit = agentStatements.flatMap((st) => st.actions).filter((a) => a.endsWith('*'));
      for (const action of submit) {
        acknowledge(agentPolicy.policy, {
          id: `AwsSolutions-IAM5[Action::${action}]`,
          reason: `aws-cdk-lib grants the ECS agent ${action} (SubmitContainerStateChange, SubmitTaskStateChange, SubmitAttachmentStateChanges: state reports) on this cluster's ARN alone.`,
        });
      }
      acknowledge(agentPolicy.policy, {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: `The ECS agent on the container instances needs ${[...new Set(anywhere)].sort().join(', ')}, which aws-cdk-lib grants on * (ecs:Poll and ecs:StartTelemetrySession only for this cluster, by an ecs:cluster condition; ecs:DiscoverPollEndpoint and ecr:GetAuthorizationToken support no resource-level permissions); registering and reporting are granted on this cluster alone.`,
      });
    }

    // Task definition: the shared container hardening.
    const taskRole = new RoutedRole(this, 'TaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `Task role of ${this.node.path}: what the application may do in AWS`,
    });
    const executionRole = new RoutedRole(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `Execution role of ${this.node.path}: pulls the image, writes its logs, reads its secrets`,
    });
    this.taskRole = taskRole;
    this.grantPrincipal = taskRole;
    this.taskDefinition = new ecs.Ec2TaskDefinition(this, 'TaskDefinition', {
      networkMode,
      taskRole,
      executionRole,
    });
    this.logGroup = new SecureLogGroup(this, 'LogGroup', { retention: props.logRetention });
    this.ecrAuthorization = ecrLoginPolicy(this, executionRole);
    this.container = addServiceContainer(this.taskDefinition, this.ecrAuthorization, 'Web', {
      containerName: CONTAINER_NAME,
      image: props.image,
      essential: true,
      cpu,
      // memoryLimitMiB is the application container's hard limit (CT.ECS.PR.7); with sidecars it reserves
      // what they leave, so the task still reserves memoryLimitMiB on the instance.
      memoryLimitMiB,
      memoryReservationMiB: mainContainerReservation(this.taskDefinition, memoryLimitMiB, () => this.container),
      portMappings: [
        {
          containerPort,
          hostPort: networkMode === ecs.NetworkMode.BRIDGE ? 0 : undefined,
          protocol: ecs.Protocol.TCP,
        },
      ],
      environment: props.environment,
      secrets: props.secrets,
      user: props.user ?? DEFAULT_USER,
      readonlyRootFilesystem,
      privileged: false,
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: CONTAINER_NAME, logGroup: this.logGroup }),
    });
    for (const [name, containerPath] of withConstructPath(this, () => writableVolumes(props.writablePaths ?? []))) {
      this.taskDefinition.addVolume({ name });
      this.container.addMountPoints({ sourceVolume: name, containerPath, readOnly: false });
    }
    this.node.addValidation({ validate: () => secretLookingVariables(this.taskDefinition) });
    // Sidecars (addSidecar, or containers added to the task definition) must fit in memoryLimitMiB.
    this.node.addValidation({
      validate: () =>
        containerMemoryErrors(this.taskDefinition, memoryLimitMiB, this.container).map(
          (error) => `${this.node.path}: ${error}`,
        ),
    });
    // aws-cdk-lib sets AWS_REGION (the Region name) on containers of EC2 task definitions, so the
    // environment is never empty here.
    acknowledge(this.taskDefinition, {
      id: 'AwsSolutions-ECS2',
      reason:
        'The environment variables are configuration: AWS_REGION (set by aws-cdk-lib) and, if given, the user environment, in which the construct refuses names that carry credentials (AWS keys, ECS_ENGINE_AUTH_DATA, CT.ECS.PR.12) or look like secrets (PASSWORD, SECRET, TOKEN, API_KEY, PRIVATE_KEY, CREDENTIALS, ...) and points them to secrets, which ECS injects from Secrets Manager or SSM through the execution role alone.',
    });

    // Service: spread over AZs, then binpack on memory; safe deployments.
    this.securityGroup =
      networkMode === ecs.NetworkMode.AWS_VPC
        ? new ec2.SecurityGroup(this, 'SecurityGroup', {
            vpc: this.vpc,
            description: `Tasks of ${this.node.path}: container port from the load balancer only`,
            allowAllOutbound: true,
          })
        : this.instanceSecurityGroup;
    this.connections = new ec2.Connections({ securityGroups: [this.securityGroup] });
    // Secrets and images are fetched by the ECS agent on the instance; awsvpc tasks call AWS from their own ENI.
    this.sidecarNetwork = sidecarNetwork(
      this,
      this.vpc,
      selected,
      [this.instanceSecurityGroup, this.securityGroup],
      props.vpcEndpointsProvided,
    );
    const endpointRequirements = {
      ...this.sidecarNetwork.endpoints,
      services: containerInstanceEndpoints(props.secrets),
    };
    const endpoints = ensureEndpointDependencies(endpointRequirements);
    const execPolicy = new RoutedPolicy(this, 'ExecPolicy', taskRole);
    const execStatements: iam.PolicyStatement[] = [];
    const createService = () =>
      new ecs.Ec2Service(this, 'Service', {
        cluster: this.cluster,
        taskDefinition: this.taskDefinition,
        desiredCount,
        minHealthyPercent: 100,
        maxHealthyPercent: 200,
        circuitBreaker: { enable: true, rollback: true },
        ...deploymentProps,
        vpcSubnets: networkMode === ecs.NetworkMode.AWS_VPC ? vpcSubnets : undefined,
        securityGroups: networkMode === ecs.NetworkMode.AWS_VPC ? [this.securityGroup] : undefined,
        assignPublicIp: networkMode === ecs.NetworkMode.AWS_VPC ? false : undefined,
        capacityProviderStrategies: [{ capacityProvider: this.capacityProvider.capacityProviderName, weight: 1 }],
        placementStrategies: props.placementStrategies ?? [
          ecs.PlacementStrategy.spreadAcross(ecs.BuiltInAttributes.AVAILABILITY_ZONE),
          ecs.PlacementStrategy.packedByMemory(),
        ],
        placementConstraints: props.placementConstraints,
        enableExecuteCommand,
        propagateTags: ecs.PropagatedTagSource.SERVICE,
        healthCheckGracePeriod: Duration.seconds(60),
      });
    this.service = enableExecuteCommand
      ? taskRole.routeWhile(execPolicy, createService, (st) => {
          execStatements.push(st);
          return true;
        })
      : createService();
    if (execPolicy.policy) {
      acknowledgeExecWildcards(execPolicy.policy, execStatements);
      this.service.node.addDependency(execPolicy.policy);
    }
    // Teardown order: the service (and its tasks) goes first, then the capacity provider association,
    // the capacity provider and the Auto Scaling group, then the cluster. Creation runs the other way.
    // The capacity provider association is created at synth as a child of the cluster: a dependency
    // on the cluster covers it.
    this.service.node.addDependency(this.cluster, this.capacityProvider, this.autoScalingGroup);
    this.service.node.addDependency(...endpoints);
    dependOnTaskRolePolicies(this.service, [executionRole, taskRole]);
    if (this.ecrAuthorization.policy) this.service.node.addDependency(this.ecrAuthorization.policy);
    if (agentPolicy.policy) this.autoScalingGroup.node.addDependency(agentPolicy.policy);

    // Load balancer: the shared secure ALB (the service's own, or a rule on another's), forwarding to the tasks.
    const attached = attachServiceToLoadBalancer(this, {
      vpc: this.vpc,
      service: this.service,
      containerName: CONTAINER_NAME,
      containerPort,
      healthCheckPath,
      targetType: networkMode === ecs.NetworkMode.AWS_VPC ? elbv2.TargetType.IP : elbv2.TargetType.INSTANCE,
      options: props,
      topic: this.alarmTopic,
    });
    this.loadBalancer = attached.loadBalancer;
    this.listener = attached.listener;
    this.url = attached.url;
    this.targetGroup = attached.targetGroup;
    this.alternateTargetGroup = attached.alternateTargetGroup;
    this.listenerRule = attached.listenerRule;
    this.testListener = attached.testListener;
    this.deploymentRole = attached.deploymentRole;
    this.webAcl = attached.webAcl;
    if (networkMode === ecs.NetworkMode.BRIDGE) {
      // Bridge mode maps the container port to an ephemeral host port (the Linux range ECS uses), on
      // the instances' security group: only the load balancer reaches it.
      this.instanceSecurityGroup.addIngressRule(
        this.loadBalancer.connections.securityGroups[0],
        ec2.Port.tcpRange(32768, 65535),
        'Dynamic host ports of the tasks, from the load balancer only',
      );
    }

    // Auto scaling of the tasks (ECS managed scaling follows with instances), and alarms.
    this.scaling = addServiceScaling(this.service, props, capacity, this.targetGroup);
    this.alarms = {
      ...serviceAlarms(this, this.service, this.cluster, props.cpuAlarmThresholdPercent, this.alarmTopic),
      target5xx: attached.target5xx,
      loadBalancer5xx: attached.loadBalancer5xx,
      unhealthyHosts: attached.unhealthyHosts,
    };
  }

  /**
   * Adds a container (a sidecar: log router, proxy, agent) to the service's task with the service's
   * secure defaults, as `FargateWebService.addSidecar` does: non-root user, read-only root filesystem, not
   * privileged, logs to the service's encrypted log group under the stream prefix `id`, a hard memory limit
   * (`memoryLimitMiB`, default 256 MiB). Not essential unless you say so. The application container keeps
   * `memoryLimitMiB` as its hard limit and reserves what the sidecars leave (checked at synth: at least
   * 6 MiB), so the task reserves `memoryLimitMiB` on the instance as before. `containerPorts` need the
   * `awsvpc` network mode (the containers of a BRIDGE task do not share localhost).
   */
  public addSidecar(id: string, options: SidecarOptions): ecs.ContainerDefinition {
    prepareSidecarNetwork(this, id, options, this.sidecarNetwork, this.service);
    const containerOptions = withConstructPath(this, () => {
      if (this.networkMode === ecs.NetworkMode.BRIDGE && (options.containerPorts ?? []).length > 0) {
        throw new Error(
          `addSidecar('${id}') containerPorts need the AWS_VPC network mode, in which the containers of a task share localhost; in BRIDGE mode each container has its own network namespace and a port would be published on a dynamic host port instead; received containerPorts ${options.containerPorts!.join(', ')} with networkMode BRIDGE. Use networkMode AWS_VPC, or leave containerPorts out`,
        );
      }
      return sidecarContainerOptions(id, options, {
        mainContainerName: CONTAINER_NAME,
        taskMemoryMiB: this.taskMemoryMiB,
        logGroup: this.logGroup,
      });
    });
    const container = addServiceContainer(
      this.taskDefinition,
      this.ecrAuthorization,
      id,
      containerOptions,
      this.service,
    );
    this.sidecars.push(container);
    return container;
  }

  // The metric helpers are FargateWebService's, with the same names and defaults (siblings speak alike).

  /**
   * Average CPU utilization of the service's tasks, in percent of the task's CPU (what target tracking scales on).
   * @default - average over 5 minutes
   */
  public metricCpuUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.service.metricCpuUtilization(props);
  }

  /**
   * Average memory utilization of the service's tasks, in percent of the task's memory.
   * @default - average over 5 minutes
   */
  public metricMemoryUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.service.metricMemoryUtilization(props);
  }

  /**
   * Requests the load balancer sent to the service's tasks.
   * @default - sum over 5 minutes
   */
  public metricRequestCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.targetGroup.metrics.requestCount(props);
  }

  /**
   * Targets failing their load balancer health checks (the `unhealthyHosts` alarm's metric).
   * @default - maximum over 5 minutes
   */
  public metricUnhealthyHostCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.targetGroup.metrics.unhealthyHostCount({ statistic: 'Maximum', ...props });
  }

  /**
   * 5xx responses from the tasks (the `target5xx` alarm's metric).
   * @default - sum over 5 minutes
   */
  public metricTarget5xxCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.targetGroup.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, props);
  }
}

/** What container instances in subnets without egress must reach through interface endpoints. */
function containerInstanceEndpoints(secrets: { [key: string]: ecs.Secret } | undefined): RequiredServiceEndpoint[] {
  const A = ec2.InterfaceVpcEndpointAwsService;
  const services: RequiredServiceEndpoint[] = [
    { service: A.ECS, name: 'Ecs' },
    { service: A.ECS_AGENT, name: 'EcsAgent' },
    { service: A.ECS_TELEMETRY, name: 'EcsTelemetry' },
    { service: A.ECR, name: 'EcrApi' },
    { service: A.ECR_DOCKER, name: 'EcrDocker' },
    { service: A.CLOUDWATCH_LOGS, name: 'Logs' },
    { service: A.SSM, name: 'Ssm' },
    { service: A.SSM_MESSAGES, name: 'SsmMessages' },
    { service: A.EC2_MESSAGES, name: 'Ec2Messages' },
    { service: A.KMS, name: 'Kms' },
  ];
  // SSM is there already (Session Manager on the instances).
  return [...services, ...secretServiceEndpoints(secrets).filter((e) => !services.some((s) => s.name === e.name))];
}
