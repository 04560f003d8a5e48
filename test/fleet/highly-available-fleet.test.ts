import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CfnParameter, Duration, RemovalPolicy, Size, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { HighlyAvailableFleet, HighlyAvailableFleetProps } from '../../lib';
import { agnosticStack, specificStack, testApp } from '../support/cdk-context';
import { checkCompliance, runGuard } from '../support/compliance';
import { checkNag } from '../support/nag-check';
import { once } from '../support/shared';

const CERTIFICATE_ARN = 'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';

function fleetIn(
  stack: Stack,
  props: HighlyAvailableFleetProps = {},
): { fleet: HighlyAvailableFleet; template: Template } {
  const fleet = new HighlyAvailableFleet(stack, 'Fleet', props);
  return { fleet, template: Template.fromStack(stack) };
}

/** The single resource of `type` in the template, with its logical id. */
function only(template: Template, type: string): { id: string; resource: { Properties: Record<string, unknown> } } {
  const found = Object.entries(template.findResources(type));
  expect(found).toHaveLength(1);
  const [id, resource] = found[0];
  return { id, resource: resource as { Properties: Record<string, unknown> } };
}

function userDataText(template: Template): string {
  const lt = only(template, 'AWS::EC2::LaunchTemplate').resource.Properties as {
    LaunchTemplateData: { UserData: { 'Fn::Base64': unknown } };
  };
  return JSON.stringify(lt.LaunchTemplateData.UserData['Fn::Base64']);
}

/**
 * Failing Control Tower rules for one template, leaving out the two findings
 * inherent to the stack's shared access-log bucket (SSE-S3 only, no logging of
 * the log bucket itself; reviewed and exempted for the SharedLogging sample).
 */
function guardFailures(template: Template): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-guard-'));
  try {
    const file = path.join(dir, 'template.json');
    fs.writeFileSync(file, JSON.stringify(template.toJSON()));
    return (runGuard([file]).get(path.resolve(file)) ?? [])
      .filter((f) => !f.resources.every((r) => r.startsWith('CdkComputePatternsAccessLogs')))
      .map((f) => f.rule)
      .sort();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The fleet with no props, synthesized once per kind of stack and read by every test below that only reads it
 * (a test that adds constructs or needs other props builds its own).
 */
const DEFAULTS = {
  agnostic: once(() => fleetIn(agnosticStack())),
  specific: once(() => fleetIn(specificStack())),
};

describe.each([
  ['environment-agnostic', DEFAULTS.agnostic],
  ['environment-specific', DEFAULTS.specific],
])('HighlyAvailableFleet defaults in an %s stack', (_kind, defaults) => {
  let fleet: HighlyAvailableFleet;
  let template: Template;
  beforeAll(() => {
    // GIVEN a stack WHEN the fleet is created with no props
    ({ fleet, template } = defaults());
  });

  test('uses a launch template, never a launch configuration', () => {
    template.resourceCountIs('AWS::AutoScaling::LaunchConfiguration', 0);
    template.resourceCountIs('AWS::EC2::LaunchTemplate', 1);
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      LaunchConfigurationName: Match.absent(),
      MixedInstancesPolicy: {
        LaunchTemplate: {
          LaunchTemplateSpecification: {
            LaunchTemplateId: { Ref: only(template, 'AWS::EC2::LaunchTemplate').id },
          },
        },
      },
    });
  });

  test('hardens the launch template: IMDSv2 only with hop limit 1, encrypted gp3 root, no public IP, detailed monitoring, no key pair', () => {
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: {
        MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1, HttpEndpoint: 'enabled' },
        BlockDeviceMappings: [
          {
            DeviceName: '/dev/xvda',
            Ebs: {
              Encrypted: true,
              VolumeType: 'gp3',
              VolumeSize: 8,
              DeleteOnTermination: true,
              KmsKeyId: Match.absent(),
            },
          },
        ],
        NetworkInterfaces: [Match.objectLike({ AssociatePublicIpAddress: false, DeviceIndex: 0 })],
        Monitoring: { Enabled: true },
        InstanceType: 'c7g.medium',
        KeyName: Match.absent(),
      },
    });
  });

  test('boots Amazon Linux 2023 for arm64 resolved at launch, so that a new release never changes the template', () => {
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: {
        ImageId: 'resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64',
      },
    });
    // No SSM parameter resolved by CloudFormation at deploy time: that one rolls the fleet on every release.
    expect(template.findParameters('*', { Type: Match.stringLikeRegexp('AWS::EC2::Image::Id') })).toEqual({});
  });

  test('gives the instances a role with the Session Manager actions only and a signal permission on this stack', () => {
    const roleId = template.getResourceId('AWS::IAM::Role', {
      Properties: {
        AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'ec2.amazonaws.com' } })] },
      },
    });
    // AmazonSSMManagedInstanceCore would allow ssm:GetParameter(s) on every parameter of the account.
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'ec2.amazonaws.com' } })],
      },
      ManagedPolicyArns: Match.absent(),
      Policies: Match.absent(),
    });
    const attached = { Properties: { Roles: [{ Ref: roleId }] } };
    const policies = Object.values({
      ...template.findResources('AWS::IAM::Policy', attached),
      ...template.findResources('AWS::IAM::ManagedPolicy', attached),
    }).map((p) => p.Properties.PolicyDocument.Statement);
    expect(policies).toHaveLength(2);
    expect(policies).toContainEqual([
      { Action: 'cloudformation:SignalResource', Effect: 'Allow', Resource: { Ref: 'AWS::StackId' } },
    ]);
    expect(policies).toContainEqual([
      {
        Sid: 'SessionManager',
        Action: [
          'ssm:UpdateInstanceInformation',
          'ssmmessages:CreateControlChannel',
          'ssmmessages:CreateDataChannel',
          'ssmmessages:OpenControlChannel',
          'ssmmessages:OpenDataChannel',
        ],
        Effect: 'Allow',
        Resource: '*',
      },
    ]);
  });

  test('runs two Graviton3 instance types On-Demand through a mixed-instances policy', () => {
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      MixedInstancesPolicy: {
        LaunchTemplate: { Overrides: [{ InstanceType: 'c7g.medium' }, { InstanceType: 'm7g.medium' }] },
        InstancesDistribution: {
          OnDemandAllocationStrategy: 'prioritized',
          OnDemandBaseCapacity: 0,
          OnDemandPercentageAboveBaseCapacity: 100,
          SpotAllocationStrategy: 'price-capacity-optimized',
        },
      },
      CapacityRebalance: Match.absent(),
    });
  });

  test('spreads the group over the private subnets of two Availability Zones and names those zones', () => {
    const group = only(template, 'AWS::AutoScaling::AutoScalingGroup').resource.Properties as {
      VPCZoneIdentifier: { Ref: string }[];
      AvailabilityZones: unknown[];
    };
    expect(group.VPCZoneIdentifier.length).toBeGreaterThanOrEqual(2);
    const privateSubnets = fleet.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS });
    expect(group.VPCZoneIdentifier).toEqual(
      privateSubnets.subnets.map((s) => ({ Ref: Stack.of(fleet).getLogicalId(s.node.defaultChild as ec2.CfnSubnet) })),
    );
    expect(group.AvailabilityZones).toHaveLength(group.VPCZoneIdentifier.length);
    expect(new Set(group.AvailabilityZones.map((az) => JSON.stringify(az))).size).toBe(group.AvailabilityZones.length);
  });

  test('sizes the group 2..4 without a desired capacity, so deployments do not reset it', () => {
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      MinSize: '2',
      MaxSize: '4',
      DesiredCapacity: Match.absent(),
    });
  });

  test('replaces instances that fail load balancer health checks after a 300 s grace period', () => {
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      HealthCheckType: 'ELB',
      HealthCheckGracePeriod: 300,
      TargetGroupARNs: [{ Ref: only(template, 'AWS::ElasticLoadBalancingV2::TargetGroup').id }],
      InstanceMaintenancePolicy: { MinHealthyPercentage: 100, MaxHealthyPercentage: 200 },
    });
  });

  test('rolls launch template changes out one instance at a time, waiting for each new instance to signal', () => {
    template.hasResource('AWS::AutoScaling::AutoScalingGroup', {
      CreationPolicy: { ResourceSignal: { Count: 2, Timeout: 'PT15M' } },
      UpdatePolicy: {
        AutoScalingRollingUpdate: {
          MaxBatchSize: 1,
          MinInstancesInService: 2,
          WaitOnResourceSignals: true,
          PauseTime: 'PT15M',
        },
      },
    });
  });

  test('sends every scaling event to the encrypted alarm topic, whose key lets EC2 Auto Scaling publish', () => {
    const topic = only(template, 'AWS::SNS::Topic');
    expect(topic.resource.Properties.KmsMasterKeyId).toBeDefined();
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      NotificationConfigurations: [
        {
          TopicARN: { Ref: topic.id },
          NotificationTypes: [
            'autoscaling:EC2_INSTANCE_LAUNCH',
            'autoscaling:EC2_INSTANCE_LAUNCH_ERROR',
            'autoscaling:EC2_INSTANCE_TERMINATE',
            'autoscaling:EC2_INSTANCE_TERMINATE_ERROR',
          ],
        },
      ],
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          // The explicit topic policy replaces SNS's default one: alarms need their own allow.
          Match.objectLike({
            Sid: 'AllowCloudWatchAlarmsToPublish',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AllowAutoScalingNotifications',
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: {
              ArnEquals: {
                'aws:PrincipalArn': {
                  'Fn::Join': [
                    '',
                    Match.arrayWith([':role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling']),
                  ],
                },
              },
            },
          }),
        ]),
      },
    });
    expect(fleet.alarmTopic).toBeDefined();
  });

  test('lets only the load balancer security group reach the instances, on the instance port', () => {
    const instanceSg = template.getResourceId('AWS::EC2::SecurityGroup', {
      Properties: { GroupDescription: Match.stringLikeRegexp('^Instances of') },
    });
    const albSg = Stack.of(fleet).getLogicalId(
      fleet.loadBalancerSecurityGroup.node.defaultChild as ec2.CfnSecurityGroup,
    );
    const ingress = Object.values(
      template.findResources('AWS::EC2::SecurityGroupIngress', {
        Properties: { GroupId: { 'Fn::GetAtt': [instanceSg, 'GroupId'] } },
      }),
    );
    expect(ingress.map((r) => r.Properties)).toEqual([
      expect.objectContaining({
        IpProtocol: 'tcp',
        FromPort: 80,
        ToPort: 80,
        SourceSecurityGroupId: { 'Fn::GetAtt': [albSg, 'GroupId'] },
      }),
    ]);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^Instances of'),
      SecurityGroupIngress: Match.absent(),
    });
  });

  test('puts an internet-facing ALB with access logs, dropped invalid headers and deletion protection in front', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internet-facing',
      // arrayWith keeps order: the attributes as SecureLoadBalancer sets them.
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'deletion_protection.enabled', Value: 'true' },
        { Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' },
        { Key: 'access_logs.s3.enabled', Value: 'true' },
      ]),
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [
        { Type: 'forward', TargetGroupArn: { Ref: only(template, 'AWS::ElasticLoadBalancingV2::TargetGroup').id } },
      ],
    });
    expect(fleet.listener.node.path).toMatch(/Http$/);
    expect(fleet.redirectListener).toBeUndefined();
    const albId = only(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer').id;
    expect(Stack.of(fleet).resolve(fleet.url)).toEqual({
      'Fn::Join': ['', ['http://', { 'Fn::GetAtt': [albId, 'DNSName'] }]],
    });
  });

  test('health-checks the instances on / over the traffic port', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 80,
      Protocol: 'HTTP',
      TargetType: 'instance',
      HealthCheckPath: '/',
      HealthyThresholdCount: 2,
      UnhealthyThresholdCount: 3,
      Matcher: { HttpCode: '200-399' },
    });
  });

  test('scales on average CPU with a target of 50 percent and not on request count', () => {
    template.resourceCountIs('AWS::AutoScaling::ScalingPolicy', 1);
    template.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingConfiguration: {
        PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageCPUUtilization' },
        TargetValue: 50,
      },
    });
  });

  test('alarms on unhealthy hosts, target 5xx and load balancer 5xx, each notifying the topic', () => {
    const topic = only(template, 'AWS::SNS::Topic').id;
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    for (const [metric, alarm] of [
      ['UnHealthyHostCount', fleet.alarms.unhealthyHosts],
      ['HTTPCode_Target_5XX_Count', fleet.alarms.target5xx],
      ['HTTPCode_ELB_5XX_Count', fleet.alarms.loadBalancer5xx],
    ] as const) {
      const id = Stack.of(fleet).getLogicalId(alarm.node.defaultChild as cloudwatch.CfnAlarm);
      expect(template.findResources('AWS::CloudWatch::Alarm')[id].Properties).toMatchObject({
        MetricName: metric,
        AlarmActions: [{ Ref: topic }],
      });
    }
    expect(Object.keys(fleet.alarms).sort()).toEqual(['loadBalancer5xx', 'target5xx', 'unhealthyHosts']);
  });

  test('installs a web server whose page shows the instance id and Availability Zone read with IMDSv2, then signals', () => {
    const text = userDataText(template);
    expect(text).toContain('dnf install -y httpd');
    expect(text).toContain('X-aws-ec2-metadata-token-ttl-seconds');
    expect(text).toContain('meta-data/instance-id');
    expect(text).toContain('meta-data/placement/availability-zone');
    expect(text).toContain('<p>Instance: INSTANCE_ID</p>');
    expect(text).toContain('systemctl enable --now httpd');
    expect(text).toContain('/opt/aws/bin/cfn-signal');
    expect(text).toContain(only(template, 'AWS::AutoScaling::AutoScalingGroup').id);
  });

  test('exposes every resource it creates', () => {
    expect(fleet.autoScalingGroup).toBeInstanceOf(autoscaling.AutoScalingGroup);
    expect(fleet.launchTemplate).toBeInstanceOf(ec2.LaunchTemplate);
    expect(fleet.loadBalancer.node.path).toMatch(/Fleet\/LoadBalancer\/LoadBalancer$/);
    expect(fleet.targetGroup.node.path).toMatch(/Fleet\/TargetGroup$/);
    expect(fleet.instanceRole.node.path).toMatch(/Fleet\/InstanceRole$/);
    expect(fleet.securityGroup.node.path).toMatch(/Fleet\/InstanceSecurityGroup$/);
    expect(fleet.url).toMatch(/^http:\/\//);
  });
});

