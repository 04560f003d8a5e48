import { CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { IConstruct } from 'constructs';
import { EksCluster, EksClusterProps } from '../../lib';
import { ALB_CONTROLLER_IAM_POLICY } from '../../lib/eks/private/alb-controller-iam-policy';
import { agnosticStack, specificStack, testApp } from '../support/cdk-context';
import { probeScope, userWildcardStatement } from '../support/scope-probe';
import { once } from '../support/shared';

const ADMIN = 'arn:aws:iam::123456789012:role/Admin';

function build(props: EksClusterProps = {}, stack: Stack = agnosticStack()): { stack: Stack; eks: EksCluster } {
  return { stack, eks: new EksCluster(stack, 'Eks', { adminPrincipalArns: [ADMIN], ...props }) };
}

function logicalId(construct: IConstruct): string {
  const child = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(construct).getLogicalId(child);
}

const NGINX_NAMESPACE = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web' } };

const KINDS: [string, () => Stack][] = [
  ['environment-agnostic', () => agnosticStack()],
  ['environment-specific', () => specificStack()],
];

/** The cluster with every default, synthesized once per kind of stack and read by the tests that only read it. */
const DEFAULT_CLUSTER = new Map(
  KINDS.map(([kind, makeStack]) => [
    kind,
    once(() => {
      const built = build({}, makeStack());
      return { ...built, template: Template.fromStack(built.stack) };
    }),
  ]),
);
const defaultCluster = (kind: string) => DEFAULT_CLUSTER.get(kind)!();

describe.each(KINDS)('EksCluster workloads (%s stack)', (kind, makeStack) => {
  test('a cluster with no workloads has no kubectl provider: no Lambda function, no custom resource', () => {
    // GIVEN a cluster with every default
    const { eks: cluster, template } = defaultCluster(kind);
    // THEN nothing runs kubectl
    template.resourceCountIs('AWS::Lambda::Function', 0);
    template.resourceCountIs('Custom::AWSCDK-EKS-KubernetesResource', 0);
    expect(cluster.kubectlProvider).toBeUndefined();
    expect(cluster.node.tryFindChild('KubectlSecurityGroup')).toBeUndefined();
  });

  test('addManifest applies the objects through a kubectl provider in the private subnets, reaching the private endpoint', () => {
    // GIVEN a cluster
    const { stack, eks: cluster } = build({}, makeStack());
    // WHEN a manifest is added
    const manifest = cluster.addManifest('Namespace', NGINX_NAMESPACE);
    const template = Template.fromStack(stack);
    // THEN the custom resource carries the manifest for this cluster
    template.hasResourceProperties('Custom::AWSCDK-EKS-KubernetesResource', {
      Manifest: JSON.stringify([NGINX_NAMESPACE]),
      ClusterName: { Ref: logicalId(cluster.cluster) },
    });
    // AND the kubectl handler runs in the cluster's private subnets with its own security group
    const privateSubnets = cluster.vpc.privateSubnets.map((s) => ({ Ref: logicalId(s) }));
    const sg = cluster.node.findChild('KubectlSecurityGroup') as ec2.SecurityGroup;
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'onEvent handler for EKS kubectl resource provider',
      VpcConfig: {
        SubnetIds: privateSubnets,
        SecurityGroupIds: [{ 'Fn::GetAtt': [logicalId(sg), 'GroupId'] }],
      },
    });
    // AND that security group may open HTTPS to the cluster security group (the private endpoint), and HTTPS out only
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [logicalId(cluster.cluster), 'ClusterSecurityGroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [logicalId(sg), 'GroupId'] },
      IpProtocol: 'tcp',
      FromPort: 443,
      ToPort: 443,
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('kubectl provider'),
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443 })],
    });
    // AND the handler role is a cluster admin through an access entry
    const handlerRole = cluster.kubectlProvider!.role!;
    template.hasResourceProperties('AWS::EKS::AccessEntry', {
      PrincipalArn: { 'Fn::GetAtt': [logicalId(handlerRole), 'Arn'] },
      AccessPolicies: [
        Match.objectLike({
          AccessScope: { Type: 'cluster' },
          PolicyArn: Match.objectLike({
            'Fn::Join': ['', Match.arrayWith([':eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy'])],
          }),
        }),
      ],
    });
    // AND the manifest waits for that access entry, the rule into the API, the nodes and coredns (and is deleted
    // before them: deleted beside it, the rule would go first and the handler could not reach the API to delete it)
    const deps = template.toJSON().Resources[logicalId(manifest)].DependsOn as string[];
    const accessEntry = cluster.cluster.node.findChild('KubectlProviderAccess');
    expect(deps).toEqual(
      expect.arrayContaining([
        logicalId(accessEntry),
        logicalId(cluster.node.findChild('KubectlToApi')),
        logicalId(cluster.nodegroup!),
        logicalId(cluster.node.findChild('CoreDnsAddon')),
      ]),
    );
  });

  test('one kubectl provider serves every workload', () => {
    const { stack, eks: cluster } = build({}, makeStack());
    cluster.addManifest('Namespace', NGINX_NAMESPACE);
    cluster.addHelmChart('Metrics', {
      chart: 'metrics-server',
      repository: 'https://kubernetes-sigs.github.io/metrics-server/',
      version: '3.12.2',
      namespace: 'kube-system',
    });
    cluster.addServiceAccount('App', { name: 'app', namespace: 'web' });
    const template = Template.fromStack(stack);
    // The kubectl handler and the custom-resource framework function, once.
    template.resourceCountIs('AWS::Lambda::Function', 2);
    template.resourceCountIs('Custom::AWSCDK-EKS-KubernetesResource', 2);
    template.resourceCountIs('Custom::AWSCDK-EKS-HelmChart', 1);
  });

  test('addHelmChart installs the chart through the kubectl provider', () => {
    const { stack, eks: cluster } = build({}, makeStack());
    cluster.addHelmChart('Metrics', {
      chart: 'metrics-server',
      repository: 'https://kubernetes-sigs.github.io/metrics-server/',
      version: '3.12.2',
      namespace: 'kube-system',
    });
    Template.fromStack(stack).hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', {
      Chart: 'metrics-server',
      Repository: 'https://kubernetes-sigs.github.io/metrics-server/',
      Version: '3.12.2',
      Namespace: 'kube-system',
      ClusterName: { Ref: logicalId(cluster.cluster) },
    });
  });

  test('addServiceAccount creates the service account and gives it a role through Pod Identity', () => {
    const { stack, eks: cluster } = build({}, makeStack());
    const sa = cluster.addServiceAccount('App', { name: 'app', namespace: 'web' });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('Custom::AWSCDK-EKS-KubernetesResource', {
      Manifest: Match.serializedJson([
        Match.objectLike({ kind: 'ServiceAccount', metadata: Match.objectLike({ name: 'app', namespace: 'web' }) }),
      ]),
    });
    template.hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
      Namespace: 'web',
      ServiceAccount: 'app',
      RoleArn: { 'Fn::GetAtt': [logicalId(sa.role), 'Arn'] },
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: Match.absent(),
      AssumeRolePolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['sts:AssumeRole', 'sts:TagSession'],
            Principal: { Service: 'pods.eks.amazonaws.com' },
          }),
        ]),
      },
      Description: Match.stringLikeRegexp('web/app'),
    });
    expect(sa.serviceAccountName).toBe('app');
    expect(sa.serviceAccountNamespace).toBe('web');
  });

  test('workloads work in EKS Auto Mode too', () => {
    const { stack, eks: cluster } = build({ autoMode: true }, makeStack());
    cluster.addManifest('Namespace', NGINX_NAMESPACE);
    Template.fromStack(stack).resourceCountIs('Custom::AWSCDK-EKS-KubernetesResource', 1);
  });
});

