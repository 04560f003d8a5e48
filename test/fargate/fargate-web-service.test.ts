import { CfnElement, CfnParameter, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { AccessLogBucket, FargateWebService, FargateWebServiceProps, HighlyAvailableFleet, SecureVpc } from '../../lib';
import { agnosticStack, specificStack, testApp } from '../support/cdk-context';
import { guardBatch } from '../support/compliance';
import { checkNag } from '../support/nag-check';
import { once } from '../support/shared';

const IMAGE = ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx-unprivileged:stable-alpine');
const PRIVATE_IMAGE = ecs.ContainerImage.fromRegistry('123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.0');
const CERT_ARN = 'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';

/** Full hardening, for an image that declares its writable paths as VOLUMEs owned by uid 101. */
const HARDENED: Partial<FargateWebServiceProps> = {
  containerPort: 8080,
  user: '101',
  readonlyRootFilesystem: true,
  writablePaths: ['/tmp', '/var/cache/nginx', '/var/run'],
};

function build(
  props: Partial<FargateWebServiceProps> = {},
  stack: Stack = agnosticStack(),
): { stack: Stack; web: FargateWebService; template: Template } {
  const web = new FargateWebService(stack, 'Web', { image: IMAGE, ...props });
  return { stack, web, template: Template.fromStack(stack) };
}

function logicalId(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

/**
 * The service with no props other than the image, and with the HARDENED props, each synthesized once and read by
 * every test that only reads it (a test that adds constructs or needs other props builds its own).
 */
const DEFAULTS = once(() => build());
const HARDENED_SERVICE = once(() => build(HARDENED));

describe('FargateWebService defaults (environment-agnostic stack)', () => {
  let stack: Stack;
  let web: FargateWebService;
  let template: Template;
  beforeAll(() => {
    ({ stack, web, template } = DEFAULTS());
  });

  test('creates a secure VPC and a cluster with Container Insights on', () => {
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EC2::FlowLog', 1);
    template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
    expect(web.vpc).toBeInstanceOf(SecureVpc);
  });

  test('runs the container as a non-root user with a read-only root filesystem (CT.ECS.PR.3, CT.ECS.PR.6)', () => {
    // GIVEN no user and no readonlyRootFilesystem
    // THEN the template names a non-root user and a read-only root, as Control Tower checks
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ User: '1000:1000', ReadonlyRootFilesystem: true })],
    });
  });

  test('sizes the task 256 CPU / 512 MiB with awsvpc networking and a container memory hard limit', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '256',
      Memory: '512',
      NetworkMode: 'awsvpc',
      RequiresCompatibilities: ['FARGATE'],
      RuntimePlatform: { CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' },
      ContainerDefinitions: [
        Match.objectLike({
          Name: 'web',
          Essential: true,
          Memory: 512,
          Privileged: false,
          PortMappings: [{ ContainerPort: 80, Protocol: 'tcp' }],
        }),
      ],
    });
  });

  test('sends container logs through awslogs to a KMS-encrypted log group with a retention period', () => {
    const logGroupId = logicalId(stack, web.logGroup);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          LogConfiguration: {
            LogDriver: 'awslogs',
            Options: Match.objectLike({ 'awslogs-group': { Ref: logGroupId }, 'awslogs-stream-prefix': 'web' }),
          },
        }),
      ],
    });
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 365, KmsKeyId: Match.anyValue() },
      DeletionPolicy: 'Retain',
    });
    expect(template.toJSON().Resources[logGroupId].Properties.RetentionInDays).toBe(365);
  });

  test('runs the service with circuit breaker rollback, 100% minimum healthy and 200% maximum', () => {
    template.hasResourceProperties('AWS::ECS::Service', {
      DesiredCount: 2,
      LaunchType: 'FARGATE',
      PlatformVersion: 'LATEST',
      PropagateTags: 'SERVICE',
      DeploymentConfiguration: {
        MinimumHealthyPercent: 100,
        MaximumPercent: 200,
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
      },
    });
  });

  test('places tasks in the private subnets without public IPs', () => {
    const privateSubnets = web.vpc.privateSubnets.map((s) => ({ Ref: logicalId(stack, s) }));
    expect(privateSubnets).toHaveLength(2);
    template.hasResourceProperties('AWS::ECS::Service', {
      NetworkConfiguration: {
        AwsvpcConfiguration: {
          AssignPublicIp: 'DISABLED',
          Subnets: privateSubnets,
          SecurityGroups: [{ 'Fn::GetAtt': [logicalId(stack, web.securityGroup), 'GroupId'] }],
        },
      },
    });
  });

  test('lets only the load balancer security group reach the container port', () => {
    const serviceSg = logicalId(stack, web.securityGroup);
    const lbSg = stack.getLogicalId(web.loadBalancer.connections.securityGroups[0].node.defaultChild as CfnElement);
    const ingress = template.findResources('AWS::EC2::SecurityGroupIngress', {
      Properties: { GroupId: { 'Fn::GetAtt': [serviceSg, 'GroupId'] } },
    });
    expect(Object.values(ingress).map((r) => r.Properties)).toEqual([
      expect.objectContaining({
        FromPort: 80,
        ToPort: 80,
        IpProtocol: 'tcp',
        SourceSecurityGroupId: { 'Fn::GetAtt': [lbSg, 'GroupId'] },
      }),
    ]);
    const sg = template.toJSON().Resources[serviceSg];
    expect(sg.Properties.SecurityGroupIngress).toBeUndefined();
  });

  test('keeps the task role separate from the execution role, with no permissions of its own', () => {
    const resources = template.toJSON().Resources;
    const taskDef = Object.values<{ Type: string; Properties: Record<string, unknown> }>(resources).find(
      (r) => r.Type === 'AWS::ECS::TaskDefinition',
    )!;
    const taskRole = (taskDef.Properties.TaskRoleArn as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    const executionRole = (taskDef.Properties.ExecutionRoleArn as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    expect(taskRole).not.toEqual(executionRole);
    expect(taskRole).toBe(logicalId(stack, web.taskRole));
    for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
      const policiesOnTaskRole = template.findResources(type, {
        Properties: { Roles: Match.arrayWith([{ Ref: taskRole }]) },
      });
      expect(Object.keys(policiesOnTaskRole)).toHaveLength(0);
    }
  });

  test('gives the execution role only log writing on its own log group', () => {
    const executionRole = logicalId(stack, web.taskDefinition.executionRole!);
    // in the role's customer managed policy, never inline
    expect(Object.keys(template.findResources('AWS::IAM::Policy'))).toHaveLength(0);
    const policies = template.findResources('AWS::IAM::ManagedPolicy', {
      Properties: { Roles: [{ Ref: executionRole }] },
    });
    const statements = Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(statements).toEqual([
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [logicalId(stack, web.logGroup), 'Arn'] },
      },
    ]);
    // AND the service waits for that policy: the task definition references the role, not its policy, and tasks
    // started before it exists fail to log (or to pull a private image) and trip the circuit breaker
    const service = Object.values(template.findResources('AWS::ECS::Service'))[0];
    expect(service.DependsOn).toEqual(expect.arrayContaining(Object.keys(policies)));
  });

  test('puts the service behind the shared secure load balancer on HTTP 80 with an IP target group', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internet-facing',
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'deletion_protection.enabled', Value: 'true' },
        { Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' },
        { Key: 'routing.http.desync_mitigation_mode', Value: 'defensive' },
        { Key: 'access_logs.s3.enabled', Value: 'true' },
      ]),
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      TargetType: 'ip',
      Port: 80,
      Protocol: 'HTTP',
      HealthCheckPath: '/',
      Matcher: { HttpCode: '200-399' },
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: logicalId(stack, web.targetGroup) } }],
    });
    template.hasResourceProperties('AWS::ECS::Service', {
      LoadBalancers: [
        { ContainerName: 'web', ContainerPort: 80, TargetGroupArn: { Ref: logicalId(stack, web.targetGroup) } },
      ],
    });
    expect(stack.resolve(web.url)).toEqual({
      'Fn::Join': ['', ['http://', { 'Fn::GetAtt': [logicalId(stack, web.loadBalancer), 'DNSName'] }]],
    });
    expect(web.listener.node.path).toBe('Agnostic/Web/LoadBalancer/LoadBalancer/Http');
  });

  test('scales between 2 and 4 tasks on 50% CPU only', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 2,
      MaxCapacity: 4,
      ScalableDimension: 'ecs:service:DesiredCount',
    });
    template.resourceCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', 1);
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: {
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
        TargetValue: 50,
      },
    });
  });

  test('raises running-task, CPU, target 5xx, load balancer 5xx and unhealthy-host alarms, each notifying the encrypted alarm topic', () => {
    const topicId = logicalId(stack, web.alarmTopic as sns.Topic);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    // The topic's TLS-only policy replaces SNS's default policy, so it must let CloudWatch publish.
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AllowCloudWatchAlarmsToPublish',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: { Ref: topicId },
          }),
        ]),
      },
    });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 5);
    const alarms = template.findResources('AWS::CloudWatch::Alarm');
    for (const alarm of Object.values(alarms)) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
    }
    const ids = Object.values(web.alarms).map((a) => logicalId(stack, a));
    expect(ids.sort()).toEqual(Object.keys(alarms).sort());
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'desired - running' }),
        Match.objectLike({
          Id: 'running',
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({ MetricName: 'RunningTaskCount', Namespace: 'ECS/ContainerInsights' }),
          }),
        }),
      ]),
      Threshold: 1,
      EvaluationPeriods: 5,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ECS',
      MetricName: 'CPUUtilization',
      Threshold: 85,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'HTTPCode_Target_5XX_Count' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'UnHealthyHostCount' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'HTTPCode_ELB_5XX_Count', Threshold: 10 });
  });

  test('turns on neither Fargate Spot nor ECS Exec', () => {
    template.resourceCountIs('AWS::ECS::ClusterCapacityProviderAssociations', 0);
    const service = Object.values(template.findResources('AWS::ECS::Service'))[0];
    expect(service.Properties.CapacityProviderStrategy).toBeUndefined();
    expect(service.Properties.EnableExecuteCommand).toBe(false);
  });
});

