import { Fn, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { EksCluster, FargateWebService, HighlyAvailableFleet, InventoryLoader } from '../../lib';
import { validateMultiAz } from '../../lib/common/subnets';
import { agnosticStack, specificStack } from '../support/cdk-context';

// One subnet, or subnets that all share one (token) Availability Zone, is one zone: every pattern
// refuses it, in environment-agnostic stacks (token zones) and environment-specific ones alike.

const IMAGE = ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:1.27');
const ADMIN = 'arn:aws:iam::123456789012:role/Admin';

/** Each pattern, built with the given VPC and subnets, and what its message says must span the zones. */
const PATTERNS: [string, string, (scope: Construct, vpc: ec2.IVpc, vpcSubnets?: ec2.SubnetSelection) => void][] = [
  [
    'HighlyAvailableFleet',
    'the instances',
    (s, vpc, vpcSubnets) => new HighlyAvailableFleet(s, 'P', { vpc, vpcSubnets }),
  ],
  [
    'FargateWebService',
    'the tasks',
    (s, vpc, vpcSubnets) => new FargateWebService(s, 'P', { vpc, vpcSubnets, image: IMAGE }),
  ],
  [
    'EksCluster',
    'the cluster subnets',
    (s, vpc, vpcSubnets) => new EksCluster(s, 'P', { vpc, vpcSubnets, adminPrincipalArns: [ADMIN] }),
  ],
  ['InventoryLoader', 'the import function', (s, vpc, vpcSubnets) => new InventoryLoader(s, 'P', { vpc, vpcSubnets })],
];

const FIRST_TOKEN_AZ = '{"Fn::Select":[0,{"Fn::GetAZs":""}]}, known at deploy time';

function message(stack: Stack, what: string, subnets: number, zone: string): string {
  return `${stack.stackName}/P: ${what} must span at least two Availability Zones to be highly available; the selected subnets (${subnets}) are in 1 (${zone}). Pass a VPC (or vpcSubnets) with subnets in two or more Availability Zones`;
}

/** A VPC whose two private subnets are both in the zone `az`. */
function importedOneZoneVpc(stack: Stack, az: string): ec2.IVpc {
  return ec2.Vpc.fromVpcAttributes(stack, 'Imported', {
    vpcId: 'vpc-0123456789abcdef0',
    availabilityZones: [az],
    privateSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'],
    privateSubnetRouteTableIds: ['rtb-0aaaaaaaaaaaaaaa1', 'rtb-0aaaaaaaaaaaaaaa2'],
  });
}

describe.each(PATTERNS)('%s', (_name, what, build) => {
  test('fails when the VPC has one Availability Zone, in an environment-agnostic stack (token zone)', () => {
    // GIVEN a VPC with one zone, which in an agnostic stack is the token Fn::Select [0, Fn::GetAZs]
    const stack = agnosticStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1 });
    // THEN
    expect(() => build(stack, vpc)).toThrow(new Error(message(stack, what, 1, FIRST_TOKEN_AZ)));
  });

  test('fails when the VPC has one Availability Zone, in an environment-specific stack', () => {
    const stack = specificStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1 });
    expect(() => build(stack, vpc)).toThrow(new Error(message(stack, what, 1, 'dummy1a')));
  });

  test.each([
    ['environment-agnostic', agnosticStack],
    ['environment-specific', specificStack],
  ])('fails when the subnets all share one token Availability Zone, in an %s stack', (_kind, makeStack) => {
    // GIVEN an imported VPC whose two subnets are in the same zone, known only at deploy time
    const stack = makeStack();
    const vpc = importedOneZoneVpc(stack, Fn.select(0, Fn.getAzs()));
    // THEN
    expect(() => build(stack, vpc)).toThrow(new Error(message(stack, what, 2, FIRST_TOKEN_AZ)));
  });

  test.each([
    ['environment-agnostic', agnosticStack],
    ['environment-specific', specificStack],
  ])('fails when vpcSubnets picks one subnet of a multi-AZ VPC, in an %s stack', (_kind, makeStack) => {
    const stack = makeStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
    const zone = Token.isUnresolved(vpc.privateSubnets[0].availabilityZone) ? FIRST_TOKEN_AZ : 'dummy1a';
    expect(() => build(stack, vpc, { subnets: [vpc.privateSubnets[0]] })).toThrow(
      new Error(message(stack, what, 1, zone)),
    );
  });
});

describe('validateMultiAz', () => {
  test('compares token zones by what they resolve to: two tokens for the same zone are one zone', () => {
    // GIVEN two subnets whose zones are separate token objects for the same expression
    const stack = agnosticStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
    const subnets = ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'].map((subnetId, i) =>
      ec2.Subnet.fromSubnetAttributes(stack, `S${i}`, { subnetId, availabilityZone: Fn.select(0, Fn.getAzs()) }),
    );
    // THEN
    expect(() => validateMultiAz(stack, vpc, { subnets }, 'X')).toThrow(
      new Error(
        `Agnostic: X must span at least two Availability Zones to be highly available; the selected subnets (2) are in 1 (${FIRST_TOKEN_AZ}). Pass a VPC (or vpcSubnets) with subnets in two or more Availability Zones`,
      ),
    );
  });

  test('accepts two distinct token zones (an environment-agnostic VPC with two zones)', () => {
    const stack = agnosticStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
    const selected = validateMultiAz(stack, vpc, { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }, 'X');
    expect(selected.subnets).toHaveLength(2);
  });

  test('accepts literal zones that differ', () => {
    const stack = specificStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 3 });
    expect(validateMultiAz(stack, vpc, {}, 'X').availabilityZones).toEqual(['dummy1a', 'dummy1b', 'dummy1c']);
  });
});
