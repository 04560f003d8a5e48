import { Duration, Stack, Stage, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct, IConstruct } from 'constructs';
import { ServiceDeployment } from './ecs-service-deployment';
import type { EcsWebServiceOptions } from './ecs-service-options';
import { addLoadBalancer5xxAlarm } from './load-balancer-alarms';
import { ManagedPolicyRole } from './managed-policy-role';
import { acknowledge } from './nag';
import { SecureLoadBalancer, targetGroupAlarms, WebLoadBalancerOptions } from './secure-load-balancer';
import { validateIntegerInRange } from './validation';

/**
 * Where a FargateWebService or Ec2WebService joins a load balancer another construct owns: a rule on that
 * load balancer's serving listener, matching host names and/or paths.
 */
export interface SharedListenerRule {
  /**
   * The serving listener to add the service to: the `listener` of another FargateWebService,
   * Ec2WebService or HighlyAvailableFleet, or of a SecureLoadBalancer of this app. The service then
   * creates no load balancer of its own; the load balancer admits traffic to its tasks through their
   * security group (IConnectable), on the container port only.
   */
  readonly listener: elbv2.ApplicationListener;

  /**
   * The rule's priority on the listener, 1 to 49999 (lower is evaluated first). It must be unique on the
   * listener: rules of the same app are checked at synth. 50000 is the catch-all rule of a service that
   * owns the load balancer and deploys with blue/green, linear or canary.
   */
  readonly priority: number;

  /**
   * Host names the rule matches (`api.example.com`, `*.example.com`). With `pathPatterns`, both must match.
   * @default - any host (give `pathPatterns`)
   */
  readonly hostHeaders?: string[];

  /**
   * Path patterns the rule matches (`/api/*`), case-sensitive. With `hostHeaders`, both must match.
   * @default - any path (give `hostHeaders`)
   */
  readonly pathPatterns?: string[];
}

/** What `attachServiceToLoadBalancer` needs from the service construct. */
export interface ServiceAttachment {
  readonly vpc: ec2.IVpc;
  readonly service: ecs.BaseService;
  readonly containerName: string;
  readonly containerPort: number;
  readonly healthCheckPath: string;
  readonly targetType: elbv2.TargetType;
  /** The service's props: load balancer options, `listenerRule`, `deployment`, `target5xxAlarmThreshold`. */
  readonly options: EcsWebServiceOptions;
  readonly topic: sns.ITopic;
}

/** The load balancing of a service: its own SecureLoadBalancer, or a rule on a shared one. */
export interface AttachedService {
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly listener: elbv2.ApplicationListener;
  readonly url: string;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  readonly alternateTargetGroup?: elbv2.ApplicationTargetGroup;
  readonly listenerRule?: elbv2.ApplicationListenerRule;
  readonly testListener?: elbv2.ApplicationListener;
  readonly testListenerRule?: elbv2.ApplicationListenerRule;
  /** The web ACL of the load balancer (its owner's, on a shared one). */
  readonly webAcl?: wafv2.CfnWebACL;
  readonly deploymentRole?: iam.IRole;
  readonly target5xx: cloudwatch.Alarm;
  readonly unhealthyHosts: cloudwatch.Alarm;
  readonly loadBalancer5xx: cloudwatch.Alarm;
}

/** The priority of the catch-all production (and test) rule of a blue/green service that owns its load balancer. */
export const CATCH_ALL_PRIORITY = 50000;

/** The load balancer options that belong to the load balancer's owner, not to a service joining it. */
const OWNER_OPTIONS: (keyof WebLoadBalancerOptions)[] = [
  'internetFacing',
  'allowedIngressCidrs',
  'certificate',
  'domainName',
  'domainZone',
  'protocol',
  'sslPolicy',
  'accessLogBucket',
  'deletionProtection',
  'webAcl',
];

/**
 * Validates `rule` against the service's other props (call inside `withConstructPath`) and returns the
 * SecureLoadBalancer it joins.
 */