describe('FargateWebService in an environment-specific stack', () => {
  test('spreads tasks over three Availability Zones and lets the regional ELB account write access logs', () => {
    const { web, template, stack } = build(HARDENED, specificStack('Specific', 'eu-west-1'));
    expect(web.vpc.availabilityZones).toHaveLength(3);
    template.hasResourceProperties('AWS::ECS::Service', {
      NetworkConfiguration: {
        AwsvpcConfiguration: Match.objectLike({
          Subnets: web.vpc.privateSubnets.map((s) => ({ Ref: logicalId(stack, s) })),
        }),
      },
    });
    expect(web.vpc.privateSubnets).toHaveLength(3);
    // eu-west-1 is a legacy region: its ELB account (156460612806) is added directly, no mapping needed.
    expect(JSON.stringify(template.toJSON())).toContain('156460612806');
    expect(template.toJSON().Mappings).toBeUndefined();
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          LogConfiguration: Match.objectLike({
            Options: Match.objectLike({ 'awslogs-region': 'eu-west-1' }),
          }),
        }),
      ],
    });
  });

  test('resolves the ELB account at deploy time in an environment-agnostic stack', () => {
    const { template } = DEFAULTS();
    expect(Object.keys(template.toJSON().Mappings ?? {})).toContain('CdkComputePatternsElbAccounts');
  });
});

describe('FargateWebService options', () => {
  test('uses a given cluster and its VPC without creating a VPC or cluster', () => {
    const stack = agnosticStack();
    const vpc = new SecureVpc(stack, 'Shared');
    const cluster = new ecs.Cluster(stack, 'Cluster', { vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });
    const { web, template } = build({ cluster }, stack);
    expect(web.cluster).toBe(cluster);
    expect(web.vpc).toBe(vpc);
    template.resourceCountIs('AWS::ECS::Cluster', 1);
    template.resourceCountIs('AWS::EC2::VPC', 1);
  });

  test('creates a new cluster in a given VPC', () => {
    const stack = agnosticStack();
    const vpc = new SecureVpc(stack, 'Shared');
    const { web, template } = build({ vpc }, stack);
    expect(web.vpc).toBe(vpc);
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::ECS::Cluster', 1);
  });

  test('sets the Container Insights level of the new cluster', () => {
    const { template } = build({ containerInsights: ecs.ContainerInsights.ENHANCED });
    template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enhanced' }],
    });
  });

  test('applies task size, port, health check path, environment and capacity settings', () => {
    const { template } = build({
      cpu: 1024,
      memoryLimitMiB: 4096,
      cpuArchitecture: ecs.CpuArchitecture.ARM64,
      containerPort: 3000,
      healthCheckPath: '/health',
      environment: { LOG_LEVEL: 'info' },
      desiredCount: 3,
      minCapacity: 3,
      maxCapacity: 10,
      targetCpuUtilizationPercent: 60,
    });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '1024',
      Memory: '4096',
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      ContainerDefinitions: [
        Match.objectLike({
          Memory: 4096,
          PortMappings: [{ ContainerPort: 3000, Protocol: 'tcp' }],
          Environment: [{ Name: 'LOG_LEVEL', Value: 'info' }],
        }),
      ],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 3000,
      HealthCheckPath: '/health',
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { FromPort: 3000, ToPort: 3000 });
    template.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 3 });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 3, MaxCapacity: 10 });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({ TargetValue: 60 }),
    });
  });

  test('defaults desiredCount into the capacity range', () => {
    const { template } = build({ minCapacity: 3, maxCapacity: 6 });
    template.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 3 });
  });

  test('acknowledges AwsSolutions-ECS2 only when plain environment variables are given', () => {
    const withEnv = build({ environment: { LOG_LEVEL: 'info' } });
    const acks = (web: FargateWebService) =>
      web.taskDefinition.node.metadata.filter((m) => JSON.stringify(m.data).includes('AwsSolutions-ECS2'));
    expect(acks(withEnv.web)).toHaveLength(1);
    expect(acks(DEFAULTS().web)).toHaveLength(0);
  });

  test('injects secrets through the execution role, never as environment variables', () => {
    const stack = agnosticStack();
    const secret = new secretsmanager.Secret(stack, 'DbPassword');
    const { web, template } = build({ secrets: { DB_PASSWORD: ecs.Secret.fromSecretsManager(secret) } }, stack);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({ Secrets: [{ Name: 'DB_PASSWORD', ValueFrom: { Ref: logicalId(stack, secret) } }] }),
      ],
    });
    const container =
      template.toJSON().Resources[logicalId(stack, web.taskDefinition)].Properties.ContainerDefinitions[0];
    expect(container.Environment).toBeUndefined();
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Roles: [{ Ref: logicalId(stack, web.taskDefinition.executionRole!) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
            Resource: { Ref: logicalId(stack, secret) },
          }),
        ]),
      },
    });
    // The application itself (task role) cannot read the secret from Secrets Manager.
    const taskRolePolicies = template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: logicalId(stack, web.taskRole) }] },
    });
    expect(Object.keys(taskRolePolicies)).toHaveLength(0);
  });

  test('scales on memory and on requests per target when asked', () => {
    const { template, stack, web } = build({ targetMemoryUtilizationPercent: 70, targetRequestsPerTarget: 500 });
    template.resourceCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', 3);
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: {
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageMemoryUtilization' },
        TargetValue: 70,
      },
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: {
        PredefinedMetricSpecification: Match.objectLike({ PredefinedMetricType: 'ALBRequestCountPerTarget' }),
        TargetValue: 500,
      },
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      ScalingTargetId: {
        Ref: stack.getLogicalId(web.scaling.node.findChild('Target').node.defaultChild as CfnElement),
      },
    });
  });

  test('serves HTTPS on 443 and redirects port 80 when given a certificate', () => {
    const stack = agnosticStack();
    const certificate = acm.Certificate.fromCertificateArn(stack, 'Cert', CERT_ARN);
    const { web, template } = build({ certificate }, stack);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: CERT_ARN }],
      DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: logicalId(stack, web.targetGroup) } }],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [Match.objectLike({ Type: 'redirect', RedirectConfig: Match.objectLike({ Port: '443' }) })],
    });
    expect(stack.resolve(web.url)['Fn::Join'][1][0]).toBe('https://');
  });

  test('passes the load balancer settings through', () => {
    const stack = agnosticStack();
    const bucket = new s3.Bucket(stack, 'Logs');
    const { template } = build(
      {
        internetFacing: false,
        allowedIngressCidrs: ['10.1.0.0/16'],
        deletionProtection: false,
        accessLogBucket: bucket,
      },
      stack,
    );
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internal',
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'deletion_protection.enabled', Value: 'false' },
        { Key: 'access_logs.s3.bucket', Value: { Ref: stack.getLogicalId(bucket.node.defaultChild as CfnElement) } },
      ]),
    });
    // the listener rule is a resource of its own, so its EC23 acknowledgement covers nothing else
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { CidrIp: '10.1.0.0/16', FromPort: 80 });
  });

  test('runs tasks above an on-demand base on Fargate Spot', () => {
    const { template } = build({ spot: true, minCapacity: 2 });
    template.hasResourceProperties('AWS::ECS::ClusterCapacityProviderAssociations', {
      CapacityProviders: ['FARGATE', 'FARGATE_SPOT'],
    });
    const service = Object.values(template.findResources('AWS::ECS::Service'))[0];
    const association = Object.keys(template.findResources('AWS::ECS::ClusterCapacityProviderAssociations'))[0];
    expect(service.DependsOn).toContain(association);
    expect(service.Properties.LaunchType).toBeUndefined();
    expect(service.Properties.CapacityProviderStrategy).toEqual([
      { CapacityProvider: 'FARGATE', Base: 2, Weight: 1 },
      { CapacityProvider: 'FARGATE_SPOT', Weight: 1 },
    ]);
    expect(service.Properties.PlatformVersion).toBe('LATEST');
  });

  test('uses the given on-demand base with Spot', () => {
    const { template } = build({ spot: true, onDemandBaseCount: 1 });
    template.hasResourceProperties('AWS::ECS::Service', {
      CapacityProviderStrategy: Match.arrayWith([{ CapacityProvider: 'FARGATE', Base: 1, Weight: 1 }]),
    });
  });

  test('turns on ECS Exec with KMS-encrypted sessions and encrypted session logging', () => {
    const { web, template, stack } = build({ enableExecuteCommand: true });
    template.hasResourceProperties('AWS::ECS::Service', { EnableExecuteCommand: true });
    template.hasResourceProperties('AWS::ECS::Cluster', {
      Configuration: {
        ExecuteCommandConfiguration: {
          KmsKeyId: Match.anyValue(),
          Logging: 'OVERRIDE',
          LogConfiguration: {
            CloudWatchEncryptionEnabled: true,
            CloudWatchLogGroupName: { Ref: logicalId(stack, web.execLogGroup!) },
          },
        },
      },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: Match.anyValue(), RetentionInDays: 365 });
    // ECS Exec's permissions sit in a customer managed policy of their own on the task role, not in its default policy
    const execPolicy = web.node.findChild('ExecPolicy') as iam.ManagedPolicy;
    const execPolicyJson = template.toJSON().Resources[logicalId(stack, execPolicy)];
    expect(execPolicyJson.Properties.Roles).toEqual([{ Ref: logicalId(stack, web.taskRole) }]);
    const actions = execPolicyJson.Properties.PolicyDocument.Statement.flatMap(
      (st: { Action: string | string[] }) => st.Action,
    );
    expect(actions).toEqual(
      expect.arrayContaining([
        'ssmmessages:CreateControlChannel',
        'ssmmessages:OpenDataChannel',
        'logs:DescribeLogGroups',
        'kms:Decrypt',
      ]),
    );
    const onTaskRole = { Properties: { Roles: [{ Ref: logicalId(stack, web.taskRole) }] } };
    expect(Object.keys(template.findResources('AWS::IAM::Policy', onTaskRole))).toEqual([]);
    expect(Object.keys(template.findResources('AWS::IAM::ManagedPolicy', onTaskRole))).toEqual([
      logicalId(stack, execPolicy),
    ]);
  });

  test('hardens the container: non-root user, read-only root filesystem, writable ephemeral volumes', () => {
    const { template } = HARDENED_SERVICE();
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Volumes: [{ Name: 'writable-tmp' }, { Name: 'writable-var-cache-nginx' }, { Name: 'writable-var-run' }],
      ContainerDefinitions: [
        Match.objectLike({
          User: '101',
          ReadonlyRootFilesystem: true,
          Privileged: false,
          MountPoints: [
            { ContainerPath: '/tmp', ReadOnly: false, SourceVolume: 'writable-tmp' },
            { ContainerPath: '/var/cache/nginx', ReadOnly: false, SourceVolume: 'writable-var-cache-nginx' },
            { ContainerPath: '/var/run', ReadOnly: false, SourceVolume: 'writable-var-run' },
          ],
        }),
      ],
    });
  });

  test('notifies a given alarm topic and sets alarm thresholds', () => {
    const stack = agnosticStack();
    const topic = new sns.Topic(stack, 'OnCall');
    const { template, web } = build(
      { alarmTopic: topic, cpuAlarmThresholdPercent: 70, target5xxAlarmThreshold: 3 },
      stack,
    );
    expect(web.alarmTopic).toBe(topic);
    template.resourceCountIs('AWS::SNS::Topic', 1);
    // A bring-your-own topic's policy is left alone.
    template.resourceCountIs('AWS::SNS::TopicPolicy', 0);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'CPUUtilization', Threshold: 70 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'HTTPCode_Target_5XX_Count', Threshold: 3 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'HTTPCode_ELB_5XX_Count', Threshold: 3 });
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: logicalId(stack, topic) }]);
    }
  });

  test('skips validation of values that are only known at deploy time', () => {
    const stack = agnosticStack();
    const min = new CfnParameter(stack, 'Min', { type: 'Number' }).valueAsNumber;
    const port = new CfnParameter(stack, 'Port', { type: 'Number' }).valueAsNumber;
    expect(() => build({ minCapacity: min, desiredCount: 2, containerPort: port }, stack)).not.toThrow();
  });
});

