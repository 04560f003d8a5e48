import { Annotations, Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct, IConstruct } from 'constructs';
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
  ServiceCapacity,
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
import { SecureLogGroup } from '../common/log-group';
import { acknowledge } from '../common/nag';
import { SecureKey } from '../common/secure-key';
import { SecureVpc } from '../common/secure-vpc';
import { ensureEndpointDependencies, isolatedSubnetsOf, RequiredServiceEndpoint } from '../common/service-endpoints';
import { defaultPrivateSubnets, validateMultiAz } from '../common/subnets';
import { validateExclusive, validateIntegerInRange, withConstructPath } from '../common/validation';
import { validateFargateTaskSize } from './private/fargate-sizes';
import { RoutedPolicy, RoutedRole } from './private/routed-role';

export { looksLikeSecret } from '../common/ecs-container';

/** Name of the application container in the task definition. */
const CONTAINER_NAME = 'web';

/**
 * The alarms a FargateWebService raises (the same as every ECS web service's). Each notifies the alarm
 * topic; add further actions with `alarm.addAlarmAction(...)`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface FargateWebServiceAlarms extends EcsWebServiceAlarms {}

/**
 * Properties for a FargateWebService.
 */
export interface FargateWebServiceProps extends EcsWebServiceOptions {
  /**
   * The container image to run: from Amazon ECR (`ecs.ContainerImage.fromAsset(...)`,
   * `fromEcrRepository(...)`, an ECR pull-through cache) or from ECR Public
   * (`fromRegistry('public.ecr.aws/...')`). Docker Hub images synthesize with a warning: anonymous
   * pulls are rate-limited per source IP, and every task pulls through the VPC's NAT address. In
   * subnets without egress only a private ECR image can be pulled.
   */
  readonly image: ecs.ContainerImage;

  /**
   * The VPC to run in. Give either `vpc` or `cluster`, not both.
   * @default - a new SecureVpc (two or more AZs, flow logs, one NAT gateway), or the VPC of `cluster`
   */
  readonly vpc?: ec2.IVpc;

  /**
   * An existing ECS cluster to run the service in; its VPC is used. Give
   * either `vpc` or `cluster`, not both. For `spot` it must have the FARGATE
   * and FARGATE_SPOT capacity providers (checked at synth for a cluster defined
   * in the app), and the running-task alarm needs Container Insights on it.
   * @default - a new cluster with Container Insights on
   */
  readonly cluster?: ecs.ICluster;

  /**
   * Container Insights level of the new cluster. `ENABLED` is what AWS Control
   * Tower CT.ECS.PR.2 checks for (it accepts only the value `enabled`), so the
   * richer `ENHANCED` level fails that rule as written; choose it deliberately.
   * Only for the cluster this construct creates.
   * @default ecs.ContainerInsights.ENABLED
   */
  readonly containerInsights?: ecs.ContainerInsights;

  /**
   * The subnets the tasks run in. They must be private: tasks get no public IP.
   * @default - the VPC's private subnets (with egress when it has them)
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * The VPC already has the endpoints tasks in subnets without egress (PRIVATE_ISOLATED) need:
   * interface endpoints for ECR (`ecr.api`, `ecr.dkr`) and CloudWatch Logs, Secrets Manager and/or
   * SSM with `secrets`, `ssmmessages` and KMS with ECS Exec, and the S3 gateway endpoint (image
   * layers). When false and the subnets have no egress, the construct adds the missing endpoints to
   * a VPC defined in the same stack, and refuses any other VPC.
   * @default false
   */
  readonly vpcEndpointsProvided?: boolean;

  /**
   * Task CPU units (1024 = 1 vCPU): 256, 512, 1024, 2048, 4096, 8192 or 16384.
   * @default 256
   */
  readonly cpu?: number;

  /**
   * Task memory in MiB; must be a valid Fargate combination with `cpu`. It is
   * also the application container's hard memory limit; with sidecars (`addSidecar`), the application
   * container reserves what their reservations leave of it.
   * @default 512
   */
  readonly memoryLimitMiB?: number;

