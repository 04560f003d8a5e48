import { Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';

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
 *
 * Zones are compared by what they resolve to, so a token zone (an
 * environment-agnostic stack's `Fn::Select [i, Fn::GetAZs]`, a parameter, an
 * imported value) is one zone: a single subnet whose zone is a token is in one
 * zone, and subnets that all share one token zone are too. Only distinct
 * expressions count as distinct zones (CloudFormation resolves
 * `Fn::Select [0, ...]` and `Fn::Select [1, ...]` of one `Fn::GetAZs` to
 * distinct zones).
 *
 * The message starts with the construct path of `scope`, so a user with
 * several patterns knows which one is wrong; `what` names what must span the
 * zones ("the instances", "the tasks").
 */
export function validateMultiAz(
  scope: Construct,
  vpc: ec2.IVpc,
  selection: ec2.SubnetSelection,
  what: string,
): ec2.SelectedSubnets {
  const selected = vpc.selectSubnets(selection);
  const zones = distinctZones(scope, selected.availabilityZones);
  if (zones.length < 2) {
    const list = zones.map((az) => describeZone(scope, az)).join(', ') || 'none';
    throw new Error(
      `${scope.node.path}: ${what} must span at least two Availability Zones to be highly available; the selected subnets (${selected.subnets.length}) are in ${zones.length} (${list}). Pass a VPC (or vpcSubnets) with subnets in two or more Availability Zones`,
    );
  }
  return selected;
}

/** The zones without duplicates, comparing tokens by what they resolve to. */
export function distinctZones(scope: Construct, zones: string[]): string[] {
  const stack = Stack.of(scope);
  const seen = new Set<string>();
  return zones.filter((az) => {
    const key = JSON.stringify(stack.resolve(az));
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A zone's name, or for a token the CloudFormation expression it stands for (stable in messages). */
function describeZone(scope: Construct, az: string): string {
  if (!Token.isUnresolved(az)) return az;
  return `${JSON.stringify(Stack.of(scope).resolve(az))}, known at deploy time`;
}
