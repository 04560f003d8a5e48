import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { EksCluster } from '../lib';

/**
 * Sample: a production EKS cluster with a private API endpoint, a managed
 * node group of two to four Amazon Linux 2023 nodes across two Availability
 * Zones, and a Fargate profile that runs every pod of the `serverless`
 * namespace without nodes.
 *
 * Cluster admin: by default the stack creates the role `EksAdminRole`, which
 * IAM principals of the account may assume, and makes it cluster admin (output
 * `AdminRoleArn`). Pass `-c eksAdminPrincipalArn=arn:aws:iam::<account>:role/<role>`
 * to make an existing role the admin instead; then no role is created.
 *
 * Reaching the private endpoint: the access instance (Session Manager only, no
 * inbound rule) may assume `EksAdminRole`; see docs/EKS.md for the commands.
 */
export class EksClusterStack extends Stack {
  public readonly eks: EksCluster;
  /** The cluster-admin role the sample creates when no `eksAdminPrincipalArn` is given. */
  public readonly adminRole?: iam.Role;
  /** The Session Manager instance inside the VPC that reaches the private API endpoint. */
  public readonly accessInstance: ec2.Instance;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const given = this.node.tryGetContext('eksAdminPrincipalArn') as string | undefined;
    if (!given) {
      this.adminRole = new iam.Role(this, 'EksAdminRole', {
        description: 'Cluster admin of the sample EKS cluster; assume it to run kubectl',
        assumedBy: new iam.AccountRootPrincipal(),
      });
    }
    const admin = given ?? this.adminRole!.roleArn;
    this.eks = new EksCluster(this, 'Eks', {
      fargateNamespaces: ['serverless'],
      adminPrincipalArns: [admin],
    });
    this.accessInstance = this.eks.addAccessInstance();
    this.adminRole?.grantAssumeRole(this.accessInstance.role);
    new CfnOutput(this, 'ClusterName', { value: this.eks.cluster.clusterName });
    new CfnOutput(this, 'UpdateKubeconfigCommand', { value: this.eks.updateKubeconfigCommand });
    new CfnOutput(this, 'AdminRoleArn', { value: admin });
    new CfnOutput(this, 'AccessInstanceId', { value: this.accessInstance.instanceId });
    new CfnOutput(this, 'StartSessionCommand', {
      value: `aws ssm start-session --target ${this.accessInstance.instanceId} --region ${this.region}`,
    });
  }
}
