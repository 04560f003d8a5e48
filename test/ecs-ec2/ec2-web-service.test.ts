import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Ec2WebService, Ec2WebServiceProps, SecureRepository, SecureVpc } from '../../lib';
import { agnosticStack, specificStack, testApp } from '../support/cdk-context';
import { guardBatch, runGuard } from '../support/compliance';
import { checkNag } from '../support/nag-check';

const IMAGE = ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx-unprivileged:1.27-alpine');
const PRIVATE_IMAGE = ecs.ContainerImage.fromRegistry('123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.0');

function build(props: Partial<Ec2WebServiceProps> = {}, stack: Stack = agnosticStack()) {
  const web = new Ec2WebService(stack, 'Web', { image: IMAGE, ...props });
  return { stack, web, template: Template.fromStack(stack) };
}

function logicalIds(template: Template, type: string): string[] {
  return Object.keys(template.findResources(type));
}

describe.each([
  ['environment-agnostic', () => agnosticStack()],
  ['environment-specific', () => specificStack()],
])('Ec2WebService defaults (%s stack)', (_kind, makeStack) => {
  let stack: Stack;
  let template: Template;
  beforeAll(() => {
    ({ stack, template } = build({}, makeStack()));
  });

  test('runs hardened Graviton container instances from the ECS-optimized AL2023 AMI, resolved at launch', () => {
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        ImageId: 'resolve:ssm:/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id',
        InstanceType: 'm7g.large',
        MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1, HttpEndpoint: 'enabled' },
        NetworkInterfaces: [Match.objectLike({ AssociatePublicIpAddress: false, DeviceIndex: 0 })],
        BlockDeviceMappings: [
          {
            DeviceName: '/dev/xvda',
            Ebs: { Encrypted: true, VolumeType: 'gp3', VolumeSize: 30, DeleteOnTermination: true },
          },
        ],
        Monitoring: { Enabled: true },
      }),
    });
    // AND the instances join the cluster
    const lt = Object.values(template.findResources('AWS::EC2::LaunchTemplate'))[0];
    expect(JSON.stringify(lt.Properties.LaunchTemplateData.UserData)).toContain('ECS_CLUSTER=');
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      MinSize: '2',
      MaxSize: '6',
      MixedInstancesPolicy: Match.objectLike({
        LaunchTemplate: Match.objectLike({ Overrides: [{ InstanceType: 'm7g.large' }, { InstanceType: 'c7g.large' }] }),
        InstancesDistribution: Match.objectLike({ OnDemandPercentageAboveBaseCapacity: 100 }),
      }),
    });
  });

  test('uses a capacity provider with managed scaling, termination protection and draining, and spreads then binpacks', () => {
    template.hasResourceProperties('AWS::ECS::CapacityProvider', {
      AutoScalingGroupProvider: Match.objectLike({
        ManagedScaling: Match.objectLike({ Status: 'ENABLED', TargetCapacity: 100 }),
        ManagedDraining: 'ENABLED',
        ManagedTerminationProtection: 'ENABLED',
      }),
    });
    template.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: Match.absent(),
      CapacityProviderStrategy: [
        { CapacityProvider: { Ref: Match.stringLikeRegexp('^WebCapacityProvider') }, Weight: 1 },
      ],
      PlacementStrategies: [
        { Type: 'spread', Field: 'attribute:ecs.availability-zone' },
        { Type: 'binpack', Field: 'MEMORY' },
      ],
      DeploymentConfiguration: Match.objectLike({
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
        MinimumHealthyPercent: 100,
        MaximumPercent: 200,
      }),
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED' }) },
    });
  });

  test('deletes the service before the capacity it runs on: the teardown order is in the template', () => {
    const [service] = Object.values(template.findResources('AWS::ECS::Service'));
    const [asg] = logicalIds(template, 'AWS::AutoScaling::AutoScalingGroup');
    const [provider] = logicalIds(template, 'AWS::ECS::CapacityProvider');
    const [association] = logicalIds(template, 'AWS::ECS::ClusterCapacityProviderAssociations');
    const [teardown] = logicalIds(template, 'Custom::ContainerInstanceTeardown');
    const resources = template.toJSON().Resources as Record<string, { DependsOn?: string[]; Properties: object }>;
    /** `a` is deleted before `b`: it depends on `b` by DependsOn or by a Ref / Fn::GetAtt in its properties. */
    const dependsOn = (a: string, b: string) =>
      (resources[a].DependsOn ?? []).includes(b) ||
      new RegExp(`"(Ref|Fn::GetAtt)":\\[?"${b}"`).test(JSON.stringify(resources[a].Properties));
    // THEN managed termination protection is on, so the group protects new instances from scale-in
    template.hasResourceProperties('AWS::ECS::CapacityProvider', {
      AutoScalingGroupProvider: Match.objectLike({ ManagedTerminationProtection: 'ENABLED' }),
    });
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', { NewInstancesProtectedFromScaleIn: true });
    // AND CloudFormation deletes, in this order: the service, the cluster's capacity provider associations, the
    // capacity provider, the teardown resource (whose Delete releases the protected instances), the group
    expect(service.DependsOn).toEqual(expect.arrayContaining([association, provider]));
    expect(dependsOn(association, provider)).toBe(true);
    expect(dependsOn(provider, teardown)).toBe(true);
    expect(dependsOn(teardown, asg)).toBe(true);
    template.hasResourceProperties('Custom::ContainerInstanceTeardown', {
      AutoScalingGroupName: { Ref: asg },
    });
    // AND the teardown function's permissions and log group are deleted after it has run
    const [policy] = Object.entries(template.findResources('AWS::IAM::ManagedPolicy')).find(([, p]) =>
      JSON.stringify(p).includes('autoscaling:SetInstanceProtection'),
    )!;
    expect(resources[teardown].DependsOn).toEqual(expect.arrayContaining([policy]));
    // AND the teardown function (in the private subnets) is deleted before their routes to the internet, so its
    // Delete still reaches EC2 Auto Scaling and the response URL
    const [fn] = logicalIds(template, 'AWS::Lambda::Function').filter((id) => id.includes('Teardown'));
    expect(resources[teardown].DependsOn ?? []).not.toContain(fn); // a Ref (ServiceToken) orders them
    expect(JSON.stringify(resources[teardown].Properties)).toContain(`"${fn}"`);
    const privateRoutes = logicalIds(template, 'AWS::EC2::Route').filter((id) =>
      /PrivateSubnet\d+DefaultRoute/.test(id),
    );
    expect(privateRoutes.length).toBeGreaterThanOrEqual(2);
    expect(resources[fn].DependsOn).toEqual(expect.arrayContaining(privateRoutes));
    // AND the group depends on the cluster (its user data names it): the cluster goes last
    const group = template.findResources('AWS::AutoScaling::AutoScalingGroup')[asg];
    const lt = Object.values(template.findResources('AWS::EC2::LaunchTemplate'))[0];
    expect(JSON.stringify(lt.Properties.LaunchTemplateData.UserData)).toMatch(/"Ref":"WebCluster/);
    expect(JSON.stringify(group.Properties.MixedInstancesPolicy)).toMatch(/WebLaunchTemplate/);
  });

  test('the teardown function may release this group only', () => {
    const [asg] = logicalIds(template, 'AWS::AutoScaling::AutoScalingGroup');
    const policy = Object.values(template.findResources('AWS::IAM::ManagedPolicy')).find((p) =>
      JSON.stringify(p).includes('autoscaling:SetInstanceProtection'),
    )!;
    const statements = policy.Properties.PolicyDocument.Statement as {
      Sid: string;
      Action: unknown;
      Resource: unknown;
    }[];
    const release = statements.find((st) => st.Sid === 'ReleaseTheGroup')!;
    expect(release.Action).toEqual(['autoscaling:SetInstanceProtection', 'autoscaling:UpdateAutoScalingGroup']);
    expect(JSON.stringify(release.Resource)).toContain(`:autoScalingGroup:*:autoScalingGroupName/`);
    expect(JSON.stringify(release.Resource)).toContain(`{"Ref":"${asg}"}`);
    expect(statements.find((st) => st.Sid === 'DescribeGroups')).toMatchObject({
      Action: 'autoscaling:DescribeAutoScalingGroups',
      Resource: '*',
    });
  });

  test('runs tasks in awsvpc mode as a non-root user with a read-only root, reachable from the load balancer only', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      NetworkMode: 'awsvpc',
      RequiresCompatibilities: ['EC2'],
      ContainerDefinitions: [
        Match.objectLike({ User: '1000:1000', ReadonlyRootFilesystem: true, Privileged: false, Cpu: 256, Memory: 512 }),
      ],
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 80,
      ToPort: 80,
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebSecurityGroup'), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebLoadBalancer'), 'GroupId'] },
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { TargetType: 'ip', Port: 80 });
  });

  test('raises the FargateWebService alarms, each notifying the alarm topic', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(5);
    for (const alarm of alarms)
      expect(alarm.Properties.AlarmActions).toEqual(
        [{ Ref: Match.anyValue() }].map(() => ({ Ref: 'CdkComputePatternsAlarmsB7C35547' })),
      );
  });

  test('passes every Control Tower rule except the plain-HTTP listener the default has no certificate for', () => {
    const assembly = (stack.node.root as App).synth({ force: true });
    const file = path.resolve(assembly.directory, stack.templateFile);
    const failing = (runGuard([file]).get(file) ?? []).map((f) => f.rule).sort();
    expect(failing.filter((r) => !r.startsWith('s3_bucket_'))).toEqual(['alb_http_to_https_redirection_check']);
  });
});

