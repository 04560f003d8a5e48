import { Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DEFAULT_USER, ROOT_USER, secretServiceEndpoints, validateSidecarMemory } from './ecs-container';
import { checkImageRegistry } from './ecs-image';
import { ensureServiceEndpoints, isolatedSubnetsOf, ServiceEndpointRequirements } from './service-endpoints';
import { validateIntegerInRange } from './validation';

/*
 * Sidecars of the ECS web services (FargateWebService, Ec2WebService): one options shape, one set of
 * defaults and checks, so that `addSidecar` means the same on both.
 */

/** A sidecar's hard memory limit when none is given: enough for a log router or a telemetry agent at low traffic. */
export const DEFAULT_SIDECAR_MEMORY_MIB = 256;

/**
 * A further container in the task of a FargateWebService or Ec2WebService (`addSidecar`), with the service's
 * secure defaults: non-root, read-only root filesystem, not privileged, a hard memory limit, logs to the
 * service's encrypted log group.
 */
export interface SidecarOptions {
  /**
   * The container image, from the same registries as the service's `image` and checked the same way: Docker Hub
   * synthesizes with a warning, and in subnets without egress only a private ECR image is accepted.
   */
  readonly image: ecs.ContainerImage;

  /**
   * Whether the task stops when this container stops.
   * @default false
   */
  readonly essential?: boolean;

  /**
   * The command the container runs (Docker CMD).
   * @default - the image's CMD
   */
  readonly command?: string[];

  /**
   * The container's entry point (Docker ENTRYPOINT).
   * @default - the image's ENTRYPOINT
   */
  readonly entryPoint?: string[];

  /**
   * Plain environment variables; names that mark secrets or credentials are refused (see the service's `environment`).
   * @default - none
   */
  readonly environment?: { [key: string]: string };

  /**
   * Secrets injected at task start, read by the execution role.
   * @default - none
   */
  readonly secrets?: { [key: string]: ecs.Secret };

  /**
   * Ports the container listens on (reachable from the other containers of the task on localhost, in the
   * `awsvpc` network mode; the load balancer only reaches the application container).
   * @default - none
   */
  readonly containerPorts?: number[];

  /**
   * Container user; must not be root.
   * @default '1000:1000'
   */
  readonly user?: string;

  /**
   * Mount the container's root filesystem read-only (Control Tower CT.ECS.PR.6).
   * @default true
   */
  readonly readonlyRootFilesystem?: boolean;

  /**
   * Hard memory limit (MiB) of the container: ECS stops it when it uses more (Control Tower CT.ECS.PR.7
   * wants every container to have one). At most the service's `memoryLimitMiB`. Unless `memoryReservationMiB`
   * is given, the whole limit is set aside for this container, and the application container reserves what
   * the sidecars leave (checked at synth: it needs at least 6 MiB).
   * @default 256
   */
  readonly memoryLimitMiB?: number;

  /**
   * Memory (MiB) set aside for this container out of the task's (its soft limit), at most `memoryLimitMiB`:
   * the container may use more, up to its hard limit, when the task has memory free. Give it to let the
   * sidecar burst without taking that much from the application container's reservation.
   * @default - the whole `memoryLimitMiB`
   */
  readonly memoryReservationMiB?: number;

  /**
   * Container health check run by ECS.
   * @default - none
   */
  readonly healthCheck?: ecs.HealthCheck;
}

/** What a service tells `sidecarContainerOptions` about itself. */
export interface SidecarContext {
  /** The application container's name, which a sidecar may not take. */
  readonly mainContainerName: string;
  /** The task's memory budget (MiB): the application container's hard limit. */
  readonly taskMemoryMiB: number;
  /** The service's log group. */
  readonly logGroup: logs.ILogGroup;
}

/**
 * The container options of a sidecar with the services' secure defaults, after validating `options`
 * (throws; wrap the call in `withConstructPath`).
 */