export function validateSharedListenerRule(
  rule: SharedListenerRule,
  options: WebLoadBalancerOptions,
  vpc: ec2.IVpc | undefined,
): SecureLoadBalancer {
  const owner = OWNER_OPTIONS.filter((k) => options[k] !== undefined);
  if (owner.length > 0) {
    throw new Error(
      `listenerRule joins a load balancer another construct owns, whose settings are its own; received ${owner.join(', ')} as well. Set them on the construct that owns the load balancer, or drop listenerRule to get a load balancer of this service's own`,
    );
  }
  const secure = SecureLoadBalancer.of(rule.listener);
  if (!secure || secure.listener !== rule.listener) {
    throw new Error(
      `listenerRule.listener must be the serving listener of a SecureLoadBalancer in this app (the listener of a FargateWebService, Ec2WebService or HighlyAvailableFleet); received ${rule.listener.node.path}`,
    );
  }
  validateIntegerInRange('listenerRule.priority', rule.priority, 1, CATCH_ALL_PRIORITY - 1);
  const hosts = rule.hostHeaders ?? [];
  const paths = rule.pathPatterns ?? [];
  if (hosts.length + paths.length === 0) {
    throw new Error(
      `listenerRule needs hostHeaders or pathPatterns (or both): a rule without conditions would take every request from ${rule.listener.node.path}; received neither`,
    );
  }
  if (hosts.length + paths.length > 5) {
    throw new Error(
      `listenerRule may hold at most 5 hostHeaders and pathPatterns together (an Application Load Balancer rule allows 5 condition values); received ${hosts.length + paths.length}`,
    );
  }
  const badPath = paths.find((p) => !Token.isUnresolved(p) && !p.startsWith('/'));
  if (badPath !== undefined) {
    throw new Error(`listenerRule.pathPatterns must start with '/', e.g. '/api/*'; received '${badPath}'`);
  }
  if (vpc && vpc !== secure.loadBalancer.vpc) {
    throw new Error(
      `the service must run in the VPC of the load balancer it joins (${secure.loadBalancer.vpc?.node.path ?? 'unknown'}); received vpc ${vpc.node.path}. Omit vpc (and cluster) to use that VPC`,
    );
  }
  return secure;
}

/**
 * Puts a service behind a load balancer: its own SecureLoadBalancer, or a rule on the serving listener of
 * another (`listenerRule`). Creates the target group (and, for blue/green, linear and canary, the alternate
 * target group, the production and test listener rules and the role ECS moves traffic with), the target
 * alarms and the load balancer 5xx alarm, and makes the traffic-shifting strategies roll back on them.
 */