describe('FargateWebService warnings', () => {
  test('warns (singleInstance, the id every pattern uses) when minCapacity allows a single task', () => {
    const { stack } = build({ minCapacity: 1, desiredCount: 1 });
    Annotations.fromStack(stack).hasWarning(
      '/Agnostic/Web',
      'minCapacity is 1: the service can scale to a single task, which does not survive the loss of an Availability Zone or a failed task; use 2 or more in production [ack: cdk-compute-patterns:singleInstance]',
    );
  });

  test('warns when ECS Exec meets a read-only root filesystem', () => {
    const { stack } = build({ ...HARDENED, enableExecuteCommand: true });
    Annotations.fromStack(stack).hasWarning('/Agnostic/Web', Match.stringLikeRegexp('ECS Exec needs a writable root'));
  });

  test('warns when the image comes from Docker Hub, naming the image and the alternatives', () => {
    for (const name of ['nginx', 'nginxinc/nginx-unprivileged:stable-alpine', 'docker.io/library/nginx:1.27']) {
      // GIVEN a Docker Hub image, with or without an explicit registry
      const { stack } = build({ image: ecs.ContainerImage.fromRegistry(name) });
      // THEN the construct warns about anonymous pull limits through one NAT address
      Annotations.fromStack(stack).hasWarning(
        '/Agnostic/Web',
        `image '${name}' is pulled from Docker Hub, which rate-limits anonymous pulls per source IP address: every task pulls through the VPC's NAT address, so scale-outs and rollbacks can fail to start tasks. Use ECR Public (public.ecr.aws/...), an ECR pull-through cache rule, or your own ECR repository (ecs.ContainerImage.fromAsset / fromEcrRepository) [ack: cdk-compute-patterns:dockerHubImage]`,
      );
    }
  });

  test('warns when a sidecar image comes from Docker Hub, naming the sidecar', () => {
    const stack = agnosticStack();
    const web = new FargateWebService(stack, 'Web', { image: IMAGE });
    web.addSidecar('proxy', { image: ecs.ContainerImage.fromRegistry('envoyproxy/envoy:v1.31.2') });
    Annotations.fromStack(stack).hasWarning(
      '/Agnostic/Web',
      `addSidecar('proxy') image 'envoyproxy/envoy:v1.31.2' is pulled from Docker Hub, which rate-limits anonymous pulls per source IP address: every task pulls through the VPC's NAT address, so scale-outs and rollbacks can fail to start tasks. Use ECR Public (public.ecr.aws/...), an ECR pull-through cache rule, or your own ECR repository (ecs.ContainerImage.fromAsset / fromEcrRepository) [ack: cdk-compute-patterns:dockerHubImage]`,
    );
  });

  test('does not warn for ECR Public, private ECR or other registries', () => {
    for (const name of [
      'public.ecr.aws/nginx/nginx-unprivileged:stable-alpine',
      'ghcr.io/org/app:1',
      'localhost/app:1',
    ]) {
      const { stack } = build({ image: ecs.ContainerImage.fromRegistry(name) });
      Annotations.fromStack(stack).hasNoWarning('/Agnostic/Web', Match.anyValue());
    }
    const { stack } = build({ image: PRIVATE_IMAGE });
    Annotations.fromStack(stack).hasNoWarning('/Agnostic/Web', Match.anyValue());
  });

  test('does not warn with the defaults', () => {
    const { stack } = DEFAULTS();
    Annotations.fromStack(stack).hasNoWarning('/Agnostic/Web', Match.anyValue());
  });
});

