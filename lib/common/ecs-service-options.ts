import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { notifyingAlarm } from './alarm-topic';
import { DeploymentType, ServiceDeployment } from './ecs-service-deployment';
import { SharedListenerRule } from './ecs-service-load-balancing';
import { WebLoadBalancerOptions } from './secure-load-balancer';
import { validateIntegerInRange, validateOrder, validateWithin } from './validation';

/**
 * The alarms every ECS web service (FargateWebService, Ec2WebService) raises. Each notifies the alarm
 * topic; add further actions with `alarm.addAlarmAction(...)`.
 */
export interface EcsWebServiceAlarms {
  /**
   * Fewer tasks running than desired for 5 minutes (tasks crash-looping, failing health checks, capacity
   * reclaimed or missing). Built on the Container Insights metrics of the cluster.
   */
  readonly runningTasksBelowDesired: cloudwatch.Alarm;
  /** Average service CPU above the threshold for 5 minutes: scaling is at its limit or too slow. */
  readonly cpuHigh: cloudwatch.Alarm;
  /**
   * Targets answering with 5xx responses (with a blue/green, linear or canary deployment: in either target
   * group). Rolls a traffic-shifting deployment back.
   */
  readonly target5xx: cloudwatch.Alarm;
  /**
   * The load balancer answering with 5xx responses of its own (502/503/504): what clients see when no task
   * is healthy, which target 5xx cannot show. On a shared load balancer it counts every service's requests.
   */
  readonly loadBalancer5xx: cloudwatch.Alarm;
  /** Any target failing its load balancer health check (either target group). Rolls a traffic-shifting deployment back. */
  readonly unhealthyHosts: cloudwatch.Alarm;
}

/**
 * The props FargateWebService and Ec2WebService share: the container, scaling, alarms, deployment and
 * load balancer. Each construct adds what its launch type needs (task size, cluster or instances).
 */
export interface EcsWebServiceOptions extends WebLoadBalancerOptions {
  /**
   * Port the container listens on.
   * @default 80
   */
  readonly containerPort?: number;

  /**
   * Plain environment variables (configuration only). Credential and secret-looking variable names are
   * refused: put secrets in `secrets`.
   * @default - no environment variables
   */
  readonly environment?: { [key: string]: string };

  /**
   * Secrets injected as environment variables at task start from Secrets Manager or SSM Parameter Store;
   * only the execution role can read them.
   * @default - no secrets
   */
  readonly secrets?: { [key: string]: ecs.Secret };

  /**
   * Path of the load balancer health check.
   * @default '/'
   */
  readonly healthCheckPath?: string;

  /**
   * Container user (`uid`, `uid:gid` or a name). Must not be root. The template must name it (Control
   * Tower CT.ECS.PR.3 cannot see an image's USER), so set it to the uid your image's writable `VOLUME`s
   * belong to.
   * @default '1000:1000'
   */
  readonly user?: string;

  /**
   * Mount the container's root filesystem read-only (Control Tower CT.ECS.PR.6). Give the paths the
   * process writes to in `writablePaths`. Images that must write elsewhere opt out with `false`, which fails
   * CT.ECS.PR.6 for this task definition.
   * @default true
   */
  readonly readonlyRootFilesystem?: boolean;

  /**
   * Container paths backed by writable, task-local volumes, so the image can run with a read-only root
   * filesystem. On Fargate these are ephemeral bind mounts, owned by root with mode 0755 unless the image
   * declares the path as a `VOLUME`, whose ownership and permissions are then copied: a non-root `user`
   * can write only to paths its image declares as `VOLUME` with matching ownership (tmpfs is not available
   * on Fargate). The Fargate sample (examples/fargate-service-stack.ts) builds such an image in a two-line
   * Dockerfile; see docs/FARGATE.md.
   * @default - none
   */
  readonly writablePaths?: string[];

  /**
   * Tasks started when the service is created.
   * @default - 2, raised to minCapacity or lowered to maxCapacity when outside that range
   */
  readonly desiredCount?: number;

