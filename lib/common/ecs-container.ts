import { Lazy, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ManagedPolicyRole } from './managed-policy-role';
import { acknowledge, wildcardResourceFinding } from './nag';
import { RoutedPolicy, RoutedRole } from './routed-role';
import { RequiredServiceEndpoint } from './service-endpoints';

/*
 * Container hardening shared by the ECS services (FargateWebService, Ec2WebService): no credentials
 * or secret-looking names in plain environment variables, never root, writable paths as task-local
 * volumes next to a read-only root filesystem.
 */

/** Environment variable names that only ever carry credentials (Control Tower CT.ECS.PR.12). */
export const CREDENTIAL_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'ECS_ENGINE_AUTH_DATA'];

/** Container users that mean root (the patterns Control Tower CT.ECS.PR.3 rejects). */
export const ROOT_USER = /^(0|root)(:.*)?$/;

/**
 * Words of a variable name that mark a secret. Names are split into words at `_`, `-`, `.` and
 * camelCase humps; `DB_PASSWORD`, `githubToken` and `STRIPE_API_KEY` match, `TOKENIZER` does not.
 */
const SECRET_WORDS = [
  'PASSWORD',
  'PASSWD',
  'PASSPHRASE',
  'SECRET',
  'SECRETS',
  'TOKEN',
  'TOKENS',
  'CREDENTIAL',
  'CREDENTIALS',
  'APIKEY',
  'PRIVATEKEY',
];
/** Pairs of adjacent words that mark a secret. */
const SECRET_WORD_PAIRS = [
  ['API', 'KEY'],
  ['PRIVATE', 'KEY'],
  ['ACCESS', 'KEY'],
  ['SIGNING', 'KEY'],
  ['ENCRYPTION', 'KEY'],
];

/** The container user when none is given: non-root, as Control Tower CT.ECS.PR.3 requires the template to say. */
export const DEFAULT_USER = '1000:1000';

/**
 * The interface endpoints ECS reads `secrets` through in subnets without egress: Secrets Manager for
 * `fromSecretsManager*` (which sets `hasField`), SSM for `fromSsmParameter` (which does not). Takes `ecs.Secret` and
 * `batch.Secret` (AWS Batch runs jobs on ECS, and its secrets follow the same convention).
 */
export function secretServiceEndpoints(
  secrets: { [key: string]: { readonly hasField?: boolean } } | undefined,
): RequiredServiceEndpoint[] {
  const values = Object.values(secrets ?? {});
  const A = ec2.InterfaceVpcEndpointAwsService;
  const services: RequiredServiceEndpoint[] = [];
  if (values.some((s) => s.hasField !== undefined))
    services.push({ service: A.SECRETS_MANAGER, name: 'SecretsManager' });
  if (values.some((s) => s.hasField === undefined)) services.push({ service: A.SSM, name: 'Ssm' });
  return services;
}

/** Throws for a plain environment variable whose name carries credentials or marks a secret. */
export function validateEnvironment(environment: { [key: string]: string } | undefined): void {
  for (const name of Object.keys(environment ?? {})) {
    if (CREDENTIAL_VARIABLES.includes(name.toUpperCase())) {
      throw new Error(
        `environment must not carry credentials; received ${name}. Pass it in secrets (ecs.Secret.fromSecretsManager) or, for AWS credentials, grant the task role instead`,
      );
    }
    if (looksLikeSecret(name)) {
      throw new Error(
        `environment must not carry secrets; received ${name}, whose name marks a secret (PASSWORD, SECRET, TOKEN, API_KEY, PRIVATE_KEY, CREDENTIALS, ...). Plain environment variables are readable by anyone who can describe the task definition: pass it in secrets (ecs.Secret.fromSecretsManager or ecs.Secret.fromSsmParameter), or rename it if it holds no secret`,
      );
    }
  }
}

/** Throws when `user` means root. */
export function validateUser(user: string | undefined): void {
  if (user !== undefined && !Token.isUnresolved(user) && ROOT_USER.test(user)) {
    throw new Error(
      `user must not be root; received '${user}'. Give a non-root user such as '101' or '1000:1000', or omit user to keep the image's USER`,
    );
  }
}

