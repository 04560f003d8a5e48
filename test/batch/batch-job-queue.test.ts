import { CfnElement, Duration, Size, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { BatchCompute, BatchJobQueue, BatchJobQueueProps, SecureBucket, SecureVpc } from '../../lib';
import { agnosticStack, specificStack } from '../support/cdk-context';

const IMAGE = ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:stable');

function build(props: BatchJobQueueProps = {}, stack: Stack = agnosticStack()) {
  const jobs = new BatchJobQueue(stack, 'Jobs', props);
  return { stack, jobs, template: () => Template.fromStack(stack) };
}

const KINDS: [string, () => Stack][] = [
  ['environment-agnostic', () => agnosticStack()],
  ['environment-specific', () => specificStack()],
];

describe.each(KINDS)('BatchJobQueue defaults (%s stack)', (_kind, makeStack) => {
  let template: Template;
  let jobs: BatchJobQueue;
  beforeAll(() => {
    const built = build({}, makeStack());
    jobs = built.jobs;
    jobs.addJobDefinition('Report', { image: IMAGE });
    template = built.template();
  });

  test('runs on one Fargate compute environment in private subnets, with no custom name', () => {
    template.resourceCountIs('AWS::Batch::ComputeEnvironment', 1);
    const [env] = Object.values(template.findResources('AWS::Batch::ComputeEnvironment'));
    expect(env.Properties.ComputeResources.Type).toBe('FARGATE');
    expect(env.Properties.ComputeResources.Subnets.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(env.Properties.ComputeResources.Subnets)).toMatch(/PrivateSubnet/);
    expect(env.Properties.ComputeEnvironmentName).toBeUndefined();
  });

  test('the Fargate environment carries no UpdatePolicy or ReplaceComputeEnvironment (Batch refuses updates with them)', () => {
    const [env] = Object.values(template.findResources('AWS::Batch::ComputeEnvironment'));
    expect(env.Properties.UpdatePolicy).toBeUndefined();
    expect(env.Properties.ReplaceComputeEnvironment).toBeUndefined();
  });

  test('the queue cancels jobs blocked in RUNNABLE after 4 hours, for each reason Batch can act on', () => {
    template.hasResourceProperties('AWS::Batch::JobQueue', {
      Priority: 10,
      JobQueueName: Match.absent(),
      JobStateTimeLimitActions: [
        {
          Action: 'CANCEL',
          MaxTimeSeconds: 14400,
          Reason: 'CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY',
          State: 'RUNNABLE',
        },
        {
          Action: 'CANCEL',
          MaxTimeSeconds: 14400,
          Reason: 'MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE',
          State: 'RUNNABLE',
        },
        {
          Action: 'CANCEL',
          MaxTimeSeconds: 14400,
          Reason: 'MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT',
          State: 'RUNNABLE',
        },
      ],
    });
  });

  test('jobs have no inbound rule and HTTPS out only', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^Jobs of .*HTTPS out; no inbound'),
      SecurityGroupIngress: Match.absent(),
      SecurityGroupEgress: [
        { CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Description: Match.anyValue() },
      ],
    });
    expect(jobs.connections.securityGroups).toEqual([jobs.securityGroup]);
  });

  test('job definitions: non-root, read-only root, no public IP, Graviton, a timeout, logs to the encrypted log group', () => {
    template.hasResourceProperties('AWS::Batch::JobDefinition', {
      JobDefinitionName: Match.absent(),
      PlatformCapabilities: ['FARGATE'],
      Timeout: { AttemptDurationSeconds: 3600 },
      PropagateTags: true,
      ContainerProperties: Match.objectLike({
        User: '1000:1000',
        ReadonlyRootFilesystem: true,
        NetworkConfiguration: { AssignPublicIp: 'DISABLED' },
        RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
        ResourceRequirements: Match.arrayWith([
          { Type: 'MEMORY', Value: '2048' },
          { Type: 'VCPU', Value: '1' },
        ]),
        LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }),
      }),
    });
    const [group] = Object.entries(template.findResources('AWS::Logs::LogGroup')).filter(([id]) =>
      id.startsWith('JobsLogGroup'),
    );
    expect(group[1].Properties.KmsKeyId).toBeDefined();
    expect(group[1].Properties.RetentionInDays).toBe(365);
  });

  test('retries Spot reclaims, Fargate Spot interruptions and pull errors, but never an application error', () => {
    template.hasResourceProperties('AWS::Batch::JobDefinition', {
      RetryStrategy: {
        Attempts: 3,
        EvaluateOnExit: [
          { Action: 'RETRY', OnStatusReason: 'Host EC2*' },
          { Action: 'RETRY', OnStatusReason: 'Your Spot Task was interrupted*' },
          { Action: 'RETRY', OnReason: 'CannotPullContainerError:*' },
          { Action: 'EXIT', OnExitCode: '*' },
        ],
      },
    });
  });

  test('every retry condition is a pattern Batch accepts (a trailing * only; EvaluateOnExit in the Batch API reference)', () => {
    // onStatusReason and onReason: letters, digits, '.', ':' and white space, optionally ending with '*';
    // onExitCode: digits, optionally ending with '*'.
    const text = /^[A-Za-z0-9.:\s]*\*?$/;
    for (const definition of Object.values(template.findResources('AWS::Batch::JobDefinition'))) {
      for (const condition of definition.Properties.RetryStrategy.EvaluateOnExit) {
        if (condition.OnStatusReason !== undefined) expect(condition.OnStatusReason).toMatch(text);
        if (condition.OnReason !== undefined) expect(condition.OnReason).toMatch(text);
        if (condition.OnExitCode !== undefined) expect(condition.OnExitCode).toMatch(/^[0-9]*\*?$/);
        expect(JSON.stringify(condition).length).toBeLessThan(512);
      }
    }
  });

  test('the task role has no permissions until granted; the execution role uses a customer managed policy', () => {
    const [definition] = jobs.jobDefinitions;
    const roles = template.findResources('AWS::IAM::Role');
    const taskRoleId = Stack.of(jobs).getLogicalId(definition.taskRole.node.defaultChild as never);
    expect(roles[taskRoleId].Properties.ManagedPolicyArns).toBeUndefined();
    expect(roles[taskRoleId].Properties.Policies).toBeUndefined();
    const inline = Object.values(template.findResources('AWS::IAM::Policy'));
    expect(inline).toEqual([]);
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Roles: [{ Ref: Stack.of(jobs).getLogicalId(definition.executionRole.node.defaultChild as never) }],
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'] })]),
      },
    });
  });

  test('alarms on failed jobs and blocked queues (from Batch events), and on dead letters, notifying the topic', () => {
    expect(Object.keys(jobs.alarms).sort()).toEqual(['deadLetters', 'failedJobs', 'queueBlocked']);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    template.allResourcesProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [{ Ref: Match.stringLikeRegexp('CdkComputePatternsAlarms') }],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.batch'],
        'detail-type': ['Batch Job State Change'],
        detail: {
          jobQueue: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^JobsJobQueue'), 'JobQueueArn'] }],
          status: ['FAILED'],
        },
      },
      Targets: [Match.objectLike({ DeadLetterConfig: Match.anyValue(), RetryPolicy: Match.anyValue() })],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ 'detail-type': ['Batch Job Queue Blocked'] }),
    });
    template.resourceCountIs('AWS::Logs::MetricFilter', 2);
    template.resourceCountIs('AWS::Logs::ResourcePolicy', 1);
  });

  test('the event log groups are kept on delete and end with the stack id, so a destroyed stack deploys again', () => {
    // A kept group with a fixed name would still hold the name after `cdk destroy`: the next deploy would fail
    // creating it ("already exists"). A stack created again has a new id; a failed first deploy keeps nothing
    // (RetainExceptOnCreate).
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup')).filter((g) =>
      JSON.stringify(g.Properties.LogGroupName ?? '').includes('/aws/events/cdk-compute-patterns/'),
    );
    expect(groups).toHaveLength(2);
    for (const group of groups) {
      expect(group.DeletionPolicy).toBe('RetainExceptOnCreate');
      expect(group.Properties.LogGroupName).toEqual({
        'Fn::Join': [
          '',
          [
            expect.stringMatching(/^\/aws\/events\/cdk-compute-patterns\/.+\/(FailedJobs|BlockedQueue)LogGroup-$/),
            { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] },
          ],
        ],
      });
    }
  });

  test('EventBridge may write only to the pattern event log groups, for rules of this account', () => {
    const [policy] = Object.values(template.findResources('AWS::Logs::ResourcePolicy'));
    const document = JSON.stringify(policy.Properties.PolicyDocument);
    expect(document).toContain('events.amazonaws.com');
    expect(document).toContain('log-group:/aws/events/cdk-compute-patterns/*');
    expect(document).toContain('aws:SourceAccount');
  });
});

