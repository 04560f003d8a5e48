import type { PatternName } from '../verify/outputs';

/** A service-linked role one of the patterns relies on. See docs/PREFLIGHT.md for the sources. */
export interface ServiceLinkedRole {
  /** Check id suffix: `slr-<key>`. */
  readonly key: string;
  readonly roleName: string;
  /** The `--aws-service-name` of `aws iam create-service-linked-role`. */
  readonly serviceName: string;
  /** Who uses it, in a few words. */
  readonly usedBy: string;
  /**
   * What happens on the first deploy when it is missing: `auto` the service creates it on first use (the deploying
   * role needs iam:CreateServiceLinkedRole, which the default CDK bootstrap execution role has); `blocks` the first
   * deploy fails (or often fails) without it.
   */
  readonly whenMissing: 'auto' | 'blocks';
  /** Why, one sentence, printed when the role is missing. */
  readonly note: string;
}

export const SERVICE_LINKED_ROLES = {
  ecs: {
    key: 'ecs',
    roleName: 'AWSServiceRoleForECS',
    serviceName: 'ecs.amazonaws.com',
    usedBy: 'ECS clusters and services (FargateService, Ec2Service)',
    whenMissing: 'blocks',
    note:
      'ECS creates it on the first CreateCluster, then assumes it before IAM has propagated it, so the first ' +
      'AWS::ECS::Cluster of a new account often fails with "Unable to assume the service linked role" and the stack rolls back',
  },
  elasticloadbalancing: {
    key: 'elasticloadbalancing',
    roleName: 'AWSServiceRoleForElasticLoadBalancing',
    serviceName: 'elasticloadbalancing.amazonaws.com',
    usedBy: 'Application Load Balancers (WebFleet, FargateService, Ec2Service)',
    whenMissing: 'auto',
    note: 'Elastic Load Balancing creates it with the first load balancer',
  },
  autoscaling: {
    key: 'autoscaling',
    roleName: 'AWSServiceRoleForAutoScaling',
    serviceName: 'autoscaling.amazonaws.com',
    usedBy: 'EC2 Auto Scaling groups (WebFleet, Ec2Service container instances, EKS managed node groups)',
    whenMissing: 'auto',
    note: 'EC2 Auto Scaling creates it with the first Auto Scaling group',
  },
  ecsApplicationAutoscaling: {
    key: 'ecs-application-autoscaling',
    roleName: 'AWSServiceRoleForApplicationAutoScaling_ECSService',
    serviceName: 'ecs.application-autoscaling.amazonaws.com',
    usedBy: 'ECS service task-count scaling (FargateService, Ec2Service)',
    whenMissing: 'auto',
    note: 'Application Auto Scaling creates it when the first ECS scalable target is registered',
  },
  eks: {
    key: 'eks',
    roleName: 'AWSServiceRoleForAmazonEKS',
    serviceName: 'eks.amazonaws.com',
    usedBy: 'EKS clusters (EksCluster)',
    whenMissing: 'auto',
    note: 'Amazon EKS creates it with the first cluster',
  },
  eksNodegroup: {
    key: 'eks-nodegroup',
    roleName: 'AWSServiceRoleForAmazonEKSNodegroup',
    serviceName: 'eks-nodegroup.amazonaws.com',
    usedBy: 'EKS managed node groups (EksCluster)',
    whenMissing: 'auto',
    note: 'Amazon EKS creates it with the first managed node group',
  },
  eksFargate: {
    key: 'eks-fargate',
    roleName: 'AWSServiceRoleForAmazonEKSForFargate',
    serviceName: 'eks-fargate.amazonaws.com',
    usedBy: 'EKS Fargate profiles (EksCluster)',
    whenMissing: 'auto',
    note: 'Amazon EKS creates it with the first Fargate profile',
  },
  batch: {
    key: 'batch',
    roleName: 'AWSServiceRoleForBatch',
    serviceName: 'batch.amazonaws.com',
    usedBy: 'AWS Batch compute environments (BatchJobs)',
    whenMissing: 'auto',
    note:
      'AWS Batch creates it with the first compute environment that names no service role (and creates the ECS ' +
      "service-linked role it needs for the environment's ECS cluster itself)",
  },
  elasticBeanstalkManagedUpdates: {
    key: 'elasticbeanstalk-managed-updates',
    roleName: 'AWSServiceRoleForElasticBeanstalkManagedUpdates',
    serviceName: 'managedupdates.elasticbeanstalk.amazonaws.com',
    usedBy: 'Elastic Beanstalk managed platform updates (BeanstalkApp)',
    whenMissing: 'auto',
    note: 'Elastic Beanstalk creates it when an environment names it for managed platform updates',
  },
  ec2Spot: {
    key: 'ec2-spot',
    roleName: 'AWSServiceRoleForEC2Spot',
    serviceName: 'spot.amazonaws.com',
    usedBy:
      'Spot Instances (WebFleet and Ec2Service with onDemandPercentageAboveBaseCapacity < 100, EksCluster with spotInstances)',
    whenMissing: 'blocks',
    note:
      'EC2 creates it automatically only for Spot requests made in the console; for Spot launched through the API, ' +
      'as CloudFormation and Auto Scaling do, the EC2 documentation says it must exist first',
  },
} as const satisfies Record<string, ServiceLinkedRole>;