describe('EksCluster workloads in subnets without egress', () => {
  test('adds the Lambda and EKS interface endpoints the kubectl provider calls', () => {
    // GIVEN a cluster in an isolated-only VPC
    const stack = agnosticStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'Private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    });
    const { eks: cluster } = build({ vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } }, stack);
    // WHEN a manifest is added
    cluster.addManifest('Namespace', NGINX_NAMESPACE);
    // THEN the Lambda and EKS endpoints exist
    const template = Template.fromStack(stack);
    for (const service of ['lambda', 'eks']) {
      template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, `.${service}`]] },
        VpcEndpointType: 'Interface',
      });
    }
    // AND the provider's functions depend on the S3 gateway endpoint, through which the framework answers
    // CloudFormation (on stack deletion too: nothing else depends on it, so it could otherwise go first), and so
    // do the node group's nodes, which pull image layers through it
    const gateways = Object.keys(
      template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Gateway' } }),
    );
    expect(gateways).toHaveLength(1);
    const resources = template.toJSON().Resources as Record<string, { Type: string; DependsOn?: string[] }>;
    const dependents = Object.entries(resources)
      .filter(([, r]) => (r.DependsOn ?? []).includes(gateways[0]))
      .map(([, r]) => r.Type);
    expect(dependents.filter((t) => t === 'AWS::Lambda::Function')).toHaveLength(2);
    expect(dependents).toContain('AWS::EKS::Nodegroup');
  });
});

