import { createHash } from 'node:crypto';
import { KubectlV36Layer } from '@aws-cdk/lambda-layer-kubectl-v36';
import { Annotations, Aws, Duration, Lazy, Names, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, IConstruct } from 'constructs';
import { alarmTopicFor, notifyingAlarm } from '../common/alarm-topic';
import { logEncryptionKey, SecureLogGroup } from '../common/log-group';
import {
  acknowledge,
  guardRule,
  inEveryCompliancePack,
  managedPolicyFinding,
  wildcardResourceFinding,
} from '../common/nag';
import { SecureKey } from '../common/secure-key';
import { SecureVpc } from '../common/secure-vpc';
import {
  ensureEndpointDependencies,
  ensureServiceEndpoints,
  isolatedSubnetsOf,
  requiredGatewayEndpoints,
  RequiredServiceEndpoint,
  ServiceEndpointRequirements,
} from '../common/service-endpoints';
import { defaultPrivateSubnets, validateMultiAz } from '../common/subnets';
import {
  validateCidrs,
  validateExclusive,
  validateIntegerInRange,
  validateOrder,
  validateWithin,
  withConstructPath,
} from '../common/validation';
import {
  ALB_CONTROLLER_APP_VERSION,
  ALB_CONTROLLER_CHART_VERSION,
  ALB_CONTROLLER_IAM_POLICY,
} from './private/alb-controller-iam-policy';
import {
  validateNamespace,
  validateNamespaceSelector,
  validatePrincipalArn,
  validateServiceAccount,
} from './private/kubernetes-names';

/** The newest Kubernetes version aws-cdk-lib 2.276 knows. */
const DEFAULT_VERSION = eks.KubernetesVersion.V1_37;

/** All five EKS control-plane log types. */
const CONTROL_PLANE_LOG_TYPES = [
  eks.ClusterLoggingTypes.API,
  eks.ClusterLoggingTypes.AUDIT,
  eks.ClusterLoggingTypes.AUTHENTICATOR,
  eks.ClusterLoggingTypes.CONTROLLER_MANAGER,
  eks.ClusterLoggingTypes.SCHEDULER,
];

/**
 * The managed node group's AWS managed policies (AmazonEC2ContainerRegistryPullOnly is the narrowest ECR
 * policy). AmazonEKS_CNI_Policy is not among them: vpc-cni gets its own role through Pod Identity.
 */
const NODE_POLICIES = ['AmazonEKSWorkerNodePolicy', 'AmazonEC2ContainerRegistryPullOnly'];

/**
 * The AWS APIs nodes and Fargate pods call: EC2 (node join, vpc-cni), ECR API and registry (images),
 * STS (vpc-cni and other roles), EKS Auth (Pod Identity credentials) and CloudWatch Logs.
 */
const NODE_SERVICES: RequiredServiceEndpoint[] = [
  { service: ec2.InterfaceVpcEndpointAwsService.EC2, name: 'Ec2' },
  { service: ec2.InterfaceVpcEndpointAwsService.ECR, name: 'EcrApi' },
  { service: ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER, name: 'EcrDocker' },
  { service: ec2.InterfaceVpcEndpointAwsService.STS, name: 'Sts' },
  { service: ec2.InterfaceVpcEndpointAwsService.EKS_AUTH, name: 'EksAuth' },
  { service: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS, name: 'Logs' },
];

/** What EKS accepts as a cluster name. */
const CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;

/** Most selectors one Fargate profile can hold. */
const MAX_FARGATE_SELECTORS = 5;

/** Root volume size of a node, the EKS default. */
const NODE_VOLUME_GIB = 20;

/** Most nodes one managed node group can hold (EKS service quota). */
const MAX_NODES = 450;

/**
 * The managed add-ons the construct can install, by EKS add-on name: the keys `addonVersions` accepts.
 * Auto Mode runs the first four and block storage itself.
 */
const ADDON_NAMES = [
  'vpc-cni',
  'kube-proxy',
  'coredns',
  'eks-pod-identity-agent',
  'aws-ebs-csi-driver',
  'amazon-cloudwatch-observability',
];

/** The default StorageClass the EBS CSI driver add-on creates (gp3, encrypted). */
const EKS_DEFAULT_STORAGE_CLASS = 'gp3-encrypted';

/** The Kubernetes namespace and service account of the AWS Load Balancer Controller. */
const LB_CONTROLLER_SA = { namespace: 'kube-system', name: 'aws-load-balancer-controller' };

/**
 * The AWS APIs the kubectl provider's functions call from subnets without egress: Lambda (the provider
 * framework invokes the kubectl handler) and EKS (`aws eks update-kubeconfig` describes the cluster).
 */
const KUBECTL_SERVICES: RequiredServiceEndpoint[] = [
  { service: ec2.InterfaceVpcEndpointAwsService.LAMBDA, name: 'Lambda' },
  { service: ec2.InterfaceVpcEndpointAwsService.EKS, name: 'Eks' },
];

/**
 * The alarms an EksCluster raises. Each notifies the alarm topic; add further
 * actions with `alarm.addAlarmAction(...)`.
 */
export interface EksClusterAlarms {
  /**
   * The Kubernetes API server answering with 5xx errors (AWS/EKS
   * `apiserver_request_total_5XX`, sent free by EKS for Kubernetes 1.28 and later).
   */
  readonly apiServerErrors: cloudwatch.Alarm;
  /**
   * A node not Ready for 5 minutes (Container Insights `cluster_failed_node_count`,
   * from the CloudWatch Observability add-on).
   */
  readonly nodesNotReady: cloudwatch.Alarm;
  /**
   * Containers restarting: more restarts in 5 minutes, summed over every pod of the cluster,
   * than the threshold (Container Insights `pod_number_of_container_restarts`, a Metrics Insights query).
   */
  readonly podRestarts: cloudwatch.Alarm;
  /**
   * Fewer nodes in the cluster than the managed node groups' minimum sizes added up, for 10 minutes
   * (Container Insights `cluster_node_count`): a node group cannot launch or keep its nodes.
   * Undefined in Auto Mode, which sizes its nodes itself.
   */
  readonly nodesBelowMinimum?: cloudwatch.Alarm;
}

/** Options for `EksCluster.addServiceAccount()`. */
export interface EksServiceAccountOptions {
  /** The name of the Kubernetes service account. */
  readonly name: string;

  /**
   * The Kubernetes namespace of the service account; it must exist (create it with `addManifest`).
   * (The .NET binding names it `Namespace`, which is valid C#.)
   * @default 'default'
   * @jsii suppress reserved-word
   */
  readonly namespace?: string;

  /**
   * The IAM role the service account's pods get through EKS Pod Identity.
   * @default - a new role that trusts EKS Pod Identity and has no permissions yet (grant them to `role`)
   */
  readonly role?: iam.IRole;
}

/** A Kubernetes service account created by `EksCluster.addServiceAccount()`, with its IAM role. */
export interface EksServiceAccount {
  /** The name of the service account. */
  readonly serviceAccountName: string;
  /** The Kubernetes namespace of the service account. */
  readonly serviceAccountNamespace: string;
  /** The IAM role its pods get through EKS Pod Identity. */
  readonly role: iam.IRole;
  /** The ServiceAccount manifest. */
  readonly manifest: eks.KubernetesManifest;
  /** The EKS Pod Identity association of the service account and the role. */
  readonly podIdentityAssociation: eks.CfnPodIdentityAssociation;
}

/** What a principal may do in the namespaces of an `EksNamespaceAccess` grant (an EKS access policy). */
export enum EksAccessLevel {
  /** AmazonEKSAdminPolicy: most Kubernetes resources, including roles and role bindings, in the namespaces. */
  ADMIN = 'AmazonEKSAdminPolicy',
  /** AmazonEKSEditPolicy: create, change and delete most Kubernetes resources in the namespaces. */
  EDIT = 'AmazonEKSEditPolicy',
  /** AmazonEKSViewPolicy: read most Kubernetes resources (not secrets) in the namespaces. */
  VIEW = 'AmazonEKSViewPolicy',
}

/** Namespace-scoped cluster access for one IAM principal. */
export interface EksNamespaceAccess {
  /** The IAM role or user ARN (for an assumed-role session, the role's ARN). */
  readonly principalArn: string;
  /** What the principal may do in the namespaces. */
  readonly accessLevel: EksAccessLevel;
  /** The Kubernetes namespaces the access is limited to (at least one). */
  readonly namespaces: string[];
}

/** Options for `EksCluster.addNodegroup()`. */
export interface EksNodegroupOptions {
  /**
   * The instance types, all of one CPU architecture (the AL2023 AMI is picked to match).
   * @default - m7i.large; with spotInstances, m7i.large, m6i.large and m5.large
   */
  readonly instanceTypes?: ec2.InstanceType[];

  /**
   * Run the AL2023 AMI with NVIDIA drivers (for g5, g6, p4d, p5 and other GPU instance types).
   * @default false
   */
  readonly gpu?: boolean;

  /**
   * Run on Spot capacity (reclaimable at two minutes' notice; list several instance types).
   * @default false
   */
  readonly spotInstances?: boolean;

  /**
   * The fewest nodes the group scales in to. 2 or more keep workloads running when a node or an
   * Availability Zone fails; 1 synthesizes with the warning `cdk-compute-patterns:singleInstance`.
   * 0 (a group a cluster autoscaler scales from zero, for example GPU nodes) is allowed here only,
   * with the same warning; the cluster's default node group (`EksClusterProps.minCapacity`) needs nodes.
   * @default 2
   */
  readonly minCapacity?: number;

  /**
   * The most nodes the group scales out to.
   * @default - 4, or minCapacity when that is larger
   */
  readonly maxCapacity?: number;

  /**
   * How many nodes the group starts with.
   * @default - minCapacity
   */
  readonly desiredCapacity?: number;

  /**
   * Kubernetes labels of the nodes.
   * @default - none
   */
  readonly labels?: { [name: string]: string };

  /**
   * Kubernetes taints of the nodes, so only pods that tolerate them are scheduled there.
   * @default - none
   */
  readonly taints?: eks.TaintSpec[];
}

/**
 * Properties for an EksCluster.
 */
export interface EksClusterProps {
  /**
   * The VPC to run the cluster in.
   * @default - a new SecureVpc
   */
  readonly vpc?: ec2.IVpc;

  /**
   * The subnets for the control-plane network interfaces, the worker nodes and
   * Fargate pods. They must be private and span at least two Availability Zones.
   * @default - the VPC's private subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * The VPC already has the interface endpoints the nodes need in subnets
   * without egress (ec2, ecr.api, ecr.dkr, sts, eks-auth, logs) and the S3
   * gateway endpoint. Without it, a VPC in this stack gets the missing ones, and
   * any other VPC with isolated subnets is refused. Ignored when the subnets
   * have egress.
   * @default false
   */
  readonly vpcEndpointsProvided?: boolean;