/** Volume name and container path for each writable path, validated. */
export function writableVolumes(paths: string[]): [string, string][] {
  const seen = new Set<string>();
  const out: [string, string][] = [];
  for (const p of paths) {
    if (Token.isUnresolved(p)) {
      throw new Error('writablePaths must be literal container paths such as /tmp; received an unresolved token');
    }
    const path = p.replace(/\/+$/, '');
    if (!p.startsWith('/') || path === '') {
      throw new Error(`writablePaths must be absolute container paths below '/', such as '/tmp'; received '${p}'`);
    }
    if (seen.has(path)) {
      throw new Error(`writablePaths must not repeat a path; received '${path}' twice`);
    }
    seen.add(path);
    let name = `writable${path.replace(/[^A-Za-z0-9]+/g, '-')}`.slice(0, 240);
    if (out.some(([n]) => n === name)) name = `${name}-${out.length}`;
    out.push([name, path]);
  }
  return out;
}

/** True when a variable name marks a secret (see {@link SECRET_WORDS}). */
export function looksLikeSecret(name: string): boolean {
  if (Token.isUnresolved(name)) return false;
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toUpperCase()
    .split(/[^A-Z0-9]+/)
    .filter(Boolean);
  if (words.some((w) => SECRET_WORDS.includes(w) || w.endsWith('PASSWORD'))) return true;
  return words.some((w, i) => SECRET_WORD_PAIRS.some(([a, b]) => w === a && words[i + 1] === b));
}

/** The statement aws-cdk-lib adds to the execution role for an ECR image: a registry login, on `*`. */
export function isEcrAuthorizationStatement(statement: iam.PolicyStatement): boolean {
  return (
    statement.actions.length === 1 &&
    statement.actions[0] === 'ecr:GetAuthorizationToken' &&
    statement.resources.length === 1 &&
    statement.resources[0] === '*'
  );
}

/**
 * Makes an ECS service wait for the identity policies of its task's roles. A task definition references its roles,
 * not their policies, so without this CloudFormation may start the service (and its first tasks) before the
 * execution role's policy (image pull, awslogs, secrets) exists: the tasks then fail with CannotPullContainerError
 * or a logs AccessDenied, and enough of them trip the deployment circuit breaker during the stack's creation.
 * Roles of this library keep their statements in one customer managed policy (ManagedPolicyRole); another role
 * keeps aws-cdk-lib's grants in its `DefaultPolicy`.
 */
export function dependOnTaskRolePolicies(service: ecs.BaseService, roles: (iam.IRole | undefined)[]): void {
  for (const role of roles) {
    if (!role) continue;
    const policy = role instanceof ManagedPolicyRole ? role.policy : role.node.tryFindChild('DefaultPolicy');
    if (policy) service.node.addDependency(policy);
  }
}

/**
 * The policy of its own for the registry login (ecr:GetAuthorizationToken on `*`) of an ECS service's execution
 * role, acknowledged there alone when a private ECR image first needs it.
 */
export function ecrLoginPolicy(scope: Construct, role: iam.IRole): RoutedPolicy {
  return new RoutedPolicy(scope, 'EcrAuthorizationPolicy', role, [
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'This policy holds only ecr:GetAuthorizationToken, which supports no resource-level permissions (it issues a registry login token); the execution role can pull only from the image repositories, granted by ARN in its default policy.',
    },
  ]);
}

/**
 * Adds a container to an ECS service's task, sending the registry login aws-cdk-lib grants for a private ECR
 * image to `ecrLogin` (a role the user brought is left as it is). Tasks start as soon as the service exists, so
 * once it does (a sidecar added later; pass it), the service waits for the policy holding the pull permission.
 */
export function addServiceContainer(
  taskDefinition: ecs.TaskDefinition,
  ecrLogin: RoutedPolicy,
  id: string,
  options: ecs.ContainerDefinitionOptions,
  service?: ecs.BaseService,
): ecs.ContainerDefinition {
  const role = taskDefinition.executionRole;
  const add = () => taskDefinition.addContainer(id, options);
  const container = role instanceof RoutedRole ? role.routeWhile(ecrLogin, add, isEcrAuthorizationStatement) : add();
  if (service && ecrLogin.policy) service.node.addDependency(ecrLogin.policy);
  return container;
}