describe('FargateWebService validation', () => {
  /** The exact message, after the construct path every validation error starts with. */
  const fails = (props: Partial<FargateWebServiceProps>, message: string, stack: Stack = agnosticStack()) => {
    expect(() => new FargateWebService(stack, 'Web', { image: IMAGE, ...props })).toThrow(
      new Error(`${stack.stackName}/Web: ${message}`),
    );
  };

  test('fails when both vpc and cluster are given', () => {
    const stack = agnosticStack();
    const vpc = new SecureVpc(stack, 'Vpc');
    const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
    fails(
      { vpc, cluster },
      'give either vpc or cluster, not both: the service runs in the VPC of the cluster; pass only cluster to use its VPC, or only vpc to create a new cluster there',
      stack,
    );
  });

  test('fails when containerInsights is given with a cluster', () => {
    const stack = agnosticStack();
    const cluster = new ecs.Cluster(stack, 'Cluster', { vpc: new SecureVpc(stack, 'Vpc') });
    fails(
      { cluster, containerInsights: ecs.ContainerInsights.ENABLED },
      'containerInsights applies only to the cluster this construct creates; received it together with cluster (turn Container Insights on in that cluster instead)',
      stack,
    );
  });

  test('fails when cpu is not a Fargate CPU value', () => {
    fails(
      { cpu: 300 },
      'cpu must be one of 256, 512, 1024, 2048, 4096, 8192, 16384 (Fargate CPU units, 1024 = 1 vCPU); received 300',
    );
  });

  test('fails when memoryLimitMiB does not fit the cpu, listing the valid values', () => {
    fails(
      { cpu: 256, memoryLimitMiB: 4096 },
      'memoryLimitMiB 4096 is not a valid Fargate task size with cpu 256; valid memoryLimitMiB values for cpu 256 are 512, 1024, 2048',
    );
    fails(
      { cpu: 512, memoryLimitMiB: 512 },
      'memoryLimitMiB 512 is not a valid Fargate task size with cpu 512; valid memoryLimitMiB values for cpu 512 are 1024, 2048, 3072, 4096',
    );
    fails(
      { cpu: 8192, memoryLimitMiB: 20000 },
      'memoryLimitMiB 20000 is not a valid Fargate task size with cpu 8192; valid memoryLimitMiB values for cpu 8192 are 16384, 20480, 24576, 28672, 32768, 36864, 40960, 45056, 49152, 53248, 57344, 61440',
    );
  });

  test('fails when containerPort is out of range', () => {
    fails({ containerPort: 0 }, 'containerPort must be an integer between 1 and 65535; received 0');
    fails({ containerPort: 70000 }, 'containerPort must be an integer between 1 and 65535; received 70000');
  });

  test('fails when healthCheckPath does not start with a slash', () => {
    fails({ healthCheckPath: 'health' }, "healthCheckPath must start with '/', e.g. '/health'; received 'health'");
  });

  test('fails when minCapacity is below 1', () => {
    fails({ minCapacity: 0 }, 'minCapacity must be an integer between 1 and 5000; received 0');
  });

  test('fails when minCapacity is greater than maxCapacity', () => {
    fails({ minCapacity: 5, maxCapacity: 3 }, 'minCapacity (5) must not be greater than maxCapacity (3)');
  });

  test('fails when desiredCount lies outside the capacity range', () => {
    fails({ desiredCount: 7 }, 'desiredCount (7) must lie between minCapacity (2) and maxCapacity (4)');
  });

  test('fails when a scaling target is out of range', () => {
    fails(
      { targetCpuUtilizationPercent: 0 },
      'targetCpuUtilizationPercent must be an integer between 1 and 100; received 0',
    );
    fails(
      { targetMemoryUtilizationPercent: 120 },
      'targetMemoryUtilizationPercent must be an integer between 1 and 100; received 120',
    );
    fails(
      { targetRequestsPerTarget: 0 },
      'targetRequestsPerTarget must be an integer between 1 and 1000000; received 0',
    );
  });

  test('fails when an alarm threshold is out of range', () => {
    fails(
      { cpuAlarmThresholdPercent: 101 },
      'cpuAlarmThresholdPercent must be an integer between 1 and 100; received 101',
    );
    fails(
      { target5xxAlarmThreshold: 0 },
      'target5xxAlarmThreshold must be an integer between 1 and 1000000; received 0',
    );
  });

  test('fails when onDemandBaseCount is given without spot', () => {
    fails(
      { onDemandBaseCount: 1 },
      'onDemandBaseCount applies only with spot: true; received onDemandBaseCount 1 without spot',
    );
  });

  test('fails when the environment carries credentials', () => {
    fails(
      { environment: { AWS_SECRET_ACCESS_KEY: 'x' } },
      'environment must not carry credentials; received AWS_SECRET_ACCESS_KEY. Pass it in secrets (ecs.Secret.fromSecretsManager) or, for AWS credentials, grant the task role instead',
    );
  });

  test('fails when an environment variable name marks a secret, pointing to secrets', () => {
    for (const name of [
      'DB_PASSWORD',
      'dbPassword',
      'MYSQLPASSWORD',
      'githubToken',
      'STRIPE_API_KEY',
      'client-secret',
      'TLS_PRIVATE_KEY',
      'GOOGLE_APPLICATION_CREDENTIALS',
      'ApiKey',
    ]) {
      fails(
        { environment: { [name]: 'x' } },
        `environment must not carry secrets; received ${name}, whose name marks a secret (PASSWORD, SECRET, TOKEN, API_KEY, PRIVATE_KEY, CREDENTIALS, ...). Plain environment variables are readable by anyone who can describe the task definition: pass it in secrets (ecs.Secret.fromSecretsManager or ecs.Secret.fromSsmParameter), or rename it if it holds no secret`,
      );
    }
  });

  test('accepts configuration names that only contain a secret word inside another word', () => {
    expect(() =>
      build({ environment: { LOG_LEVEL: 'info', TOKENIZER_MODEL: 'bpe', CACHE_KEY_PREFIX: 'web', KEYCLOAK_URL: 'x' } }),
    ).not.toThrow();
  });

  test('fails at synth when a container added to the task definition carries a secret-looking variable', () => {
    // GIVEN a sidecar the user adds to the construct's task definition, whose ECS2 acknowledgement covers it
    const stack = agnosticStack();
    const web = new FargateWebService(stack, 'Web', { image: IMAGE, environment: { LOG_LEVEL: 'info' } });
    web.taskDefinition.addContainer('Sidecar', {
      image: PRIVATE_IMAGE,
      user: '1000',
      readonlyRootFilesystem: true,
      environment: { UPSTREAM_TOKEN: 'x' },
    });
    // THEN synthesis refuses it, naming the container and the variable
    expect(() => Template.fromStack(stack)).toThrow(
      "container 'Sidecar' must not carry secrets in plain environment variables; received UPSTREAM_TOKEN. Pass it with the container's secrets (ecs.Secret.fromSecretsManager or ecs.Secret.fromSsmParameter), or rename it if it holds no secret",
    );
  });

  for (const [kind, makeStack] of [
    ['environment-agnostic', () => agnosticStack()],
    ['environment-specific', () => specificStack()],
  ] as const) {
    test(`fails when spot meets a cluster without the FARGATE_SPOT capacity provider (${kind} stack)`, () => {
      // GIVEN an existing cluster without Fargate capacity providers
      const stack = makeStack();
      const cluster = new ecs.Cluster(stack, 'Cluster', { vpc: new SecureVpc(stack, 'Vpc') });
      new FargateWebService(stack, 'Web', { image: IMAGE, cluster, spot: true });
      // THEN synthesis names the service, the cluster and the fix
      expect(() => Template.fromStack(stack)).toThrow(
        `${stack.stackName}/Web: spot needs the FARGATE_SPOT capacity provider on the cluster; ${stack.stackName}/Cluster has none. Create the cluster with enableFargateCapacityProviders: true (or call cluster.enableFargateCapacityProviders()), or leave spot off`,
      );
    });
  }

  test('runs Spot on an existing cluster with the Fargate capacity providers, after their association', () => {
    const stack = agnosticStack();
    const cluster = new ecs.Cluster(stack, 'Cluster', { vpc: new SecureVpc(stack, 'Vpc') });
    new FargateWebService(stack, 'Web', { image: IMAGE, cluster, spot: true });
    cluster.enableFargateCapacityProviders(); // after the service: checked at synth
    const template = Template.fromStack(stack);
    const service = Object.values(template.findResources('AWS::ECS::Service'))[0];
    const association = Object.keys(template.findResources('AWS::ECS::ClusterCapacityProviderAssociations'))[0];
    expect(service.DependsOn).toContain(association);
  });

  for (const [kind, makeStack] of [
    ['environment-agnostic', () => agnosticStack()],
    ['environment-specific', () => specificStack()],
  ] as const) {
    test(`fails when the containers of the task reserve more memory than the task has (${kind} stack)`, () => {
      // GIVEN containers added to the task next to 'web', which holds the task's 512 MiB as its hard limit
      const stack = makeStack();
      const web = new FargateWebService(stack, 'Web', { image: IMAGE });
      web.addSidecar('agent', { image: IMAGE });
      web.taskDefinition.addContainer('Proxy', {
        image: PRIVATE_IMAGE,
        user: '1000',
        readonlyRootFilesystem: true,
        memoryReservationMiB: 300,
      });
      // THEN synthesis refuses the task, listing each container's share
      expect(() => Template.fromStack(stack)).toThrow(
        `${stack.stackName}/Web: the containers next to 'web' reserve 556 MiB ('agent' 256 MiB, 'Proxy' 300 MiB) and 'web' needs at least 6 MiB: 562 MiB, more than the task's memoryLimitMiB 512. ECS counts each container's memoryReservationMiB, or its memoryLimitMiB when it has none, and the sum must fit in the task's memory: give the sidecars a smaller memoryReservationMiB (their memoryLimitMiB can stay), or raise the service's memoryLimitMiB`,
      );
    });

    test(`fails when a container added to the task has a hard limit above the task's memory (${kind} stack)`, () => {
      const stack = makeStack();
      const web = new FargateWebService(stack, 'Web', { image: IMAGE });
      web.taskDefinition.addContainer('Proxy', {
        image: PRIVATE_IMAGE,
        user: '1000',
        readonlyRootFilesystem: true,
        memoryLimitMiB: 1024,
        memoryReservationMiB: 64,
      });
      expect(() => Template.fromStack(stack)).toThrow(
        `${stack.stackName}/Web: container 'Proxy' has a hard memory limit of 1024 MiB, more than the task's memoryLimitMiB 512; ECS refuses a container whose limit exceeds its task's memory. Lower its memoryLimitMiB to 512 or less, or raise the service's memoryLimitMiB`,
      );
    });
  }

  test('accepts added containers that share the task memory without limits of their own', () => {
    const stack = agnosticStack();
    const web = new FargateWebService(stack, 'Web', { image: IMAGE });
    web.taskDefinition.addContainer('Proxy', { image: PRIVATE_IMAGE, user: '1000', readonlyRootFilesystem: true });
    expect(() => Template.fromStack(stack)).not.toThrow();
  });

  test('fails when the user is root', () => {
    for (const user of ['0', 'root', '0:0', 'root:root']) {
      fails(
        { user },
        `user must not be root; received '${user}'. Give a non-root user such as '101' or '1000:1000', or omit user to keep the image's USER`,
      );
    }
  });

  test('fails when a writable path is not absolute', () => {
    fails(
      { writablePaths: ['tmp'] },
      "writablePaths must be absolute container paths below '/', such as '/tmp'; received 'tmp'",
    );
    fails(
      { writablePaths: ['/'] },
      "writablePaths must be absolute container paths below '/', such as '/tmp'; received '/'",
    );
  });

  test('fails when a writable path is only slashes or a token', () => {
    fails(
      { writablePaths: ['//'] },
      "writablePaths must be absolute container paths below '/', such as '/tmp'; received '//'",
    );
    const stack = agnosticStack();
    const token = new CfnParameter(stack, 'Path').valueAsString;
    fails(
      { writablePaths: [token] },
      'writablePaths must be literal container paths such as /tmp; received an unresolved token',
      stack,
    );
  });

  test('fails when a writable path repeats', () => {
    fails({ writablePaths: ['/tmp', '/tmp/'] }, "writablePaths must not repeat a path; received '/tmp' twice");
  });

  test('fails when vpcSubnets selects public subnets', () => {
    const stack = agnosticStack();
    fails(
      { vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } },
      'vpcSubnets must select private subnets: tasks run without public IP addresses and only the load balancer is public; received public subnets Agnostic/Web/Vpc/PublicSubnet1, Agnostic/Web/Vpc/PublicSubnet2',
      stack,
    );
  });

  test('fails when the subnets span a single Availability Zone', () => {
    const stack = specificStack();
    const vpc = new SecureVpc(stack, 'Vpc');
    fails(
      { vpc, vpcSubnets: { subnets: [vpc.privateSubnets[0]] } },
      'the tasks must span at least two Availability Zones to be highly available; the selected subnets (1) are in 1 (dummy1a). Pass a VPC (or vpcSubnets) with subnets in two or more Availability Zones',
      stack,
    );
  });

  test('fails when allowedIngressCidrs holds something other than a CIDR block', () => {
    // raised by the service's load balancer, which names itself
    expect(
      () => new FargateWebService(agnosticStack(), 'Web', { image: IMAGE, allowedIngressCidrs: ['10.0.0.1'] }),
    ).toThrow(
      new Error(
        "Agnostic/Web/LoadBalancer: allowedIngressCidrs must contain IPv4 CIDR blocks such as '203.0.113.0/24'; received '10.0.0.1'",
      ),
    );
  });
});

