/**
 * Runtime contracts of BatchJobQueue (lib/batch): AWS Batch running ECS jobs
 * with a task role and an execution role per job definition, EventBridge and
 * EventBridge Scheduler submitting jobs with the submit role, dead letters to
 * an encrypted queue, and (EC2 compute) container instances.
 */
import {
  arn,
  ContractGroup,
  getAtt,
  ref,
  role,
  RuntimeContract,
  service,
  serviceLinkedRole,
} from '../support/runtime-contracts';

export interface BatchContractOptions {
  /** Construct id of the BatchJobQueue (logical-id prefix of what it creates). */
  readonly prefix: string;
  /** Construct id of the job definition under it. */
  readonly definition: string;
  /** Construct id of a schedule (submitOnSchedule) under it. @default - none */
  readonly schedule?: string;
  /** Construct id of an upload rule (submitOnUpload) under it. @default - none */
  readonly upload?: string;
  /** Logical-id prefixes of a Secrets Manager secret the job gets, and of its key. @default - none */
  readonly secret?: { readonly secret: string; readonly key: string };
  /** The jobs run on EC2 container instances. @default false (Fargate) */
  readonly ec2?: boolean;
  /** The queues have fairShare: the schedule submits with this share identifier. @default - none */
  readonly shareIdentifier?: string;
}