  /**
   * CPU architecture of the task.
   * @default ecs.CpuArchitecture.X86_64
   */
  readonly cpuArchitecture?: ecs.CpuArchitecture;

  /**
   * The command the container runs (Docker CMD), replacing the image's.
   * @default - the image's CMD
   */
  readonly command?: string[];

  /**
   * The container's entry point (Docker ENTRYPOINT), replacing the image's.
   * @default - the image's ENTRYPOINT
   */
  readonly entryPoint?: string[];

  /**
   * The container health check ECS runs inside the task (Docker HEALTHCHECK), as in
   * `ecs.ContainerDefinitionOptions.healthCheck`: an unhealthy essential container makes ECS
   * replace the task. Independent of the load balancer's check (`healthCheckPath`); the command
   * runs in the image, so the image must have the tool it calls (curl, wget).
   * @default - none: the image's HEALTHCHECK is ignored by ECS, only the load balancer checks the task
   */
  readonly healthCheck?: ecs.HealthCheck;

  /**
   * The role the application runs as (bring your own). It must trust
   * `ecs-tasks.amazonaws.com`. With your own role, permissions aws-cdk-lib adds for ECS Exec land in
   * that role's policies: their cdk-nag findings are yours to review.
   * @default - a new role with no permissions beyond what the construct's options need
   */
  readonly taskRole?: iam.IRole;

  /**
   * The role ECS uses to start the tasks: pull the image, write logs, read `secrets` (bring your own).
   * It must trust `ecs-tasks.amazonaws.com`. With your own role, `ecr:GetAuthorizationToken` (which
   * only supports `*`) lands in that role's policies, and its cdk-nag finding is yours to review.
   * @default - a new role with only what the image, logs and secrets need
   */
  readonly executionRole?: iam.IRole;

  /**
   * Run tasks above the on-demand base on Fargate Spot (interrupted with a
   * two-minute warning, at a steep discount). Tasks beyond the base are split
   * evenly between FARGATE and FARGATE_SPOT.
   * @default false
   */
  readonly spot?: boolean;

  /**
   * With `spot`: how many tasks always run on regular (on-demand) Fargate.
   * @default - minCapacity
   */
  readonly onDemandBaseCount?: number;
}

/**
 * A containerized web application on AWS Fargate behind the shared secure
 * Application Load Balancer: tasks in private subnets of two or more
 * Availability Zones without public IPs, reachable only from the load
 * balancer; safe deployments (circuit breaker with rollback, 100% minimum
 * healthy); target-tracking auto scaling; encrypted container logs with a
 * retention period; a task role separate from the execution role; optional
 * read-only root filesystem, non-root user, Fargate Spot and ECS Exec; and
 * alarms for missing tasks, target and load balancer 5xx responses, unhealthy
 * targets and high CPU, all notifying an encrypted SNS topic.
 */
