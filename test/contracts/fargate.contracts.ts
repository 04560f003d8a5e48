/**
 * Runtime contracts of FargateWebService (lib/fargate): ECS tasks behind an
 * ALB, logging to an encrypted log group, optionally with ECS Exec, secrets,
 * Fargate Spot and an image from ECR.
 */
import {
  arn,
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
  /** Logical-id prefixes of a Secrets Manager secret the container gets, and of its key. @default - none */
  readonly secret?: { readonly secret: string; readonly key: string };
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
  if (o.secret) {
    contracts.push(
      {
        caller: executionRole,
        action: 'secretsmanager:GetSecretValue',
        resource: ref('AWS::SecretsManager::Secret', o.secret.secret),
        phase: 'run',
        why: 'The execution role reads the secret to inject it into the container environment.',
        expect: 'allowed',
      },
      {
        caller: executionRole,
        action: 'kms:Decrypt',
        resource: arn('AWS::KMS::Key', o.secret.key),
        context: { 'kms:ViaService': 'secretsmanager.{region}.amazonaws.com' },
        phase: 'run',
        why: 'Secrets Manager decrypts the secret with its customer key for the execution role.',
        expect: 'allowed',
      },
    );
  }
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
  return { pattern: 'FargateWebService', contracts };
}
