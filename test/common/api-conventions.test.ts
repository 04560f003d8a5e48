import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { BEANSTALK_SAMPLE_SOURCES } from '../../examples/beanstalk-app-stack';
import {
  BeanstalkWebApp,
  BeanstalkWorker,
  Ec2WebService,
  EksAccessLevel,
  EksCluster,
  FargateWebService,
  HighlyAvailableFleet,
  BatchJobQueue,
  InventoryLoader,
  LightsailServer,
  SecureLoadBalancer,
  SecureRepository,
  SecureVpc,
  ServerlessApi,
  ServiceDeployment,
} from '../../lib';
import { agnosticStack, specificStack } from '../support/cdk-context';

// The API conventions of docs/CONVENTIONS.md, checked on every pattern at once: siblings speak alike.

const IMAGE = ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:1.27');
const ADMIN = 'arn:aws:iam::123456789012:role/Admin';
const WEB = BEANSTALK_SAMPLE_SOURCES.web;
const OTHER = 'arn:aws:iam::123456789012:role/Other';

interface Alarming extends Construct {
  readonly alarmTopic: sns.ITopic;
  readonly alarms: object;
}

/** The patterns with alarms, built with the given alarm topic. */
const ALARMING: [string, (scope: Construct, topic?: sns.ITopic) => Alarming][] = [
  ['HighlyAvailableFleet', (s, alarmTopic) => new HighlyAvailableFleet(s, 'P', { alarmTopic })],
  ['FargateWebService', (s, alarmTopic) => new FargateWebService(s, 'P', { image: IMAGE, alarmTopic })],
  ['InventoryLoader', (s, alarmTopic) => new InventoryLoader(s, 'P', { alarmTopic })],
  ['BeanstalkWebApp', (s, alarmTopic) => new BeanstalkWebApp(s, 'P', { sourcePath: WEB, alarmTopic })],
  ['BeanstalkWorker', (s, alarmTopic) => new BeanstalkWorker(s, 'P', { sourcePath: WEB, alarmTopic })],
  ['Ec2WebService', (s, alarmTopic) => new Ec2WebService(s, 'P', { image: IMAGE, alarmTopic })],
  ['EksCluster', (s, alarmTopic) => new EksCluster(s, 'P', { adminPrincipalArns: [ADMIN], alarmTopic })],
  ['ServerlessApi', (s, alarmTopic) => new ServerlessApi(s, 'P', { alarmTopic })],
  ['BatchJobQueue', (s, alarmTopic) => new BatchJobQueue(s, 'P', { alarmTopic })],
];

/** Every pattern owning network endpoints, as IConnectable. */
const CONNECTABLE: [string, (scope: Construct) => ec2.IConnectable][] = [
  ['HighlyAvailableFleet', (s) => new HighlyAvailableFleet(s, 'P')],
  ['FargateWebService', (s) => new FargateWebService(s, 'P', { image: IMAGE })],
  ['EksCluster', (s) => new EksCluster(s, 'P', { adminPrincipalArns: [ADMIN] })],
  ['InventoryLoader', (s) => new InventoryLoader(s, 'P')],
  ['BeanstalkWebApp', (s) => new BeanstalkWebApp(s, 'P', { sourcePath: WEB })],
];

/** Every pattern whose compute acts in AWS as one principal, as IGrantable, with that principal's role. */
const GRANTABLE: [string, (scope: Construct) => [iam.IGrantable, iam.IRole]][] = [
  [
    'HighlyAvailableFleet',
    (s) => {
      const p = new HighlyAvailableFleet(s, 'P');
      return [p, p.instanceRole];
    },
  ],
  [
    'FargateWebService',
    (s) => {
      const p = new FargateWebService(s, 'P', { image: IMAGE });
      return [p, p.taskRole];
    },
  ],
  [
    'InventoryLoader',
    (s) => {
      const p = new InventoryLoader(s, 'P');
      return [p, p.function.role!];
    },
  ],
  [
    'BeanstalkWebApp',
    (s) => {
      const p = new BeanstalkWebApp(s, 'P', { sourcePath: WEB });
      return [p, p.instanceRole];
    },
  ],
];