  /**
   * The name of the EKS cluster. It must be known before the cluster exists,
   * so that the control-plane log group `/aws/eks/<name>/cluster` is created
   * first, encrypted and with a retention. Change it when a change replaces the
   * cluster (EKS names are unique per account and region).
   * @default - a name derived from the stack name and the construct path
   */
  readonly clusterName?: string;

  /**
   * How long the control-plane logs are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * The Kubernetes version of the control plane.
   * @default eks.KubernetesVersion.V1_37
   */
  readonly version?: eks.KubernetesVersion;

  /**
   * Use EKS Auto Mode instead of a managed node group: EKS chooses, patches and
   * scales the nodes and runs the networking, DNS and Pod Identity components
   * itself. The `node*` and `spotInstances` props do not apply.
   * @default false
   */
  readonly autoMode?: boolean;

  /**
   * The instance types of the managed node group, all of one CPU architecture
   * (the Amazon Linux 2023 AMI is picked to match).
   * @default - m7i.large; with spotInstances, m7i.large, m6i.large and m5.large
   */
  readonly nodeInstanceTypes?: ec2.InstanceType[];

  /**
   * The fewest nodes the managed node group scales in to (a positive integer). 2 or more keep
   * workloads running when a node or an Availability Zone fails; 1 synthesizes with the warning
   * `cdk-compute-patterns:singleInstance` (a test or demo cluster).
   * @default 2
   */
  readonly minCapacity?: number;

  /**
   * The most nodes the managed node group scales out to.
   * @default - 4, or minCapacity when that is larger
   */
  readonly maxCapacity?: number;

  /**
   * How many nodes the managed node group starts with.
   * @default - minCapacity
   */
  readonly desiredCapacity?: number;

  /**
   * Run the managed node group on Spot capacity. Spot nodes can be reclaimed
   * at two minutes' notice; list several instance types so EKS can diversify.
   * @default false
   */
  readonly spotInstances?: boolean;

  /**
   * Let pods reach the instance metadata service of their node (IMDSv2 hop
   * limit 2). Off by default (hop limit 1), so pods cannot take the node's IAM
   * role; give pods their own role with `addPodIdentity()` instead. Setting it
   * fails the Control Tower control CT.EC2.PR.2 (token hop limit of one).
   * @default false
   */
  readonly allowPodImdsAccess?: boolean;

  /**
   * Kubernetes namespaces (1 to 5; `*` and `?` are wildcards) whose pods run on
   * AWS Fargate, in one Fargate profile. Add more with `addFargateProfile()`.
   * @default - no Fargate profile
   */
  readonly fargateNamespaces?: string[];

  /**
   * Open the Kubernetes API endpoint to the internet from exactly these IPv4
   * CIDR blocks (the private endpoint stays on). `0.0.0.0/0` is refused unless
   * `allowPublicEndpointFromAnywhere` is set.
   * @default - private endpoint only: reachable only from inside the VPC
   */
  readonly publicEndpointCidrs?: string[];

  /**
   * Allow `publicEndpointCidrs` to contain a `/0` block, so the Kubernetes API
   * endpoint accepts connections from any address on the internet.
   * @default false
   */
  readonly allowPublicEndpointFromAnywhere?: boolean;

  /**
   * IAM role or user ARNs that get a cluster-admin access entry
   * (AmazonEKSClusterAdminPolicy, cluster scope). A cluster nobody can
   * administer is refused: name at least one admin, set
   * `bootstrapClusterCreatorAdminPermissions`, or opt out with `allowNoAdmin`.
   * @default - none (an error unless `bootstrapClusterCreatorAdminPermissions` or `allowNoAdmin` is set)
   */
  readonly adminPrincipalArns?: string[];

  /**
   * Create the cluster with no cluster-admin access entry: nobody can use
   * kubectl until someone with IAM rights to `eks:CreateAccessEntry` adds one
   * (`aws eks create-access-entry`, `grantNamespaceAccess()` or `cluster.grantAccess()`).
   * @default false
   */
  readonly allowNoAdmin?: boolean;

  /**
   * Namespace-scoped access for principals that must not be cluster admins:
   * each grant gives one IAM role or user ARN AmazonEKSAdminPolicy,
   * AmazonEKSEditPolicy or AmazonEKSViewPolicy in the namespaces listed.
   * Add more with `grantNamespaceAccess()`.
   * @default - none
   */
  readonly namespaceAccess?: EksNamespaceAccess[];

  /**
   * Give the principal that creates the cluster (the CloudFormation execution
   * role) a cluster-admin access entry. With the standard CDK bootstrap that
   * role (`cdk-hnb659fds-cfn-exec-role-*`) trusts only CloudFormation, so no
   * person can use this admin: it counts as an admin only for clusters whose
   * deploy role people can assume. Changing it replaces the cluster, and with
   * a fixed `clusterName` the replacement fails (the name is taken): change
   * `clusterName` with it.
   * @default false
   */
  readonly bootstrapClusterCreatorAdminPermissions?: boolean;

  /**
   * The Lambda layer with kubectl and helm that the kubectl provider runs, created on the first
   * `addManifest`, `addHelmChart` or `addServiceAccount` call (a cluster without workloads has none).
   * Use a kubectl within one minor version of `version`.
   * @default - kubectl 1.36 and helm 4 (4.2.3) from @aws-cdk/lambda-layer-kubectl-v36
   */
  readonly kubectlLayer?: lambda.ILayerVersion;

  /**
   * Install the AWS Load Balancer Controller (Helm chart 3.5.0, controller v3.5.0) with its own
   * Pod Identity role carrying the IAM policy it documents, so a Kubernetes `Service` of type
   * `LoadBalancer` gets a Network Load Balancer and an `Ingress` an Application Load Balancer.
   * Creates the kubectl provider. Internet-facing load balancers need public subnets in the VPC.
   * The cluster subnets need egress (NAT): the chart comes from https://aws.github.io/eks-charts and
   * the controller calls Elastic Load Balancing, WAF and Shield (refused at synth in isolated subnets).
   * @default false
   */
  readonly loadBalancerController?: boolean;

  /**
   * Versions of the managed add-ons, by add-on name: `vpc-cni`, `kube-proxy`, `coredns`,
   * `eks-pod-identity-agent`, `aws-ebs-csi-driver`, `amazon-cloudwatch-observability`
   * (list them with `aws eks describe-addon-versions --kubernetes-version <version> --addon-name <name>`).
   * Set after a control-plane upgrade to move each add-on to the version for the new Kubernetes version.
   * @default - each add-on at the default version EKS picks for the cluster's Kubernetes version when it is created
   */
  readonly addonVersions?: { [addonName: string]: string };

  /**
   * The AMI release version of every managed node group (e.g. `1.37.0-20261115`). The node groups
   * always run the cluster's Kubernetes `version`; this picks the patch release within it, so it
   * must start with `version` (checked at synth): change both together when you upgrade.
   * @default - the latest AMI release for the Kubernetes version when the node group is created or upgraded
   */
  readonly nodeReleaseVersion?: string;

  /**
   * The SNS topic every alarm notifies. When its KMS key is managed in this app, the construct lets
   * CloudWatch alarms of this account and Region use it; an imported key must already allow that (a
   * warning says so). A topic policy, if the topic has one, must let `cloudwatch.amazonaws.com` publish.
   * @default - the stack's shared alarm topic (KMS-encrypted, TLS only), opened to this account's CloudWatch alarms
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * API server 5xx responses in 5 minutes at which `alarms.apiServerErrors` fires.
   * @default 10
   */
  readonly apiServerErrorsAlarmThreshold?: number;

  /**
   * Container restarts in 5 minutes, over the whole cluster, at which `alarms.podRestarts` fires.
   * @default 5
   */
  readonly podRestartsAlarmThreshold?: number;
}

/**
 * A production Amazon EKS cluster on `aws-eks-v2` (native CloudFormation; a
 * kubectl provider Lambda only once a workload is added): a private API
 * endpoint by default, IAM access entries (authentication mode API), all five
 * control-plane log types, Kubernetes secrets envelope-encrypted with a
 * customer managed KMS key, a managed node group of Amazon Linux 2023 nodes
 * (encrypted volumes, IMDSv2) in private subnets of two or more Availability
 * Zones, optional Fargate profiles, and the vpc-cni, kube-proxy, coredns,
 * eks-pod-identity-agent, aws-ebs-csi-driver and amazon-cloudwatch-observability
 * managed add-ons (in Auto Mode, amazon-cloudwatch-observability only).
 */
export class EksCluster extends Construct implements ec2.IConnectable {
  /** The EKS cluster. */
  public readonly cluster: eks.Cluster;

  /**
   * The cluster security group (control plane, managed nodes and Auto Mode nodes): allow the cluster
   * to reach a database with `db.connections.allowDefaultPortFrom(cluster)`.
   */
  public readonly connections: ec2.Connections;

  /** The managed node group; undefined in Auto Mode. */
  public readonly nodegroup?: eks.Nodegroup;

  /** The launch template of the managed node group (encrypted volumes, IMDSv2); undefined in Auto Mode. */
  public readonly nodeLaunchTemplate?: ec2.LaunchTemplate;

  /** The customer managed key (rotation on) that envelope-encrypts Kubernetes secrets. */
  public readonly secretsKey: kms.IKey;

  /** The VPC the cluster runs in. */
  public readonly vpc: ec2.IVpc;

  /** The log group `/aws/eks/<clusterName>/cluster` of the control-plane logs, created before the cluster (encrypted, with a retention). */
  public readonly controlPlaneLogGroup: logs.ILogGroup;

  /** The interface endpoints the nodes rely on in subnets without egress; empty when the subnets have egress. */
  public readonly vpcEndpoints: ec2.InterfaceVpcEndpoint[];

  /**
   * The managed add-ons the construct installs: vpc-cni, kube-proxy, coredns, eks-pod-identity-agent,
   * aws-ebs-csi-driver and amazon-cloudwatch-observability; in Auto Mode, which runs the others
   * itself, amazon-cloudwatch-observability only.
   */
  public readonly addons: eks.IAddon[] = [];

  /** The role of the managed node group's nodes (kubelet, image pulls); undefined in Auto Mode. */
  public readonly nodeRole?: iam.Role;

  /** The role of the vpc-cni add-on (service account kube-system/aws-node, through Pod Identity); undefined in Auto Mode. */
  public readonly vpcCniRole?: iam.Role;

  /** The node groups added with `addNodegroup()`, in creation order (the default one is `nodegroup`). */
  public readonly nodegroups: eks.Nodegroup[] = [];

  /** The Fargate profiles, in creation order. */
  public readonly fargateProfiles: eks.FargateProfile[] = [];

  /** The `aws eks update-kubeconfig` command that points kubectl at this cluster. */
  public readonly updateKubeconfigCommand: string;

  /** The role of the EBS CSI driver add-on (kube-system/ebs-csi-controller-sa, through Pod Identity); undefined in Auto Mode. */
  public readonly ebsCsiRole?: iam.Role;

  /** The role of the CloudWatch Observability add-on (amazon-cloudwatch/cloudwatch-agent, through Pod Identity). */
  public readonly cloudWatchObservabilityRole: iam.Role;