describe('FargateWebService in subnets without egress', () => {
  /** Short service names (`ecr.api`, `logs`, ...) of the interface endpoints in the template. */
  const endpointServices = (template: Template): string[] =>
    Object.values(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } }))
      .map((e) => /\.(ecr\.api|ecr\.dkr|[a-z]+)\\?"[\]}]*"?$/.exec(JSON.stringify(e.Properties.ServiceName))![1])
      .sort();

  for (const [kind, makeStack] of [
    ['environment-agnostic', () => agnosticStack()],
    ['environment-specific', () => specificStack()],
  ] as const) {
    test(`adds the ECR, Logs and S3 endpoints the tasks pull and log through (${kind} stack)`, () => {
      // GIVEN a VPC without NAT gateways (isolated subnets only) in the same stack, a private ECR image
      // and an internal load balancer
      const stack = makeStack();
      const vpc = new SecureVpc(stack, 'Vpc', { natGateways: 0 });
      // WHEN the service runs in its isolated subnets
      const { web, template } = build({ vpc, image: PRIVATE_IMAGE, internetFacing: false }, stack);
      // THEN ecr.api, ecr.dkr and logs interface endpoints exist, next to the S3 gateway endpoint
      expect(endpointServices(template)).toEqual(['ecr.api', 'ecr.dkr', 'logs']);
      template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        VpcEndpointType: 'Gateway',
        ServiceName: Match.anyValue(),
      });
      // AND each endpoint accepts HTTPS from the tasks' security group
      const endpoints = template.findResources('AWS::EC2::VPCEndpoint', {
        Properties: { VpcEndpointType: 'Interface' },
      });
      for (const [id, endpoint] of Object.entries(endpoints)) {
        const sg = endpoint.Properties.SecurityGroupIds[0]['Fn::GetAtt'][0];
        template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
          GroupId: { 'Fn::GetAtt': [sg, 'GroupId'] },
          SourceSecurityGroupId: { 'Fn::GetAtt': [logicalId(stack, web.securityGroup), 'GroupId'] },
          FromPort: 443,
          ToPort: 443,
        });
        // AND the service waits for them: its first tasks pull through them
        const service = Object.values(template.findResources('AWS::ECS::Service'))[0];
        expect(service.DependsOn).toContain(id);
      }
      // AND for the S3 gateway endpoint, the subnets' only route to the image layers
      const [s3Gateway] = Object.keys(
        template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Gateway' } }),
      ).filter((id) => id.includes('S3'));
      expect(Object.values(template.findResources('AWS::ECS::Service'))[0].DependsOn).toContain(s3Gateway);
    });
  }

  test('adds Secrets Manager and SSM endpoints for secrets, ssmmessages and KMS for ECS Exec', () => {
    const stack = agnosticStack();
    const vpc = new SecureVpc(stack, 'Vpc', { natGateways: 0 });
    const secret = new secretsmanager.Secret(stack, 'ApiKey');
    const parameter = ssm.StringParameter.fromSecureStringParameterAttributes(stack, 'Param', {
      parameterName: '/app/db',
    });
    const { template } = build(
      {
        vpc,
        image: PRIVATE_IMAGE,
        internetFacing: false,
        readonlyRootFilesystem: false,
        enableExecuteCommand: true,
        secrets: { API_KEY: ecs.Secret.fromSecretsManager(secret), DB_URL: ecs.Secret.fromSsmParameter(parameter) },
      },
      stack,
    );
    expect(endpointServices(template)).toEqual([
      'ecr.api',
      'ecr.dkr',
      'kms',
      'logs',
      'secretsmanager',
      'ssm',
      'ssmmessages',
    ]);
  });

  test('adds no endpoint when the user says the VPC has them, or when the subnets have egress', () => {
    const stack = agnosticStack();
    const vpc = new SecureVpc(stack, 'Vpc', { natGateways: 0 });
    const { template } = build({ vpc, image: PRIVATE_IMAGE, internetFacing: false, vpcEndpointsProvided: true }, stack);
    expect(endpointServices(template)).toEqual([]);
    expect(endpointServices(DEFAULTS().template)).toEqual([]);
  });

  test('fails when the image comes from a public registry, which no endpoint serves', () => {
    const stack = agnosticStack();
    const vpc = new SecureVpc(stack, 'Vpc', { natGateways: 0 });
    expect(() => build({ vpc, internetFacing: false, vpcEndpointsProvided: true }, stack)).toThrow(
      "Agnostic/Web: image 'public.ecr.aws/nginx/nginx-unprivileged:stable-alpine' comes from a public registry, which tasks in subnets without egress (PRIVATE_ISOLATED: Agnostic/Vpc/PrivateSubnet1, Agnostic/Vpc/PrivateSubnet2) cannot reach: VPC endpoints serve AWS APIs and private ECR only. Copy the image to a private ECR repository (or create an ECR pull-through cache rule) and use ecs.ContainerImage.fromEcrRepository, build it with ecs.ContainerImage.fromAsset, or select subnets with egress (NAT)",
    );
  });

  test('fails when a sidecar image comes from a public registry, as for the application image', () => {
    const stack = agnosticStack();
    const vpc = new SecureVpc(stack, 'Vpc', { natGateways: 0 });
    const { web } = build({ vpc, image: PRIVATE_IMAGE, internetFacing: false }, stack);
    const otel = 'public.ecr.aws/aws-observability/aws-otel-collector:v0.41.1';
    expect(() => web.addSidecar('otel', { image: ecs.ContainerImage.fromRegistry(otel) })).toThrow(
      new Error(
        `Agnostic/Web: addSidecar('otel') image '${otel}' comes from a public registry, which tasks in subnets without egress (PRIVATE_ISOLATED: Agnostic/Vpc/PrivateSubnet1, Agnostic/Vpc/PrivateSubnet2) cannot reach: VPC endpoints serve AWS APIs and private ECR only. Copy the image to a private ECR repository (or create an ECR pull-through cache rule) and use ecs.ContainerImage.fromEcrRepository, build it with ecs.ContainerImage.fromAsset, or select subnets with egress (NAT)`,
      ),
    );
    expect(web.sidecars).toEqual([]);
  });

  test("adds the Secrets Manager and SSM endpoints a sidecar's secrets are read through; the service waits for them", () => {
    // GIVEN a service whose application container has no secrets
    const stack = agnosticStack();
    const vpc = new SecureVpc(stack, 'Vpc', { natGateways: 0 });
    const web = new FargateWebService(stack, 'Web', { vpc, image: PRIVATE_IMAGE, internetFacing: false });
    // WHEN a sidecar reads a Secrets Manager secret and an SSM parameter
    const secret = new secretsmanager.Secret(stack, 'ApiKey');
    const parameter = ssm.StringParameter.fromSecureStringParameterAttributes(stack, 'Param', {
      parameterName: '/app/db',
    });
    web.addSidecar('agent', {
      image: PRIVATE_IMAGE,
      secrets: { API_KEY: ecs.Secret.fromSecretsManager(secret), DB_URL: ecs.Secret.fromSsmParameter(parameter) },
    });
    // THEN both endpoints are there, accept HTTPS from the tasks, and the service waits for them
    const template = Template.fromStack(stack);
    expect(endpointServices(template)).toEqual(['ecr.api', 'ecr.dkr', 'logs', 'secretsmanager', 'ssm']);
    const service = Object.values(template.findResources('AWS::ECS::Service'))[0];
    for (const name of ['SecretsManager', 'Ssm']) {
      const endpoint = vpc.node.findChild(`Endpoint${name}`);
      expect(service.DependsOn).toContain(logicalId(stack, endpoint));
    }
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      Description: 'HTTPS to secretsmanager',
      SourceSecurityGroupId: { 'Fn::GetAtt': [logicalId(stack, web.securityGroup), 'GroupId'] },
    });
  });

  test('fails when the isolated VPC belongs to another stack, naming the services it needs', () => {
    const app = testApp();
    const vpc = new SecureVpc(new Stack(app, 'Network'), 'Vpc', { natGateways: 0 });
    const stack = new Stack(app, 'App');
    expect(() => build({ vpc, image: PRIVATE_IMAGE, internetFacing: false }, stack)).toThrow(
      'App/Web: the selected subnets have no route to the internet (PRIVATE_ISOLATED), so the compute needs VPC interface endpoints for ecr.api, ecr.dkr, logs; they can only be added here to a VPC defined in the same stack. Select subnets with egress (NAT), create the endpoints yourself and set vpcEndpointsProvided: true, or define the VPC in this stack',
    );
  });
});

