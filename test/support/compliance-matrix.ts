import { Duration, Size, Stack, App } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as ecsPatterns from 'aws-cdk-lib/aws-ecs-patterns';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as lightsail from 'aws-cdk-lib/aws-lightsail';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import {
  EksCluster,
  FargateWebService,
  HighlyAvailableFleet,
  InventoryLoader,
  LightsailProtocol,
  LightsailServer,
  SecureKey,
} from '../../lib';
import { testApp } from './cdk-context';

/**
 * The compliance matrix: each pattern alone in a bare stack, with default
 * props and with every option on, in an environment-agnostic and an
 * environment-specific stack, next to the plain aws-cdk-lib way a user would
 * build the same thing without this library ("stock").
 *
 * Stack names are `<Pattern><Variant><Kind>`: e.g. `FleetDefaultsAgnostic`,
 * `FargateFullSpecific`, `EksStock`. When a pattern gains an option, add it to
 * its `full` builder so the option-rich column keeps meaning "every option on".
 */
export type Variant = 'Defaults' | 'Full';
export type Kind = 'Agnostic' | 'Specific';

export interface PatternEntry {
  /** Short name used in stack names and report rows. */
  readonly name: string;
  /** The construct class as users know it. */
  readonly construct: string;
  readonly defaults: (scope: Construct) => void;
  readonly full: (scope: Construct) => void;
  readonly stock: (scope: Construct) => void;
  /** What the stock column builds, for the report. */
  readonly stockDescription: string;
}

const CERT_ARN = 'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';
const IMAGE = 'public.ecr.aws/nginx/nginx-unprivileged:stable-alpine';

