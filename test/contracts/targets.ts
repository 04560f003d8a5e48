/**
 * What the runtime contracts run against: every stack of the sample app
 * (bin/app.ts createSampleApp, environment-agnostic; shared with the other test
 * files that read it, test/support/sample-app.ts) and option-rich variants
 * of each pattern (environment-specific, in the contracts' test account and
 * region). Each app is synthesized once per test file, on first use.
 */
import { Size, Stack } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { BEANSTALK_SAMPLE_SOURCES } from '../../examples/beanstalk-app-stack';
import {
  BatchCompute,
  BatchJobQueue,
  Ec2WebService,
  EksCluster,
  FargateWebService,
  HighlyAvailableFleet,
  InventoryLoader,
  SecureRepository,
  ServerlessApi,
  ServiceDeployment,
} from '../../lib';
import { fullServerlessApiProps } from '../serverless-api/fixtures';
import { testApp } from '../support/cdk-context';
import { CfnApp, CfnTemplate, TEST_ACCOUNT, TEST_REGION } from '../support/cfn-resolver';
import { ContractGroup } from '../support/runtime-contracts';
import { sampleApp as sharedSampleApp } from '../support/sample-app';
import { batchContracts } from './batch.contracts';
import { beanstalkContracts } from './beanstalk.contracts';
import {
  alarmTopicContracts,
  alarmTopicKeyContracts,
  logKeyContracts,
  prefixListLookupContracts,
  vpcFlowLogContracts,
} from './common.contracts';
import { repositoryContracts } from './ecr.contracts';
import { ec2ServiceContracts } from './ecs-ec2.contracts';
import { eksContracts } from './eks.contracts';
import { fargateContracts } from './fargate.contracts';
import { fleetContracts } from './fleet.contracts';
import { inventoryContracts, inventoryUploaderContracts, largeFileContracts } from './inventory.contracts';
import { serverlessApiContracts } from './serverless-api.contracts';
import { accessLogBucketContracts } from './shared-logging.contracts';

/** One synthesized stack and the contracts that must hold in it. */
export interface ContractTarget {
  /** Which app: 'sample app' or the variant's name. */
  readonly app: string;
  readonly stackName: string;
  /** What the stack is, for the generated doc. */
  readonly description: string;
  readonly groups: ContractGroup[];
}

/** A set of stacks synthesized together (cross-stack references resolve inside it). */
export interface ContractApp {
  readonly name: string;
  readonly synth: () => CfnApp;
  readonly targets: ContractTarget[];
}

const env = { account: TEST_ACCOUNT, region: TEST_REGION };

function memo<T>(f: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= f());
}

function fromAssembly(app: { synth: () => { stacks: { stackName: string; template: CfnTemplate }[] } }): CfnApp {
  const assembly = app.synth();
  return new CfnApp(assembly.stacks.map((s) => ({ stackName: s.stackName, template: s.template })));
}

const SAMPLE = 'sample app';

