import { Duration, Size, Stack, Token } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ROOT_USER, validateEnvironment } from '../common/ecs-container';
import { validFargateMemory } from '../common/fargate-sizes';
import { ManagedPolicyRole } from '../common/managed-policy-role';
import { RoutedPolicy, RoutedRole } from '../common/routed-role';
import { withConstructPath } from '../common/validation';

/** The container user when none is given: non-root (Control Tower CT.ECS.PR.3 reads the same field on ECS). */
const DEFAULT_USER = '1000:1000';

/**
 * Options for a job definition of a {@link BatchJobQueue} (`addJobDefinition`).
 */
export interface BatchJobDefinitionOptions {
  /** The container image the job runs. */
  readonly image: ecs.ContainerImage;

  /**
   * The command the container runs. `Ref::name` placeholders are filled from the job's parameters
   * (`submitOnUpload` passes `Ref::bucket` and `Ref::key`).
   * @default - the image's CMD
   */
  readonly command?: string[];

  /**
   * vCPUs of the job. On Fargate: 0.25, 0.5, 1, 2, 4, 8 or 16, with a matching `memory`.
   * @default 1
   */
  readonly vcpus?: number;

  /**
   * Memory of the job. On Fargate it must be a valid combination with `vcpus`
   * (for 1 vCPU: 2 to 8 GiB in 1 GiB steps).
   * @default Size.gibibytes(2)
   */
  readonly memory?: Size;

  /**
   * Environment variables: configuration only. Names that carry credentials (AWS keys) or look like secrets
   * (PASSWORD, SECRET, TOKEN, API_KEY, ...) are refused: put those in `secrets`.
   * @default - none
   */
  readonly environment?: { [key: string]: string };

  /**
   * Secrets injected as environment variables when the job starts, read by the execution role.
   * @default - none
   */
  readonly secrets?: { [key: string]: batch.Secret };

  /**
   * How long an attempt may run before Batch terminates it. A job without a timeout holds its
   * capacity forever when it hangs.
   * @default Duration.hours(1)
   */
  readonly timeout?: Duration;

  /**
   * How many times Batch tries the job (1 to 10). Only infrastructure failures are retried: Spot
   * reclaim, host termination, image pull errors. An application error (a non-zero exit code)
   * fails the job at once, because running the same input again gives the same answer.
   * @default 3
   */
  readonly retryAttempts?: number;

  /**
   * Container user (`uid`, `uid:gid` or a name). Must not be root.
   * @default '1000:1000'
   */
  readonly user?: string;

  /**
   * Mount the container's root filesystem read-only. Jobs that must write use a `VOLUME` of their
   * image (or set this to false).
   * @default true
   */
  readonly readonlyRootFilesystem?: boolean;

  /**
   * Default values for `Ref::name` placeholders in `command`.
   * @default - none
   */
  readonly parameters?: { [key: string]: string };
}

/**
 * Properties for a BatchJobDefinition. Created by `BatchJobQueue.addJobDefinition()`.
 */
export interface BatchJobDefinitionProps extends BatchJobDefinitionOptions {
  /** Where the job's container logs go. */
  readonly logGroup: logs.ILogGroup;
  /** Runs the job on Fargate (true) or on EC2 container instances (false). */
  readonly fargate: boolean;
  /** The CPU architecture of the compute environments. */
  readonly cpuArchitecture: ecs.CpuArchitecture;
}

/**
 * An ECS job definition with a task role of its own that starts empty (grant what the job needs:
 * `bucket.grantRead(definition)`), an execution role that only pulls the image, writes the logs and
 * reads the given secrets, logs to the queue's encrypted log group, a non-root user and a read-only
 * root filesystem, a timeout, and retries for infrastructure failures only.
 */
export class BatchJobDefinition extends Construct implements iam.IGrantable {
  /** The Batch job definition. */
  public readonly jobDefinition: batch.EcsJobDefinition;
  /** The role the job's code runs as: no permissions until you grant them (grants land in its customer managed policy `TaskRole/Policy`). */
  public readonly taskRole: iam.Role;
  /** The role ECS uses to start the job: pull the image, write the logs, read the secrets. */
  public readonly executionRole: iam.Role;
  /** The job's task role: grant to this. */
  public readonly grantPrincipal: iam.IPrincipal;

