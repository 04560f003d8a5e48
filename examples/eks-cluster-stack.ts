import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { EksCluster } from '../lib';

/**
 * Sample: a production EKS cluster with a private API endpoint, a managed
 * node group of two to four Amazon Linux 2023 nodes across two Availability
 * Zones, and a Fargate profile that runs every pod of the `serverless`
 * namespace without nodes. Pass `-c eksAdminPrincipalArn=arn:aws:iam::<account>:role/<role>`
 * to give that role cluster-admin access for kubectl.
 */
export class EksClusterStack extends Stack {
  public readonly eks: EksCluster;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const admin = this.node.tryGetContext('eksAdminPrincipalArn') as string | undefined;
    this.eks = new EksCluster(this, 'Eks', {
      fargateNamespaces: ['serverless'],
      adminPrincipalArns: admin ? [admin] : undefined,
    });
    new CfnOutput(this, 'ClusterName', { value: this.eks.cluster.clusterName });
    new CfnOutput(this, 'UpdateKubeconfigCommand', { value: this.eks.updateKubeconfigCommand });
  }
}
