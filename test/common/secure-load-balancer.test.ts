import { Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SecureLoadBalancer, SecureLoadBalancerProps } from '../../lib/common/secure-load-balancer';
import { agnosticStack, specificStack, testApp } from '../support/cdk-context';
import { checkNag } from '../support/nag-check';

const CERTIFICATE_ARN = 'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';

function newBalancer(stack: Stack, props: Omit<SecureLoadBalancerProps, 'vpc'> = {}): SecureLoadBalancer {
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
  const lb = new SecureLoadBalancer(stack, 'Lb', { vpc, ...props });
  // A listener needs a default action to synthesize.
  lb.listener.addAction('Default', { action: elbv2.ListenerAction.fixedResponse(200) });
  return lb;
}

function balancer(
  stack: Stack,
  props: Omit<SecureLoadBalancerProps, 'vpc'> = {},
): { lb: SecureLoadBalancer; template: Template } {
  const lb = newBalancer(stack, props);
  return { lb, template: Template.fromStack(stack) };
}

describe.each([
  ['environment-agnostic', () => agnosticStack()],
  ['environment-specific', () => specificStack()],
])('SecureLoadBalancer in an %s stack', (_kind, makeStack) => {
  test('keeps the zero-props constructor: plain HTTP on 80, with a warning that it is internet-facing', () => {
    const stack = makeStack();
    const { lb, template } = balancer(stack);
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, Protocol: 'HTTP' });
    expect(lb.url).toMatch(/^http:\/\//);
    Annotations.fromStack(stack).hasWarning(
      `/${stack.stackName}/Lb`,
      Match.stringLikeRegexp('serves plain HTTP to the internet: pass a certificate, or domainName and domainZone'),
    );
  });

  test('serves plain HTTP without a warning when the user chooses it', () => {
    const stack = makeStack();
    balancer(stack, { protocol: elbv2.ApplicationProtocol.HTTP });
    Annotations.fromStack(stack).hasNoWarning(`/${stack.stackName}/Lb`, Match.anyValue());
  });

  test('serves HTTPS with a DNS-validated certificate and an alias record when a domain is given', () => {
    // GIVEN a hosted zone and a name in it
    const stack = makeStack();
    const zone = route53.PublicHostedZone.fromHostedZoneAttributes(stack, 'Zone', {
      hostedZoneId: 'Z0123456789ABCDEFGHIJ',
      zoneName: 'example.com',
    });
    // WHEN
    const { lb, template } = balancer(stack, { domainName: 'app.example.com', domainZone: zone });
    // THEN
    template.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'app.example.com',
      ValidationMethod: 'DNS',
      DomainValidationOptions: [{ DomainName: 'app.example.com', HostedZoneId: 'Z0123456789ABCDEFGHIJ' }],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: { Ref: Match.anyValue() } }],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      DefaultActions: [Match.objectLike({ Type: 'redirect' })],
    });
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'app.example.com.',
      Type: 'A',
      HostedZoneId: 'Z0123456789ABCDEFGHIJ',
    });
    expect(lb.url).toBe('https://app.example.com');
    Annotations.fromStack(stack).hasNoWarning(`/${stack.stackName}/Lb`, Match.anyValue());
  });

  test('opens the listener ports as rules of their own, one per CIDR block and port', () => {
    const stack = makeStack();
    const { lb, template } = balancer(stack, {
      certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', CERTIFICATE_ARN),
      allowedIngressCidrs: ['203.0.113.0/24', '198.51.100.0/24'],
    });
    const sg = stack.getLogicalId(lb.securityGroup.node.defaultChild as ec2.CfnSecurityGroup);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^Load balancer'),
      SecurityGroupIngress: Match.absent(),
    });
    const rules = Object.values(
      template.findResources('AWS::EC2::SecurityGroupIngress', {
        Properties: { GroupId: { 'Fn::GetAtt': [sg, 'GroupId'] }, CidrIp: Match.anyValue() },
      }),
    ).map((r) => `${r.Properties.CidrIp}:${r.Properties.FromPort}`);
    expect(rules.sort()).toEqual([
      '198.51.100.0/24:443',
      '198.51.100.0/24:80',
      '203.0.113.0/24:443',
      '203.0.113.0/24:80',
    ]);
  });
});