export function attachServiceToLoadBalancer(scope: Construct, a: ServiceAttachment): AttachedService {
  const shared = a.options.listenerRule;
  const deployment = a.options.deployment ?? ServiceDeployment.rolling();
  const alb = shared
    ? SecureLoadBalancer.of(shared.listener)!
    : new SecureLoadBalancer(scope, 'LoadBalancer', {
        ...SecureLoadBalancer.propsFrom(a.vpc, a.options),
        logRetention: a.options.logRetention,
      });
  const loadBalancer = alb.loadBalancer;
  const listener = alb.listener;
  const url = shared ? sharedUrl(alb.url, shared) : alb.url;
  const newTargetGroup = (id: string) =>
    new elbv2.ApplicationTargetGroup(scope, id, {
      vpc: a.vpc,
      targetType: a.targetType,
      protocol: elbv2.ApplicationProtocol.HTTP,
      port: a.containerPort,
      deregistrationDelay: Duration.seconds(30),
      healthCheck: {
        path: a.healthCheckPath,
        healthyHttpCodes: '200-399',
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
    });
  const targetGroup = newTargetGroup('TargetGroup');
  const conditions = shared
    ? [
        ...(shared.hostHeaders?.length ? [elbv2.ListenerCondition.hostHeaders(shared.hostHeaders)] : []),
        ...(shared.pathPatterns?.length ? [elbv2.ListenerCondition.pathPatterns(shared.pathPatterns)] : []),
      ]
    : [elbv2.ListenerCondition.pathPatterns(['/*'])];
  const priority = shared ? shared.priority : CATCH_ALL_PRIORITY;

  let alternateTargetGroup: elbv2.ApplicationTargetGroup | undefined;
  let listenerRule: elbv2.ApplicationListenerRule | undefined;
  let testListener: elbv2.ApplicationListener | undefined;
  let testListenerRule: elbv2.ApplicationListenerRule | undefined;
  let deploymentRole: ManagedPolicyRole | undefined;
  if (!deployment.shiftsTraffic) {
    targetGroup.addTarget(
      a.service.loadBalancerTarget({ containerName: a.containerName, containerPort: a.containerPort }),
    );
    if (shared) {
      listenerRule = new elbv2.ApplicationListenerRule(scope, 'ListenerRule', {
        listener,
        priority,
        conditions,
        targetGroups: [targetGroup],
      });
    } else {
      listener.addTargetGroups('Service', { targetGroups: [targetGroup] });
    }
  } else {
    alternateTargetGroup = newTargetGroup('AlternateTargetGroup');
    const weighted = () =>
      elbv2.ListenerAction.weightedForward([
        { targetGroup, weight: 100 },
        { targetGroup: alternateTargetGroup!, weight: 0 },
      ]);
    if (!shared) {
      // Production traffic goes through a rule ECS can re-weight; the default action is never reached.
      listener.addAction('Default', {
        action: elbv2.ListenerAction.fixedResponse(404, { contentType: 'text/plain', messageBody: 'Not found' }),
      });
    }
    listenerRule = new elbv2.ApplicationListenerRule(scope, 'ListenerRule', {
      listener,
      priority,
      conditions,
      action: weighted(),
    });
    if (deployment.testListenerPort !== undefined) {
      testListener = alb.addTestListener(deployment.testListenerPort);
      testListenerRule = new elbv2.ApplicationListenerRule(scope, 'TestListenerRule', {
        listener: testListener,
        priority,
        conditions,
        action: weighted(),
      });
    }
    const infrastructure = createDeploymentRole(scope, {
      listeners: testListener ? [listener, testListener] : [listener],
      rules: testListenerRule ? [listenerRule, testListenerRule] : [listenerRule],
      targetGroups: [targetGroup, alternateTargetGroup],
    });
    deploymentRole = infrastructure.role;
    targetGroup.addTarget(
      a.service.loadBalancerTarget({
        containerName: a.containerName,
        containerPort: a.containerPort,
        alternateTarget: new ecs.AlternateTarget('AlternateTarget', {
          alternateTargetGroup,
          productionListener: ecs.ListenerRuleConfiguration.applicationListenerRule(listenerRule),
          testListener: testListenerRule
            ? ecs.ListenerRuleConfiguration.applicationListenerRule(testListenerRule)
            : undefined,
          role: deploymentRole,
        }),
      }),
    );
    // ECS uses the role as soon as the service exists: its policies come first.
    a.service.node.addDependency(infrastructure.describePolicy);
    if (infrastructure.role.policy) a.service.node.addDependency(infrastructure.role.policy);
  }
  for (const rule of [listenerRule, testListenerRule]) {
    if (rule) scope.node.addValidation({ validate: () => ruleConflicts(rule) });
  }

  const alarmScope = shared ? scope : alb;
  const alarms = targetGroupAlarms(alarmScope, targetGroup, {
    target5xxThreshold: a.options.target5xxAlarmThreshold,
    topic: a.topic,
    alternateTargetGroup,
  });
  const loadBalancer5xx = addLoadBalancer5xxAlarm(alarmScope, 'LoadBalancer5xxAlarm', loadBalancer, {
    threshold: a.options.target5xxAlarmThreshold,
    topic: a.topic,
  });
  if (deployment.shiftsTraffic) {
    // Roll back when the new tasks answer 5xx or fail health checks; the load balancer's own 5xx only when
    // the load balancer serves this service alone (on a shared one, another service's errors would count).
    const rollbackOn = [alarms.target5xxAlarm, alarms.unhealthyHostsAlarm, ...(shared ? [] : [loadBalancer5xx])];
    a.service.enableDeploymentAlarms(
      rollbackOn.map((alarm) => alarm.alarmName),
      { behavior: ecs.AlarmBehavior.ROLLBACK_ON_ALARM },
    );
  }
  return {
    loadBalancer,
    listener,
    url,
    targetGroup,
    alternateTargetGroup,
    listenerRule,
    testListener,
    testListenerRule,
    webAcl: alb.webAcl,
    deploymentRole,
    target5xx: alarms.target5xxAlarm,
    unhealthyHosts: alarms.unhealthyHostsAlarm,
    loadBalancer5xx,
  };
}

/**
 * The IAM role ECS assumes to move traffic during blue/green, linear and canary deployments (the
 * "infrastructure role for load balancers"). Instead of the AWS managed
 * AmazonECSInfrastructureRolePolicyForLoadBalancers, which allows ModifyListener and ModifyRule on every
 * load balancer of the account, it may change only this service's rules and listeners and register targets
 * only in its two target groups; the Describe calls, which support no resource-level permissions, sit in a
 * policy of their own.
 */
function createDeploymentRole(
  scope: Construct,
  r: {
    listeners: elbv2.ApplicationListener[];
    rules: elbv2.ApplicationListenerRule[];
    targetGroups: elbv2.ApplicationTargetGroup[];
  },
): { role: ManagedPolicyRole; describePolicy: iam.ManagedPolicy } {
  const role = new ManagedPolicyRole(scope, 'DeploymentRole', {
    assumedBy: new iam.ServicePrincipal('ecs.amazonaws.com'),
    description: `ECS moves traffic between the target groups of ${scope.node.path} during deployments`,
  });
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['elasticloadbalancing:ModifyRule'],
      resources: r.rules.map((rule) => rule.listenerRuleArn),
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['elasticloadbalancing:ModifyListener'],
      resources: r.listeners.map((l) => l.listenerArn),
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets'],
      resources: r.targetGroups.map((tg) => tg.targetGroupArn),
    }),
  );
  const describe = new iam.ManagedPolicy(scope, 'DeploymentDescribePolicy', {
    description: `Load balancer reads of ECS during deployments of ${scope.node.path} (no resource-level permissions)`,
    roles: [role],
    statements: [
      new iam.PolicyStatement({
        actions: [
          'elasticloadbalancing:DescribeListeners',
          'elasticloadbalancing:DescribeRules',
          'elasticloadbalancing:DescribeTargetGroups',
          'elasticloadbalancing:DescribeTargetHealth',
        ],
        resources: ['*'],
      }),
    ],
  });
  acknowledge(describe, {
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      "This policy holds only elasticloadbalancing:DescribeListeners, DescribeRules, DescribeTargetGroups and DescribeTargetHealth, which support no resource-level permissions (read-only); the deployment role may modify only this service's listener rules and listeners and register targets only in its two target groups, granted by ARN in its own policy.",
  });
  return { role, describePolicy: describe };
}