  /** The role of the AWS Load Balancer Controller (kube-system/aws-load-balancer-controller); undefined unless `loadBalancerController` is set. */
  public readonly loadBalancerControllerRole?: iam.Role;

  /** The Helm release of the AWS Load Balancer Controller; undefined unless `loadBalancerController` is set. */
  public readonly loadBalancerController?: eks.HelmChart;

  /** The alarms, each notifying `alarmTopic`. */
  public readonly alarms: EksClusterAlarms;

  /** The topic the alarms notify; subscribe your on-call channel to it. */
  public readonly alarmTopic: sns.ITopic;

  private readonly subnets: ec2.SubnetSelection;
  /** The cluster name as given or derived (a literal unless the user passed a token). */
  private readonly clusterName: string;
  private readonly vpcEndpointsProvided?: boolean;
  private readonly kubectlLayer?: lambda.ILayerVersion;
  private readonly addonVersions: { [addonName: string]: string };
  private readonly nodeReleaseVersion?: string;
  /** What nodes and Fargate profiles are created after: the interface and gateway endpoints they need. */
  private readonly nodeDependencies: IConstruct[];
  private kubectl?: { provider: eks.KubectlProvider; cluster: eks.ICluster; ready: IConstruct[] };
  /** What workloads wait for besides the kubectl provider: the nodes and coredns (none in Auto Mode). */
  private readonly workloadCapacity: IConstruct[] = [];
  /** The minimum sizes of the managed node groups. */
  private readonly nodeMinimums: number[] = [];
  private nodeBase?: { launchTemplate: ec2.LaunchTemplate; nodeRole: iam.Role; dependencies: Construct[] };
  private readonly version: eks.KubernetesVersion;
  private readonly autoMode: boolean;
  private readonly podIdentities = new Set<string>();
  /** Access entries by principal ARN: EKS allows one per principal. */
  private readonly accessEntries = new Map<string, { entry: eks.AccessEntry; admin: boolean; levels: Set<string> }>();

  constructor(scope: Construct, id: string, props: EksClusterProps = {}) {
    super(scope, id);
    this.autoMode = props.autoMode ?? false;
    this.version = props.version ?? DEFAULT_VERSION;
    this.vpcEndpointsProvided = props.vpcEndpointsProvided;
    this.kubectlLayer = props.kubectlLayer;
    this.addonVersions = validateAddonVersions(this, props.addonVersions ?? {});
    this.nodeReleaseVersion = props.nodeReleaseVersion;
    withConstructPath(this, () => validateNodeReleaseVersion(this.version.version, props.nodeReleaseVersion));
    // Errors name this cluster's construct path: a user with several clusters must know which one is wrong.
    withConstructPath(this, () => validateAutoModeExclusions(props));
    const endpointAccess = withConstructPath(this, () => endpointAccessFor(props));
    const admins = withConstructPath(this, () => validateAdmins(props.adminPrincipalArns));
    if (admins.length === 0 && !props.bootstrapClusterCreatorAdminPermissions && !props.allowNoAdmin) {
      throw new Error(
        `${this.node.path}: nobody could administer this cluster: adminPrincipalArns is empty and bootstrapClusterCreatorAdminPermissions is off, so kubectl answers Unauthorized to everyone. Name your admin role in adminPrincipalArns (e.g. 'arn:aws:iam::123456789012:role/PlatformAdmin'), or set allowNoAdmin: true if you add access entries later with the EKS API`,
      );
    }
    if (props.fargateNamespaces) {
      const namespaces = props.fargateNamespaces;
      withConstructPath(this, () => validateFargateNamespaces('fargateNamespaces', namespaces));
    }

    this.vpc = props.vpc ?? new SecureVpc(this, 'Vpc');
    this.subnets = props.vpcSubnets ?? defaultPrivateSubnets(this.vpc);
    const selected = validateMultiAz(this, this.vpc, this.subnets, 'the cluster subnets');
    withConstructPath(this, () => validatePrivate(this.vpc, selected));

    const clusterName = props.clusterName ?? Names.uniqueResourceName(this, { maxLength: 100, separator: '-' });
    this.clusterName = clusterName;
    if (!Token.isUnresolved(clusterName) && !CLUSTER_NAME.test(clusterName)) {
      throw new Error(
        `${this.node.path}: clusterName must be 1 to 100 letters, digits, '-' and '_', starting with a letter or digit; received '${clusterName}'`,
      );
    }
    // EKS would create this log group itself, unencrypted and never expiring; created first, EKS writes into it.
    // Its name is EKS's, so it cannot end with the stack id (fixedNameLogGroupProps): it is kept on update and
    // delete, but not when the deploy that created it rolls back, so a failed first deploy can simply be retried.
    this.controlPlaneLogGroup = new SecureLogGroup(this, 'ControlPlaneLogGroup', {
      logGroupName: `/aws/eks/${clusterName}/cluster`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });

    this.secretsKey = new SecureKey(this, 'SecretsKey', {
      description: `Envelope-encrypts the Kubernetes secrets of the EKS cluster ${this.node.path}`,
    });

    this.cluster = new eks.Cluster(this, 'Cluster', {
      clusterName,
      version: this.version,
      vpc: this.vpc,
      vpcSubnets: [this.subnets],
      endpointAccess,
      clusterLogging: CONTROL_PLANE_LOG_TYPES,
      secretsEncryptionKey: this.secretsKey,
      bootstrapClusterCreatorAdminPermissions: props.bootstrapClusterCreatorAdminPermissions ?? false,
      // The construct installs vpc-cni, kube-proxy and coredns as managed add-ons
      // (EKS patches them), instead of the unmanaged copies EKS would bootstrap.
      bootstrapSelfManagedAddons: false,
      outputConfigCommand: false,
      ...(this.autoMode
        ? {
            defaultCapacityType: eks.DefaultCapacityType.AUTOMODE,
            compute: { nodePools: ['system', 'general-purpose'] },
          }
        : { defaultCapacity: 0, defaultCapacityType: eks.DefaultCapacityType.NODEGROUP }),
    });
    this.connections = this.cluster.connections;
    this.cluster.node.findChild('Resource').node.addDependency(this.controlPlaneLogGroup);
    const nodeEndpoints: ServiceEndpointRequirements = {
      scope: this,
      vpc: this.vpc,
      subnets: selected,
      services: NODE_SERVICES,
      gateways: [ec2.GatewayVpcEndpointAwsService.S3],
      clients: [],
      vpcEndpointsProvided: props.vpcEndpointsProvided,
    };
    this.vpcEndpoints = ensureServiceEndpoints(nodeEndpoints);
    // Nodes and Fargate pods pull image layers from S3: in subnets without egress, through the gateway endpoint.
    this.nodeDependencies = [...this.vpcEndpoints, ...requiredGatewayEndpoints(nodeEndpoints)];
    this.allowHttpsFromClusterTo(this.vpcEndpoints);
    // The control plane reads and writes secrets with the key (it holds no KMS permissions otherwise).
    // A customer managed policy rather than a grant into the role's inline default policy (NIST/HIPAA/PCI
    // IAMNoInlinePolicy); the cluster waits for it as it would for the grant.
    const secretsKeyPolicy = new iam.ManagedPolicy(this, 'ClusterSecretsKeyPolicy', {
      description: `Lets the EKS control plane of ${this.node.path} encrypt and decrypt Kubernetes secrets with its key`,
      roles: [this.cluster.role],
      statements: [
        new iam.PolicyStatement({
          actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:DescribeKey', 'kms:CreateGrant'],
          resources: [this.secretsKey.keyArn],
        }),
      ],
    });
    this.cluster.node.findChild('Resource').node.addDependency(secretsKeyPolicy);
    acknowledgeManagedPolicies(this.cluster.role, this.cluster.role, 'the EKS control plane (service role)');
    if (props.publicEndpointCidrs !== undefined) {
      // The user's explicit choice, on the cluster resource only.
      acknowledge(this.cluster.node.findChild('Resource'), {
        id: guardRule('eks_endpoint_no_public_access_check'),
        reason: `publicEndpointCidrs was set: the Kubernetes API endpoint is public, reachable only from ${props.publicEndpointCidrs.join(', ')} (publicAccessCidrs), and the private endpoint stays on. Without the option the endpoint is private only.`,
      });
    }
    // cdk-compute-patterns' acknowledge() takes cdk-nag ids only; this is aws-cdk-lib's own template check.
    Validations.of(this.cluster).acknowledge({
      id: 'CloudFormation-Validate::W9009',
      reason:
        "EncryptionConfig.Resources: ['secrets'] is what the EKS CreateCluster API takes to envelope-encrypt Kubernetes secrets, and the Control Tower control CT.EKS.PR.2 requires it; the schema's deprecation note does not change either.",
    });

    // Ids derive from the ARN, so reordering the list does not replace (and collide with) existing entries.
    admins.forEach((arn, i) => {
      const entry = this.cluster.grantClusterAdmin(accessEntryId(arn, i), arn);
      this.accessEntries.set(arn, { entry, admin: true, levels: new Set() });
    });
    for (const grant of props.namespaceAccess ?? []) {
      this.grantNamespaceAccess(grant.principalArn, grant.accessLevel, grant.namespaces);
    }

    if (this.autoMode) {
      const nodeRole = this.cluster.node.tryFindChild('ClusternodePoolRole');
      if (nodeRole instanceof iam.Role) acknowledgeManagedPolicies(nodeRole, nodeRole, 'EKS Auto Mode nodes');
    } else {
      const nodes = this.addManagedNodegroup(props);
      this.nodegroup = nodes.nodegroup;
      this.nodeLaunchTemplate = nodes.launchTemplate;
      this.vpcCniRole = nodes.vpcCniRole;
      this.nodeRole = nodes.nodeRole;
      this.ebsCsiRole = nodes.ebsCsiRole;
    }
    this.cloudWatchObservabilityRole = this.addCloudWatchObservability();

    if (props.fargateNamespaces) this.addFargateProfile('Default', props.fargateNamespaces);

    this.updateKubeconfigCommand = `aws eks update-kubeconfig --name ${this.cluster.clusterName} --region ${Stack.of(this).region}`;

    this.alarmTopic = alarmTopicFor(this, props.alarmTopic);
    this.alarms = this.createAlarms(props);

    if (props.loadBalancerController) {
      if (isolatedSubnetsOf(this.vpc, selected).length > 0) {
        throw new Error(
          `${this.node.path}: loadBalancerController needs cluster subnets with egress (NAT): the kubectl provider downloads the controller's Helm chart from https://aws.github.io/eks-charts, and the controller calls Elastic Load Balancing, WAF and Shield, which have no endpoints here; the cluster's subnets are PRIVATE_ISOLATED. Use subnets with a NAT gateway, or install the controller yourself from a chart and endpoints you provide`,
        );
      }
      const lb = this.addLoadBalancerController();
      this.loadBalancerControllerRole = lb.role;
      this.loadBalancerController = lb.chart;
    }
  }