describe('Ec2WebService options', () => {
  test('bridge mode maps dynamic host ports and opens only them, on the instances, to the load balancer', () => {
    const { template } = build({ networkMode: ecs.NetworkMode.BRIDGE, containerPort: 8080 });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      NetworkMode: 'bridge',
      ContainerDefinitions: [
        Match.objectLike({ PortMappings: [{ ContainerPort: 8080, HostPort: 0, Protocol: 'tcp' }] }),
      ],
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 32768,
      ToPort: 65535,
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebInstanceSecurityGroup'), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebLoadBalancer'), 'GroupId'] },
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { TargetType: 'instance' });
    template.hasResourceProperties('AWS::ECS::Service', { NetworkConfiguration: Match.absent() });
  });

  test('takes placement strategies and constraints, and a Spot mix above an on-demand base', () => {
    const { template } = build({
      placementStrategies: [ecs.PlacementStrategy.randomly()],
      placementConstraints: [ecs.PlacementConstraint.distinctInstances()],
      onDemandBaseCapacity: 1,
      onDemandPercentageAboveBaseCapacity: 25,
    });
    template.hasResourceProperties('AWS::ECS::Service', {
      PlacementStrategies: [{ Type: 'random' }],
      PlacementConstraints: [{ Type: 'distinctInstance' }],
    });
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      MixedInstancesPolicy: Match.objectLike({
        InstancesDistribution: Match.objectLike({ OnDemandBaseCapacity: 1, OnDemandPercentageAboveBaseCapacity: 25 }),
      }),
    });
    // AND the ECS agent drains the tasks of a Spot instance on its interruption notice (off by default; managed
    // draining does not see Spot interruptions)
    const userData = (template: Template) =>
      JSON.stringify(Object.values(template.findResources('AWS::EC2::LaunchTemplate'))[0].Properties);
    expect(userData(template)).toContain('echo ECS_ENABLE_SPOT_INSTANCE_DRAINING=true >> /etc/ecs/ecs.config');
    // AND on-demand only (the default), the setting is left out
    expect(userData(build().template)).not.toContain('ECS_ENABLE_SPOT_INSTANCE_DRAINING');
  });

  test('an x86 instance type gets the x86 ECS-optimized AMI', () => {
    const { template } = build({ instanceType: new ec2.InstanceType('m7i.large') });
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        ImageId: 'resolve:ssm:/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id',
      }),
    });
  });

  test('an image by digest from a SecureRepository gets no tag warning; latest does', () => {
    // GIVEN a repository and two services
    const stack = agnosticStack();
    const registry = new SecureRepository(stack, 'Registry');
    new Ec2WebService(stack, 'Pinned', { image: registry.imageForDigest(`sha256:${'b'.repeat(64)}`) });
    new Ec2WebService(stack, 'Latest', { image: registry.imageForTag('latest') });
    const annotations = Annotations.fromStack(stack);
    // THEN only the service on 'latest' is warned, with the reason
    annotations.hasNoWarning('/Agnostic/Pinned', Match.stringLikeRegexp('tag'));
    annotations.hasWarning(
      '/Agnostic/Latest',
      Match.stringLikeRegexp("the image is named by the tag 'latest', which is moved to each new build"),
    );
  });

  test('an untagged public image counts as latest and is warned about', () => {
    const { stack } = build({ image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx-unprivileged') });
    Annotations.fromStack(stack).hasWarning('/Agnostic/Web', Match.stringLikeRegexp("tag 'latest'"));
  });

  test('ECS Exec gets an encrypted, logged session channel on the cluster', () => {
    const { template } = build({ enableExecuteCommand: true, readonlyRootFilesystem: false });
    template.hasResourceProperties('AWS::ECS::Cluster', {
      Configuration: {
        ExecuteCommandConfiguration: Match.objectLike({
          KmsKeyId: Match.anyValue(),
          Logging: 'OVERRIDE',
          LogConfiguration: Match.objectLike({ CloudWatchEncryptionEnabled: true }),
        }),
      },
    });
    template.hasResourceProperties('AWS::ECS::Service', { EnableExecuteCommand: true });
  });
});

