import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { createSampleApp } from '../../bin/app';
import { PATTERN_NEEDS, planNeeds, SERVICE_LINKED_ROLES } from '../../bin/cli/preflight/plan';
import { PATTERNS, PatternName } from '../../bin/cli/verify/outputs';
import { TEST_CONTEXT } from '../support/cdk-context';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/**
 * What a synthesized sample stack really creates that preflight has to account for, read from the template with
 * AWS's rules: every NAT gateway needs an Elastic IP; load balancers, Auto Scaling groups (EKS managed node
 * groups are Auto Scaling groups), ECS clusters, ECS scalable targets, EKS clusters, node groups and Fargate
 * profiles each need their service's service-linked role.
 */
function needsOf(template: Template) {
  const resources = template.toJSON().Resources as Resources;
  const all = Object.values(resources);
  const count = (type: string): number => all.filter((r) => r.Type === type).length;
  const has = (type: string, where: (p: Record<string, unknown>) => boolean = () => true): boolean =>
    all.some((r) => r.Type === type && where(r.Properties ?? {}));
  const roles = new Set<string>();
  const R = SERVICE_LINKED_ROLES;
  if (has('AWS::ElasticLoadBalancingV2::LoadBalancer')) roles.add(R.elasticloadbalancing.roleName);
  if (has('AWS::AutoScaling::AutoScalingGroup') || has('AWS::EKS::Nodegroup')) roles.add(R.autoscaling.roleName);
  if (has('AWS::ECS::Cluster')) roles.add(R.ecs.roleName);
  if (has('AWS::ApplicationAutoScaling::ScalableTarget', (p) => p.ServiceNamespace === 'ecs')) {
    roles.add(R.ecsApplicationAutoscaling.roleName);
  }
  if (has('AWS::EKS::Cluster')) roles.add(R.eks.roleName);
  if (has('AWS::EKS::Nodegroup')) roles.add(R.eksNodegroup.roleName);
  if (has('AWS::EKS::FargateProfile')) roles.add(R.eksFargate.roleName);
  if (has('AWS::Batch::ComputeEnvironment', (p) => p.ServiceRole === undefined)) roles.add(R.batch.roleName);
  // Elastic Beanstalk environments create their Auto Scaling group (and the web tier its load balancer) in a stack of
  // their own; managed updates run as the service-linked role the environment names.
  const optionValue = (p: Record<string, unknown>, name: string): unknown =>
    ((p.OptionSettings ?? []) as { OptionName: string; Value: unknown }[]).find((o) => o.OptionName === name)?.Value;
  if (has('AWS::ElasticBeanstalk::Environment')) roles.add(R.autoscaling.roleName);
  if (
    has('AWS::ElasticBeanstalk::Environment', (p) => (p.Tier as { Name?: string } | undefined)?.Name === 'WebServer')
  ) {
    roles.add(R.elasticloadbalancing.roleName);
  }
  if (
    has(
      'AWS::ElasticBeanstalk::Environment',
      (p) => optionValue(p, 'ServiceRoleForManagedUpdates') === R.elasticBeanstalkManagedUpdates.roleName,
    )
  ) {
    roles.add(R.elasticBeanstalkManagedUpdates.roleName);
  }
  return {
    vpcs: count('AWS::EC2::VPC'),
    internetGateways: count('AWS::EC2::InternetGateway'),
    natGateways: count('AWS::EC2::NatGateway'),
    elasticIps: count('AWS::EC2::EIP'),
    serviceLinkedRoles: [...roles].sort(),
    reservedConcurrency: all
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .reduce((sum, r) => sum + Number(r.Properties?.ReservedConcurrentExecutions ?? 0), 0),
    // Web ACL logging to a CloudWatch Logs group (the ARN of an aws-waf-logs-* group, not S3 or Firehose).
    logResourcePolicies: all
      .filter((r) => r.Type === 'AWS::Logs::ResourcePolicy')
      .map((r) => r.Properties?.PolicyName as string)
      .sort(),
    wafLogGroups: all.filter(
      (r) =>
        r.Type === 'AWS::WAFv2::LoggingConfiguration' &&
        JSON.stringify(r.Properties?.LogDestinationConfigs ?? []).includes(':log-group:aws-waf-logs-'),
    ).length,
  };
}

describe('preflight plan: what each sample stack adds to an account', () => {
  // GIVEN the sample app exactly as `cdk deploy` synthesizes it (the sample stacks are named after their pattern)
  const app = createSampleApp({ context: TEST_CONTEXT });

  test.each(PATTERNS.map((p) => [p]))('matches the synthesized %s template', (pattern: PatternName) => {
    // WHEN
    const actual = needsOf(Template.fromStack(app.node.findChild(pattern) as Stack));
    // THEN preflight checks for what the template really creates, no more and no less
    const declared = PATTERN_NEEDS[pattern];
    expect({
      vpcs: declared.vpcs,
      internetGateways: declared.internetGateways,
      natGateways: declared.natGateways,
      elasticIps: declared.elasticIps,
      serviceLinkedRoles: declared.serviceLinkedRoles.map((r) => r.roleName).sort(),
      reservedConcurrency: declared.reservedConcurrency,
      wafLogGroups: declared.wafLogGroups,
      logResourcePolicies: [...declared.logResourcePolicies].sort(),
    }).toEqual(actual);
  });
});

describe('planNeeds', () => {
  test('adds up the planned patterns and lists each role once', () => {
    const needs = planNeeds(['WebFleet', 'FargateService', 'EksCluster']);
    expect(needs).toMatchObject({ vpcs: 3, internetGateways: 3, natGateways: 3, elasticIps: 3, lambda: false });
    expect(needs.serviceLinkedRoles.map((r) => r.roleName)).toEqual([
      'AWSServiceRoleForElasticLoadBalancing',
      'AWSServiceRoleForAutoScaling',
      'AWSServiceRoleForECS',
      'AWSServiceRoleForApplicationAutoScaling_ECSService',
      'AWSServiceRoleForAmazonEKS',
      'AWSServiceRoleForAmazonEKSNodegroup',
      'AWSServiceRoleForAmazonEKSForFargate',
      'AWSServiceRoleForEC2Spot',
    ]);
  });

  test('InventoryLoader alone needs a VPC and Lambda concurrency, no gateways and no service-linked roles', () => {
    expect(planNeeds(['InventoryLoader'])).toEqual({
      patterns: ['InventoryLoader'],
      vpcs: 1,
      internetGateways: 0,
      natGateways: 0,
      elasticIps: 0,
      serviceLinkedRoles: [],
      spot: false,
      spotCapable: false,
      lambda: true,
      reservedConcurrency: PATTERN_NEEDS.InventoryLoader.reservedConcurrency,
      wafLogGroups: 0,
      logResourcePolicies: [],
    });
  });

  test('--spot matters only for patterns that can run on EC2 Spot; --reserved-concurrency overrides the sample', () => {
    expect(planNeeds(['FargateService'], { spot: true })).toMatchObject({ spot: false, spotCapable: false });
    expect(planNeeds(['WebFleet'], { spot: true })).toMatchObject({ spot: true, spotCapable: true });
    expect(planNeeds(['InventoryLoader'], { reservedConcurrency: 0 }).reservedConcurrency).toBe(0);
  });
});
