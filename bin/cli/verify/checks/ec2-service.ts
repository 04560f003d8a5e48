import {
  ContainerInstance,
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  Service,
  Task,
} from '@aws-sdk/client-ecs';
import type { VerifyContext } from '../context';
import { EC2_SERVICE_OUTPUTS, StackOutputs } from '../outputs';
import { formatMs, poll } from '../poll';
import { CheckResult, fail, info, judge } from '../result';
import { checkUrlAnswers2xx } from './url';

/** The container instance attribute in which the ECS agent reports the instance's Availability Zone. */
export const AZ_ATTRIBUTE = 'ecs.availability-zone';

/** DescribeTasks and DescribeContainerInstances take at most 100 ids per call. */
const BATCH = 100;

const shortArn = (arn: string | undefined): string => (arn ? arn.slice(arn.lastIndexOf('/') + 1) : '(unknown)');
const list = (items: string[]): string => (items.length ? items.join(', ') : 'none');

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += BATCH) out.push(items.slice(i, i + BATCH));
  return out;
}

/** The service's RUNNING tasks, described. */
async function runningTasks(ctx: VerifyContext, cluster: string, serviceName: string): Promise<Task[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ctx.clients
      .ecs()
      .send(new ListTasksCommand({ cluster, serviceName, desiredStatus: 'RUNNING', nextToken }));
    arns.push(...(page.taskArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  const tasks: Task[] = [];
  for (const batch of chunks(arns)) {
    const { tasks: described } = await ctx.clients.ecs().send(new DescribeTasksCommand({ cluster, tasks: batch }));
    tasks.push(...(described ?? []));
  }
  return tasks.filter((t) => t.lastStatus === 'RUNNING');
}

async function containerInstances(ctx: VerifyContext, cluster: string, arns: string[]): Promise<ContainerInstance[]> {
  const found: ContainerInstance[] = [];
  for (const batch of chunks(arns)) {
    const { containerInstances: described } = await ctx.clients
      .ecs()
      .send(new DescribeContainerInstancesCommand({ cluster, containerInstances: batch }));
    found.push(...(described ?? []));
  }
  return found;
}

const zoneOf = (instance: ContainerInstance | undefined): string | undefined =>
  instance?.attributes?.find((a) => a.name === AZ_ATTRIBUTE)?.value;

/** A service is steady when it is ACTIVE, has one deployment, and runs as many tasks as it wants (at least one). */
function steadyReason(service: Service): string | undefined {
  if (service.status !== 'ACTIVE') return `service status ${service.status ?? 'unknown'}`;
  const deployments = service.deployments ?? [];
  if (deployments.length !== 1) return `${deployments.length} deployments in progress`;
  if ((service.desiredCount ?? 0) < 1) return `desiredCount is ${service.desiredCount ?? 0}`;
  if (service.runningCount !== service.desiredCount) {
    return `${service.runningCount ?? 0} of ${service.desiredCount} task(s) running`;
  }
  return undefined;
}

/**
 * Ec2Service (Ec2WebService) checks: the ECS service is steady, its running tasks are placed on EC2 container
 * instances of the stack's Auto Scaling group in two or more Availability Zones (read from the container
 * instances, as ECS placed them), and the service URL answers 2xx.
 */
export async function verifyEc2Service(ctx: VerifyContext, outputs: StackOutputs): Promise<CheckResult[]> {
  const cluster = outputs[EC2_SERVICE_OUTPUTS.clusterName];
  const serviceName = outputs[EC2_SERVICE_OUTPUTS.serviceName];
  const groupName = outputs[EC2_SERVICE_OUTPUTS.autoScalingGroupName];
  const results: CheckResult[] = [
    info('service', 'ECS service under test', `${serviceName} in cluster ${cluster}, instances of ${groupName}`),
  ];

  const steadyTitle = `service ${serviceName} is ACTIVE and runs its desired tasks`;
  const waited = await poll<Service>(
    async () => {
      const { services, failures } = await ctx.clients
        .ecs()
        .send(new DescribeServicesCommand({ cluster, services: [serviceName] }));
      const service = services?.[0];
      if (!service) {
        const why = failures?.[0]?.reason;
        return { done: false, reason: `DescribeServices found no service ${serviceName}${why ? ` (${why})` : ''}` };
      }
      const reason = steadyReason(service);
      return reason ? { done: false, reason } : { done: true, value: service };
    },
    {
      label: `ECS service ${serviceName}`,
      timeoutMs: ctx.settings.waitTimeoutMs,
      clock: ctx.clock,
      progress: ctx.progress,
    },
  );
  const placementTitle = 'tasks run on EC2 container instances in at least 2 Availability Zones';
  if (!waited.ok) {
    results.push(fail('service-steady', steadyTitle, waited.reason));
    results.push(fail('tasks-multi-az', placementTitle, 'not attempted: the service is not steady'));
  } else {
    const service = waited.value;
    results.push(
      judge(
        true,
        'service-steady',
        steadyTitle,
        `${service.runningCount} of ${service.desiredCount} task(s) running (after ${formatMs(waited.elapsedMs)})`,
      ),
    );
    results.push(await checkPlacement(ctx, cluster, serviceName, placementTitle));
  }
  results.push(await checkUrlAnswers2xx(ctx, 'service-url-2xx', outputs[EC2_SERVICE_OUTPUTS.serviceUrl]));
  return results;
}

async function checkPlacement(
  ctx: VerifyContext,
  cluster: string,
  serviceName: string,
  title: string,
): Promise<CheckResult> {
  const id = 'tasks-multi-az';
  const tasks = await runningTasks(ctx, cluster, serviceName);
  if (tasks.length === 0) {
    return fail(id, title, `ListTasks found no RUNNING task of ${serviceName}`);
  }
  const notOnInstance = tasks.filter((t) => !t.containerInstanceArn);
  if (notOnInstance.length > 0) {
    return fail(
      id,
      title,
      `not on a container instance (launch type ${notOnInstance[0].launchType ?? 'unknown'}): ${list(notOnInstance.map((t) => shortArn(t.taskArn)))}`,
    );
  }
  const instanceArns = [...new Set(tasks.map((t) => t.containerInstanceArn!))];
  const instances = new Map(
    (await containerInstances(ctx, cluster, instanceArns)).map((i) => [i.containerInstanceArn, i]),
  );
  const unknown = instanceArns.filter((arn) => zoneOf(instances.get(arn)) === undefined);
  if (unknown.length > 0) {
    return fail(id, title, `no ${AZ_ATTRIBUTE} attribute on container instance(s) ${list(unknown.map(shortArn))}`);
  }
  const byZone = new Map<string, { tasks: number; instances: Set<string> }>();
  for (const task of tasks) {
    const instance = instances.get(task.containerInstanceArn)!;
    const zone = zoneOf(instance)!;
    const entry = byZone.get(zone) ?? { tasks: 0, instances: new Set<string>() };
    entry.tasks += 1;
    entry.instances.add(instance.ec2InstanceId ?? shortArn(instance.containerInstanceArn));
    byZone.set(zone, entry);
  }
  const zones = [...byZone.keys()].sort();
  return judge(
    zones.length >= 2,
    id,
    title,
    `${tasks.length} task(s) in ${zones.length} AZ(s): ${zones
      .map((z) => `${z} (${byZone.get(z)!.tasks} on ${[...byZone.get(z)!.instances].sort().join(', ')})`)
      .join(', ')}`,
  );
}