export class FargateWebService extends Construct implements ec2.IConnectable, iam.IGrantable {
  /** The VPC the service runs in. */
  public readonly vpc: ec2.IVpc;
  /** The cluster the service runs in (created unless given). */
  public readonly cluster: ecs.ICluster;
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  /** The application container. */
  public readonly container: ecs.ContainerDefinition;
  /** The role the application assumes; grant it what the application needs. */
  public readonly taskRole: iam.IRole;
  public readonly service: ecs.FargateService;
  /** Security group of the tasks: ingress from the load balancer on the container port only. */
  public readonly securityGroup: ec2.SecurityGroup;
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
  /** The scalable task count; add your own scaling policies to it. */
  public readonly scaling: ecs.ScalableTaskCount;
  /** The log group of the container logs. */
  public readonly logGroup: logs.ILogGroup;
  /** The log group of ECS Exec sessions, when this construct configured ECS Exec on its cluster. */
  public readonly execLogGroup?: logs.ILogGroup;
  /**
   * `http(s)://<domain or load balancer DNS name>`; on a shared load balancer, narrowed to the rule's first
   * host name and path prefix.
   */
  public readonly url: string;
  /** The AWS WAF web ACL in front of the load balancer (unless `webAcl: false`, or internal without `webAcl: true`). */
  public readonly webAcl?: wafv2.CfnWebACL;
  /** The alarms, each notifying `alarmTopic`. */
  public readonly alarms: FargateWebServiceAlarms;
  /** The topic the alarms notify; subscribe your on-call channel to it. */
  public readonly alarmTopic: sns.ITopic;
  /** The role ECS starts the tasks with (pulls images, writes logs, reads secrets). */
  public readonly executionRole: iam.IRole;
  /** The containers added with `addSidecar`, in order. */
  public readonly sidecars: ecs.ContainerDefinition[] = [];
  private readonly ecrAuthorization: RoutedPolicy;
  /** Where the tasks run, for the sidecars' registry and endpoint checks. */
  private readonly sidecarNetwork: SidecarNetwork;
  /** The task's memory (MiB), every container's ceiling. */
  private readonly taskMemoryMiB: number;
  /**
   * The tasks' network connections (their security group): allow them to reach a database with
   * `db.connections.allowDefaultPortFrom(service)`.
   */
  public readonly connections: ec2.Connections;
  /** The task role: `bucket.grantRead(service)` lets the application read the bucket. */
  public readonly grantPrincipal: iam.IPrincipal;