  /** The kubectl provider, once a workload created it; undefined for a cluster without workloads. */
  public get kubectlProvider(): eks.IKubectlProvider | undefined {
    return this.kubectl?.provider;
  }

  /**
   * Applies Kubernetes manifests (objects as kubectl would read them from YAML) to the cluster,
   * through the kubectl provider (created on first use, in the cluster's private subnets). The
   * objects are created after the nodes and coredns, and deleted before them.
   */
  public addManifest(id: string, ...manifest: { [key: string]: unknown }[]): eks.KubernetesManifest {
    const kubectl = this.ensureKubectl();
    const constructId = this.workloadId('Manifest', id, 'addManifest');
    const resource = new eks.KubernetesManifest(this, constructId, { cluster: kubectl.cluster, manifest });
    resource.node.addDependency(...kubectl.ready);
    return resource;
  }

  /**
   * Installs a Helm chart through the kubectl provider (created on first use, in the cluster's
   * private subnets); after the nodes and coredns, removed before them. A chart from a
   * repository needs subnets with egress, or an OCI repository behind a VPC endpoint.
   */
  public addHelmChart(id: string, options: eks.HelmChartOptions): eks.HelmChart {
    const kubectl = this.ensureKubectl();
    const constructId = this.workloadId('Chart', id, 'addHelmChart');
    const chart = new eks.HelmChart(this, constructId, { cluster: kubectl.cluster, ...options });
    chart.node.addDependency(...kubectl.ready);
    return chart;
  }

  /**
   * Creates a Kubernetes service account whose pods get an IAM role through EKS Pod Identity
   * (no OIDC provider): the ServiceAccount through the kubectl provider, the association with
   * `addPodIdentity()`. Grant the role what the pods need.
   */
  public addServiceAccount(id: string, options: EksServiceAccountOptions): EksServiceAccount {
    const namespace = options.namespace ?? 'default';
    withConstructPath(this, () => {
      validateNamespace(`addServiceAccount('${id}') namespace`, namespace);
      validateServiceAccount(`addServiceAccount('${id}') name`, options.name);
    });
    const constructId = this.workloadId('ServiceAccount', id, 'addServiceAccount');
    const role =
      options.role ??
      new iam.Role(this, `${constructId}Role`, {
        description: `Pods of the service account ${namespace}/${options.name} of the EKS cluster ${this.node.path}, through Pod Identity`,
        assumedBy: new iam.SessionTagsPrincipal(new iam.ServicePrincipal('pods.eks.amazonaws.com')),
      });
    const podIdentityAssociation = this.addPodIdentity(namespace, options.name, role);
    const kubectl = this.ensureKubectl();
    const manifest = new eks.KubernetesManifest(this, constructId, {
      cluster: kubectl.cluster,
      manifest: [
        {
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: { name: options.name, namespace, labels: { 'app.kubernetes.io/name': options.name } },
        },
      ],
    });
    manifest.node.addDependency(...kubectl.ready);
    return {
      serviceAccountName: options.name,
      serviceAccountNamespace: namespace,
      role,
      manifest,
      podIdentityAssociation,
    };
  }

