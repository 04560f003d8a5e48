import { CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { EksAccessLevel, EksCluster, EksClusterProps, SecureVpc } from '../../lib';
import { agnosticStack, specificStack, testApp } from '../support/cdk-context';
import { checkCompliance } from '../support/compliance';
import { checkNag } from '../support/nag-check';
import { once } from '../support/shared';

const LOG_TYPES = ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'];
const ADMIN = 'arn:aws:iam::123456789012:role/Admin';

/** An EksCluster with `props`; `adminPrincipalArns` defaults to [ADMIN], since a cluster needs an admin. */
function build(props: EksClusterProps = {}, stack: Stack = agnosticStack()): { stack: Stack; eks: EksCluster } {
  return { stack, eks: new EksCluster(stack, 'Eks', { adminPrincipalArns: [ADMIN], ...props }) };
}

/** The access policy ARN of `name` as aws-eks-v2 writes it. */
function accessPolicyArn(name: string): unknown {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:eks::aws:cluster-access-policy/${name}`]] };
}

function logicalId(stack: Stack, construct: IConstruct): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

/** Refs to the subnets of `selection` in `vpc`. */
function subnetRefs(stack: Stack, vpc: ec2.IVpc, selection: ec2.SubnetSelection): { Ref: string }[] {
  return vpc.selectSubnets(selection).subnets.map((s) => ({ Ref: logicalId(stack, s) }));
}

/**
 * The cluster with no props but the admin, synthesized once per kind of stack and read by every test that only
 * reads it (a test that adds to the cluster or needs other props builds its own).
 */
const DEFAULT_CLUSTER = {
  agnostic: once(() => {
    const built = build();
    return { ...built, template: Template.fromStack(built.stack) };
  }),
  specific: once(() => {
    const built = build({}, specificStack());
    return { ...built, template: Template.fromStack(built.stack) };
  }),
};

describe('EksCluster defaults (environment-agnostic stack)', () => {
  const { stack, eks: cluster, template } = DEFAULT_CLUSTER.agnostic();
  const privateSubnets = subnetRefs(stack, cluster.vpc, { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS });

  test('creates one cluster on the newest Kubernetes version with IAM access entries only', () => {
    // GIVEN an EksCluster with no props (above)
    // THEN
    template.resourceCountIs('AWS::EKS::Cluster', 1);
    template.hasResourceProperties('AWS::EKS::Cluster', {
      Version: '1.37',
      AccessConfig: { AuthenticationMode: 'API', BootstrapClusterCreatorAdminPermissions: false },
      BootstrapSelfManagedAddons: false,
    });
  });

  test('keeps the API endpoint private', () => {
    template.hasResourceProperties('AWS::EKS::Cluster', {
      ResourcesVpcConfig: Match.objectLike({
        EndpointPrivateAccess: true,
        EndpointPublicAccess: false,
        PublicAccessCidrs: Match.absent(),
      }),
    });
  });

  test('places the control-plane network interfaces in the private subnets of two AZs', () => {
    expect(privateSubnets).toHaveLength(2);
    template.hasResourceProperties('AWS::EKS::Cluster', {
      ResourcesVpcConfig: Match.objectLike({ SubnetIds: privateSubnets }),
    });
  });

  test('enables all five control-plane log types', () => {
    template.hasResourceProperties('AWS::EKS::Cluster', {
      Logging: { ClusterLogging: { EnabledTypes: LOG_TYPES.map((Type) => ({ Type })) } },
    });
  });

  test('envelope-encrypts secrets with the exposed customer managed key, rotation on', () => {
    const keyId = logicalId(stack, cluster.secretsKey);
    template.hasResourceProperties('AWS::EKS::Cluster', {
      EncryptionConfig: [{ Provider: { KeyArn: { 'Fn::GetAtt': [keyId, 'Arn'] } }, Resources: ['secrets'] }],
    });
    template.hasResource('AWS::KMS::Key', {
      Properties: Match.objectLike({
        EnableKeyRotation: true,
        Description: 'Envelope-encrypts the Kubernetes secrets of the EKS cluster Agnostic/Eks',
      }),
      DeletionPolicy: 'Retain',
    });
  });

  test('lets the control plane use the secrets key before the cluster is created', () => {
    // A customer managed policy, not the role's inline default policy (NIST/HIPAA/PCI IAMNoInlinePolicy).
    template.resourceCountIs('AWS::IAM::Policy', 0);
    const policy = template.findResources('AWS::IAM::ManagedPolicy', {
      Properties: {
        Roles: [{ Ref: logicalId(stack, cluster.cluster.role as iam.Role) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: ['kms:CreateGrant', 'kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt'],
              Resource: { 'Fn::GetAtt': [logicalId(stack, cluster.secretsKey), 'Arn'] },
            }),
          ]),
        },
      },
    });
    const [policyId] = Object.keys(policy);
    expect(policyId).toBeDefined();
    template.hasResource('AWS::EKS::Cluster', { DependsOn: Match.arrayWith([policyId]) });
  });

  test('creates a managed node group of two to four on-demand AL2023 nodes in private subnets', () => {
    template.resourceCountIs('AWS::EKS::Nodegroup', 1);
    template.hasResourceProperties('AWS::EKS::Nodegroup', {
      AmiType: 'AL2023_x86_64_STANDARD',
      CapacityType: 'ON_DEMAND',
      InstanceTypes: ['m7i.large'],
      ScalingConfig: { MinSize: 2, MaxSize: 4, DesiredSize: 2 },
      Subnets: privateSubnets,
      LaunchTemplate: {
        Id: { Ref: logicalId(stack, cluster.nodeLaunchTemplate!) },
        Version: { 'Fn::GetAtt': [logicalId(stack, cluster.nodeLaunchTemplate!), 'LatestVersionNumber'] },
      },
    });
  });

  test('gives the nodes encrypted volumes, IMDSv2 with hop limit 1 and detailed monitoring', () => {
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        BlockDeviceMappings: [
          {
            DeviceName: '/dev/xvda',
            Ebs: { Encrypted: true, VolumeType: 'gp3', VolumeSize: 20, DeleteOnTermination: true },
          },
        ],
        MetadataOptions: { HttpEndpoint: 'enabled', HttpTokens: 'required', HttpPutResponseHopLimit: 1 },
        Monitoring: { Enabled: true },
        ImageId: Match.absent(),
        UserData: Match.absent(),
      }),
    });
  });

  test('gives the nodes a role with the EKS node policies and pull-only ECR access', () => {
    const policy = (name: string) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::aws:policy/${name}`]],
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'ec2.amazonaws.com' } })],
      }),
      ManagedPolicyArns: [policy('AmazonEKSWorkerNodePolicy'), policy('AmazonEC2ContainerRegistryPullOnly')],
    });
  });

  test('gives vpc-cni its own Pod Identity role with the CNI policy, after the agent', () => {
    // GIVEN the defaults (above)
    const policy = (name: string) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::aws:policy/${name}`]],
    });
    // THEN the CNI policy is on exactly one role, which only EKS Pod Identity can assume
    const withCni = template.findResources('AWS::IAM::Role', {
      Properties: { ManagedPolicyArns: Match.arrayWith([policy('AmazonEKS_CNI_Policy')]) },
    });
    expect(Object.keys(withCni)).toEqual([logicalId(stack, cluster.vpcCniRole!)]);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: ['sts:AssumeRole', 'sts:TagSession'],
            Effect: 'Allow',
            Principal: { Service: 'pods.eks.amazonaws.com' },
          },
        ],
        Version: '2012-10-17',
      },
      ManagedPolicyArns: [policy('AmazonEKS_CNI_Policy')],
    });
    // AND the vpc-cni add-on associates it with kube-system/aws-node, once the agent is installed
    const agent = Object.keys(
      template.findResources('AWS::EKS::Addon', { Properties: { AddonName: 'eks-pod-identity-agent' } }),
    );
    template.hasResource('AWS::EKS::Addon', {
      Properties: Match.objectLike({
        AddonName: 'vpc-cni',
        PodIdentityAssociations: [
          { ServiceAccount: 'aws-node', RoleArn: { 'Fn::GetAtt': [logicalId(stack, cluster.vpcCniRole!), 'Arn'] } },
        ],
      }),
      DependsOn: agent,
    });
  });

  test('installs the six managed add-ons, vpc-cni and kube-proxy before the nodes and coredns after them', () => {
    template.resourceCountIs('AWS::EKS::Addon', 6);
    const addons = template.findResources('AWS::EKS::Addon');
    const idOf = (name: string) => Object.keys(addons).find((id) => addons[id].Properties.AddonName === name)!;
    for (const name of ['vpc-cni', 'kube-proxy', 'coredns', 'eks-pod-identity-agent']) {
      expect(idOf(name)).toBeDefined();
    }
    const nodegroupId = logicalId(stack, cluster.nodegroup!);
    const nodegroups = template.findResources('AWS::EKS::Nodegroup');
    expect(nodegroups[nodegroupId].DependsOn).toEqual([idOf('kube-proxy'), idOf('vpc-cni')].sort());
    expect(addons[idOf('coredns')].DependsOn).toEqual([nodegroupId]);
    expect(cluster.addons.map((a) => addons[logicalId(stack, a)].Properties.AddonName)).toEqual([
      'vpc-cni',
      'kube-proxy',
      'coredns',
      'eks-pod-identity-agent',
      'aws-ebs-csi-driver',
      'amazon-cloudwatch-observability',
    ]);
  });

  test('deploys no Lambda function and no custom resource (no kubectl provider)', () => {
    template.resourceCountIs('AWS::Lambda::Function', 0);
    const types = Object.values(template.toJSON().Resources as Record<string, { Type: string }>).map((r) => r.Type);
    expect(types.filter((t) => t.startsWith('Custom::') || t === 'AWS::CloudFormation::CustomResource')).toEqual([]);
    expect(cluster.cluster.kubectlProvider).toBeUndefined();
  });

  test('creates no Fargate profile or pod identity association unless asked, and one access entry for the admin', () => {
    template.resourceCountIs('AWS::EKS::FargateProfile', 0);
    template.resourceCountIs('AWS::EKS::AccessEntry', 1);
    template.resourceCountIs('AWS::EKS::PodIdentityAssociation', 0);
    expect(cluster.fargateProfiles).toEqual([]);
  });

  test('builds on a SecureVpc and exposes what it creates', () => {
    expect(cluster.vpc).toBeInstanceOf(SecureVpc);
    expect(cluster.nodegroup).toBeInstanceOf(eks.Nodegroup);
    expect(cluster.cluster).toBeInstanceOf(eks.Cluster);
    template.resourceCountIs('AWS::EC2::VPC', 1);
  });

  test('exposes the update-kubeconfig command with the region resolved at deploy time', () => {
    expect(stack.resolve(cluster.updateKubeconfigCommand)).toEqual({
      'Fn::Join': [
        '',
        [
          'aws eks update-kubeconfig --name ',
          { Ref: logicalId(stack, cluster.cluster) },
          ' --region ',
          { Ref: 'AWS::Region' },
        ],
      ],
    });
  });

  test('reports no warnings', () => {
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });
});

describe('EksCluster in an environment-specific stack', () => {
  const { stack, eks: cluster, template } = DEFAULT_CLUSTER.specific();

  test('spreads control plane and nodes over the private subnets of three AZs', () => {
    const privateSubnets = subnetRefs(stack, cluster.vpc, { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS });
    expect(privateSubnets).toHaveLength(3);
    template.hasResourceProperties('AWS::EKS::Nodegroup', { Subnets: privateSubnets });
    template.hasResourceProperties('AWS::EKS::Cluster', {
      Version: '1.37',
      ResourcesVpcConfig: Match.objectLike({
        SubnetIds: privateSubnets,
        EndpointPrivateAccess: true,
        EndpointPublicAccess: false,
      }),
      EncryptionConfig: [Match.objectLike({ Resources: ['secrets'] })],
      Logging: { ClusterLogging: { EnabledTypes: LOG_TYPES.map((Type) => ({ Type })) } },
    });
  });

  test('puts the concrete region into the update-kubeconfig command', () => {
    expect(stack.resolve(cluster.updateKubeconfigCommand)).toEqual({
      'Fn::Join': [
        '',
        ['aws eks update-kubeconfig --name ', { Ref: logicalId(stack, cluster.cluster) }, ' --region eu-west-1'],
      ],
    });
  });

  test('installs the same add-ons and deploys no Lambda function', () => {
    template.resourceCountIs('AWS::EKS::Addon', 6);
    template.resourceCountIs('AWS::Lambda::Function', 0);
  });
});

describe('EksCluster options', () => {
  test('opens the endpoint publicly from exactly the given CIDRs, keeping private access', () => {
    // GIVEN / WHEN
    const { stack } = build({ publicEndpointCidrs: ['203.0.113.0/24', '198.51.100.7/32'] });
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::EKS::Cluster', {
      ResourcesVpcConfig: Match.objectLike({
        EndpointPrivateAccess: true,
        EndpointPublicAccess: true,
        PublicAccessCidrs: ['203.0.113.0/24', '198.51.100.7/32'],
      }),
    });
  });

  test('accepts 0.0.0.0/0 with the explicit opt-in', () => {
    const { stack } = build({ publicEndpointCidrs: ['0.0.0.0/0'], allowPublicEndpointFromAnywhere: true });
    Template.fromStack(stack).hasResourceProperties('AWS::EKS::Cluster', {
      ResourcesVpcConfig: Match.objectLike({ EndpointPublicAccess: true, PublicAccessCidrs: ['0.0.0.0/0'] }),
    });
  });

  test('gives each admin principal a cluster-admin access entry', () => {
    const arns = ['arn:aws:iam::123456789012:role/Admin', 'arn:aws:iam::123456789012:user/ops'];
    const { stack, eks: cluster } = build({ adminPrincipalArns: arns });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EKS::AccessEntry', 2);
    for (const arn of arns) {
      template.hasResourceProperties('AWS::EKS::AccessEntry', {
        ClusterName: { Ref: logicalId(stack, cluster.cluster) },
        PrincipalArn: arn,
        AccessPolicies: [
          {
            AccessScope: { Type: 'cluster' },
            PolicyArn: {
              'Fn::Join': [
                '',
                ['arn:', { Ref: 'AWS::Partition' }, ':eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy'],
              ],
            },
          },
        ],
      });
    }
  });

  test('keeps each admin access entry when adminPrincipalArns is reordered', () => {
    // GIVEN the same admins in two orders
    const arns = ['arn:aws:iam::123456789012:role/Admin', 'arn:aws:iam::123456789012:role/Ops'];
    const idsOf = (list: string[]) => {
      const template = Template.fromStack(build({ adminPrincipalArns: list }).stack);
      const entries = template.findResources('AWS::EKS::AccessEntry');
      return Object.fromEntries(Object.entries(entries).map(([id, r]) => [r.Properties.PrincipalArn, id]));
    };
    // THEN each principal keeps its logical id
    expect(idsOf([...arns].reverse())).toEqual(idsOf(arns));
  });

  test('accepts an explicit false node flag in Auto Mode', () => {
    const { stack } = build({ autoMode: true, spotInstances: false, allowPodImdsAccess: false });
    Template.fromStack(stack).resourceCountIs('AWS::EKS::Nodegroup', 0);
  });

  test('gives the cluster creator admin access only when asked', () => {
    const { stack } = build({ bootstrapClusterCreatorAdminPermissions: true });
    Template.fromStack(stack).hasResourceProperties('AWS::EKS::Cluster', {
      AccessConfig: { AuthenticationMode: 'API', BootstrapClusterCreatorAdminPermissions: true },
    });
  });

  test('runs the pods of fargateNamespaces on Fargate in the private subnets', () => {
    const { stack, eks: cluster } = build({ fargateNamespaces: ['serverless', 'batch-*'] });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EKS::FargateProfile', 1);
    template.hasResourceProperties('AWS::EKS::FargateProfile', {
      ClusterName: { Ref: logicalId(stack, cluster.cluster) },
      Selectors: [
        { Namespace: 'serverless', Labels: [] },
        { Namespace: 'batch-*', Labels: [] },
      ],
      Subnets: subnetRefs(stack, cluster.vpc, { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }),
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'eks-fargate-pods.amazonaws.com' } })],
      }),
    });
    expect(cluster.fargateProfiles).toHaveLength(1);
  });

  test('adds more Fargate profiles with addFargateProfile', () => {
    // GIVEN
    const { stack, eks: cluster } = build({ fargateNamespaces: ['serverless'] });
    // WHEN
    const profile = cluster.addFargateProfile('Jobs', ['jobs', 'reports']);
    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EKS::FargateProfile', 2);
    template.hasResourceProperties('AWS::EKS::FargateProfile', {
      Selectors: [
        { Namespace: 'jobs', Labels: [] },
        { Namespace: 'reports', Labels: [] },
      ],
    });
    expect(cluster.fargateProfiles).toEqual([cluster.fargateProfiles[0], profile]);
  });

  test('runs Spot nodes on three diversified instance types', () => {
    const { stack } = build({ spotInstances: true });
    Template.fromStack(stack).hasResourceProperties('AWS::EKS::Nodegroup', {
      CapacityType: 'SPOT',
      InstanceTypes: ['m7i.large', 'm6i.large', 'm5.large'],
    });
  });

  test('picks the ARM64 AL2023 AMI for Graviton instance types', () => {
    const { stack } = build({
      nodeInstanceTypes: [new ec2.InstanceType('m7g.large'), new ec2.InstanceType('c7g.xlarge')],
    });
    Template.fromStack(stack).hasResourceProperties('AWS::EKS::Nodegroup', {
      AmiType: 'AL2023_ARM_64_STANDARD',
      InstanceTypes: ['m7g.large', 'c7g.xlarge'],
    });
  });

  test('sizes the node group from minCapacity, maxCapacity and desiredCapacity', () => {
    const { stack } = build({ minCapacity: 3, maxCapacity: 9, desiredCapacity: 5 });
    Template.fromStack(stack).hasResourceProperties('AWS::EKS::Nodegroup', {
      ScalingConfig: { MinSize: 3, MaxSize: 9, DesiredSize: 5 },
    });
  });

  test('raises the default maxCapacity to minCapacity when that is larger', () => {
    const { stack } = build({ minCapacity: 6 });
    Template.fromStack(stack).hasResourceProperties('AWS::EKS::Nodegroup', {
      ScalingConfig: { MinSize: 6, MaxSize: 6, DesiredSize: 6 },
    });
  });

  test.each([
    ['environment-agnostic', agnosticStack],
    ['environment-specific', specificStack],
  ])(
    'warns (singleInstance, the id every pattern uses), never fails, when minCapacity is 1 (%s stack)',
    (_kind, make) => {
      const { stack } = build({ minCapacity: 1 }, make());
      Annotations.fromStack(stack).hasWarning(
        `/${stack.stackName}/Eks`,
        'minCapacity is 1: with fewer than two nodes, losing one node or Availability Zone leaves pods nowhere to run; use 2 or more in production [ack: cdk-compute-patterns:singleInstance]',
      );
    },
  );

  test('does not warn about capacity at the default minCapacity', () => {
    const { stack } = DEFAULT_CLUSTER.agnostic();
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('singleInstance'));
  });

  test('lets pods reach IMDS only when allowPodImdsAccess is set', () => {
    const { stack } = build({ allowPodImdsAccess: true });
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        MetadataOptions: { HttpEndpoint: 'enabled', HttpTokens: 'required', HttpPutResponseHopLimit: 2 },
      }),
    });
  });

  test('runs the given Kubernetes version', () => {
    const { stack } = build({ version: eks.KubernetesVersion.V1_35 });
    Template.fromStack(stack).hasResourceProperties('AWS::EKS::Cluster', { Version: '1.35' });
  });

  test('uses a VPC it is given instead of creating one', () => {
    // GIVEN
    const stack = agnosticStack();
    const vpc = new SecureVpc(stack, 'Shared');
    // WHEN
    const cluster = new EksCluster(stack, 'Eks', { vpc, adminPrincipalArns: [ADMIN] });
    // THEN
    expect(cluster.vpc).toBe(vpc);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.hasResourceProperties('AWS::EKS::Nodegroup', {
      Subnets: subnetRefs(stack, vpc, { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }),
    });
  });

  test('places nodes in isolated subnets when the VPC has no NAT gateway', () => {
    const stack = agnosticStack();
    const vpc = new SecureVpc(stack, 'Isolated', { natGateways: 0 });
    new EksCluster(stack, 'Eks', { vpc, adminPrincipalArns: [ADMIN] });
    const isolated = subnetRefs(stack, vpc, { subnetType: ec2.SubnetType.PRIVATE_ISOLATED });
    expect(isolated).toHaveLength(2);
    Template.fromStack(stack).hasResourceProperties('AWS::EKS::Nodegroup', { Subnets: isolated });
  });

  test('uses EKS Auto Mode instead of a node group and the add-ons it runs itself when autoMode is set', () => {
    // GIVEN / WHEN
    const { stack, eks: cluster } = build({ autoMode: true });
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EKS::Cluster', {
      ComputeConfig: Match.objectLike({ Enabled: true, NodePools: ['system', 'general-purpose'] }),
      BootstrapSelfManagedAddons: false,
      EncryptionConfig: [Match.objectLike({ Resources: ['secrets'] })],
      ResourcesVpcConfig: Match.objectLike({ EndpointPublicAccess: false }),
    });
    template.resourceCountIs('AWS::EKS::Nodegroup', 0);
    template.resourceCountIs('AWS::EC2::LaunchTemplate', 0);
    // Only the CloudWatch Observability add-on (Container Insights), which Auto Mode does not run.
    template.resourceCountIs('AWS::EKS::Addon', 1);
    expect(cluster.nodegroup).toBeUndefined();
    expect(cluster.nodeLaunchTemplate).toBeUndefined();
    const addons = template.findResources('AWS::EKS::Addon');
    expect(cluster.addons.map((a) => addons[logicalId(stack, a)].Properties.AddonName)).toEqual([
      'amazon-cloudwatch-observability',
    ]);
  });
});

describe('EksCluster in subnets without egress', () => {
  const SERVICES = ['ec2', 'ecr.api', 'ecr.dkr', 'sts', 'eks-auth', 'logs'];

  /** The interface endpoints of the template, by the short service name. */
  function interfaceEndpoints(stack: Stack, template: Template): Record<string, string> {
    const endpoints = template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } });
    return Object.fromEntries(
      Object.entries(endpoints).map(([id, r]) => {
        const name = JSON.stringify(stack.resolve(r.Properties.ServiceName));
        return [SERVICES.find((svc) => name.endsWith(`.${svc}"]]}`) || name.endsWith(`.${svc}"`)) ?? name, id];
      }),
    );
  }

  test.each([
    ['environment-agnostic', agnosticStack],
    ['environment-specific', specificStack],
  ])(
    'adds the interface endpoints nodes need, reachable from the cluster security group only (%s stack)',
    (_kind, makeStack) => {
      // GIVEN a VPC without NAT in the same stack
      const stack = makeStack();
      const vpc = new SecureVpc(stack, 'Isolated', { natGateways: 0 });
      // WHEN
      const cluster = new EksCluster(stack, 'Eks', { vpc, adminPrincipalArns: [ADMIN] });
      // THEN the six interface endpoints exist, with private DNS, in the isolated subnets
      const template = Template.fromStack(stack);
      const endpoints = interfaceEndpoints(stack, template);
      expect(Object.keys(endpoints).sort()).toEqual([...SERVICES].sort());
      expect(cluster.vpcEndpoints).toHaveLength(6);
      template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        VpcEndpointType: 'Interface',
        PrivateDnsEnabled: true,
        SubnetIds: subnetRefs(stack, vpc, { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }),
      });
      // AND the S3 gateway endpoint for image layers
      template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        VpcEndpointType: 'Gateway',
        ServiceName: Match.anyValue(),
      });
      expect(
        JSON.stringify(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Gateway' } })),
      ).toContain('.s3');
      // AND HTTPS into each endpoint from the cluster security group (nodes and Fargate pods)
      template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
        SourceSecurityGroupId: { 'Fn::GetAtt': [logicalId(stack, cluster.cluster), 'ClusterSecurityGroupId'] },
      });
      // AND the nodes are created after the endpoints
      const nodegroup = template.findResources('AWS::EKS::Nodegroup')[logicalId(stack, cluster.nodegroup!)];
      expect(nodegroup.DependsOn).toEqual(expect.arrayContaining(Object.values(endpoints)));
    },
  );

  test('adds no interface endpoint when the subnets have egress', () => {
    const { eks: cluster, template } = DEFAULT_CLUSTER.agnostic();
    expect(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } })).toEqual(
      {},
    );
    expect(cluster.vpcEndpoints).toEqual([]);
  });

  test('adds no interface endpoint when vpcEndpointsProvided is set', () => {
    const stack = agnosticStack();
    const vpc = new SecureVpc(stack, 'Isolated', { natGateways: 0 });
    new EksCluster(stack, 'Eks', { vpc, adminPrincipalArns: [ADMIN], vpcEndpointsProvided: true });
    expect(
      Template.fromStack(stack).findResources('AWS::EC2::VPCEndpoint', {
        Properties: { VpcEndpointType: 'Interface' },
      }),
    ).toEqual({});
  });

  test('fails when an imported VPC offers only isolated subnets', () => {
    // GIVEN a VPC defined elsewhere, with isolated subnets only
    const stack = specificStack();
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Imported', {
      vpcId: 'vpc-1234',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      isolatedSubnetIds: ['subnet-a', 'subnet-b'],
    });
    // THEN
    expect(() => new EksCluster(stack, 'Eks', { vpc, adminPrincipalArns: [ADMIN] })).toThrow(
      new Error(
        'Specific/Eks: the selected subnets have no route to the internet (PRIVATE_ISOLATED), so the compute needs VPC interface endpoints for ec2, ecr.api, ecr.dkr, sts, eks-auth, logs; they can only be added here to a VPC defined in the same stack. Select subnets with egress (NAT), create the endpoints yourself and set vpcEndpointsProvided: true, or define the VPC in this stack',
      ),
    );
  });
});

describe('EksCluster control-plane log group', () => {
  test.each([
    ['environment-agnostic', DEFAULT_CLUSTER.agnostic],
    ['environment-specific', DEFAULT_CLUSTER.specific],
  ])(
    'creates /aws/eks/<name>/cluster encrypted, with a year of retention, before the cluster (%s stack)',
    (_kind, defaults) => {
      // GIVEN / WHEN
      const { stack, eks: cluster, template } = defaults();
      // THEN the cluster has a fixed name and the log group carries it
      const name = (
        template.findResources('AWS::EKS::Cluster')[logicalId(stack, cluster.cluster)].Properties as { Name: string }
      ).Name;
      expect(name).toMatch(/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/);
      expect(name).toContain('Eks');
      const logGroupId = logicalId(stack, cluster.controlPlaneLogGroup);
      const keyId = Object.keys(template.findResources('AWS::KMS::Key')).find((id) =>
        id.startsWith('CdkComputePatternsLogKey'),
      )!;
      template.hasResource('AWS::Logs::LogGroup', {
        Properties: {
          LogGroupName: `/aws/eks/${name}/cluster`,
          RetentionInDays: 365,
          KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
        },
        // kept on update and delete, but not when the first deploy rolls back (its name is EKS's, fixed: a kept
        // group would make the retried deploy fail with "already exists")
        DeletionPolicy: 'RetainExceptOnCreate',
        UpdateReplacePolicy: 'Retain',
      });
      // AND the cluster is created after it, so EKS writes into it instead of creating its own
      template.hasResource('AWS::EKS::Cluster', { DependsOn: Match.arrayWith([logGroupId]) });
    },
  );

  test('uses the given clusterName and logRetention', () => {
    const { stack } = build({ clusterName: 'prod-eks', logRetention: logs.RetentionDays.THREE_MONTHS });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EKS::Cluster', { Name: 'prod-eks' });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/aws/eks/prod-eks/cluster',
      RetentionInDays: 90,
    });
  });

  test('fails when clusterName is not a valid EKS cluster name', () => {
    expect(() => build({ clusterName: 'prod eks' })).toThrow(
      new Error(
        "Agnostic/Eks: clusterName must be 1 to 100 letters, digits, '-' and '_', starting with a letter or digit; received 'prod eks'",
      ),
    );
  });
});

describe('EksCluster access', () => {
  const NO_ADMIN = (path: string) =>
    `${path}: nobody could administer this cluster: adminPrincipalArns is empty and bootstrapClusterCreatorAdminPermissions is off, so kubectl answers Unauthorized to everyone. Name your admin role in adminPrincipalArns (e.g. 'arn:aws:iam::123456789012:role/PlatformAdmin'), or set allowNoAdmin: true if you add access entries later with the EKS API`;

  test.each([
    ['environment-agnostic', agnosticStack],
    ['environment-specific', specificStack],
  ])('fails when no principal can administer the cluster (%s stack)', (_kind, makeStack) => {
    // GIVEN a stack
    const stack = makeStack();
    // THEN an EksCluster with no admin is refused, naming its path
    expect(() => new EksCluster(stack, 'Eks')).toThrow(new Error(NO_ADMIN(`${stack.stackName}/Eks`)));
    expect(() => new EksCluster(stack, 'Eks2', { adminPrincipalArns: [] })).toThrow(
      new Error(NO_ADMIN(`${stack.stackName}/Eks2`)),
    );
  });

  test('fails when the only grants are namespace-scoped', () => {
    const stack = agnosticStack();
    expect(
      () =>
        new EksCluster(stack, 'Eks', {
          namespaceAccess: [{ principalArn: ADMIN, accessLevel: EksAccessLevel.ADMIN, namespaces: ['shop'] }],
        }),
    ).toThrow(new Error(NO_ADMIN('Agnostic/Eks')));
  });

  test.each<[string, EksClusterProps]>([
    ['allowNoAdmin', { allowNoAdmin: true }],
    ['bootstrapClusterCreatorAdminPermissions', { bootstrapClusterCreatorAdminPermissions: true }],
  ])('accepts a cluster without adminPrincipalArns when %s is set', (_name, props) => {
    const stack = specificStack();
    new EksCluster(stack, 'Eks', props);
    Template.fromStack(stack).resourceCountIs('AWS::EKS::AccessEntry', 0);
  });

  test.each([
    ['environment-agnostic', agnosticStack],
    ['environment-specific', specificStack],
  ])('gives each principal one access entry with namespace-scoped policies (%s stack)', (_kind, makeStack) => {
    // GIVEN
    const dev = 'arn:aws:iam::123456789012:role/Developers';
    const auditor = 'arn:aws:iam::123456789012:user/auditor';
    const { stack, eks: cluster } = build(
      {
        namespaceAccess: [
          { principalArn: dev, accessLevel: EksAccessLevel.EDIT, namespaces: ['shop', 'orders'] },
          { principalArn: auditor, accessLevel: EksAccessLevel.VIEW, namespaces: ['shop'] },
        ],
      },
      makeStack(),
    );
    // WHEN a principal gets a second level through the method
    const entry = cluster.grantNamespaceAccess(dev, EksAccessLevel.ADMIN, ['sandbox']);
    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EKS::AccessEntry', 3);
    template.hasResourceProperties('AWS::EKS::AccessEntry', {
      ClusterName: { Ref: logicalId(stack, cluster.cluster) },
      PrincipalArn: dev,
      AccessPolicies: [
        {
          AccessScope: { Type: 'namespace', Namespaces: ['shop', 'orders'] },
          PolicyArn: accessPolicyArn('AmazonEKSEditPolicy'),
        },
        {
          AccessScope: { Type: 'namespace', Namespaces: ['sandbox'] },
          PolicyArn: accessPolicyArn('AmazonEKSAdminPolicy'),
        },
      ],
    });
    template.hasResourceProperties('AWS::EKS::AccessEntry', {
      PrincipalArn: auditor,
      AccessPolicies: [
        { AccessScope: { Type: 'namespace', Namespaces: ['shop'] }, PolicyArn: accessPolicyArn('AmazonEKSViewPolicy') },
      ],
    });
    expect(stack.resolve((entry.node.defaultChild as eks.CfnAccessEntry).principalArn)).toEqual(dev);
  });

  test('keeps the logical id of a principal moved between adminPrincipalArns and namespaceAccess', () => {
    // GIVEN the same principal as a cluster admin, then with namespace access only
    const dev = 'arn:aws:iam::123456789012:role/Developers';
    const entryIdOf = (props: EksClusterProps) => {
      const stack = agnosticStack();
      new EksCluster(stack, 'Eks', { allowNoAdmin: true, ...props });
      const entries = Template.fromStack(stack).findResources('AWS::EKS::AccessEntry', {
        Properties: { PrincipalArn: dev },
      });
      expect(Object.keys(entries)).toHaveLength(1);
      return Object.keys(entries)[0];
    };
    const asAdmin = entryIdOf({ adminPrincipalArns: [dev] });
    const asNamespace = entryIdOf({
      namespaceAccess: [{ principalArn: dev, accessLevel: EksAccessLevel.EDIT, namespaces: ['shop'] }],
    });
    // THEN it is one entry whose policies change in place: under another id, CloudFormation would create the new
    // entry before deleting the old one, and EKS refuses a second entry for a principal
    expect(asNamespace).toEqual(asAdmin);
  });

  test('fails when a cluster admin is also given namespace access', () => {
    const { eks: cluster } = build();
    expect(() => cluster.grantNamespaceAccess(ADMIN, EksAccessLevel.VIEW, ['shop'])).toThrow(
      new Error(
        `Agnostic/Eks: ${ADMIN} is in adminPrincipalArns, so it is already cluster admin in every namespace; remove it from adminPrincipalArns to limit it to namespaces, or drop the AmazonEKSViewPolicy grant`,
      ),
    );
  });

  test('fails when a principal is given the same access level twice', () => {
    const dev = 'arn:aws:iam::123456789012:role/Developers';
    const { eks: cluster } = build();
    cluster.grantNamespaceAccess(dev, EksAccessLevel.EDIT, ['shop']);
    expect(() => cluster.grantNamespaceAccess(dev, EksAccessLevel.EDIT, ['orders'])).toThrow(
      new Error(
        `Agnostic/Eks: ${dev} already has AmazonEKSEditPolicy; EKS associates each access policy once per principal, so list all its namespaces in one grant`,
      ),
    );
  });

  test('fails when namespace access lists no namespace', () => {
    const { eks: cluster } = build();
    expect(() => cluster.grantNamespaceAccess('arn:aws:iam::123456789012:role/Dev', EksAccessLevel.VIEW, [])).toThrow(
      new Error(
        "Agnostic/Eks: grantNamespaceAccess('arn:aws:iam::123456789012:role/Dev') must list at least one Kubernetes namespace; received an empty list. For access to every namespace, use adminPrincipalArns or cluster.grantAccess() with a cluster scope",
      ),
    );
  });

  test('fails when namespace access names an invalid namespace or principal', () => {
    const { eks: cluster } = build();
    expect(() =>
      cluster.grantNamespaceAccess('arn:aws:iam::123456789012:role/Dev', EksAccessLevel.VIEW, ['Shop']),
    ).toThrow(
      new Error(
        "Agnostic/Eks: grantNamespaceAccess('arn:aws:iam::123456789012:role/Dev') namespaces must be a Kubernetes namespace name (lowercase letters, digits and '-', at most 63 characters); received 'Shop'",
      ),
    );
    expect(() => cluster.grantNamespaceAccess('dev', EksAccessLevel.VIEW, ['shop'])).toThrow(
      new Error(
        "Agnostic/Eks: grantNamespaceAccess('dev') principalArn must contain IAM role or user ARNs such as 'arn:aws:iam::123456789012:role/Admin' (for an assumed-role session, give the role's ARN); received 'dev'",
      ),
    );
  });
});

describe('EksCluster.addAccessInstance', () => {
  test.each([
    ['environment-agnostic', agnosticStack],
    ['environment-specific', specificStack],
  ])('reaches the private endpoint through Session Manager only (%s stack)', (_kind, makeStack) => {
    // GIVEN
    const { stack, eks: cluster } = build({}, makeStack());
    // WHEN
    const instance = cluster.addAccessInstance();
    // THEN the instance is in a private subnet without public IP, IMDSv2, encrypted volume, no key pair
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EC2::Instance', {
      InstanceType: 'c7g.medium',
      NetworkInterfaces: [
        Match.objectLike({
          AssociatePublicIpAddress: false,
          SubnetId: subnetRefs(stack, cluster.vpc, { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS })[0],
        }),
      ],
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: Match.objectLike({ Encrypted: true, VolumeType: 'gp3' }) }],
      KeyName: Match.absent(),
      Monitoring: true,
    });
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: {
        MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 },
        Monitoring: { Enabled: true },
      },
    });
    // AND its security group has no inbound rule and only HTTPS out
    const sgId = logicalId(stack, instance.connections.securityGroups[0]);
    const sg = template.findResources('AWS::EC2::SecurityGroup')[sgId];
    expect(sg.Properties.SecurityGroupIngress).toBeUndefined();
    expect(sg.Properties.SecurityGroupEgress).toEqual([
      expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
    ]);
    expect(
      template.findResources('AWS::EC2::SecurityGroupIngress', {
        Properties: { GroupId: { 'Fn::GetAtt': [sgId, 'GroupId'] } },
      }),
    ).toEqual({});
    // AND the cluster security group accepts HTTPS from it
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [logicalId(stack, cluster.cluster), 'ClusterSecurityGroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [sgId, 'GroupId'] },
      IpProtocol: 'tcp',
      FromPort: 443,
      ToPort: 443,
    });
    // AND kubectl of the cluster's minor version is installed at boot, retrying the downloads
    const userData = JSON.stringify(template.findResources('AWS::EC2::Instance'));
    expect(userData).toContain('https://dl.k8s.io/release/stable-1.37.txt');
    expect(userData.match(/curl -fsSL --retry 10 --retry-all-errors/g)).toHaveLength(2);
    // AND the instance boots only once the NAT routes of its subnets exist (its user data runs once)
    const natRoutes = cluster.vpc.privateSubnets.map((s) =>
      stack.getLogicalId((s as ec2.Subnet).node.findChild('DefaultRoute') as CfnElement),
    );
    expect(template.toJSON().Resources[logicalId(stack, instance)].DependsOn).toEqual(
      expect.arrayContaining(natRoutes),
    );
    // AND its role has Session Manager and may describe this cluster, nothing in Kubernetes, in a customer
    // managed policy (no inline policy: NIST 800-53 R5, HIPAA and PCI DSS refuse them)
    template.resourceCountIs('AWS::IAM::Policy', 0);
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Roles: [{ Ref: logicalId(stack, instance.role as iam.Role) }],
      PolicyDocument: {
        Statement: [
          {
            Action: 'eks:DescribeCluster',
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [logicalId(stack, cluster.cluster), 'Arn'] },
          },
        ],
        Version: '2012-10-17',
      },
    });
    template.resourceCountIs('AWS::EKS::AccessEntry', 1);
  });

  test('fails when the cluster subnets have no egress', () => {
    const stack = agnosticStack();
    const vpc = new SecureVpc(stack, 'Isolated', { natGateways: 0 });
    const cluster = new EksCluster(stack, 'Eks', { vpc, adminPrincipalArns: [ADMIN] });
    expect(() => cluster.addAccessInstance()).toThrow(
      new Error(
        "Agnostic/Eks: addAccessInstance needs subnets with egress (NAT), since the instance downloads kubectl and reaches Systems Manager; the cluster's subnets are PRIVATE_ISOLATED. Reach the cluster another way (VPN, a runner in the VPC with its own endpoints) or use subnets with a NAT gateway",
      ),
    );
  });

  test('fails when called twice with the same id', () => {
    const { eks: cluster } = build();
    cluster.addAccessInstance();
    expect(() => cluster.addAccessInstance()).toThrow(
      new Error("Agnostic/Eks: an access instance 'AccessInstance' exists already; one is enough, or give another id"),
    );
  });
});

describe('EksCluster.addNodegroup', () => {
  test.each([
    ['environment-agnostic', agnosticStack],
    ['environment-specific', specificStack],
  ])('adds a GPU Spot node group on the same launch template and node role (%s stack)', (_kind, makeStack) => {
    // GIVEN
    const { stack, eks: cluster } = build({}, makeStack());
    // WHEN
    const gpu = cluster.addNodegroup('Gpu', {
      instanceTypes: [new ec2.InstanceType('g5.xlarge'), new ec2.InstanceType('g6.xlarge')],
      gpu: true,
      spotInstances: true,
      minCapacity: 0,
      maxCapacity: 3,
      labels: { workload: 'gpu' },
      taints: [{ key: 'nvidia.com/gpu', value: 'true', effect: eks.TaintEffect.NO_SCHEDULE }],
    });
    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EKS::Nodegroup', 2);
    template.resourceCountIs('AWS::EC2::LaunchTemplate', 1);
    const lt = logicalId(stack, cluster.nodeLaunchTemplate!);
    template.hasResourceProperties('AWS::EKS::Nodegroup', {
      AmiType: 'AL2023_x86_64_NVIDIA',
      CapacityType: 'SPOT',
      InstanceTypes: ['g5.xlarge', 'g6.xlarge'],
      ScalingConfig: { MinSize: 0, MaxSize: 3, DesiredSize: 0 },
      Labels: { workload: 'gpu' },
      Taints: [{ Key: 'nvidia.com/gpu', Value: 'true', Effect: 'NO_SCHEDULE' }],
      NodeRole: { 'Fn::GetAtt': [logicalId(stack, cluster.nodeRole!), 'Arn'] },
      Subnets: subnetRefs(stack, cluster.vpc, { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }),
      LaunchTemplate: { Id: { Ref: lt }, Version: { 'Fn::GetAtt': [lt, 'LatestVersionNumber'] } },
    });
    // AND it waits for vpc-cni and kube-proxy like the default group
    const groups = template.findResources('AWS::EKS::Nodegroup');
    expect(groups[logicalId(stack, gpu)].DependsOn).toEqual(groups[logicalId(stack, cluster.nodegroup!)].DependsOn);
    expect(cluster.nodegroups).toEqual([gpu]);
    // AND it warns that fewer than two nodes is not highly available
    Annotations.fromStack(stack).hasWarning(
      `/${stack.stackName}/Eks`,
      "addNodegroup('Gpu') minCapacity is 0: with fewer than two nodes, losing one node or Availability Zone leaves pods nowhere to run; use 2 or more in production [ack: cdk-compute-patterns:singleInstance]",
    );
  });

  test.each<[string, string, boolean, string]>([
    ['Graviton', 'm7g.large', false, 'AL2023_ARM_64_STANDARD'],
    ['Graviton GPU', 'g5g.xlarge', true, 'AL2023_ARM_64_NVIDIA'],
  ])('picks the %s AMI for arm64 instance types', (_name, type, gpu, amiType) => {
    const { stack, eks: cluster } = build();
    cluster.addNodegroup('Arm', { instanceTypes: [new ec2.InstanceType(type)], gpu });
    Template.fromStack(stack).hasResourceProperties('AWS::EKS::Nodegroup', { AmiType: amiType, InstanceTypes: [type] });
  });

  test('fails when the sizes do not fit', () => {
    const { eks: cluster } = build();
    expect(() => cluster.addNodegroup('Big', { minCapacity: 5, maxCapacity: 3 })).toThrow(
      new Error(
        "Agnostic/Eks: addNodegroup('Big') minCapacity (5) must not be greater than addNodegroup('Big') maxCapacity (3)",
      ),
    );
  });

  test('fails when instance types mix architectures', () => {
    const { eks: cluster } = build();
    expect(() =>
      cluster.addNodegroup('Mixed', {
        instanceTypes: [new ec2.InstanceType('m7i.large'), new ec2.InstanceType('m7g.large')],
      }),
    ).toThrow(
      new Error(
        "Agnostic/Eks: addNodegroup('Mixed') instanceTypes must all have one CPU architecture, since a node group runs one AMI; received m7i.large (x86_64), m7g.large (arm64)",
      ),
    );
  });

  test('fails when the id is used twice', () => {
    const { eks: cluster } = build();
    cluster.addNodegroup('Batch');
    expect(() => cluster.addNodegroup('Batch')).toThrow(
      new Error("Agnostic/Eks: a node group 'Batch' exists already; give each addNodegroup call its own id"),
    );
  });

  test('fails in Auto Mode', () => {
    const { eks: cluster } = build({ autoMode: true });
    expect(() => cluster.addNodegroup('Batch')).toThrow(
      new Error(
        "Agnostic/Eks: addNodegroup('Batch') adds a managed node group, which this cluster does not use: EKS Auto Mode (autoMode: true) chooses and scales its nodes itself",
      ),
    );
  });
});

describe('EksCluster.addPodIdentity', () => {
  test('associates the service account with the role after the Pod Identity agent is installed', () => {
    // GIVEN
    const { stack, eks: cluster } = build();
    const role = new iam.Role(stack, 'AppRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    // WHEN
    cluster.addPodIdentity('shop', 'orders-api', role);
    // THEN
    const template = Template.fromStack(stack);
    const agent = template.findResources('AWS::EKS::Addon', { Properties: { AddonName: 'eks-pod-identity-agent' } });
    template.hasResource('AWS::EKS::PodIdentityAssociation', {
      Properties: {
        ClusterName: { Ref: logicalId(stack, cluster.cluster) },
        Namespace: 'shop',
        ServiceAccount: 'orders-api',
        RoleArn: { 'Fn::GetAtt': [logicalId(stack, role), 'Arn'] },
      },
      DependsOn: Object.keys(agent),
    });
  });

  test('makes a role created in the app trust EKS Pod Identity', () => {
    const { stack, eks: cluster } = build();
    const role = new iam.Role(stack, 'AppRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    cluster.addPodIdentity('shop', 'orders-api', role);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: ['sts:AssumeRole', 'sts:TagSession'],
            Effect: 'Allow',
            Principal: { Service: 'pods.eks.amazonaws.com' },
          },
        ]),
      },
    });
  });

  test('warns that an imported role must already trust EKS Pod Identity', () => {
    const { stack, eks: cluster } = build();
    const role = iam.Role.fromRoleArn(stack, 'Imported', 'arn:aws:iam::123456789012:role/orders');
    cluster.addPodIdentity('shop', 'orders-api', role);
    Template.fromStack(stack).resourceCountIs('AWS::EKS::PodIdentityAssociation', 1);
    Annotations.fromStack(stack).hasWarning(
      '/Agnostic/Eks',
      'The role Agnostic/Imported was not created in this app, so its trust policy cannot be checked; it must allow pods.eks.amazonaws.com to sts:AssumeRole and sts:TagSession [ack: cdk-compute-patterns:eksPodIdentityTrust]',
    );
  });

  test('needs no agent add-on in Auto Mode', () => {
    const { stack, eks: cluster } = build({ autoMode: true });
    const role = new iam.Role(stack, 'AppRole', { assumedBy: new iam.ServicePrincipal('pods.eks.amazonaws.com') });
    cluster.addPodIdentity('shop', 'orders-api', role);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EKS::Addon', 1);
    expect(Object.values(template.findResources('AWS::EKS::Addon'))[0].Properties.AddonName).not.toBe(
      'eks-pod-identity-agent',
    );
    template.hasResource('AWS::EKS::PodIdentityAssociation', { DependsOn: Match.absent() });
  });
});

describe('EksCluster compliance', () => {
  test.each([
    ['the defaults with Fargate, admins, Pod Identity and the access instance', {} as EksClusterProps],
    ['Auto Mode', { autoMode: true } as EksClusterProps],
  ])('%s leave no open cdk-nag finding and no failing Control Tower rule', (_name, props) => {
    // GIVEN an app holding only the construct, with the cdk-nag packs
    const report = checkCompliance((outdir) => {
      // WHEN it is synthesized with Fargate, an admin and a Pod Identity association
      const app = testApp({ outdir });
      const stack = new Stack(app, 'Eks');
      const cluster = new EksCluster(stack, 'Eks', {
        ...props,
        fargateNamespaces: ['serverless'],
        adminPrincipalArns: ['arn:aws:iam::123456789012:role/Admin'],
      });
      cluster.addPodIdentity(
        'shop',
        'orders-api',
        new iam.Role(stack, 'AppRole', { assumedBy: new iam.AccountRootPrincipal() }),
      );
      cluster.addAccessInstance();
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
      return app;
    }, []);
    // THEN
    const [eksStack] = report.stacks;
    expect(eksStack.nagViolations).toEqual([]);
    expect(eksStack.guardFailures).toEqual([]);
    expect(eksStack.acknowledged.map((a) => a.id)).toEqual(
      expect.arrayContaining([
        'Annotation::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKSClusterPolicy]',
        'Annotation::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKSFargatePodExecutionRolePolicy]',
      ]),
    );
  });

  test('a managed policy the user adds next to an acknowledged one stays a finding', () => {
    // GIVEN the construct, whose vpc-cni role carries an acknowledged AmazonEKS_CNI_Policy
    const report = checkNag((outdir) => {
      const app = testApp({ outdir });
      const stack = new Stack(app, 'Eks');
      const cluster = new EksCluster(stack, 'Eks', { adminPrincipalArns: [ADMIN], fargateNamespaces: ['serverless'] });
      // WHEN the user puts the CNI policy back on the node role, and an S3 policy on the Fargate role
      cluster.nodeRole!.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonEKS_CNI_Policy'));
      cluster.fargateProfiles[0].podExecutionRole.addManagedPolicy(
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonS3ReadOnlyAccess'),
      );
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      return app;
    });
    // THEN both are open findings, each on the role it was added to
    const open = report.stacks[0].nagViolations.map((v) => `${v.rule} ${v.path}`);
    expect(open).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^AwsSolutions-IAM4\[Policy::.*AmazonEKS_CNI_Policy\] .*Eks\/Eks\/NodeRole/),
        expect.stringMatching(
          /^AwsSolutions-IAM4\[Policy::.*AmazonS3ReadOnlyAccess\] .*Eks\/Eks\/Cluster\/fargate-profile-Default/,
        ),
      ]),
    );
    expect(open).toHaveLength(2);
  });
});

describe('EksCluster validation', () => {
  test.each<[string, EksClusterProps, string]>([
    [
      'minCapacity is greater than maxCapacity',
      { minCapacity: 5, maxCapacity: 3 },
      'Agnostic/Eks: minCapacity (5) must not be greater than maxCapacity (3)',
    ],
    [
      'desiredCapacity lies outside minCapacity..maxCapacity',
      { desiredCapacity: 9 },
      'Agnostic/Eks: desiredCapacity (9) must lie between minCapacity (2) and maxCapacity (4)',
    ],
    [
      'minCapacity is not an integer',
      { minCapacity: 1.5 },
      'Agnostic/Eks: minCapacity must be a positive integer (the default node group runs CoreDNS and the add-ons; 2 or more for a highly available cluster); received 1.5',
    ],
    [
      'minCapacity is 0',
      { minCapacity: 0, desiredCapacity: 0 },
      'Agnostic/Eks: minCapacity must be a positive integer (the default node group runs CoreDNS and the add-ons; 2 or more for a highly available cluster); received 0',
    ],
    [
      'maxCapacity is 0',
      { maxCapacity: 0 },
      'Agnostic/Eks: maxCapacity must be an integer between 1 and 450; received 0',
    ],
    [
      'desiredCapacity is negative',
      { desiredCapacity: -1 },
      'Agnostic/Eks: desiredCapacity must be an integer between 0 and 450; received -1',
    ],
    [
      'publicEndpointCidrs is empty',
      { publicEndpointCidrs: [] },
      'Agnostic/Eks: publicEndpointCidrs must list at least one IPv4 CIDR block such as 203.0.113.0/24; received an empty list. Omit publicEndpointCidrs to keep the API endpoint private',
    ],
    [
      'a public endpoint CIDR is an empty string',
      { publicEndpointCidrs: [''] },
      "Agnostic/Eks: publicEndpointCidrs must contain IPv4 CIDR blocks such as '203.0.113.0/24'; received ''",
    ],
    [
      'a public endpoint CIDR is invalid',
      { publicEndpointCidrs: ['203.0.113.0/33'] },
      "Agnostic/Eks: publicEndpointCidrs must contain IPv4 CIDR blocks such as '203.0.113.0/24'; received '203.0.113.0/33'",
    ],
    [
      'publicEndpointCidrs contains 0.0.0.0/0 without the opt-in',
      { publicEndpointCidrs: ['203.0.113.0/24', '0.0.0.0/0'] },
      "Agnostic/Eks: publicEndpointCidrs contains '0.0.0.0/0', which opens the Kubernetes API endpoint to the whole internet; list the CIDR blocks of your networks instead, or set allowPublicEndpointFromAnywhere: true to accept that",
    ],
    [
      'an admin principal is an assumed-role session ARN',
      { adminPrincipalArns: ['arn:aws:sts::123456789012:assumed-role/Admin/jane'] },
      "Agnostic/Eks: adminPrincipalArns must contain IAM role or user ARNs such as 'arn:aws:iam::123456789012:role/Admin' (for an assumed-role session, give the role's ARN); received 'arn:aws:sts::123456789012:assumed-role/Admin/jane'",
    ],
    [
      'an admin principal is listed twice',
      { adminPrincipalArns: ['arn:aws:iam::123456789012:role/Admin', 'arn:aws:iam::123456789012:role/Admin'] },
      "Agnostic/Eks: adminPrincipalArns lists 'arn:aws:iam::123456789012:role/Admin' more than once; EKS allows one access entry per principal, so list each ARN once",
    ],
    [
      'fargateNamespaces is empty',
      { fargateNamespaces: [] },
      'Agnostic/Eks: fargateNamespaces must list between 1 and 5 Kubernetes namespaces (a Fargate profile holds at most 5 selectors); received 0. Use another profile for more',
    ],
    [
      'fargateNamespaces lists more than five namespaces',
      { fargateNamespaces: ['a', 'b', 'c', 'd', 'e', 'f'] },
      'Agnostic/Eks: fargateNamespaces must list between 1 and 5 Kubernetes namespaces (a Fargate profile holds at most 5 selectors); received 6. Use another profile for more',
    ],
    [
      'a Fargate namespace is not a Kubernetes name',
      { fargateNamespaces: ['Serverless'] },
      "Agnostic/Eks: fargateNamespaces must be Kubernetes namespace names (lowercase letters, digits and '-', '*' and '?' as wildcards, at most 63 characters); received 'Serverless'",
    ],
    [
      'nodeInstanceTypes is empty',
      { nodeInstanceTypes: [] },
      'Agnostic/Eks: nodeInstanceTypes must list at least one instance type such as m7i.large; received an empty list',
    ],
    [
      'nodeInstanceTypes mixes CPU architectures',
      { nodeInstanceTypes: [new ec2.InstanceType('m7i.large'), new ec2.InstanceType('m7g.large')] },
      'Agnostic/Eks: nodeInstanceTypes must all have one CPU architecture, since a node group runs one AMI; received m7i.large (x86_64), m7g.large (arm64)',
    ],
    [
      'autoMode is combined with minCapacity',
      { autoMode: true, minCapacity: 3 },
      'Agnostic/Eks: give either autoMode or minCapacity, not both: EKS Auto Mode chooses and scales its nodes itself, minCapacity configures the managed node group; remove one of them',
    ],
    [
      'autoMode is combined with spotInstances',
      { autoMode: true, spotInstances: true },
      'Agnostic/Eks: give either autoMode or spotInstances, not both: EKS Auto Mode chooses and scales its nodes itself, spotInstances configures the managed node group; remove one of them',
    ],
  ])('fails when %s', (_name, props, message) => {
    expect(() => build(props)).toThrow(new Error(message));
  });

  test('fails when the subnets are in fewer than two Availability Zones', () => {
    // GIVEN a VPC in one Availability Zone
    const stack = specificStack();
    const vpc = new ec2.Vpc(stack, 'OneAz', { availabilityZones: ['eu-west-1a'] });
    // THEN
    expect(() => new EksCluster(stack, 'Eks', { vpc, adminPrincipalArns: [ADMIN] })).toThrow(
      new Error(
        'Specific/Eks: the cluster subnets must span at least two Availability Zones to be highly available; the selected subnets (1) are in 1 (eu-west-1a). Pass a VPC (or vpcSubnets) with subnets in two or more Availability Zones',
      ),
    );
  });

  test('fails when vpcSubnets selects public subnets', () => {
    const stack = agnosticStack();
    const vpc = new SecureVpc(stack, 'Vpc');
    expect(
      () =>
        new EksCluster(stack, 'Eks', {
          vpc,
          adminPrincipalArns: [ADMIN],
          vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
        }),
    ).toThrow(
      new Error(
        'Agnostic/Eks: EksCluster subnets must be private, since worker nodes, Fargate pods and the control-plane network interfaces get no public IP addresses; the selection includes public subnets (Agnostic/Vpc/PublicSubnet1, Agnostic/Vpc/PublicSubnet2). Select PRIVATE_WITH_EGRESS or PRIVATE_ISOLATED subnets',
      ),
    );
  });

  test('fails when addFargateProfile is given no namespace', () => {
    const { eks: cluster } = build();
    expect(() => cluster.addFargateProfile('Empty', [])).toThrow(
      new Error(
        "Agnostic/Eks: addFargateProfile('Empty') namespaces must list between 1 and 5 Kubernetes namespaces (a Fargate profile holds at most 5 selectors); received 0. Use another profile for more",
      ),
    );
  });

  test('fails when addFargateProfile is given an invalid namespace', () => {
    const { eks: cluster } = build();
    expect(() => cluster.addFargateProfile('Bad', ['jobs_'])).toThrow(
      new Error(
        "Agnostic/Eks: addFargateProfile('Bad') namespaces must be Kubernetes namespace names (lowercase letters, digits and '-', '*' and '?' as wildcards, at most 63 characters); received 'jobs_'",
      ),
    );
  });

  test('fails when addPodIdentity is given an invalid namespace', () => {
    const { stack, eks: cluster } = build();
    const role = new iam.Role(stack, 'R', { assumedBy: new iam.AccountRootPrincipal() });
    expect(() => cluster.addPodIdentity('Shop', 'orders', role)).toThrow(
      new Error(
        "Agnostic/Eks: addPodIdentity namespace must be a Kubernetes namespace name (lowercase letters, digits and '-', at most 63 characters); received 'Shop'",
      ),
    );
  });

  test('fails when addPodIdentity is given an invalid service account', () => {
    const { stack, eks: cluster } = build();
    const role = new iam.Role(stack, 'R', { assumedBy: new iam.AccountRootPrincipal() });
    expect(() => cluster.addPodIdentity('shop', 'orders api', role)).toThrow(
      new Error(
        "Agnostic/Eks: addPodIdentity serviceAccount must be a Kubernetes service account name (lowercase letters, digits, '-' and '.', at most 253 characters); received 'orders api'",
      ),
    );
  });

  test('fails when a service account is given a second role', () => {
    const { stack, eks: cluster } = build();
    const role = new iam.Role(stack, 'R', { assumedBy: new iam.AccountRootPrincipal() });
    cluster.addPodIdentity('shop', 'orders', role);
    expect(() => cluster.addPodIdentity('shop', 'orders', role)).toThrow(
      new Error(
        'Agnostic/Eks: addPodIdentity: service account shop/orders already has a role; a service account can be associated with one role only',
      ),
    );
  });
});
