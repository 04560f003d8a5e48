import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { FargateWebService, FargateWebServiceProps, SecureVpc, ServiceDeployment } from '../../lib';
import { agnosticStack, specificStack } from '../support/cdk-context';
import { runNag } from '../support/compliance';
import { probeScope, userOpenIngress } from '../support/scope-probe';

const IMAGE = ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx-unprivileged:stable-alpine');
const CERT_ARN = 'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';
const HTTP = { protocol: elbv2.ApplicationProtocol.HTTP };

function build(props: Partial<FargateWebServiceProps> = {}, stack: Stack = agnosticStack()) {
  const web = new FargateWebService(stack, 'Web', { image: IMAGE, ...HTTP, ...props });
  return { stack, web, template: Template.fromStack(stack) };
}

/**
 * cdk-nag findings of the five packs that no acknowledgement covers, apart from ALBWAFEnabled: every load balancer
 * of the library has it open (listed in compliance/open-findings.json, a WAF web ACL is the user's choice).
 */
function openFindings(stack: Stack): string[] {
  Template.fromStack(stack);
  return runNag(stack)
    .filter((f) => !f.acknowledged && !f.id.endsWith('-ALBWAFEnabled'))
    .map((f) => `${f.id} on ${f.path}`);
}

function id(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as import('aws-cdk-lib').CfnElement);
}

describe.each([
  ['environment-agnostic', () => agnosticStack()],
  ['environment-specific', () => specificStack()],
])('FargateWebService blue/green deployment (%s stack)', (_kind, makeStack) => {
  let stack: Stack;
  let web: FargateWebService;
  let template: Template;
  beforeAll(() => {
    ({ stack, web, template } = build(
      { deployment: ServiceDeployment.blueGreen({ bakeTime: Duration.minutes(15), testListenerPort: 8080 }) },
      makeStack(),
    ));
  });

  test('uses the native BLUE_GREEN strategy with its bake time, keeping the circuit breaker rollback', () => {
    template.hasResourceProperties('AWS::ECS::Service', {
      DeploymentConfiguration: Match.objectLike({
        Strategy: 'BLUE_GREEN',
        BakeTimeInMinutes: 15,
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
      }),
    });
  });

  test('rolls back on the target 5xx, unhealthy-target and load balancer 5xx alarms', () => {
    const service = template.findResources('AWS::ECS::Service');
    const alarms = Object.values(service)[0].Properties.DeploymentConfiguration.Alarms;
    expect(alarms.Enable).toBe(true);
    expect(alarms.Rollback).toBe(true);
    expect(alarms.AlarmNames).toEqual([
      { Ref: id(stack, web.alarms.target5xx) },
      { Ref: id(stack, web.alarms.unhealthyHosts) },
      { Ref: id(stack, web.alarms.loadBalancer5xx) },
    ]);
  });

  test('gives ECS the alternate target group, the production and test rules and its own role', () => {
    template.hasResourceProperties('AWS::ECS::Service', {
      LoadBalancers: [
        Match.objectLike({
          ContainerName: 'web',
          TargetGroupArn: { Ref: id(stack, web.targetGroup) },
          AdvancedConfiguration: {
            AlternateTargetGroupArn: { Ref: id(stack, web.alternateTargetGroup!) },
            ProductionListenerRule: { Ref: id(stack, web.listenerRule!) },
            TestListenerRule: { Ref: Match.stringLikeRegexp('WebTestListenerRule') },
            RoleArn: { 'Fn::GetAtt': [id(stack, web.deploymentRole!), 'Arn'] },
          },
        }),
      ],
    });
  });

  test('sends production traffic through a catch-all rule weighting the two target groups 100/0', () => {
    const forward = {
      Type: 'forward',
      ForwardConfig: {
        TargetGroups: [
          { TargetGroupArn: { Ref: id(stack, web.targetGroup) }, Weight: 100 },
          { TargetGroupArn: { Ref: id(stack, web.alternateTargetGroup!) }, Weight: 0 },
        ],
      },
    };
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      ListenerArn: { Ref: id(stack, web.listener) },
      Priority: 50000,
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }],
      Actions: [forward],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      ListenerArn: { Ref: id(stack, web.testListener!) },
      Priority: 50000,
      Actions: [forward],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      DefaultActions: [
        Match.objectLike({ Type: 'fixed-response', FixedResponseConfig: Match.objectLike({ StatusCode: '404' }) }),
      ],
    });
  });

  test('opens the test listener port 8080 to the same CIDR blocks as the serving listener', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 8080, Protocol: 'HTTP' });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 8080,
      ToPort: 8080,
      CidrIp: '0.0.0.0/0',
    });
  });

  test("the deployment role trusts ECS and may modify only this service's rules and listeners, and targets only in its two groups", () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Action: 'sts:AssumeRole', Principal: { Service: 'ecs.amazonaws.com' } })],
      },
    });
    const role = id(stack, web.deploymentRole!);
    const policies = template.findResources('AWS::IAM::ManagedPolicy', {
      Properties: { Roles: [{ Ref: role }] },
    });
    const statements = Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Action: 'elasticloadbalancing:ModifyRule',
          Resource: [{ Ref: id(stack, web.listenerRule!) }, { Ref: expect.stringMatching(/^WebTestListenerRule/) }],
        }),
        expect.objectContaining({
          Action: 'elasticloadbalancing:ModifyListener',
          Resource: [{ Ref: id(stack, web.listener) }, { Ref: id(stack, web.testListener!) }],
        }),
        expect.objectContaining({
          Action: ['elasticloadbalancing:DeregisterTargets', 'elasticloadbalancing:RegisterTargets'],
          Resource: expect.arrayContaining([
            { Ref: id(stack, web.targetGroup) },
            { Ref: id(stack, web.alternateTargetGroup!) },
          ]),
        }),
      ]),
    );
    const wildcard = statements.filter((s) => s.Resource === '*');
    expect(wildcard).toEqual([
      expect.objectContaining({
        Action: [
          'elasticloadbalancing:DescribeListeners',
          'elasticloadbalancing:DescribeRules',
          'elasticloadbalancing:DescribeTargetGroups',
          'elasticloadbalancing:DescribeTargetHealth',
        ],
      }),
    ]);
    // Not the AWS managed AmazonECSInfrastructureRolePolicyForLoadBalancers aws-cdk-lib would attach.
    expect(JSON.stringify(template.toJSON())).not.toContain('AmazonECSInfrastructureRolePolicyForLoadBalancers');
  });

  test('its target alarms watch both target groups (they swap roles after every deployment)', () => {
    const alarm = template.findResources('AWS::CloudWatch::Alarm')[id(stack, web.alarms.target5xx)];
    const dims = JSON.stringify(alarm.Properties.Metrics);
    expect(dims).toContain(id(stack, web.targetGroup));
    expect(dims).toContain(id(stack, web.alternateTargetGroup!));
  });

  test('has no unacknowledged compliance finding', () => {
    expect(openFindings(stack)).toEqual([]);
  });
});