describe('FargateWebService against the Control Tower guard rules', () => {
  const ecsRules = (rules: string[]) => rules.filter((r) => r.startsWith('ecs_'));

  // Every stack these tests check, built first and checked by cfn-guard in one run (guardBatch).
  const GUARD = guardBatch(() => {
    // the defaults plus a read-only root filesystem opt-out
    const optOut = new Stack(testApp(), 'OptOut');
    build({ readonlyRootFilesystem: false }, optOut);
    // the defaults and a sidecar added without memory options
    const withSidecar = new Stack(testApp(), 'WithSidecar');
    new FargateWebService(withSidecar, 'Web', { image: IMAGE }).addSidecar('otel', { image: IMAGE });
    // a container added to the task directly, with a reservation but no hard limit
    const noHardLimit = new Stack(testApp(), 'NoHardLimit');
    const web = new FargateWebService(noHardLimit, 'Web', { image: IMAGE });
    web.taskDefinition.addContainer('Proxy', {
      image: PRIVATE_IMAGE,
      user: '1000',
      readonlyRootFilesystem: true,
      memoryReservationMiB: 64,
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'proxy', logGroup: web.logGroup }),
    });
    // a certificate and an access-log bucket in the same stack
    const withCertificate = new Stack(testApp(), 'WithCertificate');
    const certificate = acm.Certificate.fromCertificateArn(withCertificate, 'Cert', CERT_ARN);
    build({ ...HARDENED, certificate, accessLogBucket: AccessLogBucket.of(withCertificate) }, withCertificate);
    return {
      hardened: HARDENED_SERVICE().stack,
      defaults: DEFAULTS().stack,
      optOut,
      withSidecar,
      noHardLimit,
      withCertificate,
    };
  });

  test('passes every ECS rule with a non-root user and a read-only root filesystem', () => {
    expect(ecsRules(GUARD().failing('hardened'))).toEqual([]);
  });

  test('passes every ECS rule with the defaults', () => {
    // GIVEN no hardening props at all
    // THEN the non-root (CT.ECS.PR.3) and read-only (CT.ECS.PR.6) rules pass too
    expect(ecsRules(GUARD().failing('defaults'))).toEqual([]);
  });

  test('fails the read-only rule only for the explicit opt-out, so the checks above can fail', () => {
    expect(ecsRules(GUARD().failing('optOut'))).toEqual(['ecs_containers_readonly_access_check']);
  });

  test('passes every ECS rule with a sidecar: its hard memory limit satisfies CT.ECS.PR.7', () => {
    // GIVEN the defaults and a sidecar added without memory options
    const stack = GUARD().stacks.withSidecar;
    const web = stack.node.findChild('Web') as FargateWebService;
    // THEN every container has a Memory hard limit, and no ECS rule fails
    expect(ecsRules(GUARD().failing('withSidecar'))).toEqual([]);
    expect(Template.fromStack(stack).toJSON()).toMatchObject({
      Resources: {
        [logicalId(stack, web.taskDefinition)]: {
          Properties: {
            ContainerDefinitions: [
              { Name: 'web', Memory: 512 },
              { Name: 'otel', Memory: 256 },
            ],
          },
        },
      },
    });
  });

  test('fails the memory hard-limit rule (CT.ECS.PR.7) for a container without one, so the check above can fail', () => {
    // GIVEN a container added to the task directly, with a reservation but no hard limit
    expect(ecsRules(GUARD().failing('noHardLimit'))).toEqual(['ecs_task_definition_memory_hard_limit_check']);
  });

  test('passes the HTTPS redirect and access-logging rules with a certificate and a bucket in the same stack', () => {
    const failing = GUARD().failing('withCertificate');
    expect(failing).not.toContain('alb_http_to_https_redirection_check');
    expect(failing).not.toContain('elbv2_acm_certificate_required_check');
    expect(failing).not.toContain('elb_tls_https_listeners_only_check');
    expect(failing).not.toContain('elbv2_logging_enabled_check');
    expect(failing.filter((r) => r.includes('elb') || r.startsWith('ecs_') || r.startsWith('cloudwatch'))).toEqual([]);
  });

  test('fails the HTTPS redirect rule without a certificate (the sample app exemption)', () => {
    expect(GUARD().failing('hardened')).toContain('alb_http_to_https_redirection_check');
  });
});

describe('FargateWebService under cdk-nag', () => {
  /** Every option on, with an ECR image (so the execution role gets ecr:GetAuthorizationToken). */
  const everything = (stack: Stack): FargateWebService => {
    const secret = new secretsmanager.Secret(stack, 'ApiKey');
    return new FargateWebService(stack, 'Web', {
      image: ecs.ContainerImage.fromEcrRepository(ecr.Repository.fromRepositoryName(stack, 'Repo', 'web'), '1.0'),
      containerPort: 8080,
      user: '101',
      writablePaths: ['/tmp', '/var/lib/amazon/ssm', '/var/log/amazon/ssm'],
      enableExecuteCommand: true,
      spot: true,
      environment: { LOG_LEVEL: 'info' },
      secrets: { API_KEY: ecs.Secret.fromSecretsManager(secret) },
      certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', CERT_ARN),
      targetMemoryUtilizationPercent: 70,
      targetRequestsPerTarget: 500,
    });
  };

  test('acknowledges only its own findings: the wildcards a user adds to either role stay visible', () => {
    // GIVEN two stacks under the AwsSolutions and Serverless packs: every option on (ECS Exec, Spot,
    // environment, secrets, HTTPS, an ECR image), and the same with the user's own wildcard grants
    const report = checkNag((outdir) => {
      const app = testApp({ outdir });
      everything(new Stack(app, 'Everything'));
      const probed = everything(new Stack(app, 'Probed'));
      // WHEN the user grants s3:GetObject on * to the task role and to the execution role
      probed.taskRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }));
      probed.taskDefinition.addToExecutionRolePolicy(
        new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }),
      );
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
      return app;
    });
    const of = (name: string) => report.stacks.find((s) => s.stack === name)!;
    // THEN the construct leaves no open finding of its own (ECS Exec's log-stream wildcard included)
    expect(of('Everything').nagViolations.filter((v) => v.path.startsWith('Everything/Web/'))).toEqual([]);
    // AND each of its acknowledgements sits on the one resource it is about
    expect(
      of('Everything')
        .acknowledged.filter((a) => a.path.startsWith('Everything/Web/'))
        .map((a) => `${a.path} ${a.id}`)
        // the shared building blocks (SecureVpc, SecureLoadBalancer) carry their own, tested with them
        .filter((a) => !a.includes('/LoadBalancer/') && !a.includes('/Vpc/'))
        .sort(),
    ).toEqual([
      'Everything/Web/EcrAuthorizationPolicy Annotation::AwsSolutions-IAM5[Resource::*]',
      'Everything/Web/ExecPolicy Annotation::AwsSolutions-IAM5[Resource::*]',
      'Everything/Web/ExecPolicy Annotation::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:<WebExecLogGroup25415EF0>:*]',
      'Everything/Web/TaskDefinition Annotation::AwsSolutions-ECS2',
    ]);
    // AND the user's wildcards are reported on the roles' default policies
    expect(
      of('Probed')
        .nagViolations.filter((v) => v.path.startsWith('Probed/Web/'))
        .map((v) => `${v.rule} ${v.path}`)
        .sort(),
    ).toEqual([
      'AwsSolutions-IAM5[Resource::*] Probed/Web/ExecutionRole/Policy/Resource',
      'AwsSolutions-IAM5[Resource::*] Probed/Web/TaskRole/Policy/Resource',
    ]);
  });
});