/** One error per plain environment variable of any container of `taskDefinition` whose name marks a secret or credential. */
export function secretLookingVariables(taskDefinition: ecs.TaskDefinition): string[] {
  const cfn = taskDefinition.node.defaultChild as ecs.CfnTaskDefinition;
  const containers = Stack.of(taskDefinition).resolve(cfn.containerDefinitions) as
    { name?: string; environment?: { name?: string }[] }[] | undefined;
  const errors: string[] = [];
  for (const container of containers ?? []) {
    for (const { name } of container.environment ?? []) {
      if (name && (looksLikeSecret(name) || CREDENTIAL_VARIABLES.includes(name.toUpperCase()))) {
        errors.push(
          `container '${container.name}' must not carry secrets in plain environment variables; received ${name}. Pass it with the container's secrets (ecs.Secret.fromSecretsManager or ecs.Secret.fromSsmParameter), or rename it if it holds no secret`,
        );
      }
    }
  }
  return errors;
}

/**
 * Acknowledges, on the ECS Exec policy only, each wildcard resource aws-cdk-lib granted for ECS
 * Exec, with the reason that holds for the actions on it. A wildcard this function cannot explain
 * stays an open finding.
 */
export function acknowledgeExecWildcards(policy: iam.ManagedPolicy, statements: iam.PolicyStatement[]): void {
  const anywhere = statements.filter((st) => st.resources.includes('*')).flatMap((st) => st.actions);
  if (anywhere.length > 0) {
    const unexplained = anywhere.filter((a) => !a.startsWith('ssmmessages:') && a !== 'logs:DescribeLogGroups');
    if (unexplained.length === 0) {
      acknowledge(policy, {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: `ECS Exec (opted in) needs ${[...new Set(anywhere)].sort().join(', ')}, which support no resource-level permissions: the ssmmessages channels open only into the tasks that carry this role, and logs:DescribeLogGroups reads names, not log data.`,
      });
    }
  }
  for (const st of statements) {
    for (const resource of st.resources) {
      if (resource === '*' || !resource.endsWith(':*')) continue;
      if (st.actions.every((a) => a.startsWith('logs:'))) {
        acknowledge(policy, {
          id: wildcardResourceFinding(policy, resource),
          reason: `ECS Exec writes each session to a new log stream, named per session, of the cluster's exec log group; ${st.actions.join(', ')} on that one log group's streams is the narrowest grant that allows it.`,
        });
      }
    }
  }
}

/*
 * Container memory in a task with a task-level memory size (Fargate). What ECS validates when it registers
 * the task definition: each container's hard limit (`memory`) is at most the task's memory ("The 'memory'
 * setting for container ... is greater than for the task"), a container's reservation is at most its hard
 * limit, and the containers' reservations (`memoryReservation`, else `memory`; a container with neither
 * counts 0) add up to at most the task's memory ("The sum of all container 'memoryReservation' values
 * cannot be greater than the value of the task 'memory'"). Docker needs at least 6 MiB per container.
 */

/** The least memory (MiB) Docker 20.10 and later accepts for a container, hard limit or reservation. */
export const MIN_CONTAINER_MEMORY_MIB = 6;

/** A container's memory as the task definition will render it. */
interface ContainerMemory {
  readonly name: string;
  readonly memory?: number;
  readonly memoryReservation?: number;
}

function containerMemories(taskDefinition: ecs.TaskDefinition, except?: ecs.ContainerDefinition): ContainerMemory[] {
  return taskDefinition.node.children
    .filter((c): c is ecs.ContainerDefinition => c instanceof ecs.ContainerDefinition && c !== except)
    .map((c) => {
      const rendered = c.renderContainerDefinition();
      return { name: c.containerName, memory: rendered.memory, memoryReservation: rendered.memoryReservation };
    });
}

/** What a container counts against the task's memory: its reservation, else its hard limit, else nothing. */
function reserved(c: ContainerMemory): number {
  return c.memoryReservation ?? c.memory ?? 0;
}

function anyUnresolved(containers: ContainerMemory[]): boolean {
  return containers.some((c) => Token.isUnresolved(c.memory) || Token.isUnresolved(c.memoryReservation));
}

/**
 * The memory reservation of a task's main container, which has the whole task's memory as its hard limit:
 * what the other containers of the task leave, so that the reservations add up to the task's memory
 * exactly. Resolved at synth, so containers added later count. None while no other container reserves
 * memory (the hard limit then counts), and none when a size is only known at deploy time.
 */
export function mainContainerReservation(
  taskDefinition: ecs.TaskDefinition,
  taskMemoryMiB: number,
  main: () => ecs.ContainerDefinition,
): number {
  return Lazy.number({
    produce: () => {
      const others = containerMemories(taskDefinition, main());
      if (Token.isUnresolved(taskMemoryMiB) || anyUnresolved(others)) return undefined;
      const byOthers = others.reduce((sum, c) => sum + reserved(c), 0);
      return byOthers > 0 ? taskMemoryMiB - byOthers : undefined;
    },
  });
}