  constructor(scope: Construct, id: string, props: BatchJobDefinitionProps) {
    super(scope, id);
    const vcpus = props.vcpus ?? 1;
    const memory = props.memory ?? Size.gibibytes(2);
    const retryAttempts = props.retryAttempts ?? 3;
    const user = props.user ?? DEFAULT_USER;
    validateJobDefinition(this, props.fargate, vcpus, memory, retryAttempts, user, props.timeout);
    // The same rule as the ECS services (lib/common/ecs-container): credentials and secret-looking names go in secrets.
    withConstructPath(this, () => validateEnvironment(props.environment));

    const assumedBy = new iam.ServicePrincipal('ecs-tasks.amazonaws.com', {
      conditions: {
        StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
        ArnLike: { 'aws:SourceArn': Stack.of(this).formatArn({ service: 'ecs', resource: '*' }) },
      },
    });
    this.taskRole = new ManagedPolicyRole(this, 'TaskRole', {
      assumedBy,
      description: `Job role of ${this.node.path}: only what is granted to the job definition`,
    });
    this.grantPrincipal = this.taskRole;
    // What aws-cdk-lib grants the execution role (logs, image pull, secrets) goes to a customer managed
    // policy of its own, not an inline default policy.
    const executionRole = new RoutedRole(this, 'ExecutionRole', {
      assumedBy,
      description: `Execution role of ${this.node.path}: pulls the image, writes its logs, reads its secrets`,
    });
    this.executionRole = executionRole;
    const executionPolicy = new RoutedPolicy(this, 'ExecutionPolicy', executionRole);

    // The execution role is this construct's own (users grant to the task role), and Batch grants the
    // secrets only when it renders the container, so every statement goes to the managed policy.
    executionRole.routeAlways(executionPolicy, () => true);
    const common = {
      image: props.image,
      command: props.command,
      cpu: vcpus,
      memory,
      environment: props.environment,
      secrets: props.secrets,
      jobRole: this.taskRole,
      executionRole,
      logging: ecs.LogDriver.awsLogs({ logGroup: props.logGroup, streamPrefix: 'job' }),
      readonlyRootFilesystem: props.readonlyRootFilesystem ?? true,
      user,
    };
    const container = props.fargate
      ? new batch.EcsFargateContainerDefinition(this, 'Container', {
          ...common,
          assignPublicIp: false,
          fargateCpuArchitecture: props.cpuArchitecture,
          fargateOperatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
        })
      : new batch.EcsEc2ContainerDefinition(this, 'Container', common);
    this.jobDefinition = new batch.EcsJobDefinition(this, 'Resource', {
      container,
      parameters: props.parameters,
      timeout: props.timeout ?? Duration.hours(1),
      retryAttempts,
      propagateTags: true,
      // Batch applies the first condition that matches. Spot reclaims, Fargate Spot interruptions and
      // image pull errors are retried; an attempt that exited with a code is an application error and
      // ends the job; anything else (no exit code: the infrastructure failed) matches nothing, and
      // Batch retries what matches nothing.
      retryStrategies: [
        batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.SPOT_INSTANCE_RECLAIMED),
        // Fargate Spot stops an interrupted task with "Your Spot Task was interrupted." Batch's patterns may only
        // end with '*' (letters, digits, '.', ':' and spaces before it; EvaluateOnExit in the Batch API reference),
        // so the match is on the start of that reason.
        batch.RetryStrategy.of(
          batch.Action.RETRY,
          batch.Reason.custom({ onStatusReason: 'Your Spot Task was interrupted*' }),
        ),
        batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.CANNOT_PULL_CONTAINER),
        batch.RetryStrategy.of(batch.Action.EXIT, batch.Reason.NON_ZERO_EXIT_CODE),
      ],
    });
  }

  /** The ARN of the job definition (with its revision). */
  public get jobDefinitionArn(): string {
    return this.jobDefinition.jobDefinitionArn;
  }

  /** Every revision of this job definition, as IAM sees `batch:SubmitJob` on it. */
  public get jobDefinitionArnAnyRevision(): string {
    return Stack.of(this).formatArn({
      service: 'batch',
      resource: 'job-definition',
      resourceName: `${this.jobDefinition.jobDefinitionName}:*`,
    });
  }
}

/** The vCPU values Fargate accepts for Batch jobs, and their CPU units. */
const FARGATE_VCPUS = [0.25, 0.5, 1, 2, 4, 8, 16];

function validateJobDefinition(
  scope: Construct,
  fargate: boolean,
  vcpus: number,
  memory: Size,
  retryAttempts: number,
  user: string,
  timeout: Duration | undefined,
): void {
  const path = scope.node.path;
  if (
    !Token.isUnresolved(retryAttempts) &&
    (!Number.isInteger(retryAttempts) || retryAttempts < 1 || retryAttempts > 10)
  ) {
    throw new Error(
      `${path}: retryAttempts must be an integer from 1 to 10 (AWS Batch's limit); received ${retryAttempts}`,
    );
  }
  if (!Token.isUnresolved(user) && ROOT_USER.test(user)) {
    throw new Error(
      `${path}: user '${user}' is root; jobs run as a non-root user. Pass a uid such as '1000:1000', or a user your image creates`,
    );
  }
  if (timeout && !Token.isUnresolved(timeout.toSeconds()) && timeout.toSeconds() < 60) {
    throw new Error(
      `${path}: timeout must be at least 60 seconds (AWS Batch's minimum); received ${timeout.toSeconds()} seconds`,
    );
  }
  if (Token.isUnresolved(vcpus) || Token.isUnresolved(memory.toMebibytes())) return;
  const mib = memory.toMebibytes();
  if (fargate) {
    const memories = FARGATE_VCPUS.includes(vcpus) ? validFargateMemory(vcpus * 1024) : undefined;
    if (!memories) {
      throw new Error(`${path}: vcpus must be one of ${FARGATE_VCPUS.join(', ')} on Fargate; received ${vcpus}`);
    }
    if (!memories.includes(mib)) {
      throw new Error(
        `${path}: memory ${mib} MiB does not fit ${vcpus} vCPU on Fargate; valid values for ${vcpus} vCPU are ${memories.join(', ')} MiB`,
      );
    }
  } else {
    if (!Number.isInteger(vcpus) || vcpus < 1) {
      throw new Error(`${path}: vcpus must be a whole number of at least 1 on EC2; received ${vcpus}`);
    }
    if (mib < 4) {
      throw new Error(`${path}: memory must be at least 4 MiB; received ${mib} MiB`);
    }
  }
}
