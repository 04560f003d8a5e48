import { CfnResource } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { SharedLoggingStack } from '../../examples/shared-logging-stack';
import { WebFleetStack } from '../../examples/web-fleet-stack';
import { testApp } from '../support/cdk-context';

function sample(
  deletionProtection?: boolean,
  context: Record<string, string> = {},
): { stack: WebFleetStack; template: Template } {
  // GIVEN the sample app's central log stack WHEN the WebFleet sample is added
  const app = testApp({ context });
  const logging = new SharedLoggingStack(app, 'SharedLogging');
  const stack = new WebFleetStack(app, 'WebFleet', { accessLogBucket: logging.accessLogBucket, deletionProtection });
  return { stack, template: Template.fromStack(stack) };
}

describe('WebFleetStack sample', () => {
  const { stack, template } = sample();

  test('outputs the load balancer URL and the Auto Scaling group name the verify CLI reads', () => {
    expect(Object.keys(template.findOutputs('*')).sort()).toEqual(['AutoScalingGroupName', 'LoadBalancerUrl']);
    template.hasOutput('AutoScalingGroupName', {
      Value: { Ref: stack.getLogicalId(stack.fleet.autoScalingGroup.node.defaultChild as CfnResource) },
    });
  });

  test('keeps load balancer deletion protection on by default and turns it off when told', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'deletion_protection.enabled', Value: 'true' }]),
    });
    sample(false).template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'deletion_protection.enabled', Value: 'false' }]),
    });
  });

  test('matches the snapshot', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });
});

describe('WebFleetStack sample on a domain', () => {
  const DOMAIN = { webFleetDomainName: 'www.example.com', hostedZoneId: 'Z0123456789ABC', zoneName: 'example.com' };

  test('serves plain HTTP, chosen explicitly, without a domain in the context', () => {
    const { template } = sample();
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, Protocol: 'HTTP' });
  });

  test('serves HTTPS with a DNS-validated certificate and an alias record when the context names a domain', () => {
    const { template } = sample(undefined, DOMAIN);
    template.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'www.example.com',
      ValidationMethod: 'DNS',
      DomainValidationOptions: [{ DomainName: 'www.example.com', HostedZoneId: 'Z0123456789ABC' }],
    });
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'www.example.com.',
      Type: 'A',
      HostedZoneId: 'Z0123456789ABC',
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 443, Protocol: 'HTTPS' });
    template.hasOutput('LoadBalancerUrl', { Value: 'https://www.example.com' });
  });

  test('fails when the context names a domain without its hosted zone', () => {
    expect(() => sample(undefined, { webFleetDomainName: 'www.example.com' })).toThrow(
      new Error(
        'WebFleet: the context value webFleetDomainName needs hostedZoneId and zoneName too (the Route 53 public hosted zone that holds the domain); received webFleetDomainName=www.example.com, hostedZoneId=undefined, zoneName=undefined. Pass -c hostedZoneId=Z0123456789ABC -c zoneName=example.com',
      ),
    );
  });
});