export function batchContracts(o: BatchContractOptions): ContractGroup {
  const p = o.prefix;
  const d = `${p}${o.definition}`;
  const executionRole = role(`${d}ExecutionRole`);
  const taskRole = role(`${d}TaskRole`);
  const queue = getAtt('AWS::Batch::JobQueue', `${p}JobQueue`, 'JobQueueArn');
  const otherDefinition = 'arn:aws:batch:{region}:{account}:job-definition/someone-elses-job:1';
  const ecsContext = {
    'aws:SourceAccount': '{account}',
    'aws:SourceArn': 'arn:aws:ecs:{region}:{account}:task/AWSBatch-cluster/0123456789abcdef',
  };
  const logStream = [
    'arn:aws:logs:{region}:{account}:log-group:',
    ref('AWS::Logs::LogGroup', `${p}LogGroup`),
    ':log-stream:job/default/0123',
  ];
  const contracts: RuntimeContract[] = [
    ...[`${d}ExecutionRole`, `${d}TaskRole`].map((r) => ({
      caller: service('ecs-tasks.amazonaws.com'),
      action: 'sts:AssumeRole',
      resource: arn('AWS::IAM::Role', r),
      context: ecsContext,
      phase: 'run' as const,
      why: `ECS assumes ${r.slice(d.length)} for each job attempt it starts for Batch.`,
      expect: 'allowed' as const,
    })),
    {
      caller: service('ecs-tasks.amazonaws.com'),
      action: 'sts:AssumeRole',
      resource: arn('AWS::IAM::Role', `${d}TaskRole`),
      context: {
        'aws:SourceAccount': '{otherAccount}',
        'aws:SourceArn': 'arn:aws:ecs:{region}:{otherAccount}:task/x/0123',
      },
      phase: 'run',
      why: "Confused deputy: ECS acting for another account's task must not get the job role.",
      expect: 'denied',
    },
    ...['logs:CreateLogStream', 'logs:PutLogEvents'].map((action) => ({
      caller: executionRole,
      action,
      resource: logStream,
      phase: 'run' as const,
      why: `The awslogs driver writes the job's output with the execution role (${action}).`,
      expect: 'allowed' as const,
    })),
    {
      caller: taskRole,
      action: 's3:GetObject',
      resource: 'arn:aws:s3:::any-bucket/any-key',
      phase: 'run',
      why: 'The job role starts empty: it can do nothing until the user grants it.',
      expect: 'denied',
    },
    {
      caller: serviceLinkedRole('AWSServiceRoleForBatch'),
      action: 'iam:PassRole',
      resource: arn('AWS::IAM::Role', `${d}ExecutionRole`),
      context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
      phase: 'run',
      why: 'Batch passes the job definition roles to ECS when it runs a job (its service-linked role).',
      expect: 'allowed',
    },
    {
      caller: serviceLinkedRole('AWSServiceRoleForBatch'),
      action: 'ecs:CreateCluster',
      resource: 'arn:aws:ecs:{region}:{account}:cluster/AWSBatch-OnDemandEnvironment-0123',
      context: { 'aws:RequestTag/AWSBatchServiceTag': 'x' },
      phase: 'deploy',
      why: 'Batch creates the ECS cluster of each compute environment with its service-linked role (a fresh account needs it).',
      expect: 'allowed',
    },
  ];
  // EventBridge writes the queues' failed-job and blocked-queue events to their log groups, allowed by the
  // stack's CloudWatch Logs resource policy (CdkComputePatternsEventsToLogs) for this account's rules only.
  for (const [rule, logGroup] of [
    ['FailedJobsRule', 'FailedJobsLogGroup'],
    ['BlockedQueueRule', 'BlockedQueueLogGroup'],
  ]) {
    const stream = [
      'arn:aws:logs:{region}:{account}:log-group:',
      ref('AWS::Logs::LogGroup', `${p}${logGroup}`),
      ':log-stream:0123456789abcdef',
    ];
    const own = { 'aws:SourceArn': arn('AWS::Events::Rule', `${p}${rule}`), 'aws:SourceAccount': '{account}' };
    for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents']) {
      contracts.push({
        caller: service('events.amazonaws.com'),
        action,
        resource: stream,
        context: own,
        phase: 'run',
        why: `EventBridge's ${rule} writes the matching Batch events to ${logGroup} (${action}), through the stack's log resource policy.`,
        expect: 'allowed',
      });
    }
    contracts.push({
      caller: service('events.amazonaws.com'),
      action: 'logs:PutLogEvents',
      resource: stream,
      context: {
        'aws:SourceArn': 'arn:aws:events:{region}:{otherAccount}:rule/their-rule',
        'aws:SourceAccount': '{otherAccount}',
      },
      phase: 'run',
      why: `Confused deputy: another account's rule must not write into ${logGroup}.`,
      expect: 'denied',
    });
  }
  contracts.push({
    caller: service('events.amazonaws.com'),
    action: 'logs:PutLogEvents',
    resource: 'arn:aws:logs:{region}:{account}:log-group:/aws/lambda/some-function:log-stream:0123',
    context: { 'aws:SourceArn': 'arn:aws:events:{region}:{account}:rule/any-rule', 'aws:SourceAccount': '{account}' },
    phase: 'run',
    why: "Least privilege: the stack's resource policy lets EventBridge write only to the patterns' event log groups (/aws/events/cdk-compute-patterns/), not to any log group of the account.",
    expect: 'denied',
  });
  if (o.schedule || o.upload) {
    const submitRole = role(`${p}SubmitRole`);
    const dlq = arn('AWS::SQS::Queue', `${p}DeadLetterQueue`);
    for (const principal of ['scheduler.amazonaws.com', 'events.amazonaws.com']) {
      contracts.push({
        caller: service(principal),
        action: 'sts:AssumeRole',
        resource: arn('AWS::IAM::Role', `${p}SubmitRole`),
        context: { 'aws:SourceAccount': '{account}' },
        phase: 'run',
        why: `${principal.split('.')[0]} assumes the submit role to submit a job.`,
        expect: 'allowed',
      });
    }
    contracts.push(
      {
        caller: submitRole,
        action: 'batch:SubmitJob',
        resource: queue,
        // On a fair-share queue SubmitJob carries a share identifier; IAM has no condition key for it on SubmitJob
        // (the service authorization reference the evaluator reads), so the request context is the same.
        phase: 'run',
        why: o.shareIdentifier
          ? `The schedule submits the job to the default fair-share queue, with the share identifier '${o.shareIdentifier}'.`
          : 'A schedule or an upload submits the job to the default queue.',
        expect: 'allowed',
      },
      {
        caller: submitRole,
        action: 'batch:SubmitJob',
        resource: definitionArnOf(d),
        phase: 'run',
        why: 'SubmitJob is authorized on the job definition too, at its current revision.',
        expect: 'allowed',
      },
      {
        caller: submitRole,
        action: 'batch:SubmitJob',
        resource: otherDefinition,
        phase: 'run',
        why: 'The submit role may submit only the job definitions its triggers name.',
        expect: 'denied',
      },
    );
    if (o.schedule) {
      contracts.push(
        {
          caller: submitRole,
          action: 'sqs:SendMessage',
          resource: dlq,
          phase: 'run',
          why: 'EventBridge Scheduler sends a submission it could not make to the dead-letter queue with the schedule role.',
          expect: 'allowed',
        },
        {
          caller: submitRole,
          action: 'kms:GenerateDataKey',
          resource: arn('AWS::KMS::Key', `${p}DeadLetterKey`),
          phase: 'run',
          why: 'The dead-letter queue is encrypted with its own key.',
          expect: 'allowed',
        },
      );
    }
    if (o.upload) {
      const ruleArn = arn('AWS::Events::Rule', `${p}${o.upload}UploadRule`);
      contracts.push(
        {
          caller: service('events.amazonaws.com'),
          action: 'sqs:SendMessage',
          resource: dlq,
          context: { 'aws:SourceArn': ruleArn, 'aws:SourceAccount': '{account}' },
          phase: 'run',
          why: 'EventBridge sends an upload event it could not deliver to the dead-letter queue.',
          expect: 'allowed',
        },
        {
          caller: service('events.amazonaws.com'),
          action: 'kms:GenerateDataKey',
          resource: arn('AWS::KMS::Key', `${p}DeadLetterKey`),
          context: { 'aws:SourceArn': ruleArn, 'aws:SourceAccount': '{account}' },
          phase: 'run',
          why: "EventBridge encrypts the dead letter with the queue's key.",
          expect: 'allowed',
        },
        {
          caller: service('events.amazonaws.com'),
          action: 'sqs:SendMessage',
          resource: dlq,
          context: {
            'aws:SourceArn': 'arn:aws:events:{region}:{account}:rule/someone-elses-rule',
            'aws:SourceAccount': '{account}',
          },
          phase: 'run',
          why: "Another rule of the account must not write into this construct's dead-letter queue.",
          expect: 'denied',
        },
      );
    }
  }
  if (o.secret) {
    contracts.push({
      caller: executionRole,
      action: 'secretsmanager:GetSecretValue',
      resource: ref('AWS::SecretsManager::Secret', o.secret.secret),
      phase: 'run',
      why: 'The execution role reads the secret to inject it into the job environment.',
      expect: 'allowed',
    });
  }
  if (o.ec2) {
    contracts.push(
      {
        caller: serviceLinkedRole('AWSServiceRoleForBatch'),
        action: 'iam:PassRole',
        resource: arn('AWS::IAM::Role', `${p}OnDemandEnvironmentInstanceRole`),
        context: { 'iam:PassedToService': 'ec2.amazonaws.com' },
        phase: 'run',
        why: 'Batch launches the container instances with their instance profile.',
        expect: 'allowed',
      },
      {
        caller: role(`${p}OnDemandEnvironmentInstanceRole`),
        action: 'ecs:RegisterContainerInstance',
        resource: 'arn:aws:ecs:{region}:{account}:cluster/AWSBatch-OnDemand-0123',
        phase: 'run',
        why: 'The ECS agent on each instance registers it with the cluster Batch created.',
        expect: 'allowed',
      },
    );
  }
  return { pattern: 'BatchJobQueue', contracts };
}

/** The job definition's ARN as Ref returns it (with its revision). */
function definitionArnOf(prefix: string) {
  return ref('AWS::Batch::JobDefinition', prefix);
}
