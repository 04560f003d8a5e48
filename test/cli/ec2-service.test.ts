import { createAwsClients } from '../../bin/cli/verify/aws';
import { verifyEc2Service } from '../../bin/cli/verify/checks/ec2-service';
import { AwsJsonError, AwsJsonServer, loopbackClient, startAwsJsonServer } from './support/aws-json-server';
import { EC2_SERVICE } from './support/fixtures';
import { LocalServer, startServer, testContext } from './support/helpers';

const CLUSTER_ARN = 'arn:aws:ecs:us-east-1:123456789012:cluster/Ec2Service-WebCluster';
const ciArn = (n: number) => `arn:aws:ecs:us-east-1:123456789012:container-instance/Ec2Service-WebCluster/ci${n}`;
const taskArn = (n: number) => `arn:aws:ecs:us-east-1:123456789012:task/Ec2Service-WebCluster/t${n}`;

/** What the fake ECS control plane holds: the service, its tasks (task -> container instance) and the instances' AZs. */
interface EcsState {
  services: () => Record<string, unknown>[];
  tasks: { n: number; instance?: number; launchType?: string }[];
  zones: Record<number, string | undefined>;
}

function ecsModel(state: EcsState) {
  return (operation: string, input: Record<string, unknown>): unknown => {
    expect(input.cluster).toBe(EC2_SERVICE.ClusterName);
    switch (operation) {
      case 'DescribeServices':
        expect(input.services).toEqual([EC2_SERVICE.ServiceName]);
        return { services: state.services(), failures: [] };
      case 'ListTasks':
        expect(input).toMatchObject({ serviceName: EC2_SERVICE.ServiceName, desiredStatus: 'RUNNING' });
        return { taskArns: state.tasks.map((t) => taskArn(t.n)) };
      case 'DescribeTasks':
        return {
          tasks: state.tasks
            .filter((t) => (input.tasks as string[]).includes(taskArn(t.n)))
            .map((t) => ({
              taskArn: taskArn(t.n),
              clusterArn: CLUSTER_ARN,
              lastStatus: 'RUNNING',
              launchType: t.launchType ?? 'EC2',
              containerInstanceArn: t.instance === undefined ? undefined : ciArn(t.instance),
            })),
          failures: [],
        };
      case 'DescribeContainerInstances':
        return {
          containerInstances: (input.containerInstances as string[]).map((arn) => {
            const n = Number(arn.slice(arn.lastIndexOf('ci') + 2));
            const zone = state.zones[n];
            return {
              containerInstanceArn: arn,
              ec2InstanceId: `i-0000000000000000${n}`,
              status: 'ACTIVE',
              attributes: [
                { name: 'ecs.os-type', value: 'linux' },
                ...(zone ? [{ name: 'ecs.availability-zone', value: zone }] : []),
              ],
            };
          }),
          failures: [],
        };
      default:
        throw new AwsJsonError('InvalidParameterException', `unexpected ${operation}`);
    }
  };
}

const steady = (running = 2, desired = 2, deployments = 1) => ({
  serviceName: EC2_SERVICE.ServiceName,
  status: 'ACTIVE',
  desiredCount: desired,
  runningCount: running,
  deployments: Array.from({ length: deployments }, (_, i) => ({ id: `ecs-svc/${i}`, status: 'PRIMARY' })),
});

let ecs: AwsJsonServer | undefined;
let web: LocalServer | undefined;
afterEach(async () => {
  await ecs?.close();
  await web?.close();
  ecs = web = undefined;
});

async function run(state: EcsState, settings: { waitTimeoutMs?: number; urlTimeoutMs?: number } = {}) {
  ecs = await startAwsJsonServer('AmazonEC2ContainerServiceV20141113', ecsModel(state));
  web ??= await startServer(() => ({ status: 200, body: 'ok' }));
  const ctx = testContext({
    clients: createAwsClients('us-east-1', { ecs: loopbackClient(ecs.endpoint) }),
    settings,
  });
  return verifyEc2Service(ctx, { ...EC2_SERVICE, ServiceUrl: web.url });
}