/** The sample app exactly as `npx cdk synth` builds it (cdk-nag packs included). */
export const sampleApp: ContractApp = {
  name: SAMPLE,
  // Synthesized once per jest run and shared with the sample-app and compliance tests (test/support/sample-app.ts).
  synth: memo(() => {
    const app = sharedSampleApp();
    if (app.synthError) throw new Error(`the sample app does not synthesize: ${app.synthError}`);
    return new CfnApp(app.stacks.map((s) => ({ stackName: s.stackName, template: s.template as CfnTemplate })));
  }),
  targets: [
    {
      app: SAMPLE,
      stackName: 'SharedLogging',
      description: 'The central access-log bucket the other samples log to.',
      groups: [accessLogBucketContracts({ bucket: 'AccessLogBucket' })],
    },
    {
      app: SAMPLE,
      stackName: 'WebFleet',
      description: 'HighlyAvailableFleet with its defaults (HTTP, on-demand, aws/ebs volumes).',
      groups: [
        fleetContracts({ prefix: 'Fleet' }),
        vpcFlowLogContracts('FleetVpc'),
        alarmTopicContracts({ alarm: 'FleetLoadBalancerUnhealthyHostsAlarm' }),
        logKeyContracts({ logGroups: ['FleetVpcFlowLogGroup', 'FleetLoadBalancerWebAclLogs'] }),
      ],
    },
    {
      app: SAMPLE,
      stackName: 'FargateService',
      description:
        'FargateWebService with its defaults and a metrics sidecar, and a second one on its load balancer (path rule /api/*).',
      groups: [
        fargateContracts({ prefix: 'Web', sidecars: ['metrics'] }),
        fargateContracts({ prefix: 'Api' }),
        vpcFlowLogContracts('WebVpc'),
        alarmTopicContracts({ alarm: 'WebCpuHighAlarm' }),
        logKeyContracts({
          logGroups: ['WebLogGroup', 'WebVpcFlowLogGroup', 'WebLoadBalancerWebAclLogs', 'ApiLogGroup'],
        }),
      ],
    },
    {
      app: SAMPLE,
      stackName: 'InventoryLoader',
      description: 'InventoryLoader with its defaults (its own bucket, table, VPC).',
      groups: [
        inventoryContracts({ prefix: 'InventoryLoader' }),
        inventoryUploaderContracts({ prefix: 'InventoryLoader', uploader: 'UploaderRole' }),
        vpcFlowLogContracts('InventoryLoaderVpc'),
        alarmTopicContracts({ alarm: 'InventoryLoaderErrorsAlarm' }),
        logKeyContracts({
          logGroups: [
            'InventoryLoaderLogGroup',
            'InventoryLoaderVpcFlowLogGroup',
            'CdkComputePatternsPrefixListsLogGroup',
          ],
        }),
        prefixListLookupContracts(),
      ],
    },
    {
      app: SAMPLE,
      stackName: 'Ec2Service',
      description: 'Ec2WebService with its defaults (awsvpc tasks on Graviton container instances).',
      groups: [
        ec2ServiceContracts({ prefix: 'Web' }),
        vpcFlowLogContracts('WebVpc'),
        alarmTopicContracts({ alarm: 'WebCpuHighAlarm' }),
        logKeyContracts({ logGroups: ['WebLogGroup', 'WebVpcFlowLogGroup', 'WebLoadBalancerWebAclLogs'] }),
      ],
    },
    {
      app: SAMPLE,
      stackName: 'ContainerRegistry',
      description: 'SecureRepository with its defaults.',
      groups: [repositoryContracts({ prefix: 'Registry' })],
    },
    {
      app: SAMPLE,
      stackName: 'BeanstalkApp',
      description: 'BeanstalkWebApp (HTTP chosen) and a BeanstalkWorker in its application and VPC.',
      groups: [
        beanstalkContracts({
          prefix: 'Web',
          application: 'WebApplication',
          environmentName: 'BeanstalkApp-Web-A4B76935',
          sourcePath: BEANSTALK_SAMPLE_SOURCES.web,
        }),
        beanstalkContracts({
          prefix: 'Worker',
          application: 'WebApplication',
          environmentName: 'BeanstalkApp-Worker-168A662D',
          sourcePath: BEANSTALK_SAMPLE_SOURCES.worker,
          worker: true,
        }),
        vpcFlowLogContracts('WebVpc'),
        alarmTopicContracts({ alarm: 'WorkerDeadLetterAlarm' }),
        logKeyContracts({ logGroups: ['WebVpcFlowLogGroup'] }),
      ],
    },
    {
      app: SAMPLE,
      stackName: 'BatchJobs',
      description: 'BatchJobQueue on Fargate Spot then Fargate, one job definition, a nightly schedule.',
      groups: [
        batchContracts({ prefix: 'Jobs', definition: 'NightlyReport', schedule: 'Nightly' }),
        vpcFlowLogContracts('JobsVpc'),
        alarmTopicContracts({ alarm: 'JobsFailedJobsAlarm' }),
        logKeyContracts({ logGroups: ['JobsLogGroup', 'JobsFailedJobsLogGroup', 'JobsBlockedQueueLogGroup'] }),
      ],
    },
    {
      app: SAMPLE,
      stackName: 'EksCluster',
      description:
        'EksCluster sample: managed node group, Fargate profile, the AWS Load Balancer Controller and the nginx example through the kubectl provider.',
      groups: [
        eksContracts({
          prefix: 'Eks',
          workloads: true,
          loadBalancerController: true,
          accessInstance: { adminRole: 'EksAdminRole' },
        }),
        vpcFlowLogContracts('EksVpc'),
        alarmTopicContracts({ alarm: 'EksApiServerErrorsAlarm' }),
        logKeyContracts({
          logGroups: [
            'EksVpcFlowLogGroup',
            'EksKubectlProviderHandlerLogGroup',
            'EksKubectlProviderframeworkonEventLogGroup',
          ],
        }),
      ],
    },
    {
      app: SAMPLE,
      stackName: 'ServerlessApi',
      description:
        "ServerlessApi with its defaults: the lab's users API (IAM authorization, WAF, three route functions in a VPC, canary deployments).",
      groups: [
        serverlessApiContracts({ prefix: 'UsersApi' }),
        vpcFlowLogContracts('UsersApiVpc'),
        alarmTopicContracts({ alarm: 'UsersApiServerErrorRateAlarm' }),
        logKeyContracts({
          logGroups: [
            'UsersApiReadLogGroup',
            'UsersApiWriteLogGroup',
            'UsersApiDeleteLogGroup',
            'UsersApiAccessLogs',
            'UsersApiWebAclLogs',
            'UsersApiVpcFlowLogGroup',
          ],
        }),
      ],
    },
  ],
};

