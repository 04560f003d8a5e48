/**
 * Runtime contracts of BeanstalkWebApp and BeanstalkWorker (lib/beanstalk): Elastic Beanstalk assuming the
 * service role for enhanced health, EC2 assuming the instance role, the platform on the instances reading the
 * application version and its environment files, streaming logs and reporting health, and the worker daemon
 * using its queue and key.
 */
import { FileSystem } from 'aws-cdk-lib';
import { arn, ContractGroup, ref, role, RuntimeContract, service } from '../support/runtime-contracts';

export interface BeanstalkContractOptions {
  /** Construct id of the BeanstalkWebApp or BeanstalkWorker (logical-id prefix of what it creates). */
  readonly prefix: string;
  /** Logical-id prefix of the Elastic Beanstalk application the environment belongs to. */
  readonly application: string;
  /** The environment's name (a literal in the template). */
  readonly environmentName: string;
  /** The source directory: the application version's S3 key is its CDK fingerprint. */
  readonly sourcePath: string;
  /** The environment is a worker: its daemon uses the queue and key. @default false */
  readonly worker?: boolean;
}

export function beanstalkContracts(o: BeanstalkContractOptions): ContractGroup {
  const p = o.prefix;
  const instanceRole = role(`${p}InstanceRole`);
  const serviceRole = role(`${p}ServiceRole`);
  const assets = 'arn:aws:s3:::cdk-hnb659fds-assets-{account}-{region}';
  const storage = 'arn:aws:s3:::elasticbeanstalk-{region}-{account}';
  const logStream = (file: string) =>
    `arn:aws:logs:{region}:{account}:log-group:/aws/elasticbeanstalk/${o.environmentName}/${file}:log-stream:i-0123456789abcdef0`;
  const contracts: RuntimeContract[] = [
    {
      caller: service('elasticbeanstalk.amazonaws.com'),
      action: 'sts:AssumeRole',
      resource: arn('AWS::IAM::Role', `${p}ServiceRole`),
      context: { 'sts:ExternalId': 'elasticbeanstalk' },
      phase: 'run',
      why: 'Elastic Beanstalk assumes the service role, with its external id, to monitor enhanced health.',
      expect: 'allowed',
    },
    {
      caller: service('elasticbeanstalk.amazonaws.com'),
      action: 'sts:AssumeRole',
      resource: arn('AWS::IAM::Role', `${p}ServiceRole`),
      phase: 'run',
      why: 'Without the external id Elastic Beanstalk sets, the service role is not assumed.',
      expect: 'denied',
    },
    {
      caller: service('ec2.amazonaws.com'),
      action: 'sts:AssumeRole',
      resource: arn('AWS::IAM::Role', `${p}InstanceRole`),
      phase: 'deploy',
      why: 'EC2 assumes the instance role through the instance profile of each instance Elastic Beanstalk launches.',
      expect: 'allowed',
    },
    ...[
      'elasticloadbalancing:DescribeTargetHealth',
      'ec2:DescribeInstanceStatus',
      'autoscaling:DescribeAutoScalingGroups',
    ].map((action) => ({
      caller: serviceRole,
      action,
      resource: '*',
      phase: 'run' as const,
      why: `Enhanced health reads the environment's load balancer, instances and Auto Scaling group (${action}).`,
      expect: 'allowed' as const,
    })),
    {
      caller: serviceRole,
      action: 'logs:PutLogEvents',
      resource: logStream('environment-health.log'),
      phase: 'run',
      why: 'Health streaming writes the environment health events to its log group.',
      expect: 'allowed',
    },
    {
      caller: instanceRole,
      action: 's3:GetObject',
      resource: `${assets}/${FileSystem.fingerprint(o.sourcePath)}.zip`,
      phase: 'deploy',
      why: 'The platform on each instance downloads the application version (the CDK asset) from the assets bucket.',
      expect: 'allowed',
    },
    {
      caller: instanceRole,
      action: 's3:GetObject',
      resource: `${assets}/0000000000000000000000000000000000000000000000000000000000000000.zip`,
      phase: 'run',
      why: "The instances read their own application version only, never the app's other assets.",
      expect: 'denied',
    },
    {
      caller: instanceRole,
      action: 's3:GetObject',
      resource: `${storage}/resources/environments/e-abcdef1234/_runtime/_versions/app/source.zip`,
      phase: 'deploy',
      why: "The platform reads its environment's deployment files from the Elastic Beanstalk storage bucket.",
      expect: 'allowed',
    },
    {
      caller: instanceRole,
      action: 's3:PutObject',
      resource: `${storage}/resources/environments/logs/publish/e-abcdef1234/i-0123456789abcdef0/var-log.gz`,
      phase: 'run',
      why: 'The instances upload rotated logs (LogPublicationControl) to the storage bucket.',
      expect: 'allowed',
    },
    {
      caller: instanceRole,
      action: 's3:PutObject',
      resource: `${storage}/resources/environments/e-abcdef1234/_runtime/_versions/app/source.zip`,
      phase: 'run',
      why: 'The instances may not overwrite deployment files of any environment, only add logs.',
      expect: 'denied',
    },
    ...['logs:CreateLogStream', 'logs:PutLogEvents'].map((action) => ({
      caller: instanceRole,
      action,
      resource: logStream('var/log/web.stdout.log'),
      phase: 'run' as const,
      why: `The CloudWatch agent streams the instance logs (${action}).`,
      expect: 'allowed' as const,
    })),
    {
      caller: instanceRole,
      action: 'logs:PutLogEvents',
      resource:
        'arn:aws:logs:{region}:{account}:log-group:/aws/elasticbeanstalk/another-env/var/log/web.stdout.log:log-stream:x',
      phase: 'run',
      why: "The instances write their own environment's logs only.",
      expect: 'denied',
    },
    {
      caller: instanceRole,
      action: 'elasticbeanstalk:PutInstanceStatistics',
      resource: [
        'arn:aws:elasticbeanstalk:{region}:{account}:environment/',
        ref('AWS::ElasticBeanstalk::Application', o.application),
        `/${o.environmentName}`,
      ],
      phase: 'run',
      why: 'The health agent reports instance statistics for enhanced health.',
      expect: 'allowed',
    },
  ];
  if (o.worker) {
    const queue = arn('AWS::SQS::Queue', `${p}Queue`);
    for (const action of [
      'sqs:ReceiveMessage',
      'sqs:DeleteMessage',
      'sqs:ChangeMessageVisibility',
      'sqs:SendMessage',
    ]) {
      contracts.push({
        caller: instanceRole,
        action,
        resource: queue,
        phase: 'run',
        why: `The worker daemon (sqsd) works its queue (${action}).`,
        expect: 'allowed',
      });
    }
    contracts.push(
      {
        caller: instanceRole,
        action: 'kms:Decrypt',
        resource: arn('AWS::KMS::Key', `${p}QueueKey`),
        phase: 'run',
        why: 'The daemon decrypts the messages of the KMS-encrypted queue.',
        expect: 'allowed',
      },
      {
        caller: instanceRole,
        action: 'sqs:ReceiveMessage',
        resource: 'arn:aws:sqs:{region}:{account}:someone-elses-queue',
        phase: 'run',
        why: 'The daemon may read its own queue only.',
        expect: 'denied',
      },
    );
  }
  return { pattern: o.worker ? 'BeanstalkWorker' : 'BeanstalkWebApp', contracts };
}
