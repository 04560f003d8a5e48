import { Template } from 'aws-cdk-lib/assertions';
import { EksClusterStack } from '../../examples/eks-cluster-stack';
import { testApp } from '../support/cdk-context';

describe('EksClusterStack sample', () => {
  test('synthesizes the same template as before', () => {
    // GIVEN the sample stack as bin/app.ts builds it
    const stack = new EksClusterStack(testApp(), 'EksCluster');
    // THEN
    expect(Template.fromStack(stack).toJSON()).toMatchSnapshot();
  });

  test('outputs the cluster name and the update-kubeconfig command', () => {
    const stack = new EksClusterStack(testApp(), 'EksCluster');
    const outputs = Template.fromStack(stack).toJSON().Outputs;
    expect(Object.keys(outputs).sort()).toEqual(['ClusterName', 'UpdateKubeconfigCommand']);
    const clusterRef = { Ref: stack.getLogicalId(stack.eks.cluster.node.defaultChild as never) };
    expect(outputs.ClusterName.Value).toEqual(clusterRef);
    expect(outputs.UpdateKubeconfigCommand.Value).toEqual({
      'Fn::Join': ['', ['aws eks update-kubeconfig --name ', clusterRef, ' --region ', { Ref: 'AWS::Region' }]],
    });
  });

  test('gives the principal from -c eksAdminPrincipalArn cluster-admin access', () => {
    const arn = 'arn:aws:iam::123456789012:role/Admin';
    const stack = new EksClusterStack(testApp({ context: { eksAdminPrincipalArn: arn } }), 'EksCluster');
    Template.fromStack(stack).hasResourceProperties('AWS::EKS::AccessEntry', { PrincipalArn: arn });
  });
});