describe.each(ALARMING)('%s alarms', (_name, build) => {
  test('`alarms` is a named object of cloudwatch.Alarm, each notifying the alarmTopic given', () => {
    // GIVEN
    const stack = agnosticStack();
    const topic = new sns.Topic(stack, 'Ops');
    // WHEN
    const pattern = build(stack, topic);
    // THEN
    expect(pattern.alarmTopic).toBe(topic);
    const alarms = Object.values(pattern.alarms);
    expect(alarms.length).toBeGreaterThan(0);
    const template = Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm');
    for (const alarm of alarms) {
      expect(alarm).toBeInstanceOf(cloudwatch.Alarm);
      const id = stack.getLogicalId((alarm as cloudwatch.Alarm).node.defaultChild as cloudwatch.CfnAlarm);
      expect(template[id].Properties.AlarmActions).toEqual([
        { Ref: stack.getLogicalId(topic.node.defaultChild as sns.CfnTopic) },
      ]);
    }
  });

  test('lets CloudWatch alarms use the key of an alarmTopic encrypted with a key of this app', () => {
    // GIVEN the user's topic, encrypted with their key
    const stack = agnosticStack();
    const key = new kms.Key(stack, 'OpsKey', { enableKeyRotation: true });
    const topic = new sns.Topic(stack, 'Ops', { masterKey: key });
    // WHEN the pattern's alarms notify it
    build(stack, topic);
    // THEN the key lets CloudWatch alarms of this account and Region use it (without it every notification fails
    // with a KMS AccessDenied), and nothing warns
    const keyPolicy = Template.fromStack(stack).toJSON().Resources[
      stack.getLogicalId(key.node.defaultChild as kms.CfnKey)
    ].Properties.KeyPolicy.Statement as Record<string, unknown>[];
    expect(keyPolicy.filter((s) => s.Sid === 'AllowCloudWatchAlarmsToUseTheKey')).toEqual([
      expect.objectContaining({
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Condition: expect.objectContaining({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }),
      }),
    ]);
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('alarmTopicKey'));
  });

  test('defaults alarmTopic to the stack shared encrypted topic', () => {
    const stack = agnosticStack();
    const pattern = build(stack);
    expect(pattern.alarmTopic.node.path).toBe('Agnostic/CdkComputePatternsAlarms');
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
  });
});

describe.each(CONNECTABLE)('%s connections', (_name, build) => {
  test('is IConnectable: allowing it into a security group opens the port to its own security groups', () => {
    const stack = agnosticStack();
    const pattern = build(stack);
    const db = new ec2.SecurityGroup(stack, 'Db', { vpc: new ec2.Vpc(stack, 'DbVpc', { maxAzs: 2 }) });
    db.connections.allowFrom(pattern, ec2.Port.tcp(5432));
    const sources = pattern.connections.securityGroups.map((sg) => stack.resolve(sg.securityGroupId));
    expect(sources.length).toBeGreaterThan(0);
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 5432,
      SourceSecurityGroupId: sources[0],
    });
  });
});

describe.each(GRANTABLE)('%s grants', (_name, build) => {
  test('is IGrantable: grantPrincipal is the role its compute runs as', () => {
    const stack = agnosticStack();
    const [pattern, role] = build(stack);
    expect(pattern.grantPrincipal).toBe(role);
  });
});

