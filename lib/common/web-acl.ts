import { Annotations, ArnFormat, Names, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { fixedNameLogGroupProps, SecureLogGroup } from './log-group';

/**
 * The AWS managed rule groups every web ACL of the library evaluates, in this order: the core rule set
 * (OWASP Top 10 style exploits), known bad inputs (e.g. Log4j lookups) and Amazon's IP reputation list.
 */
export const MANAGED_RULE_GROUPS = [
  'AWSManagedRulesCommonRuleSet',
  'AWSManagedRulesKnownBadInputsRuleSet',
  'AWSManagedRulesAmazonIpReputationList',
];

/** The request headers the web ACL's logs leave out (WAF writes `REDACTED` instead of their values). */
export const REDACTED_HEADERS = ['authorization', 'cookie'];

/** AWS WAF delivers logs to CloudWatch Logs only into log groups whose name starts with this prefix. */
export const WAF_LOG_GROUP_PREFIX = 'aws-waf-logs-';

/** Options of `addWebAcl`. */
export interface WebAclOptions {
  /** What the web ACL protects, for its description (e.g. the construct path of the load balancer). */
  readonly protects: string;

  /**
   * How long the web ACL's request logs are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

/** What `addWebAcl` creates. */
export interface WebAclResources {
  /** The web ACL (scope REGIONAL): the AWS managed rule groups, CloudWatch metrics and sampled requests on. */
  readonly webAcl: wafv2.CfnWebACL;
  /** The association of the web ACL with the protected resource. */
  readonly association: wafv2.CfnWebACLAssociation;
  /** The encrypted `aws-waf-logs-*` log group the web ACL logs every request to. */
  readonly logGroup: logs.ILogGroup;
  /** The web ACL's logging configuration (destination: `logGroup`). */
  readonly loggingConfiguration: wafv2.CfnLoggingConfiguration;
}

/**
 * Puts an AWS WAF web ACL in front of `resourceArn` (an Application Load Balancer or an API Gateway stage,
 * in the stack's Region): the AWS managed rule groups of `MANAGED_RULE_GROUPS`, CloudWatch metrics and
 * sampled requests for the ACL and each rule group, and every request logged to an `aws-waf-logs-*` log
 * group encrypted with the stack's log key. The children of `scope` it creates have the ids `WebAcl`,
 * `WebAclAssociation`, `WebAclLogs` and `WebAclLogging` (construct ids are API: the log group has a fixed
 * name, so changing its logical id would fail the deployment with a name conflict).
 *
 * What the template cannot show (docs/COMPLIANCE.md, "AWS WAF"): on PutLoggingConfiguration, WAF adds a
 * CloudWatch Logs resource policy that lets `delivery.logs.amazonaws.com` write into the log group; the
 * deploying principal needs `logs:CreateLogDelivery`, `logs:PutResourcePolicy`,
 * `logs:DescribeResourcePolicies` and `logs:DescribeLogGroups` for that, which the CDK deploy role has. The
 * template does not add that policy itself: CloudFormation can only create account-level resource policies, of
 * which a Region allows 10. Whether the account has room (AWSWAF-LOGS is limited to 5,120 characters and keeps a
 * grant per log group ever logged to) is the `logs-resource-policies` check of `cdk-compute-patterns preflight`.
 */
export function addWebAcl(scope: Construct, resourceArn: string, options: WebAclOptions): WebAclResources {
  const metricPrefix = webAclMetricPrefix(scope);
  const webAcl = new wafv2.CfnWebACL(scope, 'WebAcl', {
    scope: 'REGIONAL',
    description: `AWS managed rule groups in front of ${options.protects}`,
    defaultAction: { allow: {} },
    visibilityConfig: {
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName: `${metricPrefix}WebAcl`,
    },
    rules: MANAGED_RULE_GROUPS.map((name, priority) => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
      visibilityConfig: {
        cloudWatchMetricsEnabled: true,
        sampledRequestsEnabled: true,
        metricName: `${metricPrefix}${name}`,
      },
    })),
  });
  const association = new wafv2.CfnWebACLAssociation(scope, 'WebAclAssociation', {
    resourceArn,
    webAclArn: webAcl.attrArn,
  });
  // WAF requires the aws-waf-logs- prefix. Kept on delete, the name ends with the stack id's UUID, so a destroyed
  // stack deploys again (fixedNameLogGroupProps).
  const fixedName = fixedNameLogGroupProps(
    `${WAF_LOG_GROUP_PREFIX}${Names.uniqueResourceName(scope, { maxLength: 400 })}`,
  );
  const logGroupName = fixedName.logGroupName!;
  const logGroup = new SecureLogGroup(scope, 'WebAclLogs', { retention: options.logRetention, ...fixedName });
  const loggingConfiguration = new wafv2.CfnLoggingConfiguration(scope, 'WebAclLogging', {
    resourceArn: webAcl.attrArn,
    // Every request is logged for a year; these headers carry credentials and session tokens, which would then be
    // readable by whoever may read the log group.
    redactedFields: REDACTED_HEADERS.map((name) => ({ singleHeader: { Name: name } })),
    // The log group's ARN without the ':*' suffix that LogGroup.logGroupArn carries: WAF refuses that one.
    logDestinationConfigs: [
      Stack.of(scope).formatArn({
        service: 'logs',
        resource: 'log-group',
        resourceName: logGroupName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    ],
  });
  loggingConfiguration.node.addDependency(logGroup);
  return { webAcl, association, logGroup, loggingConfiguration };
}

/**
 * The synth warning `cdk-compute-patterns:noWebAcl` for a public endpoint whose user turned the web ACL off
 * (`webAcl: false`), the same in every pattern.
 */
export function warnNoWebAcl(scope: Construct, endpoint: string): void {
  Annotations.of(scope).addWarningV2(
    'cdk-compute-patterns:noWebAcl',
    `${scope.node.path}: webAcl is false, so the ${endpoint} has no AWS WAF web ACL (no AWS managed rule groups against common exploits, bad inputs and known bad IP addresses). Remove webAcl: false unless another WAF protects it`,
  );
}

function webAclMetricPrefix(scope: Construct): string {
  return Names.uniqueId(scope).slice(-40);
}
