/**
 * Runtime contracts of EksCluster (lib/eks): the control plane with its
 * secrets key, worker nodes (managed node group or Auto Mode), the Fargate
 * profile, and EKS Pod Identity.
 */
import {
  arn,
  ContractGroup,
  list,
  ref,
  role,
  RuntimeContract,
  service,
  serviceLinkedRole,
} from '../support/runtime-contracts';

export interface EksContractOptions {
  /** The construct id of the EksCluster (logical-id prefix of what it creates). */
  readonly prefix: string;
  /** The cluster runs in EKS Auto Mode (no node group, no Fargate profile). @default false */
  readonly autoMode?: boolean;
  /** Logical-id prefix of a role associated through EKS Pod Identity. @default - none */
  readonly podRole?: string;
  /** The cluster has workloads, so the kubectl provider exists. @default false */
  readonly workloads?: boolean;
  /** The AWS Load Balancer Controller is installed. @default false */
  readonly loadBalancerController?: boolean;
  /**
   * `addAccessInstance()` was called; with `adminRole`, the logical-id prefix of the admin role its role may
   * assume (the sample grants it). @default - no access instance
   */
  readonly accessInstance?: { readonly adminRole?: string };
}

const ENI = 'arn:aws:ec2:{region}:{account}:network-interface/eni-0123456789abcdef0';

/** EKS Pod Identity may give the role's credentials to the service account's pods. */
function podIdentityTrust(roleId: string, serviceAccount: string): RuntimeContract[] {
  return ['sts:AssumeRole', 'sts:TagSession'].map((action) => ({
    caller: service('pods.eks.amazonaws.com'),
    action,
    resource: arn('AWS::IAM::Role', roleId),
    phase: 'run' as const,
    why: `The Pod Identity agent gets credentials for ${serviceAccount} (${action}).`,
    expect: 'allowed' as const,
  }));
}