  /**
   * The API server's 5xx responses (AWS/EKS `apiserver_request_total_5XX`, Sum over 5 minutes).
   */
  public metricApiServerErrors(props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/EKS',
      metricName: 'apiserver_request_total_5XX',
      dimensionsMap: { ClusterName: this.cluster.clusterName },
      statistic: 'Sum',
      period: Duration.minutes(5),
      ...props,
    });
  }

  /** Nodes that are not Ready (Container Insights `cluster_failed_node_count`, Maximum over 1 minute). */
  public metricFailedNodeCount(props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.containerInsightsMetric('cluster_failed_node_count', 'Maximum', props);
  }

  /** Nodes in the cluster (Container Insights `cluster_node_count`, Minimum over 1 minute). */
  public metricNodeCount(props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.containerInsightsMetric('cluster_node_count', 'Minimum', props);
  }

  private containerInsightsMetric(
    metricName: string,
    statistic: string,
    props: cloudwatch.MetricOptions,
  ): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'ContainerInsights',
      metricName,
      dimensionsMap: { ClusterName: this.cluster.clusterName },
      statistic,
      period: Duration.minutes(1),
      ...props,
    });
  }

  /**
   * Gives the IAM role or user `principalArn` the access policy of `accessLevel`
   * (AmazonEKSAdminPolicy, AmazonEKSEditPolicy or AmazonEKSViewPolicy) in
   * `namespaces` only, through an EKS access entry. A principal gets one access
   * entry, holding one policy per access level; cluster admins need none.
   */
  public grantNamespaceAccess(
    principalArn: string,
    accessLevel: EksAccessLevel,
    namespaces: string[],
  ): eks.AccessEntry {
    const what = `grantNamespaceAccess('${principalArn}')`;
    withConstructPath(this, () => validatePrincipalArn(`${what} principalArn`, principalArn));
    if (namespaces.length === 0) {
      throw new Error(
        `${this.node.path}: ${what} must list at least one Kubernetes namespace; received an empty list. For access to every namespace, use adminPrincipalArns or cluster.grantAccess() with a cluster scope`,
      );
    }
    withConstructPath(this, () => namespaces.forEach((ns) => validateNamespace(`${what} namespaces`, ns)));
    const existing = Token.isUnresolved(principalArn) ? undefined : this.accessEntries.get(principalArn);
    if (existing?.admin) {
      throw new Error(
        `${this.node.path}: ${principalArn} is in adminPrincipalArns, so it is already cluster admin in every namespace; remove it from adminPrincipalArns to limit it to namespaces, or drop the ${accessLevel} grant`,
      );
    }
    if (existing?.levels.has(accessLevel)) {
      throw new Error(
        `${this.node.path}: ${principalArn} already has ${accessLevel}; EKS associates each access policy once per principal, so list all its namespaces in one grant`,
      );
    }
    const policy = eks.AccessPolicy.fromAccessPolicyName(accessLevel, {
      accessScopeType: eks.AccessScopeType.NAMESPACE,
      namespaces,
    });
    if (existing) {
      existing.entry.addAccessPolicies([policy]);
      existing.levels.add(accessLevel);
      return existing.entry;
    }
    // The same scope and id as an admin entry of the principal (accessEntryId): moving a principal between
    // adminPrincipalArns and namespaceAccess updates its entry's policies in place. With another id, CloudFormation
    // would create the new entry before deleting the old one, and EKS refuses a second entry for a principal.
    const entry = new eks.AccessEntry(this.cluster, accessEntryId(principalArn, this.accessEntries.size), {
      cluster: this.cluster,
      principal: principalArn,
      accessPolicies: [policy],
    });
    this.accessEntries.set(principalArn, { entry, admin: false, levels: new Set([accessLevel]) });
    return entry;
  }

  /**
   * Adds a managed node group with the same hardening as the default one: the
   * shared launch template (IMDSv2, encrypted gp3 volume, detailed monitoring),
   * the same node role, the cluster's private subnets, created after vpc-cni,
   * kube-proxy and any VPC endpoints. For Graviton, x86 or GPU (`gpu: true`)
   * instance types, Spot, sizes, labels and taints.
   */
  public addNodegroup(id: string, options: EksNodegroupOptions = {}): eks.Nodegroup {
    if (!this.nodeBase) {
      throw new Error(
        `${this.node.path}: addNodegroup('${id}') adds a managed node group, which this cluster does not use: EKS Auto Mode (autoMode: true) chooses and scales its nodes itself`,
      );
    }
    if (this.node.tryFindChild(`Nodegroup${id}`)) {
      throw new Error(`${this.node.path}: a node group '${id}' exists already; give each addNodegroup call its own id`);
    }
    const nodegroup = this.createNodegroup(`Nodegroup${id}`, `addNodegroup('${id}') `, options);
    this.nodegroups.push(nodegroup);
    return nodegroup;
  }

  /**
   * Adds a bastion-free way into the private API endpoint: a c7g.medium Amazon
   * Linux 2023 instance in the cluster's private subnets with kubectl
   * installed, reachable only through Session Manager (`aws ssm start-session`):
   * no SSH key, no inbound rule, HTTPS out only, and HTTPS from it into the
   * cluster security group. Its role can describe the cluster and nothing in
   * Kubernetes: grant it `sts:AssumeRole` on an admin role
   * (`adminRole.grantAssumeRole(instance.role)`) and run
   * `aws eks update-kubeconfig --role-arn <admin role>` in the session, or
   * give the instance role an access entry. The subnets need egress (NAT):
   * the instance downloads kubectl and reaches Systems Manager.
   */
  public addAccessInstance(id: string = 'AccessInstance'): ec2.Instance {
    if (this.node.tryFindChild(id)) {
      throw new Error(
        `${this.node.path}: an access instance '${id}' exists already; one is enough, or give another id`,
      );
    }
    const selected = this.vpc.selectSubnets(this.subnets);
    if (isolatedSubnetsOf(this.vpc, selected).length > 0) {
      throw new Error(
        `${this.node.path}: addAccessInstance needs subnets with egress (NAT), since the instance downloads kubectl and reaches Systems Manager; the cluster's subnets are PRIVATE_ISOLATED. Reach the cluster another way (VPN, a runner in the VPC with its own endpoints) or use subnets with a NAT gateway`,
      );
    }
    const securityGroup = new ec2.SecurityGroup(this, `${id}SecurityGroup`, {
      vpc: this.vpc,
      description: `Session Manager access instance of the EKS cluster ${this.node.path}: no inbound rule, HTTPS out`,
      allowAllOutbound: false,
    });
    securityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'HTTPS to Systems Manager, EKS, STS and kubectl downloads',
    );
    new ec2.CfnSecurityGroupIngress(this, `${id}ToApi`, {
      groupId: this.cluster.clusterSecurityGroupId,
      sourceSecurityGroupId: securityGroup.securityGroupId,
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      description: 'HTTPS from the access instance to the Kubernetes API (private endpoint)',
    });
    const role = new iam.Role(this, `${id}Role`, {
      description: `Session Manager access instance of the EKS cluster ${this.node.path}`,
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    // A customer managed policy, not an inline one (NIST 800-53 R5, HIPAA and PCI refuse inline policies).
    new iam.ManagedPolicy(this, `${id}Policy`, {
      description: `Session Manager access instance of the EKS cluster ${this.node.path}: describe the cluster`,
      roles: [role],
      statements: [new iam.PolicyStatement({ actions: ['eks:DescribeCluster'], resources: [this.cluster.clusterArn] })],
    });
    acknowledge(role, {
      id: managedPolicyFinding('AmazonSSMManagedInstanceCore'),
      reason:
        'AmazonSSMManagedInstanceCore is the AWS-maintained policy the SSM agent needs for Session Manager, the only way into this access instance (no SSH, no inbound rule). It also allows ssm:GetParameter(s) on every parameter of the account and region: whoever may start a session here is a cluster operator trusted with those.',
    });
    const userData = ec2.UserData.forLinux();
    const k8sVersion = this.version.version;
    userData.addCommands(
      'set -euo pipefail',
      // User data runs once: retry while the NAT route or DNS is not there yet, rather than boot without kubectl.
      `V=$(curl -fsSL --retry 10 --retry-all-errors --retry-delay 6 https://dl.k8s.io/release/stable-${k8sVersion}.txt)`,
      'curl -fsSL --retry 10 --retry-all-errors --retry-delay 6 -o /usr/local/bin/kubectl "https://dl.k8s.io/release/${V}/bin/linux/arm64/kubectl"',
      'chmod 0755 /usr/local/bin/kubectl',
    );
    const instance = new ec2.Instance(this, id, {
      vpc: this.vpc,
      vpcSubnets: this.subnets,
      // The smallest Graviton type with Nitro encryption in transit (Control Tower CT.EC2.PR.19).
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.C7G, ec2.InstanceSize.MEDIUM),
      associatePublicIpAddress: false,
      machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType: ec2.AmazonLinuxCpuType.ARM_64 }),
      securityGroup,
      role,
      userData,
      detailedMonitoring: true,
      ebsOptimized: true,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(8, { encrypted: true, volumeType: ec2.EbsDeviceVolumeType.GP3 }),
        },
      ],
    });
    // IMDSv2 through a launch template of our own, which also states detailed monitoring (Control Tower
    // CT.EC2.PR.10); requireImdsv2 would add one through an aspect, without it.
    const launchTemplate = new ec2.LaunchTemplate(this, `${id}LaunchTemplate`, {
      requireImdsv2: true,
      httpTokens: ec2.LaunchTemplateHttpTokens.REQUIRED,
      httpPutResponseHopLimit: 1,
      detailedMonitoring: true,
    });
    (instance.node.defaultChild as ec2.CfnInstance).launchTemplate = {
      launchTemplateId: launchTemplate.launchTemplateId,
      version: launchTemplate.latestVersionNumber,
    };
    acknowledge(
      instance,
      {
        id: 'AwsSolutions-EC29',
        reason:
          'The access instance holds no state (kubectl and a kubeconfig, rebuilt from user data); termination protection would only make the stack impossible to delete.',
      },
      ...inEveryCompliancePack(
        'EC2InstancesInVPC',
        "The instance is in the cluster's VPC: its subnet is NetworkInterfaces[0].SubnetId (the interface that states AssociatePublicIpAddress false), and the rule reads only the instance-level SubnetId, which CloudFormation refuses next to NetworkInterfaces.",
      ),
    );
    // Boot only once the subnets' NAT routes exist: the user data downloads kubectl once.
    instance.node.addDependency(selected.internetConnectivityEstablished);
    return instance;
  }

  /**
   * Runs the pods of `namespaces` (1 to 5; `*` and `?` are wildcards) on AWS
   * Fargate, in the cluster's private subnets.
   */
  public addFargateProfile(id: string, namespaces: string[]): eks.FargateProfile {
    withConstructPath(this, () => validateFargateNamespaces(`addFargateProfile('${id}') namespaces`, namespaces));
    const profile = this.cluster.addFargateProfile(id, {
      selectors: namespaces.map((namespace) => ({ namespace })),
      vpc: this.vpc,
      subnetSelection: this.subnets,
    });
    profile.node.addDependency(...this.nodeDependencies);
    acknowledgeManagedPolicies(
      profile.podExecutionRole,
      profile.podExecutionRole,
      'Fargate pod execution (pulling images)',
    );
    this.fargateProfiles.push(profile);
    return profile;
  }

  /**
   * Gives the Kubernetes service account `serviceAccount` in `namespace` the
   * IAM role `role` through EKS Pod Identity (an `AWS::EKS::PodIdentityAssociation`;
   * no kubectl, no OIDC provider). A role created in this app is made to trust
   * `pods.eks.amazonaws.com`; an imported role must already trust it.
   *
   * (`namespace` is reserved in C#; the .NET binding names the parameter `@namespace`, which is valid C#.)
   * @jsii suppress reserved-word
   */
  public addPodIdentity(namespace: string, serviceAccount: string, role: iam.IRole): eks.CfnPodIdentityAssociation {
    withConstructPath(this, () => {
      validateNamespace('addPodIdentity namespace', namespace);
      validateServiceAccount('addPodIdentity serviceAccount', serviceAccount);
    });
    const key = `${namespace}/${serviceAccount}`;
    if (!Token.isUnresolved(key) && this.podIdentities.has(key)) {
      throw new Error(
        `${this.node.path}: addPodIdentity: service account ${key} already has a role; a service account can be associated with one role only`,
      );
    }
    this.podIdentities.add(key);

    const trust = new iam.PolicyStatement({
      actions: ['sts:AssumeRole', 'sts:TagSession'],
      principals: [new iam.ServicePrincipal('pods.eks.amazonaws.com')],
    });
    if (role instanceof iam.Role && role.assumeRolePolicy) {
      role.assumeRolePolicy.addStatements(trust);
    } else {
      Annotations.of(this).addWarningV2(
        'cdk-compute-patterns:eksPodIdentityTrust',
        `The role ${role.node.path} was not created in this app, so its trust policy cannot be checked; it must allow pods.eks.amazonaws.com to sts:AssumeRole and sts:TagSession`,
      );
    }

    const associationId = Token.isUnresolved(key)
      ? `PodIdentity${this.podIdentities.size}`
      : `PodIdentity-${namespace}-${serviceAccount}`;
    const association = new eks.CfnPodIdentityAssociation(this, associationId, {
      clusterName: this.cluster.clusterName,
      namespace,
      serviceAccount,
      roleArn: role.roleArn,
    });
    // Auto Mode runs the Pod Identity agent itself.
    const agent = this.autoMode ? undefined : this.cluster.eksPodIdentityAgent;
    if (agent) association.node.addDependency(agent);
    return association;
  }

  /** `${prefix}${id}`, or an error naming the method when a workload of that id exists already. */
  private workloadId(prefix: string, id: string, method: string): string {
    const constructId = `${prefix}${id}`;
    if (this.node.tryFindChild(constructId)) {
      throw new Error(
        `${this.node.path}: ${method}('${id}') was called before with the same id; give each call its own id`,
      );
    }
    return constructId;
  }

  /**
   * The kubectl provider, created on first use: aws-eks-v2's KubectlProvider (a Lambda handler with
   * kubectl and helm, and the custom-resource framework function) in the cluster's private subnets,
   * with a security group of its own that may reach the private API endpoint (HTTPS into the cluster
   * security group), and a cluster-admin access entry for its role.
   */
  private ensureKubectl(): { provider: eks.KubectlProvider; cluster: eks.ICluster; ready: IConstruct[] } {
    if (this.kubectl) return this.kubectl;
    const selected = this.vpc.selectSubnets(this.subnets);
    const securityGroup = new ec2.SecurityGroup(this, 'KubectlSecurityGroup', {
      vpc: this.vpc,
      description: `kubectl provider of the EKS cluster ${this.node.path}: no inbound rule, HTTPS out`,
      allowAllOutbound: false,
    });
    securityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'HTTPS to the Kubernetes API, AWS APIs and Helm chart repositories',
    );
    const toApi = new ec2.CfnSecurityGroupIngress(this, 'KubectlToApi', {
      groupId: this.cluster.clusterSecurityGroupId,
      sourceSecurityGroupId: securityGroup.securityGroupId,
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      description: 'HTTPS from the kubectl provider to the Kubernetes API (private endpoint)',
    });
    const kubectlEndpoints: ServiceEndpointRequirements = {
      scope: this,
      vpc: this.vpc,
      subnets: selected,
      services: KUBECTL_SERVICES,
      // The provider framework answers CloudFormation at a pre-signed S3 URL, on deletion too.
      gateways: [ec2.GatewayVpcEndpointAwsService.S3],
      clients: [securityGroup],
      vpcEndpointsProvided: this.vpcEndpointsProvided,
    };
    const endpoints = ensureEndpointDependencies(kubectlEndpoints);
    const provider = new eks.KubectlProvider(this, 'KubectlProvider', {
      cluster: this.cluster,
      kubectlLayer: this.kubectlLayer ?? new KubectlV36Layer(this, 'KubectlLayer'),
      privateSubnets: selected.subnets,
      securityGroups: [securityGroup],
    });
    provider.node.addDependency(...endpoints);
    hardenKubectlProvider(provider);
    const access = this.cluster.grantClusterAdmin('KubectlProviderAccess', provider.role!.roleArn);
    const cluster = eks.Cluster.fromClusterAttributes(this, 'KubectlCluster', {
      clusterName: this.cluster.clusterName,
      vpc: this.vpc,
      kubectlProvider: provider,
    });
    // The workloads depend on the rule that lets the provider reach the private API endpoint, not only on the
    // provider: otherwise CloudFormation deletes the rule in the same wave as the manifests on `cdk destroy`, the
    // provider cannot reach the API to delete them (its handler logs delete errors and succeeds), and what they
    // made outside the template (a Service's load balancer and its security groups) stays behind and blocks the
    // deletion of the subnets and the VPC.
    this.kubectl = { provider, cluster, ready: [provider, access, toApi, ...this.workloadCapacity] };
    return this.kubectl;
  }

  /**
   * The AWS Load Balancer Controller: a Pod Identity role with the controller's documented policy
   * (a customer managed policy, vendored in private/alb-controller-iam-policy.ts) and its Helm chart.
   * The region and VPC are given to it, since pods cannot read them from the instance metadata
   * service (hop limit 1).
   */
  private addLoadBalancerController(): { role: iam.Role; chart: eks.HelmChart } {
    const role = new iam.Role(this, 'LoadBalancerControllerRole', {
      description: `AWS Load Balancer Controller (kube-system/aws-load-balancer-controller) of the EKS cluster ${this.node.path}, through Pod Identity`,
      assumedBy: new iam.SessionTagsPrincipal(new iam.ServicePrincipal('pods.eks.amazonaws.com')),
    });
    const document = JSON.parse(
      JSON.stringify(ALB_CONTROLLER_IAM_POLICY).replace(/"arn:aws:/g, `"arn:${Aws.PARTITION}:`),
    ) as unknown;
    const policy = new iam.ManagedPolicy(this, 'LoadBalancerControllerPolicy', {
      description: `The IAM policy the AWS Load Balancer Controller ${ALB_CONTROLLER_APP_VERSION} documents (docs/install/iam_policy.json)`,
      document: iam.PolicyDocument.fromJson(document),
      roles: [role],
    });
    acknowledgeControllerPolicy(policy);
    const association = this.addPodIdentity(LB_CONTROLLER_SA.namespace, LB_CONTROLLER_SA.name, role);
    const chart = this.addHelmChart('LoadBalancerController', {
      chart: 'aws-load-balancer-controller',
      repository: 'https://aws.github.io/eks-charts',
      version: ALB_CONTROLLER_CHART_VERSION,
      release: 'aws-load-balancer-controller',
      namespace: LB_CONTROLLER_SA.namespace,
      // Its webhooks must answer before anyone creates a Service or Ingress.
      wait: true,
      values: {
        clusterName: this.cluster.clusterName,
        region: Stack.of(this).region,
        vpcId: this.vpc.vpcId,
        replicaCount: 2,
        serviceAccount: { create: true, name: LB_CONTROLLER_SA.name },
      },
    });
    chart.node.addDependency(association, policy);
    return { role, chart };
  }

  /**
   * The CloudWatch Observability add-on (Container Insights: node, pod and container metrics and
   * logs) with its own Pod Identity role (CloudWatchAgentServerPolicy).
   */
  private addCloudWatchObservability(): iam.Role {
    const role = new iam.Role(this, 'CloudWatchObservabilityRole', {
      description: `The CloudWatch Observability add-on (amazon-cloudwatch/cloudwatch-agent) of the EKS cluster ${this.node.path}, through Pod Identity`,
      assumedBy: new iam.SessionTagsPrincipal(new iam.ServicePrincipal('pods.eks.amazonaws.com')),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('CloudWatchAgentServerPolicy')],
    });
    acknowledgeManagedPolicies(
      role,
      role,
      'the CloudWatch Observability add-on (service account amazon-cloudwatch/cloudwatch-agent)',
    );
    const addon = this.managedAddon('CloudWatchObservabilityAddon', 'amazon-cloudwatch-observability', {
      podIdentity: { serviceAccount: 'cloudwatch-agent', role },
    });
    addon.node.addDependency(...this.workloadCapacity);
    if (!this.autoMode) addon.node.addDependency(this.cluster.eksPodIdentityAgent!);
    return role;
  }

  /** A managed add-on at the version `addonVersions` names (or EKS's default), with a Pod Identity role. */
  private managedAddon(
    id: string,
    addonName: string,
    options: {
      podIdentity?: { serviceAccount: string; role: iam.IRole };
      configurationValues?: Record<string, unknown>;
    } = {},
  ): eks.Addon {
    const addon = new eks.Addon(this, id, {
      cluster: this.cluster,
      addonName,
      addonVersion: this.addonVersions[addonName],
      configurationValues: options.configurationValues,
    });
    if (options.podIdentity) {
      (addon.node.defaultChild as eks.CfnAddon).podIdentityAssociations = [
        { serviceAccount: options.podIdentity.serviceAccount, roleArn: options.podIdentity.role.roleArn },
      ];
    }
    this.addons.push(addon);
    return addon;
  }

  /** The alarms of `EksClusterAlarms`, each notifying the alarm topic. */
  private createAlarms(props: EksClusterProps): EksClusterAlarms {
    const apiThreshold = props.apiServerErrorsAlarmThreshold ?? 10;
    const restartThreshold = props.podRestartsAlarmThreshold ?? 5;
    withConstructPath(this, () => {
      validateIntegerInRange('apiServerErrorsAlarmThreshold', apiThreshold, 1, Number.MAX_SAFE_INTEGER);
      validateIntegerInRange('podRestartsAlarmThreshold', restartThreshold, 1, Number.MAX_SAFE_INTEGER);
    });
    const topic = this.alarmTopic;
    const restarts = new cloudwatch.MathExpression({
      // A Metrics Insights query (a SEARCH expression cannot be alarmed on); the name is known before the cluster exists.
      expression: `SELECT SUM(pod_number_of_container_restarts) FROM SCHEMA(ContainerInsights, ClusterName, Namespace, PodName) WHERE ClusterName = '${this.clusterName}'`,
      usingMetrics: {},
      period: Duration.minutes(5),
      label: 'Container restarts, whole cluster',
    });
    const alarms: EksClusterAlarms = {
      apiServerErrors: notifyingAlarm(this, 'ApiServerErrorsAlarm', this.metricApiServerErrors(), {
        description: `The Kubernetes API server of ${this.node.path} answers with 5xx errors`,
        threshold: apiThreshold,
        topic,
      }),
      nodesNotReady: notifyingAlarm(this, 'NodesNotReadyAlarm', this.metricFailedNodeCount(), {
        description: `A node of ${this.node.path} has not been Ready for 5 minutes`,
        threshold: 1,
        evaluationPeriods: 5,
        topic,
      }),
      podRestarts: notifyingAlarm(this, 'PodRestartsAlarm', restarts, {
        description: `Containers of ${this.node.path} restart (crash loops, OOM kills, failing liveness probes)`,
        threshold: restartThreshold,
        topic,
      }),
    };
    if (this.autoMode) return alarms;
    return {
      ...alarms,
      nodesBelowMinimum: notifyingAlarm(this, 'NodesBelowMinimumAlarm', this.metricNodeCount(), {
        description: `${this.node.path} has fewer nodes than its node groups' minimum sizes together, for 10 minutes`,
        threshold: Lazy.number({ produce: () => this.nodeMinimums.reduce((a, b) => a + b, 0) }),
        evaluationPeriods: 10,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        topic,
      }),
    };
  }

  /**
   * Nodes and Fargate pods use the cluster security group, which EKS creates with the cluster: HTTPS
   * from it into each endpoint. The rules live here, not under the VPC, because the cluster depends
   * on the whole VPC (a rule under it that names the cluster security group would be a cycle).
   */
  private allowHttpsFromClusterTo(endpoints: ec2.InterfaceVpcEndpoint[]): void {
    endpoints.forEach((endpoint, i) => {
      endpoint.connections.securityGroups.forEach((sg, j) => {
        new ec2.CfnSecurityGroupIngress(this, `EndpointHttps${NODE_SERVICES[i].name}${j || ''}`, {
          groupId: sg.securityGroupId,
          sourceSecurityGroupId: this.cluster.clusterSecurityGroupId,
          ipProtocol: 'tcp',
          fromPort: 443,
          toPort: 443,
          description: `HTTPS from the EKS cluster security group (nodes, Fargate pods) to ${NODE_SERVICES[i].service.shortName}`,
        });
      });
    });
  }

  /**
   * The managed node group, its launch template and the managed add-ons it
   * needs, in dependency order: vpc-cni and kube-proxy before the nodes (so they
   * become Ready), coredns after them (its pods need a node to run on).
   */
  private addManagedNodegroup(props: EksClusterProps): {
    nodegroup: eks.Nodegroup;
    launchTemplate: ec2.LaunchTemplate;
    vpcCniRole: iam.Role;
    nodeRole: iam.Role;
    ebsCsiRole: iam.Role;
  } {
    const launchTemplate = new ec2.LaunchTemplate(this, 'NodeLaunchTemplate', {
      // No AMI and no user data: EKS supplies the Amazon Linux 2023 AMI and its bootstrap.
      requireImdsv2: true,
      httpTokens: ec2.LaunchTemplateHttpTokens.REQUIRED,
      httpEndpoint: true,
      httpPutResponseHopLimit: props.allowPodImdsAccess ? 2 : 1,
      detailedMonitoring: true,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(NODE_VOLUME_GIB, {
            encrypted: true,
            volumeType: ec2.EbsDeviceVolumeType.GP3,
            deleteOnTermination: true,
          }),
        },
      ],
    });

    if (props.allowPodImdsAccess) {
      // The user's explicit choice, on the launch template resource only.
      acknowledge(launchTemplate.node.defaultChild!, {
        id: guardRule('ec2_launch_template_token_hop_limit_check'),
        reason:
          'allowPodImdsAccess: true was set: the node launch template sets HttpPutResponseHopLimit 2 so that pods can reach the instance metadata service of their node (and its IAM role). IMDSv2 stays required; without the option the hop limit is 1.',
      });
    }

    const nodeRole = new iam.Role(this, 'NodeRole', {
      description: `Worker nodes of the EKS cluster ${this.node.path}`,
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      managedPolicies: NODE_POLICIES.map((name) => iam.ManagedPolicy.fromAwsManagedPolicyName(name)),
    });
    acknowledgeManagedPolicies(nodeRole, nodeRole, 'EKS worker nodes (kubelet, image pulls)');

    // vpc-cni (aws-node, host network) gets the CNI policy through its own Pod Identity role, not the node role.
    const vpcCniRole = new iam.Role(this, 'VpcCniRole', {
      description: `The vpc-cni add-on (kube-system/aws-node) of the EKS cluster ${this.node.path}, through Pod Identity`,
      assumedBy: new iam.SessionTagsPrincipal(new iam.ServicePrincipal('pods.eks.amazonaws.com')),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonEKS_CNI_Policy')],
    });
    acknowledgeManagedPolicies(vpcCniRole, vpcCniRole, 'the vpc-cni add-on (service account kube-system/aws-node)');
    const podIdentityAgent = this.cluster.eksPodIdentityAgent!;
    const agentVersion = this.addonVersions['eks-pod-identity-agent'];
    if (agentVersion) (podIdentityAgent.node.defaultChild as eks.CfnAddon).addonVersion = agentVersion;
    const vpcCni = this.managedAddon('VpcCniAddon', 'vpc-cni', {
      podIdentity: { serviceAccount: 'aws-node', role: vpcCniRole },
    });
    // The agent hands aws-node its credentials, so it is installed first.
    vpcCni.node.addDependency(podIdentityAgent);
    const kubeProxy = this.managedAddon('KubeProxyAddon', 'kube-proxy');
    // Every node group: the same launch template and role, after vpc-cni, kube-proxy and the endpoints.
    this.nodeBase = { launchTemplate, nodeRole, dependencies: [vpcCni, kubeProxy, ...this.nodeDependencies] };

    const nodegroup = this.createNodegroup('Nodegroup', '', {
      instanceTypes: props.nodeInstanceTypes,
      spotInstances: props.spotInstances,
      minCapacity: props.minCapacity,
      maxCapacity: props.maxCapacity,
      desiredCapacity: props.desiredCapacity,
    });
    const coreDns = this.managedAddon('CoreDnsAddon', 'coredns');
    coreDns.node.addDependency(nodegroup);
    this.addons.push(podIdentityAgent);
    this.workloadCapacity.push(nodegroup, coreDns);

    // The EBS CSI driver, with an encrypted gp3 StorageClass as the cluster default, set through the
    // add-on's configuration (no manifest, so no kubectl provider). encrypted: "true" without a key
    // uses the account's EBS default key (aws/ebs unless the account set a customer managed one).
    const ebsCsiRole = new iam.Role(this, 'EbsCsiRole', {
      description: `The EBS CSI driver add-on (kube-system/ebs-csi-controller-sa) of the EKS cluster ${this.node.path}, through Pod Identity`,
      assumedBy: new iam.SessionTagsPrincipal(new iam.ServicePrincipal('pods.eks.amazonaws.com')),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonEBSCSIDriverPolicy')],
    });
    acknowledgeManagedPolicies(
      ebsCsiRole,
      ebsCsiRole,
      'the EBS CSI driver add-on (service account kube-system/ebs-csi-controller-sa)',
    );
    const ebsCsi = this.managedAddon('EbsCsiAddon', 'aws-ebs-csi-driver', {
      podIdentity: { serviceAccount: 'ebs-csi-controller-sa', role: ebsCsiRole },
      configurationValues: {
        storageClasses: [
          {
            name: EKS_DEFAULT_STORAGE_CLASS,
            annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
            volumeBindingMode: 'WaitForFirstConsumer',
            allowVolumeExpansion: true,
            reclaimPolicy: 'Delete',
            parameters: { type: 'gp3', encrypted: 'true' },
          },
        ],
      },
    });
    ebsCsi.node.addDependency(podIdentityAgent, nodegroup);

    return { nodegroup, launchTemplate, vpcCniRole, nodeRole, ebsCsiRole };
  }

  /**
   * A managed node group on the shared hardened launch template and node role. `prefix` names the options
   * in messages: `''` gives `minCapacity` (the props), `addNodegroup('Gpu') ` gives `addNodegroup('Gpu') minCapacity`.
   * The props' default group needs a node (`minCapacity` 1 or more); an added group may scale from zero.
   */
  private createNodegroup(constructId: string, prefix: string, options: EksNodegroupOptions): eks.Nodegroup {
    const base = this.nodeBase!;
    // The props name the default group's instance types nodeInstanceTypes (its capacity: minCapacity...).
    const name = (opt: string) => (prefix === '' && opt === 'instanceTypes' ? 'nodeInstanceTypes' : `${prefix}${opt}`);
    const spot = options.spotInstances ?? false;
    const minCapacity = options.minCapacity ?? 2;
    const maxCapacity = options.maxCapacity ?? Math.max(4, minCapacity);
    const desiredCapacity = options.desiredCapacity ?? minCapacity;
    // Errors name this cluster's construct path: a user with several clusters must know which one is wrong.
    withConstructPath(this, () => {
      if (prefix === '' && !Token.isUnresolved(minCapacity) && !(Number.isInteger(minCapacity) && minCapacity >= 1)) {
        throw new Error(
          `minCapacity must be a positive integer (the default node group runs CoreDNS and the add-ons; 2 or more for a highly available cluster); received ${minCapacity}`,
        );
      }
      validateIntegerInRange(name('minCapacity'), minCapacity, 0, MAX_NODES);
      validateIntegerInRange(name('maxCapacity'), maxCapacity, 1, MAX_NODES);
      validateIntegerInRange(name('desiredCapacity'), desiredCapacity, 0, MAX_NODES);
      validateOrder(name('minCapacity'), minCapacity, name('maxCapacity'), maxCapacity);
      validateWithin(
        name('desiredCapacity'),
        desiredCapacity,
        name('minCapacity'),
        minCapacity,
        name('maxCapacity'),
        maxCapacity,
      );
    });
    if (!Token.isUnresolved(minCapacity) && minCapacity < 2) {
      Annotations.of(this).addWarningV2(
        'cdk-compute-patterns:singleInstance',
        `${name('minCapacity')} is ${minCapacity}: with fewer than two nodes, losing one node or Availability Zone leaves pods nowhere to run; use 2 or more in production`,
      );
    }
    const instanceTypes = options.instanceTypes ?? defaultInstanceTypes(spot);
    const amiType = withConstructPath(this, () =>
      amiTypeFor(name('instanceTypes'), instanceTypes, options.gpu ?? false),
    );
    const nodegroup = new eks.Nodegroup(this, constructId, {
      cluster: this.cluster,
      nodeRole: base.nodeRole,
      subnets: this.subnets,
      amiType,
      instanceTypes,
      capacityType: spot ? eks.CapacityType.SPOT : eks.CapacityType.ON_DEMAND,
      minSize: minCapacity,
      maxSize: maxCapacity,
      desiredSize: desiredCapacity,
      labels: options.labels,
      taints: options.taints,
      launchTemplateSpec: {
        id: base.launchTemplate.launchTemplateId!,
        version: base.launchTemplate.latestVersionNumber,
      },
    });
    // Node groups run the control plane's version: changing `version` upgrades them after the control plane.
    const cfn = nodegroup.node.defaultChild as eks.CfnNodegroup;
    cfn.version = this.version.version;
    if (this.nodeReleaseVersion) cfn.releaseVersion = this.nodeReleaseVersion;
    nodegroup.node.addDependency(...base.dependencies);
    this.nodeMinimums.push(minCapacity);
    return nodegroup;
  }
}