const FLEET = 'fleet variant';
/** HighlyAvailableFleet with Spot capacity, HTTPS on a domain and a customer-managed root-volume key from the same app. */
export const fleetVariant: ContractApp = {
  name: FLEET,
  synth: memo(() => {
    const app = testApp();
    const stack = new Stack(app, 'FleetVariant', { env });
    const key = new kms.Key(stack, 'RootVolumeKey', { enableKeyRotation: true });
    new HighlyAvailableFleet(stack, 'Fleet', {
      rootVolumeEncryptionKey: key,
      onDemandBaseCapacity: 1,
      onDemandPercentageAboveBaseCapacity: 0,
      additionalInstanceTypes: [new ec2.InstanceType('m7g.medium')],
      domainName: 'shop.example.com',
      domainZone: route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', {
        hostedZoneId: 'Z0123456789EXAMPLE',
        zoneName: 'example.com',
      }),
    });
    return fromAssembly(app);
  }),
  targets: [
    {
      app: FLEET,
      stackName: 'FleetVariant',
      description:
        'HighlyAvailableFleet with Spot above one on-demand instance, two instance types, HTTPS on a domain (DNS-validated certificate, port 80 redirects) and a customer-managed root-volume key (environment-specific stack).',
      groups: [
        fleetContracts({ prefix: 'Fleet', rootVolumeKey: 'RootVolumeKey' }),
        alarmTopicContracts({ alarm: 'FleetLoadBalancerUnhealthyHostsAlarm' }),
      ],
    },
  ],
};

const FLEET_WARM_POOL = 'fleet warm pool variant';
/** HighlyAvailableFleet with a warm pool (one launch template, a readiness lifecycle hook) and the user's alarm topic. */
export const fleetWarmPoolVariant: ContractApp = {
  name: FLEET_WARM_POOL,
  synth: memo(() => {
    const app = testApp();
    const stack = new Stack(app, 'FleetWarmPool', { env });
    const opsKey = new kms.Key(stack, 'OpsKey', { enableKeyRotation: true });
    new HighlyAvailableFleet(stack, 'Fleet', {
      protocol: elbv2.ApplicationProtocol.HTTP,
      warmPool: { minSize: 1, reuseOnScaleIn: true },
      alarmTopic: new sns.Topic(stack, 'OpsTopic', { masterKey: opsKey }),
    });
    return fromAssembly(app);
  }),
  targets: [
    {
      app: FLEET_WARM_POOL,
      stackName: 'FleetWarmPool',
      description:
        "HighlyAvailableFleet with a warm pool of stopped instances: a single launch template, a launch lifecycle hook completed by the instances themselves, and the user's alarm topic under a key of the user's (environment-specific stack).",
      groups: [
        fleetContracts({ prefix: 'Fleet', warmPool: true, alarmTopic: { topic: 'OpsTopic', key: 'OpsKey' } }),
        alarmTopicKeyContracts({ alarm: 'FleetLoadBalancerUnhealthyHostsAlarm', key: 'OpsKey' }),
      ],
    },
  ],
};

