import { CfnOutput, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { WEB_FLEET_OUTPUTS } from '../bin/cli/verify/outputs';
import { HighlyAvailableFleet } from '../lib';
import { sampleDomain } from './sample-domain';
import { SampleStackProps } from './shared-logging-stack';

/**
 * Sample: a HighlyAvailableFleet with its defaults (a new VPC, two Graviton
 * web servers in two Availability Zones behind an internet-facing ALB, on plain
 * HTTP unless the context names a domain), sending access logs to the central log bucket. The outputs are what
 * `cdk-compute-patterns verify` reads.
 */
export class WebFleetStack extends Stack {
  public readonly fleet: HighlyAvailableFleet;

  constructor(scope: Construct, id: string, props: SampleStackProps) {
    super(scope, id, props);
    this.fleet = new HighlyAvailableFleet(this, 'Fleet', {
      // HTTPS on your domain with `-c webFleetDomainName=... -c hostedZoneId=... -c zoneName=...`
      // (a DNS-validated certificate, port 80 redirecting); plain HTTP, chosen explicitly, without.
      ...sampleDomain(this, 'webFleetDomainName'),
      accessLogBucket: props.accessLogBucket,
      deletionProtection: props.deletionProtection,
    });
    new CfnOutput(this, WEB_FLEET_OUTPUTS.loadBalancerUrl, {
      value: this.fleet.url,
      description: 'URL of the load balancer in front of the fleet',
    });
    new CfnOutput(this, WEB_FLEET_OUTPUTS.autoScalingGroupName, {
      value: this.fleet.autoScalingGroup.autoScalingGroupName,
      description: 'Name of the Auto Scaling group',
    });
  }
}
