import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { BEANSTALK_SAMPLE_SOURCES } from '../../examples/beanstalk-app-stack';
import {
  BeanstalkBatchSizeType,
  BeanstalkDeploymentPolicy,
  BeanstalkUpdateLevel,
  BeanstalkWebApp,
  BeanstalkWebAppProps,
  SecureVpc,
} from '../../lib';
import { agnosticStack, specificStack, testApp } from '../support/cdk-context';
import { once } from '../support/shared';
import { option } from './option-settings';

const SOURCE = BEANSTALK_SAMPLE_SOURCES.web;
const CERT_ARN = 'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';

function build(props: Partial<BeanstalkWebAppProps> = {}, stack: Stack = agnosticStack()): () => BeanstalkWebApp {
  return () =>
    new BeanstalkWebApp(stack, 'Web', { sourcePath: SOURCE, protocol: elbv2.ApplicationProtocol.HTTP, ...props });
}

describe.each([
  ['environment-agnostic', () => agnosticStack()],
  ['environment-specific', () => specificStack()],
])('BeanstalkWebApp defaults (%s stack)', (_kind, makeStack) => {
  const sample = once(() => {
    // GIVEN a stack WHEN a web app is created from a source directory only
    const stack = makeStack();
    const app = new BeanstalkWebApp(stack, 'Web', { sourcePath: SOURCE });
    return { stack, app, template: Template.fromStack(stack) };
  });

  test('creates an application, an application version from the source asset and a web-tier environment on the default Node.js platform', () => {
    const { template } = sample();
    template.resourceCountIs('AWS::ElasticBeanstalk::Application', 1);
    template.hasResourceProperties('AWS::ElasticBeanstalk::ApplicationVersion', {
      ApplicationName: { Ref: Match.stringLikeRegexp('^WebApplication') },
      SourceBundle: { S3Bucket: Match.anyValue(), S3Key: Match.stringLikeRegexp('^[0-9a-f]{64}\\.zip$') },
    });
    template.hasResourceProperties('AWS::ElasticBeanstalk::Environment', {
      Tier: { Name: 'WebServer', Type: 'Standard' },
      SolutionStackName: '64bit Amazon Linux 2023 v6.10.0 running Node.js 24',
      VersionLabel: { Ref: Match.stringLikeRegexp('^WebVersion') },
    });
    expect(BeanstalkWebApp.DEFAULT_SOLUTION_STACK_NAME).toBe('64bit Amazon Linux 2023 v6.10.0 running Node.js 24');
  });

  test('runs the instances in private subnets of two zones and the load balancer in public subnets', () => {
    const { template, stack, app } = sample();
    const vpc = app.vpc;
    const resolve = (v: unknown) => JSON.stringify(stack.resolve(v));
    expect(option(template, 'aws:ec2:vpc', 'VPCId')).toEqual(stack.resolve(vpc.vpcId));
    expect(JSON.stringify(option(template, 'aws:ec2:vpc', 'Subnets'))).toEqual(
      resolve(vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnetIds.join(',')),
    );
    expect(JSON.stringify(option(template, 'aws:ec2:vpc', 'ELBSubnets'))).toEqual(
      resolve(vpc.selectSubnets({ subnetType: ec2.SubnetType.PUBLIC }).subnetIds.join(',')),
    );
    expect(option(template, 'aws:ec2:vpc', 'ELBScheme')).toBe('public');
    expect(option(template, 'aws:ec2:vpc', 'AssociatePublicIpAddress')).toBe('false');
    expect(option(template, 'aws:elasticbeanstalk:environment', 'LoadBalancerType')).toBe('application');
    expect(option(template, 'aws:elasticbeanstalk:environment', 'EnvironmentType')).toBe('LoadBalanced');
  });

  test('is secure and operable by default: enhanced health, managed updates, log streaming with retention, rotated logs to S3, IMDSv2 only', () => {
    const { template } = sample();
    expect(option(template, 'aws:elasticbeanstalk:healthreporting:system', 'SystemType')).toBe('enhanced');
    expect(option(template, 'aws:elasticbeanstalk:managedactions', 'ManagedActionsEnabled')).toBe('true');
    expect(option(template, 'aws:elasticbeanstalk:managedactions', 'PreferredStartTime')).toBe('Sun:03:00');
    expect(option(template, 'aws:elasticbeanstalk:managedactions', 'ServiceRoleForManagedUpdates')).toBe(
      'AWSServiceRoleForElasticBeanstalkManagedUpdates',
    );
    expect(option(template, 'aws:elasticbeanstalk:managedactions:platformupdate', 'UpdateLevel')).toBe('minor');
    expect(option(template, 'aws:elasticbeanstalk:cloudwatch:logs', 'StreamLogs')).toBe('true');
    expect(option(template, 'aws:elasticbeanstalk:cloudwatch:logs', 'RetentionInDays')).toBe('365');
    expect(option(template, 'aws:elasticbeanstalk:cloudwatch:logs', 'DeleteOnTerminate')).toBe('false');
    expect(option(template, 'aws:elasticbeanstalk:cloudwatch:logs:health', 'HealthStreamingEnabled')).toBe('true');
    expect(option(template, 'aws:elasticbeanstalk:hostmanager', 'LogPublicationControl')).toBe('true');
    expect(option(template, 'aws:autoscaling:launchconfiguration', 'DisableIMDSv1')).toBe('true');
    expect(option(template, 'aws:autoscaling:asg', 'MinSize')).toBe('2');
    expect(option(template, 'aws:autoscaling:asg', 'MaxSize')).toBe('4');
    expect(option(template, 'aws:ec2:instances', 'InstanceTypes')).toBe('c7g.medium,m7g.medium');
    expect(option(template, 'aws:ec2:instances', 'SupportedArchitectures')).toBe('arm64');
    expect(option(template, 'aws:elasticbeanstalk:command', 'DeploymentPolicy')).toBe('Immutable');
    // Immutable deployments have no batches: no batch setting is written.
    expect(option(template, 'aws:elasticbeanstalk:command', 'BatchSize')).toBeUndefined();
  });

  test('sends load balancer access logs to the shared log bucket, which lets ELB log delivery write under the prefix', () => {
    const { template, stack } = sample();
    const bucketId = Object.keys(template.findResources('AWS::S3::Bucket')).find((id) =>
      id.startsWith('CdkComputePatternsAccessLogs'),
    )!;
    expect(option(template, 'aws:elbv2:loadbalancer', 'AccessLogsS3Enabled')).toBe('true');
    expect(option(template, 'aws:elbv2:loadbalancer', 'AccessLogsS3Bucket')).toEqual({ Ref: bucketId });
    expect(option(template, 'aws:elbv2:loadbalancer', 'AccessLogsS3Prefix')).toBe(`${stack.stackName}-Web`);
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 's3:PutObject',
            Principal: Match.objectLike({ Service: 'logdelivery.elasticloadbalancing.amazonaws.com' }),
          }),
        ]),
      },
    });
    // ELB checks it may write when logging is turned on: the environment waits for the bucket policy.
    const env = Object.values(template.findResources('AWS::ElasticBeanstalk::Environment'))[0];
    expect(env.DependsOn).toEqual(
      expect.arrayContaining([expect.stringMatching(/^CdkComputePatternsAccessLogsPolicy/)]),
    );
  });

  test('gives the instances a role with the platform needs only: the exact app version object, its environment files and logs, its health reports', () => {
    const { template } = sample();
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'ec2.amazonaws.com' } })],
      },
      ManagedPolicyArns: Match.absent(),
    });
    const policy = Object.values(template.findResources('AWS::IAM::ManagedPolicy')).find((p) =>
      JSON.stringify(p).includes('ReadApplicationVersion'),
    )!;
    const statements = policy.Properties.PolicyDocument.Statement as {
      Sid: string;
      Action: unknown;
      Resource: unknown;
    }[];
    expect(statements.map((s) => [s.Sid, s.Action])).toEqual([
      ['ReadApplicationVersion', 's3:GetObject'],
      ['ReadEnvironmentFiles', 's3:GetObject'],
      ['PublishRotatedLogs', 's3:PutObject'],
      ['StreamLogs', ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents']],
      ['ReportHealth', 'elasticbeanstalk:PutInstanceStatistics'],
    ]);
    // The application version: one object key, never the whole assets bucket.
    expect(JSON.stringify(statements[0].Resource)).toMatch(/[0-9a-f]{64}\.zip/);
    template.hasResourceProperties('AWS::IAM::InstanceProfile', {
      Roles: [{ Ref: Match.stringLikeRegexp('^WebInstanceRole') }],
    });
  });

  test('gives Elastic Beanstalk a service role for enhanced health, assumable with its external id, and uses the service-linked role for managed updates', () => {
    const { template } = sample();
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'elasticbeanstalk.amazonaws.com' },
            Condition: { StringEquals: { 'sts:ExternalId': 'elasticbeanstalk' } },
          }),
        ],
      },
    });
    const role = option(template, 'aws:elasticbeanstalk:environment', 'ServiceRole') as { 'Fn::GetAtt': string[] };
    expect(role['Fn::GetAtt'][0]).toMatch(/^WebServiceRole/);
    // No AWS managed policy: the enhanced-health actions are in a customer managed policy.
    const roles = template.findResources('AWS::IAM::Role');
    expect(Object.values(roles).flatMap((r) => r.Properties.ManagedPolicyArns ?? [])).toEqual([]);
  });

  test('raises an environment-health alarm and a 5xx alarm that notify the alarm topic', () => {
    const { template, app } = sample();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ElasticBeanstalk',
      MetricName: 'EnvironmentHealth',
      Dimensions: [{ Name: 'EnvironmentName', Value: app.environmentName }],
      Threshold: 20,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^CdkComputePatternsAlarms') }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApplicationRequests5xx',
      Threshold: 10,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^CdkComputePatternsAlarms') }],
    });
    // Enhanced health publishes the 5xx metric the alarm reads.
    expect(
      JSON.parse(option(template, 'aws:elasticbeanstalk:healthreporting:system', 'ConfigDocument') as string),
    ).toEqual({
      Version: 1,
      CloudWatchMetrics: { Environment: { ApplicationRequests5xx: 60 } },
    });
    expect(app.alarms.environmentHealth).toBeDefined();
    expect(app.alarms.target5xx).toBeDefined();
  });

  test('names the environment from its construct path, within the 40 characters Elastic Beanstalk allows', () => {
    const { app } = sample();
    expect(app.environmentName).toMatch(/^[A-Za-z0-9][A-Za-z0-9-]{2,38}[A-Za-z0-9]$/);
  });

  test('warns (plainHttp) when plain HTTP is not chosen explicitly', () => {
    const { stack } = sample();
    Annotations.fromStack(stack).hasWarning(
      `/${stack.stackName}/Web`,
      Match.stringLikeRegexp('serves plain HTTP to the internet.*\\[ack: cdk-compute-patterns:plainHttp\\]'),
    );
  });
});