describe('BatchJobQueue capacity', () => {
  test('spot: Fargate Spot first, Fargate On-Demand second, in every queue', () => {
    const { jobs, template } = build({ spot: true });
    jobs.addJobQueue('Urgent', { priority: 100 });
    const t = template();
    const envs = t.findResources('AWS::Batch::ComputeEnvironment');
    const typeOf = (ref: { 'Fn::GetAtt': string[] }) => envs[ref['Fn::GetAtt'][0]].Properties.ComputeResources.Type;
    const queues = Object.values(t.findResources('AWS::Batch::JobQueue'));
    expect(queues.map((q) => q.Properties.Priority).sort()).toEqual([10, 100]);
    for (const queue of queues) {
      const order = queue.Properties.ComputeEnvironmentOrder;
      expect(order.map((o: { Order: number }) => o.Order)).toEqual([1, 2]);
      expect(
        order.map((o: { ComputeEnvironment: { 'Fn::GetAtt': string[] } }) => typeOf(o.ComputeEnvironment)),
      ).toEqual(['FARGATE_SPOT', 'FARGATE']);
    }
  });

  test('EC2: Spot with SPOT_PRICE_CAPACITY_OPTIMIZED first, On-Demand next, on the hardened launch template', () => {
    const { template } = build({ compute: BatchCompute.EC2, spot: true });
    const t = template();
    const envs = Object.values(t.findResources('AWS::Batch::ComputeEnvironment'));
    expect(
      envs.map((e) => [e.Properties.ComputeResources.Type, e.Properties.ComputeResources.AllocationStrategy]),
    ).toEqual([
      ['SPOT', 'SPOT_PRICE_CAPACITY_OPTIMIZED'],
      ['EC2', 'BEST_FIT_PROGRESSIVE'],
    ]);
    for (const env of envs) {
      expect(env.Properties.ComputeResources.InstanceTypes).toEqual(['m7g.large', 'c7g.large', 'r7g.large']);
      expect(env.Properties.ComputeResources.Ec2Configuration).toEqual([{ ImageType: 'ECS_AL2023' }]);
      expect(env.Properties.ComputeEnvironmentName).toBeUndefined();
    }
    t.resourceCountIs('AWS::EC2::LaunchTemplate', 2);
    t.allResourcesProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        // the shared hardening (lib/common/hardened-launch-template.ts), states the metadata endpoint and deletes
        // the root volume with the instance; Batch builds the network interface from the compute environment
        MetadataOptions: { HttpEndpoint: 'enabled', HttpTokens: 'required', HttpPutResponseHopLimit: 1 },
        Monitoring: { Enabled: true },
        BlockDeviceMappings: [
          {
            DeviceName: '/dev/xvda',
            Ebs: { Encrypted: true, VolumeSize: 30, VolumeType: 'gp3', DeleteOnTermination: true },
          },
        ],
        NetworkInterfaces: Match.absent(),
      }),
    });
    // AND the container instances need the ECS endpoints only when the subnets have no egress: here they have NAT
    t.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
  });

  test('EC2 jobs in subnets without egress get ECR, Logs and ECS interface endpoints', () => {
    const stack = agnosticStack();
    const vpc = new SecureVpc(stack, 'Vpc', { natGateways: 0 });
    new BatchJobQueue(stack, 'Jobs', { vpc, compute: BatchCompute.EC2 });
    const services = Object.values(Template.fromStack(stack).findResources('AWS::EC2::VPCEndpoint'))
      .filter((e) => e.Properties.VpcEndpointType === 'Interface')
      .map(
        (e) =>
          JSON.stringify(e.Properties.ServiceName).match(
            /\.(ecr\.api|ecr\.dkr|logs|ecs-agent|ecs-telemetry|ecs)"/,
          )?.[1],
      )
      .sort();
    expect(services).toEqual(['ecr.api', 'ecr.dkr', 'ecs', 'ecs-agent', 'ecs-telemetry', 'logs']);
  });

  describe('job definitions in subnets without egress', () => {
    const PRIVATE = ecs.ContainerImage.fromRegistry('123456789012.dkr.ecr.eu-west-1.amazonaws.com/report:1.0');
    const interfaceServices = (template: Template) =>
      Object.values(template.findResources('AWS::EC2::VPCEndpoint'))
        .filter((e) => e.Properties.VpcEndpointType === 'Interface')
        .map((e) => JSON.stringify(e.Properties.ServiceName).match(/\.(ecr\.api|ecr\.dkr|[a-z]+)"/)?.[1])
        .sort();

    test("add the Secrets Manager and SSM endpoints a job's secrets are read through", () => {
      // GIVEN Fargate jobs in isolated subnets
      const stack = agnosticStack();
      const vpc = new SecureVpc(stack, 'Vpc', { natGateways: 0 });
      const jobs = new BatchJobQueue(stack, 'Jobs', { vpc });
      // WHEN a job definition reads a Secrets Manager secret and an SSM parameter
      const secret = new secretsmanager.Secret(stack, 'ApiKey');
      const parameter = ssm.StringParameter.fromSecureStringParameterAttributes(stack, 'Param', {
        parameterName: '/db',
      });
      jobs.addJobDefinition('Report', {
        image: PRIVATE,
        secrets: { API_KEY: batch.Secret.fromSecretsManager(secret), DB_URL: batch.Secret.fromSsmParameter(parameter) },
      });
      // THEN both endpoints are there, next to the ones the queue needs anyway, and accept HTTPS from the jobs
      const template = Template.fromStack(stack);
      expect(interfaceServices(template)).toEqual(['ecr.api', 'ecr.dkr', 'logs', 'secretsmanager', 'ssm']);
      template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        Description: 'HTTPS to secretsmanager',
        SourceSecurityGroupId: {
          'Fn::GetAtt': [
            stack.getLogicalId(jobs.connections.securityGroups[0].node.defaultChild as CfnElement),
            'GroupId',
          ],
        },
      });
    });

    test('refuse an image from a public registry, which no endpoint serves, and add nothing', () => {
      const stack = agnosticStack();
      const vpc = new SecureVpc(stack, 'Vpc', { natGateways: 0 });
      const jobs = new BatchJobQueue(stack, 'Jobs', { vpc });
      expect(() => jobs.addJobDefinition('Report', { image: IMAGE })).toThrow(
        new Error(
          "Agnostic/Jobs: addJobDefinition('Report') image 'public.ecr.aws/docker/library/busybox:stable' comes from a public registry, which tasks in subnets without egress (PRIVATE_ISOLATED: Agnostic/Vpc/PrivateSubnet1, Agnostic/Vpc/PrivateSubnet2) cannot reach: VPC endpoints serve AWS APIs and private ECR only. Copy the image to a private ECR repository (or create an ECR pull-through cache rule) and use ecs.ContainerImage.fromEcrRepository, build it with ecs.ContainerImage.fromAsset, or select subnets with egress (NAT)",
        ),
      );
      expect(jobs.jobDefinitions).toEqual([]);
    });
  });

  test('warns about a Docker Hub job image in subnets with egress', () => {
    const { jobs, stack } = build();
    jobs.addJobDefinition('Report', { image: ecs.ContainerImage.fromRegistry('busybox:1.37') });
    Annotations.fromStack(stack).hasWarning(
      '/Agnostic/Jobs',
      Match.stringLikeRegexp("^addJobDefinition\\('Report'\\) image 'busybox:1.37' is pulled from Docker Hub"),
    );
  });

  test('fair share: one scheduling policy shared by every queue', () => {
    const { jobs, template } = build({
      fairShare: { shares: [{ shareIdentifier: 'teamA', weightFactor: 1 }], shareDecay: Duration.hours(1) },
    });
    jobs.addJobQueue('Low', { priority: 1 });
    const t = template();
    t.resourceCountIs('AWS::Batch::SchedulingPolicy', 1);
    t.hasResourceProperties('AWS::Batch::SchedulingPolicy', {
      Name: Match.absent(),
      FairsharePolicy: { ShareDecaySeconds: 3600, ShareDistribution: [{ ShareIdentifier: 'teamA', WeightFactor: 1 }] },
    });
    t.allResourcesProperties('AWS::Batch::JobQueue', { SchedulingPolicyArn: Match.anyValue() });
  });

  describe('fair share and the triggers (Batch refuses a job without a share identifier on a fair-share queue)', () => {
    const FAIR = { fairShare: { shares: [{ shareIdentifier: 'teamA', weightFactor: 1 }] } };
    const nightly = scheduler.ScheduleExpression.cron({ hour: '2', minute: '0' });

    test('submitOnSchedule puts the shareIdentifier in the SubmitJob input', () => {
      const { jobs, template } = build(FAIR);
      const report = jobs.addJobDefinition('Report', { image: IMAGE });
      jobs.submitOnSchedule('Nightly', nightly, report, { shareIdentifier: 'teamA' });
      const [schedule] = Object.values(template().findResources('AWS::Scheduler::Schedule'));
      expect(JSON.stringify(schedule.Properties.Target.Input)).toContain('\\"ShareIdentifier\\":\\"teamA\\"');
    });

    test('submitOnSchedule fails without a shareIdentifier on fair-share queues, and with one on others', () => {
      const fair = build(FAIR);
      const report = fair.jobs.addJobDefinition('Report', { image: IMAGE });
      expect(() => fair.jobs.submitOnSchedule('Nightly', nightly, report)).toThrow(
        new Error(
          "Agnostic/Jobs: submitOnSchedule('Nightly') needs a shareIdentifier: the queues have fairShare, and Batch refuses a job without a share identifier on a fair-share queue. Pass shareIdentifier (the shares: 'teamA')",
        ),
      );
      expect(() => fair.jobs.submitOnSchedule('Bad', nightly, report, { shareIdentifier: 'team A' })).toThrow(
        "submitOnSchedule('Bad') shareIdentifier must be 1 to 255 letters, digits, '-' and '_'; received 'team A'",
      );
      const plain = build();
      const job = plain.jobs.addJobDefinition('Report', { image: IMAGE });
      expect(() => plain.jobs.submitOnSchedule('Nightly', nightly, job, { shareIdentifier: 'teamA' })).toThrow(
        "Agnostic/Jobs: submitOnSchedule('Nightly') shareIdentifier is only for queues with fairShare",
      );
    });

    test('submitOnUpload fails on fair-share queues: an EventBridge Batch target cannot set a share identifier', () => {
      const { jobs, stack } = build(FAIR);
      const convert = jobs.addJobDefinition('Convert', { image: IMAGE });
      expect(() => jobs.submitOnUpload('Incoming', new s3.Bucket(stack, 'B'), 'incoming/', convert)).toThrow(
        "Agnostic/Jobs: submitOnUpload('Incoming') cannot submit to these queues: they have fairShare",
      );
    });
  });

  test('an EC2 job definition runs on EC2 with whole vCPUs', () => {
    const { jobs, template } = build({ compute: BatchCompute.EC2 });
    jobs.addJobDefinition('Big', { image: IMAGE, vcpus: 4, memory: Size.gibibytes(16) });
    template().hasResourceProperties('AWS::Batch::JobDefinition', {
      PlatformCapabilities: ['EC2'],
      ContainerProperties: Match.objectLike({
        ResourceRequirements: Match.arrayWith([
          { Type: 'MEMORY', Value: '16384' },
          { Type: 'VCPU', Value: '4' },
        ]),
      }),
    });
  });
});