describe('FargateWebService next to a HighlyAvailableFleet', () => {
  test('shares the stack alarm topic, whose policy grants CloudWatch once with unique statement ids', () => {
    const stack = agnosticStack();
    const vpc = new SecureVpc(stack, 'Vpc');
    new HighlyAvailableFleet(stack, 'Fleet', { vpc });
    const { template } = build({ vpc }, stack);
    template.resourceCountIs('AWS::SNS::Topic', 1);
    const policies = Object.values(template.findResources('AWS::SNS::TopicPolicy'));
    expect(policies).toHaveLength(1);
    const sids = policies[0].Properties.PolicyDocument.Statement.map((st: { Sid?: string }) => st.Sid).filter(Boolean);
    expect(new Set(sids).size).toBe(sids.length);
    expect(sids.filter((sid: string) => sid === 'AllowCloudWatchAlarmsToPublish')).toHaveLength(1);
  });
});

describe('FargateWebService image tags', () => {
  test('warns when the image is named by a moving tag such as latest', () => {
    // GIVEN / WHEN a service on an ECR image tagged latest
    const stack = agnosticStack();
    const repository = new ecr.Repository(stack, 'Repo');
    new FargateWebService(stack, 'Web', { image: ecs.ContainerImage.fromEcrRepository(repository, 'latest') });
    // THEN the warning explains why a digest or an immutable tag is safer
    Annotations.fromStack(stack).hasWarning(
      '/Agnostic/Web',
      Match.stringLikeRegexp("the image is named by the tag 'latest', which is moved to each new build"),
    );
  });

  test('does not warn for an image pinned by digest', () => {
    const stack = agnosticStack();
    const repository = new ecr.Repository(stack, 'Repo');
    new FargateWebService(stack, 'Web', {
      image: ecs.ContainerImage.fromEcrRepository(repository, `sha256:${'c'.repeat(64)}`),
    });
    Annotations.fromStack(stack).hasNoWarning('/Agnostic/Web', Match.stringLikeRegexp('is moved to each new build'));
  });
});

describe('FargateWebService connections, grants and metrics', () => {
  test('is IConnectable: a database allowing the service opens its port to the tasks security group', () => {
    // GIVEN
    const stack = agnosticStack();
    const web = new FargateWebService(stack, 'Web', { image: IMAGE });
    const dbSg = new ec2.SecurityGroup(stack, 'Db', { vpc: web.vpc });
    // WHEN
    dbSg.connections.allowFrom(web, ec2.Port.tcp(5432));
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 5432,
      GroupId: { 'Fn::GetAtt': [logicalId(stack, dbSg), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [logicalId(stack, web.securityGroup), 'GroupId'] },
    });
  });

  test('is IGrantable: a grant to the service lands on the task role, not the execution role', () => {
    const stack = agnosticStack();
    const web = new FargateWebService(stack, 'Web', { image: IMAGE });
    new s3.Bucket(stack, 'Data').grantRead(web);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Roles: [{ Ref: logicalId(stack, web.taskRole) }],
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['s3:GetObject*']) })]),
      },
    });
    expect(web.grantPrincipal).toBe(web.taskRole);
  });

  test('metric helpers measure the service and its target group', () => {
    const { stack, web } = DEFAULTS();
    const cpu = stack.resolve(web.metricCpuUtilization().toMetricConfig().metricStat);
    expect(cpu).toMatchObject({ namespace: 'AWS/ECS', metricName: 'CPUUtilization', statistic: 'Average' });
    expect(cpu.dimensions).toEqual(
      expect.arrayContaining([
        { name: 'ServiceName', value: { 'Fn::GetAtt': [logicalId(stack, web.service), 'Name'] } },
      ]),
    );
    expect(web.metricMemoryUtilization().metricName).toBe('MemoryUtilization');
    expect(web.metricRequestCount().metricName).toBe('RequestCount');
    expect(web.metricUnhealthyHostCount().statistic).toBe('Maximum');
    expect(web.metricTarget5xxCount().metricName).toBe('HTTPCode_Target_5XX_Count');
  });

  test('fails naming the construct path when a stack has several services', () => {
    const stack = agnosticStack();
    new FargateWebService(stack, 'Web', { image: IMAGE });
    expect(() => new FargateWebService(stack, 'Api', { image: IMAGE, minCapacity: 0 })).toThrow(
      new Error('Agnostic/Api: minCapacity must be an integer between 1 and 5000; received 0'),
    );
    expect(() => new FargateWebService(stack, 'Admin', { image: IMAGE, writablePaths: ['tmp'] })).toThrow(
      new Error(
        "Agnostic/Admin: writablePaths must be absolute container paths below '/', such as '/tmp'; received 'tmp'",
      ),
    );
  });
});