describe('EksCluster workload validation', () => {
  test('fails when the load balancer controller is asked for in subnets without egress', () => {
    // GIVEN an isolated-only VPC
    const stack = agnosticStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'Private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    });
    // THEN the controller, whose chart and AWS APIs need egress, is refused
    expect(() =>
      build({ vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }, loadBalancerController: true }, stack),
    ).toThrow(
      /^Agnostic\/Eks: loadBalancerController needs cluster subnets with egress \(NAT\): .*https:\/\/aws\.github\.io\/eks-charts.*PRIVATE_ISOLATED/,
    );
  });

  test('fails when addManifest is called twice with the same id', () => {
    const { eks: cluster } = build();
    cluster.addManifest('Namespace', NGINX_NAMESPACE);
    expect(() => cluster.addManifest('Namespace', NGINX_NAMESPACE)).toThrow(
      "Agnostic/Eks: addManifest('Namespace') was called before with the same id; give each call its own id",
    );
  });

  test('fails when addServiceAccount is given an invalid name', () => {
    const { eks: cluster } = build();
    expect(() => cluster.addServiceAccount('Bad', { name: 'Bad_Name' })).toThrow(/addServiceAccount\('Bad'\) name/);
  });
});

describe.each(KINDS)('EksCluster AWS Load Balancer Controller (%s stack)', (kind, makeStack) => {
  test('is not installed by default', () => {
    const { eks: cluster, template } = defaultCluster(kind);
    template.resourceCountIs('Custom::AWSCDK-EKS-HelmChart', 0);
    expect(cluster.loadBalancerController).toBeUndefined();
  });

  test('installs the chart with a Pod Identity role carrying the documented policy', () => {
    // GIVEN a cluster with the controller
    const { stack, eks: cluster } = build({ loadBalancerController: true }, makeStack());
    const template = Template.fromStack(stack);
    // THEN the chart is installed in kube-system, waiting for its webhooks, knowing region and VPC
    template.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', {
      Chart: 'aws-load-balancer-controller',
      Repository: 'https://aws.github.io/eks-charts',
      Version: '3.5.0',
      Namespace: 'kube-system',
      Wait: true,
    });
    const chart = template.findResources('Custom::AWSCDK-EKS-HelmChart');
    const values = Object.values(chart)[0].Properties.Values as unknown;
    const rendered = JSON.stringify(stack.resolve(values));
    expect(rendered).toContain(
      '\\"serviceAccount\\":{\\"create\\":true,\\"name\\":\\"aws-load-balancer-controller\\"}',
    );
    expect(rendered).toContain(logicalId(cluster.vpc));
    expect(rendered).toContain('region');
    // AND its service account gets the controller role through Pod Identity
    const role = cluster.loadBalancerControllerRole!;
    template.hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
      Namespace: 'kube-system',
      ServiceAccount: 'aws-load-balancer-controller',
      RoleArn: { 'Fn::GetAtt': [logicalId(role), 'Arn'] },
    });
    // AND the role holds the documented policy as a customer managed policy: every action of it
    const documented = ALB_CONTROLLER_IAM_POLICY.Statement.flatMap((s) => [s.Action].flat()).sort();
    const policies = template.findResources('AWS::IAM::ManagedPolicy', {
      Properties: { Roles: [{ Ref: logicalId(role) }] },
    });
    const statements = Object.values(policies).flatMap(
      (p) => (p.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement,
    );
    expect(statements.flatMap((s) => [s.Action].flat()).sort()).toEqual(documented);
    expect(documented).toEqual(
      expect.arrayContaining(['elasticloadbalancing:CreateLoadBalancer', 'ec2:CreateSecurityGroup']),
    );
  });
});

