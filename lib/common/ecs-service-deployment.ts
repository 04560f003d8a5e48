import { Duration, Token } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';

/** How an ECS service moves from one task definition revision to the next. */
export enum DeploymentType {
  /** Replace tasks a few at a time behind the one target group (ECS rolling update). */
  ROLLING = 'ROLLING',
  /** Start a full set of new tasks, test them, then move all production traffic at once. */
  BLUE_GREEN = 'BLUE_GREEN',
  /** Move production traffic to the new tasks in equal steps. */
  LINEAR = 'LINEAR',
  /** Move a small share of production traffic first, then the rest. */
  CANARY = 'CANARY',
}

/** Options of a blue/green deployment (`ServiceDeployment.blueGreen`). */
export interface BlueGreenDeploymentOptions {
  /**
   * How long the old (blue) tasks keep running after all production traffic reached the new (green)
   * ones. During this time a rollback (an alarm, the circuit breaker, or `aws ecs update-service`) moves
   * traffic back at once; after it, blue is stopped. Whole minutes, 0 to 1440.
   * @default Duration.minutes(10)
   */
  readonly bakeTime?: Duration;

  /**
   * Port of a test listener on the load balancer: it sends requests to the new tasks before any
   * production traffic does, so a lifecycle hook or a tester can try them. It serves the protocol and
   * certificate of the serving listener, to the same CIDR blocks. Services sharing a load balancer may
   * share a test port (their rules tell them apart) or use one each.
   * @default - no test listener
   */
  readonly testListenerPort?: number;
}

/** Options of a linear or canary deployment (`ServiceDeployment.linear`, `ServiceDeployment.canary`). */
export interface TrafficShiftDeploymentOptions extends BlueGreenDeploymentOptions {
  /**
   * Percent of production traffic moved per step: for linear, every step (3 to 100); for canary, the
   * first step, the rest following after `stepBakeTime` (0.1 to 100). Multiples of 0.1.
   * @default - 10 for linear, 5 for canary
   */
  readonly stepPercent?: number;

  /**
   * How long each step is watched before the next one. Whole minutes, 0 to 1440.
   * @default - 6 minutes for linear, 10 minutes for canary
   */
  readonly stepBakeTime?: Duration;
}

/**
 * How a FargateWebService or Ec2WebService deploys a new revision: `rolling()` (the default), or one of
 * ECS's native strategies that keep two target groups and move traffic between them: `blueGreen()`,
 * `linear()`, `canary()`. Every strategy rolls back on the deployment circuit breaker; the traffic-shifting
 * ones also roll back when the service's target alarms (5xx, unhealthy targets) or its load balancer's
 * 5xx alarm go off during the deployment or its bake time.
 */
export class ServiceDeployment {
  /** Rolling update: tasks replaced in place (100% minimum healthy, 200% maximum), circuit breaker with rollback. */
  public static rolling(): ServiceDeployment {
    return new ServiceDeployment(DeploymentType.ROLLING, {});
  }

  /** Blue/green: a full new task set behind the alternate target group, then all traffic at once. */
  public static blueGreen(options: BlueGreenDeploymentOptions = {}): ServiceDeployment {
    return new ServiceDeployment(DeploymentType.BLUE_GREEN, options);
  }

  /** Linear: production traffic moves to the new tasks in equal steps of `stepPercent`. */
  public static linear(options: TrafficShiftDeploymentOptions = {}): ServiceDeployment {
    return new ServiceDeployment(DeploymentType.LINEAR, options);
  }

  /** Canary: `stepPercent` of production traffic first, the rest after `stepBakeTime`. */
  public static canary(options: TrafficShiftDeploymentOptions = {}): ServiceDeployment {
    return new ServiceDeployment(DeploymentType.CANARY, options);
  }

  /** The strategy. */
  public readonly strategy: DeploymentType;
  /** Bake time after the last traffic step (not for rolling). */
  public readonly bakeTime?: Duration;
  /** The test listener port, if any. */
  public readonly testListenerPort?: number;
  /** Percent of traffic per step (linear) or in the first step (canary). */
  public readonly stepPercent?: number;
  /** Wait between steps (linear, canary). */
  public readonly stepBakeTime?: Duration;

  private constructor(type: DeploymentType, options: TrafficShiftDeploymentOptions) {
    this.strategy = type;
    this.bakeTime = options.bakeTime;
    this.testListenerPort = options.testListenerPort;
    this.stepPercent = options.stepPercent;
    this.stepBakeTime = options.stepBakeTime;
  }

  /** Whether the strategy keeps an alternate target group and moves traffic between the two. */
  public get shiftsTraffic(): boolean {
    return this.strategy !== DeploymentType.ROLLING;
  }
}

/** The ECS service props a deployment sets (deploymentStrategy, bake time, step configuration). */
export interface DeploymentServiceProps {
  readonly deploymentStrategy?: ecs.DeploymentStrategy;
  readonly bakeTime?: Duration;
  readonly linearConfiguration?: ecs.TrafficShiftConfig;
  readonly canaryConfiguration?: ecs.TrafficShiftConfig;
}

/**
 * Validates `deployment` and returns the ECS service props it sets. Errors say what was given and the
 * accepted range; the caller prefixes the construct path (`withConstructPath`).
 */
export function deploymentServiceProps(deployment: ServiceDeployment): DeploymentServiceProps {
  const type = deployment.strategy;
  if (type === DeploymentType.ROLLING) return {};
  validateMinutes('deployment bakeTime', deployment.bakeTime);
  validateMinutes('deployment stepBakeTime', deployment.stepBakeTime);
  const bakeTime = deployment.bakeTime ?? Duration.minutes(10);
  if (type === DeploymentType.BLUE_GREEN) return { deploymentStrategy: ecs.DeploymentStrategy.BLUE_GREEN, bakeTime };
  const linear = type === DeploymentType.LINEAR;
  const min = linear ? 3 : 0.1;
  const stepPercent = deployment.stepPercent ?? (linear ? 10 : 5);
  if (
    !Token.isUnresolved(stepPercent) &&
    (!Number.isFinite(stepPercent) ||
      stepPercent < min ||
      stepPercent > 100 ||
      Math.abs(stepPercent * 10 - Math.round(stepPercent * 10)) > 1e-9)
  ) {
    throw new Error(
      `${linear ? 'linear' : 'canary'} deployment stepPercent must be a multiple of 0.1 from ${min} to 100 (percent of production traffic ${linear ? 'moved per step' : 'in the first step'}); received ${stepPercent}`,
    );
  }
  const shift: ecs.TrafficShiftConfig = {
    stepPercent: Math.round(stepPercent * 10) / 10,
    stepBakeTime: deployment.stepBakeTime ?? Duration.minutes(linear ? 6 : 10),
  };
  return linear
    ? { deploymentStrategy: ecs.DeploymentStrategy.LINEAR, bakeTime, linearConfiguration: shift }
    : { deploymentStrategy: ecs.DeploymentStrategy.CANARY, bakeTime, canaryConfiguration: shift };
}

function validateMinutes(name: string, value: Duration | undefined): void {
  if (value === undefined || value.isUnresolved()) return;
  const minutes = value.toMinutes({ integral: false });
  if (!Number.isInteger(minutes) || minutes < 0 || minutes > 1440) {
    throw new Error(
      `${name} must be a whole number of minutes from 0 to 1440 (ECS counts bake times in minutes); received ${value.toHumanString()}`,
    );
  }
}
