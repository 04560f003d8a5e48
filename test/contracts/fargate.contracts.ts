/**
 * Runtime contracts of FargateWebService (lib/fargate): ECS tasks behind an
 * ALB, logging to an encrypted log group, optionally with ECS Exec, secrets,
 * Fargate Spot and an image from ECR.
 */
import {
  arn,
  Caller,
  ContractGroup,
  ref,
  role,
  RuntimeContract,
  service,
  serviceLinkedRole,
} from '../support/runtime-contracts';

export interface FargateContractOptions {
  /** The construct id of the service (logical-id prefix of what it creates). */
  readonly prefix: string;
  /** The service runs with ECS Exec. @default false */
  readonly exec?: boolean;
  /** Logical-id prefix of the ECR repository the image comes from. @default - a public image */
  readonly ecrRepository?: string;
  /** The secrets the service's containers (application or sidecars) get. @default - none */
  readonly secrets?: ContainerSecretContract[];
  /** The service deploys with blue/green, linear or canary (and a test listener). @default - rolling */
  readonly trafficShifting?: TrafficShiftingContractOptions;
  /** Ids of the sidecars added with `addSidecar` (each logs to the service's log group). @default - none */
  readonly sidecars?: string[];
}

/** A secret injected into one container of an ECS task by the task's execution role. */
export interface ContainerSecretContract {
  /** The container that gets it: 'the application container' or `the sidecar 'agent'`. */
  readonly container: string;
  /** Logical-id prefix of a Secrets Manager secret, and of its customer key (none: the AWS managed key). */
  readonly secretsManager?: { readonly secret: string; readonly key?: string };
  /** Logical-id prefix of an SSM parameter. */
  readonly ssmParameter?: string;
}

/**
 * What ECS does with the task's execution role to inject `secrets` (any container of the task: ECS reads every
 * container's secrets before it starts the task, so a sidecar's secret the role cannot read stops the whole task).
 */
export function containerSecretContracts(executionRole: Caller, secrets: ContainerSecretContract[]): RuntimeContract[] {
  return secrets.flatMap((s): RuntimeContract[] => [
    ...(s.secretsManager
      ? [
          {
            caller: executionRole,
            action: 'secretsmanager:GetSecretValue',
            resource: ref('AWS::SecretsManager::Secret', s.secretsManager.secret),
            phase: 'run' as const,
            why: `The execution role reads the secret to inject it into ${s.container}.`,
            expect: 'allowed' as const,
          },
          ...(s.secretsManager.key
            ? [
                {
                  caller: executionRole,
                  action: 'kms:Decrypt',
                  resource: arn('AWS::KMS::Key', s.secretsManager.key),
                  context: { 'kms:ViaService': 'secretsmanager.{region}.amazonaws.com' },
                  phase: 'run' as const,
                  why: `Secrets Manager decrypts the secret of ${s.container} with its customer key for the execution role.`,
                  expect: 'allowed' as const,
                },
              ]
            : []),
        ]
      : []),
    ...(s.ssmParameter
      ? [
          {
            caller: executionRole,
            action: 'ssm:GetParameters',
            resource: arn('AWS::SSM::Parameter', s.ssmParameter),
            phase: 'run' as const,
            why: `The execution role reads the parameter to inject it into ${s.container} (ECS calls GetParameters).`,
            expect: 'allowed' as const,
          },
        ]
      : []),
  ]);
}

export interface TrafficShiftingContractOptions {
  /** Logical-id prefix of the serving listener the production rule is on. */
  readonly listener: string;
  /** Logical-id prefix of the test listener, when there is one. @default - none */
  readonly testListener?: string;
}

/**
 * The deployment role of a blue/green, linear or canary ECS service (lib/common/ecs-service-load-balancing.ts):
 * ECS assumes it and moves traffic by re-weighting this service's listener rules, and nothing else.
 */