  /**
   * Fewest tasks auto scaling keeps; two or more keep the service up when an Availability Zone fails.
   * @default 2
   */
  readonly minCapacity?: number;

  /**
   * Most tasks auto scaling starts.
   * @default 4
   */
  readonly maxCapacity?: number;

  /**
   * Target average CPU utilization (percent) of the service.
   * @default 50
   */
  readonly targetCpuUtilizationPercent?: number;

  /**
   * Target average memory utilization (percent) of the service.
   * @default - no memory-based scaling
   */
  readonly targetMemoryUtilizationPercent?: number;

  /**
   * Target number of load balancer requests per task per minute. Only with a rolling deployment: the
   * request count per target is measured on one target group, which blue/green, linear and canary
   * deployments swap for the other after every deployment.
   * @default - no request-count scaling
   */
  readonly targetRequestsPerTarget?: number;

  /**
   * Allow `aws ecs execute-command` into running containers. On a cluster the construct creates, sessions
   * are encrypted with a customer managed key and logged to an encrypted log group. ECS Exec needs writable
   * /var/lib/amazon/ssm and /var/log/amazon/ssm (see `writablePaths`) or `readonlyRootFilesystem: false`.
   * @default false
   */
  readonly enableExecuteCommand?: boolean;

  /**
   * How long container logs (and the web ACL's request logs) are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Average service CPU (percent) above which the CPU alarm fires.
   * @default 85
   */
  readonly cpuAlarmThresholdPercent?: number;

  /**
   * 5xx responses per minute (from the targets, or from the load balancer itself) at which the 5xx alarms
   * fire.
   * @default 10
   */
  readonly target5xxAlarmThreshold?: number;

  /**
   * The SNS topic every alarm notifies. When its KMS key is managed in this app, the construct lets
   * CloudWatch alarms of this account and Region use it; an imported key must already allow that (a
   * warning says so). A topic policy, if the topic has one, must let `cloudwatch.amazonaws.com` publish.
   * @default - the stack's shared alarm topic (KMS-encrypted, TLS only), opened to this account's CloudWatch alarms
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * How new revisions are deployed: `ServiceDeployment.rolling()`, or ECS's native
   * `ServiceDeployment.blueGreen()`, `.linear()` and `.canary()`, which keep a second target group, move
   * production traffic to the new tasks (after an optional test listener) and roll back on the service's
   * target and load balancer alarms. See docs/FARGATE.md, "Deployment strategies".
   * @default ServiceDeployment.rolling(): circuit breaker with rollback, 100% minimum healthy
   */
  readonly deployment?: ServiceDeployment;

  /**
   * Join the load balancer of another service instead of creating one: a rule on its serving listener by
   * host names and/or paths (e.g. `{ listener: web.listener, priority: 10, pathPatterns: ['/api/*'] }`).
   * The load balancer options (`certificate`, `domainName`, `internetFacing`, ...) then belong to the
   * owner and may not be given here; the service runs in the load balancer's VPC.
   * @default - a load balancer of the service's own
   */
  readonly listenerRule?: SharedListenerRule;
}

/** The capacity of a service, with the defaults applied. */
export interface ServiceCapacity {
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly desiredCount: number;
}

