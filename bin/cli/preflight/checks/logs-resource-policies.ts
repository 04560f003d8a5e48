import { DescribeResourcePoliciesCommand, ResourcePolicy } from '@aws-sdk/client-cloudwatch-logs';
import { call } from '../call';
import { cliScope, PreflightContext } from '../context';
import { check, PreflightCheck } from '../result';

/*
 * What a WAF web ACL's logging to CloudWatch Logs needs at deploy, which its template cannot show (lib/common/web-acl.ts).
 * CloudWatch Logs accepts the web ACL's logs only if an account-level resource policy lets delivery.logs.amazonaws.com
 * write into the `aws-waf-logs-*` log group. When PutLoggingConfiguration finds none that covers the group, it
 * creates the policy AWSWAF-LOGS or appends a grant for the group to it. Two account limits can stop that, and with it the stack:
 * at most 10 account-level resource policies per Region (AWSWAF-LOGS would be one more), and at most 5,120
 * characters per policy document. AWSWAF-LOGS grows by one log group ARN per web ACL log group ever created, and
 * keeps the ARNs of deleted groups, so deploy-and-destroy cycles (the e2e command's) fill it up.
 * BatchJobs' own template creates one account-level policy too (EventBridge writing Batch events to its log groups),
 * and it counts against the same 10.
 * Sources: docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html (the policy and
 * the permissions) and .../logs/cloudwatch_limits_cwl.html (10 resource policies, 5,120 characters).
 */

export const WAF_POLICY_NAME = 'AWSWAF-LOGS';
/** CloudWatch Logs' limits on account-level resource policies: per Region, and per policy document. */
export const MAX_RESOURCE_POLICIES = 10;
export const MAX_POLICY_CHARACTERS = 5120;
/** What one more log group adds to AWSWAF-LOGS, at most: a quoted ARN of a 255-character name is longer; ours are short. */
export const CHARACTERS_PER_LOG_GROUP = 120;
/** The policy the fix puts in place: one statement for every `aws-waf-logs-*` group, so WAF never adds one. */
export const WILDCARD_POLICY_NAME = 'cdk-compute-patterns-waf-logs';

const ID = 'logs-resource-policies';
const TITLE = 'CloudWatch Logs account resource policies (WAF log delivery, Batch events)';

/** Whether `pattern` (an IAM resource or action pattern with `*` and `?`) matches `value`. */
export function globMatches(pattern: string, value: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return re.test(value);
}

interface Statement {
  readonly Effect?: string;
  readonly Principal?: { readonly Service?: string | readonly string[] } | string;
  readonly Action?: string | readonly string[];
  readonly Resource?: string | readonly string[];
}

const list = <T>(v: T | readonly T[] | undefined): readonly T[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v as T];

/**
 * Whether `policy` already lets log delivery write into any `aws-waf-logs-*` group of the account and Region (then
 * WAF adds nothing for a new group): an Allow statement for delivery.logs.amazonaws.com with logs:CreateLogStream and
 * logs:PutLogEvents on a resource pattern that matches a log stream of a group name it has never seen.
 */
export function coversEveryWafLogGroup(policy: ResourcePolicy, account: string, region: string): boolean {
  let statements: readonly Statement[];
  try {
    statements = list((JSON.parse(policy.policyDocument ?? '{}') as { Statement?: Statement | Statement[] }).Statement);
  } catch {
    return false;
  }
  const group = `arn:aws:logs:${region}:${account}:log-group:aws-waf-logs-preflight-probe-0123456789`;
  const resources = [`${group}:log-stream:${region}_probe_0`, `${group}:*`];
  return statements.some((s) => {
    if (s.Effect !== 'Allow' || typeof s.Principal !== 'object') return false;
    if (!list(s.Principal.Service).includes('delivery.logs.amazonaws.com')) return false;
    const actions = list(s.Action);
    const allows = (action: string) => actions.some((a) => globMatches(a.toLowerCase(), action.toLowerCase()));
    if (!allows('logs:CreateLogStream') || !allows('logs:PutLogEvents')) return false;
    return list(s.Resource).some((r) =>
      resources.some((arn) => globMatches(r.replace(/^arn:aws[a-z-]*:/, 'arn:aws:'), arn)),
    );
  });
}

/** `aws logs put-resource-policy` for one wildcard statement over `aws-waf-logs-*`, for the account and Region. */
export function wildcardPolicyCommand(ctx: PreflightContext): string {
  const document = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'WafLogDelivery',
        Effect: 'Allow',
        Principal: { Service: 'delivery.logs.amazonaws.com' },
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: `arn:aws:logs:${ctx.region}:${ctx.account}:log-group:aws-waf-logs-*:log-stream:*`,
        Condition: {
          StringEquals: { 'aws:SourceAccount': ctx.account },
          ArnLike: { 'aws:SourceArn': `arn:aws:logs:${ctx.region}:${ctx.account}:*` },
        },
      },
    ],
  };
  return `aws logs put-resource-policy --policy-name ${WILDCARD_POLICY_NAME} --policy-document '${JSON.stringify(document)}'${cliScope(ctx, true)}`;
}

/**
 * The account-level CloudWatch Logs resource policies leave room for what the planned stacks add: the policies their
 * templates create (BatchJobs' events-to-logs policy), and what WAF needs for the web ACL log groups (nothing if a
 * policy already covers every `aws-waf-logs-*` group; else room in AWSWAF-LOGS, or one more policy to create it).
 * Over the limits, the stack fails at AWS::Logs::ResourcePolicy or AWS::WAFv2::LoggingConfiguration and rolls back.
 */