describe.each(KINDS)('EksCluster add-ons (%s stack)', (kind) => {
  const { eks: cluster, template } = defaultCluster(kind);

  test('installs the Pod Identity agent, which the add-on roles rely on', () => {
    template.hasResourceProperties('AWS::EKS::Addon', { AddonName: 'eks-pod-identity-agent' });
  });

  test('installs the EBS CSI driver with its own Pod Identity role and an encrypted default StorageClass', () => {
    const role = cluster.ebsCsiRole!;
    template.hasResourceProperties('AWS::EKS::Addon', {
      AddonName: 'aws-ebs-csi-driver',
      PodIdentityAssociations: [
        { ServiceAccount: 'ebs-csi-controller-sa', RoleArn: { 'Fn::GetAtt': [logicalId(role), 'Arn'] } },
      ],
      ConfigurationValues: Match.serializedJson({
        storageClasses: [
          Match.objectLike({
            name: 'gp3-encrypted',
            annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
            parameters: { type: 'gp3', encrypted: 'true' },
          }),
        ],
      }),
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      Description: Match.stringLikeRegexp('EBS CSI'),
      ManagedPolicyArns: [
        {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy'],
          ],
        },
      ],
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Action: ['sts:AssumeRole', 'sts:TagSession'],
            Principal: { Service: 'pods.eks.amazonaws.com' },
          }),
        ],
      },
    });
  });

  test('installs the CloudWatch Observability add-on (Container Insights) with its own Pod Identity role', () => {
    const role = cluster.cloudWatchObservabilityRole;
    template.hasResourceProperties('AWS::EKS::Addon', {
      AddonName: 'amazon-cloudwatch-observability',
      PodIdentityAssociations: [
        { ServiceAccount: 'cloudwatch-agent', RoleArn: { 'Fn::GetAtt': [logicalId(role), 'Arn'] } },
      ],
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      Description: Match.stringLikeRegexp('CloudWatch Observability'),
      ManagedPolicyArns: [
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/CloudWatchAgentServerPolicy']] },
      ],
    });
  });

  test('installs the storage and observability add-ons after the nodes, and the agent first', () => {
    const resources = template.toJSON().Resources;
    for (const id of ['EbsCsiAddon', 'CloudWatchObservabilityAddon']) {
      const deps = resources[logicalId(cluster.node.findChild(id))].DependsOn as string[];
      expect(deps).toEqual(expect.arrayContaining([logicalId(cluster.nodegroup!)]));
    }
  });

  test('needs no kubectl provider for any add-on', () => {
    template.resourceCountIs('AWS::Lambda::Function', 0);
  });
});