describe('Ec2WebService validation', () => {
  test.each([
    [
      'fails when minCapacity is 0',
      { minCapacity: 0 },
      'Agnostic/Web: minCapacity must be an integer between 1 and 5000; received 0',
    ],
    [
      'fails when instanceMinCapacity exceeds instanceMaxCapacity',
      { instanceMinCapacity: 5, instanceMaxCapacity: 3 },
      'Agnostic/Web: instanceMinCapacity (5) must not be greater than instanceMaxCapacity (3)',
    ],
    [
      'fails when the network mode is host',
      { networkMode: ecs.NetworkMode.HOST },
      'Agnostic/Web: networkMode must be AWS_VPC (a network interface and security group per task) or BRIDGE (dynamic host ports); received host',
    ],
    [
      'fails when the instance types mix architectures',
      { instanceType: new ec2.InstanceType('m7g.large'), additionalInstanceTypes: [new ec2.InstanceType('m7i.large')] },
      'Agnostic/Web: instanceType and additionalInstanceTypes must share one CPU architecture (one AMI and one image serve them all); received m7g.large (arm64), m7i.large (x86_64)',
    ],
    [
      'fails when the user is root',
      { user: 'root' },
      "Agnostic/Web: user must not be root; received 'root'. Give a non-root user such as '101' or '1000:1000', or omit user to keep the image's USER",
    ],
    [
      'fails when an environment variable carries a secret',
      { environment: { DB_PASSWORD: 'x' } },
      'Agnostic/Web: environment must not carry secrets; received DB_PASSWORD',
    ],
    [
      'fails when onDemandPercentageAboveBaseCapacity is over 100',
      { onDemandPercentageAboveBaseCapacity: 120 },
      'Agnostic/Web: onDemandPercentageAboveBaseCapacity must be an integer between 0 and 100; received 120',
    ],
  ])('%s', (_name, props, message) => {
    expect(() => build(props as Partial<Ec2WebServiceProps>)).toThrow(message);
  });

  test('fails when the subnets are public (environment-specific stack)', () => {
    const stack = specificStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
    expect(() => build({ vpc, vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } }, stack)).toThrow(
      /^Specific\/Web: vpcSubnets must select private subnets: container instances and tasks get no public IP address/,
    );
  });

  test('warns when minCapacity is 1 instead of failing', () => {
    const { stack } = build({ minCapacity: 1, desiredCount: 1 });
    Annotations.fromStack(stack).hasWarning('/Agnostic/Web', Match.stringLikeRegexp('minCapacity is 1'));
  });

  test('instanceMinCapacity 1 is the warning cdk-compute-patterns:singleContainerInstance, not singleInstance', () => {
    const { stack } = build({ instanceMinCapacity: 1 });
    const warnings = Annotations.fromStack(stack).findWarning('/Agnostic/Web', Match.anyValue());
    const ids = warnings.map((w) => /\[ack: ([^\]]+)\]$/.exec(String(w.entry.data))?.[1]);
    expect(ids).toContain('cdk-compute-patterns:singleContainerInstance');
    expect(ids).not.toContain('cdk-compute-patterns:singleInstance');
  });
});

