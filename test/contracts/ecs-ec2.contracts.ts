/**
 * Runtime contracts of Ec2WebService (lib/ecs-ec2): the ECS agent on the
 * container instances, Session Manager, the task and execution roles.
 */
import { arn, ContractGroup, ref, role, RuntimeContract, service } from '../support/runtime-contracts';
import {
  ContainerSecretContract,
  containerSecretContracts,
  TrafficShiftingContractOptions,
  trafficShiftingContracts,
} from './fargate.contracts';

export interface Ec2ServiceContractOptions {
  /** The construct id of the service (logical-id prefix of what it creates). */
  readonly prefix: string;
  /** The service deploys with blue/green, linear or canary (and a test listener). @default - rolling */
  readonly trafficShifting?: TrafficShiftingContractOptions;
  /** The secrets the service's containers (application or sidecars) get. @default - none */
  readonly secrets?: ContainerSecretContract[];
}

export function ec2ServiceContracts(o: Ec2ServiceContractOptions): ContractGroup {
  const p = o.prefix;
  const instanceRole = role(`${p}InstanceRole`);
  const cluster = arn('AWS::ECS::Cluster', `${p}Cluster`);
  const containerInstance = 'arn:aws:ecs:{region}:{account}:container-instance/{stackName}-cluster/0123456789abcdef';
  const contracts: RuntimeContract[] = [
    {
      caller: service('ec2.amazonaws.com'),
      action: 'sts:AssumeRole',
      resource: arn('AWS::IAM::Role', `${p}InstanceRole`),
      phase: 'deploy',
      why: 'EC2 assumes the instance role for the instance profile of each container instance.',
      expect: 'allowed',
    },
    ...[`${p}ExecutionRole`, `${p}TaskRole`].map((r) => ({
      caller: service('ecs-tasks.amazonaws.com'),
      action: 'sts:AssumeRole',
      resource: arn('AWS::IAM::Role', r),
      phase: 'deploy' as const,
      why: `ECS assumes ${r.slice(p.length)} for every task it starts.`,
      expect: 'allowed' as const,
    })),
    {
      caller: instanceRole,
      action: 'ecs:RegisterContainerInstance',
      resource: cluster,
      phase: 'deploy',
      why: 'The ECS agent registers each instance with the cluster named in its user data; without it no task is placed.',
      expect: 'allowed',
    },
    {
      caller: instanceRole,
      action: 'ecs:DiscoverPollEndpoint',
      resource: '*',
      phase: 'run',
      why: 'The ECS agent finds the endpoint it polls for work.',
      expect: 'allowed',
    },
    {
      caller: instanceRole,
      action: 'ecs:Poll',
      resource: containerInstance,
      context: { 'ecs:cluster': cluster },
      phase: 'run',
      why: 'The ECS agent long-polls for the tasks to start and stop on its instance.',
      expect: 'allowed',
    },
    {
      caller: instanceRole,
      action: 'ecs:SubmitTaskStateChange',
      resource: cluster,
      phase: 'run',
      why: 'The ECS agent reports task state (RUNNING, STOPPED): the service and the circuit breaker depend on it.',
      expect: 'allowed',
    },
    {
      caller: instanceRole,
      action: 'ecs:Poll',
      resource: containerInstance,
      context: { 'ecs:cluster': 'arn:aws:ecs:{region}:{account}:cluster/someone-elses-cluster' },
      phase: 'run',
      why: 'The instance role polls for its own cluster only.',
      expect: 'denied',
    },
    {
      caller: instanceRole,
      action: 'ssm:UpdateInstanceInformation',
      resource: 'arn:aws:ec2:{region}:{account}:instance/i-0123456789abcdef0',
      phase: 'run',
      why: 'The SSM agent registers the container instance (Session Manager instead of SSH).',
      expect: 'allowed',
    },
    {
      caller: role(`${p}ExecutionRole`),
      action: 'logs:PutLogEvents',
      resource: [
        'arn:aws:logs:{region}:{account}:log-group:',
        ref('AWS::Logs::LogGroup', `${p}LogGroup`),
        ':log-stream:web/web/0123456789abcdef',
      ],
      phase: 'run',
      why: 'The awslogs driver sends the container output with the execution role.',
      expect: 'allowed',
    },
    {
      caller: role(`${p}TaskRole`),
      action: 's3:GetObject',
      resource: 'arn:aws:s3:::any-bucket/any-key',
      phase: 'run',
      why: 'The application gets nothing in AWS until the user grants it (grantPrincipal).',
      expect: 'denied',
    },
    // The teardown custom resource (lib/ecs-ec2/private/teardown.ts, handler lib/ecs-ec2/handler): on stack
    // deletion its function releases the scale-in protection of this service's Auto Scaling group only.
    ...teardownContracts(p),
  ];
  if (o.trafficShifting) contracts.push(...trafficShiftingContracts(p, o.trafficShifting));
  contracts.push(...containerSecretContracts(role(`${p}ExecutionRole`), o.secrets ?? []));
  return { pattern: 'Ec2WebService', contracts };
}