describe('BatchJobQueue triggers and grants', () => {
  test('submitOnSchedule: EventBridge Scheduler submits the job with a role that may only submit it and dead-letter', () => {
    const { jobs, template } = build();
    const report = jobs.addJobDefinition('Report', { image: IMAGE });
    jobs.submitOnSchedule('Nightly', scheduler.ScheduleExpression.cron({ hour: '2', minute: '0' }), report);
    const t = template();
    t.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 2 * * ? *)',
      Name: Match.absent(),
      Target: Match.objectLike({
        // The universal target's ARN in the stack's partition (aws-cn, aws-us-gov have their own).
        Arn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':scheduler:::aws-sdk:batch:submitJob']] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^JobsDeadLetterQueue'), 'Arn'] } },
        RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 8 },
      }),
    });
    const policy = Object.values(t.findResources('AWS::IAM::ManagedPolicy')).find((p) =>
      JSON.stringify(p.Properties.PolicyDocument).includes('batch:SubmitJob'),
    )!;
    const actions = policy.Properties.PolicyDocument.Statement.map(
      (s: { Action: string | string[] }) => s.Action,
    ).flat();
    expect(actions.sort()).toEqual(['batch:SubmitJob', 'kms:Decrypt', 'kms:GenerateDataKey', 'sqs:SendMessage']);
    expect(JSON.stringify(policy)).not.toContain('"*"');
  });

  test('submitOnUpload: S3 → EventBridge → Batch with the bucket and key as job parameters', () => {
    const { stack, jobs, template } = build();
    const bucket = new SecureBucket(stack, 'Uploads');
    SecureBucket.enableNativeEventBridge(bucket);
    const convert = jobs.addJobDefinition('Convert', { image: IMAGE, command: ['convert', 'Ref::bucket', 'Ref::key'] });
    jobs.submitOnUpload('Incoming', bucket, 'incoming/', convert);
    template().hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: [{ Ref: Match.anyValue() }] }, object: { key: [{ prefix: 'incoming/' }] } },
      },
      Targets: [
        Match.objectLike({
          BatchParameters: {
            JobDefinition: { Ref: Match.stringLikeRegexp('^JobsConvert') },
            JobName: Match.anyValue(),
          },
          InputTransformer: {
            InputPathsMap: { 'detail-bucket-name': '$.detail.bucket.name', 'detail-object-key': '$.detail.object.key' },
            InputTemplate: '{"Parameters":{"bucket":<detail-bucket-name>,"key":<detail-object-key>}}',
          },
          DeadLetterConfig: Match.anyValue(),
          RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^JobsSubmitRole'), 'Arn'] },
        }),
      ],
    });
  });

  test('grantSubmitJob grants batch:SubmitJob on the queues and the definition, every revision', () => {
    const { stack, jobs, template } = build();
    const report = jobs.addJobDefinition('Report', { image: IMAGE });
    jobs.addJobQueue('Urgent', { priority: 50 });
    const user = new iam.Role(stack, 'Scheduler', { assumedBy: new iam.AccountRootPrincipal() });
    jobs.grantSubmitJob(user, report);
    const [policy] = Object.values(template().findResources('AWS::IAM::Policy'));
    const [statement] = policy.Properties.PolicyDocument.Statement;
    expect(statement.Action).toBe('batch:SubmitJob');
    expect(statement.Resource).toHaveLength(3);
    expect(JSON.stringify(statement.Resource[2])).toMatch(/job-definition\/.*:\*"/);
  });

  test('a job definition is IGrantable: grants land on its task role', () => {
    const { stack, jobs, template } = build();
    const report = jobs.addJobDefinition('Report', { image: IMAGE });
    const bucket = new s3.Bucket(stack, 'Data');
    bucket.grantRead(report);
    // THEN in the task role's own customer managed policy (no inline policy: NIST/HIPAA/PCI IAMNoInlinePolicy)
    const t = template();
    expect(Object.keys(t.findResources('AWS::IAM::Policy'))).toEqual([]);
    const policies = Object.values(t.findResources('AWS::IAM::ManagedPolicy')).filter((p) =>
      JSON.stringify(p.Properties.Roles).includes(stack.getLogicalId(report.taskRole.node.defaultChild as never)),
    );
    expect(policies).toHaveLength(1);
    expect(JSON.stringify(policies[0].Properties.PolicyDocument)).toContain('s3:GetObject*');
  });

  test('alarms notify the topic given', () => {
    const stack = agnosticStack();
    const topic = new sns.Topic(stack, 'OnCall');
    const { template } = build({ alarmTopic: topic }, stack);
    template().allResourcesProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [{ Ref: stack.getLogicalId(topic.node.defaultChild as never) }],
    });
  });
});