export function sidecarContainerOptions(
  id: string,
  options: SidecarOptions,
  context: SidecarContext,
): ecs.ContainerDefinitionOptions {
  const memoryLimitMiB = options.memoryLimitMiB ?? DEFAULT_SIDECAR_MEMORY_MIB;
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/.test(id) || id === context.mainContainerName) {
    throw new Error(
      `addSidecar id must be 1 to 255 letters, digits, '-' and '_' and not '${context.mainContainerName}' (the application container); received '${id}'`,
    );
  }
  if (options.user !== undefined && !Token.isUnresolved(options.user) && ROOT_USER.test(options.user)) {
    throw new Error(
      `addSidecar('${id}') user must not be root; received '${options.user}'. Give a non-root user such as '1000:1000'`,
    );
  }
  for (const port of options.containerPorts ?? [])
    validateIntegerInRange(`addSidecar('${id}') containerPorts`, port, 1, 65535);
  validateSidecarMemory(id, memoryLimitMiB, options.memoryReservationMiB, context.taskMemoryMiB);
  return {
    containerName: id,
    image: options.image,
    essential: options.essential ?? false,
    command: options.command,
    entryPoint: options.entryPoint,
    environment: options.environment,
    secrets: options.secrets,
    portMappings: (options.containerPorts ?? []).map((containerPort) => ({
      containerPort,
      protocol: ecs.Protocol.TCP,
    })),
    user: options.user ?? DEFAULT_USER,
    readonlyRootFilesystem: options.readonlyRootFilesystem ?? true,
    privileged: false,
    memoryLimitMiB,
    memoryReservationMiB: options.memoryReservationMiB,
    healthCheck: options.healthCheck,
    logging: ecs.LogDrivers.awsLogs({ streamPrefix: id, logGroup: context.logGroup }),
  };
}

/** Where a service's tasks run, as its sidecars need to know: the subnets without egress and how to reach AWS there. */
export interface SidecarNetwork {
  /** The selected subnets that have no route to the internet (PRIVATE_ISOLATED); empty when all have egress. */
  readonly isolated: ec2.ISubnet[];
  /** The service's endpoint requirements (VPC, subnets, clients, vpcEndpointsProvided), without the services. */
  readonly endpoints: Omit<ServiceEndpointRequirements, 'services'>;
}

/**
 * The SidecarNetwork of an ECS service whose tasks run in `subnets` of `vpc` and call AWS from `clients`: image
 * layers come through the S3 gateway endpoint, as the application container's do.
 */
export function sidecarNetwork(
  scope: Construct,
  vpc: ec2.IVpc,
  subnets: ec2.SelectedSubnets,
  clients: ec2.IConnectable[],
  vpcEndpointsProvided: boolean | undefined,
): SidecarNetwork {
  return {
    isolated: isolatedSubnetsOf(vpc, subnets),
    endpoints: { scope, vpc, subnets, clients, gateways: [ec2.GatewayVpcEndpointAwsService.S3], vpcEndpointsProvided },
  };
}

/**
 * What a sidecar needs of the network, checked and added before it joins the task: its image must be reachable
 * (checkImageRegistry: a public registry is refused in subnets without egress, Docker Hub is warned about), and in
 * subnets without egress ECS reads its secrets through the Secrets Manager / SSM interface endpoints, which the
 * application container may not have needed: they are added (or refused, as for the service), and the service
 * waits for them, as it does for its own.
 */
export function prepareSidecarNetwork(
  scope: Construct,
  id: string,
  options: SidecarOptions,
  network: SidecarNetwork,
  service: ecs.BaseService,
): void {
  checkImageRegistry(scope, options.image, network.isolated, `addSidecar('${id}') image`);
  const services = secretServiceEndpoints(options.secrets);
  if (network.isolated.length === 0 || services.length === 0) return;
  const endpoints = ensureServiceEndpoints({ ...network.endpoints, services });
  service.node.addDependency(...endpoints);
}