export function trafficShiftingContracts(p: string, o: TrafficShiftingContractOptions): RuntimeContract[] {
  const deploymentRole = role(`${p}DeploymentRole`);
  const rules = [`${p}ListenerRule`, ...(o.testListener ? [`${p}TestListenerRule`] : [])];
  const listeners = [o.listener, ...(o.testListener ? [o.testListener] : [])];
  return [
    {
      caller: service('ecs.amazonaws.com'),
      action: 'sts:AssumeRole',
      resource: arn('AWS::IAM::Role', `${p}DeploymentRole`),
      phase: 'deploy',
      why: 'ECS assumes the infrastructure role for load balancers named in the service (AdvancedConfiguration.RoleArn) to shift traffic.',
      expect: 'allowed',
    },
    ...rules.map((rule) => ({
      caller: deploymentRole,
      action: 'elasticloadbalancing:ModifyRule',
      resource: ref('AWS::ElasticLoadBalancingV2::ListenerRule', rule),
      phase: 'run' as const,
      why: `ECS re-weights the forward action of ${rule.slice(p.length)} between the two target groups at each traffic step and on rollback.`,
      expect: 'allowed' as const,
    })),
    ...listeners.map((listener) => ({
      caller: deploymentRole,
      action: 'elasticloadbalancing:ModifyListener',
      resource: ref('AWS::ElasticLoadBalancingV2::Listener', listener),
      phase: 'run' as const,
      why: 'ECS may modify the listeners its rules are on (AWS documents ModifyListener for the infrastructure role).',
      expect: 'allowed' as const,
    })),
    ...[`${p}TargetGroup`, `${p}AlternateTargetGroup`].map((tg) => ({
      caller: deploymentRole,
      action: 'elasticloadbalancing:RegisterTargets',
      resource: ref('AWS::ElasticLoadBalancingV2::TargetGroup', tg),
      phase: 'run' as const,
      why: `ECS registers the new tasks in ${tg.slice(p.length)}.`,
      expect: 'allowed' as const,
    })),
    ...[
      'elasticloadbalancing:DescribeListeners',
      'elasticloadbalancing:DescribeRules',
      'elasticloadbalancing:DescribeTargetGroups',
      'elasticloadbalancing:DescribeTargetHealth',
    ].map((action) => ({
      caller: deploymentRole,
      action,
      resource: '*',
      phase: 'run' as const,
      why: `ECS reads the load balancer's state (${action}, no resource-level permissions) before and during each step.`,
      expect: 'allowed' as const,
    })),
    {
      caller: deploymentRole,
      action: 'elasticloadbalancing:ModifyRule',
      resource:
        'arn:aws:elasticloadbalancing:{region}:{account}:listener-rule/app/someone-elses/0123456789abcdef/listener/rule',
      phase: 'run',
      why: 'The role moves traffic of this service only: a rule of another load balancer stays out of reach.',
      expect: 'denied',
    },
    {
      caller: deploymentRole,
      action: 'elasticloadbalancing:ModifyListener',
      resource: 'arn:aws:elasticloadbalancing:{region}:{account}:listener/app/someone-elses/0123456789abcdef/listener',
      phase: 'run',
      why: 'Unlike AmazonECSInfrastructureRolePolicyForLoadBalancers, the role cannot modify the listeners of other load balancers.',
      expect: 'denied',
    },
  ];
}