describe('HighlyAvailableFleet compliance', () => {
  test('passes every Control Tower rule except the HTTP redirect when it serves plain HTTP', () => {
    const { template } = DEFAULTS.agnostic();
    expect(guardFailures(template)).toEqual(['alb_http_to_https_redirection_check']);
  });

  test('passes every Control Tower rule, the HTTPS ones included, with a certificate', () => {
    const stack = specificStack();
    const { template } = fleetIn(stack, {
      certificate: acm.Certificate.fromCertificateArn(stack, 'Certificate', CERTIFICATE_ARN),
    });
    expect(guardFailures(template)).toEqual([]);
  });
  test('leaves no cdk-nag finding unacknowledged, internal and HTTPS with Spot included', () => {
    // GIVEN a fleet with most options on, checked by both cdk-nag packs
    const report = checkCompliance((outdir) => {
      const app = testApp({ outdir });
      const stack = new Stack(app, 'Options', { env: { account: '123456789012', region: 'eu-west-1' } });
      new HighlyAvailableFleet(stack, 'Fleet', {
        certificate: acm.Certificate.fromCertificateArn(stack, 'Certificate', CERTIFICATE_ARN),
        internetFacing: false,
        targetRequestsPerMinute: 600,
        onDemandBaseCapacity: 2,
        onDemandPercentageAboveBaseCapacity: 0,
      });
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
      return app;
    }, []);
    // THEN nothing is open under cdk-nag, and cfn-guard reports only the shared log bucket's inherent findings
    const stack = report.stacks.find((s) => s.stack === 'Options')!;
    expect(stack.nagViolations).toEqual([]);
    expect(
      stack.guardFailures.filter((g) => !g.resources.every((r) => r.startsWith('CdkComputePatternsAccessLogs'))),
    ).toEqual([]);
  });
});