/**
 * Errors for the containers next to `main` (which holds the whole task's memory as its hard limit and
 * reserves what the others leave): a hard limit above the task's memory, or reservations that leave the main
 * container less than {@link MIN_CONTAINER_MEMORY_MIB}. Call from a validation (containers come later).
 */
export function containerMemoryErrors(
  taskDefinition: ecs.TaskDefinition,
  taskMemoryMiB: number,
  main: ecs.ContainerDefinition,
): string[] {
  const others = containerMemories(taskDefinition, main);
  if (Token.isUnresolved(taskMemoryMiB) || anyUnresolved(others)) return [];
  const errors: string[] = [];
  for (const c of others) {
    if (c.memory !== undefined && c.memory > taskMemoryMiB) {
      errors.push(
        `container '${c.name}' has a hard memory limit of ${c.memory} MiB, more than the task's memoryLimitMiB ${taskMemoryMiB}; ECS refuses a container whose limit exceeds its task's memory. Lower its memoryLimitMiB to ${taskMemoryMiB} or less, or raise the service's memoryLimitMiB`,
      );
    }
  }
  const reserving = others.filter((c) => reserved(c) > 0);
  const byOthers = reserving.reduce((sum, c) => sum + reserved(c), 0);
  const needed = byOthers + MIN_CONTAINER_MEMORY_MIB;
  if (needed > taskMemoryMiB) {
    const list = reserving.map((c) => `'${c.name}' ${reserved(c)} MiB`).join(', ');
    errors.push(
      `the containers next to '${main.containerName}' reserve ${byOthers} MiB (${list}) and '${main.containerName}' needs at least ${MIN_CONTAINER_MEMORY_MIB} MiB: ${needed} MiB, more than the task's memoryLimitMiB ${taskMemoryMiB}. ECS counts each container's memoryReservationMiB, or its memoryLimitMiB when it has none, and the sum must fit in the task's memory: give the sidecars a smaller memoryReservationMiB (their memoryLimitMiB can stay), or raise the service's memoryLimitMiB`,
    );
  }
  return errors;
}

/**
 * Throws unless a sidecar's memory is valid, as ECS registers it: a hard limit of at least
 * {@link MIN_CONTAINER_MEMORY_MIB} and at most the task's memory, and a reservation of at least as much and at
 * most the hard limit. `id` names the sidecar in the messages; wrap the call in `withConstructPath`.
 */
export function validateSidecarMemory(
  id: string,
  memoryLimitMiB: number,
  memoryReservationMiB: number | undefined,
  taskMemoryMiB: number,
): void {
  validateContainerMemory(`addSidecar('${id}') memoryLimitMiB`, memoryLimitMiB);
  if (!Token.isUnresolved(taskMemoryMiB) && !Token.isUnresolved(memoryLimitMiB) && memoryLimitMiB > taskMemoryMiB) {
    throw new Error(
      `addSidecar('${id}') memoryLimitMiB must be at most the task's memoryLimitMiB ${taskMemoryMiB} (ECS refuses a container whose hard limit exceeds its task's memory); received ${memoryLimitMiB}. Lower it, or raise the service's memoryLimitMiB`,
    );
  }
  validateContainerMemory(`addSidecar('${id}') memoryReservationMiB`, memoryReservationMiB);
  if (
    memoryReservationMiB !== undefined &&
    !Token.isUnresolved(memoryReservationMiB) &&
    !Token.isUnresolved(memoryLimitMiB) &&
    memoryReservationMiB > memoryLimitMiB
  ) {
    throw new Error(
      `addSidecar('${id}') memoryReservationMiB must be at most its memoryLimitMiB ${memoryLimitMiB} (the reservation is the part of the hard limit set aside for the container); received ${memoryReservationMiB}. Lower memoryReservationMiB or raise memoryLimitMiB`,
    );
  }
}

function validateContainerMemory(name: string, mib: number | undefined): void {
  if (mib === undefined || Token.isUnresolved(mib)) return;
  if (!Number.isInteger(mib) || mib < MIN_CONTAINER_MEMORY_MIB) {
    throw new Error(
      `${name} must be a whole number of MiB, at least ${MIN_CONTAINER_MEMORY_MIB} (the least memory Docker gives a container); received ${mib}`,
    );
  }
}