describe('BeanstalkWebApp options', () => {
  test('serves HTTPS with the certificate and TLS 1.2+, and adds the port-80 redirect to a directory source', () => {
    // GIVEN: the test reads the staged copy of the source bundle, so this app stages assets (see TEST_CONTEXT)
    const stack = new Stack(testApp({ context: { 'aws:cdk:disable-asset-staging': false } }), 'Agnostic');
    // WHEN
    const app = new BeanstalkWebApp(stack, 'Web', {
      sourcePath: SOURCE,
      certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', CERT_ARN),
    });
    // THEN
    const template = Template.fromStack(stack);
    expect(option(template, 'aws:elbv2:listener:443', 'Protocol')).toBe('HTTPS');
    expect(option(template, 'aws:elbv2:listener:443', 'SSLCertificateArns')).toBe(CERT_ARN);
    expect(option(template, 'aws:elbv2:listener:443', 'SSLPolicy')).toBe('ELBSecurityPolicy-TLS13-1-2-2021-06');
    expect(option(template, 'aws:elbv2:listener:default', 'ListenerEnabled')).toBeUndefined();
    expect(app.url).toMatch(/^https:\/\//);
    // The asset holds the user's files and the redirect: the listener Elastic Beanstalk creates redirects to 443.
    const staged = (app.node.findChild('SourceBundle') as unknown as { assetPath: string }).assetPath;
    const assembly = stack.node.root as unknown as { synth: () => { directory: string } };
    const dir = path.join(assembly.synth().directory, staged);
    expect(fs.readdirSync(dir).sort()).toEqual(['.ebextensions', 'app.js', 'package.json']);
    const config = fs.readFileSync(
      path.join(dir, '.ebextensions', 'cdk-compute-patterns-https-redirect.config'),
      'utf8',
    );
    expect(config).toContain('AWSEBV2LoadBalancerListener:');
    expect(config).toMatch(/Type: redirect\s+RedirectConfig:\s+Protocol: HTTPS\s+Port: '443'/);
    expect(config).toContain('StatusCode: HTTP_301');
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });

  test('keeps one staged copy of a directory source per content, however many times it is synthesized', () => {
    // GIVEN: the copy with the redirect added lives in the system temp directory, named by its content
    const copies = () => fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('cdk-compute-patterns-beanstalk-'));
    const before = new Set(copies());
    const stagedPath = () => {
      const stack = agnosticStack();
      const app = new BeanstalkWebApp(stack, 'Web', {
        sourcePath: SOURCE,
        certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', CERT_ARN),
      });
      return (app.node.findChild('SourceBundle') as unknown as { assetPath: string }).assetPath;
    };
    // WHEN: the same app is synthesized three times
    const paths = [stagedPath(), stagedPath(), stagedPath()];
    // THEN: one copy, reused, holding the user's files and the redirect
    expect(new Set(paths).size).toBe(1);
    expect(path.basename(paths[0])).toMatch(/^cdk-compute-patterns-beanstalk-[0-9a-f]{32}$/);
    expect(copies().filter((f) => !before.has(f)).length).toBeLessThanOrEqual(1);
    expect(copies()).toContain(path.basename(paths[0]));
    expect(fs.readdirSync(paths[0]).sort()).toEqual(['.ebextensions', 'app.js', 'package.json']);
  });

  test('closes port 80 instead of serving HTTP when HTTPS is on and the source is a .zip it cannot change', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beanstalk-zip-'));
    const zip = path.join(dir, 'app.zip');
    fs.writeFileSync(zip, 'PK\u0005\u0006' + '\u0000'.repeat(18)); // an empty zip archive
    const stack = agnosticStack();
    new BeanstalkWebApp(stack, 'Web', {
      sourcePath: zip,
      certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', CERT_ARN),
    });
    const template = Template.fromStack(stack);
    expect(option(template, 'aws:elbv2:listener:default', 'ListenerEnabled')).toBe('false');
    template.hasResourceProperties('AWS::ElasticBeanstalk::ApplicationVersion', {
      SourceBundle: { S3Key: Match.stringLikeRegexp('\\.zip$') },
    });
  });

  test('writes every typed prop as its option setting', () => {
    const stack = specificStack();
    const vpc = new SecureVpc(stack, 'Vpc', { maxAzs: 2 });
    const app = new BeanstalkWebApp(stack, 'Web', {
      sourcePath: SOURCE,
      protocol: elbv2.ApplicationProtocol.HTTP,
      vpc,
      environmentName: 'shop-web',
      applicationName: 'shop',
      instanceTypes: [new ec2.InstanceType('m7i.large'), new ec2.InstanceType('c7i.large')],
      minCapacity: 3,
      maxCapacity: 9,
      environment: { LOG_LEVEL: 'info', STAGE: 'prod' },
      deploymentPolicy: BeanstalkDeploymentPolicy.TRAFFIC_SPLITTING,
      trafficSplitPercent: 20,
      trafficSplitEvaluationTime: Duration.minutes(15),
      maintenanceWindow: 'Tue:04:30',
      updateLevel: BeanstalkUpdateLevel.PATCH,
      healthCheckPath: '/health',
      solutionStackName: '64bit Amazon Linux 2023 v6.10.0 running Node.js 22',
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ElasticBeanstalk::Application', { ApplicationName: 'shop' });
    template.hasResourceProperties('AWS::ElasticBeanstalk::Environment', {
      EnvironmentName: 'shop-web',
      SolutionStackName: '64bit Amazon Linux 2023 v6.10.0 running Node.js 22',
    });
    expect(app.environmentName).toBe('shop-web');
    expect(option(template, 'aws:ec2:instances', 'InstanceTypes')).toBe('m7i.large,c7i.large');
    expect(option(template, 'aws:ec2:instances', 'SupportedArchitectures')).toBe('x86_64');
    expect(option(template, 'aws:autoscaling:asg', 'MinSize')).toBe('3');
    expect(option(template, 'aws:autoscaling:asg', 'MaxSize')).toBe('9');
    expect(option(template, 'aws:elasticbeanstalk:application:environment', 'LOG_LEVEL')).toBe('info');
    expect(option(template, 'aws:elasticbeanstalk:application:environment', 'STAGE')).toBe('prod');
    expect(option(template, 'aws:elasticbeanstalk:command', 'DeploymentPolicy')).toBe('TrafficSplitting');
    expect(option(template, 'aws:elasticbeanstalk:trafficsplitting', 'NewVersionPercent')).toBe('20');
    expect(option(template, 'aws:elasticbeanstalk:trafficsplitting', 'EvaluationTime')).toBe('15');
    expect(option(template, 'aws:elasticbeanstalk:managedactions', 'PreferredStartTime')).toBe('Tue:04:30');
    expect(option(template, 'aws:elasticbeanstalk:managedactions:platformupdate', 'UpdateLevel')).toBe('patch');
    expect(option(template, 'aws:elasticbeanstalk:environment:process:default', 'HealthCheckPath')).toBe('/health');
    // The log groups and health reports the instance role may write are this environment's.
    expect(JSON.stringify(template.toJSON())).toContain('log-group:/aws/elasticbeanstalk/shop-web/*');
  });

  test('writes the batch settings of a rolling deployment', () => {
    const stack = agnosticStack();
    build(
      {
        deploymentPolicy: BeanstalkDeploymentPolicy.ROLLING_WITH_ADDITIONAL_BATCH,
        deploymentBatchSize: 25,
        deploymentBatchSizeType: BeanstalkBatchSizeType.PERCENTAGE,
      },
      stack,
    )();
    const template = Template.fromStack(stack);
    expect(option(template, 'aws:elasticbeanstalk:command', 'DeploymentPolicy')).toBe('RollingWithAdditionalBatch');
    expect(option(template, 'aws:elasticbeanstalk:command', 'BatchSizeType')).toBe('Percentage');
    expect(option(template, 'aws:elasticbeanstalk:command', 'BatchSize')).toBe('25');
  });

  test('lets optionSettings replace a setting of the construct and add any other', () => {
    const stack = agnosticStack();
    build(
      {
        optionSettings: [
          {
            optionNamespace: 'aws:elasticbeanstalk:managedactions',
            optionName: 'PreferredStartTime',
            value: 'Sat:01:00',
          },
          { optionNamespace: 'aws:elasticbeanstalk:environment:proxy', optionName: 'ProxyServer', value: 'apache' },
        ],
      },
      stack,
    )();
    const template = Template.fromStack(stack);
    expect(option(template, 'aws:elasticbeanstalk:managedactions', 'PreferredStartTime')).toBe('Sat:01:00');
    expect(option(template, 'aws:elasticbeanstalk:environment:proxy', 'ProxyServer')).toBe('apache');
  });

  test('uses a platform ARN instead of a solution stack name when given one', () => {
    const stack = agnosticStack();
    const arn = 'arn:aws:elasticbeanstalk:eu-west-1::platform/Node.js 22 running on 64bit Amazon Linux 2023/6.10.0';
    build({ platformArn: arn }, stack)();
    Template.fromStack(stack).hasResourceProperties('AWS::ElasticBeanstalk::Environment', {
      PlatformArn: arn,
      SolutionStackName: Match.absent(),
    });
  });

  test('sends access logs to the bucket given', () => {
    const stack = agnosticStack();
    const bucket = new s3.Bucket(stack, 'Logs');
    build({ accessLogBucket: bucket }, stack)();
    const template = Template.fromStack(stack);
    expect(option(template, 'aws:elbv2:loadbalancer', 'AccessLogsS3Bucket')).toEqual({
      Ref: stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket),
    });
    template.resourceCountIs('AWS::S3::Bucket', 1);
  });

  test('is an IGrantable (the instance role) and an IConnectable (its security group)', () => {
    const stack = agnosticStack();
    const app = build({}, stack)();
    const bucket = new s3.Bucket(stack, 'Data');
    bucket.grantRead(app);
    const db = new ec2.SecurityGroup(stack, 'Db', { vpc: app.vpc });
    db.connections.allowFrom(app, ec2.Port.tcp(5432));
    const template = Template.fromStack(stack);
    // The user's grant lands in the instance role's own customer managed policy.
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^WebInstanceRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['s3:GetObject*']) })]),
      },
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 5432,
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebInstanceSecurityGroup'), 'GroupId'] },
    });
    expect(option(template, 'aws:autoscaling:launchconfiguration', 'SecurityGroups')).toEqual({
      'Fn::GetAtt': [stack.getLogicalId(app.securityGroup.node.defaultChild as ec2.CfnSecurityGroup), 'GroupId'],
    });
  });

  test('adds the interface endpoints Elastic Beanstalk instances need to a VPC whose private subnets have no egress', () => {
    const stack = agnosticStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      natGateways: 0,
      subnetConfiguration: [
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC },
        { name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      ],
    });
    build({ vpc }, stack)();
    const services = Object.values(Template.fromStack(stack).findResources('AWS::EC2::VPCEndpoint')).map((e) =>
      JSON.stringify(e.Properties.ServiceName),
    );
    for (const s of ['elasticbeanstalk"', 'elasticbeanstalk-health', 'cloudformation', 'sqs', 'logs']) {
      expect(services.some((x) => x.includes(`.${s}`))).toBe(true);
    }
  });

  test.each([
    ['environment-agnostic', agnosticStack],
    ['environment-specific', specificStack],
  ])('warns (singleInstance), never fails, when minCapacity is 1, in an %s stack', (_kind, makeStack) => {
    const stack = makeStack();
    build({ minCapacity: 1 }, stack)();
    Annotations.fromStack(stack).hasWarning(
      `/${stack.stackName}/Web`,
      'minCapacity is 1: the environment can scale in to a single instance, which does not survive the loss of that instance or its Availability Zone; use 2 or more in production [ack: cdk-compute-patterns:singleInstance]',
    );
  });

  test('does not warn at the defaults with protocol HTTP chosen', () => {
    const stack = agnosticStack();
    build({}, stack)();
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });
});

