import { Match, Template } from 'aws-cdk-lib/assertions';
import { EksClusterStack } from '../../examples/eks-cluster-stack';
import { testApp } from '../support/cdk-context';
import { once } from '../support/shared';

/** The sample stack as bin/app.ts builds it with no context, synthesized once for the tests that only read it. */
const sample = once(() => new EksClusterStack(testApp(), 'EksCluster'));

describe('EksClusterStack sample', () => {
  test('synthesizes the same template as before', () => {
    // GIVEN the sample stack as bin/app.ts builds it
    const stack = sample();
    // THEN
    expect(Template.fromStack(stack).toJSON()).toMatchSnapshot();
  });

  test('outputs the cluster name and the update-kubeconfig command', () => {
    const stack = sample();
    const outputs = Template.fromStack(stack).toJSON().Outputs;
    expect(Object.keys(outputs).sort()).toEqual([
      'AccessInstanceId',
      'AdminRoleArn',
      'ClusterName',
      'StartSessionCommand',
      'UpdateKubeconfigCommand',
    ]);
    const clusterRef = { Ref: stack.getLogicalId(stack.eks.cluster.node.defaultChild as never) };
    expect(outputs.ClusterName.Value).toEqual(clusterRef);
    expect(outputs.UpdateKubeconfigCommand.Value).toEqual({
      'Fn::Join': ['', ['aws eks update-kubeconfig --name ', clusterRef, ' --region ', { Ref: 'AWS::Region' }]],
    });
  });

  test('gives the principal from -c eksAdminPrincipalArn cluster-admin access, and creates no admin role', () => {
    const arn = 'arn:aws:iam::123456789012:role/Admin';
    const stack = new EksClusterStack(testApp({ context: { eksAdminPrincipalArn: arn } }), 'EksCluster');
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EKS::AccessEntry', 1);
    template.hasResourceProperties('AWS::EKS::AccessEntry', { PrincipalArn: arn });
    expect(stack.adminRole).toBeUndefined();
    expect(template.toJSON().Outputs.AdminRoleArn.Value).toEqual(arn);
  });

  test('with no context, makes a role of the account cluster admin', () => {
    // GIVEN the sample with zero context (plain `npx cdk synth`)
    const stack = sample();
    const template = Template.fromStack(stack);
    // THEN the admin role trusts the account and holds the only access entry, cluster-admin
    const roleArn = { 'Fn::GetAtt': [stack.getLogicalId(stack.adminRole!.node.defaultChild as never), 'Arn'] };
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [
          Match.objectLike({
            Principal: {
              AWS: {
                'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']],
              },
            },
          }),
        ],
      }),
    });
    template.resourceCountIs('AWS::EKS::AccessEntry', 1);
    template.hasResourceProperties('AWS::EKS::AccessEntry', {
      PrincipalArn: roleArn,
      AccessPolicies: [Match.objectLike({ AccessScope: { Type: 'cluster' } })],
    });
    expect(template.toJSON().Outputs.AdminRoleArn.Value).toEqual(roleArn);
  });

  test('lets the access instance assume the admin role, and nothing wider', () => {
    const stack = sample();
    const template = Template.fromStack(stack);
    const id = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: id(stack.accessInstance.role as never) }],
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Action: 'eks:DescribeCluster',
            Resource: { 'Fn::GetAtt': [id(stack.eks.cluster), 'Arn'] },
          }),
          Match.objectLike({ Action: 'sts:AssumeRole', Resource: { 'Fn::GetAtt': [id(stack.adminRole!), 'Arn'] } }),
        ],
      },
    });
  });
});