describe('HighlyAvailableFleet options', () => {
  test('serves HTTPS on 443 and redirects 80 to HTTPS when given a certificate', () => {
    // GIVEN a certificate
    const stack = agnosticStack();
    const certificate = acm.Certificate.fromCertificateArn(stack, 'Certificate', CERTIFICATE_ARN);
    // WHEN
    const { fleet, template } = fleetIn(stack, { certificate });
    // THEN
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: CERTIFICATE_ARN }],
      DefaultActions: [Match.objectLike({ Type: 'forward' })],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [
        Match.objectLike({ Type: 'redirect', RedirectConfig: Match.objectLike({ Protocol: 'HTTPS', Port: '443' }) }),
      ],
    });
    expect(fleet.redirectListener).toBeDefined();
    expect(fleet.url).toMatch(/^https:\/\//);
  });

  test('runs part of the fleet on Spot with several instance types and capacity rebalancing', () => {
    const { template } = fleetIn(agnosticStack(), {
      instanceType: new ec2.InstanceType('m7g.large'),
      additionalInstanceTypes: [new ec2.InstanceType('c7g.large'), new ec2.InstanceType('m6g.large')],
      minCapacity: 3,
      maxCapacity: 9,
      onDemandBaseCapacity: 3,
      onDemandPercentageAboveBaseCapacity: 25,
      spotAllocationStrategy: autoscaling.SpotAllocationStrategy.CAPACITY_OPTIMIZED_PRIORITIZED,
    });
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      CapacityRebalance: true,
      MixedInstancesPolicy: {
        LaunchTemplate: {
          Overrides: [{ InstanceType: 'm7g.large' }, { InstanceType: 'c7g.large' }, { InstanceType: 'm6g.large' }],
        },
        InstancesDistribution: {
          OnDemandBaseCapacity: 3,
          OnDemandPercentageAboveBaseCapacity: 25,
          SpotAllocationStrategy: 'capacity-optimized-prioritized',
        },
      },
    });
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', { LaunchTemplateData: { InstanceType: 'm7g.large' } });
  });

  test('uses price-capacity-optimized Spot allocation by default', () => {
    const { template } = fleetIn(agnosticStack(), { onDemandPercentageAboveBaseCapacity: 0 });
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      CapacityRebalance: true,
      MixedInstancesPolicy: {
        InstancesDistribution: {
          OnDemandPercentageAboveBaseCapacity: 0,
          SpotAllocationStrategy: 'price-capacity-optimized',
        },
      },
    });
  });

  test('warns when Spot runs with a single instance type', () => {
    const stack = agnosticStack();
    new HighlyAvailableFleet(stack, 'Fleet', {
      instanceType: new ec2.InstanceType('c7g.large'),
      onDemandPercentageAboveBaseCapacity: 50,
    });
    Annotations.fromStack(stack).hasWarning(
      '/Agnostic/Fleet',
      Match.stringLikeRegexp('Spot capacity with a single instance type'),
    );
  });

  test('runs a single given instance type with the Amazon Linux 2023 image of its architecture', () => {
    const { template } = fleetIn(agnosticStack(), { instanceType: new ec2.InstanceType('m7i.large') });
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      MixedInstancesPolicy: { LaunchTemplate: { Overrides: [{ InstanceType: 'm7i.large' }] } },
    });
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: {
        ImageId: 'resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
      },
    });
  });

  test('uses the given machine image, key pair, root volume size and key', () => {
    const stack = agnosticStack();
    const key = new kms.Key(stack, 'VolumeKey');
    const { template } = fleetIn(stack, {
      machineImage: ec2.MachineImage.genericLinux({ 'us-east-1': 'ami-12345678' }),
      keyPair: ec2.KeyPair.fromKeyPairName(stack, 'KeyPair', 'ops'),
      rootVolumeSize: Size.gibibytes(30),
      rootVolumeDeviceName: '/dev/sda1',
      rootVolumeEncryptionKey: key,
    });
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: {
        KeyName: 'ops',
        BlockDeviceMappings: [
          {
            DeviceName: '/dev/sda1',
            Ebs: Match.objectLike({
              Encrypted: true,
              VolumeSize: 30,
              KmsKeyId: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] },
            }),
          },
        ],
      },
    });
  });

  test('sets the desired capacity when given', () => {
    const { template } = fleetIn(agnosticStack(), { minCapacity: 2, maxCapacity: 6, desiredCapacity: 3 });
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      MinSize: '2',
      MaxSize: '6',
      DesiredCapacity: '3',
    });
  });

  test('keeps MinInstancesInService below MaxSize when minCapacity equals maxCapacity', () => {
    const { template } = fleetIn(agnosticStack(), { minCapacity: 3, maxCapacity: 3 });
    template.hasResource('AWS::AutoScaling::AutoScalingGroup', {
      UpdatePolicy: { AutoScalingRollingUpdate: Match.objectLike({ MinInstancesInService: 2 }) },
    });
  });

  test('scales on request count too when a target is given', () => {
    const { template } = fleetIn(agnosticStack(), { targetCpuUtilizationPercent: 70, targetRequestsPerMinute: 600 });
    template.resourceCountIs('AWS::AutoScaling::ScalingPolicy', 2);
    template.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', {
      TargetTrackingConfiguration: Match.objectLike({ TargetValue: 70 }),
    });
    template.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', {
      TargetTrackingConfiguration: {
        PredefinedMetricSpecification: Match.objectLike({ PredefinedMetricType: 'ALBRequestCountPerTarget' }),
        TargetValue: 600,
      },
    });
  });

  test('does not wait for signals from custom user data, pausing between batches instead', () => {
    const userData = ec2.UserData.forLinux();
    userData.addCommands('echo custom');
    const { template } = fleetIn(agnosticStack(), { userData });
    const group = Object.values(template.findResources('AWS::AutoScaling::AutoScalingGroup'))[0];
    expect(group.CreationPolicy).toBeUndefined();
    expect(group.UpdatePolicy.AutoScalingRollingUpdate).toEqual(
      expect.objectContaining({ MaxBatchSize: 1, PauseTime: 'PT5M' }),
    );
    expect(group.UpdatePolicy.AutoScalingRollingUpdate.WaitOnResourceSignals).toBeUndefined();
    const text = userDataText(template);
    expect(text).toContain('echo custom');
    expect(text).not.toContain('cfn-signal');
  });

  test('serves the application port, health check path and grace period it is given', () => {
    const { template, fleet } = fleetIn(agnosticStack(), {
      instancePort: 8080,
      healthCheckPath: '/health',
      healthCheckGracePeriod: Duration.minutes(10),
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 8080,
      HealthCheckPath: '/health',
    });
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', { HealthCheckGracePeriod: 600 });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 8080,
      ToPort: 8080,
      SourceSecurityGroupId: {
        'Fn::GetAtt': [
          Stack.of(fleet).getLogicalId(fleet.loadBalancerSecurityGroup.node.defaultChild as ec2.CfnSecurityGroup),
          'GroupId',
        ],
      },
    });
    expect(userDataText(template)).toContain('Listen 8080');
  });

  test('builds an internal load balancer for the given CIDRs, without deletion protection, logging to the given bucket', () => {
    const stack = agnosticStack();
    const bucket = new s3.Bucket(stack, 'Logs');
    const { template } = fleetIn(stack, {
      internetFacing: false,
      allowedIngressCidrs: ['10.20.0.0/16'],
      deletionProtection: false,
      accessLogBucket: bucket,
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internal',
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'deletion_protection.enabled', Value: 'false' },
        { Key: 'access_logs.s3.bucket', Value: { Ref: stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket) } },
      ]),
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { CidrIp: '10.20.0.0/16', FromPort: 80 });
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 2); // that rule, and the instance port from the load balancer
  });

  test('runs in the given VPC and subnets without creating one', () => {
    const stack = specificStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      maxAzs: 3,
      subnetConfiguration: [
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC },
        { name: 'App', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        { name: 'Data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      ],
    });
    const { fleet, template } = fleetIn(stack, { vpc, vpcSubnets: { subnetGroupName: 'Data' } });
    template.resourceCountIs('AWS::EC2::VPC', 1);
    expect(fleet.vpc).toBe(vpc);
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      VPCZoneIdentifier: vpc.isolatedSubnets.map((s) => ({
        Ref: stack.getLogicalId(s.node.defaultChild as ec2.CfnSubnet),
      })),
      AvailabilityZones: ['dummy1a', 'dummy1b', 'dummy1c'],
    });
  });

  test('notifies the given topic of scaling events and alarms', () => {
    const stack = agnosticStack();
    const topic = new sns.Topic(stack, 'Ops');
    const { fleet, template } = fleetIn(stack, { alarmTopic: topic });
    const topicId = stack.getLogicalId(topic.node.defaultChild as sns.CfnTopic);
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      NotificationConfigurations: [Match.objectLike({ TopicARN: { Ref: topicId } })],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: [{ Ref: topicId }] });
    expect(fleet.alarmTopic).toBe(topic);
  });

  test('warns when the key of the given topic cannot be opened to EC2 Auto Scaling', () => {
    const stack = agnosticStack();
    const key = kms.Key.fromKeyArn(stack, 'Imported', 'arn:aws:kms:eu-west-1:123456789012:key/abcd');
    new HighlyAvailableFleet(stack, 'Fleet', { alarmTopic: new sns.Topic(stack, 'Ops', { masterKey: key }) });
    Annotations.fromStack(stack).hasWarning(
      '/Agnostic/Fleet',
      Match.stringLikeRegexp(
        'cloudwatch.amazonaws.com \\(alarm notifications\\) and the AWSServiceRoleForAutoScaling service-linked role through SNS',
      ),
    );
  });

  test('two fleets in one stack share the alarm topic and its key statement once', () => {
    const stack = agnosticStack();
    new HighlyAvailableFleet(stack, 'Web', {});
    new HighlyAvailableFleet(stack, 'Api', {});
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SNS::Topic', 1);
    const key = Object.values(template.findResources('AWS::KMS::Key')).find((k) =>
      JSON.stringify(k).includes('AllowAutoScalingNotifications'),
    );
    const statements = key!.Properties.KeyPolicy.Statement as { Sid?: string }[];
    expect(statements.filter((s) => s.Sid === 'AllowAutoScalingNotifications')).toHaveLength(1);
  });

  test('skips validation of values that are only known at deploy time', () => {
    const stack = agnosticStack();
    const min = new CfnParameter(stack, 'Min', { type: 'Number' }).valueAsNumber;
    const max = new CfnParameter(stack, 'Max', { type: 'Number' }).valueAsNumber;
    const cpu = new CfnParameter(stack, 'Cpu', { type: 'Number' }).valueAsNumber;
    expect(
      () =>
        new HighlyAvailableFleet(stack, 'Fleet', {
          minCapacity: min,
          maxCapacity: max,
          targetCpuUtilizationPercent: cpu,
        }),
    ).not.toThrow();
    Template.fromStack(stack).hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      MinSize: { Ref: 'Min' },
      MaxSize: { Ref: 'Max' },
    });
  });
});