/** `https://host/path/` of a service on a shared listener: the load balancer's URL narrowed by the rule. */
function sharedUrl(base: string, rule: SharedListenerRule): string {
  const scheme = base.startsWith('https://') ? 'https' : 'http';
  const host = rule.hostHeaders?.find((h) => !Token.isUnresolved(h) && !/[*?]/.test(h));
  const origin = host ? `${scheme}://${host}` : base;
  const path = rule.pathPatterns?.find((p) => !Token.isUnresolved(p));
  if (!path) return origin;
  const prefix = path.split(/[*?]/)[0];
  return `${origin}${prefix === '/' ? '' : prefix}`;
}

/**
 * Rules of this app on the same listener that clash with `rule`: the same priority (CloudFormation refuses the
 * second), or the same conditions (the later rule would never match).
 */
function ruleConflicts(rule: elbv2.ApplicationListenerRule): string[] {
  const mine = rule.node.defaultChild as elbv2.CfnListenerRule;
  const root = Stage.of(rule) ?? rule.node.root;
  const stack = Stack.of(rule);
  const conditionsOf = (cfn: elbv2.CfnListenerRule) => JSON.stringify(stack.resolve(cfn.conditions));
  const others = root.node
    .findAll()
    .filter((c: IConstruct): c is elbv2.CfnListenerRule => c instanceof elbv2.CfnListenerRule && c !== mine)
    .filter((c) => c.listenerArn === mine.listenerArn);
  const errors: string[] = [];
  for (const other of others) {
    const otherPath = other.node.scope?.node.path ?? other.node.path;
    if (!Token.isUnresolved(mine.priority) && other.priority === mine.priority) {
      errors.push(
        `${rule.node.path}: priority ${mine.priority} is already taken on the listener by ${otherPath}; every rule on a listener needs a priority of its own. Give listenerRule.priority a free value`,
      );
    } else if (conditionsOf(other) === conditionsOf(mine)) {
      errors.push(
        `${rule.node.path}: its conditions ${conditionsOf(mine)} are those of ${otherPath} on the same listener, so the rule with the higher priority number (${Math.max(Number(mine.priority), Number(other.priority))}) never matches. Give each service other hostHeaders or pathPatterns`,
      );
    }
  }
  return errors;
}