  constructor(scope: Construct, id: string, props: FargateWebServiceProps) {
    super(scope, id);
    const cpu = props.cpu ?? 256;
    const memoryLimitMiB = props.memoryLimitMiB ?? 512;
    this.taskMemoryMiB = memoryLimitMiB;
    const containerPort = props.containerPort ?? 80;
    const healthCheckPath = props.healthCheckPath ?? '/';
    const spot = props.spot ?? false;
    const enableExecuteCommand = props.enableExecuteCommand ?? false;
    const readonlyRootFilesystem = props.readonlyRootFilesystem ?? true;
    const user = props.user ?? DEFAULT_USER;
    const deployment = props.deployment ?? ServiceDeployment.rolling();
    // Errors name this service's construct path: a user with three services must know which one is wrong.
    const { capacity, deploymentProps, sharedLoadBalancer } = withConstructPath(this, () => {
      const validated = validateProps(props, { cpu, memoryLimitMiB, containerPort, healthCheckPath });
      return {
        capacity: validated,
        deploymentProps: deploymentServiceProps(deployment),
        sharedLoadBalancer: props.listenerRule
          ? validateSharedListenerRule(props.listenerRule, props, props.vpc ?? props.cluster?.vpc)
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
    if (enableExecuteCommand && readonlyRootFilesystem) {
      Annotations.of(this).addWarningV2(
        'cdk-compute-patterns:execReadonlyRoot',
        'ECS Exec needs a writable root filesystem for its agent: with readonlyRootFilesystem, add /var/lib/amazon/ssm and /var/log/amazon/ssm to writablePaths or sessions will fail to start',
      );
    }

    // Network and cluster.
    if (props.cluster) {
      this.cluster = props.cluster;
      this.vpc = props.cluster.vpc;
    } else {
      this.vpc = props.vpc ?? sharedLoadBalancer?.loadBalancer.vpc ?? new SecureVpc(this, 'Vpc');
      let execLogGroup: SecureLogGroup | undefined;
      let executeCommandConfiguration: ecs.ExecuteCommandConfiguration | undefined;
      if (enableExecuteCommand) {
        execLogGroup = new SecureLogGroup(this, 'ExecLogGroup', { retention: props.logRetention });
        executeCommandConfiguration = {
          kmsKey: new SecureKey(this, 'ExecKey', { description: `Encrypts ECS Exec sessions of ${this.node.path}` }),
          logging: ecs.ExecuteCommandLogging.OVERRIDE,
          logConfiguration: { cloudWatchLogGroup: execLogGroup, cloudWatchEncryptionEnabled: true },
        };
      }
      this.execLogGroup = execLogGroup;
      this.cluster = new ecs.Cluster(this, 'Cluster', {
        vpc: this.vpc,
        containerInsightsV2: props.containerInsights ?? ecs.ContainerInsights.ENABLED,
        enableFargateCapacityProviders: spot,
        executeCommandConfiguration,
      });
    }
    const vpcSubnets = props.vpcSubnets ?? defaultPrivateSubnets(this.vpc);
    const selected = validateMultiAz(this, this.vpc, vpcSubnets, 'the tasks');
    const publicIds = new Set(this.vpc.publicSubnets.map((s) => s.subnetId));
    const publicSelected = selected.subnets.filter((s) => publicIds.has(s.subnetId));
    if (publicSelected.length > 0) {
      throw new Error(
        `${this.node.path}: vpcSubnets must select private subnets: tasks run without public IP addresses and only the load balancer is public; received public subnets ${publicSelected.map((s) => s.node.path).join(', ')}`,
      );
    }

    // Task definition: task size, container hardening, logs. Both roles are RoutedRoles so that
    // permissions aws-cdk-lib grants with inherent wildcards get a policy (and acknowledgement) of
    // their own, and what the user grants stays in the default policies, visible to cdk-nag.
    // Roles you bring are used as they are: nothing is routed out of their policies.
    const taskRole =
      props.taskRole ??
      new RoutedRole(this, 'TaskRole', {
        assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
        description: `Task role of ${this.node.path}: what the application may do in AWS`,
      });
    const executionRole =
      props.executionRole ??
      new RoutedRole(this, 'ExecutionRole', {
        assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
        description: `Execution role of ${this.node.path}: pulls the image, writes its logs, reads its secrets`,
      });
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      cpu,
      memoryLimitMiB,
      taskRole,
      executionRole,
      runtimePlatform: {
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
        cpuArchitecture: props.cpuArchitecture ?? ecs.CpuArchitecture.X86_64,
      },
    });
    this.taskRole = taskRole;
    this.executionRole = executionRole;
    this.grantPrincipal = taskRole;
    this.logGroup = new SecureLogGroup(this, 'LogGroup', { retention: props.logRetention });
    this.ecrAuthorization = ecrLoginPolicy(this, executionRole);
    this.container = addServiceContainer(this.taskDefinition, this.ecrAuthorization, 'Web', {
      containerName: CONTAINER_NAME,
      image: props.image,
      essential: true,
      // The whole task's memory is the application container's hard limit (CT.ECS.PR.7); it reserves
      // what the sidecars leave, so that the reservations add up to the task's memory, as ECS requires.
      memoryLimitMiB,
      memoryReservationMiB: mainContainerReservation(this.taskDefinition, memoryLimitMiB, () => this.container),
      portMappings: [{ containerPort, protocol: ecs.Protocol.TCP }],
      environment: props.environment,
      secrets: props.secrets,
      command: props.command,
      entryPoint: props.entryPoint,
      healthCheck: props.healthCheck,
      user,
      readonlyRootFilesystem,
      privileged: false,
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: CONTAINER_NAME, logGroup: this.logGroup }),
    });
    imageTagAdvice(this, props.image);
    checkImageRegistry(this, props.image, isolatedSubnetsOf(this.vpc, selected));
    for (const [name, containerPath] of withConstructPath(this, () => writableVolumes(props.writablePaths ?? []))) {
      this.taskDefinition.addVolume({ name });
      this.container.addMountPoints({ sourceVolume: name, containerPath, readOnly: false });
    }
    // The AwsSolutions-ECS2 acknowledgement below covers the whole task definition, so the
    // secret-name rule holds for containers added to it later too (checked at synth).
    this.node.addValidation({ validate: () => secretLookingVariables(this.taskDefinition) });
    // Containers added to the task definition later (sidecars) must fit in the task's memory.
    this.node.addValidation({
      validate: () =>
        containerMemoryErrors(this.taskDefinition, memoryLimitMiB, this.container).map(
          (error) => `${this.node.path}: ${error}`,
        ),
    });
    if (props.environment && Object.keys(props.environment).length > 0) {
      acknowledge(this.taskDefinition, {
        id: 'AwsSolutions-ECS2',
        reason:
          'The environment variables are configuration: the construct refuses names that carry credentials (AWS keys, ECS_ENGINE_AUTH_DATA, CT.ECS.PR.12) or look like secrets (PASSWORD, SECRET, TOKEN, API_KEY, PRIVATE_KEY, CREDENTIALS, ...) and points them to secrets, which ECS injects from Secrets Manager or SSM through the execution role alone.',
      });
    }