describe('HighlyAvailableFleet validation', () => {
  const build = (props: HighlyAvailableFleetProps) => () => new HighlyAvailableFleet(agnosticStack(), 'Fleet', props);

  test.each([
    ['environment-agnostic', agnosticStack],
    ['environment-specific', specificStack],
  ])('warns (singleInstance), never fails, when minCapacity is 1, in an %s stack', (_kind, makeStack) => {
    // GIVEN
    const stack = makeStack();
    // WHEN
    new HighlyAvailableFleet(stack, 'Fleet', { minCapacity: 1, maxCapacity: 2 });
    // THEN
    Annotations.fromStack(stack).hasWarning(
      `/${stack.stackName}/Fleet`,
      'minCapacity is 1: the fleet can scale in to a single instance, which does not survive the loss of that instance or its Availability Zone; use 2 or more in production [ack: cdk-compute-patterns:singleInstance]',
    );
    Template.fromStack(stack).hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', { MinSize: '1' });
  });

  test('does not warn about a single instance at the default minCapacity', () => {
    const stack = agnosticStack();
    new HighlyAvailableFleet(stack, 'Fleet');
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('singleInstance'));
  });

  test.each([0, -1, 2.5])('fails when minCapacity is %p', (value) => {
    expect(build({ minCapacity: value })).toThrow(
      new Error(
        `Agnostic/Fleet: minCapacity must be a positive integer (2 or more for a highly available fleet: an instance in each of two Availability Zones); received ${value}`,
      ),
    );
  });

  test('fails when minCapacity is greater than maxCapacity', () => {
    expect(build({ minCapacity: 5, maxCapacity: 4 })).toThrow(
      new Error('Agnostic/Fleet: minCapacity (5) must not be greater than maxCapacity (4)'),
    );
  });

  test('fails when desiredCapacity is above maxCapacity', () => {
    expect(build({ desiredCapacity: 5 })).toThrow(
      new Error('Agnostic/Fleet: desiredCapacity (5) must lie between minCapacity (2) and maxCapacity (4)'),
    );
  });

  test('fails when desiredCapacity is below minCapacity', () => {
    expect(build({ minCapacity: 3, desiredCapacity: 2 })).toThrow(
      new Error('Agnostic/Fleet: desiredCapacity (2) must lie between minCapacity (3) and maxCapacity (4)'),
    );
  });

  test('fails when the selected subnets span fewer than two Availability Zones', () => {
    const stack = specificStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1 });
    expect(() => new HighlyAvailableFleet(stack, 'Fleet', { vpc })).toThrow(
      'Specific/Fleet: the instances must span at least two Availability Zones to be highly available; the selected subnets (1) are in 1 (dummy1a). Pass a VPC (or vpcSubnets) with subnets in two or more Availability Zones',
    );
  });

  test('fails when vpcSubnets narrows a multi-AZ VPC to one Availability Zone', () => {
    const stack = specificStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 3 });
    expect(
      () => new HighlyAvailableFleet(stack, 'Fleet', { vpc, vpcSubnets: { availabilityZones: ['dummy1b'] } }),
    ).toThrow(
      'Specific/Fleet: the instances must span at least two Availability Zones to be highly available; the selected subnets (1) are in 1 (dummy1b). Pass a VPC (or vpcSubnets) with subnets in two or more Availability Zones',
    );
  });

  test.each([0, 101, 0.5])('fails when targetCpuUtilizationPercent is %p', (value) => {
    expect(build({ targetCpuUtilizationPercent: value })).toThrow(
      new Error(`Agnostic/Fleet: targetCpuUtilizationPercent must be between 1 and 100; received ${value}`),
    );
  });

  test('fails when targetRequestsPerMinute is not a positive integer', () => {
    expect(build({ targetRequestsPerMinute: 0 })).toThrow(
      new Error(
        'Agnostic/Fleet: targetRequestsPerMinute must be a positive integer (requests per instance per minute); received 0',
      ),
    );
  });

  test('fails when instancePort is out of range', () => {
    expect(build({ instancePort: 70000 })).toThrow(
      new Error('Agnostic/Fleet: instancePort must be an integer between 1 and 65535; received 70000'),
    );
  });

  test('fails when healthCheckPath does not start with a slash', () => {
    expect(build({ healthCheckPath: 'health' })).toThrow(
      new Error("Agnostic/Fleet: healthCheckPath must start with '/'; received 'health'"),
    );
  });

  test('fails when onDemandPercentageAboveBaseCapacity is above 100', () => {
    expect(build({ onDemandPercentageAboveBaseCapacity: 120 })).toThrow(
      new Error(
        'Agnostic/Fleet: onDemandPercentageAboveBaseCapacity must be an integer between 0 and 100; received 120',
      ),
    );
  });

  test('fails when onDemandBaseCapacity exceeds maxCapacity', () => {
    expect(build({ onDemandBaseCapacity: 5 })).toThrow(
      new Error('Agnostic/Fleet: onDemandBaseCapacity must be an integer between 0 and 4; received 5'),
    );
  });

  test('fails when additional instance types have another CPU architecture', () => {
    expect(
      build({
        instanceType: new ec2.InstanceType('c7g.medium'),
        additionalInstanceTypes: [new ec2.InstanceType('m7i.large')],
      }),
    ).toThrow(
      new Error(
        'Agnostic/Fleet: additionalInstanceTypes must share the CPU architecture of instanceType c7g.medium (arm64) so that one machine image fits them all; received m7i.large (x86_64)',
      ),
    );
  });

  test('fails when an instance type is listed twice', () => {
    expect(
      build({
        instanceType: new ec2.InstanceType('c7g.medium'),
        additionalInstanceTypes: [new ec2.InstanceType('c7g.medium')],
      }),
    ).toThrow(
      new Error(
        'Agnostic/Fleet: instanceType and additionalInstanceTypes must list distinct instance types; received c7g.medium more than once',
      ),
    );
  });
});

const SLR_ARN_SUFFIX = ':role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling';

/** The statements of the key policy of `key` in `template`. */
function keyStatements(template: Template, stack: Stack, key: kms.Key): Record<string, unknown>[] {
  const id = stack.getLogicalId(key.node.defaultChild as kms.CfnKey);
  return template.toJSON().Resources[id].Properties.KeyPolicy.Statement;
}