describe('EksCluster add-ons in Auto Mode', () => {
  test('installs the CloudWatch Observability add-on and leaves block storage to Auto Mode', () => {
    const { stack, eks: cluster } = build({ autoMode: true });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EKS::Addon', { AddonName: 'amazon-cloudwatch-observability' });
    expect(Object.values(template.findResources('AWS::EKS::Addon')).map((r) => r.Properties.AddonName)).toEqual([
      'amazon-cloudwatch-observability',
    ]);
    expect(cluster.ebsCsiRole).toBeUndefined();
  });
});

describe('EksCluster upgrades', () => {
  /** The template of a cluster with a second node group, on `version`. */
  function synth(props: EksClusterProps): Record<string, { Type: string; Properties?: Record<string, unknown> }> {
    const stack = new Stack(testApp(), 'Upgrade');
    const { eks: cluster } = build({ ...props }, stack);
    cluster.addNodegroup('Arm', {
      instanceTypes: [ec2.InstanceType.of(ec2.InstanceClass.M7G, ec2.InstanceSize.LARGE)],
    });
    return Template.fromStack(stack).toJSON().Resources;
  }

  /** The template with no props, read by two tests. */
  const baseline = once(() => synth({}));

  function changed(a: ReturnType<typeof synth>, b: ReturnType<typeof synth>): string[] {
    const ids = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...ids]
      .filter((id) => JSON.stringify(a[id]) !== JSON.stringify(b[id]))
      .map((id) => `${(a[id] ?? b[id]).Type} ${id}`)
      .sort();
  }

  test('changing version changes the control plane and every node group, and nothing else', () => {
    // GIVEN the same cluster on 1.36 and on 1.37
    const before = synth({ version: eks.KubernetesVersion.V1_36 });
    const after = synth({ version: eks.KubernetesVersion.V1_37 });
    // THEN exactly the cluster and the two node groups differ
    expect(changed(before, after)).toEqual(
      [
        'AWS::EKS::Cluster EksClusterB2BDED5B',
        'AWS::EKS::Nodegroup EksNodegroupArm38D5F655',
        'AWS::EKS::Nodegroup EksNodegroupB07E0295',
      ].sort(),
    );
    // AND the node groups follow the control plane's version
    const nodegroups = Object.values(after).filter((r) => r.Type === 'AWS::EKS::Nodegroup');
    expect(nodegroups.map((n) => n.Properties!.Version)).toEqual(['1.37', '1.37']);
    expect(Object.values(after).find((r) => r.Type === 'AWS::EKS::Cluster')!.Properties!.Version).toBe('1.37');
  });

  test('changing an add-on version changes that add-on only', () => {
    const before = baseline();
    const after = synth({ addonVersions: { coredns: 'v1.13.1-eksbuild.1' } });
    const diff = changed(before, after);
    expect(diff).toHaveLength(1);
    expect(diff[0]).toMatch(/^AWS::EKS::Addon EksCoreDnsAddon/);
    const coredns = Object.values(after).find((r) => r.Properties?.AddonName === 'coredns')!;
    expect(coredns.Properties!.AddonVersion).toBe('v1.13.1-eksbuild.1');
  });

  test('nodeReleaseVersion pins the AMI release of every node group, and nothing else', () => {
    const before = baseline();
    const after = synth({ nodeReleaseVersion: '1.37.0-20261115' });
    expect(changed(before, after)).toHaveLength(2);
    const nodegroups = Object.values(after).filter((r) => r.Type === 'AWS::EKS::Nodegroup');
    expect(nodegroups.map((n) => n.Properties!.ReleaseVersion)).toEqual(['1.37.0-20261115', '1.37.0-20261115']);
  });

  test('fails when nodeReleaseVersion is a release of another Kubernetes version', () => {
    // GIVEN a release of 1.36 pinned on a cluster moved to 1.37: the node group update would be refused after the
    // control plane was upgraded
    expect(() =>
      build({ version: eks.KubernetesVersion.V1_37, nodeReleaseVersion: '1.36.4-20261101' }, agnosticStack()),
    ).toThrow(
      "Agnostic/Eks: nodeReleaseVersion must be an AMI release of the cluster's Kubernetes version 1.37 (e.g. '1.37.0-20261115'); received '1.36.4-20261101'",
    );
    // AND '1.3' is not a prefix of a 1.37 release in the check's eyes (the minor version ends at the dot)
    expect(() =>
      build({ version: eks.KubernetesVersion.of('1.3'), nodeReleaseVersion: '1.37.0-20261115' }, agnosticStack()),
    ).toThrow(/received '1\.37\.0-20261115'/);
  });

  test('sets the version of the Pod Identity agent add-on too', () => {
    const after = synth({ addonVersions: { 'eks-pod-identity-agent': 'v1.3.10-eksbuild.1' } });
    const agent = Object.values(after).find((r) => r.Properties?.AddonName === 'eks-pod-identity-agent')!;
    expect(agent.Properties!.AddonVersion).toBe('v1.3.10-eksbuild.1');
  });

  test('fails when addonVersions names an add-on the construct does not install', () => {
    expect(() => build({ addonVersions: { 'vpc-cin': 'v1.20.0-eksbuild.1' } })).toThrow(
      "Agnostic/Eks: addonVersions names 'vpc-cin', which is not an add-on this construct installs; expected one of vpc-cni, kube-proxy, coredns, eks-pod-identity-agent, aws-ebs-csi-driver, amazon-cloudwatch-observability",
    );
  });
});