    // Service: private subnets, no public IP, safe deployments.
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: this.vpc,
      description: `Tasks of ${this.node.path}: container port from the load balancer only`,
      allowAllOutbound: true,
    });
    this.connections = new ec2.Connections({ securityGroups: [this.securityGroup] });
    this.sidecarNetwork = sidecarNetwork(this, this.vpc, selected, [this.securityGroup], props.vpcEndpointsProvided);
    const endpoints = this.ensureEndpoints(props, enableExecuteCommand);
    // ECS Exec's permissions, which aws-cdk-lib adds to the task role while it builds the service,
    // go to a policy of their own: the acknowledgement of their wildcards covers that policy only.
    const execPolicy = new RoutedPolicy(this, 'ExecPolicy', taskRole);
    const execStatements: iam.PolicyStatement[] = [];
    const capture = (statement: iam.PolicyStatement): boolean => {
      execStatements.push(statement);
      return true;
    };
    const createService = () =>
      new ecs.FargateService(this, 'Service', {
        cluster: this.cluster,
        taskDefinition: this.taskDefinition,
        desiredCount,
        minHealthyPercent: 100,
        maxHealthyPercent: 200,
        circuitBreaker: { enable: true, rollback: true },
        ...deploymentProps,
        assignPublicIp: false,
        vpcSubnets,
        securityGroups: [this.securityGroup],
        platformVersion: ecs.FargatePlatformVersion.LATEST,
        capacityProviderStrategies: spot
          ? [
              { capacityProvider: 'FARGATE', base: props.onDemandBaseCount ?? minCapacity, weight: 1 },
              { capacityProvider: 'FARGATE_SPOT', weight: 1 },
            ]
          : undefined,
        enableExecuteCommand,
        propagateTags: ecs.PropagatedTagSource.SERVICE,
        healthCheckGracePeriod: Duration.seconds(60),
      });
    this.service =
      enableExecuteCommand && taskRole instanceof RoutedRole
        ? taskRole.routeWhile(execPolicy, createService, capture)
        : createService();
    if (execPolicy.policy) acknowledgeExecWildcards(execPolicy.policy, execStatements);
    // Tasks start as soon as the service exists: the endpoints they pull and log through, and the
    // policies of their own that hold the image pull and ECS Exec permissions, come first.
    this.service.node.addDependency(...endpoints);
    dependOnTaskRolePolicies(this.service, [executionRole, taskRole]);
    for (const routed of [this.ecrAuthorization, execPolicy]) {
      if (routed.policy) this.service.node.addDependency(routed.policy);
    }
    if (spot && (!props.cluster || props.cluster instanceof ecs.Cluster)) {
      // The capacity providers must be associated with the cluster before
      // the service asks for them; the association is a child of the cluster.
      this.service.node.addDependency(this.cluster);
    }
    if (spot && props.cluster instanceof ecs.Cluster) {
      // Checked at synth: capacity providers can be enabled after this construct is created.
      const cluster = props.cluster;
      this.node.addValidation({
        validate: () =>
          cluster.capacityProviderNames.includes('FARGATE_SPOT')
            ? []
            : [
                `${this.node.path}: spot needs the FARGATE_SPOT capacity provider on the cluster; ${cluster.node.path} has ${cluster.capacityProviderNames.join(', ') || 'none'}. Create the cluster with enableFargateCapacityProviders: true (or call cluster.enableFargateCapacityProviders()), or leave spot off`,
              ],
      });
    }

    // Load balancer: the shared secure ALB (the service's own, or a rule on another's), forwarding to the tasks.
    this.alarmTopic = alarmTopicFor(this, props.alarmTopic);
    const attached = attachServiceToLoadBalancer(this, {
      vpc: this.vpc,
      service: this.service,
      containerName: CONTAINER_NAME,
      containerPort,
      healthCheckPath,
      targetType: elbv2.TargetType.IP,
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
   * secure defaults: non-root user, read-only root filesystem, not privileged, logs to the service's
   * encrypted log group under the stream prefix `id`, a hard memory limit (`memoryLimitMiB`, default 256 MiB).
   * Not essential unless you say so. The application container keeps the task's memory as its hard limit and
   * reserves what the sidecars leave; their reservations must leave it at least 6 MiB (checked at synth).
   */
  public addSidecar(id: string, options: SidecarOptions): ecs.ContainerDefinition {
    prepareSidecarNetwork(this, id, options, this.sidecarNetwork, this.service);
    const containerOptions = withConstructPath(this, () =>
      sidecarContainerOptions(id, options, {
        mainContainerName: CONTAINER_NAME,
        taskMemoryMiB: this.taskMemoryMiB,
        logGroup: this.logGroup,
      }),
    );
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

  /**
   * Tasks in subnets without egress reach AWS only through VPC endpoints: ECR (api and dkr) and the
   * S3 gateway for the image, CloudWatch Logs for awslogs, Secrets Manager / SSM for `secrets`,
   * ssmmessages and KMS for ECS Exec. Adds them (or refuses); a public-registry image, which no endpoint
   * serves, was refused before (checkImageRegistry).
   */
  private ensureEndpoints(props: FargateWebServiceProps, enableExecuteCommand: boolean): IConstruct[] {
    if (this.sidecarNetwork.isolated.length === 0) return [];
    const A = ec2.InterfaceVpcEndpointAwsService;
    const services: RequiredServiceEndpoint[] = [
      { service: A.ECR, name: 'EcrApi' },
      { service: A.ECR_DOCKER, name: 'EcrDocker' },
      { service: A.CLOUDWATCH_LOGS, name: 'Logs' },
      ...secretServiceEndpoints(props.secrets),
    ];
    if (enableExecuteCommand) {
      services.push({ service: A.SSM_MESSAGES, name: 'SsmMessages' });
      if (this.cluster.executeCommandConfiguration?.kmsKey) services.push({ service: A.KMS, name: 'Kms' });
    }
    return ensureEndpointDependencies({ ...this.sidecarNetwork.endpoints, services });
  }
}

interface ResolvedSizes {
  readonly cpu: number;
  readonly memoryLimitMiB: number;
  readonly containerPort: number;
  readonly healthCheckPath: string;
}

function validateProps(props: FargateWebServiceProps, v: ResolvedSizes): ServiceCapacity {
  validateExclusive(
    'vpc',
    props.vpc,
    'cluster',
    props.cluster,
    'the service runs in the VPC of the cluster; pass only cluster to use its VPC, or only vpc to create a new cluster there',
  );
  if (props.cluster && props.containerInsights !== undefined) {
    throw new Error(
      'containerInsights applies only to the cluster this construct creates; received it together with cluster (turn Container Insights on in that cluster instead)',
    );
  }
  validateFargateTaskSize(v.cpu, v.memoryLimitMiB);
  validateIntegerInRange('containerPort', v.containerPort, 1, 65535);
  if (!Token.isUnresolved(v.healthCheckPath) && !v.healthCheckPath.startsWith('/')) {
    throw new Error(`healthCheckPath must start with '/', e.g. '/health'; received '${v.healthCheckPath}'`);
  }
  const capacity = validateEcsWebServiceOptions(props);
  if (props.onDemandBaseCount !== undefined && !props.spot) {
    throw new Error(
      `onDemandBaseCount applies only with spot: true; received onDemandBaseCount ${props.onDemandBaseCount} without spot`,
    );
  }
  validateIntegerInRange('onDemandBaseCount', props.onDemandBaseCount, 0, 100000);
  validateEnvironment(props.environment);
  validateUser(props.user);
  return capacity;
}