describe.each([
  ['HighlyAvailableFleet', (s: Construct, minCapacity: number) => new HighlyAvailableFleet(s, 'P', { minCapacity })],
  [
    'FargateWebService',
    (s: Construct, minCapacity: number) =>
      new FargateWebService(s, 'P', { image: IMAGE, minCapacity, desiredCount: Math.max(minCapacity, 1) }),
  ],
  [
    'Ec2WebService',
    (s: Construct, minCapacity: number) =>
      new Ec2WebService(s, 'P', { image: IMAGE, minCapacity, desiredCount: Math.max(minCapacity, 1) }),
  ],
  [
    'EksCluster',
    (s: Construct, minCapacity: number) =>
      new EksCluster(s, 'P', { adminPrincipalArns: [ADMIN], minCapacity, desiredCapacity: Math.max(minCapacity, 1) }),
  ],
  [
    'BeanstalkWebApp',
    (s: Construct, minCapacity: number) => new BeanstalkWebApp(s, 'P', { sourcePath: WEB, minCapacity }),
  ],
])('%s capacity', (_name, build) => {
  test.each([
    ['environment-agnostic', agnosticStack],
    ['environment-specific', specificStack],
  ])('minCapacity 1 is the warning cdk-compute-patterns:singleInstance, not an error (%s stack)', (_kind, make) => {
    const stack: Stack = make();
    build(stack, 1);
    const warnings = Annotations.fromStack(stack).findWarning(`/${stack.stackName}/P`, Match.anyValue());
    expect(
      warnings.filter((w) => String(w.entry.data).endsWith('[ack: cdk-compute-patterns:singleInstance]')),
    ).toHaveLength(1);
  });

  test.each([0, 1.5])('fails when minCapacity is %p', (value) => {
    const stack = agnosticStack();
    expect(() => build(stack, value)).toThrow(/^Agnostic\/P: minCapacity must be/);
  });
});

/**
 * One bad input per validation site, per pattern: each error must start with the construct path it comes from
 * (a user with three clusters must know which one is wrong), whatever helper raised it.
 */
const M7I = new ec2.InstanceType('m7i.large');
const M7G = new ec2.InstanceType('m7g.large');
const eks = (props: object) => (s: Construct) => new EksCluster(s, 'P', { adminPrincipalArns: [ADMIN], ...props });
const inventory = (props: object) => (s: Construct) => new InventoryLoader(s, 'P', props);
const PUBLIC = { subnetType: ec2.SubnetType.PUBLIC };
/** A VPC of the test's own with public and private subnets in two zones, when a case selects its public ones. */
const ownVpc = (s: Construct, needed: boolean) => (needed ? { vpc: new ec2.Vpc(s, 'Vpc', { maxAzs: 2 }) } : {});
const ec2Service =
  (props: object, vpc = false) =>
  (s: Construct) =>
    new Ec2WebService(s, 'P', { image: IMAGE, ...ownVpc(s, vpc), ...props });
const fargate =
  (props: object, vpc = false) =>
  (s: Construct) =>
    new FargateWebService(s, 'P', { image: IMAGE, ...ownVpc(s, vpc), ...props });
const fleet =
  (props: object, vpc = false) =>
  (s: Construct) =>
    new HighlyAvailableFleet(s, 'P', { ...ownVpc(s, vpc), ...props });
