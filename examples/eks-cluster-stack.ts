import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
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
 *
 * The course's example application: an nginx Deployment from ECR Public (the
 * unprivileged image: non-root, read-only root filesystem, resource requests)
 * in the `web` namespace, exposed by a `LoadBalancer` Service that the AWS Load
 * Balancer Controller turns into an internet-facing Network Load Balancer
 * (plain HTTP on port 80, as in the course). Output `NginxHostnameCommand`
 * prints the load balancer's hostname; see docs/EKS.md.
 */
export class EksClusterStack extends Stack {
  public readonly eks: EksCluster;
  /** The cluster-admin role the sample creates when no `eksAdminPrincipalArn` is given. */
  public readonly adminRole?: iam.Role;
  /** The Session Manager instance inside the VPC that reaches the private API endpoint. */
  public readonly accessInstance: ec2.Instance;
  /** The nginx Deployment and its LoadBalancer Service. */
  public readonly nginx: eks.KubernetesManifest;

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
      loadBalancerController: true,
    });
    this.accessInstance = this.eks.addAccessInstance();
    if (this.adminRole) {
      // In a customer managed policy (grantAssumeRole would write an inline one, which NIST 800-53 R5, HIPAA and
      // PCI DSS refuse): the access instance may assume the admin role to run kubectl.
      new iam.ManagedPolicy(this, 'AccessInstanceAssumeAdmin', {
        description: 'The EKS access instance may assume the sample cluster admin role',
        roles: [this.accessInstance.role],
        statements: [new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: [this.adminRole.roleArn] })],
      });
    }
    new CfnOutput(this, 'ClusterName', { value: this.eks.cluster.clusterName });
    new CfnOutput(this, 'UpdateKubeconfigCommand', { value: this.eks.updateKubeconfigCommand });
    new CfnOutput(this, 'AdminRoleArn', { value: admin });
    new CfnOutput(this, 'AccessInstanceId', { value: this.accessInstance.instanceId });
    new CfnOutput(this, 'StartSessionCommand', {
      value: `aws ssm start-session --target ${this.accessInstance.instanceId} --region ${this.region}`,
    });

    const namespace = this.eks.addManifest('WebNamespace', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: WEB_NAMESPACE },
    });
    this.nginx = this.eks.addManifest('Nginx', nginxDeployment(), nginxService());
    // The Service needs the controller's webhook to create it and the controller running to delete its NLB.
    this.nginx.node.addDependency(namespace, this.eks.loadBalancerController!);
    new CfnOutput(this, 'NginxHostnameCommand', {
      description:
        'Prints the hostname of the NLB in front of nginx (a few minutes after deployment); open http://<hostname>/',
      value: `kubectl get service ${NGINX} --namespace ${WEB_NAMESPACE} --output jsonpath='{.status.loadBalancer.ingress[0].hostname}'`,
    });
  }
}

const WEB_NAMESPACE = 'web';
const NGINX = 'nginx';
const NGINX_PORT = 8080;

/** nginx from ECR Public: the unprivileged image (listens on 8080 as user 101), read-only root, /tmp in memory. */
function nginxDeployment(): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: NGINX, namespace: WEB_NAMESPACE, labels: { app: NGINX } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: NGINX } },
      template: {
        metadata: { labels: { app: NGINX } },
        spec: {
          automountServiceAccountToken: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 101,
            runAsGroup: 101,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          // One replica per Availability Zone where possible.
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'topology.kubernetes.io/zone',
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: { app: NGINX } },
            },
          ],
          containers: [
            {
              name: NGINX,
              image: 'public.ecr.aws/nginx/nginx-unprivileged:stable-alpine',
              ports: [{ containerPort: NGINX_PORT }],
              resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '128Mi' } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
              readinessProbe: { httpGet: { path: '/', port: NGINX_PORT } },
              // The unprivileged image keeps its pid file and temporary files in /tmp.
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } }],
        },
      },
    },
  };
}

/** A LoadBalancer Service: the AWS Load Balancer Controller gives it an internet-facing NLB sending to the pod IPs. */
function nginxService(): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: NGINX,
      namespace: WEB_NAMESPACE,
      annotations: {
        'service.beta.kubernetes.io/aws-load-balancer-type': 'external',
        'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip',
        'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internet-facing',
      },
    },
    spec: {
      type: 'LoadBalancer',
      selector: { app: NGINX },
      ports: [{ name: 'http', port: 80, targetPort: NGINX_PORT, protocol: 'TCP' }],
    },
  };
}
