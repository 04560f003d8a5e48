import { Stack, Token } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { SecureLoadBalancer, SecureLoadBalancerProps } from '../../lib/common/secure-load-balancer';
import { MANAGED_RULE_GROUPS, WAF_LOG_GROUP_PREFIX } from '../../lib/common/web-acl';
import { agnosticStack, specificStack } from '../support/cdk-context';
import { PACKS, runNag } from '../support/compliance';
import { probeScopes } from '../support/scope-probe';

const WAF_PACKS = PACKS.filter((p) => ['NIST.800.53.R5', 'PCI.DSS.321'].includes(p.name));

function newBalancer(stack: Stack, props: Omit<SecureLoadBalancerProps, 'vpc'> = {}): SecureLoadBalancer {
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
  const lb = new SecureLoadBalancer(stack, 'Lb', { vpc, protocol: elbv2.ApplicationProtocol.HTTP, ...props });
  lb.listener.addAction('Default', { action: elbv2.ListenerAction.fixedResponse(200) });
  return lb;
}

/** Scope probe: a load balancer of the user's next to ours, with no web ACL, is still reported ALBWAFEnabled. */
function expectUserLoadBalancerReported(stack: Stack, internetFacing: boolean): void {
  probeScopes(stack, () => {
    const vpc = stack.node.findChild('Vpc') as ec2.Vpc;
    const user = new elbv2.ApplicationLoadBalancer(stack, 'UserLb', { vpc, internetFacing });
    return WAF_PACKS.map((p) => ({ expect: `${p.name}-ALBWAFEnabled`, on: user.node.defaultChild! }));
  });
}

/** A template value as text: Fn::Join concatenated, Ref written `{Name}`. */
/** The log groups whose name starts with WAF's required prefix (the name ends with a token: the stack id's UUID). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- template resources are untyped JSON
function wafLogGroups(t: Template): Record<string, { [key: string]: any }> {
  return Object.fromEntries(
    Object.entries(t.findResources('AWS::Logs::LogGroup')).filter(([, g]) =>
      flatten(g.Properties.LogGroupName ?? '').startsWith(WAF_LOG_GROUP_PREFIX),
    ),
  );
}

function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, unknown>;
  if (v['Fn::Join']) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map(flatten).join(sep);
  }
  if (v.Ref) return `{${v.Ref as string}}`;
  return JSON.stringify(value);
}

/** The WAF findings (NIST 800-53 R5, PCI DSS 3.2.1) on the load balancer `lb`. */
function wafFindings(stack: Stack, lb: SecureLoadBalancer) {
  return runNag(stack, WAF_PACKS).filter(
    (f) => /ALBWAFEnabled|WAFv2LoggingEnabled/.test(f.id) && f.path.startsWith(`${lb.node.path}/`),
  );
}

