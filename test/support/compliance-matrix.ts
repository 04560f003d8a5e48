import { Duration, Size, Stack, App } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as ecsPatterns from 'aws-cdk-lib/aws-ecs-patterns';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as elasticbeanstalk from 'aws-cdk-lib/aws-elasticbeanstalk';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as lightsail from 'aws-cdk-lib/aws-lightsail';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { BEANSTALK_SAMPLE_SOURCES } from '../../examples/beanstalk-app-stack';
import {
  BatchCompute,
  BatchJobQueue,
  BeanstalkBatchSizeType,
  BeanstalkDeploymentPolicy,
  BeanstalkUpdateLevel,
  BeanstalkWebApp,
  BeanstalkWorker,
  Ec2WebService,
  EksCluster,
  FargateWebService,
  HighlyAvailableFleet,
  InventoryLoader,
  LightsailProtocol,
  LightsailServer,
  SecureKey,
  SecureRepository,
  SecureVpc,
  ServerlessApi,
  ServiceDeployment,
} from '../../lib';
import { fullServerlessApiProps } from '../serverless-api/fixtures';
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
const BATCH_IMAGE = 'public.ecr.aws/docker/library/busybox:stable';

export const PATTERNS: PatternEntry[] = [
  {
    name: 'Fleet',
    construct: 'HighlyAvailableFleet',
    // The least a user must give to synthesize without a warning: without a certificate or a domain (none exists
    // offline), the protocol, HTTP, chosen explicitly. Left unchosen, the plain-HTTP findings stay open next to the
    // plainHttp warning (test/common/secure-load-balancer.test.ts proves both).
    defaults: (scope) => new HighlyAvailableFleet(scope, 'Fleet', { protocol: elbv2.ApplicationProtocol.HTTP }),
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
    // An image, and (as for the fleet) the protocol HTTP chosen explicitly.
    defaults: (scope) =>
      new FargateWebService(scope, 'Web', {
        image: ecs.ContainerImage.fromRegistry(IMAGE),
        protocol: elbv2.ApplicationProtocol.HTTP,
      }),
    // Every option on: a canary deployment with a test listener, and a second service on the same load balancer
    // (listenerRule) carrying request-count scaling, which needs a rolling deployment.
    full: (scope) => {
      const web = new FargateWebService(scope, 'Web', {
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
        deployment: ServiceDeployment.canary({ stepPercent: 10, testListenerPort: 8443 }),
        spot: true,
        onDemandBaseCount: 2,
        enableExecuteCommand: true,
        logRetention: logs.RetentionDays.TWO_YEARS,
        healthCheckPath: '/health',
      });
      new FargateWebService(scope, 'Api', {
        image: ecs.ContainerImage.fromRegistry(IMAGE),
        listenerRule: {
          listener: web.listener,
          priority: 10,
          hostHeaders: ['api.example.com'],
          pathPatterns: ['/v1/*'],
        },
        targetRequestsPerTarget: 500,
      });
    },
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
    // Every option on, with workloads: the kubectl provider, the Load Balancer Controller, a second node group.
    full: (scope) => {
      const cluster = new EksCluster(scope, 'Eks', {
        spotInstances: true,
        minCapacity: 2,
        maxCapacity: 6,
        fargateNamespaces: ['serverless'],
        publicEndpointCidrs: ['203.0.113.0/24'],
        adminPrincipalArns: ['arn:aws:iam::123456789012:role/Admin'],
        allowPodImdsAccess: true,
        loadBalancerController: true,
        addonVersions: { coredns: 'v1.13.1-eksbuild.1' },
        nodeReleaseVersion: '1.37.0-20261115',
        apiServerErrorsAlarmThreshold: 20,
        podRestartsAlarmThreshold: 10,
      });
      cluster.addNodegroup('Arm', {
        instanceTypes: [ec2.InstanceType.of(ec2.InstanceClass.M7G, ec2.InstanceSize.LARGE)],
        labels: { arch: 'arm64' },
      });
      cluster.addManifest('Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web' } });
      cluster.addServiceAccount('App', { name: 'app', namespace: 'web' });
    },
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
        largeFiles: {
          threshold: Size.mebibytes(50),
          maxConcurrency: 20,
          toleratedFailurePercentage: 5,
          batchSize: 500,
        },
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
    name: 'Registry',
    construct: 'SecureRepository',
    defaults: (scope) => new SecureRepository(scope, 'Repository'),
    full: (scope) =>
      new SecureRepository(scope, 'Repository', {
        repositoryName: 'shop/web',
        encryptionKey: new SecureKey(scope, 'ImageKey', { description: 'Container images' }),
        enhancedScanning: true,
        untaggedImageExpiry: Duration.days(7),
        maxTaggedImages: 30,
        pullAccounts: ['111122223333'],
        replicationRegions: ['us-west-2'],
        pullThroughCachePrefix: 'ecr-public',
      }),
    stockDescription: 'ecr.Repository with defaults',
    stock: (scope) => new ecr.Repository(scope, 'Repository'),
  },
  {
    name: 'Ec2Service',
    construct: 'Ec2WebService',
    defaults: (scope) =>
      new Ec2WebService(scope, 'Web', {
        image: ecs.ContainerImage.fromRegistry(IMAGE),
        protocol: elbv2.ApplicationProtocol.HTTP,
      }),
    // Every option on: a blue/green deployment with a test listener, and a second service on the same load
    // balancer (listenerRule) carrying request-count scaling, which needs a rolling deployment.
    full: (scope) => {
      const web = new Ec2WebService(scope, 'Web', {
        image: ecs.ContainerImage.fromRegistry(IMAGE),
        certificate: acm.Certificate.fromCertificateArn(scope, 'Cert', CERT_ARN),
        allowedIngressCidrs: ['203.0.113.0/24'],
        instanceType: ec2.InstanceType.of(ec2.InstanceClass.M7G, ec2.InstanceSize.XLARGE),
        additionalInstanceTypes: [ec2.InstanceType.of(ec2.InstanceClass.C7G, ec2.InstanceSize.XLARGE)],
        instanceMinCapacity: 2,
        instanceMaxCapacity: 8,
        onDemandBaseCapacity: 2,
        onDemandPercentageAboveBaseCapacity: 50,
        placementStrategies: [ecs.PlacementStrategy.spreadAcrossInstances()],
        placementConstraints: [ecs.PlacementConstraint.memberOf('attribute:ecs.cpu-architecture == arm64')],
        containerPort: 8080,
        user: '101',
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
        deployment: ServiceDeployment.blueGreen({ bakeTime: Duration.minutes(5), testListenerPort: 8443 }),
        enableExecuteCommand: true,
        logRetention: logs.RetentionDays.TWO_YEARS,
        healthCheckPath: '/health',
      });
      new Ec2WebService(scope, 'Api', {
        image: ecs.ContainerImage.fromRegistry(IMAGE),
        listenerRule: { listener: web.listener, priority: 10, pathPatterns: ['/api/*'] },
        targetRequestsPerTarget: 500,
      });
    },
    stockDescription: 'Cluster + AutoScalingGroup (ECS-optimized AMI) capacity provider + Ec2Service behind an ALB',
    stock: (scope) => {
      const vpc = new ec2.Vpc(scope, 'Vpc');
      const cluster = new ecs.Cluster(scope, 'Cluster', { vpc });
      const asg = new autoscaling.AutoScalingGroup(scope, 'Asg', {
        vpc,
        instanceType: ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MEDIUM),
        machineImage: ecs.EcsOptimizedImage.amazonLinux2023(),
        minCapacity: 2,
        maxCapacity: 4,
      });
      cluster.addAsgCapacityProvider(new ecs.AsgCapacityProvider(scope, 'CapacityProvider', { autoScalingGroup: asg }));
      const task = new ecs.Ec2TaskDefinition(scope, 'Task');
      task.addContainer('web', {
        image: ecs.ContainerImage.fromRegistry(IMAGE),
        memoryLimitMiB: 512,
        portMappings: [{ containerPort: 8080 }],
      });
      const service = new ecs.Ec2Service(scope, 'Service', { cluster, taskDefinition: task });
      const alb = new elbv2.ApplicationLoadBalancer(scope, 'Alb', { vpc, internetFacing: true });
      alb.addListener('Http', { port: 80 }).addTargets('Web', { port: 80, targets: [service] });
    },
  },
  {
    name: 'ServerlessApi',
    construct: 'ServerlessApi',
    defaults: (scope) => new ServerlessApi(scope, 'ServerlessApi'),
    full: (scope) => new ServerlessApi(scope, 'ServerlessApi', fullServerlessApiProps(Stack.of(scope))),
    stockDescription:
      "LambdaRestApi (proxy) + Function (Node.js) + Table, the function granted read and write: the lab's users API by hand",
    stock: (scope) => {
      const table = new dynamodb.Table(scope, 'Users', {
        partitionKey: { name: 'userId', type: dynamodb.AttributeType.STRING },
      });
      const fn = new lambda.Function(scope, 'UsersFunction', {
        runtime: lambda.Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200, body: "[]" });'),
        environment: { TABLE_NAME: table.tableName },
      });
      table.grantReadWriteData(fn);
      new apigw.LambdaRestApi(scope, 'UsersApi', { handler: fn });
    },
  },
  {
    name: 'Batch',
    construct: 'BatchJobQueue',
    defaults: (scope) => {
      const jobs = new BatchJobQueue(scope, 'Jobs');
      jobs.addJobDefinition('Job', { image: ecs.ContainerImage.fromRegistry(BATCH_IMAGE) });
    },
    full: (scope) => {
      const jobs = new BatchJobQueue(scope, 'Jobs', {
        compute: BatchCompute.EC2,
        spot: true,
        maxvCpus: 64,
        priority: 50,
        runnableTimeout: Duration.hours(1),
        fairShare: { shares: [{ shareIdentifier: 'nightly', weightFactor: 1 }], shareDecay: Duration.hours(1) },
        logRetention: logs.RetentionDays.TWO_YEARS,
      });
      jobs.addJobQueue('Urgent', { priority: 100 });
      // The user's own secret and bucket are imported: the matrix measures the construct, not them.
      const secret = secretsmanager.Secret.fromSecretNameV2(scope, 'ApiSecret', 'batch/api');
      const job = jobs.addJobDefinition('Job', {
        image: ecs.ContainerImage.fromRegistry(BATCH_IMAGE),
        command: ['process', 'Ref::bucket', 'Ref::key'],
        vcpus: 2,
        memory: Size.gibibytes(4),
        environment: { STAGE: 'prod' },
        secrets: { API_SECRET: batch.Secret.fromSecretsManager(secret) },
        timeout: Duration.hours(2),
        retryAttempts: 5,
      });
      jobs.submitOnSchedule('Nightly', scheduler.ScheduleExpression.cron({ hour: '2', minute: '0' }), job, {
        shareIdentifier: 'nightly',
      });
      // Upload-triggered jobs need queues without fairShare (an EventBridge Batch target cannot set a share
      // identifier): a second construct in the same VPC.
      const uploads = new BatchJobQueue(scope, 'UploadJobs', { vpc: jobs.vpc });
      const convert = uploads.addJobDefinition('Convert', {
        image: ecs.ContainerImage.fromRegistry(BATCH_IMAGE),
        command: ['process', 'Ref::bucket', 'Ref::key'],
      });
      uploads.submitOnUpload(
        'Incoming',
        s3.Bucket.fromBucketName(scope, 'Uploads', 'uploads-bucket'),
        'incoming/',
        convert,
      );
    },
    stockDescription: 'aws-batch FargateComputeEnvironment + JobQueue + EcsJobDefinition with defaults (its own Vpc)',
    stock: (scope) => {
      const vpc = new ec2.Vpc(scope, 'Vpc');
      const environment = new batch.FargateComputeEnvironment(scope, 'Environment', { vpc });
      new batch.JobQueue(scope, 'Queue', { computeEnvironments: [{ computeEnvironment: environment, order: 1 }] });
      new batch.EcsJobDefinition(scope, 'Job', {
        container: new batch.EcsFargateContainerDefinition(scope, 'Container', {
          image: ecs.ContainerImage.fromRegistry(BATCH_IMAGE),
          cpu: 1,
          memory: Size.gibibytes(2),
        }),
      });
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
  {
    name: 'Beanstalk',
    construct: 'BeanstalkWebApp',
    // A source, and (as for the fleet) the protocol HTTP chosen explicitly; the worker shares the application.
    defaults: (scope) => {
      const web = new BeanstalkWebApp(scope, 'Web', {
        sourcePath: BEANSTALK_SAMPLE_SOURCES.web,
        protocol: elbv2.ApplicationProtocol.HTTP,
      });
      new BeanstalkWorker(scope, 'Worker', { sourcePath: BEANSTALK_SAMPLE_SOURCES.worker, application: web });
    },
    full: (scope) => {
      const vpc = new SecureVpc(scope, 'Vpc', { maxAzs: 2 });
      const web = new BeanstalkWebApp(scope, 'Web', {
        sourcePath: BEANSTALK_SAMPLE_SOURCES.web,
        applicationName: 'shop',
        environmentName: 'shop-web',
        vpc,
        vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        certificate: acm.Certificate.fromCertificateArn(scope, 'Cert', CERT_ARN),
        sslPolicy: elbv2.SslPolicy.TLS13_13,
        instanceTypes: [
          ec2.InstanceType.of(ec2.InstanceClass.M7G, ec2.InstanceSize.LARGE),
          ec2.InstanceType.of(ec2.InstanceClass.C7G, ec2.InstanceSize.LARGE),
        ],
        minCapacity: 2,
        maxCapacity: 6,
        environment: { LOG_LEVEL: 'info' },
        deploymentPolicy: BeanstalkDeploymentPolicy.ROLLING_WITH_ADDITIONAL_BATCH,
        deploymentBatchSize: 50,
        deploymentBatchSizeType: BeanstalkBatchSizeType.PERCENTAGE,
        maintenanceWindow: 'Tue:04:30',
        updateLevel: BeanstalkUpdateLevel.PATCH,
        logRetention: logs.RetentionDays.TWO_YEARS,
        healthCheckPath: '/health',
        target5xxThreshold: 20,
        solutionStackName: '64bit Amazon Linux 2023 v6.10.0 running Node.js 22',
        optionSettings: [
          { optionNamespace: 'aws:elasticbeanstalk:environment:proxy', optionName: 'ProxyServer', value: 'nginx' },
        ],
      });
      new BeanstalkWorker(scope, 'Worker', {
        sourcePath: BEANSTALK_SAMPLE_SOURCES.worker,
        application: web,
        vpc,
        environmentName: 'shop-worker',
        deploymentPolicy: BeanstalkDeploymentPolicy.ROLLING,
        deploymentBatchSize: 1,
        httpPath: '/jobs',
        visibilityTimeout: Duration.minutes(10),
        maxReceiveCount: 3,
        encryptionKey: new SecureKey(scope, 'QueueKey', { description: 'Worker queues' }),
        logRetention: logs.RetentionDays.TWO_YEARS,
      });
    },
    stockDescription:
      'CfnApplication + CfnApplicationVersion (an s3_assets.Asset of the source) + CfnEnvironment (Node.js solution stack, no option settings)',
    stock: (scope) => {
      const application = new elasticbeanstalk.CfnApplication(scope, 'Application');
      const source = new s3assets.Asset(scope, 'Source', { path: BEANSTALK_SAMPLE_SOURCES.web });
      const version = new elasticbeanstalk.CfnApplicationVersion(scope, 'Version', {
        applicationName: application.ref,
        sourceBundle: { s3Bucket: source.s3BucketName, s3Key: source.s3ObjectKey },
      });
      new elasticbeanstalk.CfnEnvironment(scope, 'Environment', {
        applicationName: application.ref,
        solutionStackName: BeanstalkWebApp.DEFAULT_SOLUTION_STACK_NAME,
        versionLabel: version.ref,
      });
    },
  },
];

export const VARIANTS: Variant[] = ['Defaults', 'Full'];
export const KINDS: Kind[] = ['Agnostic', 'Specific'];

export function stackName(pattern: string, variant: Variant | 'Stock', kind?: Kind): string {
  return `${pattern}${variant}${kind ?? ''}`;
}

/**
 * The matrix as one app: the pattern stacks (defaults and full, agnostic and specific) and one stock stack per pattern
 * of `patterns` (all of them unless given), synthesized together.
 */
export function createMatrixApp(outdir?: string, patterns: PatternEntry[] = PATTERNS): App {
  const app = testApp({ outdir });
  for (const p of patterns) {
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