/** What deploying one pattern's sample stack adds to the account and region (checked against the templates in test/cli/preflight-plan.test.ts). */
export interface PatternNeeds {
  readonly vpcs: number;
  readonly internetGateways: number;
  /** Each sample VPC with egress has one NAT gateway, in one Availability Zone. */
  readonly natGateways: number;
  /** One per NAT gateway. */
  readonly elasticIps: number;
  readonly serviceLinkedRoles: readonly ServiceLinkedRole[];
  /** The pattern can run on EC2 Spot (then AWSServiceRoleForEC2Spot matters; see `--spot`). */
  readonly canUseSpot: boolean;
  /** The pattern deploys a Lambda function (the import engine): Lambda concurrency is checked. */
  readonly lambda: boolean;
  /** Reserved concurrency the sample's function sets (0: none). */
  readonly reservedConcurrency: number;
  /** AWS WAF web ACLs that log to a CloudWatch Logs group (AWS::WAFv2::LoggingConfiguration): see logs-resource-policies. */
  readonly wafLogGroups: number;
  /** The names of the account-level CloudWatch Logs resource policies the template creates (AWS::Logs::ResourcePolicy). */
  readonly logResourcePolicies: readonly string[];
}

const R = SERVICE_LINKED_ROLES;

export const PATTERN_NEEDS: Readonly<Record<PatternName, PatternNeeds>> = {
  WebFleet: {
    vpcs: 1,
    internetGateways: 1,
    natGateways: 1,
    elasticIps: 1,
    serviceLinkedRoles: [R.elasticloadbalancing, R.autoscaling],
    canUseSpot: true,
    lambda: false,
    reservedConcurrency: 0,
    // The web ACL in front of its load balancer logs to an aws-waf-logs-* group.
    wafLogGroups: 1,
    logResourcePolicies: [],
  },
  FargateService: {
    vpcs: 1,
    internetGateways: 1,
    natGateways: 1,
    elasticIps: 1,
    serviceLinkedRoles: [R.ecs, R.elasticloadbalancing, R.ecsApplicationAutoscaling],
    // Fargate Spot is an ECS capacity provider: it needs no EC2 Spot role.
    canUseSpot: false,
    lambda: false,
    reservedConcurrency: 0,
    // The web ACL in front of its load balancer logs to an aws-waf-logs-* group.
    wafLogGroups: 1,
    logResourcePolicies: [],
  },
  EksCluster: {
    vpcs: 1,
    internetGateways: 1,
    natGateways: 1,
    elasticIps: 1,
    serviceLinkedRoles: [R.eks, R.eksNodegroup, R.eksFargate, R.autoscaling],
    canUseSpot: true,
    lambda: false,
    reservedConcurrency: 0,
    wafLogGroups: 0,
    logResourcePolicies: [],
  },
  BatchJobs: {
    vpcs: 1,
    internetGateways: 1,
    natGateways: 1,
    elasticIps: 1,
    serviceLinkedRoles: [R.batch],
    // Fargate Spot is a Batch compute environment type: it needs no EC2 Spot role.
    canUseSpot: false,
    lambda: false,
    reservedConcurrency: 0,
    wafLogGroups: 0,
    // The per-stack policy that lets EventBridge write the failed-job and blocked-queue events to their log groups.
    logResourcePolicies: ['BatchJobs-events-to-logs'],
  },
  BeanstalkApp: {
    // Elastic Beanstalk creates the web tier's load balancer and both tiers' Auto Scaling groups in its own stacks.
    vpcs: 1,
    internetGateways: 1,
    natGateways: 1,
    elasticIps: 1,
    serviceLinkedRoles: [R.elasticloadbalancing, R.autoscaling, R.elasticBeanstalkManagedUpdates],
    canUseSpot: false,
    lambda: false,
    reservedConcurrency: 0,
    wafLogGroups: 0,
    logResourcePolicies: [],
  },
  Ec2Service: {
    vpcs: 1,
    internetGateways: 1,
    natGateways: 1,
    elasticIps: 1,
    serviceLinkedRoles: [R.ecs, R.elasticloadbalancing, R.autoscaling, R.ecsApplicationAutoscaling],
    // Ec2WebService can mix Spot into its Auto Scaling group (onDemandPercentageAboveBaseCapacity).
    canUseSpot: true,
    // The teardown custom resource's function (no reserved concurrency).
    lambda: true,
    reservedConcurrency: 0,
    // The web ACL in front of its load balancer logs to an aws-waf-logs-* group.
    wafLogGroups: 1,
    logResourcePolicies: [],
  },
  ContainerRegistry: {
    // A repository and its key: no network, no service-linked role (enhanced scanning, off in the sample, makes
    // Amazon Inspector create its own).
    vpcs: 0,
    internetGateways: 0,
    natGateways: 0,
    elasticIps: 0,
    serviceLinkedRoles: [],
    canUseSpot: false,
    lambda: false,
    reservedConcurrency: 0,
    wafLogGroups: 0,
    logResourcePolicies: [],
  },
  InventoryLoader: {
    // Isolated subnets only: no internet gateway, no NAT gateway, no Elastic IP.
    vpcs: 1,
    internetGateways: 0,
    natGateways: 0,
    elasticIps: 0,
    serviceLinkedRoles: [],
    canUseSpot: false,
    lambda: true,
    reservedConcurrency: 0,
    wafLogGroups: 0,
    logResourcePolicies: [],
  },
  ServerlessApi: {
    // Isolated subnets only (a DynamoDB gateway endpoint and an X-Ray interface endpoint); three functions, none
    // with reserved concurrency. CodeDeploy, API Gateway and WAF need no service-linked role.
    vpcs: 1,
    internetGateways: 0,
    natGateways: 0,
    elasticIps: 0,
    serviceLinkedRoles: [],
    canUseSpot: false,
    lambda: true,
    reservedConcurrency: 0,
    // The web ACL in front of the API stage logs to an aws-waf-logs-* group.
    wafLogGroups: 1,
    logResourcePolicies: [],
  },
};