describe('HighlyAvailableFleet customer managed root volume key', () => {
  test.each([
    ['environment-agnostic', () => agnosticStack()],
    ['environment-specific', () => specificStack()],
  ])(
    'lets the Auto Scaling service-linked role use the key and create grants for AWS resources (%s)',
    (_kind, makeStack) => {
      // GIVEN a key defined in the app
      const stack = makeStack();
      const key = new kms.Key(stack, 'VolumeKey');
      // WHEN a fleet encrypts its root volumes with it
      const { template } = fleetIn(stack, { rootVolumeEncryptionKey: key });
      // THEN the key policy carries the two statements EC2 Auto Scaling documents, for its service-linked role only
      const slr = {
        ArnEquals: {
          'aws:PrincipalArn': {
            'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, SLR_ARN_SUFFIX]],
          },
        },
      };
      const statements = keyStatements(template, stack, key);
      expect(statements).toContainEqual({
        Sid: 'AllowAutoScalingServiceLinkedRoleUseOfTheKey',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
        Resource: '*',
        Condition: slr,
      });
      expect(statements).toContainEqual({
        Sid: 'AllowAutoScalingServiceLinkedRoleAttachmentOfPersistentResources',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: 'kms:CreateGrant',
        Resource: '*',
        Condition: { ...slr, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      });
    },
  );

  test('adds the statements once when two fleets share the key', () => {
    const stack = agnosticStack();
    const key = new kms.Key(stack, 'VolumeKey');
    new HighlyAvailableFleet(stack, 'Web', { rootVolumeEncryptionKey: key });
    new HighlyAvailableFleet(stack, 'Api', { rootVolumeEncryptionKey: key });
    const sids = keyStatements(Template.fromStack(stack), stack, key).map((s) => s.Sid);
    expect(sids.filter((s) => s === 'AllowAutoScalingServiceLinkedRoleAttachmentOfPersistentResources')).toHaveLength(
      1,
    );
  });

  test('warns when the key is imported, since its policy cannot be changed here', () => {
    const stack = agnosticStack();
    const key = kms.Key.fromKeyArn(
      stack,
      'Imported',
      'arn:aws:kms:eu-west-1:123456789012:key/12345678-1234-1234-1234-123456789012',
    );
    new HighlyAvailableFleet(stack, 'Fleet', { rootVolumeEncryptionKey: key });
    Annotations.fromStack(stack).hasWarning(
      '/Agnostic/Fleet',
      Match.stringLikeRegexp('AWSServiceRoleForAutoScaling statements to the policy of the imported root volume key'),
    );
  });
});

describe('HighlyAvailableFleet machine image', () => {
  const PINS = {
    arm64: { 'eu-west-1': 'ami-0123456789abcdef0', 'us-east-1': 'ami-0fedcba9876543210' },
    x86_64: { 'eu-west-1': 'ami-11112222' },
  };
  const withContext = (context: Record<string, unknown>, env?: { account: string; region: string }) =>
    new Stack(testApp({ context }), 'Pinned', { env });

  test('pins the AMI of the stack region from context in an environment-specific stack', () => {
    const stack = withContext(
      { 'cdk-compute-patterns:fleetMachineImages': PINS },
      { account: '123456789012', region: 'eu-west-1' },
    );
    const { template } = fleetIn(stack);
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: { ImageId: 'ami-0123456789abcdef0' },
    });
    expect(template.findParameters('*', { Type: Match.stringLikeRegexp('AWS::EC2::Image::Id') })).toEqual({});
  });

  test('pins the AMIs from context through a region mapping in an environment-agnostic stack', () => {
    const stack = withContext({ 'cdk-compute-patterns:fleetMachineImages': JSON.stringify(PINS) });
    const { template } = fleetIn(stack);
    const mappings = template.toJSON().Mappings as Record<string, Record<string, { ami: string }>>;
    expect(Object.values(mappings)).toContainEqual({
      'eu-west-1': { ami: 'ami-0123456789abcdef0' },
      'us-east-1': { ami: 'ami-0fedcba9876543210' },
    });
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: { ImageId: { 'Fn::FindInMap': [Match.anyValue(), { Ref: 'AWS::Region' }, 'ami'] } },
    });
  });

  test('resolves at launch when the context pins images of another architecture only', () => {
    const stack = withContext({ 'cdk-compute-patterns:fleetMachineImages': { x86_64: PINS.x86_64 } });
    fleetIn(stack).template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: {
        ImageId: 'resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64',
      },
    });
  });

  test('fails when the context pins no image for the stack region', () => {
    const stack = withContext(
      { 'cdk-compute-patterns:fleetMachineImages': PINS },
      { account: '123456789012', region: 'ap-south-1' },
    );
    expect(() => new HighlyAvailableFleet(stack, 'Fleet')).toThrow(
      'Pinned/Fleet: the context value cdk-compute-patterns:fleetMachineImages pins arm64 images for eu-west-1, us-east-1 but not for this stack\'s region ap-south-1; add "ap-south-1": "ami-..." under "arm64", or pass machineImage',
    );
  });

  test('fails when the context names something that is not an AMI id', () => {
    const stack = withContext({ 'cdk-compute-patterns:fleetMachineImages': { arm64: { 'eu-west-1': 'latest' } } });
    expect(() => new HighlyAvailableFleet(stack, 'Fleet')).toThrow(
      'Pinned/Fleet: the context value cdk-compute-patterns:fleetMachineImages names "latest" for arm64 in eu-west-1, which is not an AMI id; expected ami- and 8 or 17 hexadecimal digits',
    );
  });

  test('fails when the context value is not an object', () => {
    const stack = withContext({ 'cdk-compute-patterns:fleetMachineImages': 'ami-12345678' });
    expect(() => new HighlyAvailableFleet(stack, 'Fleet')).toThrow(
      'Pinned/Fleet: the context value cdk-compute-patterns:fleetMachineImages must be an object; expected { "arm64": { "<region>": "ami-..." }, "x86_64": { ... } }, received "ami-12345678"',
    );
  });
});

describe('HighlyAvailableFleet in subnets without egress', () => {
  /** A VPC with public subnets for the load balancer and isolated ones for the instances. */
  function isolatedVpc(stack: Stack): ec2.Vpc {
    return new ec2.Vpc(stack, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC },
        { name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      ],
    });
  }

  test.each([
    ['environment-agnostic', () => agnosticStack()],
    ['environment-specific', () => specificStack()],
  ])(
    'adds the Session Manager, CloudFormation and S3 endpoints the instances call, open to them only (%s)',
    (_kind, makeStack) => {
      // GIVEN a VPC whose private subnets have no route to the internet
      const stack = makeStack();
      const vpc = isolatedVpc(stack);
      // WHEN the fleet runs there
      const { fleet, template } = fleetIn(stack, { vpc });
      // THEN the endpoints exist, and the instances' security group may reach each interface endpoint on 443
      const services = Object.values(template.findResources('AWS::EC2::VPCEndpoint')).map((e) =>
        JSON.stringify(e.Properties.ServiceName),
      );
      for (const name of ['.ssm', '.ssmmessages', '.ec2messages', '.cloudformation', '.s3']) {
        expect(services.filter((s) => s.includes(`${name}"`))).toHaveLength(1);
      }
      template.resourceCountIs('AWS::EC2::VPCEndpoint', 5);
      const instanceSg = stack.getLogicalId(fleet.securityGroup.node.defaultChild as ec2.CfnSecurityGroup);
      const fromInstances = template.findResources('AWS::EC2::SecurityGroupIngress', {
        Properties: { FromPort: 443, ToPort: 443, SourceSecurityGroupId: { 'Fn::GetAtt': [instanceSg, 'GroupId'] } },
      });
      expect(Object.keys(fromInstances)).toHaveLength(4);
    },
  );

  test('needs no CloudFormation endpoint when custom user data does not signal', () => {
    const stack = agnosticStack();
    const userData = ec2.UserData.forLinux();
    userData.addCommands('echo custom');
    const { template } = fleetIn(stack, { vpc: isolatedVpc(stack), userData });
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 4);
    const services = JSON.stringify(template.findResources('AWS::EC2::VPCEndpoint'));
    expect(services).not.toContain('.cloudformation');
  });

  test('adds no endpoint when told the VPC has them', () => {
    const stack = agnosticStack();
    const { template } = fleetIn(stack, { vpc: isolatedVpc(stack), vpcEndpointsProvided: true });
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
  });

  test('adds no endpoint when the subnets have egress', () => {
    DEFAULTS.agnostic().template.resourceCountIs('AWS::EC2::VPCEndpoint', 2); // the SecureVpc's gateways
  });

  test('fails when an imported VPC has only isolated subnets and no endpoints are declared', () => {
    const stack = specificStack();
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Imported', {
      vpcId: 'vpc-12345678',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      publicSubnetIds: ['subnet-1', 'subnet-2'],
      isolatedSubnetIds: ['subnet-3', 'subnet-4'],
      vpcCidrBlock: '10.0.0.0/16',
    });
    expect(() => new HighlyAvailableFleet(stack, 'Fleet', { vpc })).toThrow(
      'Specific/Fleet: the selected subnets have no route to the internet (PRIVATE_ISOLATED), so the compute needs VPC interface endpoints for ssm, ssmmessages, ec2messages, cloudformation; they can only be added here to a VPC defined in the same stack. Select subnets with egress (NAT), create the endpoints yourself and set vpcEndpointsProvided: true, or define the VPC in this stack',
    );
  });
});

