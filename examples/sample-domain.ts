import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';

/** How a sample's load balancer serves: HTTPS on a domain, or plain HTTP chosen explicitly. */
export interface SampleDomainProps {
  /** The domain name, with `domainZone`: HTTPS with a DNS-validated certificate. */
  readonly domainName?: string;
  /** The hosted zone holding `domainName`. */
  readonly domainZone?: route53.IHostedZone;
  /** HTTP when no domain is given. */
  readonly protocol?: elbv2.ApplicationProtocol;
}

/**
 * The domain of a sample that serves a web endpoint, from context values, so that the sample deploys in any
 * account as it is (plain HTTP) and serves HTTPS in yours when you name your domain:
 *
 *   npx cdk deploy WebFleet -c webFleetDomainName=shop.example.com -c hostedZoneId=Z0123456789ABC -c zoneName=example.com
 *
 * `<contextKey>` names the sample's domain (`webFleetDomainName`, `fargateServiceDomainName`), `hostedZoneId`
 * and `zoneName` the Route 53 public hosted zone holding it (shared by the samples). With a domain the pattern
 * creates the alias record and a DNS-validated certificate and redirects port 80 to HTTPS.
 */
export function sampleDomain(scope: Construct, contextKey: string): SampleDomainProps {
  const domainName: unknown = scope.node.tryGetContext(contextKey);
  if (domainName === undefined) return { protocol: elbv2.ApplicationProtocol.HTTP };
  const hostedZoneId: unknown = scope.node.tryGetContext('hostedZoneId');
  const zoneName: unknown = scope.node.tryGetContext('zoneName');
  if (typeof domainName !== 'string' || typeof hostedZoneId !== 'string' || typeof zoneName !== 'string') {
    throw new Error(
      `${scope.node.path}: the context value ${contextKey} needs hostedZoneId and zoneName too (the Route 53 public hosted zone that holds the domain); received ${contextKey}=${String(domainName)}, hostedZoneId=${String(hostedZoneId)}, zoneName=${String(zoneName)}. Pass -c hostedZoneId=Z0123456789ABC -c zoneName=example.com`,
    );
  }
  return {
    domainName,
    domainZone: route53.HostedZone.fromHostedZoneAttributes(scope, 'Zone', { hostedZoneId, zoneName }),
  };
}