/** Validates the props both services share (call inside `withConstructPath`); returns the capacity. */
export function validateEcsWebServiceOptions(props: EcsWebServiceOptions): ServiceCapacity {
  const minCapacity = props.minCapacity ?? 2;
  const maxCapacity = props.maxCapacity ?? 4;
  validateIntegerInRange('minCapacity', minCapacity, 1, 5000);
  validateIntegerInRange('maxCapacity', maxCapacity, 1, 5000);
  validateOrder('minCapacity', minCapacity, 'maxCapacity', maxCapacity);
  validateIntegerInRange('desiredCount', props.desiredCount, 0, 5000);
  validateIntegerInRange('targetCpuUtilizationPercent', props.targetCpuUtilizationPercent, 1, 100);
  validateIntegerInRange('targetMemoryUtilizationPercent', props.targetMemoryUtilizationPercent, 1, 100);
  validateIntegerInRange('targetRequestsPerTarget', props.targetRequestsPerTarget, 1, 1_000_000);
  validateIntegerInRange('cpuAlarmThresholdPercent', props.cpuAlarmThresholdPercent, 1, 100);
  validateIntegerInRange('target5xxAlarmThreshold', props.target5xxAlarmThreshold, 1, 1_000_000);
  const deployment = props.deployment ?? ServiceDeployment.rolling();
  if (props.targetRequestsPerTarget !== undefined && deployment.strategy !== DeploymentType.ROLLING) {
    throw new Error(
      `targetRequestsPerTarget needs a rolling deployment: requests per target are measured on one target group, and a ${deployment.strategy} deployment makes the other target group the production one after every deployment; received deployment ${deployment.strategy}. Scale on CPU or memory (targetCpuUtilizationPercent, targetMemoryUtilizationPercent) instead`,
    );
  }
  const desiredCount = props.desiredCount ?? Math.min(Math.max(2, minCapacity), maxCapacity);
  validateWithin('desiredCount', desiredCount, 'minCapacity', minCapacity, 'maxCapacity', maxCapacity);
  return { minCapacity, maxCapacity, desiredCount };
}

/** Target tracking on CPU (always), memory and requests per target (when asked). */
export function addServiceScaling(
  service: ecs.BaseService,
  props: EcsWebServiceOptions,
  capacity: ServiceCapacity,
  targetGroup: elbv2.ApplicationTargetGroup,
): ecs.ScalableTaskCount {
  const scaling = service.autoScaleTaskCount({
    minCapacity: capacity.minCapacity,
    maxCapacity: capacity.maxCapacity,
  });
  scaling.scaleOnCpuUtilization('CpuScaling', { targetUtilizationPercent: props.targetCpuUtilizationPercent ?? 50 });
  if (props.targetMemoryUtilizationPercent !== undefined) {
    scaling.scaleOnMemoryUtilization('MemoryScaling', {
      targetUtilizationPercent: props.targetMemoryUtilizationPercent,
    });
  }
  if (props.targetRequestsPerTarget !== undefined) {
    scaling.scaleOnRequestCount('RequestCountScaling', {
      requestsPerTarget: props.targetRequestsPerTarget,
      targetGroup,
    });
  }
  return scaling;
}

/** The service's own alarms (the target and load balancer alarms come with its load balancing). */
export function serviceAlarms(
  scope: Construct,
  service: ecs.BaseService,
  cluster: ecs.ICluster,
  cpuAlarmThresholdPercent: number | undefined,
  topic: sns.ITopic,
): { runningTasksBelowDesired: cloudwatch.Alarm; cpuHigh: cloudwatch.Alarm } {
  const dimensionsMap = { ClusterName: cluster.clusterName, ServiceName: service.serviceName };
  const metric = (metricName: string, statistic: string) =>
    new cloudwatch.Metric({
      namespace: 'ECS/ContainerInsights',
      metricName,
      dimensionsMap,
      statistic,
      period: Duration.minutes(1),
    });
  const missing = new cloudwatch.MathExpression({
    expression: 'desired - running',
    usingMetrics: { desired: metric('DesiredTaskCount', 'Maximum'), running: metric('RunningTaskCount', 'Minimum') },
    label: 'Tasks missing',
    period: Duration.minutes(1),
  });
  const runningTasksBelowDesired = notifyingAlarm(scope, 'RunningTasksAlarm', missing, {
    description: `Fewer tasks of ${scope.node.path} are running than desired`,
    threshold: 1,
    evaluationPeriods: 5,
    topic,
  });
  const cpuHigh = notifyingAlarm(
    scope,
    'CpuHighAlarm',
    service.metricCpuUtilization({ period: Duration.minutes(1), statistic: 'Average' }),
    {
      description: `Average CPU of ${scope.node.path} is high: auto scaling is at maxCapacity or cannot keep up`,
      threshold: cpuAlarmThresholdPercent ?? 85,
      evaluationPeriods: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      topic,
    },
  );
  return { runningTasksBelowDesired, cpuHigh };
}