const FARGATE = 'fargate variant';
/** FargateWebService with ECS Exec, secrets, Spot and an image in a private ECR repository. */
export const fargateVariant: ContractApp = {
  name: FARGATE,
  synth: memo(() => {
    const app = testApp();
    const stack = new Stack(app, 'FargateVariant', { env });
    const repository = new ecr.Repository(stack, 'Repository', { imageTagMutability: ecr.TagMutability.IMMUTABLE });
    const secretKey = new kms.Key(stack, 'SecretKey', { enableKeyRotation: true });
    const secret = new secretsmanager.Secret(stack, 'DatabasePassword', { encryptionKey: secretKey });
    const web = new FargateWebService(stack, 'Web', {
      image: ecs.ContainerImage.fromEcrRepository(repository, 'v1'),
      enableExecuteCommand: true,
      spot: true,
      secrets: { DB_PASSWORD: ecs.Secret.fromSecretsManager(secret) },
      deployment: ServiceDeployment.canary({ testListenerPort: 8080 }),
    });
    const agentToken = new secretsmanager.Secret(stack, 'AgentToken', { encryptionKey: secretKey });
    web.addSidecar('agent', {
      image: ecs.ContainerImage.fromEcrRepository(repository, 'agent-v1'),
      secrets: { AGENT_TOKEN: ecs.Secret.fromSecretsManager(agentToken) },
    });
    return fromAssembly(app);
  }),
  targets: [
    {
      app: FARGATE,
      stackName: 'FargateVariant',
      description:
        'FargateWebService with ECS Exec, a Secrets Manager secret under a customer key, Fargate Spot, an image from a private ECR repository, a canary deployment with a test listener, and a sidecar with its own secret (environment-specific stack).',
      groups: [
        fargateContracts({
          prefix: 'Web',
          exec: true,
          ecrRepository: 'Repository',
          secrets: [
            {
              container: 'the application container',
              secretsManager: { secret: 'DatabasePassword', key: 'SecretKey' },
            },
            { container: "the sidecar 'agent'", secretsManager: { secret: 'AgentToken', key: 'SecretKey' } },
          ],
          sidecars: ['agent'],
          trafficShifting: { listener: 'WebLoadBalancerHttp', testListener: 'WebLoadBalancerTest8080' },
        }),
        alarmTopicContracts({ alarm: 'WebCpuHighAlarm' }),
        logKeyContracts({ logGroups: ['WebLogGroup', 'WebExecLogGroup'] }),
      ],
    },
  ],
};

const EC2 = 'ec2 service variant';
/** Ec2WebService deploying blue/green with a test listener. */
export const ec2ServiceVariant: ContractApp = {
  name: EC2,
  synth: memo(() => {
    const app = testApp();
    const stack = new Stack(app, 'Ec2ServiceVariant', { env });
    const web = new Ec2WebService(stack, 'Web', {
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx-unprivileged:stable-alpine'),
      deployment: ServiceDeployment.blueGreen({ testListenerPort: 9000 }),
    });
    const collectorConfig = new ssm.StringParameter(stack, 'CollectorConfig', { stringValue: 'exporters: {}' });
    web.addSidecar('collector', {
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/aws-observability/aws-otel-collector:latest'),
      secrets: { COLLECTOR_CONFIG: ecs.Secret.fromSsmParameter(collectorConfig) },
    });
    return fromAssembly(app);
  }),
  targets: [
    {
      app: EC2,
      stackName: 'Ec2ServiceVariant',
      description:
        'Ec2WebService deploying blue/green with a test listener on port 9000, and a sidecar given an SSM parameter as a secret (environment-specific stack).',
      groups: [
        ec2ServiceContracts({
          prefix: 'Web',
          secrets: [{ container: "the sidecar 'collector'", ssmParameter: 'CollectorConfig' }],
          trafficShifting: { listener: 'WebLoadBalancerHttp', testListener: 'WebLoadBalancerTest9000' },
        }),
        alarmTopicContracts({ alarm: 'WebCpuHighAlarm' }),
      ],
    },
  ],
};

