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

const ID = 'waf-log-delivery';
const TITLE = 'CloudWatch Logs can accept the WAF web ACL logs (account resource policies)';

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
 * The account-level CloudWatch Logs resource policies leave room for the planned web ACL log groups: one already
 * covers every `aws-waf-logs-*` group (pass), or AWSWAF-LOGS has room for the planned groups, or there is room to
 * create it. Otherwise the stack fails at AWS::WAFv2::LoggingConfiguration, and the fix is one wildcard policy.
 */
export async function checkWafLogDelivery(ctx: PreflightContext): Promise<PreflightCheck> {
  const planned = ctx.needs.wafLogGroups;
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
      `could not check: ${listed.reason}; the planned patterns add ${planned} WAF log group(s), which need room in the account's CloudWatch Logs resource policies`,
      `allow logs:DescribeResourcePolicies, or check by hand: aws logs describe-resource-policies${cliScope(ctx, true)}`,
    );
  }
  const policies = listed.value;
  const covering = policies.find((p) => coversEveryWafLogGroup(p, ctx.account, ctx.region));
  if (covering) {
    return check(
      'pass',
      ID,
      TITLE,
      `resource policy ${covering.policyName} lets log delivery write into every aws-waf-logs-* log group: WAF adds no policy for the ${planned} planned group(s)`,
    );
  }
  const waf = policies.find((p) => p.policyName === WAF_POLICY_NAME);
  const fix = `${wildcardPolicyCommand(ctx)}  (one statement for every aws-waf-logs-* group; then ${WAF_POLICY_NAME} no longer grows and may be deleted: aws logs delete-resource-policy --policy-name ${WAF_POLICY_NAME}${cliScope(ctx, true)})`;
  if (waf) {
    const size = (waf.policyDocument ?? '').length;
    const needed = planned * CHARACTERS_PER_LOG_GROUP;
    const evidence = `${WAF_POLICY_NAME} has ${size} of ${MAX_POLICY_CHARACTERS} characters; WAF appends a grant for each new log group (about ${CHARACTERS_PER_LOG_GROUP} characters) and keeps those of deleted groups, and the planned patterns add ${planned}`;
    if (size + needed > MAX_POLICY_CHARACTERS) {
      return check(
        'fail',
        ID,
        TITLE,
        `${evidence}: the policy would exceed its limit, so PutLoggingConfiguration fails (WAFLogDestinationPermissionIssueException) and the stack rolls back`,
        fix,
      );
    }
    if (size + needed + 10 * CHARACTERS_PER_LOG_GROUP > MAX_POLICY_CHARACTERS) {
      return check('warn', ID, TITLE, `${evidence}: room for fewer than 10 more log groups after these`, fix);
    }
    return check('pass', ID, TITLE, evidence);
  }
  const evidence = `${policies.length} of ${MAX_RESOURCE_POLICIES} account-level resource policies in ${ctx.region}, none covering aws-waf-logs-* groups`;
  if (policies.length >= MAX_RESOURCE_POLICIES) {
    return check(
      'fail',
      ID,
      TITLE,
      `${evidence}: WAF cannot create ${WAF_POLICY_NAME} (the limit of ${MAX_RESOURCE_POLICIES} cannot be raised), so PutLoggingConfiguration fails and the stack rolls back. Add the statement to one of the existing policies (aws logs put-resource-policy with its name and its document plus the statement below), or delete an unused policy and run`,
      fix,
    );
  }
  return check(
    'pass',
    ID,
    TITLE,
    `${evidence}: WAF creates ${WAF_POLICY_NAME} at deploy (the deploying role needs logs:PutResourcePolicy and logs:DescribeResourcePolicies, which the CDK bootstrap execution role has)`,
  );
}