const BAD_INPUTS: [string, (scope: Construct) => unknown, string][] = [
  [
    'EksCluster autoMode with nodeInstanceTypes',
    eks({ autoMode: true, nodeInstanceTypes: [M7I] }),
    'give either autoMode',
  ],
  ['EksCluster empty publicEndpointCidrs', eks({ publicEndpointCidrs: [] }), 'publicEndpointCidrs must list'],
  [
    'EksCluster publicEndpointCidrs open to all',
    eks({ publicEndpointCidrs: ['0.0.0.0/0'] }),
    'publicEndpointCidrs contains',
  ],
  [
    'EksCluster publicEndpointCidrs not a CIDR',
    eks({ publicEndpointCidrs: ['10.0.0.1'] }),
    'publicEndpointCidrs must contain',
  ],
  ['EksCluster repeated admin', eks({ adminPrincipalArns: [ADMIN, ADMIN] }), 'adminPrincipalArns lists'],
  ['EksCluster admin not an ARN', eks({ adminPrincipalArns: ['Admin'] }), 'adminPrincipalArns'],
  ['EksCluster empty fargateNamespaces', eks({ fargateNamespaces: [] }), 'fargateNamespaces must list'],
  ['EksCluster empty nodeInstanceTypes', eks({ nodeInstanceTypes: [] }), 'nodeInstanceTypes must list'],
  ['EksCluster mixed architectures', eks({ nodeInstanceTypes: [M7I, M7G] }), 'nodeInstanceTypes must all have'],
  ['EksCluster alarm threshold 0', eks({ apiServerErrorsAlarmThreshold: 0 }), 'apiServerErrorsAlarmThreshold'],
  [
    'EksCluster namespace access to a bad namespace',
    eks({ namespaceAccess: [{ principalArn: OTHER, accessLevel: EksAccessLevel.VIEW, namespaces: ['Shop'] }] }),
    "grantNamespaceAccess('arn:aws:iam::123456789012:role/Other') namespaces",
  ],
  [
    'EksCluster public subnets',
    (s) => {
      const vpc = new ec2.Vpc(s, 'Vpc', { maxAzs: 2 });
      return new EksCluster(s, 'P', {
        adminPrincipalArns: [ADMIN],
        vpc,
        vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      });
    },
    'EksCluster subnets must be private',
  ],
  [
    'EksCluster addServiceAccount with a bad name',
    (s) => eks({})(s).addServiceAccount('Reader', { name: 'Reader_SA' }),
    "addServiceAccount('Reader') name",
  ],
  [
    'EksCluster addFargateProfile without namespaces',
    (s) => eks({})(s).addFargateProfile('Jobs', []),
    "addFargateProfile('Jobs')",
  ],
  [
    'EksCluster addPodIdentity twice',
    (s) => {
      const cluster = eks({})(s);
      const podRole = new iam.Role(s, 'PodRole', { assumedBy: new iam.ServicePrincipal('pods.eks.amazonaws.com') });
      cluster.addPodIdentity('shop', 'app', podRole);
      return cluster.addPodIdentity('shop', 'app', podRole);
    },
    'addPodIdentity: service account shop/app already has a role',
  ],
  [
    'EksCluster addPodIdentity with a bad namespace',
    (s) =>
      eks({})(s).addPodIdentity('Shop', 'app', new iam.Role(s, 'R', { assumedBy: new iam.AccountRootPrincipal() })),
    'addPodIdentity namespace',
  ],
  ['InventoryLoader prefix without a slash', inventory({ uploadPrefix: 'uploads' }), 'uploadPrefix must be'],
  [
    'InventoryLoader overlapping prefixes',
    inventory({ uploadPrefix: 'a/', reportPrefix: 'a/b/' }),
    "uploadPrefix ('a/')",
  ],
  ['InventoryLoader memorySize', inventory({ memorySize: 128 }), 'memorySize must be'],
  ['InventoryLoader reservedConcurrency', inventory({ reservedConcurrency: 0 }), 'reservedConcurrency must be'],
  ['InventoryLoader timeout', inventory({ timeout: Duration.seconds(3) }), 'timeout must be'],
  [
    'SecureLoadBalancer empty allowedIngressCidrs',
    (s) => new SecureLoadBalancer(s, 'P', { vpc: new ec2.Vpc(s, 'Vpc', { maxAzs: 2 }), allowedIngressCidrs: [] }),
    'allowedIngressCidrs must list',
  ],
  [
    'Ec2WebService relative writablePaths',
    (s) => new Ec2WebService(s, 'P', { image: IMAGE, writablePaths: ['tmp'] }),
    'writablePaths must be absolute',
  ],
  ['Ec2WebService cpu 0', ec2Service({ cpu: 0 }), 'cpu must be'],
  ['Ec2WebService healthCheckPath', ec2Service({ healthCheckPath: 'health' }), 'healthCheckPath must start'],
  ['Ec2WebService minCapacity above max', ec2Service({ minCapacity: 5, maxCapacity: 4 }), 'minCapacity (5)'],
  [
    'Ec2WebService instance min above max',
    ec2Service({ instanceMinCapacity: 5, instanceMaxCapacity: 4 }),
    'instanceMinCapacity (5)',
  ],
  ['Ec2WebService root user', ec2Service({ user: 'root' }), 'user must not be root'],
  ['Ec2WebService secret in environment', ec2Service({ environment: { DB_PASSWORD: 'x' } }), 'environment must not'],
  ['Ec2WebService networkMode HOST', ec2Service({ networkMode: ecs.NetworkMode.HOST }), 'networkMode must be'],
  [
    'Ec2WebService mixed architectures',
    ec2Service({ instanceType: M7I, additionalInstanceTypes: [M7G] }),
    'instanceType and additionalInstanceTypes must share',
  ],
  [
    'Ec2WebService canary step 0',
    ec2Service({ deployment: ServiceDeployment.canary({ stepPercent: 0 }) }),
    'canary deployment stepPercent',
  ],
  ['Ec2WebService public subnets', ec2Service({ vpcSubnets: PUBLIC }, true), 'vpcSubnets must select private'],
  ['FargateWebService task size', fargate({ cpu: 300 }), 'cpu must be one of'],
  ['FargateWebService memory for cpu', fargate({ cpu: 256, memoryLimitMiB: 4096 }), 'memoryLimitMiB 4096'],
  ['FargateWebService containerPort', fargate({ containerPort: 0 }), 'containerPort must be'],
  ['FargateWebService healthCheckPath', fargate({ healthCheckPath: 'health' }), 'healthCheckPath must start'],
  ['FargateWebService onDemandBaseCount without spot', fargate({ onDemandBaseCount: 1 }), 'onDemandBaseCount'],
  ['FargateWebService desiredCount above max', fargate({ desiredCount: 9, maxCapacity: 4 }), 'desiredCount (9)'],
  ['FargateWebService root user', fargate({ user: '0' }), 'user must not be root'],
  ['FargateWebService repeated writablePaths', fargate({ writablePaths: ['/tmp', '/tmp/'] }), 'must not repeat'],
  [
    'FargateWebService linear bake time in seconds',
    fargate({ deployment: ServiceDeployment.linear({ stepBakeTime: Duration.seconds(30) }) }),
    'whole number of minutes',
  ],
  ['FargateWebService public subnets', fargate({ vpcSubnets: PUBLIC }, true), 'vpcSubnets must select private'],
  [
    'FargateWebService addSidecar with a bad id',
    (s) => fargate({})(s).addSidecar('web', { image: IMAGE }),
    'addSidecar id',
  ],
  [
    'FargateWebService addSidecar with a bad memory reservation',
    (s) => fargate({})(s).addSidecar('Proxy', { image: IMAGE, memoryReservationMiB: 1 }),
    "addSidecar('Proxy') memoryReservationMiB",
  ],
  ['HighlyAvailableFleet minCapacity 0', fleet({ minCapacity: 0 }), 'minCapacity must be'],
  ['HighlyAvailableFleet min above max', fleet({ minCapacity: 5, maxCapacity: 4 }), 'minCapacity (5)'],
  ['HighlyAvailableFleet targetCpu 0', fleet({ targetCpuUtilizationPercent: 0 }), 'targetCpuUtilizationPercent'],
  ['HighlyAvailableFleet instancePort', fleet({ instancePort: 0 }), 'instancePort must be'],
  ['HighlyAvailableFleet healthCheckPath', fleet({ healthCheckPath: 'x' }), 'healthCheckPath must start'],
  [
    'HighlyAvailableFleet non-Nitro type',
    fleet({ instanceType: new ec2.InstanceType('t2.micro') }),
    'is not built on the AWS Nitro System',
  ],
  ['HighlyAvailableFleet updateBatchSize 0', fleet({ updateBatchSize: 0 }), 'updateBatchSize must be'],
  [
    'HighlyAvailableFleet warmPool with updateBatchSize',
    fleet({ warmPool: {}, updateBatchSize: 1 }),
    'warmPool cannot be combined with updateBatchSize',
  ],
  [
    'HighlyAvailableFleet scheduledScaling changing nothing',
    fleet({ scheduledScaling: [{ name: 'Night', schedule: autoscaling.Schedule.cron({ hour: '20' }) }] }),
    "scheduledScaling 'Night' changes nothing",
  ],
  ['HighlyAvailableFleet public subnets', fleet({ vpcSubnets: PUBLIC }, true), 'vpcSubnets must select private'],
  [
    'BeanstalkWebApp healthCheckPath',
    (s) => new BeanstalkWebApp(s, 'P', { sourcePath: WEB, healthCheckPath: 'x' }),
    'healthCheckPath must start',
  ],
  [
    'BeanstalkWebApp environmentName',
    (s) => new BeanstalkWebApp(s, 'P', { sourcePath: WEB, environmentName: '-x' }),
    'environmentName must be',
  ],
  [
    'BeanstalkWebApp missing source',
    (s) => new BeanstalkWebApp(s, 'P', { sourcePath: '/nonexistent/app' }),
    'sourcePath must be',
  ],
  [
    'BeanstalkWorker httpPath',
    (s) => new BeanstalkWorker(s, 'P', { sourcePath: WEB, httpPath: 'x' }),
    'httpPath must start',
  ],
  [
    'BeanstalkWorker maxReceiveCount',
    (s) => new BeanstalkWorker(s, 'P', { sourcePath: WEB, maxReceiveCount: 0 }),
    'maxReceiveCount must be',
  ],
  [
    'ServerlessApi throttlingRateLimit',
    (s) => new ServerlessApi(s, 'P', { throttlingRateLimit: 0 }),
    'throttlingRateLimit must be',
  ],
  ['ServerlessApi stageName', (s) => new ServerlessApi(s, 'P', { stageName: 'a b' }), 'stageName must be'],
  [
    'SecureRepository maxTaggedImages',
    (s) => new SecureRepository(s, 'P', { maxTaggedImages: 0 }),
    'maxTaggedImages must be',
  ],
  [
    'SecureRepository pullAccounts',
    (s) => new SecureRepository(s, 'P', { pullAccounts: ['123'] }),
    'pullAccounts must hold',
  ],
  ['BatchJobQueue maxvCpus', (s) => new BatchJobQueue(s, 'P', { maxvCpus: 0 }), 'maxvCpus must be'],
  [
    'BatchJobQueue addJobDefinition with a root user',
    (s) => new BatchJobQueue(s, 'P').addJobDefinition('Job', { image: IMAGE, user: 'root' }),
    "user 'root' is root",
  ],
  [
    'BatchJobQueue addJobDefinition with a secret in the environment',
    (s) => new BatchJobQueue(s, 'P').addJobDefinition('Job', { image: IMAGE, environment: { API_TOKEN: 'x' } }),
    'environment must not',
  ],
  [
    'LightsailServer snapshotTimeOfDay',
    (s) => new LightsailServer(s, 'P', { snapshotTimeOfDay: '06:30' }),
    'snapshotTimeOfDay must be',
  ],
  ['LightsailServer sshCidrs', (s) => new LightsailServer(s, 'P', { sshCidrs: ['10.0.0.1'] }), 'sshCidrs must contain'],
  ['SecureVpc maxAzs 1', (s) => new SecureVpc(s, 'P', { maxAzs: 1 }), 'maxAzs must be'],
  ['SecureVpc natGateways above maxAzs', (s) => new SecureVpc(s, 'P', { maxAzs: 2, natGateways: 3 }), 'natGateways'],
];