/** Throws on an add-on name the construct does not install; returns the map. */
function validateAddonVersions(
  scope: IConstruct,
  versions: { [addonName: string]: string },
): { [addonName: string]: string } {
  for (const name of Object.keys(versions)) {
    if (!ADDON_NAMES.includes(name)) {
      throw new Error(
        `${scope.node.path}: addonVersions names '${name}', which is not an add-on this construct installs; expected one of ${ADDON_NAMES.join(', ')}`,
      );
    }
  }
  return versions;
}

/** Throws when node group props are combined with Auto Mode. */
function validateAutoModeExclusions(props: EksClusterProps): void {
  if (!props.autoMode) return;
  const nodeProps: [string, unknown][] = [
    ['nodeInstanceTypes', props.nodeInstanceTypes],
    ['minCapacity', props.minCapacity],
    ['maxCapacity', props.maxCapacity],
    ['desiredCapacity', props.desiredCapacity],
    ['spotInstances', props.spotInstances],
    ['allowPodImdsAccess', props.allowPodImdsAccess],
  ];
  for (const [name, value] of nodeProps) {
    validateExclusive(
      'autoMode',
      true,
      name,
      value === false ? undefined : value,
      `EKS Auto Mode chooses and scales its nodes itself, ${name} configures the managed node group; remove one of them`,
    );
  }
}