export const PATTERNS: PatternEntry[] = [
  {
    name: 'Fleet',
    construct: 'HighlyAvailableFleet',
    defaults: (scope) => new HighlyAvailableFleet(scope, 'Fleet'),
    full: (scope) =>
      new HighlyAvailableFleet(scope, 'Fleet', {
        certificate: acm.Certificate.fromCertificateArn(scope, 'Cert', CERT_ARN),
        allowedIngressCidrs: ['203.0.113.0/24'],
        instanceType: ec2.InstanceType.of(ec2.InstanceClass.M7G, ec2.InstanceSize.LARGE),
        additionalInstanceTypes: [ec2.InstanceType.of(ec2.InstanceClass.C7G, ec2.InstanceSize.LARGE)],
        keyPair: ec2.KeyPair.fromKeyPairName(scope, 'KeyPair', 'ops'),
        rootVolumeSize: Size.gibibytes(20),
        rootVolumeEncryptionKey: new SecureKey(scope, 'VolumeKey', { description: 'Fleet root volumes' }),
        minCapacity: 2,
        maxCapacity: 6,
        desiredCapacity: 3,
        targetRequestsPerMinute: 6000,
        onDemandBaseCapacity: 2,
        onDemandPercentageAboveBaseCapacity: 50,
        healthCheckPath: '/health',
      }),
    stockDescription:
      'Vpc + internet-facing ApplicationLoadBalancer (HTTP listener) + AutoScalingGroup (Amazon Linux 2023) as its target',
    stock: (scope) => {
      const vpc = new ec2.Vpc(scope, 'Vpc');
      const asg = new autoscaling.AutoScalingGroup(scope, 'Asg', {
        vpc,
        instanceType: ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MICRO),
        machineImage: ec2.MachineImage.latestAmazonLinux2023(),
        minCapacity: 2,
        maxCapacity: 4,
      });
      const alb = new elbv2.ApplicationLoadBalancer(scope, 'Alb', { vpc, internetFacing: true });
      alb.addListener('Http', { port: 80 }).addTargets('Fleet', { port: 80, targets: [asg] });
    },
  },
  {
    name: 'Fargate',
    construct: 'FargateWebService',
    defaults: (scope) => new FargateWebService(scope, 'Web', { image: ecs.ContainerImage.fromRegistry(IMAGE) }),
    full: (scope) =>
      new FargateWebService(scope, 'Web', {
        image: ecs.ContainerImage.fromRegistry(IMAGE),
        certificate: acm.Certificate.fromCertificateArn(scope, 'Cert', CERT_ARN),
        allowedIngressCidrs: ['203.0.113.0/24'],
        containerPort: 8080,
        user: '101',
        readonlyRootFilesystem: true,
        writablePaths: ['/tmp'],
        environment: { LOG_LEVEL: 'info' },
        secrets: {
          API_TOKEN: ecs.Secret.fromSecretsManager(
            secretsmanager.Secret.fromSecretNameV2(scope, 'ApiToken', 'web/api-token'),
          ),
        },
        cpu: 512,
        memoryLimitMiB: 1024,
        minCapacity: 2,
        maxCapacity: 6,
        targetMemoryUtilizationPercent: 70,
        targetRequestsPerTarget: 500,
        spot: true,
        onDemandBaseCount: 2,
        enableExecuteCommand: true,
        logRetention: logs.RetentionDays.TWO_YEARS,
        healthCheckPath: '/health',
      }),
    stockDescription: 'ApplicationLoadBalancedFargateService with defaults (its own Vpc and Cluster)',
    stock: (scope) =>
      new ecsPatterns.ApplicationLoadBalancedFargateService(scope, 'Web', {
        taskImageOptions: { image: ecs.ContainerImage.fromRegistry(IMAGE) },
      }),
  },
  {
    name: 'Eks',
    construct: 'EksCluster',
    // The least a user must give: an admin (a cluster nobody can administer is refused).
    defaults: (scope) => new EksCluster(scope, 'Eks', { adminPrincipalArns: ['arn:aws:iam::123456789012:role/Admin'] }),
    full: (scope) =>
      new EksCluster(scope, 'Eks', {
        spotInstances: true,
        nodeMinSize: 2,
        nodeMaxSize: 6,
        fargateNamespaces: ['serverless'],
        publicEndpointCidrs: ['203.0.113.0/24'],
        adminPrincipalArns: ['arn:aws:iam::123456789012:role/Admin'],
        allowPodImdsAccess: true,
      }),
    stockDescription: 'aws-eks-v2 Cluster with defaults (its own Vpc, a managed node group)',
    stock: (scope) => new eks.Cluster(scope, 'Eks', { version: eks.KubernetesVersion.V1_37 }),
  },
  {
    name: 'Inventory',
    construct: 'InventoryLoader',
    defaults: (scope) => new InventoryLoader(scope, 'InventoryLoader'),
    full: (scope) =>
      new InventoryLoader(scope, 'InventoryLoader', {
        uploadPrefix: 'incoming/',
        reportPrefix: 'results/',
        memorySize: 2048,
        timeout: Duration.minutes(10),
        reservedConcurrency: 2,
        logRetention: logs.RetentionDays.TWO_YEARS,
      }),
    stockDescription:
      'Bucket + Function (Node.js) + Table, the function granted read and write and wired with an S3 event notification',
    stock: (scope) => {
      const bucket = new s3.Bucket(scope, 'Bucket');
      const table = new dynamodb.Table(scope, 'Table', {
        partitionKey: { name: 'sku', type: dynamodb.AttributeType.STRING },
      });
      const fn = new lambda.Function(scope, 'Importer', {
        runtime: lambda.Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline('exports.handler = async () => {};'),
        environment: { TABLE_NAME: table.tableName },
      });
      bucket.grantRead(fn);
      table.grantWriteData(fn);
      bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(fn));
    },
  },
  {
    name: 'Lightsail',
    construct: 'LightsailServer',
    defaults: (scope) => new LightsailServer(scope, 'Server'),
    full: (scope) =>
      new LightsailServer(scope, 'Server', {
        blueprintId: 'ubuntu_24_04',
        bundleId: 'medium_3_0',
        ports: [
          { fromPort: 443, cidrs: ['0.0.0.0/0'] },
          { fromPort: 51820, protocol: LightsailProtocol.UDP, cidrs: ['203.0.113.0/24'] },
        ],
        sshCidrs: ['203.0.113.0/24'],
        lightsailConnect: true,
        userData: '#!/bin/bash\necho hello',
        keyPairName: 'ops',
        snapshotTimeOfDay: '03:00',
      }),
    stockDescription:
      'CfnInstance with a blueprint and bundle (Lightsail default firewall: SSH and HTTP from anywhere)',
    stock: (scope) =>
      new lightsail.CfnInstance(scope, 'Server', {
        instanceName: 'server',
        blueprintId: 'amazon_linux_2023',
        bundleId: 'small_3_0',
      }),
  },
];

export const VARIANTS: Variant[] = ['Defaults', 'Full'];
export const KINDS: Kind[] = ['Agnostic', 'Specific'];

export function stackName(pattern: string, variant: Variant | 'Stock', kind?: Kind): string {
  return `${pattern}${variant}${kind ?? ''}`;
}

/** The whole matrix as one app: 16 pattern stacks and 4 stock stacks, synthesized together. */
export function createMatrixApp(outdir?: string): App {
  const app = testApp({ outdir });
  for (const p of PATTERNS) {
    for (const variant of VARIANTS) {
      for (const kind of KINDS) {
        const stack = new Stack(app, stackName(p.name, variant, kind), {
          env: kind === 'Specific' ? { account: '123456789012', region: 'eu-west-1' } : undefined,
        });
        (variant === 'Defaults' ? p.defaults : p.full)(stack);
      }
    }
    p.stock(new Stack(app, stackName(p.name, 'Stock')));
  }
  return app;
}