const EKS = 'eks variant';
/** EksCluster in Auto Mode with an EKS Pod Identity association. */
export const eksVariant: ContractApp = {
  name: EKS,
  synth: memo(() => {
    const app = testApp();
    const stack = new Stack(app, 'EksVariant', { env });
    const cluster = new EksCluster(stack, 'Eks', {
      autoMode: true,
      adminPrincipalArns: [`arn:aws:iam::${TEST_ACCOUNT}:role/Admin`],
    });
    const podRole = new iam.Role(stack, 'PodRole', {
      assumedBy: new iam.SessionTagsPrincipal(new iam.ServicePrincipal('pods.eks.amazonaws.com')),
    });
    cluster.addPodIdentity('shop', 'orders', podRole);
    return fromAssembly(app);
  }),
  targets: [
    {
      app: EKS,
      stackName: 'EksVariant',
      description:
        'EksCluster in Auto Mode with an admin and one EKS Pod Identity association (environment-specific stack).',
      groups: [
        eksContracts({ prefix: 'Eks', autoMode: true, podRole: 'PodRole' }),
        logKeyContracts({ logGroups: ['EksVpcFlowLogGroup'] }),
      ],
    },
  ],
};

const INVENTORY = 'inventory variant';
/** InventoryLoader with a bring-your-own bucket and table (env-agnostic: no account or region). */
export const inventoryVariant: ContractApp = {
  name: INVENTORY,
  synth: memo(() => {
    const app = testApp();
    const stack = new Stack(app, 'InventoryVariant');
    const bucketKey = new kms.Key(stack, 'UploadsKey', { enableKeyRotation: true });
    const bucket = new s3.Bucket(stack, 'Uploads', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: bucketKey,
      enforceSSL: true,
      eventBridgeEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    });
    const table = new dynamodb.Table(stack, 'Items', {
      partitionKey: { name: 'sku', type: dynamodb.AttributeType.STRING },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: new kms.Key(stack, 'ItemsKey', { enableKeyRotation: true }),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    });
    new InventoryLoader(stack, 'Loader', { bucket, table });
    return fromAssembly(app);
  }),
  targets: [
    {
      app: INVENTORY,
      stackName: 'InventoryVariant',
      description:
        'InventoryLoader with a bring-your-own KMS-encrypted bucket and a bring-your-own table under a customer key (environment-agnostic stack).',
      groups: [
        inventoryContracts({
          prefix: 'Loader',
          bucket: 'Uploads',
          bucketKey: 'UploadsKey',
          table: 'Items',
          tableKey: 'ItemsKey',
        }),
        alarmTopicContracts({ alarm: 'LoaderErrorsAlarm' }),
      ],
    },
  ],
};

const REGISTRY = 'registry variant';
/** SecureRepository shared with another account and fronting a pull-through cache of ECR Public. */
export const registryVariant: ContractApp = {
  name: REGISTRY,
  synth: memo(() => {
    const app = testApp();
    const stack = new Stack(app, 'RegistryVariant', { env });
    new SecureRepository(stack, 'Registry', { pullAccounts: ['777788889999'], pullThroughCachePrefix: 'ecr-public' });
    return fromAssembly(app);
  }),
  targets: [
    {
      app: REGISTRY,
      stackName: 'RegistryVariant',
      description:
        'SecureRepository with a cross-account pull grant and a pull-through cache of ECR Public (environment-specific stack).',
      groups: [repositoryContracts({ prefix: 'Registry', pullAccount: '777788889999', cachePrefix: 'ecr-public' })],
    },
  ],
};

const LARGE_FILES = 'inventory large-file variant';
/** InventoryLoader with largeFiles (environment-specific). */
export const inventoryLargeFileVariant: ContractApp = {
  name: LARGE_FILES,
  synth: memo(() => {
    const app = testApp();
    const stack = new Stack(app, 'InventoryLargeFiles', { env: { account: TEST_ACCOUNT, region: TEST_REGION } });
    new InventoryLoader(stack, 'Loader', { largeFiles: { threshold: Size.mebibytes(100) } });
    return fromAssembly(app);
  }),
  targets: [
    {
      app: LARGE_FILES,
      stackName: 'InventoryLargeFiles',
      description:
        'InventoryLoader with largeFiles: router, Step Functions Distributed Map and worker (environment-specific stack).',
      groups: [
        largeFileContracts({ prefix: 'Loader' }),
        alarmTopicContracts({ alarm: 'LoaderLargeFilesFailedExecutionsAlarm' }),
        logKeyContracts({
          logGroups: [
            'LoaderLargeFilesStateMachineLogGroup',
            'LoaderLargeFilesRouterLogGroup',
            'LoaderLargeFilesWorkerLogGroup',
          ],
        }),
      ],
    },
  ],
};