describe.each(KINDS)('EksCluster alarms (%s stack)', (_kind, makeStack) => {
  test('raises API server, node and pod restart alarms, each notifying the shared alarm topic', () => {
    // GIVEN a cluster with a second node group
    const { stack, eks: cluster } = build({}, makeStack());
    cluster.addNodegroup('Gpu', {
      instanceTypes: [ec2.InstanceType.of(ec2.InstanceClass.G5, ec2.InstanceSize.XLARGE)],
      gpu: true,
      minCapacity: 1,
    });
    const template = Template.fromStack(stack);
    const topic = { Ref: logicalId(cluster.alarmTopic as sns.Topic) };
    const clusterName = { Ref: logicalId(cluster.cluster) };
    // THEN the API server alarm watches AWS/EKS 5xx responses
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/EKS',
      MetricName: 'apiserver_request_total_5XX',
      Dimensions: [{ Name: 'ClusterName', Value: clusterName }],
      Statistic: 'Sum',
      Threshold: 10,
      AlarmActions: [topic],
    });
    // AND the node alarms watch Container Insights
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'ContainerInsights',
      MetricName: 'cluster_failed_node_count',
      Dimensions: [{ Name: 'ClusterName', Value: clusterName }],
      Threshold: 1,
      EvaluationPeriods: 5,
      AlarmActions: [topic],
    });
    // (two nodes of the default group plus one of the Gpu group)
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'ContainerInsights',
      MetricName: 'cluster_node_count',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 3,
      AlarmActions: [topic],
    });
    // AND the pod restart alarm sums restarts over every pod of the cluster
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: [
        Match.objectLike({
          Expression: Match.anyValue(),
          Period: 300,
        }),
      ],
      Threshold: 5,
      AlarmActions: [topic],
    });
    const restarts = stack.resolve(
      (cluster.alarms.podRestarts.node.defaultChild as unknown as { metrics: { expression: string }[] }).metrics[0]
        .expression,
    ) as unknown;
    expect(JSON.stringify(restarts)).toContain('SUM(pod_number_of_container_restarts)');
    const name = template.toJSON().Resources[logicalId(cluster.cluster)].Properties.Name as string;
    expect(JSON.stringify(restarts)).toContain(`WHERE ClusterName = '${name}'`);
    // AND the shared topic is encrypted
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    expect(Object.keys(cluster.alarms).sort()).toEqual([
      'apiServerErrors',
      'nodesBelowMinimum',
      'nodesNotReady',
      'podRestarts',
    ]);
  });

  test('notifies the alarm topic it is given, with the thresholds it is given', () => {
    const stack = makeStack();
    const topic = new sns.Topic(stack, 'OnCall');
    const { eks: cluster } = build(
      { alarmTopic: topic, apiServerErrorsAlarmThreshold: 50, podRestartsAlarmThreshold: 20 },
      stack,
    );
    const template = Template.fromStack(stack);
    expect(cluster.alarmTopic).toBe(topic);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'apiserver_request_total_5XX',
      Threshold: 50,
      AlarmActions: [{ Ref: logicalId(topic) }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 20,
      AlarmActions: [{ Ref: logicalId(topic) }],
    });
  });

  test('has no node-group alarm in Auto Mode, which sizes its nodes itself', () => {
    const { eks: cluster } = build({ autoMode: true }, makeStack());
    expect(cluster.alarms.nodesBelowMinimum).toBeUndefined();
    expect(cluster.alarms.nodesNotReady).toBeDefined();
  });
});