describe.each(KINDS)('BatchJobQueue validation (%s stack)', (_kind, makeStack) => {
  const jobsIn = (props: BatchJobQueueProps = {}) => new BatchJobQueue(makeStack(), 'Jobs', props);

  test('fails when vCPUs and memory are not a Fargate size', () => {
    const jobs = jobsIn();
    expect(() => jobs.addJobDefinition('Odd', { image: IMAGE, vcpus: 3 })).toThrow(
      'Jobs/Odd: vcpus must be one of 0.25, 0.5, 1, 2, 4, 8, 16 on Fargate; received 3',
    );
    expect(() => jobs.addJobDefinition('Tight', { image: IMAGE, vcpus: 2, memory: Size.gibibytes(2) })).toThrow(
      'Jobs/Tight: memory 2048 MiB does not fit 2 vCPU on Fargate; valid values for 2 vCPU are 4096, 5120, 6144, 7168, 8192, 9216, 10240, 11264, 12288, 13312, 14336, 15360, 16384 MiB',
    );
  });

  test('fails when EC2 vCPUs are fractional', () => {
    const jobs = jobsIn({ compute: BatchCompute.EC2 });
    expect(() => jobs.addJobDefinition('Half', { image: IMAGE, vcpus: 0.5 })).toThrow(
      'Jobs/Half: vcpus must be a whole number of at least 1 on EC2; received 0.5',
    );
  });

  test('fails when retryAttempts is outside 1 to 10', () => {
    const jobs = jobsIn();
    expect(() => jobs.addJobDefinition('Many', { image: IMAGE, retryAttempts: 11 })).toThrow(
      "Jobs/Many: retryAttempts must be an integer from 1 to 10 (AWS Batch's limit); received 11",
    );
    expect(() => jobs.addJobDefinition('None', { image: IMAGE, retryAttempts: 0 })).toThrow(
      "Jobs/None: retryAttempts must be an integer from 1 to 10 (AWS Batch's limit); received 0",
    );
  });

  test('fails when an environment variable looks like a secret', () => {
    expect(() => jobsIn().addJobDefinition('Leaky', { image: IMAGE, environment: { DB_PASSWORD: 'x' } })).toThrow(
      'Jobs/Leaky: environment must not carry secrets; received DB_PASSWORD',
    );
  });

  test('fails when the user is root', () => {
    expect(() => jobsIn().addJobDefinition('Root', { image: IMAGE, user: '0:0' })).toThrow(
      "Jobs/Root: user '0:0' is root; jobs run as a non-root user. Pass a uid such as '1000:1000', or a user your image creates",
    );
  });

  test('fails when two queues share a priority, or a priority is out of range', () => {
    const jobs = jobsIn();
    expect(() => jobs.addJobQueue('Same', { priority: 10 })).toThrow(
      'Jobs: queue Same has priority 10, the same as JobQueue; queues sharing compute environments need distinct priorities, or which is served first is undefined',
    );
    expect(() => jobs.addJobQueue('Huge', { priority: 1001 })).toThrow(
      'Jobs: the priority of queue Huge must be an integer from 0 to 1000; received 1001',
    );
  });

  test('fails when runnableTimeout is outside what Batch accepts', () => {
    expect(() => jobsIn({ runnableTimeout: Duration.minutes(5) })).toThrow(
      "Jobs: runnableTimeout must be from 10 minutes to 24 hours (AWS Batch's limits for jobStateTimeLimitActions); received 300 seconds",
    );
  });

  test('fails when instance types are given for Fargate', () => {
    expect(() => jobsIn({ instanceTypes: [new ec2.InstanceType('m7g.large')] })).toThrow(
      'Jobs: instanceTypes apply to compute: BatchCompute.EC2 only; Fargate chooses its own capacity. Remove instanceTypes or set compute: BatchCompute.EC2',
    );
  });

  test('fails when the subnets are public', () => {
    const stack = makeStack();
    const vpc = new SecureVpc(stack, 'Vpc');
    expect(() => new BatchJobQueue(stack, 'Jobs', { vpc, vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } })).toThrow(
      'Jobs: vpcSubnets must select private subnets: jobs get no public IP address; received public subnets',
    );
  });

  test('fails when the upload prefix does not end in a slash', () => {
    const stack = makeStack();
    const jobs = new BatchJobQueue(stack, 'Jobs');
    const definition = jobs.addJobDefinition('Convert', { image: IMAGE });
    expect(() => jobs.submitOnUpload('In', new s3.Bucket(stack, 'B'), 'incoming', definition)).toThrow(
      "Jobs: the prefix of submitOnUpload must be empty or end in '/' (such as 'incoming/'); received 'incoming'",
    );
  });
});
