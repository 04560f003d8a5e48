import { CfnElement, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Ec2WebService, Ec2WebServiceProps, FargateWebService, ServiceDeployment } from '../../lib';
import { agnosticStack, specificStack } from '../support/cdk-context';

const IMAGE = ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx-unprivileged:stable-alpine');
const CERT_ARN = 'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';
const HTTP = { protocol: elbv2.ApplicationProtocol.HTTP };

function build(props: Partial<Ec2WebServiceProps> = {}, stack: Stack = agnosticStack()) {
  const web = new Ec2WebService(stack, 'Web', { image: IMAGE, ...HTTP, ...props });
  return { stack, web, template: Template.fromStack(stack) };
}

function id(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

describe.each([
  ['environment-agnostic', () => agnosticStack()],
  ['environment-specific', () => specificStack()],
])('Ec2WebService blue/green deployment (%s stack)', (_kind, makeStack) => {
  let stack: Stack;
  let web: Ec2WebService;
  let template: Template;
  beforeAll(() => {
    ({ stack, web, template } = build(
      { deployment: ServiceDeployment.blueGreen({ bakeTime: Duration.minutes(5), testListenerPort: 9000 }) },
      makeStack(),
    ));
  });

  test('uses the native BLUE_GREEN strategy, keeping circuit breaker rollback and the placement strategies', () => {
    template.hasResourceProperties('AWS::ECS::Service', {
      DeploymentConfiguration: Match.objectLike({
        Strategy: 'BLUE_GREEN',
        BakeTimeInMinutes: 5,
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
        Alarms: {
          AlarmNames: [
            { Ref: id(stack, web.alarms.target5xx) },
            { Ref: id(stack, web.alarms.unhealthyHosts) },
            { Ref: id(stack, web.alarms.loadBalancer5xx) },
          ],
          Enable: true,
          Rollback: true,
        },
      }),
      PlacementStrategies: [
        { Type: 'spread', Field: 'attribute:ecs.availability-zone' },
        { Type: 'binpack', Field: 'MEMORY' },
      ],
    });
  });

  test('gives ECS two IP target groups, the production and test rules and its scoped role', () => {
    template.resourcePropertiesCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', { TargetType: 'ip' }, 2);
    template.hasResourceProperties('AWS::ECS::Service', {
      LoadBalancers: [
        Match.objectLike({
          TargetGroupArn: { Ref: id(stack, web.targetGroup) },
          AdvancedConfiguration: {
            AlternateTargetGroupArn: { Ref: id(stack, web.alternateTargetGroup!) },
            ProductionListenerRule: { Ref: id(stack, web.listenerRule!) },
            TestListenerRule: { Ref: Match.stringLikeRegexp('^WebTestListenerRule') },
            RoleArn: { 'Fn::GetAtt': [id(stack, web.deploymentRole!), 'Arn'] },
          },
        }),
      ],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 9000, Protocol: 'HTTP' });
  });
});

describe('Ec2WebService traffic shifting in bridge mode', () => {
  test('canary: both target groups register instances (dynamic host ports)', () => {
    const { template } = build({ networkMode: ecs.NetworkMode.BRIDGE, deployment: ServiceDeployment.canary() });
    template.resourcePropertiesCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', { TargetType: 'instance' }, 2);
    template.hasResourceProperties('AWS::ECS::Service', {
      DeploymentConfiguration: Match.objectLike({
        Strategy: 'CANARY',
        CanaryConfiguration: { CanaryPercent: 5, CanaryBakeTimeInMinutes: 10 },
      }),
    });
  });
});

describe('Ec2WebService and FargateWebService sharing one load balancer', () => {
  test('an Ec2WebService joins a FargateWebService listener by host, reachable on its container port only', () => {
    const stack = specificStack();
    const web = new FargateWebService(stack, 'Web', {
      image: IMAGE,
      certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', CERT_ARN),
    });
    const api = new Ec2WebService(stack, 'Api', {
      image: IMAGE,
      containerPort: 8080,
      listenerRule: { listener: web.listener, priority: 20, hostHeaders: ['api.example.com'] },
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 1);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      ListenerArn: { Ref: id(stack, web.listener) },
      Priority: 20,
      Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['api.example.com'] } }],
      Actions: [{ Type: 'forward', TargetGroupArn: { Ref: id(stack, api.targetGroup) } }],
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [id(stack, api.securityGroup), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebLoadBalancerSecurityGroup'), 'GroupId'] },
      FromPort: 8080,
      ToPort: 8080,
    });
    expect(api.url).toBe('https://api.example.com');
  });
});

describe('Ec2WebService delivery validation', () => {
  test('fails when a canary step percent is out of range', () => {
    expect(() => build({ deployment: ServiceDeployment.canary({ stepPercent: 150 }) })).toThrow(
      'Agnostic/Web: canary deployment stepPercent must be a multiple of 0.1 from 0.1 to 100 (percent of production traffic in the first step); received 150',
    );
  });

  test('fails when a certificate is given next to listenerRule', () => {
    const stack = agnosticStack();
    const web = new FargateWebService(stack, 'Web', { image: IMAGE, ...HTTP });
    expect(
      () =>
        new Ec2WebService(stack, 'Api', {
          image: IMAGE,
          certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', CERT_ARN),
          listenerRule: { listener: web.listener, priority: 20, pathPatterns: ['/api/*'] },
        }),
    ).toThrow(
      "Agnostic/Api: listenerRule joins a load balancer another construct owns, whose settings are its own; received certificate as well. Set them on the construct that owns the load balancer, or drop listenerRule to get a load balancer of this service's own",
    );
  });
});