function teardownContracts(p: string): RuntimeContract[] {
  const teardownRole = role(`${p}TeardownRole`);
  const group = [
    'arn:aws:autoscaling:{region}:{account}:autoScalingGroup:0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b:autoScalingGroupName/',
    ref('AWS::AutoScaling::AutoScalingGroup', `${p}AutoScalingGroup`),
  ];
  const eni = 'arn:aws:ec2:{region}:{account}:network-interface/eni-0123456789abcdef0';
  return [
    {
      caller: service('lambda.amazonaws.com'),
      action: 'sts:AssumeRole',
      resource: arn('AWS::IAM::Role', `${p}TeardownRole`),
      phase: 'deploy',
      why: 'Lambda assumes the teardown role to run the teardown function.',
      expect: 'allowed',
    },
    ...['ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface'].map((action) => ({
      caller: teardownRole,
      action,
      resource: eni,
      phase: 'deploy' as const,
      why: `Lambda checks at CreateFunction that a VPC function's role allows ${action} (Hyperplane ENIs).`,
      expect: 'allowed' as const,
    })),
    ...['autoscaling:UpdateAutoScalingGroup', 'autoscaling:SetInstanceProtection'].map((action) => ({
      caller: teardownRole,
      action,
      resource: group,
      phase: 'deploy' as const,
      why: `On stack deletion the function calls ${action.slice('autoscaling:'.length)} on the group (MinSize and DesiredCapacity 0, no protection for new instances; then every protected instance) so that deleting the group terminates its instances.`,
      expect: 'allowed' as const,
    })),
    {
      caller: teardownRole,
      action: 'autoscaling:DescribeAutoScalingGroups',
      resource: '*',
      phase: 'deploy',
      why: 'The function lists the instances of the group to find the protected ones (no resource-level permissions).',
      expect: 'allowed',
    },
    {
      caller: teardownRole,
      action: 'autoscaling:SetInstanceProtection',
      resource:
        'arn:aws:autoscaling:{region}:{account}:autoScalingGroup:0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b:autoScalingGroupName/someone-elses-group',
      phase: 'deploy',
      why: 'The teardown role can release its own group only.',
      expect: 'denied',
    },
    {
      caller: teardownRole,
      action: 'logs:PutLogEvents',
      resource: [
        'arn:aws:logs:{region}:{account}:log-group:',
        ref('AWS::Logs::LogGroup', `${p}TeardownLogGroup`),
        ':log-stream:2026/12/03/[$LATEST]0123456789abcdef',
      ],
      phase: 'deploy',
      why: 'The function logs what it released (JSON logging to its own encrypted log group).',
      expect: 'allowed',
    },
  ];
}