export function eksContracts(o: EksContractOptions): ContractGroup {
  const p = o.prefix;
  const clusterRoleId = `${p}ClusterRole`;
  const clusterRole = role(clusterRoleId);
  const key = arn('AWS::KMS::Key', `${p}SecretsKey`);
  const cluster = arn('AWS::EKS::Cluster', `${p}Cluster`);
  const nodeRoleId = o.autoMode ? `${p}ClusterClusternodePoolRole` : `${p}NodeRole`;
  const viaEks = { 'kms:ViaService': 'eks.{region}.amazonaws.com' };
  const contracts: RuntimeContract[] = [
    {
      caller: service('eks.amazonaws.com'),
      action: 'sts:AssumeRole',
      resource: arn('AWS::IAM::Role', clusterRoleId),
      phase: 'deploy',
      why: 'EKS assumes the cluster role to create and run the control plane.',
      expect: 'allowed',
    },
    ...['kms:DescribeKey', 'kms:Encrypt', 'kms:Decrypt'].map((action) => ({
      caller: clusterRole,
      action,
      resource: key,
      context: viaEks,
      phase: 'deploy' as const,
      why: `EKS checks the secrets key at cluster creation and envelope-encrypts Kubernetes secrets with it (${action}).`,
      expect: 'allowed' as const,
    })),
    {
      caller: clusterRole,
      action: 'kms:CreateGrant',
      resource: key,
      context: { ...viaEks, 'kms:GrantIsForAWSResource': 'true' },
      phase: 'deploy',
      why: 'EKS creates a grant on the secrets key for the control plane.',
      expect: 'allowed',
    },
    {
      caller: serviceLinkedRole('AWSServiceRoleForAmazonEKS'),
      action: 'ec2:CreateNetworkInterface',
      resource: 'arn:aws:ec2:{region}:{account}:network-interface/eni-0123456789abcdef0',
      phase: 'deploy',
      why: 'EKS places the control-plane ENIs in the cluster subnets with its service-linked role.',
      expect: 'allowed',
    },
    {
      caller: service('ec2.amazonaws.com'),
      action: 'sts:AssumeRole',
      resource: arn('AWS::IAM::Role', nodeRoleId),
      phase: 'deploy',
      why: 'EC2 assumes the node role for every worker node.',
      expect: 'allowed',
    },
    {
      caller: role(nodeRoleId),
      action: 'eks:DescribeCluster',
      resource: cluster,
      phase: 'deploy',
      why: 'A node reads the cluster endpoint and CA when it joins.',
      expect: 'allowed',
    },
    {
      caller: role(nodeRoleId),
      action: 'ecr:BatchGetImage',
      resource: 'arn:aws:ecr:{region}:{account}:repository/app',
      phase: 'run',
      why: "Nodes pull the workloads' images from the account's private ECR repositories.",
      expect: 'allowed',
    },
    {
      caller: role(nodeRoleId),
      action: 'ecr:GetAuthorizationToken',
      resource: '*',
      phase: 'run',
      why: 'Nodes log in to ECR before pulling images.',
      expect: 'allowed',
    },
  ];
  if (o.accessInstance) {
    const instanceRole = `${p}AccessInstanceRole`;
    contracts.push(
      {
        caller: service('ec2.amazonaws.com'),
        action: 'sts:AssumeRole',
        resource: arn('AWS::IAM::Role', instanceRole),
        phase: 'deploy',
        why: 'EC2 assumes the access instance role for its instance profile.',
        expect: 'allowed',
      },
      {
        caller: role(instanceRole),
        action: 'ssm:UpdateInstanceInformation',
        resource: 'arn:aws:ec2:{region}:{account}:instance/i-0123456789abcdef0',
        phase: 'run',
        why: 'The SSM agent registers the instance, so that Session Manager can open sessions (AmazonSSMManagedInstanceCore).',
        expect: 'allowed',
      },
      {
        caller: role(instanceRole),
        action: 'eks:DescribeCluster',
        resource: cluster,
        phase: 'run',
        why: '`aws eks update-kubeconfig` on the instance reads the endpoint and CA (its customer managed policy).',
        expect: 'allowed',
      },
      {
        caller: role(instanceRole),
        action: 'eks:DescribeCluster',
        resource: 'arn:aws:eks:{region}:{account}:cluster/another-cluster',
        phase: 'run',
        why: 'Least privilege: only this cluster.',
        expect: 'denied',
      },
    );
    if (o.accessInstance.adminRole) {
      contracts.push(
        {
          caller: role(instanceRole),
          action: 'sts:AssumeRole',
          resource: arn('AWS::IAM::Role', o.accessInstance.adminRole),
          phase: 'run',
          why: 'The operator on the instance assumes the cluster admin role to run kubectl.',
          expect: 'allowed',
        },
        {
          caller: role(instanceRole),
          action: 'sts:AssumeRole',
          resource: 'arn:aws:iam::{account}:role/AnotherRole',
          phase: 'run',
          why: 'Least privilege: no other role.',
          expect: 'denied',
        },
      );
    }
  }
  if (o.autoMode) {
    contracts.push(
      {
        caller: service('eks.amazonaws.com'),
        action: 'sts:TagSession',
        resource: arn('AWS::IAM::Role', clusterRoleId),
        phase: 'deploy',
        why: 'EKS Auto Mode tags the cluster-role session it uses to manage nodes, storage and load balancers.',
        expect: 'allowed',
      },
      {
        caller: clusterRole,
        action: 'ec2:CreateLaunchTemplate',
        resource: 'arn:aws:ec2:{region}:{account}:launch-template/lt-0123456789abcdef0',
        context: {
          'aws:PrincipalTag/eks:eks-cluster-name': ref('AWS::EKS::Cluster', `${p}Cluster`),
          'aws:RequestTag/eks:eks-cluster-name': ref('AWS::EKS::Cluster', `${p}Cluster`),
          'aws:RequestTag/eks:kubernetes-node-class-name': 'default',
          'aws:RequestTag/eks:kubernetes-node-pool-name': 'general-purpose',
          'aws:TagKeys': list(
            'eks:eks-cluster-name',
            'eks:kubernetes-node-class-name',
            'eks:kubernetes-node-pool-name',
          ),
        },
        phase: 'run',
        why: 'Auto Mode creates the launch templates of its nodes (AmazonEKSComputePolicy, scoped by the cluster-name tag).',
        expect: 'allowed',
      },
    );
  } else {
    contracts.push(
      {
        caller: service('pods.eks.amazonaws.com'),
        action: 'sts:AssumeRole',
        resource: arn('AWS::IAM::Role', `${p}VpcCniRole`),
        phase: 'run',
        why: 'The Pod Identity agent gets credentials for the vpc-cni service account (kube-system/aws-node).',
        expect: 'allowed',
      },
      {
        caller: service('pods.eks.amazonaws.com'),
        action: 'sts:TagSession',
        resource: arn('AWS::IAM::Role', `${p}VpcCniRole`),
        phase: 'run',
        why: 'Pod Identity tags the session with the cluster, namespace and service account.',
        expect: 'allowed',
      },
      {
        caller: role(`${p}VpcCniRole`),
        action: 'ec2:AssignPrivateIpAddresses',
        resource: 'arn:aws:ec2:{region}:{account}:network-interface/eni-0123456789abcdef0',
        phase: 'run',
        why: 'The VPC CNI assigns pod IPs on the node ENIs (AmazonEKS_CNI_Policy on its own Pod Identity role).',
        expect: 'allowed',
      },
      {
        caller: role(nodeRoleId),
        action: 'ec2:AssignPrivateIpAddresses',
        resource: 'arn:aws:ec2:{region}:{account}:network-interface/eni-0123456789abcdef0',
        phase: 'run',
        why: 'The node role no longer carries AmazonEKS_CNI_Policy: a pod on the host network cannot borrow it.',
        expect: 'denied',
      },
      {
        caller: service('eks-fargate-pods.amazonaws.com'),
        action: 'sts:AssumeRole',
        resource: arn('AWS::IAM::Role', `${p}ClusterfargateprofileDefaultPodExecutionRole`),
        phase: 'deploy',
        why: 'EKS Fargate assumes the pod execution role for pods of the Fargate profile.',
        expect: 'allowed',
      },
      {
        caller: role(`${p}ClusterfargateprofileDefaultPodExecutionRole`),
        action: 'ecr:GetAuthorizationToken',
        resource: '*',
        phase: 'run',
        why: 'Fargate pulls the pod images with the pod execution role.',
        expect: 'allowed',
      },
    );
  }
  // CloudWatch Observability (Container Insights), in both modes.
  const cwRole = `${p}CloudWatchObservabilityRole`;
  contracts.push(
    ...podIdentityTrust(cwRole, 'the CloudWatch agent (amazon-cloudwatch/cloudwatch-agent)'),
    {
      caller: role(cwRole),
      action: 'logs:CreateLogStream',
      resource: 'arn:aws:logs:{region}:{account}:log-group:/aws/containerinsights/cluster/performance:log-stream:node',
      phase: 'run',
      why: 'The CloudWatch agent opens a log stream per node for the Container Insights performance events, from which the ContainerInsights metrics the alarms watch are derived (CloudWatchAgentServerPolicy).',
      expect: 'allowed',
    },
    {
      caller: role(cwRole),
      action: 'logs:PutLogEvents',
      resource: 'arn:aws:logs:{region}:{account}:log-group:/aws/containerinsights/cluster/performance:log-stream:node',
      phase: 'run',
      why: 'The CloudWatch agent writes the Container Insights performance log events.',
      expect: 'allowed',
    },
  );
  if (!o.autoMode) {
    const ebsRole = `${p}EbsCsiRole`;
    contracts.push(
      ...podIdentityTrust(ebsRole, 'the EBS CSI controller (kube-system/ebs-csi-controller-sa)'),
      {
        caller: role(ebsRole),
        action: 'ec2:CreateVolume',
        resource: 'arn:aws:ec2:{region}:{account}:volume/vol-0123456789abcdef0',
        context: { 'aws:RequestTag/ebs.csi.aws.com/cluster': 'true' },
        phase: 'run',
        why: 'The EBS CSI driver creates the encrypted gp3 volume of a PersistentVolumeClaim, tagged as its own (AmazonEBSCSIDriverPolicy).',
        expect: 'allowed',
      },
      {
        caller: role(nodeRoleId),
        action: 'ec2:CreateVolume',
        resource: 'arn:aws:ec2:{region}:{account}:volume/vol-0123456789abcdef0',
        context: { 'aws:RequestTag/ebs.csi.aws.com/cluster': 'true' },
        phase: 'run',
        why: "Volumes are the EBS CSI role's business: the node role (and so any pod on the host network) cannot create them.",
        expect: 'denied',
      },
    );
  }
  if (o.workloads) {
    const handlerRole = `${p}KubectlProviderHandlerServiceRole`;
    const onEventRole = `${p}KubectlProviderframeworkonEventServiceRole`;
    contracts.push(
      {
        caller: service('lambda.amazonaws.com'),
        action: 'sts:AssumeRole',
        resource: arn('AWS::IAM::Role', handlerRole),
        phase: 'deploy',
        why: 'Lambda runs the kubectl handler with its role.',
        expect: 'allowed',
      },
      {
        caller: role(onEventRole),
        action: 'lambda:InvokeFunction',
        resource: arn('AWS::Lambda::Function', `${p}KubectlProviderHandler`),
        phase: 'deploy',
        why: 'The custom-resource framework function hands each manifest and chart event to the kubectl handler.',
        expect: 'allowed',
      },
      {
        caller: role(handlerRole),
        action: 'eks:DescribeCluster',
        resource: cluster,
        phase: 'deploy',
        why: 'The handler writes its kubeconfig (aws eks update-kubeconfig) before running kubectl or helm; its access entry makes it cluster admin inside Kubernetes.',
        expect: 'allowed',
      },
      {
        caller: role(handlerRole),
        action: 'eks:DescribeCluster',
        resource: 'arn:aws:eks:{region}:{account}:cluster/another-cluster',
        phase: 'deploy',
        why: 'The handler reaches this cluster only.',
        expect: 'denied',
      },
      {
        caller: role(handlerRole),
        action: 'ec2:CreateNetworkInterface',
        resource: ENI,
        phase: 'deploy',
        why: 'The handler runs in the private subnets (to reach the private endpoint): Lambda creates its network interfaces with the role.',
        expect: 'allowed',
      },
      {
        caller: role(handlerRole),
        action: 'logs:PutLogEvents',
        resource: 'arn:aws:logs:{region}:{account}:log-group:/aws/lambda/kubectl-handler:log-stream:2026/12/03/x',
        phase: 'deploy',
        why: 'The handler logs each kubectl and helm command.',
        expect: 'allowed',
      },
    );
  }
  if (o.loadBalancerController) {
    const lbRole = `${p}LoadBalancerControllerRole`;
    const nlb = 'arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/net/k8s-web-nginx/0123456789abcdef';
    contracts.push(
      ...podIdentityTrust(lbRole, 'the AWS Load Balancer Controller (kube-system/aws-load-balancer-controller)'),
      {
        caller: role(lbRole),
        action: 'elasticloadbalancing:CreateLoadBalancer',
        resource: nlb,
        context: { 'aws:RequestTag/elbv2.k8s.aws/cluster': ref('AWS::EKS::Cluster', `${p}Cluster`) },
        phase: 'run',
        why: 'The controller creates the NLB of a LoadBalancer Service, tagged with the cluster name (its documented policy).',
        expect: 'allowed',
      },
      {
        caller: role(lbRole),
        action: 'elasticloadbalancing:CreateLoadBalancer',
        resource: nlb,
        phase: 'run',
        why: 'Without the elbv2.k8s.aws/cluster tag the documented policy refuses to create a load balancer.',
        expect: 'denied',
      },
      {
        caller: role(lbRole),
        action: 'elasticloadbalancing:DeleteLoadBalancer',
        resource: nlb,
        context: { 'aws:ResourceTag/elbv2.k8s.aws/cluster': ref('AWS::EKS::Cluster', `${p}Cluster`) },
        phase: 'run',
        why: 'The controller deletes the NLB when the Service goes (it carries the cluster tag).',
        expect: 'allowed',
      },
    );
  }
  if (o.podRole) {
    contracts.push(
      ...['sts:AssumeRole', 'sts:TagSession'].map((action) => ({
        caller: service('pods.eks.amazonaws.com'),
        action,
        resource: arn('AWS::IAM::Role', o.podRole!),
        phase: 'run' as const,
        why: `EKS Pod Identity gives the pod's service account the associated role (${action}, with session tags).`,
        expect: 'allowed' as const,
      })),
      {
        caller: role(nodeRoleId),
        action: 'eks-auth:AssumeRoleForPodIdentity',
        resource: cluster,
        phase: 'run',
        why: 'The Pod Identity agent on the node exchanges the pod token for the role credentials.',
        expect: 'allowed',
      },
    );
  }
  return { pattern: 'EksCluster', contracts };
}