describe('FargateWebService container options, own roles and sidecars', () => {
  /** The task definition's containers, by name. */
  function containers(template: Template): Record<string, Record<string, unknown>> {
    const td = Object.values(template.findResources('AWS::ECS::TaskDefinition'))[0];
    const defs = td.Properties.ContainerDefinitions as Record<string, unknown>[];
    return Object.fromEntries(defs.map((d) => [d.Name as string, d]));
  }

  test('passes command, entryPoint and the container health check to the application container', () => {
    // GIVEN
    const stack = agnosticStack();
    // WHEN
    new FargateWebService(stack, 'Web', {
      image: IMAGE,
      command: ['serve', '--port', '80'],
      entryPoint: ['/app/start'],
      healthCheck: { command: ['CMD-SHELL', 'wget -q -O- http://localhost/health || exit 1'] },
    });
    // THEN
    expect(containers(Template.fromStack(stack)).web).toMatchObject({
      Command: ['serve', '--port', '80'],
      EntryPoint: ['/app/start'],
      HealthCheck: {
        Command: ['CMD-SHELL', 'wget -q -O- http://localhost/health || exit 1'],
        Interval: 30,
        Retries: 3,
        Timeout: 5,
      },
    });
  });

  test('uses the task and execution roles given, and creates none', () => {
    const stack = agnosticStack();
    const assumedBy = new iam.ServicePrincipal('ecs-tasks.amazonaws.com');
    const taskRole = new iam.Role(stack, 'AppRole', { assumedBy });
    const executionRole = new iam.Role(stack, 'StartRole', { assumedBy });
    const web = new FargateWebService(stack, 'Web', { image: IMAGE, taskRole, executionRole });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      TaskRoleArn: { 'Fn::GetAtt': [logicalId(stack, taskRole), 'Arn'] },
      ExecutionRoleArn: { 'Fn::GetAtt': [logicalId(stack, executionRole), 'Arn'] },
    });
    const ecsRoles = Object.values(template.findResources('AWS::IAM::Role')).filter((r) =>
      JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('ecs-tasks.amazonaws.com'),
    );
    expect(ecsRoles).toHaveLength(2);
    // AND the service waits for the grants aws-cdk-lib put into the given execution role's default policy
    const service = Object.values(template.findResources('AWS::ECS::Service'))[0];
    expect(service.DependsOn).toContain(
      stack.getLogicalId(executionRole.node.findChild('DefaultPolicy').node.defaultChild as CfnElement),
    );
    expect(web.taskRole).toBe(taskRole);
    expect(web.executionRole).toBe(executionRole);
    expect(web.grantPrincipal).toBe(taskRole);
  });

  test('addSidecar keeps the secure defaults: non-root, read-only root, not privileged, not essential, logs to the encrypted log group', () => {
    const stack = agnosticStack();
    const web = new FargateWebService(stack, 'Web', { image: IMAGE });
    const sidecar = web.addSidecar('otel', {
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/aws-observability/aws-otel-collector:v0.40.0'),
      command: ['--config=/etc/ecs/ecs-default-config.yaml'],
      containerPorts: [4317],
    });
    const otel = containers(Template.fromStack(stack)).otel;
    expect(otel).toMatchObject({
      User: '1000:1000',
      ReadonlyRootFilesystem: true,
      Privileged: false,
      Essential: false,
      Command: ['--config=/etc/ecs/ecs-default-config.yaml'],
      PortMappings: [{ ContainerPort: 4317, Protocol: 'tcp' }],
      LogConfiguration: {
        LogDriver: 'awslogs',
        Options: {
          'awslogs-group': { Ref: logicalId(stack, web.logGroup) },
          'awslogs-stream-prefix': 'otel',
        },
      },
    });
    expect(web.sidecars).toEqual([sidecar]);
  });

  test('addSidecar with a private ECR image routes ecr:GetAuthorizationToken to the acknowledged policy of its own', () => {
    // GIVEN a service with a public image, under AwsSolutions
    const report = checkNag((outdir) => {
      const app = testApp({ outdir });
      const stack = new Stack(app, 'Sidecar');
      const web = new FargateWebService(stack, 'Web', { image: IMAGE, protocol: elbv2.ApplicationProtocol.HTTP });
      // WHEN a sidecar pulls from private ECR
      const repo = ecr.Repository.fromRepositoryName(stack, 'Repo', 'agent');
      web.addSidecar('agent', { image: ecs.ContainerImage.fromEcrRepository(repo, '1.0') });
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      return app;
    });
    // THEN the registry login sits in the EcrAuthorizationPolicy alone, acknowledged there, and nothing is open
    const stack = report.stacks.find((s) => s.stack === 'Sidecar')!;
    expect(stack.nagViolations.filter((v) => v.path.startsWith('Sidecar/Web/'))).toEqual([]);
    expect(stack.acknowledged.filter((a) => a.path === 'Sidecar/Web/EcrAuthorizationPolicy').map((a) => a.id)).toEqual([
      'Annotation::AwsSolutions-IAM5[Resource::*]',
    ]);
  });

  test('fails when a sidecar runs as root', () => {
    const stack = agnosticStack();
    const web = new FargateWebService(stack, 'Web', { image: IMAGE });
    expect(() => web.addSidecar('proxy', { image: IMAGE, user: 'root' })).toThrow(
      new Error(
        "Agnostic/Web: addSidecar('proxy') user must not be root; received 'root'. Give a non-root user such as '1000:1000'",
      ),
    );
  });

  test('fails when a sidecar takes the application container name', () => {
    const stack = agnosticStack();
    const web = new FargateWebService(stack, 'Web', { image: IMAGE });
    expect(() => web.addSidecar('web', { image: IMAGE })).toThrow(
      new Error(
        "Agnostic/Web: addSidecar id must be 1 to 255 letters, digits, '-' and '_' and not 'web' (the application container); received 'web'",
      ),
    );
  });

  for (const [kind, makeStack] of [
    ['environment-agnostic', () => agnosticStack()],
    ['environment-specific', () => specificStack()],
  ] as const) {
    test(`addSidecar gives the sidecar a 256 MiB hard limit, and 'web' reserves what it leaves (${kind} stack)`, () => {
      // GIVEN a 512 MiB task
      const stack = makeStack();
      const web = new FargateWebService(stack, 'Web', { image: IMAGE, memoryLimitMiB: 512 });
      // WHEN a sidecar is added without memory options
      web.addSidecar('agent', { image: IMAGE });
      // THEN it has a hard limit (CT.ECS.PR.7), set aside whole; 'web' keeps the task's memory as its hard
      // limit and reserves the rest, so that the reservations add up to the task's memory, as ECS requires
      const { agent, web: app } = containers(Template.fromStack(stack));
      expect([agent.Memory, agent.MemoryReservation]).toEqual([256, undefined]);
      expect([app.Memory, app.MemoryReservation]).toEqual([512, 256]);
    });

    test(`addSidecar takes memoryLimitMiB and memoryReservationMiB; 'web' reserves what the reservations leave (${kind} stack)`, () => {
      const stack = makeStack();
      const web = new FargateWebService(stack, 'Web', { image: IMAGE, cpu: 512, memoryLimitMiB: 1024 });
      web.addSidecar('otel', { image: IMAGE, memoryLimitMiB: 128, memoryReservationMiB: 64 });
      web.addSidecar('logs', { image: IMAGE, memoryLimitMiB: 100 });
      const c = containers(Template.fromStack(stack));
      expect([c.otel.Memory, c.otel.MemoryReservation]).toEqual([128, 64]);
      expect([c.logs.Memory, c.logs.MemoryReservation]).toEqual([100, undefined]);
      // 1024 - 64 - 100
      expect([c.web.Memory, c.web.MemoryReservation]).toEqual([1024, 860]);
    });

    test(`fails when a sidecar's memoryLimitMiB exceeds the task's memory (${kind} stack)`, () => {
      const stack = makeStack();
      const web = new FargateWebService(stack, 'Web', { image: IMAGE, memoryLimitMiB: 512 });
      expect(() => web.addSidecar('agent', { image: IMAGE, memoryLimitMiB: 1024 })).toThrow(
        new Error(
          `${stack.stackName}/Web: addSidecar('agent') memoryLimitMiB must be at most the task's memoryLimitMiB 512 (ECS refuses a container whose hard limit exceeds its task's memory); received 1024. Lower it, or raise the service's memoryLimitMiB`,
        ),
      );
    });

    test(`fails when a sidecar's memoryReservationMiB exceeds its memoryLimitMiB (${kind} stack)`, () => {
      const stack = makeStack();
      const web = new FargateWebService(stack, 'Web', { image: IMAGE });
      expect(() => web.addSidecar('agent', { image: IMAGE, memoryLimitMiB: 128, memoryReservationMiB: 256 })).toThrow(
        new Error(
          `${stack.stackName}/Web: addSidecar('agent') memoryReservationMiB must be at most its memoryLimitMiB 128 (the reservation is the part of the hard limit set aside for the container); received 256. Lower memoryReservationMiB or raise memoryLimitMiB`,
        ),
      );
    });

    test(`fails when a sidecar's memory is below what Docker gives a container (${kind} stack)`, () => {
      const stack = makeStack();
      const web = new FargateWebService(stack, 'Web', { image: IMAGE });
      expect(() => web.addSidecar('agent', { image: IMAGE, memoryLimitMiB: 4 })).toThrow(
        new Error(
          `${stack.stackName}/Web: addSidecar('agent') memoryLimitMiB must be a whole number of MiB, at least 6 (the least memory Docker gives a container); received 4`,
        ),
      );
      expect(() => web.addSidecar('agent', { image: IMAGE, memoryReservationMiB: 2.5 })).toThrow(
        new Error(
          `${stack.stackName}/Web: addSidecar('agent') memoryReservationMiB must be a whole number of MiB, at least 6 (the least memory Docker gives a container); received 2.5`,
        ),
      );
    });

    test(`fails at synth when the sidecars' memory leaves 'web' less than 6 MiB (${kind} stack)`, () => {
      // GIVEN two sidecars whose whole limits are set aside: 256 + 256 MiB of a 512 MiB task
      const stack = makeStack();
      const web = new FargateWebService(stack, 'Web', { image: IMAGE, memoryLimitMiB: 512 });
      web.addSidecar('otel', { image: IMAGE });
      web.addSidecar('logs', { image: IMAGE });
      // THEN synthesis names both and the fix
      expect(() => Template.fromStack(stack)).toThrow(
        `${stack.stackName}/Web: the containers next to 'web' reserve 512 MiB ('otel' 256 MiB, 'logs' 256 MiB) and 'web' needs at least 6 MiB: 518 MiB, more than the task's memoryLimitMiB 512. ECS counts each container's memoryReservationMiB, or its memoryLimitMiB when it has none, and the sum must fit in the task's memory: give the sidecars a smaller memoryReservationMiB (their memoryLimitMiB can stay), or raise the service's memoryLimitMiB`,
      );
    });
  }

  test("accepts sidecars that leave 'web' exactly 6 MiB", () => {
    const stack = agnosticStack();
    const web = new FargateWebService(stack, 'Web', { image: IMAGE, memoryLimitMiB: 512 });
    web.addSidecar('otel', { image: IMAGE, memoryLimitMiB: 506 });
    expect(containers(Template.fromStack(stack)).web.MemoryReservation).toBe(6);
  });

  test("leaves 'web' without a reservation when no sidecar reserves memory, so the template without sidecars is unchanged", () => {
    // GIVEN no sidecar: 'web' has the task's memory as hard limit and no reservation
    expect(containers(DEFAULTS().template).web).not.toHaveProperty('MemoryReservation');
    // WHEN a container without memory is added (it counts nothing against the task)
    const stack = agnosticStack();
    const web = new FargateWebService(stack, 'Web', { image: IMAGE });
    web.taskDefinition.addContainer('Proxy', { image: PRIVATE_IMAGE, user: '1000', readonlyRootFilesystem: true });
    // THEN 'web' still reserves nothing of its own
    const c = containers(Template.fromStack(stack));
    expect(c.web.Memory).toBe(512);
    expect(c.web).not.toHaveProperty('MemoryReservation');
  });
});