describe('FargateWebService linear and canary deployments', () => {
  test('linear: 10% steps every 6 minutes by default', () => {
    const { template } = build({ deployment: ServiceDeployment.linear() });
    template.hasResourceProperties('AWS::ECS::Service', {
      DeploymentConfiguration: Match.objectLike({
        Strategy: 'LINEAR',
        BakeTimeInMinutes: 10,
        LinearConfiguration: { StepPercent: 10, StepBakeTimeInMinutes: 6 },
      }),
    });
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 2);
  });

  test('canary: the given first step and step bake time, no test listener unless asked', () => {
    const { template } = build({
      deployment: ServiceDeployment.canary({ stepPercent: 2.5, stepBakeTime: Duration.minutes(20) }),
    });
    template.hasResourceProperties('AWS::ECS::Service', {
      DeploymentConfiguration: Match.objectLike({
        Strategy: 'CANARY',
        CanaryConfiguration: { CanaryPercent: 2.5, CanaryBakeTimeInMinutes: 20 },
      }),
    });
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::ListenerRule', 1);
  });

  test('rolling (the default) keeps one target group, no rule and no deployment alarms', () => {
    const { template, web } = build({ deployment: ServiceDeployment.rolling() });
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 1);
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::ListenerRule', 0);
    expect(web.deploymentRole).toBeUndefined();
    const service = Object.values(template.findResources('AWS::ECS::Service'))[0];
    expect(service.Properties.DeploymentConfiguration.Strategy).toBeUndefined();
    expect(service.Properties.DeploymentConfiguration.Alarms).toBeUndefined();
  });

  test('serves HTTPS on the test listener when the load balancer has a certificate', () => {
    const stack = specificStack();
    const { template } = build(
      {
        protocol: undefined,
        certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', CERT_ARN),
        deployment: ServiceDeployment.canary({ testListenerPort: 9443 }),
      },
      stack,
    );
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 9443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: CERT_ARN }],
      SslPolicy: Match.anyValue(),
    });
    expect(openFindings(stack)).toEqual([]);
  });

  test('the test listener port acknowledgement hides no open port the user adds to the load balancer security group', () => {
    const { stack, web } = build({ deployment: ServiceDeployment.blueGreen({ testListenerPort: 8080 }) });
    const securityGroup = web.loadBalancer.connections.securityGroups[0];
    probeScope({
      stack,
      add: () => userOpenIngress(securityGroup, 22),
      expect: 'AwsSolutions-EC23',
      on: securityGroup,
    });
  });

  test('the Describe acknowledgement hides no wildcard statement the user adds to the deployment role', () => {
    const { stack, web } = build({ deployment: ServiceDeployment.blueGreen() });
    probeScope({
      stack,
      add: () =>
        web.deploymentRole!.addToPrincipalPolicy(
          new iam.PolicyStatement({ actions: ['elasticloadbalancing:ModifyRule'], resources: ['*'] }),
        ),
      expect: 'AwsSolutions-IAM5[Resource::*]',
      on: web.deploymentRole!,
    });
  });
});