describe('SecureLoadBalancer acknowledgements', () => {
  function openFindings(props: Omit<SecureLoadBalancerProps, 'vpc'>, change: (lb: SecureLoadBalancer) => void) {
    const report = checkNag((outdir) => {
      const app = testApp({ outdir });
      const stack = new Stack(app, 'Probe');
      // Plain HTTP chosen explicitly: the default's warning would show up in the report too.
      // (No Template.fromStack here: synthesizing before the plugins are added would skip them.)
      const lb = newBalancer(stack, { protocol: elbv2.ApplicationProtocol.HTTP, ...props });
      change(lb);
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      return app;
    });
    const stack = report.stacks.find((s) => s.stack === 'Probe')!;
    return {
      open: stack.nagViolations.filter((v) => v.path.startsWith('Probe/Lb')).map((v) => `${v.rule} ${v.path}`),
      acknowledged: stack.acknowledged.filter((a) => a.id.endsWith('AwsSolutions-EC23')).map((a) => a.path),
    };
  }

  test('acknowledge AwsSolutions-EC23 on the public listener rules alone', () => {
    const { open, acknowledged } = openFindings({}, () => undefined);
    expect(open).toEqual([]);
    expect(acknowledged).toEqual(['Probe/Lb/Ingress80From0']);
  });

  test('still report SSH from anywhere that the user adds to the security group', () => {
    const { open } = openFindings({}, (lb) =>
      lb.securityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(22), 'user SSH'),
    );
    expect(open).toContain('AwsSolutions-EC23 Probe/Lb/SecurityGroup/Resource');
  });

  test('acknowledge the internal default (the VPC CIDR, a deploy-time token) on its rule alone', () => {
    const { open, acknowledged } = openFindings({ internetFacing: false }, (lb) =>
      lb.securityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(22), 'user SSH'),
    );
    expect(acknowledged).toEqual(['Probe/Lb/Ingress80From0']);
    expect(open).toContain('AwsSolutions-EC23 Probe/Lb/SecurityGroup/Resource');
  });
});

describe('SecureLoadBalancer validation', () => {
  const build = (props: Omit<SecureLoadBalancerProps, 'vpc'>) => () => balancer(agnosticStack(), props);

  test('fails when HTTPS is asked for without a certificate or a domain', () => {
    expect(build({ protocol: elbv2.ApplicationProtocol.HTTPS })).toThrow(
      'Agnostic/Lb: protocol is HTTPS but neither a certificate nor domainName and domainZone were given; pass a certificate, or domainName and domainZone for a DNS-validated one',
    );
  });

  test('fails when plain HTTP is asked for with a certificate', () => {
    const stack = agnosticStack();
    const certificate = acm.Certificate.fromCertificateArn(stack, 'Cert', CERTIFICATE_ARN);
    expect(() => balancer(stack, { certificate, protocol: elbv2.ApplicationProtocol.HTTP })).toThrow(
      'Agnostic/Lb: protocol is HTTP but a certificate was given; the load balancer serves HTTPS whenever a certificate or a domain is given. Remove protocol (or set it to HTTPS), or remove the certificate and domain',
    );
  });

  test('fails when the certificate would be validated through a private hosted zone, and accepts the zone with a certificate', () => {
    // GIVEN an internal load balancer named in a private hosted zone
    const stack = agnosticStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
    const zone = new route53.PrivateHostedZone(stack, 'Internal', { zoneName: 'corp.internal', vpc });
    const props = { vpc, internetFacing: false, domainName: 'app.corp.internal', domainZone: zone };
    // THEN without a certificate it fails: ACM validates through public DNS, the certificate would never be issued
    expect(() => new SecureLoadBalancer(stack, 'Lb', props)).toThrow(
      "Agnostic/Lb: domainZone Agnostic/Internal is a private hosted zone, and ACM validates certificates through public DNS only, so the certificate for 'app.corp.internal' would never be issued. Pass a certificate (issued elsewhere, or validated through a public zone) with the private zone, or use a public hosted zone",
    );
    // AND with a certificate the private zone gets the alias record and no certificate is created
    const certificate = acm.Certificate.fromCertificateArn(stack, 'Cert', CERTIFICATE_ARN);
    const lb = new SecureLoadBalancer(stack, 'Lb2', { ...props, certificate });
    lb.listener.addAction('Default', { action: elbv2.ListenerAction.fixedResponse(200) });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    template.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'app.corp.internal.', Type: 'A' });
  });

  test('fails when domainName comes without domainZone', () => {
    expect(build({ domainName: 'app.example.com' })).toThrow(
      'Agnostic/Lb: domainName and domainZone go together (the zone holds the alias record and the certificate validation records); received domainName without domainZone',
    );
  });
});
