import { DescribeResourcePoliciesCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  CHARACTERS_PER_LOG_GROUP,
  checkLogsResourcePolicies,
  coversEveryWafLogGroup,
  globMatches,
  MAX_POLICY_CHARACTERS,
  wildcardPolicyCommand,
} from '../../bin/cli/preflight/checks/logs-resource-policies';
import { accessDenied, ACCOUNT, mocks, preflightContext, REGION, resetMocks } from './support/preflight';

const { logs } = mocks;

beforeEach(resetMocks);

/** A policy document as CloudWatch Logs returns it: a JSON string. */
const doc = (statements: object[]): string => JSON.stringify({ Version: '2012-10-17', Statement: statements });
/** The statement CloudWatch Logs puts in AWSWAF-LOGS for one log group (the shape the AWS documentation shows). */
const wafGrant = (group: string) => ({
  Effect: 'Allow',
  Principal: { Service: 'delivery.logs.amazonaws.com' },
  Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
  Resource: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${group}:log-stream:*`,
  Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
});
/** AWSWAF-LOGS grown to about `size` characters by grants for groups of past deployments. */
function wafPolicy(size: number): { policyName: string; policyDocument: string } {
  const groups: string[] = [];
  while (doc(groups.map(wafGrant)).length < size) groups.push(`aws-waf-logs-e2e-${groups.length}`);
  return { policyName: 'AWSWAF-LOGS', policyDocument: doc(groups.map(wafGrant)) };
}

describe('coversEveryWafLogGroup', () => {
  const policy = (statement: object) => ({ policyName: 'p', policyDocument: doc([statement]) });

  test('a grant for aws-waf-logs-* covers every future group; the grants WAF adds for one group each do not', () => {
    expect(coversEveryWafLogGroup(policy(wafGrant('aws-waf-logs-*')), ACCOUNT, REGION)).toBe(true);
    expect(coversEveryWafLogGroup(wafPolicy(3000), ACCOUNT, REGION)).toBe(false);
  });

  test('the policy the fix puts in place covers every group (the check passes after the fix)', () => {
    const command = wildcardPolicyCommand(preflightContext());
    const document = /--policy-document '([^']+)'/.exec(command)![1];
    expect(coversEveryWafLogGroup({ policyName: 'fix', policyDocument: document }, ACCOUNT, REGION)).toBe(true);
    expect(command).toBe(
      `aws logs put-resource-policy --policy-name cdk-compute-patterns-waf-logs --policy-document '${document}' --region ${REGION}`,
    );
  });

  test('broader grants count (logs:*, any Region or account); a Deny, another principal or one action do not', () => {
    const broad = { ...wafGrant('x'), Action: 'logs:*', Resource: 'arn:aws:logs:*:*:log-group:*' };
    expect(coversEveryWafLogGroup(policy(broad), ACCOUNT, REGION)).toBe(true);
    expect(coversEveryWafLogGroup(policy({ ...broad, Effect: 'Deny' }), ACCOUNT, REGION)).toBe(false);
    expect(
      coversEveryWafLogGroup(policy({ ...broad, Principal: { Service: 'route53.amazonaws.com' } }), ACCOUNT, REGION),
    ).toBe(false);
    expect(coversEveryWafLogGroup(policy({ ...broad, Action: 'logs:PutLogEvents' }), ACCOUNT, REGION)).toBe(false);
    expect(coversEveryWafLogGroup({ policyName: 'bad', policyDocument: '{' }, ACCOUNT, REGION)).toBe(false);
  });

  test('globMatches treats * and ? as IAM does and everything else literally', () => {
    expect(globMatches('arn:aws:logs:*:log-group:a?c', 'arn:aws:logs:eu:1:log-group:abc')).toBe(true);
    expect(globMatches('a.c', 'abc')).toBe(false);
    expect(globMatches('a(b)+', 'a(b)+')).toBe(true);
  });
});

describe('logs-resource-policies', () => {
  const TWO_OF_TEN = '2 of 10 account-level resource policies in eu-west-1';

  test('passes when a policy already covers every aws-waf-logs-* group (WAF adds nothing), reading every page', async () => {
    logs
      .on(DescribeResourcePoliciesCommand)
      .resolvesOnce({ resourcePolicies: [wafPolicy(4900)], nextToken: 'page2' })
      .resolves({ resourcePolicies: [{ policyName: 'waf-logs', policyDocument: doc([wafGrant('aws-waf-logs-*')]) }] });
    const result = await checkLogsResourcePolicies(preflightContext());
    expect(result).toEqual({
      id: 'logs-resource-policies',
      status: 'pass',
      title: 'CloudWatch Logs account resource policies (WAF log delivery, Batch events)',
      evidence: `${TWO_OF_TEN}; the planned stacks create 0; waf-logs lets log delivery write into every aws-waf-logs-* log group, so WAF adds nothing for the 2 planned web ACL log group(s)`,
    });
    expect(logs.commandCalls(DescribeResourcePoliciesCommand).map((c) => c.args[0].input.nextToken)).toEqual([
      undefined,
      'page2',
    ]);
  });

  test('fails when AWSWAF-LOGS has no room left for the planned groups, with the wildcard policy as the fix', async () => {
    // GIVEN AWSWAF-LOGS grown by deploy-and-destroy cycles to near its limit
    const waf = wafPolicy(MAX_POLICY_CHARACTERS - CHARACTERS_PER_LOG_GROUP);
    logs.on(DescribeResourcePoliciesCommand).resolves({ resourcePolicies: [waf] });
    // WHEN two more groups are planned (the default plan has two web ACLs)
    const result = await checkLogsResourcePolicies(preflightContext());
    // THEN
    expect(result.status).toBe('fail');
    expect(result.evidence).toBe(
      `1 of 10 account-level resource policies in eu-west-1; the planned stacks create 0; AWSWAF-LOGS has ${waf.policyDocument.length} of 5120 characters; WAF appends a grant for each new log group (about 120 characters) and keeps those of deleted groups, and the planned patterns add 2: the policy would exceed its limit, so PutLoggingConfiguration fails (WAFLogDestinationPermissionIssueException) and the stack rolls back`,
    );
    expect(result.fix).toBe(
      `${wildcardPolicyCommand(preflightContext())}  (one statement for every aws-waf-logs-* group; then AWSWAF-LOGS no longer grows and may be deleted: aws logs delete-resource-policy --policy-name AWSWAF-LOGS --region ${REGION})`,
    );
  });

  test('warns when AWSWAF-LOGS will be close to its limit, passes when it has room', async () => {
    logs.on(DescribeResourcePoliciesCommand).resolves({ resourcePolicies: [wafPolicy(4000)] });
    await expect(checkLogsResourcePolicies(preflightContext())).resolves.toMatchObject({
      status: 'warn',
      evidence: expect.stringMatching(/: room for fewer than 10 more log groups after these$/),
    });
    logs.on(DescribeResourcePoliciesCommand).resolves({ resourcePolicies: [wafPolicy(1500)] });
    await expect(checkLogsResourcePolicies(preflightContext())).resolves.toMatchObject({ status: 'pass' });
  });

  test('passes when WAF can create AWSWAF-LOGS, and fails when ten policies leave no room for it', async () => {
    logs.on(DescribeResourcePoliciesCommand).resolves({
      resourcePolicies: [
        { policyName: 'route53-query-logging', policyDocument: doc([]) },
        { policyName: 'es-slow-logs', policyDocument: doc([]) },
      ],
    });
    await expect(checkLogsResourcePolicies(preflightContext())).resolves.toMatchObject({
      status: 'pass',
      evidence: `${TWO_OF_TEN}; the planned stacks create 1 (AWSWAF-LOGS); WAF creates AWSWAF-LOGS at deploy for the 2 planned web ACL log group(s) (the deploying role needs logs:PutResourcePolicy and logs:DescribeResourcePolicies, which the CDK bootstrap execution role has)`,
    });
    logs.on(DescribeResourcePoliciesCommand).resolves({
      resourcePolicies: Array.from({ length: 10 }, (_, i) => ({ policyName: `p${i}`, policyDocument: doc([]) })),
    });
    const result = await checkLogsResourcePolicies(preflightContext(undefined, { profile: 'dev' }));
    expect(result).toMatchObject({
      status: 'fail',
      evidence: expect.stringMatching(
        /^10 of 10 account-level resource policies in eu-west-1; the planned stacks create 1 \(AWSWAF-LOGS\): more than the 10 CloudWatch Logs allows \(the limit cannot be raised\)/,
      ),
      fix: expect.stringMatching(
        /^aws logs put-resource-policy --policy-name cdk-compute-patterns-waf-logs .* --region eu-west-1 --profile dev {2}\(/,
      ),
    });
  });

  test("counts the policies the templates create (BatchJobs' events-to-logs), unless the account has them already", async () => {
    // GIVEN nine policies and a plan with BatchJobs (its own policy) and WebFleet (WAF would create AWSWAF-LOGS)
    const nine = Array.from({ length: 9 }, (_, i) => ({ policyName: `p${i}`, policyDocument: doc([]) }));
    logs.on(DescribeResourcePoliciesCommand).resolves({ resourcePolicies: nine });
    const ctx = preflightContext(['BatchJobs', 'WebFleet']);
    // THEN two more would be eleven
    await expect(checkLogsResourcePolicies(ctx)).resolves.toMatchObject({
      status: 'fail',
      evidence: expect.stringMatching(
        /^9 of 10 account-level resource policies in eu-west-1; the planned stacks create 2 \(BatchJobs-events-to-logs, AWSWAF-LOGS\): more than the 10/,
      ),
    });
    // AND with BatchJobs deployed before (its policy exists), only AWSWAF-LOGS is new: ten in all
    logs.on(DescribeResourcePoliciesCommand).resolves({
      resourcePolicies: [...nine.slice(1), { policyName: 'BatchJobs-events-to-logs', policyDocument: doc([]) }],
    });
    await expect(checkLogsResourcePolicies(ctx)).resolves.toMatchObject({
      status: 'pass',
      evidence: expect.stringMatching(
        /^9 of 10 .*; the planned stacks create 1 \(AWSWAF-LOGS\); WAF creates AWSWAF-LOGS/,
      ),
    });
    // AND BatchJobs alone (no web ACL) is checked too
    logs.on(DescribeResourcePoliciesCommand).resolves({ resourcePolicies: nine.slice(0, 3) });
    await expect(checkLogsResourcePolicies(preflightContext(['BatchJobs']))).resolves.toEqual(
      expect.objectContaining({
        status: 'pass',
        evidence:
          '3 of 10 account-level resource policies in eu-west-1; the planned stacks create 1 (BatchJobs-events-to-logs)',
      }),
    );
  });

  test('warns, with the command to check by hand, when the policies cannot be read', async () => {
    logs.on(DescribeResourcePoliciesCommand).rejects(accessDenied('logs:DescribeResourcePolicies'));
    const result = await checkLogsResourcePolicies(preflightContext());
    expect(result).toMatchObject({
      status: 'warn',
      evidence: expect.stringMatching(
        /^could not check: .*AccessDenied.*; the planned stacks create 0 account-level resource policy\(ies\) and log 2 WAF web ACL\(s\)/,
      ),
      fix: `allow logs:DescribeResourcePolicies, or check by hand: aws logs describe-resource-policies --region ${REGION}`,
    });
  });
});