/** Throws when the selection includes public subnets: nodes and Fargate pods get no public IP addresses. */
function validatePrivate(vpc: ec2.IVpc, selected: ec2.SelectedSubnets): void {
  const publicIds = new Set(vpc.publicSubnets.map((s) => s.subnetId));
  const publicSelected = selected.subnets.filter((s) => publicIds.has(s.subnetId));
  if (publicSelected.length > 0) {
    throw new Error(
      `EksCluster subnets must be private, since worker nodes, Fargate pods and the control-plane network interfaces get no public IP addresses; the selection includes public subnets (${publicSelected.map((s) => s.node.path).join(', ')}). Select PRIVATE_WITH_EGRESS or PRIVATE_ISOLATED subnets`,
    );
  }
}

/** Private endpoint unless CIDRs are given; then public-and-private from exactly those CIDRs. */
function endpointAccessFor(props: EksClusterProps): eks.EndpointAccess {
  const cidrs = props.publicEndpointCidrs;
  if (cidrs === undefined) return eks.EndpointAccess.PRIVATE;
  if (cidrs.length === 0) {
    throw new Error(
      'publicEndpointCidrs must list at least one IPv4 CIDR block such as 203.0.113.0/24; received an empty list. Omit publicEndpointCidrs to keep the API endpoint private',
    );
  }
  validateCidrs('publicEndpointCidrs', cidrs);
  const anywhere = cidrs.find((c) => !Token.isUnresolved(c) && c.endsWith('/0'));
  if (anywhere && !props.allowPublicEndpointFromAnywhere) {
    throw new Error(
      `publicEndpointCidrs contains '${anywhere}', which opens the Kubernetes API endpoint to the whole internet; list the CIDR blocks of your networks instead, or set allowPublicEndpointFromAnywhere: true to accept that`,
    );
  }
  return eks.EndpointAccess.PUBLIC_AND_PRIVATE.onlyFrom(...cidrs);
}

/** The admin ARNs, validated and checked for duplicates (EKS allows one access entry per principal). */
function validateAdmins(arns: string[] | undefined): string[] {
  const seen = new Set<string>();
  for (const arn of arns ?? []) {
    validatePrincipalArn('adminPrincipalArns', arn);
    if (seen.has(arn)) {
      throw new Error(
        `adminPrincipalArns lists '${arn}' more than once; EKS allows one access entry per principal, so list each ARN once`,
      );
    }
    seen.add(arn);
  }
  return arns ?? [];
}

/** A construct id for the access entry of `arn` that stays stable when the list is reordered. */
/**
 * The construct id (under the eks.Cluster) of a principal's access entry, admin or namespace-scoped alike: derived
 * from the ARN, so neither reordering the lists nor moving a principal between them replaces its entry. The prefix
 * is the one the admin entries had since 0.1.0, kept so that deployed entries are not replaced.
 */
function accessEntryId(arn: string, index: number): string {
  const prefix = 'ClusterAdmin';
  if (Token.isUnresolved(arn)) return `${prefix}${index}`;
  return `${prefix}${createHash('sha256').update(arn).digest('hex').slice(0, 8)}`;
}

/**
 * An AMI release version belongs to one Kubernetes minor version (`1.37.0-20261115` to 1.37). A release of another
 * version would be refused by the node group update after the control plane (which cannot go back) was upgraded.
 */
function validateNodeReleaseVersion(version: string, release: string | undefined): void {
  if (release === undefined || Token.isUnresolved(release) || Token.isUnresolved(version)) return;
  if (!release.startsWith(`${version}.`)) {
    throw new Error(
      `nodeReleaseVersion must be an AMI release of the cluster's Kubernetes version ${version} (e.g. '${version}.0-20261115'); received '${release}'. When you change version, change nodeReleaseVersion with it, or remove it to get the latest release of the new version`,
    );
  }
}

function validateFargateNamespaces(what: string, namespaces: string[]): void {
  if (namespaces.length < 1 || namespaces.length > MAX_FARGATE_SELECTORS) {
    throw new Error(
      `${what} must list between 1 and ${MAX_FARGATE_SELECTORS} Kubernetes namespaces (a Fargate profile holds at most ${MAX_FARGATE_SELECTORS} selectors); received ${namespaces.length}. Use another profile for more`,
    );
  }
  for (const ns of namespaces) validateNamespaceSelector(what, ns);
}

function defaultInstanceTypes(spot: boolean): ec2.InstanceType[] {
  const large = (cls: ec2.InstanceClass) => ec2.InstanceType.of(cls, ec2.InstanceSize.LARGE);
  return spot
    ? [large(ec2.InstanceClass.M7I), large(ec2.InstanceClass.M6I), large(ec2.InstanceClass.M5)]
    : [large(ec2.InstanceClass.M7I)];
}

/** The Amazon Linux 2023 AMI type for the instance types' CPU architecture (NVIDIA variant for `gpu`). */
function amiTypeFor(what: string, instanceTypes: ec2.InstanceType[], gpu: boolean): eks.NodegroupAmiType {
  if (instanceTypes.length === 0) {
    throw new Error(`${what} must list at least one instance type such as m7i.large; received an empty list`);
  }
  const archs = new Set(instanceTypes.map((t) => t.architecture));
  if (archs.size > 1) {
    throw new Error(
      `${what} must all have one CPU architecture, since a node group runs one AMI; received ${instanceTypes.map((t) => `${t} (${t.architecture})`).join(', ')}`,
    );
  }
  const arm = archs.has(ec2.InstanceArchitecture.ARM_64);
  if (gpu) return arm ? eks.NodegroupAmiType.AL2023_ARM_64_NVIDIA : eks.NodegroupAmiType.AL2023_X86_64_NVIDIA;
  return arm ? eks.NodegroupAmiType.AL2023_ARM_64_STANDARD : eks.NodegroupAmiType.AL2023_X86_64_STANDARD;
}