describe('BeanstalkWebApp validation', () => {
  test.each([0, -1, 2.5])('fails when minCapacity is %p', (value) => {
    expect(build({ minCapacity: value })).toThrow(
      new Error(
        `Agnostic/Web: minCapacity must be a positive integer (2 or more for a highly available environment: an instance in each of two Availability Zones); received ${value}`,
      ),
    );
  });

  test('fails when minCapacity is greater than maxCapacity', () => {
    expect(build({ minCapacity: 5, maxCapacity: 4 })).toThrow(
      new Error('Agnostic/Web: minCapacity (5) must not be greater than maxCapacity (4)'),
    );
  });

  test('fails when the instance types mix CPU architectures', () => {
    expect(build({ instanceTypes: [new ec2.InstanceType('c7g.medium'), new ec2.InstanceType('c7i.large')] })).toThrow(
      new Error(
        'Agnostic/Web: instanceTypes must share one CPU architecture (the platform runs one machine image); received c7g.medium (arm64) and c7i.large (x86_64)',
      ),
    );
  });

  test('fails when an instance type is listed twice', () => {
    expect(build({ instanceTypes: [new ec2.InstanceType('c7g.medium'), new ec2.InstanceType('c7g.medium')] })).toThrow(
      new Error('Agnostic/Web: instanceTypes must list distinct instance types; received c7g.medium more than once'),
    );
  });

  test('fails when the instance types are an empty list', () => {
    expect(build({ instanceTypes: [] })).toThrow(
      new Error(
        'Agnostic/Web: instanceTypes must name at least one instance type; received an empty list. Omit it for the defaults (c7g.medium, m7g.medium)',
      ),
    );
  });

  test('fails when the source is neither a directory nor a .zip', () => {
    expect(build({ sourcePath: path.join(SOURCE, 'app.js') })).toThrow(
      new Error(
        `Agnostic/Web: sourcePath must be a directory or a .zip file; received '${path.join(SOURCE, 'app.js')}', which is neither`,
      ),
    );
    expect(build({ sourcePath: '/nonexistent/app' })).toThrow(
      new Error(
        "Agnostic/Web: sourcePath must be a directory or a .zip file; received '/nonexistent/app', which does not exist",
      ),
    );
  });

  test('fails when both a solution stack name and a platform ARN are given', () => {
    expect(build({ solutionStackName: 'x', platformArn: 'arn:aws:elasticbeanstalk:eu-west-1::platform/x/1' })).toThrow(
      new Error(
        'Agnostic/Web: give either solutionStackName or platformArn, not both: a platform is named either by its solution stack name or by its ARN',
      ),
    );
  });

  test('fails when an environment variable carries a secret', () => {
    expect(build({ environment: { DB_PASSWORD: 'x' } })).toThrow(
      new Error(
        'Agnostic/Web: environment must not carry credentials or secrets; received DB_PASSWORD, whose name marks one. Environment properties are readable by anyone who can describe the environment: grant the instance role access to AWS Secrets Manager (grantPrincipal) and read the secret at run time, or rename the variable if it holds no secret',
      ),
    );
  });

  test.each([
    BeanstalkDeploymentPolicy.IMMUTABLE,
    BeanstalkDeploymentPolicy.ALL_AT_ONCE,
    BeanstalkDeploymentPolicy.TRAFFIC_SPLITTING,
  ])('fails when batch settings are given with the %s policy, which has no batches', (policy) => {
    expect(build({ deploymentPolicy: policy, deploymentBatchSize: 2 })).toThrow(
      new Error(
        `Agnostic/Web: deploymentBatchSize and deploymentBatchSizeType apply to ROLLING and ROLLING_WITH_ADDITIONAL_BATCH deployments only; received them with ${policy}. Remove them, or choose a rolling deploymentPolicy`,
      ),
    );
  });

  test('fails when batch settings are given with the default (immutable) policy', () => {
    expect(build({ deploymentBatchSizeType: BeanstalkBatchSizeType.PERCENTAGE })).toThrow(
      /apply to ROLLING and ROLLING_WITH_ADDITIONAL_BATCH deployments only; received them with Immutable/,
    );
  });

  test('fails when a ROLLING deployment batch takes every instance out of service at once', () => {
    expect(build({ deploymentPolicy: BeanstalkDeploymentPolicy.ROLLING, deploymentBatchSize: 2 })).toThrow(
      new Error(
        'Agnostic/Web: a ROLLING deployment with batches of 2 takes every instance (minCapacity 2) out of service at once; use a smaller deploymentBatchSize, ROLLING_WITH_ADDITIONAL_BATCH to keep full capacity, or ALL_AT_ONCE if downtime is acceptable',
      ),
    );
    expect(
      build({
        deploymentPolicy: BeanstalkDeploymentPolicy.ROLLING,
        deploymentBatchSize: 100,
        deploymentBatchSizeType: BeanstalkBatchSizeType.PERCENTAGE,
      }),
    ).toThrow(
      /a ROLLING deployment with batches of 100% takes every instance \(minCapacity 2\) out of service at once/,
    );
    // With an additional batch, full capacity stays in service: allowed.
    expect(
      build({ deploymentPolicy: BeanstalkDeploymentPolicy.ROLLING_WITH_ADDITIONAL_BATCH, deploymentBatchSize: 2 }),
    ).not.toThrow();
  });

  test('fails when a percentage batch size is outside 1 to 100', () => {
    expect(
      build({
        deploymentPolicy: BeanstalkDeploymentPolicy.ROLLING,
        deploymentBatchSize: 150,
        deploymentBatchSizeType: BeanstalkBatchSizeType.PERCENTAGE,
      }),
    ).toThrow(
      new Error('Agnostic/Web: deploymentBatchSize (a percentage) must be an integer between 1 and 100; received 150'),
    );
  });

  test('fails when traffic-splitting settings are given with another policy', () => {
    expect(build({ deploymentPolicy: BeanstalkDeploymentPolicy.ROLLING, trafficSplitPercent: 10 })).toThrow(
      new Error(
        'Agnostic/Web: trafficSplitPercent and trafficSplitEvaluationTime apply to TRAFFIC_SPLITTING deployments only; received them with Rolling. Remove them, or set deploymentPolicy: BeanstalkDeploymentPolicy.TRAFFIC_SPLITTING',
      ),
    );
  });

  test('fails when the traffic-splitting evaluation time is not 3 to 600 whole minutes', () => {
    expect(
      build({
        deploymentPolicy: BeanstalkDeploymentPolicy.TRAFFIC_SPLITTING,
        trafficSplitEvaluationTime: Duration.seconds(90),
      }),
    ).toThrow(
      new Error(
        'Agnostic/Web: trafficSplitEvaluationTime must be whole minutes between 3 and 600; received 1 minute 30 seconds',
      ),
    );
  });

  test('fails when the maintenance window is not Day:HH:MM', () => {
    expect(build({ maintenanceWindow: 'Sunday 3am' })).toThrow(
      new Error("Agnostic/Web: maintenanceWindow must be 'Day:HH:MM' in UTC, e.g. 'Sun:03:00'; received 'Sunday 3am'"),
    );
  });

  test('fails when the environment name is not 4 to 40 letters, digits and hyphens', () => {
    expect(build({ environmentName: 'my_env' })).toThrow(
      new Error(
        "Agnostic/Web: environmentName must be 4 to 40 letters, digits and hyphens, not starting or ending with a hyphen; received 'my_env'",
      ),
    );
  });

  test('fails when protocol HTTPS is asked for without a certificate', () => {
    expect(build({ protocol: elbv2.ApplicationProtocol.HTTPS })).toThrow(
      new Error(
        'Agnostic/Web: protocol HTTPS needs a certificate; received none. Pass certificate (an ACM certificate for your domain), or set protocol: ApplicationProtocol.HTTP',
      ),
    );
  });

  test.each([
    ['environment-agnostic', agnosticStack],
    ['environment-specific', specificStack],
  ])('fails when the instance subnets are in one Availability Zone (%s stack)', (_kind, makeStack) => {
    const stack = makeStack();
    const vpc = new SecureVpc(stack, 'Vpc', { maxAzs: 2 });
    const subnet = vpc.privateSubnets[0];
    expect(build({ vpc, vpcSubnets: { subnets: [subnet] } }, stack)).toThrow(
      new RegExp(
        `^${stack.stackName}/Web: the instances must span at least two Availability Zones to be highly available; the selected subnets \\(1\\) are in 1 \\(`,
      ),
    );
  });

  test('fails when the instance subnets share one token Availability Zone (environment-agnostic)', () => {
    const stack = agnosticStack();
    const az = Stack.of(stack).availabilityZones[0];
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Imported', {
      vpcId: 'vpc-1',
      availabilityZones: [az, az],
      privateSubnetIds: ['subnet-1', 'subnet-2'],
      publicSubnetIds: ['subnet-3', 'subnet-4'],
    });
    expect(build({ vpc, vpcEndpointsProvided: true }, stack)).toThrow(
      /^Agnostic\/Web: the instances must span at least two Availability Zones to be highly available; the selected subnets \(2\) are in 1 \(.*known at deploy time\)/,
    );
  });

  test('fails when the VPC has no public subnets for the internet-facing load balancer', () => {
    const stack = agnosticStack();
    const vpc = new SecureVpc(stack, 'Vpc', { natGateways: 0 });
    expect(build({ vpc }, stack)).toThrow(
      new Error(
        'Agnostic/Web: the load balancer is internet-facing and needs public subnets in two or more Availability Zones; the VPC Agnostic/Vpc has none. Pass a VPC with public subnets (a SecureVpc has them unless natGateways is 0), or use a BeanstalkWorker for work without a load balancer',
      ),
    );
  });

  test('fails when the instance subnets are public', () => {
    const stack = agnosticStack();
    const vpc = new SecureVpc(stack, 'Vpc', { maxAzs: 2 });
    expect(build({ vpc, vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } }, stack)).toThrow(
      /^Agnostic\/Web: vpcSubnets must select private subnets: the instances get no public IP address and only the load balancer is public; received public subnets /,
    );
  });
});