describe.each([
  ['environment-agnostic', agnosticStack],
  ['environment-specific', specificStack],
])('validation errors name the construct path (%s stack)', (_kind, make) => {
  test.each(BAD_INPUTS)('fails when %s, naming the construct path first', (_case, build, message) => {
    const stack: Stack = make();
    let error: Error | undefined;
    try {
      build(stack);
    } catch (e) {
      error = e as Error;
    }
    // the construct's own path, or the path of the child it validates (a job definition names itself)
    expect(error?.message).toMatch(new RegExp(`^${stack.stackName}/P(/[A-Za-z0-9]+)*: `));
    expect(error?.message).toContain(message);
  });
});

describe.each([
  ['environment-agnostic', agnosticStack],
  ['environment-specific', specificStack],
])('the ECS web services offer the same metric helpers (%s stack)', (_kind, makeStack) => {
  const HELPERS = [
    'metricCpuUtilization',
    'metricMemoryUtilization',
    'metricRequestCount',
    'metricUnhealthyHostCount',
    'metricTarget5xxCount',
  ] as const;

  test('same names, same metric, statistic and period in FargateWebService and Ec2WebService', () => {
    const stack = makeStack();
    const services = [
      new FargateWebService(stack, 'Fargate', { image: IMAGE }),
      new Ec2WebService(stack, 'Ec2', { image: IMAGE }),
    ];
    const shape = (s: FargateWebService | Ec2WebService) =>
      HELPERS.map((h) => {
        const m = s[h]();
        return {
          helper: h,
          namespace: m.namespace,
          metricName: m.metricName,
          statistic: m.statistic,
          period: m.period.toSeconds(),
        };
      });
    expect(shape(services[1])).toEqual(shape(services[0]));
  });
});