describe('HighlyAvailableFleet acknowledgements never hide the user own findings', () => {
  /** Open AwsSolutions findings of a fleet stack after `change`, as `rule path` strings. */
  function openFindings(change: (fleet: HighlyAvailableFleet, stack: Stack) => void): string[] {
    const report = checkNag((outdir) => {
      const app = testApp({ outdir });
      const stack = new Stack(app, 'Probe');
      const fleet = new HighlyAvailableFleet(stack, 'Fleet', { protocol: elbv2.ApplicationProtocol.HTTP });
      change(fleet, stack);
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      return app;
    });
    return report.stacks
      .find((s) => s.stack === 'Probe')!
      .nagViolations.map((v) => `${v.rule} ${v.path}`)
      .sort();
  }

  test('reports nothing for the fleet as built', () => {
    expect(openFindings(() => undefined)).toEqual([]);
  });

  test('reports SSH from anywhere that the user opens on the load balancer security group', () => {
    const open = openFindings((fleet) =>
      fleet.loadBalancerSecurityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(22), 'user SSH'),
    );
    expect(open).toContainEqual(expect.stringMatching(/^AwsSolutions-EC23 Probe\/Fleet\/LoadBalancer\/SecurityGroup/));
  });

  test('reports a wildcard statement and a managed policy the user adds to the instance role', () => {
    const open = openFindings((fleet) => {
      fleet.instanceRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }));
      fleet.instanceRole.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'));
    });
    expect(open).toContain('AwsSolutions-IAM5[Resource::*] Probe/Fleet/InstanceRole/Policy/Resource');
    expect(open).toContain(
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore] Probe/Fleet/InstanceRole/Resource',
    );
  });

  test('reports an unencrypted volume the user adds under the Auto Scaling group', () => {
    const open = openFindings((fleet) => {
      new ec2.CfnVolume(fleet.autoScalingGroup, 'Scratch', {
        availabilityZone: 'eu-west-1a',
        size: 8,
      }).applyRemovalPolicy(RemovalPolicy.DESTROY);
    });
    expect(open).toContainEqual(expect.stringMatching(/^AwsSolutions-EC26 Probe\/Fleet\/AutoScalingGroup\/Scratch/));
  });
});

describe('HighlyAvailableFleet refuses what cannot be highly available or hardened', () => {
  test.each(['t2.micro', 'm4.large', 'c4.xlarge'])('fails when instanceType %s is not a Nitro type', (type) => {
    expect(
      () => new HighlyAvailableFleet(agnosticStack(), 'Fleet', { instanceType: new ec2.InstanceType(type) }),
    ).toThrow(
      `Agnostic/Fleet: instance type ${type} is not built on the AWS Nitro System, which the fleet requires (Control Tower CT.EC2.PR.15; Nitro types also encrypt traffic between instances); choose a current-generation type such as c7g.medium, m7g.medium or t4g.small`,
    );
  });

  test('fails when an additional instance type is not a Nitro type', () => {
    expect(
      () =>
        new HighlyAvailableFleet(agnosticStack(), 'Fleet', {
          instanceType: new ec2.InstanceType('m5.large'),
          additionalInstanceTypes: [new ec2.InstanceType('m4.xlarge')],
        }),
    ).toThrow(
      'Agnostic/Fleet: instance type m4.xlarge is not built on the AWS Nitro System, which the fleet requires (Control Tower CT.EC2.PR.15; Nitro types also encrypt traffic between instances); choose a current-generation type such as c7g.medium, m7g.medium or t4g.small',
    );
  });

  test('accepts the Nitro sizes of older families', () => {
    expect(
      () => new HighlyAvailableFleet(agnosticStack(), 'Fleet', { instanceType: new ec2.InstanceType('m4.16xlarge') }),
    ).not.toThrow();
  });

  test.each([
    ['environment-agnostic', () => agnosticStack(), 'Agnostic'],
    ['environment-specific', () => specificStack(), 'Specific'],
  ])('fails when vpcSubnets selects public subnets (%s)', (_kind, makeStack, name) => {
    const stack = makeStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
    expect(
      () => new HighlyAvailableFleet(stack, 'Fleet', { vpc, vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } }),
    ).toThrow(
      `${name}/Fleet: vpcSubnets must select private subnets: the instances get no public IP address and only the load balancer is public; received public subnets ${name}/Vpc/PublicSubnet1, ${name}/Vpc/PublicSubnet2. Select PRIVATE_WITH_EGRESS or PRIVATE_ISOLATED subnets`,
    );
  });

  test('names the fleet that is wrong when a stack has several', () => {
    const stack = agnosticStack();
    new HighlyAvailableFleet(stack, 'Web');
    expect(() => new HighlyAvailableFleet(stack, 'Api', { minCapacity: 0 })).toThrow(
      'Agnostic/Api: minCapacity must be a positive integer (2 or more for a highly available fleet: an instance in each of two Availability Zones); received 0',
    );
    expect(() => new HighlyAvailableFleet(stack, 'Admin', { healthCheckPath: 'health' })).toThrow(
      "Agnostic/Admin: healthCheckPath must start with '/'; received 'health'",
    );
  });
});

describe('HighlyAvailableFleet connections, grants and metrics', () => {
  test('is IConnectable: a database allowing the fleet opens its port to the instances security group', () => {
    // GIVEN
    const stack = agnosticStack();
    const fleet = new HighlyAvailableFleet(stack, 'Fleet');
    const dbSg = new ec2.SecurityGroup(stack, 'Db', { vpc: fleet.vpc });
    // WHEN
    dbSg.connections.allowFrom(fleet, ec2.Port.tcp(5432));
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 5432,
      GroupId: { 'Fn::GetAtt': [stack.getLogicalId(dbSg.node.defaultChild as ec2.CfnSecurityGroup), 'GroupId'] },
      SourceSecurityGroupId: {
        'Fn::GetAtt': [stack.getLogicalId(fleet.securityGroup.node.defaultChild as ec2.CfnSecurityGroup), 'GroupId'],
      },
    });
  });

  test('is IGrantable: a grant to the fleet lands on the instance role', () => {
    const stack = agnosticStack();
    const fleet = new HighlyAvailableFleet(stack, 'Fleet');
    const bucket = new s3.Bucket(stack, 'Data');
    bucket.grantRead(fleet);
    const role = stack.getLogicalId(fleet.instanceRole.node.defaultChild as iam.CfnRole);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Roles: [{ Ref: role }],
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['s3:GetObject*']) })]),
      },
    });
  });

  test('metric helpers name the group and target group the alarms and scaling use', () => {
    const stack = agnosticStack();
    const fleet = new HighlyAvailableFleet(stack, 'Fleet');
    const cpu = stack.resolve(fleet.metricCpuUtilization().toMetricConfig().metricStat);
    expect(cpu).toMatchObject({
      namespace: 'AWS/EC2',
      metricName: 'CPUUtilization',
      statistic: 'Average',
    });
    expect(cpu.dimensions).toEqual([
      {
        name: 'AutoScalingGroupName',
        value: { Ref: stack.getLogicalId(fleet.autoScalingGroup.node.defaultChild as autoscaling.CfnAutoScalingGroup) },
      },
    ]);
    expect(fleet.metricRequestCount().metricName).toBe('RequestCount');
    expect(fleet.metricUnhealthyHostCount().metricName).toBe('UnHealthyHostCount');
    expect(fleet.metricUnhealthyHostCount().statistic).toBe('Maximum');
    expect(fleet.metricTarget5xxCount({ period: Duration.minutes(1) }).period.toMinutes()).toBe(1);
    expect(fleet.metricTarget5xxCount().metricName).toBe('HTTPCode_Target_5XX_Count');
  });
});