describe('FargateWebService deployment validation', () => {
  test('fails when a canary step percent is out of range', () => {
    expect(() => build({ deployment: ServiceDeployment.canary({ stepPercent: 0 }) })).toThrow(
      'Agnostic/Web: canary deployment stepPercent must be a multiple of 0.1 from 0.1 to 100 (percent of production traffic in the first step); received 0',
    );
  });

  test('fails when a linear step percent is below 3', () => {
    expect(() => build({ deployment: ServiceDeployment.linear({ stepPercent: 2 }) })).toThrow(
      'Agnostic/Web: linear deployment stepPercent must be a multiple of 0.1 from 3 to 100 (percent of production traffic moved per step); received 2',
    );
  });

  test('fails when a step percent is not a multiple of 0.1', () => {
    expect(() => build({ deployment: ServiceDeployment.canary({ stepPercent: 2.55 }) })).toThrow(
      'Agnostic/Web: canary deployment stepPercent must be a multiple of 0.1 from 0.1 to 100 (percent of production traffic in the first step); received 2.55',
    );
  });

  test('fails when the bake time is not whole minutes', () => {
    expect(() => build({ deployment: ServiceDeployment.blueGreen({ bakeTime: Duration.seconds(90) }) })).toThrow(
      'Agnostic/Web: deployment bakeTime must be a whole number of minutes from 0 to 1440 (ECS counts bake times in minutes); received 1 minute 30 seconds',
    );
  });

  test('fails when the test listener port is a serving port', () => {
    expect(() => build({ deployment: ServiceDeployment.blueGreen({ testListenerPort: 80 }) })).toThrow(
      'Agnostic/Web/LoadBalancer: a test listener port must be an integer from 1 to 65535 other than the serving ports (80); received 80',
    );
  });

  test('fails when request-count scaling is combined with a traffic-shifting deployment', () => {
    expect(() => build({ deployment: ServiceDeployment.blueGreen(), targetRequestsPerTarget: 100 })).toThrow(
      'Agnostic/Web: targetRequestsPerTarget needs a rolling deployment: requests per target are measured on one target group, and a BLUE_GREEN deployment makes the other target group the production one after every deployment; received deployment BLUE_GREEN. Scale on CPU or memory (targetCpuUtilizationPercent, targetMemoryUtilizationPercent) instead',
    );
  });
});