describe('EksCluster alarm validation', () => {
  test('fails when apiServerErrorsAlarmThreshold is not a positive integer', () => {
    expect(() => build({ apiServerErrorsAlarmThreshold: 0 })).toThrow(/apiServerErrorsAlarmThreshold/);
  });
});

describe('EksCluster service accounts with a given role', () => {
  test('associates the given role', () => {
    const { stack, eks: cluster } = build();
    const role = new iam.Role(stack, 'AppRole', { assumedBy: new iam.ServicePrincipal('pods.eks.amazonaws.com') });
    const sa = cluster.addServiceAccount('App', { name: 'app', role });
    expect(sa.role).toBe(role);
    Template.fromStack(stack).hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
      Namespace: 'default',
      ServiceAccount: 'app',
      RoleArn: { 'Fn::GetAtt': [logicalId(role), 'Arn'] },
    });
  });
});

describe('EksCluster day-two acknowledgements hide nothing the user adds', () => {
  /** A cluster with the Load Balancer Controller and one workload, in an app of its own. */
  function withWorkloads(): { stack: Stack; eks: EksCluster } {
    const result = build({ loadBalancerController: true }, new Stack(testApp(), 'Probe'));
    result.eks.addManifest('Namespace', NGINX_NAMESPACE);
    return result;
  }

  test("a wildcard statement the user gives the controller's role is a finding on that role", () => {
    const { stack, eks: cluster } = withWorkloads();
    probeScope({
      stack,
      add: () => userWildcardStatement(cluster.loadBalancerControllerRole!, 's3:GetObject'),
      expect: 'AwsSolutions-IAM5[Resource::*]',
      on: cluster.loadBalancerControllerRole!,
    });
  });

  test("a wildcard statement the user gives the kubectl handler's role is a finding on that role", () => {
    const { stack, eks: cluster } = withWorkloads();
    const role = cluster.kubectlProvider!.role!;
    probeScope({
      stack,
      add: () => userWildcardStatement(role, 's3:GetObject'),
      expect: 'AwsSolutions-IAM5[Resource::*]',
      on: role,
    });
  });

  test('a managed policy the user adds to an add-on role is a finding on that role', () => {
    const { stack, eks: cluster } = withWorkloads();
    probeScope({
      stack,
      add: () =>
        cluster.ebsCsiRole!.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonS3ReadOnlyAccess')),
      expect: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonS3ReadOnlyAccess]',
      on: cluster.ebsCsiRole!,
    });
  });
});