describe('HighlyAvailableFleet signals, rolling updates and scaling options', () => {
  test('signals: true with own user data appends cfn-signal and waits for it, with the batch size and pause given', () => {
    // GIVEN
    const stack = agnosticStack();
    const userData = ec2.UserData.forLinux();
    userData.addCommands('systemctl start myapp');
    // WHEN
    new HighlyAvailableFleet(stack, 'Fleet', {
      userData,
      signals: true,
      updateBatchSize: 2,
      updatePauseTime: Duration.minutes(10),
    });
    // THEN
    const template = Template.fromStack(stack);
    template.hasResource('AWS::AutoScaling::AutoScalingGroup', {
      CreationPolicy: { ResourceSignal: { Count: 2, Timeout: 'PT10M' } },
      UpdatePolicy: {
        AutoScalingRollingUpdate: Match.objectLike({
          MaxBatchSize: 2,
          PauseTime: 'PT10M',
          WaitOnResourceSignals: true,
        }),
      },
    });
    const text = userDataText(template);
    expect(text).toContain('systemctl start myapp');
    expect(text).toContain('/opt/aws/bin/cfn-signal');
  });

  test('own user data does not wait for signals unless asked, and pauses 5 minutes between batches', () => {
    const stack = agnosticStack();
    new HighlyAvailableFleet(stack, 'Fleet', { userData: ec2.UserData.forLinux() });
    const group = Object.values(Template.fromStack(stack).findResources('AWS::AutoScaling::AutoScalingGroup'))[0];
    expect(group.CreationPolicy).toBeUndefined();
    expect(group.UpdatePolicy.AutoScalingRollingUpdate).toMatchObject({ MaxBatchSize: 1, PauseTime: 'PT5M' });
  });

  test('adds scheduled actions and CPU step scaling next to target tracking', () => {
    const stack = agnosticStack();
    new HighlyAvailableFleet(stack, 'Fleet', {
      scheduledScaling: [
        {
          name: 'BusinessHours',
          schedule: autoscaling.Schedule.cron({ hour: '8', minute: '0', weekDay: 'MON-FRI' }),
          timeZone: 'Europe/Paris',
          minCapacity: 4,
        },
        { name: 'Night', schedule: autoscaling.Schedule.cron({ hour: '20', minute: '0' }), minCapacity: 2 },
      ],
      cpuStepScaling: [
        { upper: 30, change: -1 },
        { lower: 85, change: +2 },
      ],
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::AutoScaling::ScheduledAction', 2);
    template.hasResourceProperties('AWS::AutoScaling::ScheduledAction', {
      Recurrence: '0 8 * * MON-FRI',
      TimeZone: 'Europe/Paris',
      MinSize: 4,
    });
    template.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', { PolicyType: 'TargetTrackingScaling' });
    template.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', {
      PolicyType: 'StepScaling',
      AdjustmentType: 'ChangeInCapacity',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'CPUUtilization', Threshold: 85 });
  });

  test('fails when a scheduled action changes nothing', () => {
    expect(
      () =>
        new HighlyAvailableFleet(agnosticStack(), 'Fleet', {
          scheduledScaling: [{ name: 'Noop', schedule: autoscaling.Schedule.cron({ hour: '1', minute: '0' }) }],
        }),
    ).toThrow(
      new Error(
        "Agnostic/Fleet: scheduledScaling 'Noop' changes nothing: give minCapacity, maxCapacity and/or desiredCapacity",
      ),
    );
  });

  test('fails when updateBatchSize is 0', () => {
    expect(() => new HighlyAvailableFleet(agnosticStack(), 'Fleet', { updateBatchSize: 0 })).toThrow(
      new Error('Agnostic/Fleet: updateBatchSize must be an integer between 1 and 1000; received 0'),
    );
  });
});

