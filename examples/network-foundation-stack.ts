import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { SecureVpc } from '../lib';

/**
 * Sample: the shared secure network on its own (a VPC in two or more
 * Availability Zones with KMS-encrypted flow logs and S3/DynamoDB gateway
 * endpoints), for teams that deploy the network once and hand it to several
 * patterns through their `vpc` prop.
 */
export class NetworkFoundationStack extends Stack {
  public readonly vpc: ec2.IVpc;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.vpc = new SecureVpc(this, 'Vpc');
    new CfnOutput(this, 'VpcId', { value: this.vpc.vpcId });
  }
}