describe.each([
  ['environment-agnostic', () => agnosticStack()],
  ['environment-specific', () => specificStack()],
])('the web ACL of an internet-facing SecureLoadBalancer (%s stack)', (_kind, makeStack) => {
  test('is on by default: the AWS managed rule groups, associated with the load balancer, logging to aws-waf-logs-*', () => {
    // GIVEN / WHEN an internet-facing load balancer with default props
    const stack = makeStack();
    const lb = newBalancer(stack);
    const t = Template.fromStack(stack);
    // THEN a REGIONAL web ACL evaluates the three AWS managed rule groups, metrics and samples on
    t.resourceCountIs('AWS::WAFv2::WebACL', 1);
    t.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
      VisibilityConfig: { CloudWatchMetricsEnabled: true, SampledRequestsEnabled: true },
      Rules: MANAGED_RULE_GROUPS.map((name, priority) =>
        Match.objectLike({
          Name: name,
          Priority: priority,
          OverrideAction: { None: {} },
          Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: name } },
          VisibilityConfig: Match.objectLike({ CloudWatchMetricsEnabled: true, SampledRequestsEnabled: true }),
        }),
      ),
    });
    expect(lb.webAcl).toBeDefined();
    // AND it is associated with this load balancer
    const lbId = stack.getLogicalId(lb.loadBalancer.node.defaultChild as elbv2.CfnLoadBalancer);
    const aclId = stack.getLogicalId(lb.webAcl!);
    t.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: { Ref: lbId },
      WebACLArn: { 'Fn::GetAtt': [aclId, 'Arn'] },
    });
    // AND every request is logged to an encrypted log group whose name WAF accepts (aws-waf-logs-*), one year by default
    const groups = wafLogGroups(t);
    expect(Object.keys(groups)).toHaveLength(1);
    const [groupId, group] = Object.entries(groups)[0];
    // AND it is kept on update and delete (not when the deploy that created it rolls back), and its name ends with the
    // stack id's UUID, so the stack deploys again after `cdk destroy` instead of failing on the kept name
    expect(group.DeletionPolicy).toBe('RetainExceptOnCreate');
    expect(flatten(group.Properties.LogGroupName)).toMatch(
      /^aws-waf-logs-.+-\{"Fn::Select":\[2,\{"Fn::Split":\["\/",\{"Ref":"AWS::StackId"\}\]\}\]\}$/,
    );
    expect(group.Properties.KmsKeyId).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^CdkComputePatternsLogKey/), 'Arn'],
    });
    expect(group.Properties.RetentionInDays).toBe(365);
    // AND the logging configuration names it by its plain ARN (WAF refuses the ':*' form), in the stack's own
    // account and Region (WAF logs only to a log group of the account and Region of the web ACL), after it exists
    const name = flatten(group.Properties.LogGroupName);
    const [logging] = Object.values(t.findResources('AWS::WAFv2::LoggingConfiguration'));
    expect(logging.Properties.ResourceArn).toEqual({ 'Fn::GetAtt': [aclId, 'Arn'] });
    expect(logging.DependsOn).toEqual(expect.arrayContaining([groupId]));
    expect(logging.Properties.LogDestinationConfigs.map(flatten)).toEqual([
      Token.isUnresolved(stack.region)
        ? `arn:{AWS::Partition}:logs:{AWS::Region}:{AWS::AccountId}:log-group:${name}`
        : `arn:aws:logs:eu-west-1:123456789012:log-group:${name}`,
    ]);
    // AND the headers that carry credentials and session tokens are left out of the logs
    expect(logging.Properties.RedactedFields).toEqual([
      { SingleHeader: { Name: 'authorization' } },
      { SingleHeader: { Name: 'cookie' } },
    ]);
    // AND nothing of it is reported under NIST 800-53 R5 or PCI DSS 3.2.1 (ALBWAFEnabled, WAFv2LoggingEnabled)
    expect(wafFindings(stack, lb)).toEqual([]);
  });

  test('fails ALBWAFEnabled on a load balancer of the user’s next to it (the association is the one resource)', () => {
    const stack = makeStack();
    newBalancer(stack);
    expectUserLoadBalancerReported(stack, true);
  });

  test('keeps its request logs as long as logRetention says', () => {
    const stack = makeStack();
    newBalancer(stack, { logRetention: logs.RetentionDays.TWO_YEARS });
    const groups = Object.values(wafLogGroups(Template.fromStack(stack)));
    expect(groups.map((g) => g.Properties.RetentionInDays)).toEqual([731]);
  });

  test('webAcl: false removes it with a warning, and acknowledges ALBWAFEnabled on this load balancer alone', () => {
    // GIVEN / WHEN the user turns the web ACL off
    const stack = makeStack();
    const lb = newBalancer(stack, { webAcl: false });
    // THEN the finding is acknowledged on the load balancer resource, while a user's load balancer stays reported
    expectUserLoadBalancerReported(stack, true);
    // AND no web ACL, a warning naming the load balancer
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::WAFv2::WebACL', 0);
    t.resourceCountIs('AWS::WAFv2::LoggingConfiguration', 0);
    expect(lb.webAcl).toBeUndefined();
    Annotations.fromStack(stack).hasWarning(
      `/${stack.stackName}/Lb`,
      `${stack.stackName}/Lb: webAcl is false, so the internet-facing load balancer has no AWS WAF web ACL (no AWS managed rule groups against common exploits, bad inputs and known bad IP addresses). Remove webAcl: false unless another WAF protects it [ack: cdk-compute-patterns:noWebAcl]`,
    );
    const findings = wafFindings(stack, lb);
    expect(findings.map((f) => `${f.id} ${f.path} ${f.acknowledged ? 'acknowledged' : 'open'}`).sort()).toEqual([
      `NIST.800.53.R5-ALBWAFEnabled ${stack.stackName}/Lb/LoadBalancer/Resource acknowledged`,
      `PCI.DSS.321-ALBWAFEnabled ${stack.stackName}/Lb/LoadBalancer/Resource acknowledged`,
    ]);
    expect(findings[0].acknowledged!.path).toBe(`${stack.stackName}/Lb/LoadBalancer/Resource`);
  });
});

describe.each([
  ['environment-agnostic', () => agnosticStack()],
  ['environment-specific', () => specificStack()],
])('an internal SecureLoadBalancer (%s stack)', (_kind, makeStack) => {
  test('has no web ACL by default; ALBWAFEnabled is acknowledged on it alone, as internal', () => {
    // GIVEN / WHEN an internal load balancer
    const stack = makeStack();
    const lb = newBalancer(stack, { internetFacing: false });
    // THEN the finding is acknowledged on that load balancer with the internal reason; a user's internal one stays open
    expectUserLoadBalancerReported(stack, false);
    // AND no web ACL and no warning
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::WAFv2::WebACL', 0);
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internal' });
    Annotations.fromStack(stack).hasNoWarning(`/${stack.stackName}/Lb`, Match.anyValue());
    const findings = wafFindings(stack, lb);
    expect(findings).toHaveLength(2);
    for (const f of findings) {
      expect(f.acknowledged).toEqual({
        path: `${stack.stackName}/Lb/LoadBalancer/Resource`,
        reason: expect.stringMatching(/^This load balancer is internal \(Scheme: internal, private subnets\)/),
      });
      expect(f.acknowledged!.reason).toContain("its VPC's CIDR block");
    }
  });

  test('webAcl: true puts the web ACL on an internal load balancer too', () => {
    const stack = makeStack();
    const lb = newBalancer(stack, { internetFacing: false, webAcl: true, allowedIngressCidrs: ['10.0.0.0/8'] });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::WAFv2::WebACL', 1);
    t.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
    expect(wafFindings(stack, lb)).toEqual([]);
  });
});