describe('Ec2WebService in subnets without egress', () => {
  /** The interface endpoints' services (the last part of each ServiceName), sorted. */
  const endpointServices = (template: Template) =>
    Object.values(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } }))
      .map(
        (e) =>
          /\.(ecr\.api|ecr\.dkr|ecs-agent|ecs-telemetry|[a-z0-9]+)\\?"[\]}]*"?$/.exec(
            JSON.stringify(e.Properties.ServiceName),
          )![1],
      )
      .sort();
  /** The logical ids the service waits for. */
  const serviceDependsOn = (template: Template): string[] =>
    Object.values(template.findResources('AWS::ECS::Service'))[0].DependsOn as string[];
  const INSTANCE_ENDPOINTS = [
    'ec2messages',
    'ecr.api',
    'ecr.dkr',
    'ecs',
    'ecs-agent',
    'ecs-telemetry',
    'kms',
    'logs',
    'ssm',
    'ssmmessages',
  ];
  const PUBLIC_REGISTRY = (subject: string, image: string) =>
    `Agnostic/Web: ${subject} '${image}' comes from a public registry, which tasks in subnets without egress (PRIVATE_ISOLATED: Agnostic/Vpc/PrivateSubnet1, Agnostic/Vpc/PrivateSubnet2) cannot reach: VPC endpoints serve AWS APIs and private ECR only. Copy the image to a private ECR repository (or create an ECR pull-through cache rule) and use ecs.ContainerImage.fromEcrRepository, build it with ecs.ContainerImage.fromAsset, or select subnets with egress (NAT)`;

  test('adds the endpoints the container instances and the ECS agent reach AWS through; the service waits for them', () => {
    // GIVEN a VPC without NAT gateways in the same stack and a private ECR image
    const stack = agnosticStack();
    const vpc = new SecureVpc(stack, 'Vpc', { natGateways: 0 });
    // WHEN the service runs in its isolated subnets
    const { template } = build({ vpc, image: PRIVATE_IMAGE, internetFacing: false }, stack);
    // THEN the instance endpoints exist (beside autoscaling and xray, which the teardown function calls), and the
    // service is created after them
    expect(endpointServices(template)).toEqual([...INSTANCE_ENDPOINTS, 'autoscaling', 'xray'].sort());
    const ids = [
      'Ecs',
      'EcsAgent',
      'EcsTelemetry',
      'EcrApi',
      'EcrDocker',
      'Logs',
      'Ssm',
      'SsmMessages',
      'Ec2Messages',
      'Kms',
    ].map((name) => stack.getLogicalId(vpc.node.findChild(`Endpoint${name}`).node.defaultChild as ec2.CfnVPCEndpoint));
    // (and the S3 gateway endpoint, the subnets' only route to the image layers)
    const [s3Gateway] = Object.keys(
      template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Gateway' } }),
    ).filter((id) => id.includes('S3'));
    expect(serviceDependsOn(template)).toEqual(expect.arrayContaining([...ids, s3Gateway]));
  });

  test('the teardown function depends on the endpoints it calls on stack deletion, so they are deleted after it', () => {
    // GIVEN a service in isolated subnets
    const stack = agnosticStack();
    const vpc = new SecureVpc(stack, 'Vpc', { natGateways: 0 });
    const { template } = build({ vpc, image: PRIVATE_IMAGE, internetFacing: false }, stack);
    // THEN the teardown function (which runs after the service and the capacity provider are gone) depends on the
    // EC2 Auto Scaling and X-Ray endpoints and on the S3 gateway endpoint its response to CloudFormation goes
    // through: nothing else depends on them, so without this CloudFormation could delete them first
    const endpointId = (name: string) =>
      stack.getLogicalId(vpc.node.findChild(`Endpoint${name}`).node.defaultChild as ec2.CfnVPCEndpoint);
    const [s3Gateway] = Object.keys(
      template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Gateway' } }),
    ).filter((id) => id.includes('S3'));
    const [fn] = Object.entries(template.findResources('AWS::Lambda::Function')).filter(([id]) =>
      id.includes('Teardown'),
    );
    expect(fn[1].DependsOn).toEqual(expect.arrayContaining([endpointId('AutoScaling'), endpointId('XRay'), s3Gateway]));
  });

  test('fails when the application image comes from a public registry, which no endpoint serves', () => {
    const stack = agnosticStack();
    const vpc = new SecureVpc(stack, 'Vpc', { natGateways: 0 });
    expect(() => build({ vpc, internetFacing: false, vpcEndpointsProvided: true }, stack)).toThrow(
      new Error(PUBLIC_REGISTRY('image', 'public.ecr.aws/nginx/nginx-unprivileged:1.27-alpine')),
    );
  });

  test('fails when a sidecar image comes from a public registry, as for the application image', () => {
    const stack = agnosticStack();
    const vpc = new SecureVpc(stack, 'Vpc', { natGateways: 0 });
    const web = new Ec2WebService(stack, 'Web', { vpc, image: PRIVATE_IMAGE, internetFacing: false });
    const otel = 'public.ecr.aws/aws-observability/aws-otel-collector:v0.41.1';
    expect(() => web.addSidecar('otel', { image: ecs.ContainerImage.fromRegistry(otel) })).toThrow(
      new Error(PUBLIC_REGISTRY("addSidecar('otel') image", otel)),
    );
    expect(web.sidecars).toEqual([]);
  });

  test("adds the Secrets Manager endpoint a sidecar's secrets are read through; the service waits for it", () => {
    // GIVEN a service whose application container has no secrets
    const stack = agnosticStack();
    const vpc = new SecureVpc(stack, 'Vpc', { natGateways: 0 });
    const web = new Ec2WebService(stack, 'Web', { vpc, image: PRIVATE_IMAGE, internetFacing: false });
    // WHEN a sidecar reads a Secrets Manager secret
    const secret = new secretsmanager.Secret(stack, 'ApiKey');
    web.addSidecar('agent', { image: PRIVATE_IMAGE, secrets: { API_KEY: ecs.Secret.fromSecretsManager(secret) } });
    // THEN the endpoint is there, the service waits for it, and the instances may reach it
    const template = Template.fromStack(stack);
    expect(endpointServices(template)).toEqual([...INSTANCE_ENDPOINTS, 'autoscaling', 'secretsmanager', 'xray'].sort());
    const id = stack.getLogicalId(vpc.node.findChild('EndpointSecretsManager').node.defaultChild as ec2.CfnVPCEndpoint);
    expect(serviceDependsOn(template)).toContain(id);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      Description: 'HTTPS to secretsmanager',
      SourceSecurityGroupId: {
        'Fn::GetAtt': [
          stack.getLogicalId(web.instanceSecurityGroup.node.defaultChild as ec2.CfnSecurityGroup),
          'GroupId',
        ],
      },
    });
  });

  test('warns about Docker Hub images (application and sidecar) in subnets with egress', () => {
    const stack = agnosticStack();
    const web = new Ec2WebService(stack, 'Web', { image: ecs.ContainerImage.fromRegistry('nginx:1.27') });
    web.addSidecar('proxy', { image: ecs.ContainerImage.fromRegistry('envoyproxy/envoy:v1.31.2') });
    const warnings = Annotations.fromStack(stack)
      .findWarning('/Agnostic/Web', Match.stringLikeRegexp('Docker Hub'))
      .map((w) => String(w.entry.data));
    expect(warnings).toEqual([
      expect.stringMatching(
        /^image 'nginx:1\.27' is pulled from Docker Hub, .*\[ack: cdk-compute-patterns:dockerHubImage\]$/,
      ),
      expect.stringMatching(
        /^addSidecar\('proxy'\) image 'envoyproxy\/envoy:v1\.31\.2' is pulled from Docker Hub, .*\[ack: cdk-compute-patterns:dockerHubImage\]$/,
      ),
    ]);
  });
});