describe.each([
  ['environment-agnostic', () => agnosticStack()],
  ['environment-specific', () => specificStack()],
])('FargateWebService services sharing one load balancer (%s stack)', (_kind, makeStack) => {
  let stack: Stack;
  let web: FargateWebService;
  let api: FargateWebService;
  let template: Template;
  beforeAll(() => {
    stack = makeStack();
    web = new FargateWebService(stack, 'Web', { image: IMAGE, ...HTTP });
    api = new FargateWebService(stack, 'Api', {
      image: IMAGE,
      listenerRule: { listener: web.listener, priority: 10, pathPatterns: ['/api/*'] },
    });
    template = Template.fromStack(stack);
  });

  test('creates one load balancer and one VPC, and adds a path rule forwarding to the second service', () => {
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 1);
    template.resourceCountIs('AWS::EC2::VPC', 1);
    expect(api.loadBalancer).toBe(web.loadBalancer);
    expect(api.vpc).toBe(web.vpc);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      ListenerArn: { Ref: id(stack, web.listener) },
      Priority: 10,
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*'] } }],
      Actions: [{ Type: 'forward', TargetGroupArn: { Ref: id(stack, api.targetGroup) } }],
    });
  });

  test('lets the shared load balancer reach the second service on its container port only', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [id(stack, api.securityGroup), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebLoadBalancerSecurityGroup'), 'GroupId'] },
      FromPort: 80,
      ToPort: 80,
    });
  });

  test('gives the second service its own target alarms and a URL narrowed to its path', () => {
    expect(api.alarms.target5xx).not.toBe(web.alarms.target5xx);
    expect(api.alarms.target5xx.node.path).toBe(`${stack.node.path}/Api/Target5xxAlarm`);
    expect(stack.resolve(api.url)).toEqual(stack.resolve(`http://${web.loadBalancer.loadBalancerDnsName}/api/`));
  });

  test('has no unacknowledged compliance finding', () => {
    expect(openFindings(stack)).toEqual([]);
  });
});

describe('FargateWebService on a shared load balancer with blue/green', () => {
  test('each service gets its own production and test rules, with the same conditions on a shared test port', () => {
    const stack = agnosticStack();
    const web = new FargateWebService(stack, 'Web', {
      image: IMAGE,
      ...HTTP,
      deployment: ServiceDeployment.blueGreen({ testListenerPort: 8080 }),
    });
    const api = new FargateWebService(stack, 'Api', {
      image: IMAGE,
      listenerRule: { listener: web.listener, priority: 10, hostHeaders: ['api.example.com'] },
      deployment: ServiceDeployment.blueGreen({ testListenerPort: 8080 }),
    });
    const template = Template.fromStack(stack);
    expect(api.testListener).toBe(web.testListener);
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 2);
    const hostRule = (listener: elbv2.ApplicationListener) => ({
      ListenerArn: { Ref: id(stack, listener) },
      Priority: 10,
      Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['api.example.com'] } }],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', hostRule(web.listener));
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', hostRule(web.testListener!));
    // The shared load balancer's own 5xx counts every service: only the owner rolls back on it.
    const services = template.findResources('AWS::ECS::Service');
    const apiService = services[id(stack, api.service)];
    expect(apiService.Properties.DeploymentConfiguration.Alarms.AlarmNames).toEqual([
      { Ref: id(stack, api.alarms.target5xx) },
      { Ref: id(stack, api.alarms.unhealthyHosts) },
    ]);
    expect(api.url).toBe('http://api.example.com');
    expect(openFindings(stack)).toEqual([]);
  });
});

