import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';

/** A VPC imported by attributes, with two isolated subnets in eu-west-1 (and `vpcCidrBlock` when given). */
export function importedIsolatedVpc(stack: Stack, vpcCidrBlock?: string): ec2.IVpc {
  return ec2.Vpc.fromVpcAttributes(stack, 'Imported', {
    vpcId: 'vpc-0123456789abcdef0',
    vpcCidrBlock,
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    isolatedSubnetIds: ['subnet-0123456789abcdef1', 'subnet-0123456789abcdef2'],
    isolatedSubnetRouteTableIds: ['rtb-0123456789abcdef1', 'rtb-0123456789abcdef2'],
  });
}