describe('HighlyAvailableFleet warm pool', () => {
  const KINDS = [
    ['environment-agnostic', () => agnosticStack()],
    ['environment-specific', () => specificStack()],
  ] as const;

  test.each(KINDS)(
    'runs one launch template (no mixed instances policy) with a warm pool of pre-initialized instances (%s stack)',
    (_kind, makeStack) => {
      // GIVEN
      const stack = makeStack();
      // WHEN
      const { fleet, template } = fleetIn(stack, {
        warmPool: { minSize: 1, maxGroupPreparedCapacity: 6, reuseOnScaleIn: true },
      });
      // THEN the group launches the launch template directly: EC2 Auto Scaling refuses warm pools next to a
      // MixedInstancesPolicy
      const lt = stack.getLogicalId(fleet.launchTemplate.node.defaultChild as ec2.CfnLaunchTemplate);
      const group = only(template, 'AWS::AutoScaling::AutoScalingGroup');
      expect(group.resource.Properties.MixedInstancesPolicy).toBeUndefined();
      expect(group.resource.Properties.LaunchTemplate).toEqual({
        LaunchTemplateId: { Ref: lt },
        Version: { 'Fn::GetAtt': [lt, 'LatestVersionNumber'] },
      });
      template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
        LaunchTemplateData: Match.objectLike({ InstanceType: 'c7g.medium' }),
      });
      // AND the warm pool keeps stopped instances (the default state), reused on scale-in
      template.hasResourceProperties('AWS::AutoScaling::WarmPool', {
        AutoScalingGroupName: { Ref: group.id },
        MinSize: 1,
        MaxGroupPreparedCapacity: 6,
        PoolState: 'Stopped',
        InstanceReusePolicy: { ReuseOnScaleIn: true },
      });
      expect(fleet.warmPool).toBeDefined();
    },
  );

  test('holds each instance with a launch lifecycle hook that the readiness service completes', () => {
    // GIVEN
    const stack = agnosticStack();
    // WHEN
    const { fleet, template } = fleetIn(stack, { warmPool: {}, instancePort: 8080, healthCheckPath: '/health' });
    // THEN a launch hook abandons an instance that is not ready within the grace period
    const groupId = only(template, 'AWS::AutoScaling::AutoScalingGroup').id;
    template.hasResourceProperties('AWS::AutoScaling::LifecycleHook', {
      AutoScalingGroupName: { Ref: groupId },
      LifecycleHookName: 'cdk-compute-patterns-ready',
      LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
      DefaultResult: 'ABANDON',
      HeartbeatTimeout: 300,
    });
    // AND the warm pool is created after the hook, so no pool instance skips it
    const hookId = stack.getLogicalId(fleet.readinessHook!.node.defaultChild as autoscaling.CfnLifecycleHook);
    const pool = Object.values(template.findResources('AWS::AutoScaling::WarmPool'))[0];
    expect(pool.DependsOn).toContain(hookId);
    // AND the user data installs the service that completes the hook once the application answers locally
    const text = userDataText(template);
    expect(text).toContain('systemctl enable --now cdk-compute-patterns-ready.service');
    expect(text).toContain('meta-data/autoscaling/target-lifecycle-state');
    expect(text).toContain('curl -fsS -o /dev/null \\"http://localhost:8080/health\\"');
    expect(text).toContain(`--logical-resource-id ${groupId}`);
    expect(text).toContain('aws autoscaling complete-lifecycle-action --region ');
    expect(text).toContain(
      ' --lifecycle-hook-name cdk-compute-patterns-ready --auto-scaling-group-name \\"$GROUP\\" --instance-id \\"$ID\\" --lifecycle-action-result CONTINUE',
    );
    // AND the default user data still signals CloudFormation (instances from the pool have booted and signalled once)
    expect(text).toContain('/opt/aws/bin/cfn-signal');
    // AND the instance role may read this stack's group name and complete lifecycle actions of this group only
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Roles: [{ Ref: stack.getLogicalId(fleet.instanceRole.node.defaultChild as iam.CfnRole) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'ReadGroupName',
            Effect: 'Allow',
            Action: 'cloudformation:DescribeStackResource',
            Resource: { Ref: 'AWS::StackId' },
          },
          {
            Sid: 'CompleteReadinessHook',
            Effect: 'Allow',
            Action: 'autoscaling:CompleteLifecycleAction',
            Resource: {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':autoscaling:',
                  { Ref: 'AWS::Region' },
                  ':',
                  { Ref: 'AWS::AccountId' },
                  ':autoScalingGroup:*:autoScalingGroupName/',
                  { Ref: groupId },
                ],
              ],
            },
          },
        ]),
      },
    });
  });

  test('a launch template change replaces the group with its warm pool instead of rolling InService instances only', () => {
    const { template } = fleetIn(agnosticStack(), { warmPool: {} });
    const group = Object.values(template.findResources('AWS::AutoScaling::AutoScalingGroup'))[0];
    expect(group.UpdatePolicy.AutoScalingReplacingUpdate).toEqual({ WillReplace: true });
    expect(group.UpdatePolicy.AutoScalingRollingUpdate).toBeUndefined();
    // AND the new group still waits for its instances to signal before the old one goes
    expect(group.CreationPolicy).toEqual({ ResourceSignal: { Count: 2, Timeout: 'PT15M' } });
  });

  test('configures hibernation on the launch template for a Hibernated pool', () => {
    const { template } = fleetIn(agnosticStack(), { warmPool: { poolState: autoscaling.PoolState.HIBERNATED } });
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({ HibernationOptions: { Configured: true } }),
    });
    template.hasResourceProperties('AWS::AutoScaling::WarmPool', { PoolState: 'Hibernated' });
  });

  test('without a warm pool, keeps the mixed instances policy, no hook and no hibernation', () => {
    const { fleet, template } = DEFAULTS.agnostic();
    template.resourceCountIs('AWS::AutoScaling::WarmPool', 0);
    template.resourceCountIs('AWS::AutoScaling::LifecycleHook', 0);
    expect(fleet.warmPool).toBeUndefined();
    expect(JSON.stringify(template.toJSON())).not.toContain('HibernationOptions');
    expect(userDataText(template)).not.toContain('cdk-compute-patterns-ready');
  });

  test('adds the CloudFormation and EC2 Auto Scaling endpoints the readiness service calls in isolated subnets', () => {
    const stack = agnosticStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC },
        { name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      ],
    });
    const userData = ec2.UserData.forLinux();
    const { template } = fleetIn(stack, { vpc, userData, warmPool: {} });
    const services = JSON.stringify(template.findResources('AWS::EC2::VPCEndpoint'));
    expect(services).toContain('.cloudformation"');
    expect(services).toContain('.autoscaling"');
  });

  test.each([
    ['environment-agnostic', undefined],
    ['environment-specific', { account: '123456789012', region: 'eu-west-1' }],
  ])('leaves no compliance finding unacknowledged (%s stack)', (kind, env) => {
    const report = checkCompliance((outdir) => {
      const app = testApp({ outdir });
      const stack = new Stack(app, 'WarmPool', { env });
      new HighlyAvailableFleet(stack, 'Fleet', {
        certificate: acm.Certificate.fromCertificateArn(stack, 'Certificate', CERTIFICATE_ARN),
        warmPool: { minSize: 1, poolState: autoscaling.PoolState.HIBERNATED },
      });
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
      return app;
    }, []);
    const stack = report.stacks.find((s) => s.stack === 'WarmPool')!;
    expect({ kind, nag: stack.nagViolations }).toEqual({ kind, nag: [] });
    // AND the only Control Tower finding (one instance type, inherent to a warm pool) is acknowledged on the group
    const rule = 'autoscaling_mixed_instances_policy_multiple_instance_types_check';
    expect(
      stack.guardFailures.filter((g) => !g.resources.every((r) => r.startsWith('CdkComputePatternsAccessLogs'))),
    ).toEqual([
      { rule, control: 'CT.AUTOSCALING.PR.6', resources: [expect.stringMatching(/^FleetAutoScalingGroupASG/)] },
    ]);
    expect(stack.acknowledged.filter((a) => a.id === `cdk-validator-cfnguard::${rule}`)).toEqual([
      expect.objectContaining({ path: 'WarmPool/Fleet/AutoScalingGroup/ASG' }),
    ]);
  });

  test('its acknowledgements hide neither a wildcard statement nor a single-type group the user adds', () => {
    // GIVEN a warm-pool fleet, and next to it the user's own wildcard statement and Auto Scaling group
    const report = checkCompliance((outdir) => {
      const app = testApp({ outdir });
      const stack = new Stack(app, 'Probe', { env: { account: '123456789012', region: 'eu-west-1' } });
      const fleet = new HighlyAvailableFleet(stack, 'Fleet', {
        protocol: elbv2.ApplicationProtocol.HTTP,
        warmPool: {},
      });
      fleet.instanceRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['autoscaling:CompleteLifecycleAction'],
          resources: ['arn:aws:autoscaling:*:*:autoScalingGroup:*:autoScalingGroupName/*'],
        }),
      );
      new autoscaling.AutoScalingGroup(fleet, 'UserGroup', {
        vpc: fleet.vpc,
        launchTemplate: new ec2.LaunchTemplate(fleet, 'UserTemplate', {
          instanceType: new ec2.InstanceType('c7g.medium'),
          machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType: ec2.AmazonLinuxCpuType.ARM_64 }),
          requireImdsv2: true,
        }),
      });
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      return app;
    }, []);
    // THEN both are still reported
    const stack = report.stacks.find((s) => s.stack === 'Probe')!;
    expect(stack.nagViolations.map((v) => `${v.rule} ${v.path}`)).toContainEqual(
      'AwsSolutions-IAM5[Resource::arn:aws:autoscaling:*:*:autoScalingGroup:*:autoScalingGroupName/*] Probe/Fleet/InstanceRole/Policy/Resource',
    );
    const pr6 = stack.guardFailures.filter(
      (g) => g.rule === 'autoscaling_mixed_instances_policy_multiple_instance_types_check',
    );
    expect(pr6.flatMap((g) => g.resources)).toContainEqual(expect.stringMatching(/^FleetUserGroupASG/));
    // AND the fleet's acknowledgement sits on its own group resource, no ancestor of the user's group
    expect(
      stack.acknowledged.filter((a) =>
        a.id.endsWith('autoscaling_mixed_instances_policy_multiple_instance_types_check'),
      ),
    ).toEqual([expect.objectContaining({ path: 'Probe/Fleet/AutoScalingGroup/ASG' })]);
  });

  test.each<[string, HighlyAvailableFleetProps, string]>([
    [
      'additionalInstanceTypes',
      { additionalInstanceTypes: [new ec2.InstanceType('m7g.medium')] },
      'Agnostic/Fleet: warmPool cannot be combined with additionalInstanceTypes: EC2 Auto Scaling refuses warm pools on groups with a mixed instances policy or Spot Instances, which additionalInstanceTypes needs; remove additionalInstanceTypes (the fleet then runs instanceType alone, On-Demand) or remove warmPool',
    ],
    [
      'Spot capacity',
      { onDemandPercentageAboveBaseCapacity: 0 },
      'Agnostic/Fleet: warmPool cannot be combined with onDemandPercentageAboveBaseCapacity: EC2 Auto Scaling refuses warm pools on groups with a mixed instances policy or Spot Instances, which onDemandPercentageAboveBaseCapacity needs; remove onDemandPercentageAboveBaseCapacity (the fleet then runs instanceType alone, On-Demand) or remove warmPool',
    ],
    [
      'onDemandBaseCapacity',
      { onDemandBaseCapacity: 2 },
      'Agnostic/Fleet: warmPool cannot be combined with onDemandBaseCapacity: EC2 Auto Scaling refuses warm pools on groups with a mixed instances policy or Spot Instances, which onDemandBaseCapacity needs; remove onDemandBaseCapacity (the fleet then runs instanceType alone, On-Demand) or remove warmPool',
    ],
    [
      'a Spot allocation strategy',
      { spotAllocationStrategy: autoscaling.SpotAllocationStrategy.CAPACITY_OPTIMIZED },
      'Agnostic/Fleet: warmPool cannot be combined with spotAllocationStrategy: EC2 Auto Scaling refuses warm pools on groups with a mixed instances policy or Spot Instances, which spotAllocationStrategy needs; remove spotAllocationStrategy (the fleet then runs instanceType alone, On-Demand) or remove warmPool',
    ],
    [
      'updateBatchSize',
      { updateBatchSize: 2 },
      'Agnostic/Fleet: warmPool cannot be combined with updateBatchSize: with a warm pool a launch template change replaces the whole group and its pool at once (a rolling update would leave the pool on the old launch template); remove updateBatchSize',
    ],
  ])('fails when a warm pool is combined with %s', (_name, props, message) => {
    expect(() => new HighlyAvailableFleet(agnosticStack(), 'Fleet', { warmPool: {}, ...props })).toThrow(
      new Error(message),
    );
  });

  test.each(KINDS)('fails when a warm pool is combined with Spot, naming the fleet (%s stack)', (_kind, makeStack) => {
    const stack = makeStack();
    expect(
      () => new HighlyAvailableFleet(stack, 'Web', { warmPool: {}, onDemandPercentageAboveBaseCapacity: 50 }),
    ).toThrow(
      new RegExp(`^${stack.stackName}/Web: warmPool cannot be combined with onDemandPercentageAboveBaseCapacity`),
    );
  });
});

describe('HighlyAvailableFleet instance refresh on launch template changes', () => {
  test('the group follows the launch template latest version, so any launch template change starts the rolling update', () => {
    // GIVEN two fleets whose launch templates differ only in their user data
    const a = fleetIn(agnosticStack(), { userData: ec2.UserData.custom('#!/bin/bash\necho v1') });
    const b = fleetIn(agnosticStack(), { userData: ec2.UserData.custom('#!/bin/bash\necho v2') });
    const group = (t: Template) => only(t, 'AWS::AutoScaling::AutoScalingGroup').resource;
    const lt = only(a.template, 'AWS::EC2::LaunchTemplate').id;
    // THEN the group names the template's LatestVersionNumber (a new version on every change), not $Default or $Latest
    expect(group(a.template).Properties.MixedInstancesPolicy).toMatchObject({
      LaunchTemplate: {
        LaunchTemplateSpecification: {
          LaunchTemplateId: { Ref: lt },
          Version: { 'Fn::GetAtt': [lt, 'LatestVersionNumber'] },
        },
      },
    });
    // AND the changed launch template is the only difference, under a rolling update policy that replaces the instances
    expect(only(a.template, 'AWS::EC2::LaunchTemplate').resource).not.toEqual(
      only(b.template, 'AWS::EC2::LaunchTemplate').resource,
    );
    const policy = (group(a.template) as unknown as { UpdatePolicy: { AutoScalingRollingUpdate: unknown } })
      .UpdatePolicy;
    expect(policy.AutoScalingRollingUpdate).toMatchObject({
      MaxBatchSize: 1,
      MinInstancesInService: 2,
      PauseTime: 'PT5M',
    });
  });
});
