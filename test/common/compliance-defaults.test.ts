import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AccessLogBucket, SecureVpc } from '../../lib';
import { ManagedPolicyRole } from '../../lib/common/managed-policy-role';
import { guardRule } from '../../lib/common/nag';
import { SecureLoadBalancer } from '../../lib/common/secure-load-balancer';
import { agnosticStack, specificStack } from '../support/cdk-context';
import { GuardFailure, NagFinding, runNag, splitGuardAcknowledged } from '../support/compliance';

const CERT_ARN = 'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';
const COMPLIANCE_PACKS = ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'];

function openIds(findings: NagFinding[], rule: string): string[] {
  return findings.filter((f) => !f.acknowledged && f.id.endsWith(`-${rule}`)).map((f) => `${f.id} ${f.path}`);
}

function ackedIds(findings: NagFinding[], rule: string): string[] {
  return findings.filter((f) => f.acknowledged && f.id.endsWith(`-${rule}`)).map((f) => `${f.id} ${f.path}`);
}

describe.each([
  ['environment-agnostic', agnosticStack],
  ['environment-specific', specificStack],
])('compliance defaults of the shared building blocks (%s)', (_kind, makeStack) => {
  test('ManagedPolicyRole puts every statement in a customer managed policy, none inline', () => {
    // GIVEN a ManagedPolicyRole
    const stack: Stack = makeStack();
    const role = new ManagedPolicyRole(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    // WHEN a grant and a user statement are added
    AccessLogBucket.of(stack).grantRead(role);
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: ['*'] }));
    // THEN they are in one managed policy attached to the role, and there is no inline policy
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::IAM::Policy', 0);
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Roles: [stack.resolve(role.roleName)],
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Action: 'sqs:SendMessage', Resource: '*' })]),
      },
    });
    const findings = runNag(stack);
    expect(findings.filter((f) => f.id.endsWith('-IAMNoInlinePolicy'))).toEqual([]);
    // AND the user's wildcard stays visible on that policy
    expect(
      findings.filter((f) => f.id === 'AwsSolutions-IAM5[Resource::*]' && !f.acknowledged).map((f) => f.path),
    ).toEqual([`${stack.stackName}/Role/Policy/Resource`]);
  });

  test('SecureVpc acknowledges VPCDefaultSecurityGroupClosed on its VPC resource unless it restricts the group', () => {
    // GIVEN a SecureVpc by default and one that restricts its default security group
    const stack: Stack = makeStack();
    new SecureVpc(stack, 'Vpc');
    new SecureVpc(stack, 'Restricted', { restrictDefaultSecurityGroup: true });
    // WHEN the packs run
    const findings = runNag(stack);
    // THEN the default VPC's finding is acknowledged on its CfnVPC, the restricted one has none
    expect(ackedIds(findings, 'VPCDefaultSecurityGroupClosed').sort()).toEqual(
      COMPLIANCE_PACKS.map((p) => `${p}-VPCDefaultSecurityGroupClosed ${stack.stackName}/Vpc/Resource`).sort(),
    );
    expect(openIds(findings, 'VPCDefaultSecurityGroupClosed')).toEqual([]);
    Template.fromStack(stack).resourceCountIs('Custom::VpcRestrictDefaultSG', 1);
  });

  test('a load balancer left on plain HTTP keeps its HTTPS findings open, next to the warning', () => {
    // GIVEN an internet-facing load balancer without certificate and without a protocol choice
    const stack: Stack = makeStack();
    const lb = new SecureLoadBalancer(stack, 'Lb', { vpc: new SecureVpc(stack, 'Vpc') });
    lb.listener.addAction('Fixed', { action: elbv2.ListenerAction.fixedResponse(200) });
    // WHEN the packs run
    const findings = runNag(stack);
    // THEN the plain HTTP listener's findings are open, and synthesis warns
    const listener = `${stack.stackName}/Lb/LoadBalancer/Http/Resource`;
    expect(openIds(findings, 'ALBHttpToHttpsRedirection')).toEqual(
      COMPLIANCE_PACKS.map((p) => `${p}-ALBHttpToHttpsRedirection ${listener}`),
    );
    expect(openIds(findings, 'ELBv2ACMCertificateRequired')).toEqual(
      COMPLIANCE_PACKS.map((p) => `${p}-ELBv2ACMCertificateRequired ${listener}`),
    );
    Annotations.fromStack(stack).hasWarning('/' + lb.node.path, Match.stringLikeRegexp('serves plain HTTP'));
  });

  test('a load balancer on plain HTTP by explicit choice acknowledges the HTTPS findings on that listener only', () => {
    // GIVEN an internet-facing load balancer with protocol HTTP chosen
    const stack: Stack = makeStack();
    const lb = new SecureLoadBalancer(stack, 'Lb', {
      vpc: new SecureVpc(stack, 'Vpc'),
      protocol: elbv2.ApplicationProtocol.HTTP,
    });
    // AND a plain HTTP listener the user adds next to it
    lb.loadBalancer.addListener('UserHttp', { port: 8080, open: false }).addAction('Fixed', {
      action: elbv2.ListenerAction.fixedResponse(200),
    });
    // WHEN the packs run
    const findings = runNag(stack);
    // THEN ours is acknowledged, the user's stays open
    const ours = `${stack.stackName}/Lb/LoadBalancer/Http/Resource`;
    const users = `${stack.stackName}/Lb/LoadBalancer/UserHttp/Resource`;
    for (const rule of ['ALBHttpToHttpsRedirection', 'ELBv2ACMCertificateRequired']) {
      expect(ackedIds(findings, rule)).toEqual(COMPLIANCE_PACKS.map((p) => `${p}-${rule} ${ours}`));
      expect(openIds(findings, rule)).toEqual(COMPLIANCE_PACKS.map((p) => `${p}-${rule} ${users}`));
    }
  });

  test('with a certificate, only the redirect listener has ELBv2ACMCertificateRequired acknowledged', () => {
    // GIVEN a load balancer with a certificate
    const stack: Stack = makeStack();
    new SecureLoadBalancer(stack, 'Lb', {
      vpc: new SecureVpc(stack, 'Vpc'),
      certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', CERT_ARN),
    });
    // WHEN the packs run
    const findings = runNag(stack);
    // THEN the redirect listener's finding is acknowledged there and nothing is open
    expect(ackedIds(findings, 'ELBv2ACMCertificateRequired')).toEqual(
      COMPLIANCE_PACKS.map(
        (p) => `${p}-ELBv2ACMCertificateRequired ${stack.stackName}/Lb/LoadBalancer/Redirect80To443/Resource`,
      ),
    );
    expect(openIds(findings, 'ELBv2ACMCertificateRequired')).toEqual([]);
    expect(openIds(findings, 'ALBHttpToHttpsRedirection')).toEqual([]);
  });
});