export async function checkLogsResourcePolicies(ctx: PreflightContext): Promise<PreflightCheck> {
  const { wafLogGroups, logResourcePolicies } = ctx.needs;
  const listed = await call(ctx, 'logs:DescribeResourcePolicies', async () => {
    const policies: ResourcePolicy[] = [];
    let nextToken: string | undefined;
    do {
      const out = await ctx.clients.logs().send(new DescribeResourcePoliciesCommand({ nextToken }));
      policies.push(...(out.resourcePolicies ?? []));
      nextToken = out.nextToken;
    } while (nextToken);
    return policies;
  });
  if (!listed.ok) {
    return check(
      'warn',
      ID,
      TITLE,
      `could not check: ${listed.reason}; the planned stacks create ${logResourcePolicies.length} account-level resource policy(ies) and log ${wafLogGroups} WAF web ACL(s), which need room among the account's ${MAX_RESOURCE_POLICIES}`,
      `allow logs:DescribeResourcePolicies, or check by hand: aws logs describe-resource-policies${cliScope(ctx, true)}`,
    );
  }
  const policies = listed.value;
  const existing = new Set(policies.map((p) => p.policyName));
  // A stack deployed before already has its policy: only the missing ones are created.
  const created = logResourcePolicies.filter((name) => !existing.has(name));
  const wafFix = `${wildcardPolicyCommand(ctx)}  (one statement for every aws-waf-logs-* group; then ${WAF_POLICY_NAME} no longer grows and may be deleted: aws logs delete-resource-policy --policy-name ${WAF_POLICY_NAME}${cliScope(ctx, true)})`;

  // What WAF needs for the planned web ACL log groups.
  let waf: { status: 'pass' | 'warn' | 'fail'; evidence: string; createsPolicy: boolean } | undefined;
  if (wafLogGroups > 0) {
    const covering = policies.find((p) => coversEveryWafLogGroup(p, ctx.account, ctx.region));
    const wafPolicy = policies.find((p) => p.policyName === WAF_POLICY_NAME);
    if (covering) {
      waf = {
        status: 'pass',
        evidence: `${covering.policyName} lets log delivery write into every aws-waf-logs-* log group, so WAF adds nothing for the ${wafLogGroups} planned web ACL log group(s)`,
        createsPolicy: false,
      };
    } else if (wafPolicy) {
      const size = (wafPolicy.policyDocument ?? '').length;
      const needed = wafLogGroups * CHARACTERS_PER_LOG_GROUP;
      const evidence = `${WAF_POLICY_NAME} has ${size} of ${MAX_POLICY_CHARACTERS} characters; WAF appends a grant for each new log group (about ${CHARACTERS_PER_LOG_GROUP} characters) and keeps those of deleted groups, and the planned patterns add ${wafLogGroups}`;
      waf =
        size + needed > MAX_POLICY_CHARACTERS
          ? {
              status: 'fail',
              evidence: `${evidence}: the policy would exceed its limit, so PutLoggingConfiguration fails (WAFLogDestinationPermissionIssueException) and the stack rolls back`,
              createsPolicy: false,
            }
          : size + needed + 10 * CHARACTERS_PER_LOG_GROUP > MAX_POLICY_CHARACTERS
            ? {
                status: 'warn',
                evidence: `${evidence}: room for fewer than 10 more log groups after these`,
                createsPolicy: false,
              }
            : { status: 'pass', evidence, createsPolicy: false };
    } else {
      waf = {
        status: 'pass',
        evidence: `WAF creates ${WAF_POLICY_NAME} at deploy for the ${wafLogGroups} planned web ACL log group(s) (the deploying role needs logs:PutResourcePolicy and logs:DescribeResourcePolicies, which the CDK bootstrap execution role has)`,
        createsPolicy: true,
      };
    }
  }

  const newPolicies = [...created, ...(waf?.createsPolicy ? [WAF_POLICY_NAME] : [])];
  const count = `${policies.length} of ${MAX_RESOURCE_POLICIES} account-level resource policies in ${ctx.region}; the planned stacks create ${newPolicies.length}${newPolicies.length ? ` (${newPolicies.join(', ')})` : ''}`;
  if (policies.length + newPolicies.length > MAX_RESOURCE_POLICIES) {
    return check(
      'fail',
      ID,
      TITLE,
      `${count}: more than the ${MAX_RESOURCE_POLICIES} CloudWatch Logs allows (the limit cannot be raised), so the deploy fails creating them and the stack rolls back. Merge statements into fewer policies or delete unused ones${waf?.createsPolicy ? `; for WAF, a policy covering every aws-waf-logs-* group (the command below) replaces ${WAF_POLICY_NAME} for good` : ''}`,
      waf?.createsPolicy
        ? wafFix
        : `aws logs describe-resource-policies${cliScope(ctx, true)}, then aws logs delete-resource-policy --policy-name <unused policy>${cliScope(ctx, true)}`,
    );
  }
  const evidence = `${count}${waf ? `; ${waf.evidence}` : ''}`;
  if (waf && waf.status !== 'pass') return check(waf.status, ID, TITLE, evidence, wafFix);
  return check('pass', ID, TITLE, evidence);
}