export function fargateContracts(o: FargateContractOptions): ContractGroup {
  const p = o.prefix;
  const executionRole = role(`${p}ExecutionRole`);
  const taskRole = role(`${p}TaskRole`);
  const contracts: RuntimeContract[] = [
    ...[`${p}ExecutionRole`, `${p}TaskRole`].map((r) => ({
      caller: service('ecs-tasks.amazonaws.com'),
      action: 'sts:AssumeRole',
      resource: arn('AWS::IAM::Role', r),
      phase: 'deploy' as const,
      why: `ECS assumes ${r.slice(p.length)} for every task it starts.`,
      expect: 'allowed' as const,
    })),
    {
      caller: executionRole,
      action: 'logs:CreateLogStream',
      resource: [
        'arn:aws:logs:{region}:{account}:log-group:',
        ref('AWS::Logs::LogGroup', `${p}LogGroup`),
        ':log-stream:web/web/0123456789abcdef',
      ],
      phase: 'run',
      why: 'The awslogs driver creates a log stream per task with the execution role.',
      expect: 'allowed',
    },
    {
      caller: executionRole,
      action: 'logs:PutLogEvents',
      resource: [
        'arn:aws:logs:{region}:{account}:log-group:',
        ref('AWS::Logs::LogGroup', `${p}LogGroup`),
        ':log-stream:web/web/0123456789abcdef',
      ],
      phase: 'run',
      why: 'The awslogs driver ships the container output.',
      expect: 'allowed',
    },
    ...(o.sidecars ?? []).flatMap((id): RuntimeContract[] =>
      (['logs:CreateLogStream', 'logs:PutLogEvents'] as const).map((action) => ({
        caller: executionRole,
        action,
        resource: [
          'arn:aws:logs:{region}:{account}:log-group:',
          ref('AWS::Logs::LogGroup', `${p}LogGroup`),
          `:log-stream:${id}/${id}/0123456789abcdef`,
        ],
        phase: 'run',
        why: `The awslogs driver of the sidecar '${id}' writes its output to the service's log group, under the stream prefix '${id}'.`,
        expect: 'allowed',
      })),
    ),
    {
      caller: serviceLinkedRole('AWSServiceRoleForECS'),
      action: 'ec2:CreateNetworkInterface',
      resource: 'arn:aws:ec2:{region}:{account}:network-interface/eni-0123456789abcdef0',
      phase: 'deploy',
      why: 'ECS creates the awsvpc ENI of each task with its service-linked role (a fresh account needs the role).',
      expect: 'allowed',
    },
    {
      caller: serviceLinkedRole('AWSServiceRoleForECS'),
      action: 'elasticloadbalancing:RegisterTargets',
      resource: arn('AWS::ElasticLoadBalancingV2::TargetGroup', `${p}TargetGroup`),
      phase: 'run',
      why: 'ECS registers each task IP with the target group.',
      expect: 'allowed',
    },
    {
      caller: serviceLinkedRole('AWSServiceRoleForApplicationAutoScaling_ECSService'),
      action: 'ecs:UpdateService',
      resource: 'arn:aws:ecs:{region}:{account}:service/cluster/web',
      phase: 'run',
      why: 'Target tracking changes the desired task count.',
      expect: 'allowed',
    },
  ];
  if (o.ecrRepository) {
    const repo = arn('AWS::ECR::Repository', o.ecrRepository);
    contracts.push(
      {
        caller: executionRole,
        action: 'ecr:GetAuthorizationToken',
        resource: '*',
        phase: 'run',
        why: 'The execution role logs in to ECR before pulling the image.',
        expect: 'allowed',
      },
      ...['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'].map((action) => ({
        caller: executionRole,
        action,
        resource: repo,
        phase: 'run' as const,
        why: `The execution role pulls the image (${action}).`,
        expect: 'allowed' as const,
      })),
    );
  }
  contracts.push(...containerSecretContracts(executionRole, o.secrets ?? []));
  if (o.exec) {
    contracts.push(
      ...['ssmmessages:CreateControlChannel', 'ssmmessages:OpenDataChannel'].map((action) => ({
        caller: taskRole,
        action,
        resource: '*',
        phase: 'run' as const,
        why: `ECS Exec: the SSM agent in the task opens its channels (${action}).`,
        expect: 'allowed' as const,
      })),
      {
        caller: taskRole,
        action: 'kms:Decrypt',
        resource: arn('AWS::KMS::Key', `${p}ExecKey`),
        phase: 'run',
        why: 'ECS Exec sessions are encrypted with the exec key; the agent in the task decrypts the session data key.',
        expect: 'allowed',
      },
      {
        caller: taskRole,
        action: 'logs:PutLogEvents',
        resource: [
          'arn:aws:logs:{region}:{account}:log-group:',
          ref('AWS::Logs::LogGroup', `${p}ExecLogGroup`),
          ':log-stream:ecs-execute-command-0123',
        ],
        phase: 'run',
        why: 'ECS Exec logs each session to the exec log group with the task role.',
        expect: 'allowed',
      },
    );
  }
  if (o.trafficShifting) contracts.push(...trafficShiftingContracts(p, o.trafficShifting));
  return { pattern: 'FargateWebService', contracts };
}