describe('Ec2WebService sidecars', () => {
  /** The task definition's containers, by name. */
  function containers(template: Template): Record<string, Record<string, unknown>> {
    const td = Object.values(template.findResources('AWS::ECS::TaskDefinition'))[0];
    const defs = td.Properties.ContainerDefinitions as Record<string, unknown>[];
    return Object.fromEntries(defs.map((d) => [d.Name as string, d]));
  }

  for (const [kind, makeStack] of [
    ['environment-agnostic', () => agnosticStack()],
    ['environment-specific', () => specificStack()],
  ] as const) {
    test(`addSidecar keeps the secure defaults and a 256 MiB hard limit; 'web' reserves what it leaves (${kind} stack)`, () => {
      // GIVEN a service with the default 512 MiB
      const stack = makeStack();
      const web = new Ec2WebService(stack, 'Web', { image: IMAGE });
      // WHEN a sidecar is added, as on FargateWebService
      const sidecar = web.addSidecar('otel', { image: IMAGE, containerPorts: [4317] });
      // THEN it is non-root, read-only, not privileged, not essential, logs to the service's log group, and
      // has a hard limit (CT.ECS.PR.7); 'web' keeps 512 as its limit and reserves 256, so the task still
      // reserves 512 MiB on the instance
      const c = containers(Template.fromStack(stack));
      expect(c.otel).toMatchObject({
        User: '1000:1000',
        ReadonlyRootFilesystem: true,
        Privileged: false,
        Essential: false,
        Memory: 256,
        PortMappings: [{ ContainerPort: 4317, Protocol: 'tcp' }],
        LogConfiguration: {
          LogDriver: 'awslogs',
          Options: expect.objectContaining({ 'awslogs-stream-prefix': 'otel' }),
        },
      });
      expect(c.otel).not.toHaveProperty('MemoryReservation');
      expect([c.web.Memory, c.web.MemoryReservation]).toEqual([512, 256]);
      expect(web.sidecars).toEqual([sidecar]);
    });

    test(`fails when a sidecar's memoryLimitMiB exceeds the service's memoryLimitMiB (${kind} stack)`, () => {
      const stack = makeStack();
      const web = new Ec2WebService(stack, 'Web', { image: IMAGE, memoryLimitMiB: 512 });
      expect(() => web.addSidecar('agent', { image: IMAGE, memoryLimitMiB: 1024 })).toThrow(
        new Error(
          `${stack.stackName}/Web: addSidecar('agent') memoryLimitMiB must be at most the task's memoryLimitMiB 512 (ECS refuses a container whose hard limit exceeds its task's memory); received 1024. Lower it, or raise the service's memoryLimitMiB`,
        ),
      );
    });

    test(`fails when a sidecar's memoryReservationMiB exceeds its memoryLimitMiB (${kind} stack)`, () => {
      const stack = makeStack();
      const web = new Ec2WebService(stack, 'Web', { image: IMAGE });
      expect(() => web.addSidecar('agent', { image: IMAGE, memoryLimitMiB: 64, memoryReservationMiB: 128 })).toThrow(
        new Error(
          `${stack.stackName}/Web: addSidecar('agent') memoryReservationMiB must be at most its memoryLimitMiB 64 (the reservation is the part of the hard limit set aside for the container); received 128. Lower memoryReservationMiB or raise memoryLimitMiB`,
        ),
      );
    });

    test(`fails at synth when the sidecars' memory leaves 'web' less than 6 MiB (${kind} stack)`, () => {
      const stack = makeStack();
      const web = new Ec2WebService(stack, 'Web', { image: IMAGE, memoryLimitMiB: 512 });
      web.addSidecar('otel', { image: IMAGE, memoryLimitMiB: 300 });
      web.addSidecar('logs', { image: IMAGE, memoryLimitMiB: 300, memoryReservationMiB: 210 });
      expect(() => Template.fromStack(stack)).toThrow(
        `${stack.stackName}/Web: the containers next to 'web' reserve 510 MiB ('otel' 300 MiB, 'logs' 210 MiB) and 'web' needs at least 6 MiB: 516 MiB, more than the task's memoryLimitMiB 512. ECS counts each container's memoryReservationMiB, or its memoryLimitMiB when it has none, and the sum must fit in the task's memory: give the sidecars a smaller memoryReservationMiB (their memoryLimitMiB can stay), or raise the service's memoryLimitMiB`,
      );
    });

    test(`fails when a sidecar has containerPorts in BRIDGE network mode (${kind} stack)`, () => {
      const stack = makeStack();
      const web = new Ec2WebService(stack, 'Web', { image: IMAGE, networkMode: ecs.NetworkMode.BRIDGE });
      expect(() => web.addSidecar('otel', { image: IMAGE, containerPorts: [4317] })).toThrow(
        new Error(
          `${stack.stackName}/Web: addSidecar('otel') containerPorts need the AWS_VPC network mode, in which the containers of a task share localhost; in BRIDGE mode each container has its own network namespace and a port would be published on a dynamic host port instead; received containerPorts 4317 with networkMode BRIDGE. Use networkMode AWS_VPC, or leave containerPorts out`,
        ),
      );
    });
  }

  test('fails when a sidecar runs as root, or takes the application container name, as on FargateWebService', () => {
    const stack = agnosticStack();
    const web = new Ec2WebService(stack, 'Web', { image: IMAGE });
    expect(() => web.addSidecar('proxy', { image: IMAGE, user: '0:0' })).toThrow(
      new Error(
        "Agnostic/Web: addSidecar('proxy') user must not be root; received '0:0'. Give a non-root user such as '1000:1000'",
      ),
    );
    expect(() => web.addSidecar('web', { image: IMAGE })).toThrow(
      new Error(
        "Agnostic/Web: addSidecar id must be 1 to 255 letters, digits, '-' and '_' and not 'web' (the application container); received 'web'",
      ),
    );
  });

  test('a sidecar without ports runs in BRIDGE mode, with a hard limit', () => {
    const stack = agnosticStack();
    const web = new Ec2WebService(stack, 'Web', { image: IMAGE, networkMode: ecs.NetworkMode.BRIDGE });
    web.addSidecar('logs', { image: IMAGE, memoryLimitMiB: 64 });
    const c = containers(Template.fromStack(stack));
    expect([c.logs.Memory, c.web.Memory, c.web.MemoryReservation]).toEqual([64, 512, 448]);
  });

  test('a sidecar from private ECR routes ecr:GetAuthorizationToken to the acknowledged policy of its own', () => {
    // GIVEN a service with a public image, under AwsSolutions
    const report = checkNag((outdir) => {
      const app = testApp({ outdir });
      const stack = new Stack(app, 'Sidecar');
      const web = new Ec2WebService(stack, 'Web', { image: IMAGE, protocol: elbv2.ApplicationProtocol.HTTP });
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

  test('passes every ECS Control Tower rule with a sidecar, and fails CT.ECS.PR.7 for a container without a hard limit', () => {
    // GIVEN a sidecar from addSidecar
    const withSidecar = new Stack(testApp(), 'WithSidecar');
    new Ec2WebService(withSidecar, 'Web', { image: IMAGE }).addSidecar('otel', { image: IMAGE });
    // AND a container added with a reservation only
    const without = new Stack(testApp(), 'NoHardLimit');
    const web = new Ec2WebService(without, 'Web', { image: IMAGE });
    web.taskDefinition.addContainer('Proxy', {
      image: IMAGE,
      user: '1000',
      readonlyRootFilesystem: true,
      memoryReservationMiB: 64,
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'proxy', logGroup: web.logGroup }),
    });
    // WHEN both templates are checked (one cfn-guard run: the rule files are parsed once)
    const guard = guardBatch(() => ({ withSidecar, without }))();
    const ecsRules = (key: 'withSidecar' | 'without') => guard.failing(key).filter((r) => r.startsWith('ecs_'));
    // THEN every ECS rule passes with the sidecar, and the hard-limit rule fails without one, so the check can fail
    expect(ecsRules('withSidecar')).toEqual([]);
    expect(ecsRules('without')).toEqual(['ecs_task_definition_memory_hard_limit_check']);
  });
});
