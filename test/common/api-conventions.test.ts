import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { BEANSTALK_SAMPLE_SOURCES } from '../../examples/beanstalk-app-stack';
import {
  BeanstalkWebApp,
  BeanstalkWorker,
  Ec2WebService,
  EksCluster,
  FargateWebService,
  HighlyAvailableFleet,
  InventoryLoader,
} from '../../lib';
import { agnosticStack, specificStack } from '../support/cdk-context';

// The API conventions of docs/CONVENTIONS.md, checked on every pattern at once: siblings speak alike.

const IMAGE = ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:1.27');
const ADMIN = 'arn:aws:iam::123456789012:role/Admin';
const WEB = BEANSTALK_SAMPLE_SOURCES.web;

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