/** The sum of what the planned patterns need, with the command-line choices applied. */
export interface PlannedNeeds {
  readonly patterns: readonly PatternName[];
  readonly vpcs: number;
  readonly internetGateways: number;
  readonly natGateways: number;
  readonly elasticIps: number;
  /** Every role any planned pattern needs, once, in a stable order. */
  readonly serviceLinkedRoles: readonly ServiceLinkedRole[];
  /** Spot is planned (`--spot`): a missing EC2 Spot role fails instead of being reported as info. */
  readonly spot: boolean;
  /** Some planned pattern can use Spot: the EC2 Spot role is checked. */
  readonly spotCapable: boolean;
  readonly lambda: boolean;
  readonly reservedConcurrency: number;
  readonly wafLogGroups: number;
  /** Every account-level CloudWatch Logs resource policy the planned templates create, once. */
  readonly logResourcePolicies: readonly string[];
}

export interface PlanOptions {
  readonly spot?: boolean;
  /** Overrides the samples' reserved concurrency (your own stack's `reservedConcurrency`). */
  readonly reservedConcurrency?: number;
}

export function planNeeds(patterns: readonly PatternName[], opts: PlanOptions = {}): PlannedNeeds {
  const needs = patterns.map((p) => PATTERN_NEEDS[p]);
  const sum = (pick: (n: PatternNeeds) => number): number => needs.reduce((total, n) => total + pick(n), 0);
  const roles = new Map<string, ServiceLinkedRole>();
  for (const n of needs) {
    for (const role of n.serviceLinkedRoles) {
      roles.set(role.roleName, role);
    }
  }
  const spotCapable = needs.some((n) => n.canUseSpot);
  if (spotCapable) {
    roles.set(R.ec2Spot.roleName, R.ec2Spot);
  }
  return {
    patterns,
    vpcs: sum((n) => n.vpcs),
    internetGateways: sum((n) => n.internetGateways),
    natGateways: sum((n) => n.natGateways),
    elasticIps: sum((n) => n.elasticIps),
    serviceLinkedRoles: [...roles.values()],
    spot: opts.spot === true && spotCapable,
    spotCapable,
    lambda: needs.some((n) => n.lambda),
    reservedConcurrency: opts.reservedConcurrency ?? sum((n) => n.reservedConcurrency),
    wafLogGroups: sum((n) => n.wafLogGroups),
    logResourcePolicies: [...new Set(needs.flatMap((n) => n.logResourcePolicies))],
  };
}
