import { Match, Template } from 'aws-cdk-lib/assertions';
import { EksClusterStack } from '../../examples/eks-cluster-stack';
import { testApp } from '../support/cdk-context';
import { once } from '../support/shared';

/** The sample stack as bin/app.ts builds it with no context, synthesized once for the tests that only read it. */
const sample = once(() => new EksClusterStack(testApp(), 'EksCluster'));

/** The kubectl provider's handler role has an access entry (cluster admin); the sample's workloads need it. */
function expectKubectlAccessEntry(stack: EksClusterStack, template: Template): void {
  const handlerRole = stack.eks.kubectlProvider!.role!;
  template.hasResourceProperties('AWS::EKS::AccessEntry', {
    PrincipalArn: { 'Fn::GetAtt': [stack.getLogicalId(handlerRole.node.defaultChild as never), 'Arn'] },
  });
}

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
      'NginxHostnameCommand',
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
    // (the other access entry is the kubectl provider's, which applies the nginx example)
    template.resourceCountIs('AWS::EKS::AccessEntry', 2);
    expectKubectlAccessEntry(stack, template);
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
    // (the other access entry is the kubectl provider's, which applies the nginx example)
    template.resourceCountIs('AWS::EKS::AccessEntry', 2);
    expectKubectlAccessEntry(stack, template);
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
    const granted = Object.values(template.findResources('AWS::IAM::ManagedPolicy'))
      .filter(
        (p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: id(stack.accessInstance.role as never) }]),
      )
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(granted).toEqual([
      { Action: 'eks:DescribeCluster', Effect: 'Allow', Resource: { 'Fn::GetAtt': [id(stack.eks.cluster), 'Arn'] } },
      { Action: 'sts:AssumeRole', Effect: 'Allow', Resource: { 'Fn::GetAtt': [id(stack.adminRole!), 'Arn'] } },
    ]);
    // AND no inline policy on that role (NIST 800-53 R5, HIPAA and PCI DSS refuse them)
    expect(
      Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
        JSON.stringify(p.Properties.Roles).includes(id(stack.accessInstance.role as never)),
      ),
    ).toEqual([]);
  });

  test('deploys the course example: nginx from ECR Public, non-root and read-only, behind an internet-facing NLB', () => {
    // GIVEN the sample stack
    const stack = new EksClusterStack(testApp(), 'EksCluster');
    const template = Template.fromStack(stack);
    // THEN the Load Balancer Controller is installed
    template.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', { Chart: 'aws-load-balancer-controller' });
    // AND the nginx Deployment and its Service are applied together
    const manifests = Object.values(template.findResources('Custom::AWSCDK-EKS-KubernetesResource')).map(
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed Kubernetes objects
      (r) => JSON.parse(r.Properties.Manifest as string) as Record<string, any>[],
    );
    const objects = manifests.flat();
    const deployment = objects.find((o) => o.kind === 'Deployment')!;
    const container = deployment.spec.template.spec.containers[0];
    expect(container.image).toMatch(/^public\.ecr\.aws\/nginx\/nginx-unprivileged:/);
    expect(deployment.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.resources.requests).toEqual({ cpu: '100m', memory: '64Mi' });
    const service = objects.find((o) => o.kind === 'Service')!;
    expect(service.spec.type).toBe('LoadBalancer');
    expect(service.spec.ports[0]).toMatchObject({ port: 80, targetPort: container.ports[0].containerPort });
    expect(service.metadata.annotations['service.beta.kubernetes.io/aws-load-balancer-scheme']).toBe('internet-facing');
    // AND the Service waits for the controller (its webhook creates it; it must be running to delete the NLB)
    const nginxId = stack.getLogicalId(stack.nginx.node.defaultChild as never);
    const chartId = stack.getLogicalId(stack.eks.loadBalancerController!.node.defaultChild as never);
    expect(template.toJSON().Resources[nginxId].DependsOn).toEqual(expect.arrayContaining([chartId]));
    // AND an output says how to reach it
    expect(template.toJSON().Outputs.NginxHostnameCommand.Value).toBe(
      "kubectl get service nginx --namespace web --output jsonpath='{.status.loadBalancer.ingress[0].hostname}'",
    );
  });
});