describe('FargateWebService shared load balancer validation', () => {
  function owner(stack: Stack = agnosticStack()) {
    return new FargateWebService(stack, 'Web', { image: IMAGE, ...HTTP });
  }

  test('fails when two services take the same priority on the listener', () => {
    const web = owner();
    const stack = Stack.of(web);
    new FargateWebService(stack, 'Api', {
      image: IMAGE,
      listenerRule: { listener: web.listener, priority: 10, pathPatterns: ['/api/*'] },
    });
    new FargateWebService(stack, 'Admin', {
      image: IMAGE,
      listenerRule: { listener: web.listener, priority: 10, pathPatterns: ['/admin/*'] },
    });
    expect(() => Template.fromStack(stack)).toThrow(
      'Agnostic/Admin/ListenerRule: priority 10 is already taken on the listener by Agnostic/Api/ListenerRule; every rule on a listener needs a priority of its own. Give listenerRule.priority a free value',
    );
  });

  test('fails when a rule repeats the conditions of another rule on the listener', () => {
    const web = owner();
    const stack = Stack.of(web);
    new elbv2.ApplicationListenerRule(stack, 'Mine', {
      listener: web.listener,
      priority: 5,
      conditions: [elbv2.ListenerCondition.pathPatterns(['/api/*'])],
      action: elbv2.ListenerAction.fixedResponse(403),
    });
    new FargateWebService(stack, 'Api', {
      image: IMAGE,
      listenerRule: { listener: web.listener, priority: 10, pathPatterns: ['/api/*'] },
    });
    expect(() => Template.fromStack(stack)).toThrow(
      'Agnostic/Api/ListenerRule: its conditions [{"field":"path-pattern","pathPatternConfig":{"values":["/api/*"]}}] are those of Agnostic/Mine on the same listener, so the rule with the higher priority number (10) never matches. Give each service other hostHeaders or pathPatterns',
    );
  });

  test('fails when the rule has no conditions', () => {
    const web = owner();
    expect(
      () =>
        new FargateWebService(Stack.of(web), 'Api', {
          image: IMAGE,
          listenerRule: { listener: web.listener, priority: 10 },
        }),
    ).toThrow(
      'Agnostic/Api: listenerRule needs hostHeaders or pathPatterns (or both): a rule without conditions would take every request from Agnostic/Web/LoadBalancer/LoadBalancer/Http; received neither',
    );
  });

  test('fails when the priority is outside 1 to 49999', () => {
    const web = owner();
    expect(
      () =>
        new FargateWebService(Stack.of(web), 'Api', {
          image: IMAGE,
          listenerRule: { listener: web.listener, priority: 50000, pathPatterns: ['/api/*'] },
        }),
    ).toThrow('Agnostic/Api: listenerRule.priority must be an integer between 1 and 49999; received 50000');
  });

  test('fails when a path pattern does not start with a slash', () => {
    const web = owner();
    expect(
      () =>
        new FargateWebService(Stack.of(web), 'Api', {
          image: IMAGE,
          listenerRule: { listener: web.listener, priority: 10, pathPatterns: ['api/*'] },
        }),
    ).toThrow("Agnostic/Api: listenerRule.pathPatterns must start with '/', e.g. '/api/*'; received 'api/*'");
  });

  test('fails when load balancer options are given next to listenerRule', () => {
    const web = owner();
    expect(
      () =>
        new FargateWebService(Stack.of(web), 'Api', {
          image: IMAGE,
          ...HTTP,
          internetFacing: false,
          listenerRule: { listener: web.listener, priority: 10, pathPatterns: ['/api/*'] },
        }),
    ).toThrow(
      "Agnostic/Api: listenerRule joins a load balancer another construct owns, whose settings are its own; received internetFacing, protocol as well. Set them on the construct that owns the load balancer, or drop listenerRule to get a load balancer of this service's own",
    );
  });

  test('fails when the listener is not the serving listener of a SecureLoadBalancer', () => {
    const stack = agnosticStack();
    const vpc = new SecureVpc(stack, 'Vpc');
    const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc });
    const listener = alb.addListener('Http', {
      port: 80,
      open: false,
      defaultAction: elbv2.ListenerAction.fixedResponse(404),
    });
    expect(
      () =>
        new FargateWebService(stack, 'Api', {
          image: IMAGE,
          vpc,
          listenerRule: { listener, priority: 10, pathPatterns: ['/api/*'] },
        }),
    ).toThrow(
      'Agnostic/Api: listenerRule.listener must be the serving listener of a SecureLoadBalancer in this app (the listener of a FargateWebService, Ec2WebService or HighlyAvailableFleet); received Agnostic/Alb/Http',
    );
  });

  test("fails when the service is given another VPC than the load balancer's", () => {
    const web = owner();
    const stack = Stack.of(web);
    const other = new ec2.Vpc(stack, 'Other');
    expect(
      () =>
        new FargateWebService(stack, 'Api', {
          image: IMAGE,
          vpc: other,
          listenerRule: { listener: web.listener, priority: 10, pathPatterns: ['/api/*'] },
        }),
    ).toThrow(
      'Agnostic/Api: the service must run in the VPC of the load balancer it joins (Agnostic/Web/Vpc); received vpc Agnostic/Other. Omit vpc (and cluster) to use that VPC',
    );
  });
});