describe('cfn-guard acknowledgements', () => {
  test('cover the rule on the acknowledged resource only, as aws-cdk-lib matches them', () => {
    // GIVEN the access-log bucket (which acknowledges the two Control Tower S3 rules it cannot pass) and a user bucket
    const stack = agnosticStack();
    const logs = AccessLogBucket.of(stack);
    const other = new AccessLogBucket(stack, 'Other');
    const logsId = stack.resolve((logs.node.defaultChild as never as { logicalId: string }).logicalId);
    const otherId = stack.resolve((other.node.defaultChild as never as { logicalId: string }).logicalId);
    const byId = new Map([
      [logsId, logs.node.defaultChild!],
      [otherId, other.node.defaultChild!],
      ['Unknown', stack],
    ]);
    const failures: GuardFailure[] = [
      { rule: 's3_bucket_logging_enabled_check', control: 'CT.S3.PR.2', resources: [logsId, 'Unknown'] },
      { rule: 'alb_http_to_https_redirection_check', control: 'CT.ELASTICLOADBALANCING.PR.1', resources: [otherId] },
    ];
    // WHEN the failures are split
    const split = splitGuardAcknowledged(failures, (id) => byId.get(id));
    // THEN the acknowledged (rule, resource) pair is out, the rest stays open
    expect(split.acknowledged.map((a) => `${a.rule} ${a.resource} ${path.basename(a.acknowledged.path)}`)).toEqual([
      `s3_bucket_logging_enabled_check ${logsId} Resource`,
    ]);
    expect(split.open).toEqual([
      { rule: 's3_bucket_logging_enabled_check', control: 'CT.S3.PR.2', resources: ['Unknown'] },
      { rule: 'alb_http_to_https_redirection_check', control: 'CT.ELASTICLOADBALANCING.PR.1', resources: [otherId] },
    ]);
    expect(guardRule('s3_bucket_logging_enabled_check')).toBe(
      'cdk-validator-cfnguard::s3_bucket_logging_enabled_check',
    );
  });
});