const BATCH = 'batch variant';
/** BatchJobQueue on EC2 Spot then On-Demand, with a secret and an upload trigger. */
export const batchVariant: ContractApp = {
  name: BATCH,
  synth: memo(() => {
    const app = testApp();
    const stack = new Stack(app, 'BatchVariant', { env });
    const secretKey = new kms.Key(stack, 'SecretKey', { enableKeyRotation: true });
    const secret = new secretsmanager.Secret(stack, 'ApiToken', { encryptionKey: secretKey });
    const jobs = new BatchJobQueue(stack, 'Jobs', { compute: BatchCompute.EC2, spot: true });
    const convert = jobs.addJobDefinition('Convert', {
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/amazonlinux/amazonlinux:2023'),
      command: ['convert', 'Ref::bucket', 'Ref::key'],
      secrets: { API_TOKEN: batch.Secret.fromSecretsManager(secret) },
    });
    const uploads = new s3.Bucket(stack, 'Uploads', { eventBridgeEnabled: true, enforceSSL: true });
    jobs.submitOnUpload('Incoming', uploads, 'incoming/', convert);
    // Fair-share queues in the same VPC, fed by a schedule that sends the share identifier they require.
    const fair = new BatchJobQueue(stack, 'FairJobs', {
      vpc: jobs.vpc,
      fairShare: { shares: [{ shareIdentifier: 'teamA', weightFactor: 1 }] },
    });
    const report = fair.addJobDefinition('Report', {
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/amazonlinux/amazonlinux:2023'),
    });
    fair.submitOnSchedule('Nightly', scheduler.ScheduleExpression.cron({ hour: '2', minute: '0' }), report, {
      shareIdentifier: 'teamA',
    });
    return fromAssembly(app);
  }),
  targets: [
    {
      app: BATCH,
      stackName: 'BatchVariant',
      description:
        'BatchJobQueue on EC2 (Spot first, On-Demand next) with a Secrets Manager secret under a customer key and an S3 upload trigger, and beside it a fair-share BatchJobQueue fed by a schedule with a share identifier (environment-specific stack).',
      groups: [
        batchContracts({
          prefix: 'Jobs',
          definition: 'Convert',
          upload: 'Incoming',
          secret: { secret: 'ApiToken', key: 'SecretKey' },
          ec2: true,
        }),
        batchContracts({ prefix: 'FairJobs', definition: 'Report', schedule: 'Nightly', shareIdentifier: 'teamA' }),
        alarmTopicContracts({ alarm: 'JobsQueueBlockedAlarm' }),
        logKeyContracts({ logGroups: ['JobsLogGroup'] }),
      ],
    },
  ],
};

const SERVERLESS_API = 'serverless-api variant';
/** ServerlessApi with every option on (the compliance matrix's `full` props), environment-specific. */
export const serverlessApiVariant: ContractApp = {
  name: SERVERLESS_API,
  synth: memo(() => {
    const app = testApp();
    const stack = new Stack(app, 'ServerlessApiVariant', { env });
    new ServerlessApi(stack, 'Books', fullServerlessApiProps(stack));
    return fromAssembly(app);
  }),
  targets: [
    {
      app: SERVERLESS_API,
      stackName: 'ServerlessApiVariant',
      description:
        'ServerlessApi with every option on: a books collection, CORS allow-list, API key and usage plan, custom domain, stage `live`, provisioned and reserved concurrency, linear deployments, a table key of its own (environment-specific stack).',
      groups: [
        serverlessApiContracts({
          prefix: 'Books',
          tableKey: 'TableKey',
          stageName: 'live',
          collection: 'books',
        }),
        alarmTopicContracts({ alarm: 'BooksLatencyAlarm' }),
        logKeyContracts({ logGroups: ['BooksAccessLogs', 'BooksWebAclLogs', 'BooksWriteLogGroup'] }),
      ],
    },
  ],
};

/** Every app the contract suite runs. */
export const CONTRACT_APPS: ContractApp[] = [
  sampleApp,
  fleetVariant,
  fleetWarmPoolVariant,
  fargateVariant,
  ec2ServiceVariant,
  eksVariant,
  inventoryVariant,
  registryVariant,
  inventoryLargeFileVariant,
  batchVariant,
  serverlessApiVariant,
];