describe('verifyEc2Service (against a loopback ECS JSON endpoint)', () => {
  test('passes when the steady service runs tasks on container instances in two AZs and the URL answers', async () => {
    // GIVEN three tasks on two instances in us-east-1a and one in us-east-1b
    let describes = 0;
    const state: EcsState = {
      // the first answer is mid-deployment: the check waits for the service to settle
      services: () => [describes++ === 0 ? steady(1, 3, 2) : steady(3, 3)],
      tasks: [
        { n: 1, instance: 1 },
        { n: 2, instance: 2 },
        { n: 3, instance: 3 },
      ],
      zones: { 1: 'us-east-1a', 2: 'us-east-1a', 3: 'us-east-1b' },
    };
    // WHEN
    const results = await run(state);
    // THEN
    expect(results).toEqual([
      {
        id: 'service',
        status: 'info',
        title: 'ECS service under test',
        evidence: `${EC2_SERVICE.ServiceName} in cluster ${EC2_SERVICE.ClusterName}, instances of ${EC2_SERVICE.AutoScalingGroupName}`,
      },
      {
        id: 'service-steady',
        status: 'pass',
        title: `service ${EC2_SERVICE.ServiceName} is ACTIVE and runs its desired tasks`,
        evidence: expect.stringMatching(/^3 of 3 task\(s\) running \(after \d/),
      },
      {
        id: 'tasks-multi-az',
        status: 'pass',
        title: 'tasks run on EC2 container instances in at least 2 Availability Zones',
        evidence:
          '3 task(s) in 2 AZ(s): us-east-1a (2 on i-00000000000000001, i-00000000000000002), us-east-1b (1 on i-00000000000000003)',
      },
      expect.objectContaining({ id: 'service-url-2xx', status: 'pass' }),
    ]);
    // AND the calls were the documented ones, on the stack's cluster and service only
    expect(ecs!.calls.map((c) => c.operation)).toEqual([
      'DescribeServices',
      'DescribeServices',
      'ListTasks',
      'DescribeTasks',
      'DescribeContainerInstances',
    ]);
    expect(ecs!.calls[4].input.containerInstances).toEqual([ciArn(1), ciArn(2), ciArn(3)]);
  });

  test('fails when every task runs in one Availability Zone', async () => {
    const results = await run({
      services: () => [steady()],
      tasks: [
        { n: 1, instance: 1 },
        { n: 2, instance: 1 },
      ],
      zones: { 1: 'us-east-1a' },
    });
    expect(results[2]).toEqual({
      id: 'tasks-multi-az',
      status: 'fail',
      title: 'tasks run on EC2 container instances in at least 2 Availability Zones',
      evidence: '2 task(s) in 1 AZ(s): us-east-1a (2 on i-00000000000000001)',
    });
  });

  test('fails when a task is not on a container instance (Fargate)', async () => {
    const results = await run({
      services: () => [steady()],
      tasks: [
        { n: 1, instance: 1 },
        { n: 2, launchType: 'FARGATE' },
      ],
      zones: { 1: 'us-east-1a' },
    });
    expect(results[2]).toMatchObject({
      id: 'tasks-multi-az',
      status: 'fail',
      evidence: 'not on a container instance (launch type FARGATE): t2',
    });
  });

  test('fails when a container instance does not report its Availability Zone', async () => {
    const results = await run({
      services: () => [steady()],
      tasks: [
        { n: 1, instance: 1 },
        { n: 2, instance: 2 },
      ],
      zones: { 1: 'us-east-1a' },
    });
    expect(results[2]).toMatchObject({
      status: 'fail',
      evidence: 'no ecs.availability-zone attribute on container instance(s) ci2',
    });
  });

  test('fails (and does not look at placement) when the service never runs its desired tasks', async () => {
    const results = await run({ services: () => [steady(1, 2)], tasks: [], zones: {} }, { waitTimeoutMs: 30_000 });
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ['service', 'info'],
      ['service-steady', 'fail'],
      ['tasks-multi-az', 'fail'],
      ['service-url-2xx', 'pass'],
    ]);
    expect(results[1].evidence).toMatch(/1 of 2 task\(s\) running/);
    expect(results[2].evidence).toBe('not attempted: the service is not steady');
    expect(ecs!.calls.some((c) => c.operation === 'ListTasks')).toBe(false);
  });

  test('fails when the service does not exist, with the reason ECS gives', async () => {
    ecs = await startAwsJsonServer('AmazonEC2ContainerServiceV20141113', () => ({
      services: [],
      failures: [{ arn: 'arn:aws:ecs:us-east-1:123456789012:service/x', reason: 'MISSING' }],
    }));
    web = await startServer(() => ({ status: 200, body: 'ok' }));
    const ctx = testContext({
      clients: createAwsClients('us-east-1', { ecs: loopbackClient(ecs.endpoint) }),
      settings: { waitTimeoutMs: 10_000 },
    });
    const results = await verifyEc2Service(ctx, { ...EC2_SERVICE, ServiceUrl: web.url });
    expect(results[1]).toMatchObject({ id: 'service-steady', status: 'fail' });
    expect(results[1].evidence).toContain(`DescribeServices found no service ${EC2_SERVICE.ServiceName} (MISSING)`);
  });
});
