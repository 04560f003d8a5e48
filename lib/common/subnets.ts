import { Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';

/**
 * The private subnets a pattern places its compute in by default: private
 * subnets with egress when the VPC has them, otherwise isolated subnets
 * (a SecureVpc with `natGateways: 0`, reaching AWS through gateway endpoints).
 */
export function defaultPrivateSubnets(vpc: ec2.IVpc): ec2.SubnetSelection {
  return vpc.privateSubnets.length > 0
    ? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }
    : { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
}

/**
 * Throws unless the selected subnets span at least two Availability Zones.
 * Availability Zones that are still tokens (environment-agnostic stacks) count
 * as distinct: CloudFormation resolves them to distinct zones (Fn::GetAZs).
 */
export function validateMultiAz(vpc: ec2.IVpc, selection: ec2.SubnetSelection, what: string): ec2.SelectedSubnets {
  const selected = vpc.selectSubnets(selection);
  const azs = new Set(selected.availabilityZones);
  const known = [...azs].filter((az) => !Token.isUnresolved(az));
  if (azs.size < 2 && known.length === azs.size) {
    const list = [...azs].join(', ') || 'none';
    throw new Error(
      `${what} must span at least two Availability Zones to be highly available; the selected subnets are in ${azs.size} (${list}). Pass a VPC (or vpcSubnets) with subnets in two or more Availability Zones`,
    );
  }
  return selected;
}