/** Why each AWS managed policy an EKS role carries is acceptable, for the auditor reading the report. */
const MANAGED_POLICY_REASONS: Record<string, string> = {
  AmazonEKSClusterPolicy:
    "the service role policy EKS requires for the control plane to manage network interfaces and security groups on the cluster's behalf",
  AmazonEKSWorkerNodePolicy: 'the policy EKS requires for the kubelet to describe the cluster and join it as a node',
  AmazonEKSWorkerNodeMinimalPolicy: 'the minimal policy EKS Auto Mode requires for its nodes to join the cluster',
  AmazonEKS_CNI_Policy:
    'the policy the VPC CNI plugin requires to attach network interfaces and assign pod IP addresses; the role trusts only EKS Pod Identity (pods.eks.amazonaws.com) and is associated with the service account kube-system/aws-node alone, so no node and no other pod holds it',
  AmazonEC2ContainerRegistryPullOnly: 'the narrowest ECR policy AWS offers: pulling images, nothing else',
  'service-role/AmazonEBSCSIDriverPolicy':
    'the policy the EBS CSI driver documentation prescribes for creating, attaching, snapshotting and deleting EBS volumes (creation and deletion are conditioned on the tags the driver sets); the role trusts only EKS Pod Identity and is associated with kube-system/ebs-csi-controller-sa alone',
  CloudWatchAgentServerPolicy:
    'the policy the CloudWatch agent documentation prescribes for sending metrics and logs; the role trusts only EKS Pod Identity and is associated with amazon-cloudwatch/cloudwatch-agent alone',
  AmazonEC2ContainerRegistryReadOnly: 'read-only ECR access, which aws-eks-v2 gives EKS Auto Mode nodes to pull images',
  AmazonEKSFargatePodExecutionRolePolicy: 'the policy EKS requires for Fargate to pull container images for pods',
  AmazonEKSComputePolicy: 'a policy EKS Auto Mode requires on the cluster role to launch and terminate its nodes',
  AmazonEKSBlockStoragePolicy: 'a policy EKS Auto Mode requires on the cluster role to manage EBS volumes for pods',
  AmazonEKSLoadBalancingPolicy:
    'a policy EKS Auto Mode requires on the cluster role to manage load balancers for services',
  AmazonEKSNetworkingPolicy: 'a policy EKS Auto Mode requires on the cluster role to manage pod networking',
};

/**
 * Acknowledges AwsSolutions-IAM4 for each AWS managed policy attached to
 * `role`, on `scope`: these are the policies the Amazon EKS documentation
 * prescribes for the role, and AWS keeps them current with the service.
 */
function acknowledgeManagedPolicies(role: iam.IRole, scope: Construct, what: string): void {
  if (!(role instanceof iam.Role)) return;
  const arns = Stack.of(role).resolve((role.node.defaultChild as iam.CfnRole).managedPolicyArns ?? []) as unknown[];
  const names = arns
    .map((arn) => /:iam::aws:policy\/(.+)$/.exec(flattenArn(arn))?.[1])
    .filter((n): n is string => n !== undefined);
  for (const name of names) {
    const why = MANAGED_POLICY_REASONS[name] ?? 'a policy the Amazon EKS documentation prescribes for this role';
    acknowledge(scope, {
      id: managedPolicyFinding(name),
      reason: `${name} on the role of ${what} is ${why}. AWS maintains it as the service evolves; a hand-written copy would drift.`,
    });
  }
}

/** A resolved ARN (string or Fn::Join) as one string. */
function flattenArn(arn: unknown): string {
  if (typeof arn === 'string') return arn;
  const join = (arn as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  return join ? join[1].map((p) => (typeof p === 'string' ? p : '')).join(join[0]) : '';
}

/**
 * Compliance settings and acknowledgements of aws-eks-v2's kubectl provider: its two Lambda functions
 * (the kubectl handler and the custom-resource framework's onEvent function) log to log groups
 * encrypted with the stack's log key; each remaining finding is acknowledged on the one resource it is
 * about, with the reason it holds.
 */
function hardenKubectlProvider(provider: eks.KubectlProvider): void {
  const handler = provider.node.findChild('Handler') as lambda.Function;
  const onEvent = provider.node.findChild('Provider').node.findChild('framework-onEvent') as lambda.Function;
  const key = logEncryptionKey(provider);
  for (const fn of [handler, onEvent]) {
    const logGroup = fn.node.tryFindChild('LogGroup')?.node.defaultChild as logs.CfnLogGroup | undefined;
    if (logGroup) {
      logGroup.kmsKeyId = key.keyArn;
      logGroup.node.addDependency(key);
    }
    const cfn = fn.node.defaultChild as lambda.CfnFunction;
    acknowledge(
      fn,
      ...inEveryCompliancePack(
        'LambdaConcurrency',
        'No concurrency is reserved: Lambda keeps a minimum pool of unreserved concurrency per account, so on new accounts whose concurrency quota is 10 any reservation fails to deploy. The function runs only when CloudFormation creates, updates or deletes a Kubernetes resource of this stack, one at a time per resource.',
        ['NIST.800.53.R5', 'HIPAA.Security'],
      ),
      { id: 'Serverless-LambdaDLQ', reason: DLQ_REASON },
      ...inEveryCompliancePack('LambdaDLQ', DLQ_REASON, ['NIST.800.53.R5', 'HIPAA.Security']),
      {
        id: 'Serverless-LambdaTracing',
        reason:
          'The function runs kubectl and helm against the Kubernetes API during deployments only; its encrypted log group records each command and its result, and the Kubernetes audit log (a control-plane log type this construct turns on) records each API request. Tracing would show one AWS call, eks:DescribeCluster.',
      },
    );
    if (cfn.memorySize === undefined) {
      // The framework function only relays one CloudFormation event to the kubectl handler: Lambda's 128 MB, stated.
      cfn.memorySize = 128;
    }
    acknowledgeInlinePolicy(fn);
  }
  const runtime = (handler.node.defaultChild as lambda.CfnFunction).runtime;
  const runtimeReason = `The kubectl handler is aws-cdk-lib's Python code, run on the Python runtime aws-cdk-lib chooses for it (${runtime}, a runtime Lambda supports); it moves to a newer one with aws-cdk-lib upgrades, as that code is tested with it.`;
  acknowledge(
    handler,
    { id: 'AwsSolutions-L1', reason: runtimeReason },
    { id: 'Serverless-LambdaLatestVersion', reason: runtimeReason },
  );
  const handlerRole = handler.role as iam.Role;
  const basic =
    'AWSLambdaBasicExecutionRole is the AWS-maintained policy Lambda documents for writing function logs (logs:CreateLogGroup, logs:CreateLogStream, logs:PutLogEvents).';
  const vpcAccess =
    'AWSLambdaVPCAccessExecutionRole is the AWS-maintained policy Lambda documents for a function in a VPC: its network interfaces (ec2:CreateNetworkInterface, DescribeNetworkInterfaces, DescribeSubnets, DeleteNetworkInterface, AssignPrivateIpAddresses, UnassignPrivateIpAddresses) and the log writes of AWSLambdaBasicExecutionRole, on *; the function runs in the private subnets to reach the private API endpoint.';
  for (const fn of [handler, onEvent]) {
    acknowledge(
      fn.role!,
      { id: managedPolicyFinding('service-role/AWSLambdaBasicExecutionRole'), reason: basic },
      { id: managedPolicyFinding('service-role/AWSLambdaVPCAccessExecutionRole'), reason: vpcAccess },
    );
  }
  acknowledge(handlerRole, {
    id: managedPolicyFinding('AmazonEC2ContainerRegistryReadOnly'),
    reason:
      "AmazonEC2ContainerRegistryReadOnly is attached by aws-eks-v2's kubectl provider so helm can pull charts stored as OCI artifacts in this account's ECR repositories; it reads, never writes.",
  });
  const arns = Stack.of(handlerRole).resolve(
    (handlerRole.node.defaultChild as iam.CfnRole).managedPolicyArns ?? [],
  ) as unknown[];
  for (const arn of arns) {
    if (typeof arn === 'object' && arn !== null && 'Fn::If' in arn) {
      acknowledge(handlerRole, {
        id: `AwsSolutions-IAM4[Policy::${JSON.stringify(arn)}]`,
        reason:
          "AmazonElasticContainerRegistryPublicReadOnly is attached by aws-eks-v2's kubectl provider in the aws partition only (a CloudFormation condition), so helm can pull public charts from ECR Public; it reads, never writes.",
      });
    }
  }
  const invokeScope = onEvent.role!.node.tryFindChild('DefaultPolicy')?.node.defaultChild;
  if (invokeScope) {
    acknowledge(invokeScope, {
      id: wildcardResourceFinding(onEvent, `${handler.functionArn}:*`),
      reason:
        'The custom-resource framework function may invoke the kubectl handler function and its versions and aliases (lambda:InvokeFunction on the handler ARN and <handler ARN>:*), nothing else.',
    });
  }
}

const DLQ_REASON =
  'The custom-resource framework reports every failure back to CloudFormation, which rolls the deployment back and shows the error in the stack events; a queue of failed events would hold nothing the stack events do not.';

/** Acknowledges IAMNoInlinePolicy on the DefaultPolicy aws-cdk-lib gave the role of `fn`, naming what it holds. */
function acknowledgeInlinePolicy(fn: lambda.Function): void {
  const policy = fn.role!.node.tryFindChild('DefaultPolicy')?.node.defaultChild as iam.CfnPolicy | undefined;
  if (!policy) return;
  const resolved = Stack.of(fn).resolve(policy.policyDocument) as { Statement: { Action: string | string[] }[] };
  const actions = [...new Set(resolved.Statement.flatMap((st) => [st.Action].flat()))].sort();
  acknowledge(
    policy,
    ...inEveryCompliancePack(
      'IAMNoInlinePolicy',
      `aws-cdk-lib writes this function's own permissions (${actions.join(', ')}) as an inline policy of its role; it belongs to that role alone and cannot be attached anywhere else.`,
    ),
  );
}

/** Acknowledges the wildcard resources of the AWS Load Balancer Controller's documented policy. */
function acknowledgeControllerPolicy(policy: iam.ManagedPolicy): void {
  const doc = Stack.of(policy).resolve(policy.document) as { Statement: { Resource: unknown }[] };
  const resources = new Set<string>();
  for (const st of doc.Statement) {
    for (const r of [st.Resource].flat()) resources.add(wildcardResourceFinding(policy, r as string));
  }
  for (const id of resources) {
    acknowledge(policy, {
      id,
      reason:
        "The AWS Load Balancer Controller's documented IAM policy (v3.5.0, vendored unchanged): it creates security groups, load balancers, target groups, listeners and rules whose names and ARNs do not exist before it does, so creation and tagging are scoped by the elbv2.k8s.aws/cluster request tag and changes and deletion by the same resource tag; Describe actions have no resource-level permissions.",
    });
  }
}
